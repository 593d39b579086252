// `leakwatch mask`: a pipe for CI steps (`make test 2>&1 | leakwatch mask`).
// Every line is written to stdout as soon as it is complete, with each span
// the detector reports replaced by its mask; findings go to stderr and into
// the exit code. The only lines ever held back are those of a private-key
// block (header through END marker), because the key's body lines carry no
// marker of their own; a line that may name a secret whose value comes on
// the next line (an env var's `- name: DB_PASSWORD`, until its `value:` line
// has come); the rows of a hex dump (`kubectl -v=8`'s protobuf bodies),
// which the detector reads as one text, until a row does not go on from the
// one before; and a pretty-printed JWK's member lines from its `kty` or its
// `d`, whichever comes first, to the object's end. The hold is bounded in
// lines, not in time: a block is
// written when its END marker arrives, after maxHoldLines lines, or at the end
// of input, however slowly its lines come (a clock would let a slow writer
// release the body before the detector saw the whole block). Once a hold is
// cut short, body-looking lines that follow are masked blind until the END
// marker, so an oversized block never leaks its body either.
//
// A line longer than maxLineChars is masked in overlapping windows
// (app/line-windows.ts), so memory stays bounded and a secret straddling a
// cut is still masked; stderr names input lines. UTF-16 input (by BOM or
// NUL pattern, app/scan-input.ts) is decoded and written back in UTF-16.

import type { Writable } from 'node:stream'
import { StringDecoder } from 'node:string_decoder'
import RE2 from 're2'
import { MAX_DUMP_BYTES, readDumpRow } from '../detectors/hexdump.ts'
import type { BlockRule } from '../detectors/open-block.ts'
import { blockRules, bodyStart, framedLine, nearHeader, opensObject } from '../detectors/open-block.ts'
import type { SecretSpan } from '../detectors/secrets.ts'
import { createValueIndex, DEFAULT_MAX_FINDINGS_PER_LINE, revealedSecret } from '../detectors/secrets.ts'
import { escapeControls } from '../pipeline/escape.ts'
import type { Finding, LogChunk } from '../pipeline/events.ts'
import { FifoSet } from '../pipeline/fifo.ts'
import { mask as maskValue } from '../pipeline/fingerprint.ts'
import type { LineWindow, LineWindows } from './line-windows.ts'
import { createLineWindows, windowFindings } from './line-windows.ts'
import type { DetectorSetup } from './scan.ts'
import { createCliDetector } from './scan.ts'
import type { Encoding } from './scan-input.ts'
import { createInputDecoder, SNIFF_BYTES, sniff } from './scan-input.ts'

export interface MaskOptions extends DetectorSetup {
  /** Exit code when something was masked. */
  exitCode: number
  /** Read piece by piece; the next piece is asked for only once the one before is written out (or held). */
  stdin: AsyncIterable<Buffer | string>
  stdout: Writable
  stderr: Writable
  /** Most lines held while waiting for a block's END marker. */
  maxHoldLines?: number
  /** A line longer than this is masked in windows of this size, overlapping by a quarter (at most 16 KiB). */
  maxLineChars?: number
  /** `--known-secrets FILE`: also mask these values (one per line) in every form they leak in, as scan finds them. */
  knownSecrets?: string | undefined
  /** `--forward`: the input as read, also streamed to the log ingest endpoint (app/ci-forward.ts). */
  forward?: { write: (data: Buffer | string) => void; end: () => Promise<void> }
}

const BLIND = '********'
/** Distinct values found so far that later lines are searched for; the oldest is forgotten past this. */
const MAX_REMEMBERED = 10_000
// A line of a PEM/PGP body after a cut block: a base64 run to the end of the line, after whatever prefix a
// logger put before it (`app | `, a timestamp). PEM headers such as Proc-Type are not body. RE2: log content.
const BODY_LINE = new RE2('^(.*?)([A-Za-z0-9+/=]{16,})(\\s*)$')

type Span = { start: number; end: number; with: string }

