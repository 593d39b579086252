// `leakwatch mask`: a pipe for CI steps (`make test 2>&1 | leakwatch mask`).
// Every line is written to stdout as soon as it is complete, with each span
// the detector reports replaced by its mask; findings go to stderr and into
// the exit code. The only lines ever held back are those of a private-key
// block (header through END marker), because the key's body lines carry no
// marker of their own; the hold is bounded in lines and in time, and once it
// is cut short, body-looking lines that follow are masked blind until the END
// marker, so a stalled or oversized block never leaks its body either.

import type { Readable, Writable } from 'node:stream'
import { StringDecoder } from 'node:string_decoder'
import RE2 from 're2'
import { escapeControls } from '../pipeline/escape.ts'
import type { Finding, LogChunk } from '../pipeline/events.ts'
import type { DetectorSetup } from './scan.ts'
import { createCliDetector } from './scan.ts'

export interface MaskOptions extends DetectorSetup {
  /** Exit code when something was masked. */
  exitCode: number
  stdin: Readable
  stdout: Writable
  stderr: Writable
  /** Most lines held while waiting for a block's END marker. */
  maxHoldLines?: number
  /** Longest a block's lines are held waiting for its END marker. */
  maxHoldMs?: number
  /** A line longer than this without a line break is processed in pieces of this size. */
  maxLineChars?: number
}

const BLIND = '********'
// A line of a PEM/PGP body: base64 only (PEM headers such as Proc-Type are not body).
const BODY_LINE = /^(\s*)([A-Za-z0-9+/=]{16,})(\s*)$/

interface Line {
  text: string
  /** The line break as it arrived ('\n', '\r\n', '\r', or '' for a cut piece or the last line). */
  end: string
}

interface BlockRule {
  header: RE2
  end: string
}

/** Replaces spans of `text`; overlapping spans merge and keep the first one's replacement. */
function replaceSpans(text: string, spans: Array<{ start: number; end: number; with: string }>): string {
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

/** The masked lines of `lines` (numbered from `first`) given the findings on them: every reported span, decoded-view spans included. */
export function maskLines(lines: readonly string[], first: number, findings: readonly Finding[]): string[] {
  const spans = lines.map(() => [] as Array<{ start: number; end: number; with: string }>)
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
  return lines.map((text, i) => replaceSpans(text, spans[i] ?? []))
}

function blindBody(text: string): string | undefined {
  const m = BODY_LINE.exec(text)
  return m === null ? undefined : `${m[1] ?? ''}${BLIND}${m[3] ?? ''}`
}

export async function mask(opts: MaskOptions): Promise<number> {
  const { detector, rules } = createCliDetector(opts)
  const blocks: BlockRule[] = rules.flatMap((r) => (r.block === undefined ? [] : [{ header: new RE2(r.regex, ''), end: r.block.end }]))
  const maxHoldLines = opts.maxHoldLines ?? 200
  const maxHoldMs = opts.maxHoldMs ?? 2000
  const maxLineChars = opts.maxLineChars ?? 64 * 1024

  let lineNo = 0
  let found = 0
  const distinct = new Set<string>()
  let held: { lines: Line[]; first: number; end: string; timer: NodeJS.Timeout } | undefined
  // Set after a hold was cut short: the END marker still to come, with body lines before it masked blind.
  let openBody: string | undefined
  let closed = false

  opts.stdout.on('error', () => {
    // The reader went away (EPIPE): nothing more can be delivered.
    closed = true
  })
  const write = (s: string): boolean => (closed ? true : opts.stdout.write(s))

  const report = (findings: Finding[]): void => {
    for (const f of findings) {
      found++
      distinct.add(f.fingerprint)
      opts.stderr.write(
        `leakwatch mask: line ${f.location.line}:${f.location.column}  ${f.severity.toUpperCase()}  ${escapeControls(f.rule)}  ${escapeControls(f.preview)}\n`
      )
    }
  }

  const detect = (lines: readonly Line[], first: number): string[] => {
    const chunk: LogChunk = {
      v: '1',
      type: 'log-chunk',
      stream: 'stdin',
      source: { type: 'stdin' },
      startLine: first,
      offset: { start: 0, end: 0 },
      lines: lines.map((l) => l.text),
      collectedAt: new Date().toISOString()
    }
    const findings = detector.detect(chunk)
    report(findings)
    return maskLines(chunk.lines, first, findings)
  }

  const flushHeld = (cut: boolean): void => {
    if (held === undefined) return
    const h = held
    held = undefined
    clearTimeout(h.timer)
    const masked = detect(h.lines, h.first)
    let out = ''
    for (const [i, l] of h.lines.entries()) {
      // A block cut short may be too short for the rule to report: its body lines are masked regardless.
      const text = cut && i > 0 ? (blindBody(masked[i] ?? '') ?? masked[i]) : masked[i]
      out += (text ?? '') + l.end
    }
    if (cut) openBody = h.end
    write(out)
  }

  const onLine = (l: Line): void => {
    lineNo++
    if (held !== undefined) {
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
    for (const b of blocks) {
      const m = b.header.exec(l.text)
      if (m !== null && !l.text.slice(m.index + m[0].length).includes(b.end)) {
        held = { lines: [l], first: lineNo, end: b.end, timer: setTimeout(() => flushHeld(true), maxHoldMs) }
        return
      }
    }
    write((detect([l], lineNo)[0] ?? '') + l.end)
  }

  const decoder = new StringDecoder('utf8')
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
      onLine({ text: pending.slice(0, at), end: pending.slice(at, at + width) })
      pending = pending.slice(at + width)
    }
    while (pending.length > maxLineChars) {
      onLine({ text: pending.slice(0, maxLineChars), end: '' })
      pending = pending.slice(maxLineChars)
    }
    if (final && pending.length > 0) {
      onLine({ text: pending, end: '' })
      pending = ''
    }
  }

  for await (const data of opts.stdin) {
    pending += typeof data === 'string' ? data : decoder.write(data as Buffer)
    drain(false)
    if (closed) break
    if (opts.stdout.writableNeedDrain) await new Promise<void>((resolve) => opts.stdout.once('drain', resolve))
  }
  pending += decoder.end()
  drain(true)
  flushHeld(true)
  if (found > 0) opts.stderr.write(`leakwatch mask: masked ${found} secret(s), ${distinct.size} distinct\n`)
  return found > 0 ? opts.exitCode : 0
}
