// PEM-style blocks (private keys, PGP armour): the rule's regex matches the
// BEGIN header, and the secret is the base64 body that follows, either on the
// same line (JSON-escaped "\n" between its parts, the way a key arrives in a
// JSON log or a Secret manifest) or on the following lines of the chunk, up to
// the END marker. A body is told apart from a log line that merely quotes a
// header ("expected a PEM file starting with -----BEGIN …") by what follows it.

import RE2 from 're2'
import type { PemBlock } from './rule.ts'

export type BlockShape = PemBlock

/**
 * The body of a block and where it ends: `end` on the header's line, `endColumn` (1-based) on `endLineIndex`.
 * A rule's own reader (Rule.block.read) may say where it starts: `start`, a column of the header's text, or of
 * line `lineIndex` when that is another line (then `end` is a column of that line too); the header's start otherwise.
 */
export interface BlockSpan {
  secret: string
  endLineIndex: number
  end: number
  endColumn: number
  lineIndex?: number
  start?: number
}

/**
 * A rule's own reader's result (Rule.block.read): `secret` at column `start` of line `lineIndex`, found while
 * reading the header on line `headerLine`.
 */
export function readerSpan(secret: string, start: number, lineIndex: number, headerLine: number): BlockSpan {
  const end = start + secret.length
  const span: BlockSpan = { secret, start, end, endLineIndex: lineIndex, endColumn: end + 1 }
  if (lineIndex !== headerLine) span.lineIndex = lineIndex
  return span
}

/** A match's first group and its column: the group's last occurrence in the match, which ends with it or its closing quote. */
export function capturedAt(m: RegExpExecArray): { secret: string; start: number } {
  const secret = m[1] as string
  return { secret, start: m.index + (m[0] as string).lastIndexOf(secret) }
}

/** How many lines after the header a block may run: a key is a few dozen; more is a dump to stop at. */
export const MAX_BLOCK_LINES = 200

