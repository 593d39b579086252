// The known-secret detector: every line of a chunk through the index, a hit
// becomes a finding naming where the value comes from. The finding carries
// the detector's ordinary fingerprint of the raw value (computed when it was
// indexed), so the raw and the base64 leak of one value are one incident, and
// the same fingerprint the pattern engine gives that value.

import type { Finding, LogChunk, Source } from '../../pipeline/events.ts'
import { stableId } from '../../pipeline/fingerprint.ts'
import { clipAround, maskText } from '../excerpt.ts'
import { secretShapedRuns } from '../secret-shape.ts'
import type { DetectorLimit, FramedChunk, LimitAt, SecretDetector, SecretSpan } from '../secrets.ts'
import { DEFAULT_MAX_FINDINGS_PER_LINE, INLINE_ALLOW, INLINE_ALLOW_HEX, inlineMarkers } from '../secrets.ts'
import type { FormKind } from './encode.ts'
import type { Hit, IndexedValue, KnownSecretIndex, Origin } from './index.ts'

export const KNOWN_SECRET_RULE = 'known-secret'

export interface KnownSecretDetectorOptions {
  index: KnownSecretIndex
  maxContextChars: number
  /** Stream ids matching one of these are not scanned (the engine's `detector.allow.streams`). */
  allowStreams?: ReadonlyArray<{ test: (s: string) => boolean }>
  /** Fingerprints accepted as known (a baseline). */
  fingerprints?: ReadonlySet<string>
  /**
   * Known-secret findings one line makes (`detector.maxFindingsPerLine`, as for a rule of the engine): past
   * it the line's further values are masked in every context but not reported, and `onLimit` is called once
   * for the line. A line of 40,000 indexed values made 40,000 findings (and in `run all` as many incidents).
   */
  maxFindingsPerLine?: number
  onLimit?: (limit: DetectorLimit, at: LimitAt) => void
  now?: () => Date
}

/** The masked preview of a value held as bytes, by the same rule as `mask()`, without a string of the value. */
export function previewOf(value: Uint8Array): string {
  const text = new TextDecoder('utf-8', { fatal: false })
  // Decoding only the few characters the mask shows: the head and the tail.
  const chars = countChars(value)
  const head = Math.min(4, Math.floor(chars / 6))
  const tail = chars >= 24 ? 2 : 0
  const headBytes = byteOfChar(value, head)
  const tailBytes = byteOfChar(value, chars - tail)
  return `${text.decode(value.subarray(0, headBytes))}********${tail > 0 ? text.decode(value.subarray(tailBytes)) : ''}`
}

function countChars(b: Uint8Array): number {
  let n = 0
  for (const c of b) if ((c & 0xc0) !== 0x80) n++
  return n
}

function byteOfChar(b: Uint8Array, char: number): number {
  let n = -1
  for (let i = 0; i < b.length; i++) {
    if (((b[i] as number) & 0xc0) !== 0x80) n++
    if (n === char) return i
  }
  return b.length
}

export function describeOrigin(o: Origin): string {
  if (o.source === 'kubernetes') return `Secret ${o.namespace}/${o.name} key ${o.key}`
  if (o.source === 'vault') return `Vault ${o.mount}/${o.path} field ${o.field}`
  return `file ${o.name}`
}

const FORM_LABEL: Record<FormKind, string> = {
  raw: 'raw',
  line: 'a line of it',
  json: 'JSON-escaped',
  json2: 'JSON-escaped twice',
  url: 'URL-encoded',
  form: 'form-encoded',
  base64: 'base64',
  base64url: 'base64url',
  html: 'HTML-escaped'
}

export interface KnownSecretDetector {
  /**
   * The known values in a chunk. With `framed` (the engine's bytes of the same chunk, from its
   * `detect` callback) the lines are not encoded again; hits are mapped back to the written columns.
   */
  detect: (chunk: LogChunk, framed?: FramedChunk) => Finding[]
}

/**
 * The engine and the known-secret lookup over one chunk: the lookup scans the bytes the engine wrote
 * (writing a chunk's lines as UTF-8 was ~40% of the lookup's time), or its own when the engine
 * skipped the chunk (an allow-listed stream). `spans` goes to the engine's detect (a masker's).
 */
export function withKnownSecrets(
  secrets: SecretDetector,
  known: KnownSecretDetector
): { detect: (chunk: LogChunk, spans?: (s: SecretSpan) => void) => Finding[] } {
  return {
    detect(chunk, spans) {
      let found: Finding[] | undefined
      const own = secrets.detect(
        chunk,
        (framed) => {
          found = known.detect(chunk, framed)
        },
        spans
      )
      return [...own, ...(found ?? known.detect(chunk))]
    }
  }
}

