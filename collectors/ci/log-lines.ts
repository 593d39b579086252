// The CI log normaliser, shared by every CI collector and `ci backfill`:
// raw log bytes in (as the provider serves them, in chunks cut anywhere),
// lines out, numbered as the provider's UI numbers them.
//
// Contract (kept stable: other collectors build on it):
// - One line per '\n' of the raw log; "\r\n" is one line end. Line numbers are
//   1-based and count the raw log's lines: GitHub's raw job log, GitLab's job
//   page (`#L<n>`). A GitLab runner line whose header says `+` continues the
//   previous line (the runner split it), so it keeps that line's number.
// - What is taken off: the timestamp the runner prepends (GitHub
//   `2024-01-01T00:00:00.0000000Z `, GitLab `<RFC 3339> 00O `), ANSI escape
//   sequences (colour, erase-line, OSC hyperlinks), GitLab
//   `section_start:`/`section_end:` markers, GitHub `##[group]`,
//   `##[endgroup]`, `##[error]`… prefixes (reported as `group`). What is kept:
//   every character a person could have printed. `\r` progress overwrites are
//   all kept, joined by a space, because a secret printed and then overwritten
//   on the terminal is still in the log.
// - `::add-mask::VALUE` lines pass through unchanged so rules scan them, and
//   VALUE (a secret by declaration) goes to `onMask` only: the normaliser keeps
//   no copy and nothing here may log it. GitHub's `***` is left as it is.
// - Memory is bounded per line: a line longer than `maxLineBytes` (the pod-log
//   cap, 256 KiB by default) comes out in pieces marked `split`, cut on UTF-8
//   character boundaries, all with the line's number; nothing is dropped.
// - `end` is the raw byte offset just after a line: a consumer that resumes a
//   log skips lines up to the last one Kafka acknowledged.

import RE2 from 're2'
import { utf8Boundary } from '../utf8.ts'
import type { CiLogFormat } from './provider.ts'

/** The pod-log collector's `maxLineBytes` default: one bound on a line for every collector. */
export const DEFAULT_MAX_LINE_BYTES = 256 * 1024

export interface CiLine {
  /** 1-based, as the provider's UI counts lines. */
  line: number
  /** The line without runner framing; never includes a line end. */
  text: string
  /** A piece of a longer line: the next piece carries on with the same number. */
  split: boolean
  /** Raw byte offset just after this line (or piece). */
  end: number
  /** The runner's timestamp of the line, as written, when it had one. */
  time?: string
  /** GitHub `##[group]` (start) and `##[endgroup]` (end) markers. */
  group?: 'start' | 'end'
}

export interface LogLinesOptions {
  format: CiLogFormat
  maxLineBytes?: number
  /** Each `::add-mask::` value, once per occurrence. A secret: scan it, never print it. */
  onMask?: (value: string, line: number) => void
}

export interface LogLines {
  /** Lines completed by these bytes (a line still open waits for more). */
  push: (bytes: Uint8Array) => CiLine[]
  /** The last line, which had no line end. */
  end: () => CiLine[]
  /** Raw bytes taken in so far. */
  readonly bytes: number
}

const NL = 0x0a
const CR = 0x0d
const ESC = '\u001b'
// The marker and the erase-line GitLab writes after it: `section_start:1700000000:build_script[collapsed=true]\r\x1b[0K`.
const SECTION = new RE2('section_(?:start|end):\\d{1,20}:[A-Za-z0-9_.-]{1,256}(?:\\[[^\\]\\r\\n]{0,256}\\])?\\r(?:\\x1b\\[0?K)?', 'g')
const ADD_MASK = '::add-mask::'

const DIGITS_AT = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18] as const

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57
}

/**
 * The length of the runner's timestamp header at the start of `s`, 0 when there is none. Hand-parsed (no regex
 * over untrusted text): `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM) ` and, for GitLab, `<2 hex><O|E>[+] `.
 */