const NOT_BODY = /[^A-Za-z0-9+/=]/g
const ESCAPED_NEWLINE = /\\[nr]/g
const BODY_RUN = /^(?:[A-Za-z0-9+/=\s]|\\[nr])*/
const HEADER_FIELD = /^\s*[A-Za-z][A-Za-z-]*:\s/
// RE2: two runs of \s around an empty body backtrack quadratically on a line of spaces in a JS regex.
const BODY_LINE = new RE2('^\\s*[A-Za-z0-9+/=]*\\s*$', '')
// A key written into source as a string per line: the header's line ends its literal (`"-----BEGIN … KEY-----\n" +`,
// JSON-escaped `\\n"` inside a string of a string, Python's implicit concatenation without the `+`), and each line
// after it is one literal of base64 joined to the next (`+ "MIIB…\n"`, `"MIIB…\n" +`, `"MIIB…\n",`); its END line
// is read as any other. Tests and fixtures hold keys this way, and a CI log prints them in diffs and test output
// (CredSweeper's PEM samples). RE2, as above: the blanks around the `+` are runs.
const LITERAL_TAIL = new RE2('^(?:\\\\{1,2}[nr])*\\\\?["\']\\s*[+,]?\\s*$', '')
const LITERAL_OPENING = /\\?["']$/
// The same literals on one line, as a JSON log writes a multi-line message (`\"-----BEGIN …-----\" +\n\"b3Bl…\" +\n`):
// the closing quote, the `+` and the newline between two literals join them and are no part of the body (a `+` is
// base64, so it would stay in it). Only after a header that closes its literal; RE2, as above.
const LITERAL_CLOSES = /^(?:\\{1,2}[nr])*\\{0,3}["']/
const LITERAL_JOIN = new RE2('\\\\{0,3}["\'](?:\\s|\\\\{1,2}[nrt])*\\+?(?:\\s|\\\\{1,2}[nrt])*\\\\{0,3}["\']', 'g')
const LITERAL_LINE = new RE2('^\\s*\\+?\\s*\\\\?["\']([A-Za-z0-9+/=]*)(?:\\\\{1,2}[nr])*\\\\?["\']\\s*[+,]?\\s*$', '')

/**
 * The block whose header ends at column `afterHeader` of `text`, the piece of line `lineIndex` of
 * `lines` that the header was found in; undefined when what follows is too short to be a key or is
 * no block at all.
 */
export function readBlock(
  block: BlockShape,
  lines: readonly string[],
  lineIndex: number,
  text: string,
  afterHeader: number,
  headerStart = 0
): BlockSpan | undefined {
  // Same line (JSON-escaped "\n" between parts) or following lines of the chunk.
  const sameLine = text.slice(afterHeader)
  const endAt = sameLine.indexOf(block.end)
  if (endAt >= 0) {
    const written = sameLine.slice(0, endAt)
    const joined = LITERAL_CLOSES.test(written) ? written.replace(LITERAL_JOIN, '') : written
    const body = joined.replace(ESCAPED_NEWLINE, '').replace(NOT_BODY, '')
    return body.length >= block.minBodyChars
      ? { secret: body, endLineIndex: lineIndex, end: afterHeader + endAt, endColumn: afterHeader + endAt + 1 }
      : undefined
  }
  // No END on this line. The body may start here (JSON-escaped, cut short) and go on over the
  // following lines, but only if nothing else follows it on this line: a header quoted in a
  // message and followed by the rest of a JSON event is no block.
  const run = BODY_RUN.exec(sameLine)?.[0] ?? ''
  let body = run.replace(ESCAPED_NEWLINE, '').replace(NOT_BODY, '')
  // Without its END marker a body must be four times as long: a fragment of base64 after a quoted header is common.
  const unterminated = block.minBodyChars * 4
  const moreOnLine = run.length < sameLine.trimEnd().length
  const literals = moreOnLine && body.length === 0 && LITERAL_TAIL.test(sameLine)
  if (moreOnLine && !literals) {
    return body.length >= unterminated
      ? { secret: body, endLineIndex: lineIndex, end: afterHeader + run.length, endColumn: afterHeader + run.length + 1 }
      : undefined
  }
  // What the log wrote before the header ([app] , svc | , INFO , a timestamp) it writes before every
  // line of the key: taken off the lines after it when they start with the same prefix or one of its
  // shape (the same length, digits where it has digits). Only on the line itself, not in a decoded view.
  // A literal's opening quote is not part of that prefix: each line after it opens a literal of its own
  // (`"-----BEGIN RSA PRIVATE KEY-----" +` then `"b3Bl…" +`), and taking the quote off would leave no literal.
  const written = text === lines[lineIndex] ? text.slice(0, headerStart) : ''
  const prefix = literals ? written.replace(LITERAL_OPENING, '') : written
  for (let j = lineIndex + 1; j < lines.length && j < lineIndex + MAX_BLOCK_LINES; j++) {
    const l = withoutPrefix(lines[j] ?? '', prefix)
    const e = l.indexOf(block.end)
    if (e >= 0)
      return body.length >= block.minBodyChars
        ? { secret: body, endLineIndex: j, end: text.length, endColumn: (lines[j] ?? '').length - l.length + e + 1 }
        : undefined
    if (!literals && HEADER_FIELD.test(l)) continue // PEM headers such as Proc-Type
    // A body line is base64 and nothing else (or blank, as in PGP armour), or one literal of it after a header that
    // closed its own. Any other line ends the block: a log line that quotes a BEGIN header is followed by more log
    // lines, not by a key.
    const piece = literals ? LITERAL_LINE.exec(l)?.[1] : BODY_LINE.test(l) ? l : undefined
    if (piece === undefined) {
      return body.length >= unterminated ? { secret: body, endLineIndex: j - 1, end: text.length, endColumn: (lines[j - 1] ?? '').length + 1 } : undefined
    }
    body += piece.replace(NOT_BODY, '')
  }
  // A block cut by the chunk boundary: report what we have when it is long enough to be a key.
  // Its span runs to the end of the last body line seen, so a masker covers every line of it.
  const last = Math.min(lines.length - 1, lineIndex + MAX_BLOCK_LINES - 1)
  return body.length >= unterminated ? { secret: body, endLineIndex: last, end: text.length, endColumn: (lines[last] ?? '').length + 1 } : undefined
}

/**
 * `line` without `prefix`, or without a prefix of its shape (digits where it has digits), or without the
 * shape of the prefix's tail after one of its blanks: a logger that prefixes only a message's first line
 * (`2026-… INFO #6 0.245 -----BEGIN …`) leaves the lines after it with the inner prefix alone (`#6 0.245 `,
 * BuildKit's step and time). As it is when it has none of them.
 */
function withoutPrefix(line: string, prefix: string): string {
  if (prefix.length === 0) return line
  if (shapedLike(line, prefix, 0)) return line.slice(prefix.length)
  // Tails of at most MAX_INNER_PREFIX characters: an inner prefix is a step and a time, a tag, a short name, and
  // each tail tried costs a comparison as long as it (a long prefix of blanks would make that quadratic).
  for (let from = Math.max(1, prefix.length - MAX_INNER_PREFIX); from < prefix.length; from++) {
    if (prefix.charCodeAt(from - 1) === 32 && shapedLike(line, prefix, from)) return line.slice(prefix.length - from)
  }
  return line
}

/** Longest tail of a header's prefix that withoutPrefix looks for at the start of the lines after it. */
const MAX_INNER_PREFIX = 64

/** `line` starts with `prefix` from `from` on, digits standing for digits. */
function shapedLike(line: string, prefix: string, from: number): boolean {
  if (line.length < prefix.length - from) return false
  for (let i = from; i < prefix.length; i++) {
    const a = prefix.charCodeAt(i)
    const b = line.charCodeAt(i - from)
    if (a !== b && !(a >= 48 && a <= 57 && b >= 48 && b <= 57)) return false
  }
  return true
}