export function createKnownSecretDetector(opts: KnownSecretDetectorOptions): KnownSecretDetector {
  const now = opts.now ?? (() => new Date())
  const max = opts.maxContextChars
  const maxFindings = opts.maxFindingsPerLine ?? DEFAULT_MAX_FINDINGS_PER_LINE

  return {
    detect(chunk, framed) {
      if (opts.allowStreams?.some((a) => a.test(chunk.stream)) === true) return []
      const out: Finding[] = []
      let detectedAt: string | undefined
      // One scan of the whole chunk (its lines encoded once); a chunk without a hit (nearly all) allocates nothing here.
      let hits: Array<{ line: number; hit: Hit }> | undefined
      if (framed === undefined) {
        opts.index.scanLines(chunk.lines, (line, hit) => {
          hits ??= []
          hits.push({ line, hit })
        })
      } else {
        opts.index.scanBytes(framed.bytes, framed.length, framed.starts, framed.lines, (line, hit) => {
          hits ??= []
          hits.push({ line, hit: { ...hit, start: framed.toRaw(line, hit.start), end: framed.toRawEnd(line, hit.end) } })
        })
      }
      if (hits === undefined) return out
      // Hits come in line order (a sample lies inside the span it finds); grouped per line here.
      const byLine = new Map<number, Hit[]>()
      for (const { line, hit } of hits) {
        const list = byLine.get(line)
        if (list === undefined) byLine.set(line, [hit])
        else list.push(hit)
      }
      for (const [i, found] of byLine) {
        const line = chunk.lines[i] ?? ''
        const kept = widestHits(found)
        const spans = kept.map((h): [number, number] => [h.start, h.end])
        // The engine's contexts of this line mask these values, and these contexts mask every secret the engine found on it.
        framed?.reportSpans(i, spans)
        // And every run shaped like a credential, which a later chunk may find (../secret-shape.ts).
        const masked = maskText(line, [...spans, ...(framed?.secretSpans(i) ?? []), ...secretShapedRuns(line)])
        // The line's inline markers, read once: a search of the line per hit was quadratic in a line of many values.
        const markers = line.includes(INLINE_ALLOW) ? inlineMarkers(line) : undefined
        let made = 0
        for (const h of kept) {
          if (opts.fingerprints?.has(h.value.fingerprint) === true || (markers !== undefined && inlineAllowed(markers, h.value.fingerprint))) continue
          // Past the cap the values stay masked in every context (`spans` above), without findings.
          if (made === maxFindings) {
            opts.onLimit?.('findings-per-line', { lineIndex: i, rule: KNOWN_SECRET_RULE })
            break
          }
          const [firstKey] = h.value.origins
          const origin = firstKey === undefined ? undefined : opts.index.origin(firstKey)
          if (origin === undefined) continue
          detectedAt ??= now().toISOString()
          const lineNo = chunk.startLine + i
          const others = h.value.origins.size - 1
          const f: Finding = {
            v: '1',
            type: 'finding',
            id: stableId(h.value.fingerprint, chunk.stream, lineNo, h.start),
            fingerprint: h.value.fingerprint,
            rule: KNOWN_SECRET_RULE,
            title: `Value of ${describeOrigin(origin)}${others > 0 ? ` (and ${others} other${others > 1 ? 's' : ''})` : ''}, ${FORM_LABEL[h.kind]}`,
            kind: 'known-secret',
            severity: 'high',
            confidence: 'high',
            stream: chunk.stream,
            source: chunk.source satisfies Source,
            location: { line: lineNo, column: h.start + 1, endLine: lineNo, endColumn: h.end + 1 },
            preview: h.value.preview,
            context: clipAround(masked.text, masked.at(h.start), max),
            detectedAt,
            origin
          }
          if (origin.source === 'kubernetes') f.secretRef = { type: 'kubernetes', namespace: origin.namespace, name: origin.name, key: origin.key }
          else if (origin.source === 'vault') f.secretRef = { type: 'vault', name: `${origin.mount}/${origin.path}`, key: origin.field }
          out.push(f)
          made++
        }
      }
      return out
    }
  }
}

/**
 * One finding per leaked value: a pattern or generic finding on the same line
 * whose span overlaps a known-secret finding's, or that has its fingerprint,
 * is folded into it. The known-secret finding wins (it names the Secret to
 * rotate) and lists the rules that also matched in `alsoMatched`; a
 * verification or sealed value of the same fingerprint is carried over.
 */