/**
 * Why lines are held back: a PEM block's END to come, a reader's reach of lines, a hex dump's next row's offset,
 * or a pretty-printed object's member lines (a JWK), held up to `max` lines after the one that opened the hold.
 */
type Hold = { end: string } | { reach: number } | { dump: number } | { object: Extract<BlockRule, { member: unknown }> }

interface Line {
  text: string
  /** The line break as it arrived ('\n', '\r\n', '\r', or '' for a cut piece or the last line). */
  end: string
}

/** Replaces spans of `text`; overlapping spans merge and keep the first one's replacement. */
function replaceSpans(text: string, spans: readonly Span[]): string {
  const sorted = [...spans].sort((a, b) => a.start - b.start)
  let out = ''
  let at = 0
  for (const s of sorted) {
    const start = Math.max(s.start, at)
    if (s.end <= start) continue
    out += text.slice(at, start) + (s.start >= at ? s.with : '')
    at = Math.min(text.length, s.end)
  }
  return out + text.slice(at)
}

/**
 * The masked lines of `lines` (numbered from `first`) given the findings on them (every reported span,
 * decoded-view spans included) and `more` spans per line (the engine's spans of every secret it saw).
 */
export function maskLines(lines: readonly string[], first: number, findings: readonly Finding[], more: ReadonlyArray<readonly Span[]> = []): string[] {
  const spans = lines.map(() => [] as Span[])
  for (const f of findings) {
    const { line, column, endLine, endColumn } = f.location
    for (let n = line; n <= endLine; n++) {
      const i = n - first
      const text = lines[i]
      if (text === undefined) continue
      const start = n === line ? column - 1 : 0
      const end = n === endLine ? endColumn - 1 : text.length
      if (end > start) spans[i]?.push({ start, end, with: n === line ? f.preview : BLIND })
    }
  }
  // The findings' spans first: where a repeat's span starts at the same column, the finding's preview is kept.
  return lines.map((text, i) => replaceSpans(text, [...(spans[i] ?? []), ...(more[i] ?? [])]))
}

function blindBody(text: string): string | undefined {
  const m = BODY_LINE.exec(text)
  return m === null ? undefined : `${m[1] ?? ''}${BLIND}${m[3] ?? ''}`
}

/** Writes text back in the encoding it came in. */
function encoder(encoding: Encoding): (s: string) => string | Buffer {
  if (encoding === 'utf-8') return (s) => s
  if (encoding === 'utf-16le') return (s) => Buffer.from(s, 'utf16le')
  return (s) => Buffer.from(s, 'utf16le').swap16()
}

