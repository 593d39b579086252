// The secret detector: format rules and generic assignments over log chunks.
//
// A line is first taken out of its record framing (CRI and CI timestamps, ANSI
// colours, GitLab section markers); findings point back at the line as written.
// The chunk's lines are then scanned as one UTF-8 buffer: one pass of the
// keyword automaton (detectors/keywords.ts) finds the candidate rules of each
// line — every rule names lower-case keywords that any match of it contains —
// and one pass finds the base64 runs worth decoding. Only candidate rules run
// their RE2 regex, on the line's bytes (a view into the chunk's buffer, no
// copy). A candidate becomes a finding after the rule's gates: entropy,
// checksum, allowlists. Decoded views of a line (JSON escapes, URL escapes,
// base64 runs) are scanned the same way to a bounded depth, and over-long
// lines are scanned in overlapping windows instead of being cut. Everything
// that leaves this module is fingerprinted or masked.

import RE2 from 're2'
import { LeakwatchError } from '../pipeline/errors.ts'
import type { Finding, LogChunk, Source } from '../pipeline/events.ts'
import type { Fingerprinter } from '../pipeline/fingerprint.ts'
import { mask, stableId } from '../pipeline/fingerprint.ts'
import { decodeViews } from './decode.ts'
import { shannonEntropy } from './entropy.ts'
import { createKeywordScanner, findBase64Runs } from './keywords.ts'
import type { Rule } from './rule.ts'
import { nameLike, referenceLike } from './words.ts'

interface Compiled {
  rule: Rule
  index: number
  re: RE2
  /** `rule.follows`, sticky: tested right after a keyword occurrence. */
  follows: RegExp | undefined
  group: number
  allowSecrets: RE2[]
  allowMatches: RE2[]
  allowLines: RE2[]
  allowStreams: RE2[]
}

/** Allowlists that apply to every rule (configuration, `--baseline`). */
export interface GlobalAllow {
  /** RE2 patterns on the secret. */
  secrets?: string[]
  /** RE2 patterns on the whole line. */
  lines?: string[]
  /** RE2 patterns on the stream id (k8s/<ns>/<pod>/<container>, ci/<provider>/<repo>/<job>, file/<path>). */
  streams?: string[]
  /** Fingerprints accepted as known (a baseline file). */
  fingerprints?: ReadonlySet<string>
}

export interface SecretDetectorOptions {
  rules: readonly Rule[]
  fingerprinter: Fingerprinter
  maxContextChars: number
  allow?: GlobalAllow
  /** Lines longer than this are scanned in windows of this size overlapping by `windowOverlapChars`. */
  maxLineChars?: number
  windowOverlapChars?: number
  /** Levels of decoding (JSON, URL, base64) applied to a line; 0 disables. */
  decodeDepth?: number
  /** Clock for detectedAt; injected so tests are deterministic. */
  now?: () => Date
  /**
   * Attach each finding's plaintext, readable only through `revealedSecret`.
   * For the command line (`scan --reveal`, `mask`); the pipeline never sets it.
   */
  reveal?: boolean
}

// A symbol-keyed, non-enumerable slot: JSON.stringify, object spread, structuredClone and the bus codec
// all skip it, so a revealed finding that strays into the pipeline still carries no plaintext.
const SECRET = Symbol('leakwatch.secret')

/** The plaintext of a finding made with `reveal: true`; undefined otherwise. */
export function revealedSecret(f: Finding): string | undefined {
  return (f as Finding & { [SECRET]?: string })[SECRET]
}

/**
 * A chunk's lines as the engine read them, handed to `detect`'s `framed` callback so that the
 * known-secret lookup scans the same bytes instead of encoding the lines again. Valid only during
 * the callback: the next chunk reuses the buffer.
 */
export interface FramedChunk {
  /** The lines joined by '\n', a '\n' after the last, then at least 8 zero bytes; at offset 0 of its ArrayBuffer. */
  bytes: Buffer
  /** Bytes of the lines and their newlines (the last one included). */
  length: number
  /** Byte offset of each line in `bytes`. */
  starts: ArrayLike<number>
  /** The framed lines (record prefix and terminal escapes taken off). */
  lines: readonly string[]
  /** Column in written line `line` of the framed column `col`; `toRawEnd` for an exclusive end. */
  toRaw: (line: number, col: number) => number
  toRawEnd: (line: number, col: number) => number
}

export interface SecretDetector {
  /** `framed`, when given, is called with the chunk's bytes once the rules are done with them. */
  detect: (chunk: LogChunk, framed?: (f: FramedChunk) => void) => Finding[]
  readonly ruleCount: number
}