export function timestampHeader(s: string, format: CiLogFormat): { length: number; continued: boolean } {
  const none = { length: 0, continued: false }
  if (s.length < 21 || s.charCodeAt(4) !== 45 || s.charCodeAt(10) !== 84) return none
  for (const i of DIGITS_AT) if (!isDigit(s.charCodeAt(i))) return none
  if (s.charCodeAt(7) !== 45 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return none
  let i = 19
  if (s.charCodeAt(i) === 46) {
    i++
    const from = i
    while (i < s.length && i - from < 9 && isDigit(s.charCodeAt(i))) i++
    if (i === from) return none
  }
  const z = s.charCodeAt(i)
  if (z === 90) i++
  else if (z === 43 || z === 45) {
    if (!(isDigit(s.charCodeAt(i + 1)) && isDigit(s.charCodeAt(i + 2)) && s.charCodeAt(i + 3) === 58)) return none
    if (!(isDigit(s.charCodeAt(i + 4)) && isDigit(s.charCodeAt(i + 5)))) return none
    i += 6
  } else return none
  if (s.charCodeAt(i) !== 32) return none
  i++
  if (format !== 'gitlab') return { length: i, continued: false }
  // GitLab: the stream (two hex digits) and O/E, `+` when the runner continues the previous line.
  const hex = (c: number): boolean => isDigit(c) || (c >= 97 && c <= 102)
  if (!(hex(s.charCodeAt(i)) && hex(s.charCodeAt(i + 1)))) return { length: i, continued: false }
  const t = s.charCodeAt(i + 2)
  if (t !== 79 && t !== 69) return { length: i, continued: false }
  let j = i + 3
  const continued = s.charCodeAt(j) === 43
  if (continued) j++
  if (s.charCodeAt(j) !== 32) return { length: i, continued: false }
  return { length: j + 1, continued }
}

function isWord(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i)
    if (c < 97 || c > 122) return false
  }
  return true
}

/**
 * The length of the escape sequence at `i` (s[i] is ESC), or 0 when none starts there. By hand rather than a
 * regex: it runs on every coloured line, and a scan over char codes is several times faster than RE2's replace,
 * which converts the string to UTF-8 and back. CSI (`ESC [ params intermediates final`: colour, erase), charset
 * selection (`ESC ( B`) and any other two-character escape (`ESC ]`, `ESC \\`) are recognised.
 */
function escapeLength(s: string, i: number): number {
  const c = s.charCodeAt(i + 1)
  if (c === 91) {
    let j = i + 2
    while (j < s.length) {
      const p = s.charCodeAt(j)
      if ((p >= 48 && p <= 63) === false) break // parameters 0-9 : ; < = > ?
      j++
    }
    while (j < s.length) {
      const q = s.charCodeAt(j)
      if ((q >= 32 && q <= 47) === false) break // intermediates
      j++
    }
    const f = s.charCodeAt(j)
    return f >= 64 && f <= 126 ? j + 1 - i : 0
  }
  if (c === 40 || c === 41) {
    const d = s.charCodeAt(i + 2)
    return (d >= 48 && d <= 57) || (d >= 65 && d <= 90) || (d >= 97 && d <= 122) ? 3 : 0
  }
  return c >= 64 && c <= 95 ? 2 : 0
}

function stripAnsi(s: string): string {
  let at = s.indexOf(ESC)
  if (at === -1) return s
  let out = ''
  let from = 0
  while (at !== -1) {
    const n = escapeLength(s, at)
    if (n > 0) {
      out += s.slice(from, at)
      from = at + n
    }
    at = s.indexOf(ESC, at + Math.max(1, n))
  }
  return out + s.slice(from)
}

/** `s` with GitLab section markers, escape sequences and `\r` overwrites resolved: every overwritten text kept. */
function clean(s: string): string {
  let t = s
  if (t.includes('section_')) t = t.replace(SECTION, '')
  if (t.includes('\r')) {
    const parts: string[] = []
    for (const p of t.split('\r')) {
      const q = stripAnsi(p)
      if (q !== '') parts.push(q)
    }
    return parts.join(' ')
  }
  return stripAnsi(t)
}

const GROUP = '##[group]'
const ENDGROUP = '##[endgroup]'