export async function mask(opts: MaskOptions): Promise<number> {
  // Past the engine's findings cap a line's further secrets make no finding, but the engine still gives their
  // spans, so they are masked like the others; stderr says the line was capped, as the detector's metric does.
  let limited = false
  let cappedLine = 0
  // Revealed (a slot no output reads) so the values found can be searched for in the lines that follow.
  const onLimit = (): void => {
    limited = true
  }
  const { detector, rules } = createCliDetector(opts, { reveal: true, onLimit })
  // Imported only for --known-secrets, as scan does: its modules are not loaded by a mask without it.
  const known =
    opts.knownSecrets === undefined
      ? undefined
      : await (await import('../detectors/known-secrets/cli.ts')).withKnownSecretsFile(opts.knownSecrets, detector, { ...opts, onLimit })
  const detectChunk = (c: LogChunk, spans: (s: SecretSpan) => void): Finding[] =>
    known === undefined ? detector.detect(c, undefined, spans) : known.detect(c, spans)
  // A value found on one line is masked wherever a later line shows it, even where no rule would see it
  // there (bare, inside a blob). Lines already written cannot be taken back: docs/cli.md says so.
  // The index takes values of 8 characters or more: a shorter one would mask ordinary words in every later line.
  const remembered = new FifoSet<string>(MAX_REMEMBERED)
  const recall = createValueIndex()
  const remember = (findings: readonly Finding[]): void => {
    for (const f of findings) {
      const v = revealedSecret(f)
      if (v === undefined || remembered.has(v)) continue
      recall.add(v)
      const oldest = remembered.add(v)
      if (oldest !== undefined) recall.delete(oldest)
    }
  }
  const recalled = (text: string): Span[] =>
    remembered.size === 0 ? [] : recall.find(text).map(([start, end]) => ({ start, end, with: maskValue(text.slice(start, end)) }))
  const capped = (from: number, to: number): void => {
    if (!limited) return
    limited = false
    if (from === cappedLine) return
    cappedLine = from
    opts.stderr.write(
      `leakwatch mask: line ${from === to ? from : `${from}-${to}`}: over ${DEFAULT_MAX_FINDINGS_PER_LINE} secrets of one rule; the rest are masked, not reported\n`
    )
  }
  // By kind: each line is asked whether it opens a hold of each kind (opens), in this order.
  const blocks = blockRules(rules)
  const pemBlocks = blocks.flatMap((b) => ('header' in b ? [b] : []))
  const nearBlocks = blocks.flatMap((b) => ('near' in b ? [b] : []))
  const objectBlocks = blocks.flatMap((b) => ('member' in b ? [b] : []))
  const maxHoldLines = opts.maxHoldLines ?? 200
  const windowChars = opts.maxLineChars ?? 64 * 1024

  let lineNo = 0
  let found = 0
  const distinct = new Set<string>()
  // The lines held back now, and why (Hold): a PEM block to its END marker, a reader's header with its reach, a hex
  // dump's rows while they go on, or a pretty-printed object's member lines.
  let held: ({ lines: Line[]; first: number } & Hold) | undefined
  const row = new Uint8Array(16)
  // Set after a hold was cut short: the END marker still to come, with body lines before it masked blind.
  let openBody: string | undefined
  // The current line once it outgrew a window: the rest of it goes through these windows.
  let long: LineWindows | undefined
  let closed = false
  let encode: (s: string) => string | Buffer = (s) => s

  opts.stdout.on('error', () => {
    // The reader went away (EPIPE): nothing more can be delivered.
    closed = true
  })
  const write = (s: string): boolean => (closed || s === '' ? true : opts.stdout.write(encode(s)))

  const report = (findings: Finding[]): void => {
    for (const f of findings) {
      found++
      distinct.add(f.fingerprint)
      opts.stderr.write(
        `leakwatch mask: line ${f.location.line}:${f.location.column}  ${f.severity.toUpperCase()}  ${escapeControls(f.rule)}  ${escapeControls(f.preview)}\n`
      )
    }
  }

  const chunk = (lines: string[], first: number): LogChunk => ({
    v: '1',
    type: 'log-chunk',
    stream: 'stdin',
    source: { type: 'stdin' },
    startLine: first,
    offset: { start: 0, end: 0 },
    lines,
    collectedAt: new Date().toISOString()
  })

  const detect = (lines: readonly Line[], first: number): string[] => {
    const c = chunk(
      lines.map((l) => l.text),
      first
    )
    // Findings name each secret once per line; the engine's spans are every place it saw one (a repeat, another
    // reading such as its JSON-escaped form, a hit past the findings cap): all of them are masked.
    const more = c.lines.map(recalled)
    const findings = detectChunk(c, (s) => more[s.line]?.push({ start: s.start, end: s.end, with: s.preview ?? BLIND }))
    report(findings)
    remember(findings)
    capped(first, first + lines.length - 1)
    return maskLines(c.lines, first, findings, more)
  }

  const flushHeld = (cut: boolean): void => {
    if (held === undefined) return
    const h = held
    held = undefined
    const masked = detect(h.lines, h.first)
    // Only a PEM block has a body to blind: a reader's lines and a dump's rows are detected together, whole or not.
    const blind = cut && 'end' in h
    let out = ''
    for (const [i, l] of h.lines.entries()) {
      // A block cut short may be too short for the rule to report: its body lines are masked regardless.
      const text = blind && i > 0 ? (blindBody(masked[i] ?? '') ?? masked[i]) : masked[i]
      out += (text ?? '') + l.end
    }
    if (blind && 'end' in h) openBody = h.end
    write(out)
  }

  const onLine = (l: Line): void => {
    lineNo++
    if (held !== undefined && 'dump' in held) {
      const r = readDumpRow(framedLine(l.text), row, 0)
      if (r !== undefined && r.offset === held.dump) {
        held.lines.push(l)
        held.dump += r.count
        // A short row ends the dump; a dump is read up to MAX_DUMP_BYTES, as the detector reads it.
        if (r.count < row.length || held.lines.length * row.length >= MAX_DUMP_BYTES) flushHeld(false)
        return
      }
      // The dump ended on the row before: its rows are written, and this line is read on its own.
      flushHeld(false)
    }
    if (held !== undefined && 'object' in held) {
      if (held.object.member.test(framedLine(l.text)) && held.lines.length <= held.object.max) {
        held.lines.push(l)
        return
      }
      // The object ended (a line that is no member), or its reader looks no further: its lines are read together.
      flushHeld(false)
    }
    if (held !== undefined && 'reach' in held) {
      held.lines.push(l)
      if (held.lines.length <= held.reach) return
      // The header's reach is in: detected together. A line that opens a hold of its own starts the next one.
      const next = opens(l.text)
      if (next !== undefined) held.lines.pop()
      flushHeld(false)
      if (next !== undefined) held = { lines: [l], first: lineNo, ...next }
      return
    }
    if (held !== undefined && 'end' in held) {
      held.lines.push(l)
      if (l.text.includes(held.end)) flushHeld(false)
      else if (held.lines.length >= maxHoldLines) flushHeld(true)
      return
    }
    if (openBody !== undefined) {
      const body = l.text.includes(openBody) ? undefined : blindBody(l.text)
      if (body !== undefined) {
        write(body + l.end)
        return
      }
      // The END marker, or a line that is not body: the block is over.
      openBody = undefined
    }
    const hold = opens(l.text)
    if (hold !== undefined) {
      held = { lines: [l], first: lineNo, ...hold }
      return
    }
    write((detect([l], lineNo)[0] ?? '') + l.end)
  }

  /**
   * The hold a line opens: a PEM header without its END on the line, a hex dump's full row (`kubectl -v=8` dumps a
   * Secret's protobuf body, a value cut over its rows; detectors/hexdump.ts), a reader's header, or a member line
   * of a pretty-printed object that may take part in a finding (a JWK's `kty`, or its `d` written before it).
   */
  function opens(text: string): Hold | undefined {
    for (const b of pemBlocks) {
      const m = b.header.exec(text)
      if (m !== null && !text.slice(m.index + m[0].length).includes(b.end)) return { end: b.end }
    }
    // A dump's row and a JWK's member line are known by their start, under a timestamp too (the detector frames it
    // off); framed only when the line can be one (a row ends in '|', an opening member holds its name): a framing
    // per line cost mask 15% of its CPU on a CI log.
    if (text.charCodeAt(text.length - 1) === 0x7c) {
      const r = readDumpRow(framedLine(text), row, 0)
      if (r !== undefined && r.count === row.length) return { dump: r.offset + r.count }
    }
    const start = bodyStart(text)
    for (const b of nearBlocks) if (nearHeader(b, text, start)) return { reach: b.reach }
    for (const b of objectBlocks) if (opensObject(b, text, start)) return { object: b }
    return undefined
  }

  // One window of a long line: what it settled is written, masked; a span begun in an earlier window is blind.
  const onWindow = (w: LineWindow): number => {
    const more = recalled(w.text)
    const found = detectChunk(chunk([w.text], lineNo), (s) => more.push({ start: s.start, end: s.end, with: s.preview ?? BLIND }))
    const { own, settled } = windowFindings(w, found, windowChars, more)
    report(own)
    remember(own)
    capped(lineNo, lineNo)
    const stop = w.final ? w.text.length : settled
    // In the window's columns: what this window writes is text[from, stop).
    const inWindow = [...own.map((f) => ({ start: f.location.column - 1 - w.base, end: f.location.endColumn - 1 - w.base, with: f.preview })), ...more]
    const spans = inWindow.map((s) => ({
      start: Math.max(s.start, w.from) - w.from,
      end: Math.min(s.end, stop) - w.from,
      with: s.start < w.from ? BLIND : s.with
    }))
    write(replaceSpans(w.text.slice(w.from, stop), spans))
    return settled
  }

  const startLong = (): LineWindows => {
    // The held block (if any) ends here: a line this long is no key line.
    flushHeld(true)
    openBody = undefined
    lineNo++
    return createLineWindows(windowChars, onWindow)
  }

  let decode: (b: Buffer) => string = () => ''
  let finish: () => string = () => ''
  let sniffed = false
  let pending = ''
  const drain = (final: boolean): void => {
    for (;;) {
      const nl = pending.indexOf('\n')
      const cr = pending.indexOf('\r')
      let at = nl
      let width = 1
      if (cr >= 0 && (nl < 0 || cr < nl)) {
        // A lone \r (progress bars) ends a line too; \r\n is one break. A trailing \r waits for the next byte.
        if (cr === pending.length - 1 && !final) at = -1
        else {
          at = cr
          width = pending[cr + 1] === '\n' ? 2 : 1
        }
      }
      if (at < 0) break
      const text = pending.slice(0, at)
      const end = pending.slice(at, at + width)
      pending = pending.slice(at + width)
      if (long === undefined) onLine({ text, end })
      else {
        long.append(text)
        long.end()
        long = undefined
        write(end)
      }
    }
    // What is left is part of a line: past a window (or once the line is long) it goes on through windows.
    const keep = pending.endsWith('\r') && !final ? 1 : 0
    if (long === undefined && pending.length - keep > windowChars) long = startLong()
    if (long !== undefined) {
      long.append(pending.slice(0, pending.length - keep))
      pending = pending.slice(pending.length - keep)
      if (final) {
        long.end()
        long = undefined
      }
    }
    if (final && pending.length > 0) {
      onLine({ text: pending, end: '' })
      pending = ''
    }
  }

  // The ingest endpoint reads UTF-8: UTF-8 input is forwarded as it came (the exact bytes), UTF-16 input
  // as the text it decodes to, else the pipeline would scan NUL-interleaved bytes and find nothing.
  let forwardDecoded = false
  for await (const data of opts.stdin) {
    if (typeof data === 'string') {
      opts.forward?.write(data)
      pending += data
    } else {
      if (!sniffed) {
        sniffed = true
        const kind = sniff(data.subarray(0, SNIFF_BYTES))
        if (kind.encoding === 'utf-8') {
          const d = new StringDecoder('utf8')
          decode = (b) => d.write(b)
          finish = () => d.end()
        } else {
          // The BOM, if any, is kept as a character, so it is written back as it came. Input that goes on
          // in UTF-8 after a UTF-16 start is written on as UTF-8 (lines already held then too).
          const d = createInputDecoder(kind.encoding, { ignoreBOM: true })
          decode = (b) => d.decode(b)
          finish = () => d.end()
          const utf16 = encoder(kind.encoding)
          encode = (s) => (d.switched ? s : utf16(s))
          forwardDecoded = true
        }
      }
      const text = decode(data)
      opts.forward?.write(forwardDecoded ? text : data)
      pending += text
    }
    drain(false)
    if (closed) break
    if (opts.stdout.writableNeedDrain) await new Promise<void>((resolve) => opts.stdout.once('drain', resolve))
  }
  const rest = finish()
  if (forwardDecoded && rest !== '') opts.forward?.write(rest)
  pending += rest
  drain(true)
  flushHeld(true)
  await opts.forward?.end()
  if (found > 0) opts.stderr.write(`leakwatch mask: masked ${found} secret(s), ${distinct.size} distinct\n`)
  return found > 0 ? opts.exitCode : 0
}