/** A raw match before it becomes a Finding; `secret` never leaves this module. */
interface Hit {
  compiled: Compiled
  lineIndex: number
  /** Span in the source line (code units), masked in the context. */
  start: number
  end: number
  endLineIndex: number
  endColumn: number
  secret: string
  /** Set when found in a decoded view: the context then shows the masked view. */
  via?: string
  viewText?: string
  viewStart?: number
  viewEnd?: number
  /** The value ran into a JSON escape and was cut there: a decoded view's reading of the place is better. */
  cut?: boolean
}

/** The inline marker that silences a line, like gitleaks:allow. */
export const INLINE_ALLOW = 'leakwatch:allow'

// Values that generic rules see all the time and that are never credentials.
const GENERIC_STOPWORDS =
  /^(?:true|false|null|none|nil|undefined|empty|changeme|change[_-]?it|password|secret|redacted|masked|hidden|example|sample|placeholder|required|optional|string|value|default|test|dummy|todo|tbd|fixme|replace[_-]?me|set[_-]?me|n\/a|xxx+|\*+|\.+|-+)$/i
// Template references where a value will be substituted, in every templating dialect configs and
// CI logs use: ${X}, ${X:-default}, $X, {{ .Values.x }}, [[ .x ]], %(x)s, <x>, (hidden), [X], $(cmd),
// #{x}, %X%, __X__, @@X@@, process.env.X, os.environ["X"], and runs of one x (random base64 has xXxX).
// No credential format looks like one, so every rule is held to it (and to `referenceLike`, such as
// var.db_password): the permissive ones (a URL's password, an .npmrc token, a JDBC property) meet them
// all the time.
const PLACEHOLDER =
  /^(?:\$[A-Za-z_][\w.]*|\$\{[^}]*\}|\{\{.*\}\}|\[\[.*\]\]|<[^>]*>|\([^()]*\)|%\([^)]*\)s?|\[[A-Z_ ]+\]|\$\(.*\)|#\{.*\}|%[A-Za-z_][\w.]*%|__[A-Za-z][\w.]*__|@@[A-Za-z][\w.]*@@|(?:process\.env|os\.environ)\b.*|(?-i:ENV)(?:\[|\.fetch\().*|(?-i:(?:x{4,}|X{4,}).*|.*(?:x{6,}|X{6,}).*))$/i

export function compileRule(rule: Rule, index = 0): Compiled {
  const make = (source: string, flags: string): RE2 => {
    try {
      return new RE2(source, flags)
    } catch (err) {
      throw new LeakwatchError('LW_ERR_RULE_INVALID', `rule ${rule.id}: invalid RE2 pattern ${JSON.stringify(source)}: ${(err as Error).message}`, {
        cause: err
      })
    }
  }
  if (rule.keywords.length === 0) throw new LeakwatchError('LW_ERR_RULE_INVALID', `rule ${rule.id}: needs at least one keyword`)
  for (const k of rule.keywords) {
    if (k.length === 0 || k !== k.toLowerCase())
      throw new LeakwatchError('LW_ERR_RULE_INVALID', `rule ${rule.id}: keyword ${JSON.stringify(k)} must be non-empty lower case`)
  }
  const re = make(rule.regex, 'g')
  const groups = countGroups(rule.regex)
  const group = rule.secretGroup ?? (groups > 0 ? 1 : 0)
  if (group > groups) throw new LeakwatchError('LW_ERR_RULE_INVALID', `rule ${rule.id}: secretGroup ${group} but the regex has ${groups} group(s)`)
  return {
    rule,
    index,
    re,
    follows: rule.follows === undefined ? undefined : new RegExp(rule.follows, 'iy'),
    group,
    allowSecrets: (rule.allow?.secrets ?? []).map((p) => make(p, '')),
    allowMatches: (rule.allow?.matches ?? []).map((p) => make(p, '')),
    allowLines: (rule.allow?.lines ?? []).map((p) => make(p, '')),
    allowStreams: (rule.allow?.streams ?? []).map((p) => make(p, ''))
  }
}

function countGroups(source: string): number {
  // A capture group is an unescaped '(' not followed by '?' (named groups (?P<..>/(?<..> count too).
  let n = 0
  for (let i = 0; i < source.length; i++) {
    const c = source[i]
    if (c === '\\') {
      i++
      continue
    }
    if (c === '[') {
      while (i < source.length && source[i] !== ']') {
        if (source[i] === '\\') i++
        i++
      }
      continue
    }
    if (c === '(' && (source[i + 1] !== '?' || source[i + 2] === 'P' || (source[i + 2] === '<' && source[i + 3] !== '=' && source[i + 3] !== '!'))) n++
  }
  return n
}