export function createLogLines(opts: LogLinesOptions): LogLines {
  const max = Math.max(1024, opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES)
  const gitlab = opts.format === 'gitlab'
  let pending: Buffer[] = []
  let pendingBytes = 0
  let total = 0
  let line = 0
  // Whether the open line already gave out a piece: its rest has no header to take off.
  let continuing = false
  // GitLab only: the last line, held until the next header says whether it continues it.
  let held: CiLine | undefined

  function emit(out: CiLine[], l: CiLine, continued: boolean): void {
    if (!gitlab) {
      out.push(l)
      return
    }
    if (held !== undefined) {
      if (continued) {
        held.split = true
        l.line = held.line
        line--
      }
      out.push(held)
    }
    held = l
  }

  function finish(out: CiLine[], raw: string, end: number, split: boolean): void {
    let s = raw
    const l: CiLine = { line: 0, text: '', split, end }
    let continued = false
    if (!continuing) {
      line++
      if (opts.format !== 'plain' && s.length > 0 && isDigit(s.charCodeAt(0))) {
        const h = timestampHeader(s, opts.format)
        if (h.length > 0) {
          l.time = s.slice(0, s.indexOf(' '))
          continued = h.continued
          s = s.slice(h.length)
        }
      }
    }
    l.line = line
    let text = clean(s)
    if (!continuing && opts.format === 'github' && text.startsWith('##[')) {
      if (text.startsWith(GROUP)) {
        l.group = 'start'
        text = text.slice(GROUP.length)
      } else if (text.startsWith(ENDGROUP)) {
        l.group = 'end'
        text = text.slice(ENDGROUP.length)
      } else {
        const close = text.indexOf(']')
        // `##[error]`, `##[warning]`, `##[debug]`, `##[command]`, `##[notice]`, `##[section]`: a word, then the message.
        if (close > 3 && close < 16 && isWord(text, 3, close)) text = text.slice(close + 1)
      }
    }
    if (opts.onMask !== undefined) {
      for (let at = text.indexOf(ADD_MASK); at !== -1; at = text.indexOf(ADD_MASK, at + ADD_MASK.length)) {
        const rest = text.slice(at + ADD_MASK.length)
        const value = rest.trim()
        if (value !== '') opts.onMask(value, l.line)
      }
    }
    l.text = text
    continuing = split
    emit(out, l, continued)
  }

  /** One complete line from bytes (assembled across pushes, or over the bound): cut into pieces when too long. */
  function bytesLine(out: CiLine[], raw: Buffer, end: number): void {
    const bodyAt = end - 1 - raw.length
    const body = raw.length > 0 && raw[raw.length - 1] === CR ? raw.subarray(0, raw.length - 1) : raw
    let from = 0
    while (body.length - from > max) {
      const cut = utf8Boundary(body.subarray(from), max)
      finish(out, body.toString('utf8', from, from + cut), bodyAt + from + cut, true)
      from += cut
    }
    finish(out, body.toString('utf8', from), end, false)
  }

  return {
    get bytes() {
      return total
    },
    push(bytes) {
      const out: CiLine[] = []
      const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
      let pos = 0
      // The line left open by the last push, completed by these bytes: the only one assembled from parts.
      if (pendingBytes > 0) {
        const nl = buf.indexOf(NL)
        if (nl !== -1) {
          const body = Buffer.concat([...pending, buf.subarray(0, nl)])
          pending = []
          pendingBytes = 0
          bytesLine(out, body, total + nl + 1)
          pos = nl + 1
        }
      }
      const last = pendingBytes > 0 ? -1 : buf.lastIndexOf(NL)
      if (last >= pos) {
        // The complete lines of this push, decoded at once: one string, walked in step with the bytes so each
        // line knows where it ends in the raw log (a '\n' byte is a '\n' character, and nothing else is).
        const str = buf.toString('utf8', pos, last + 1)
        let sPos = 0
        let bPos = pos
        while (bPos <= last) {
          const bnl = buf.indexOf(NL, bPos)
          const snl = str.indexOf('\n', sPos)
          if (bnl - bPos > max) bytesLine(out, buf.subarray(bPos, bnl), total + bnl + 1)
          else {
            const cr = bnl > bPos && buf[bnl - 1] === CR ? 1 : 0
            finish(out, str.slice(sPos, snl - cr), total + bnl + 1, false)
          }
          bPos = bnl + 1
          sPos = snl + 1
        }
        pos = last + 1
      }
      if (pos < buf.length) {
        pending.push(buf.subarray(pos))
        pendingBytes += buf.length - pos
      }
      total += buf.length
      // An open line that outgrew the bound: its head goes out as a piece now, so memory stays bounded.
      while (pendingBytes > max) {
        const joined = Buffer.concat(pending)
        const cut = utf8Boundary(joined, max)
        finish(out, joined.toString('utf8', 0, cut), total - (joined.length - cut), true)
        pending = [joined.subarray(cut)]
        pendingBytes = joined.length - cut
      }
      return out
    },
    end() {
      const out: CiLine[] = []
      if (pendingBytes > 0) {
        let body = Buffer.concat(pending)
        if (body[body.length - 1] === CR) body = body.subarray(0, body.length - 1)
        pending = []
        pendingBytes = 0
        finish(out, body.toString('utf8'), total, false)
      } else if (continuing) {
        // The log ended right after a piece: the line it belongs to is complete.
        finish(out, '', total, false)
      }
      if (held !== undefined) out.push(held)
      held = undefined
      return out
    }
  }
}

/** Lines of a byte stream, a batch per chunk read (empty batches are skipped). */
export async function* logLines(source: AsyncIterable<Uint8Array>, opts: LogLinesOptions): AsyncGenerator<CiLine[]> {
  const ll = createLogLines(opts)
  for await (const chunk of source) {
    const lines = ll.push(chunk)
    if (lines.length > 0) yield lines
  }
  const last = ll.end()
  if (last.length > 0) yield last
}