export function foldIntoKnownSecrets(findings: Finding[]): Finding[] {
  const known = findings.filter((f) => f.kind === 'known-secret')
  if (known.length === 0) return findings
  const byLine = knownByLine(known)
  const out: Finding[] = []
  for (const f of findings) {
    if (f.kind === 'known-secret') {
      out.push(f)
      continue
    }
    const k = byLine.get(f.location.line)?.foldInto(f)
    if (k === undefined) {
      out.push(f)
      continue
    }
    if (!(k.alsoMatched ?? []).includes(f.rule)) k.alsoMatched = [...(k.alsoMatched ?? []), f.rule]
    if (k.fingerprint === f.fingerprint) {
      if (f.sealed !== undefined) k.sealed = f.sealed
      if (f.verified !== undefined) k.verified = f.verified
    }
  }
  return out
}

/**
 * Per line, the known-secret finding a rule finding folds into: the first with its fingerprint or whose
 * span overlaps its own (a single-line finding), found in O(log K) per finding rather than by a pass over
 * every known-secret finding (quadratic in a line of many values). The detector makes a line's findings
 * in column order, so the first overlapping by column is the first in order.
 */
function knownByLine(known: readonly Finding[]): Map<number, { foldInto: (f: Finding) => Finding | undefined }> {
  const lines = new Map<number, Array<{ f: Finding; order: number }>>()
  known.forEach((f, order) => {
    const list = lines.get(f.location.line) ?? []
    lines.set(f.location.line, list)
    list.push({ f, order })
  })
  const out = new Map<number, { foldInto: (f: Finding) => Finding | undefined }>()
  for (const [line, list] of lines) {
    const byFingerprint = new Map<string, { f: Finding; order: number }>()
    for (const k of list) if (!byFingerprint.has(k.f.fingerprint)) byFingerprint.set(k.f.fingerprint, k)
    // By column; the furthest end so far, per position, finds the first span by column ending past a column.
    const sorted = [...list].sort((a, b) => a.f.location.column - b.f.location.column || a.order - b.order)
    const reach: number[] = []
    for (const [j, k] of sorted.entries()) reach.push(Math.max(reach[j - 1] ?? Number.NEGATIVE_INFINITY, k.f.location.endColumn))
    // The first span by column overlapping [column, endColumn): the first whose furthest end so far passes
    // `column` ends past it; it overlaps unless it starts at or after endColumn, and then none does.
    const overlapping = (column: number, endColumn: number): { f: Finding; order: number } | undefined => {
      let lo = 0
      let hi = sorted.length
      while (lo < hi) {
        const mid = (lo + hi) >>> 1
        if ((reach[mid] as number) > column) hi = mid
        else lo = mid + 1
      }
      const k = sorted[lo]
      return k !== undefined && k.f.location.column < endColumn ? k : undefined
    }
    out.set(line, {
      foldInto(f) {
        const same = byFingerprint.get(f.fingerprint)
        const single = f.location.endLine === f.location.line
        const over = single ? overlapping(f.location.column, f.location.endColumn) : undefined
        if (same === undefined) return over?.f
        if (over === undefined) return same.f
        return (same.order < over.order ? same : over).f
      }
    })
  }
  return out
}

/**
 * One hit per value per place: a value found in several forms at one place (its JSON escape contains
 * its raw form) is one hit, the widest. A hit is dropped when another hit of its value contains its span
 * (an identical span: all but the first). By start, then end descending, every hit containing a hit
 * comes before it, so one pass with the furthest end per value decides each in constant time; the
 * pairwise comparison it replaces was quadratic in a line of many values.
 */
export function widestHits(found: Hit[]): Hit[] {
  found.sort((a, b) => a.start - b.start || b.end - a.end)
  const reach = new Map<IndexedValue, number>()
  const kept: Hit[] = []
  for (const h of found) {
    const end = reach.get(h.value)
    if (end !== undefined && end >= h.end) continue
    reach.set(h.value, Math.max(end ?? h.end, h.end))
    kept.push(h)
  }
  return kept
}

/** Whether a line's inline markers (`inlineMarkers`) accept the secret whose fingerprint is `fingerprint`. */
function inlineAllowed(markers: ReadonlySet<string>, fingerprint: string): boolean {
  // A fingerprint is at least INLINE_ALLOW_HEX hex digits; a shorter one (never made) accepts nothing.
  return fingerprint.length >= INLINE_ALLOW_HEX && markers.has(fingerprint.slice(0, INLINE_ALLOW_HEX))
}

export type { Origin }