export function createSecretDetector(opts: SecretDetectorOptions): SecretDetector {
  const compiled = opts.rules.map((r, i) => compileRule(r, i))
  const keywords = createKeywordScanner(compiled)
  const now = opts.now ?? (() => new Date())
  const maxLine = opts.maxLineChars ?? 64 * 1024
  const overlap = Math.min(opts.windowOverlapChars ?? 1024, Math.floor(maxLine / 2))
  const depth = opts.decodeDepth ?? 2
  const make = (p: string): RE2 => {
    try {
      return new RE2(p, '')
    } catch (err) {
      throw new LeakwatchError('LW_ERR_CONFIG_INVALID', `allowlist pattern ${JSON.stringify(p)} is not valid RE2: ${(err as Error).message}`, { cause: err })
    }
  }
  const allowSecrets = (opts.allow?.secrets ?? []).map(make)
  const allowLines = (opts.allow?.lines ?? []).map(make)
  const allowStreams = (opts.allow?.streams ?? []).map(make)
  const baseline = opts.allow?.fingerprints
  // A value that starts like a known format (ghp_, npm_, xoxe., eyJ…) is judged by that format's rule
  // alone: when its checksum or shape check rejected it, a generic rule must not report it anyway.
  // Provider prefixes are written in one case (ghp_, AKIA, xoxb-): compare exactly, in lower and upper
  // case, so a random value that merely starts with the same letters in another case is not deferred.
  const formatPrefixes = [...new Set(compiled.filter((c) => c.rule.kind === 'pattern').flatMap((c) => c.rule.keywords))]
    .filter((k) => /^[a-z0-9]/.test(k) && (k.length >= 4 || /[^a-z0-9]/.test(k)))
    .flatMap((k) => [k, k.toUpperCase()])

  function passes(c: Compiled, secret: string, line: string, match: Buffer): boolean {
    const rule = c.rule
    if (rule.minEntropy !== undefined && shannonEntropy(secret) < rule.minEntropy) return false
    if (PLACEHOLDER.test(secret)) return false
    // A reference to a secret is not one. Generic values are held to any name (below); format values
    // only to names that refer to a secret, and never when they start with the format's own prefix.
    if (rule.kind === 'pattern' && referenceLike(secret) && !rule.keywords.some((k) => secret.toLowerCase().startsWith(k))) return false
    if (rule.kind === 'generic' && !genericPlausible(secret, formatPrefixes)) return false
    if (rule.validate !== undefined && !rule.validate(secret)) return false
    for (const a of c.allowSecrets) if (a.test(secret)) return false
    for (const a of allowSecrets) if (a.test(secret)) return false
    for (const a of c.allowMatches) if (a.test(match.toString('utf8'))) return false
    for (const a of c.allowLines) if (a.test(line)) return false
    for (const a of allowLines) if (a.test(line)) return false
    return true
  }

  function blockSecret(c: Compiled, lines: string[], lineIndex: number, text: string, afterHeader: number) {
    const block = c.rule.block
    if (block === undefined) return undefined
    // Same line (JSON-escaped "\n" between parts) or following lines of the chunk.
    const sameLine = text.slice(afterHeader)
    const endAt = sameLine.indexOf(block.end)
    if (endAt >= 0) {
      const body = sameLine
        .slice(0, endAt)
        .replace(/\\[nr]/g, '')
        .replace(/[^A-Za-z0-9+/=]/g, '')
      return body.length >= block.minBodyChars
        ? { secret: body, endLineIndex: lineIndex, end: afterHeader + endAt, endColumn: afterHeader + endAt + 1 }
        : undefined
    }
    // No END on this line. The body may start here (JSON-escaped, cut short) and go on over the
    // following lines, but only if nothing else follows it on this line: a header quoted in a
    // message and followed by the rest of a JSON event is no block.
    const run = /^(?:[A-Za-z0-9+/=\s]|\\[nr])*/.exec(sameLine)?.[0] ?? ''
    let body = run.replace(/\\[nr]/g, '').replace(/[^A-Za-z0-9+/=]/g, '')
    if (run.length < sameLine.trimEnd().length) {
      return body.length >= block.minBodyChars * 4
        ? { secret: body, endLineIndex: lineIndex, end: afterHeader + run.length, endColumn: afterHeader + run.length + 1 }
        : undefined
    }
    for (let j = lineIndex + 1; j < lines.length && j < lineIndex + 200; j++) {
      const l = lines[j] ?? ''
      const e = l.indexOf(block.end)
      if (e >= 0) return body.length >= block.minBodyChars ? { secret: body, endLineIndex: j, end: text.length, endColumn: e + 1 } : undefined
      if (/^\s*[A-Za-z][A-Za-z-]*:\s/.test(l)) continue // PEM headers such as Proc-Type
      // A body line is base64 and nothing else (or blank, as in PGP armour). Any other line ends the block: a log line that
      // quotes a BEGIN header ("expected a PEM file starting with -----BEGIN …") is followed by
      // more log lines, not by a key.
      if (!/^\s*[A-Za-z0-9+/=]*\s*$/.test(l)) {
        return body.length >= block.minBodyChars * 4
          ? { secret: body, endLineIndex: j - 1, end: text.length, endColumn: (lines[j - 1] ?? '').length + 1 }
          : undefined
      }
      body += l.replace(/[^A-Za-z0-9+/=]/g, '')
    }
    // A block cut by the chunk boundary: report what we have when it is long enough to be a key.
    // Its span runs to the end of the last body line seen, so a masker covers every line of it.
    const last = Math.min(lines.length - 1, lineIndex + 199)
    return body.length >= block.minBodyChars * 4 ? { secret: body, endLineIndex: last, end: text.length, endColumn: (lines[last] ?? '').length + 1 } : undefined
  }

  /**
   * Whether a keyword of `c` that ends at byte `end` of `bytes[from, to)` (the UTF-8 of `text`) makes
   * `text` a candidate for the rule: its `requires` are in the text (a memchr, cheaper than the sticky
   * test; most URLs have no '@'), and its `follows` matches right after the keyword.
   */
  function admits(c: Compiled, text: string, bytes: Buffer, from: number, to: number, end: number): boolean {
    if (c.rule.requires !== undefined && !c.rule.requires.every((x) => text.includes(x))) return false
    const f = c.follows
    if (f === undefined) return true
    // On a line with multi-byte characters the byte offset is turned into the string's.
    f.lastIndex = to - from === text.length ? end - from : bytes.subarray(from, end).toString('utf8').length
    return f.test(text)
  }

  /** Base64 runs found in `bytes` (the UTF-8 of `text`), as code-unit offsets of `text`. */
  function runsOf(text: string, bytes: Buffer, runs: Array<[number, number]>): Array<[number, number]> {
    if (bytes.length === text.length) return runs
    const unit = (b: number): number => bytes.subarray(0, b).toString('utf8').length
    return runs.map(([s, e]): [number, number] => [unit(s), unit(e)])
  }

  /** Runs the candidate rules over one piece of text and its decoded views; `offset` maps its columns back to the line. */
  function scanText(
    lines: string[],
    lineIndex: number,
    text: string,
    offset: number,
    level: number,
    hits: Hit[],
    view?: { via: string; start: number; end: number }
  ): void {
    const buf = Buffer.from(text, 'utf8')
    const candidates: Compiled[] = []
    keywords.scan(buf, 0, buf.length, (end, rules) => {
      for (const r of rules) if (!candidates.includes(r) && admits(r, text, buf, 0, buf.length, end)) candidates.push(r)
    })
    if (candidates.length > 0) runRules(candidates, lines, lineIndex, text, buf, offset, hits, view)
    if (level >= depth) return
    const runs: Array<[number, number]> = []
    findBase64Runs(buf, 0, buf.length, (start, end) => runs.push([start, end]))
    scanViews(lines, lineIndex, text, offset, level, hits, view, runsOf(text, buf, runs))
  }

  function scanViews(
    lines: string[],
    lineIndex: number,
    text: string,
    offset: number,
    level: number,
    hits: Hit[],
    view: { via: string; start: number; end: number } | undefined,
    runs: ReadonlyArray<readonly [number, number]>
  ): void {
    for (const v of decodeViews(text, runs)) {
      // A view's findings point at the encoded span of the line it came from.
      const span = view ?? { via: v.via, start: offset + v.start, end: offset + v.end }
      scanText(lines, lineIndex, v.text, 0, level + 1, hits, { via: view === undefined ? v.via : `${view.via}+${v.via}`, start: span.start, end: span.end })
    }
  }

  /** Runs each candidate rule's regex over `buf`, the UTF-8 bytes of `text`. */
  function runRules(
    candidates: readonly Compiled[],
    lines: string[],
    lineIndex: number,
    text: string,
    buf: Buffer,
    offset: number,
    hits: Hit[],
    view: { via: string; start: number; end: number } | undefined
  ): void {
    const ascii = buf.length === text.length
    const col = (byte: number): number => (ascii ? byte : buf.subarray(0, byte).toString('utf8').length)
    for (const c of candidates) {
      c.re.lastIndex = 0
      for (let m = c.re.exec(buf); m !== null; m = c.re.exec(buf)) {
        const whole = m[0] as unknown as Buffer
        if (whole.length === 0) {
          c.re.lastIndex++
          continue
        }
        const captured = (m as unknown as Array<Buffer | undefined>)[c.group]
        if (captured === undefined) continue
        const startByte = m.index + (c.group === 0 ? 0 : whole.indexOf(captured))
        const endByte = startByte + captured.length
        // Boundary groups consume one character; step back so adjacent secrets are still seen.
        if (c.re.lastIndex > endByte) c.re.lastIndex = endByte
        const start = col(startByte)
        if (c.rule.block !== undefined) {
          const b = blockSecret(c, lines, lineIndex, text, col(m.index + whole.length))
          if (b === undefined || !passes(c, b.secret, text, whole)) continue
          hits.push(
            place(
              lines,
              {
                compiled: c,
                lineIndex,
                start: offset + col(m.index),
                end: offset + b.end,
                endLineIndex: b.endLineIndex,
                endColumn: b.endLineIndex === lineIndex ? offset + b.endColumn : b.endColumn,
                secret: b.secret
              },
              text,
              view
            )
          )
          continue
        }
        const value = captured.toString('utf8')
        const secret = value.includes('\\') ? beforeEscape(value, buf[endByte]) : value
        if (secret.length === 0 || !passes(c, secret, text, whole)) continue
        const end = start + secret.length
        const hit: Hit = { compiled: c, lineIndex, start: offset + start, end: offset + end, endLineIndex: lineIndex, endColumn: offset + end + 1, secret }
        if (secret !== value) hit.cut = true
        hits.push(place(lines, hit, text, view))
      }
    }
  }

  /**
   * Scans the lines of a chunk as one UTF-8 buffer: one pass of the keyword automaton and one of
   * the base64 run finder over the whole chunk, then the candidate rules and decoded views of the
   * lines that have any. Most lines have neither and cost those two passes only.
   */
  function scanChunk(framing: Framing, hits: Hit[], framed?: (f: FramedChunk) => void): void {
    const { raw: rawLines, lines, joined } = framing
    const scanned = keywords.scanText(joined)
    const buf = scanned.bytes
    const n = lines.length
    const starts = new Array<number>(n + 1)
    let at = 0
    const ascii = buf.length === joined.length
    for (let i = 0; i < n; i++) {
      starts[i] = at
      const line = lines[i] ?? ''
      at += (ascii ? line.length : Buffer.byteLength(line, 'utf8')) + 1
    }
    starts[n] = at
    const candidates: Array<Compiled[] | undefined> = new Array(n)
    const runs: Array<Array<[number, number]> | undefined> = new Array(n)
    let li = 0
    const hits0 = scanned.hits
    for (let h = 0; h < scanned.count; h++) {
      const end = hits0[2 * h] ?? 0
      const rules = keywords.rulesAt(hits0[2 * h + 1] ?? 0)
      while ((starts[li + 1] ?? 0) < end) li++
      let list = candidates[li]
      for (const r of rules) {
        if (list?.includes(r) === true || !admits(r, lines[li] ?? '', buf, starts[li] ?? 0, (starts[li + 1] ?? 0) - 1, end)) continue
        if (list === undefined) {
          list = []
          candidates[li] = list
        }
        list.push(r)
      }
    }
    if (depth > 0) {
      let ri = 0
      findBase64Runs(buf, 0, buf.length, (start, end) => {
        while ((starts[ri + 1] ?? 0) <= start) ri++
        const base = starts[ri] ?? 0
        const list = runs[ri] ?? []
        runs[ri] = list
        list.push([start - base, end - base])
      })
    }
    // Lines that may hold JSON (\\) or URL (%) escapes, found with the buffer's native search: in an
    // access log nearly every chunk has a '%' somewhere, but few of its lines do.
    const escaped = new Uint8Array(n)
    if (depth > 0) {
      for (const byte of [0x5c, 0x25]) {
        let line = 0
        for (let at = buf.indexOf(byte); at >= 0; at = buf.indexOf(byte, starts[line + 1] ?? buf.length)) {
          while ((starts[line + 1] ?? 0) <= at) line++
          escaped[line] = 1
        }
      }
    }
    for (let i = 0; i < n; i++) {
      const cand = candidates[i]
      const lineRuns = runs[i]
      if (cand === undefined && lineRuns === undefined && escaped[i] === 0) continue
      const line = lines[i] ?? ''
      if (line.length === 0 || (rawLines[i] ?? '').includes(INLINE_ALLOW)) continue
      if (line.length > maxLine) {
        // Over-long lines are scanned in overlapping windows, each on its own.
        for (let from = 0; from < line.length; from += maxLine - overlap) {
          scanText(lines, i, line.slice(from, from + maxLine), from, 0, hits)
          if (from + maxLine >= line.length) break
        }
        continue
      }
      const lineBuf = buf.subarray(starts[i], (starts[i + 1] ?? 0) - 1)
      if (cand !== undefined) runRules(cand, lines, i, line, lineBuf, 0, hits, undefined)
      if (depth === 0) continue
      scanViews(lines, i, line, 0, 0, hits, undefined, lineRuns === undefined ? [] : runsOf(line, lineBuf, lineRuns))
    }
    if (framed === undefined) return
    // A newline after the last line and zeros after it, as the known-secret scan reads them.
    const all = Buffer.from(buf.buffer, buf.byteOffset, buf.length + 9)
    all[buf.length] = 0x0a
    all.fill(0, buf.length + 1)
    framed({
      bytes: all,
      length: buf.length + 1,
      starts,
      lines,
      toRaw: (line, col) => toRaw(framing, line, col),
      toRawEnd: (line, col) => toRawEnd(framing, line, col)
    })
  }

  function place(lines: readonly string[], h: Hit, text: string, view: { via: string; start: number; end: number } | undefined): Hit {
    if (view === undefined) return h
    // Point at the secret itself when its escaped form is in the line, so the line's context can mask it exactly.
    const line = lines[h.lineIndex] ?? ''
    for (const form of [h.secret, JSON.stringify(h.secret).slice(1, -1), encodeURIComponent(h.secret), encodeURI(h.secret)]) {
      const at = line.indexOf(form, view.start)
      if (at >= 0 && at + form.length <= view.end)
        return { ...h, via: view.via, start: at, end: at + form.length, endColumn: at + form.length + 1, endLineIndex: h.lineIndex }
    }
    return {
      ...h,
      via: view.via,
      viewText: text,
      viewStart: h.start,
      viewEnd: h.end,
      start: view.start,
      end: view.end,
      endColumn: view.end + 1,
      endLineIndex: h.lineIndex
    }
  }

  function maskSpans(text: string, spans: Array<[number, number]>): string {
    let out = ''
    let at = 0
    for (const [s, e] of [...spans].sort((a, b) => a[0] - b[0])) {
      if (s < at) continue
      out += text.slice(at, s) + mask(text.slice(s, e))
      at = e
    }
    return out + text.slice(at)
  }

  function clip(text: string, focus: number): string {
    const max = opts.maxContextChars
    if (text.length <= max) return text
    const from = Math.max(0, Math.min(focus - Math.floor(max / 2), text.length - max))
    return (from > 0 ? '…' : '') + text.slice(from, from + max) + (from + max < text.length ? '…' : '')
  }

  function context(line: string, lineHits: Hit[], h: Hit): string {
    const masked = maskSpans(
      line,
      lineHits.map((k): [number, number] => [k.start, k.end])
    )
    if (h.viewText === undefined) return clip(masked, h.start)
    // Found in a decoded view: show the view with the secret masked, marked as decoded.
    return `(${h.via}-decoded) ${clip(maskSpans(h.viewText, [[h.viewStart ?? 0, h.viewEnd ?? 0]]), h.viewStart ?? 0)}`
  }

  return {
    ruleCount: compiled.length,
    detect(chunk: LogChunk, framed?: (f: FramedChunk) => void): Finding[] {
      if (allowStreams.some((a) => a.test(chunk.stream))) return []
      const hits: Hit[] = []
      // Rules read the message, not its framing: columns are in the framed text until the findings are made.
      const framing = frameLines(chunk.lines)
      const lines = framing.lines
      scanChunk(framing, hits, framed)
      if (hits.length === 0) return []
      // One finding per secret per place: overlapping windows and decoded views find the same value again,
      // and two rules matching one span keep the more specific (pattern over generic).
      // Hits placed on the line come before unlocated view hits, which are kept only if they add a value.
      const unlocated = (h: Hit): number => (h.viewText === undefined ? 0 : 1)
      hits.sort(
        (a, b) =>
          unlocated(a) - unlocated(b) ||
          a.lineIndex - b.lineIndex ||
          a.start - b.start ||
          rank(a) - rank(b) ||
          reading(a) - reading(b) ||
          a.compiled.index - b.compiled.index
      )
      const kept: Hit[] = []
      for (const h of hits) {
        // A view the secret could not be located in spans the whole encoded text: it only duplicates the same value.
        const overlaps = (k: Hit): boolean => k.viewText === undefined && h.viewText === undefined && k.start < h.end && h.start < k.end
        // An unlocated view hit of a rule that already matched the raw line is the same value read another way.
        const sameRule = (k: Hit): boolean => h.viewText !== undefined && k.viewText === undefined && k.compiled === h.compiled
        const dup = kept.find((k) => k.lineIndex === h.lineIndex && (k.secret === h.secret || overlaps(k) || sameRule(k)))
        if (dup === undefined) kept.push(h)
      }
      const detectedAt = now().toISOString()
      kept.sort((a, b) => a.lineIndex - b.lineIndex || a.start - b.start)
      const out: Finding[] = []
      for (const h of kept) {
        if (h.compiled.allowStreams.some((a) => a.test(chunk.stream))) continue
        const fingerprint = opts.fingerprinter.of(h.secret)
        if (baseline?.has(fingerprint) === true) continue
        const line = lines[h.lineIndex] ?? ''
        const lineNo = chunk.startLine + h.lineIndex
        // Back to the columns of the record as written (a masker rewrites that, framing and all).
        const start = toRaw(framing, h.lineIndex, h.start)
        const endColumn = toRawEnd(framing, h.endLineIndex, h.endColumn - 1) + 1
        const finding: Finding = {
          v: '1',
          type: 'finding',
          id: stableId(fingerprint, chunk.stream, lineNo, start),
          fingerprint,
          rule: h.compiled.rule.id,
          title: h.compiled.rule.title,
          kind: h.compiled.rule.kind,
          severity: h.compiled.rule.severity,
          confidence: confidenceOf(h.compiled.rule),
          stream: chunk.stream,
          source: chunk.source satisfies Source,
          location: { line: lineNo, column: start + 1, endLine: chunk.startLine + h.endLineIndex, endColumn },
          preview: mask(h.secret),
          context: context(
            line,
            kept.filter((k) => k.lineIndex === h.lineIndex),
            h
          ),
          detectedAt
        }
        if (opts.reveal === true) Object.defineProperty(finding, SECRET, { value: h.secret, enumerable: false })
        out.push(finding)
      }
      return out
    }
  }
}

/** The lines of a chunk as rules read them, and the way back to the columns of the lines as written. */
interface Framing {
  raw: readonly string[]
  lines: string[]
  /** Per line, the length of the record prefix taken off its start. */
  prefix: number[]
  /** Lines that lost escape sequences too: per kept character, its column in the written line. */
  kept: Map<number, number[]>
  /** `lines` joined by newlines: what the chunk scan reads. */
  joined: string
}

// The framing a record arrives in, holding nothing a rule looks for: a leading timestamp with
// the CRI stream and tag (`<ts> stdout F `) or the GitLab runner's stream id (`<ts> 00O `), ANSI
// escape sequences (coloured CI output) and GitLab's collapsible-section markers. Left in place,
// they glue onto the message: `\x1b[32;1mghp_…` has a letter right before the token, a PEM
// body line of a CRI file starts with a date, `^\s*password …` never matches.
const RECORD_PREFIX = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:[.,]\d{1,9})?(?:Z|[+-]\d\d:?\d\d) (?:(?:stdout|stderr) [PF] |[0-9a-f]{2}[OE]\+? )?/y
const ESC = String.fromCharCode(27)
const TERMINAL_NOISE = new RegExp(
  `${ESC}\\[[0-9;?]*[ -/]*[@-~]|${ESC}[()][A-Za-z0-9]|section_(?:start|end):\\d+:[A-Za-z0-9_.-]+(?:\\[[^\\]\\r\\n]*\\])?\\r`,
  'g'
)

// Plain numbers and offsets instead of a closure per line: a chunk has hundreds of lines and
// findings on few of them, and the closures were a tenth of the engine's garbage.
function frameLines(raw: readonly string[]): Framing {
  const n = raw.length
  const f: Framing = { raw, lines: new Array<string>(n), prefix: new Array<number>(n), kept: new Map(), joined: '' }
  for (let i = 0; i < n; i++) {
    const line = raw[i] ?? ''
    // Most lines do not start with a year: skip the regex for them. A sticky test leaves the
    // prefix's length in lastIndex without making a match array.
    const c = line.charCodeAt(0)
    let prefix = 0
    if (c >= 48 && c <= 57 && line.charCodeAt(4) === 45) {
      RECORD_PREFIX.lastIndex = 0
      if (RECORD_PREFIX.test(line)) prefix = RECORD_PREFIX.lastIndex
    }
    f.prefix[i] = prefix
    f.lines[i] = prefix === 0 ? line : line.slice(prefix)
  }
  f.joined = f.lines.join('\n')
  // Escape sequences are rare outside coloured CI output: looked for in the chunk, then in its lines.
  // A section marker ends in '\r' (TERMINAL_NOISE): two single characters are found at memchr speed,
  // where searching the chunk for "section_" cost 5% of the engine.
  if (!f.joined.includes(ESC) && !f.joined.includes('\r')) return f
  for (let i = 0; i < n; i++) {
    const body = f.lines[i] ?? ''
    if (!body.includes(ESC) && !body.includes('section_')) continue
    const prefix = f.prefix[i] ?? 0
    // Keep what lies between the escapes, remembering where each kept character was.
    let text = ''
    const at: number[] = []
    let from = 0
    const keep = (to: number): void => {
      for (let j = from; j < to; j++) at.push(prefix + j)
      text += body.slice(from, to)
    }
    TERMINAL_NOISE.lastIndex = 0
    for (let m = TERMINAL_NOISE.exec(body); m !== null; m = TERMINAL_NOISE.exec(body)) {
      keep(m.index)
      from = m.index + m[0].length
    }
    keep(body.length)
    f.lines[i] = text
    f.kept.set(i, at)
  }
  f.joined = f.lines.join('\n')
  return f
}

/** The column in written line `i` of the framed text's column `col`. */
function toRaw(f: Framing, i: number, col: number): number {
  const at = f.kept.get(i)
  return at === undefined ? col + (f.prefix[i] ?? 0) : (at[col] ?? (f.raw[i] ?? '').length)
}

/** The same for an exclusive end: just after the written character of the text's `col - 1`. */
function toRawEnd(f: Framing, i: number, col: number): number {
  if (!f.kept.has(i)) return col + (f.prefix[i] ?? 0)
  return col <= 0 ? toRaw(f, i, 0) : toRaw(f, i, col - 1) + 1
}

/** Of two readings of one place: the line as written, then a decoded view, then a value cut at an escape. */
function reading(h: Hit): number {
  return h.cut === true ? 2 : h.via === undefined ? 0 : 1
}

// A JSON escape inside a value that a permissive charset (passwords, URLs) took in: `pass=Summer9!\n`
// in a JSON string, `…\u0026password=` from Go's encoder, `pw=s3cr3t\"` one level deeper.
const VALUE_ESCAPE = /\\+(?:["/bfnrt]|u[0-9a-fA-F]{4})/

/**
 * A captured value up to the first JSON escape in it, or without the backslashes before the quote
 * that closed it (`next`, the byte after the capture). A real backslash (`\\`) is kept: the JSON view
 * reads that value whole, and the cut reading gives way to it.
 */
function beforeEscape(value: string, next: number | undefined): string {
  const at = VALUE_ESCAPE.exec(value)?.index
  if (at !== undefined) return value.slice(0, at)
  return next === 0x22 ? value.replace(/\\+$/, '') : value
}

/** Format rules win over generic rules; catch-alls yield to the specific rules of their kind. */
function rank(h: Hit): number {
  const r = h.compiled.rule
  // Within a kind, a catch-all (any JDBC URL, any secret-ish name) yields to a rule that names its format.
  return (r.kind === 'pattern' ? 0 : 2) + (r.fallback === true ? 1 : 0)
}

// Runs of a keyboard or the alphabet, and the words of made-up values: what people type into examples.
// Each word in one case (dummy, Dummy, DUMMY), not any mix: a random 36-character base62 token holds
// "dUmMy" somewhere once in a million, and a rule's gate may not refuse real tokens at that rate
// (test/detectors/rules-stability.test.ts). The short words count only at the start of a word
// (your-token, YOUR_KEY, fake_secret): inside a camelCase run ("…oFakeK…") they are as likely
// in random text, and identifiers such as myFakeKey are names (words.ts) anyway.
const inOneCase = (w: string): string[] => [w, (w[0] ?? '').toUpperCase() + w.slice(1), w.toUpperCase()]
const SEQUENCES = new RegExp(
  `0123456|1234567|${['abcdefg', 'bcdefgh', 'qwerty', 'asdfgh', 'example', 'sample', 'dummy', 'redacted', 'changeme', 'placeholder'].flatMap(inOneCase).join('|')}|(?:^|[^A-Za-z0-9])(?:${['fake', 'your'].flatMap(inOneCase).join('|')})`
)

/**
 * The gates every generic value passes: not a stopword or template, not a
 * typed sequence, not a word or identifier, and not the start of a known format.
 */
function jwtLike(value: string): boolean {
  if (!value.startsWith('eyJ')) return false
  const head = Buffer.from(value.split('.')[0] ?? '', 'base64url').toString('latin1')
  return /^\{"[\x20-\x7e]*$/.test(head) && head.includes('":')
}

function genericPlausible(secret: string, formatPrefixes: readonly string[]): boolean {
  if (!valuePlausible(secret)) return false
  // Kubernetes Secret manifests carry values base64-encoded: `password: Y2hhbmdlbWU=` is "changeme".
  const decoded = decodedText(secret)
  if (decoded !== undefined && (PLACEHOLDER.test(decoded) || !valuePlausible(decoded))) return false
  // A JWT, valid or not, is the JWT rules' to judge: base64url of a JSON header (`{"alg":…`). Recognised by
  // decoding, not by its first letters, which one random token in 240,000 shares.
  if (jwtLike(secret)) return false
  return !formatPrefixes.some((p) => secret.startsWith(p))
}

function valuePlausible(value: string): boolean {
  if (GENERIC_STOPWORDS.test(value) || SEQUENCES.test(value)) return false
  // A short run of letters is a word. Longer ones are judged by their shape, not rejected outright:
  // 1.5% of random 24-character base62 tokens have no digit, and they leak too. A name assigned to a
  // secret-ish key (payments-db-credentials-v2, var.db_password) is a reference, not the secret.
  if (/^[A-Za-z]+$/.test(value) && value.length < 20) return false
  return !nameLike(value)
}

/** The text a canonical, padded base64 value decodes to, when that is short printable text. */
function decodedText(value: string): string | undefined {
  if (value.length > 64 || value.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return undefined
  const text = Buffer.from(value, 'base64').toString('utf8')
  return /^[\x20-\x7e]+$/.test(text) ? text : undefined
}

function confidenceOf(rule: Rule): Finding['confidence'] {
  if (rule.validate !== undefined || rule.block !== undefined) return 'high'
  return rule.kind === 'pattern' ? 'high' : 'medium'
}
