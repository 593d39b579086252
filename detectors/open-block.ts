// Where a stream of lines may be cut into chunks without cutting a private-key block: the detector reads a
// PEM-style block from its header to its END line within one chunk (pem.ts), so a block that a chunk's end
// cuts is reported from its first part only (a partial body, whose fingerprint matches no known secret) or,
// when that part is short, not at all. `leakwatch scan` and `mask` carry such a block into their next chunk;
// the collectors cut a full chunk before it (blockCutFor), so it reaches the detector whole. The same holds
// for a reader rule with a `reach` (an env var's name line, whose value is on the next line): its header's
// line opens the next chunk when the lines it reads are not all in this one; and for one that reads a
// pretty-printed object's member lines (a JWK's `kty` and `d`, in either order): an object still open at the
// chunk's end, with a line that may take part in a finding, opens the next chunk from its first member line.
// A hex dump whose rows run to the chunk's end (kubectl -v=8's protobuf bodies; the detector reads a chunk's
// dumps as one text each, hexdump.ts) opens the next chunk from its first row in the same way.

import RE2 from 're2'
import type { ChunkCut } from '../pipeline/stages.ts'
import { frameLines, prefixLength } from './framing.ts'
import { readDumpRow } from './hexdump.ts'
import { MAX_BLOCK_LINES } from './pem.ts'
import { escapeRe2 } from './re2-compile.ts'
import type { PemBlock, Rule } from './rule.ts'

/**
 * A PEM-style block, open from its header's line to its END line; or a reader's header, whose line and the `reach`
 * lines after it go together. A reader's header is known by its rule's `requires` and keywords alone (`near`),
 * not its regex: an anchored regex would miss the line under a timestamp or a container-log prefix, which the
 * detector frames off, and a line taken for a header that is none only moves to the next chunk.
 */
export type BlockRule =
  | { header: RE2; end: string }
  | { near: RE2; requires: readonly string[]; reach: number; lead: number }
  | { member: RE2; opens: RE2; needs: readonly string[]; max: number }

/**
 * The rules whose blocks a chunk is not cut inside: PEM-style blocks, read to their END line, readers that read
 * a bounded number of lines after their header's (`reach`), and readers of an object's member lines (`object`).
 */
export function carried(r: Rule): boolean {
  const reader = readerOf(r)
  return pemBlock(r) !== undefined || reader?.reach !== undefined || reader?.object !== undefined
}

/** A rule's PEM-style block, read by pem.ts. */
export function pemBlock(r: Rule): PemBlock | undefined {
  return r.block === undefined || 'read' in r.block ? undefined : r.block
}

/** A rule's block with its own reader. */
function readerOf(r: Rule): Exclude<Rule['block'], PemBlock | undefined> | undefined {
  return r.block !== undefined && 'read' in r.block ? r.block : undefined
}

/** Where `line`'s text starts: after its record prefix (framing.ts) and indentation. */
export function bodyStart(line: string): number {
  let i = prefixLength(line)
  while (line.charCodeAt(i) === 0x20 || line.charCodeAt(i) === 0x09) i++
  return i
}

const anyOf = (words: readonly string[]): RE2 => new RE2(`(?i)(?:${words.map(escapeRe2).join('|')})`, '')

export function blockRules(rules: readonly Rule[]): BlockRule[] {
  return rules.flatMap((r): BlockRule[] => {
    const b = pemBlock(r)
    if (b !== undefined) return [{ header: new RE2(r.regex, ''), end: b.end }]
    const { reach, lead, object: o } = readerOf(r) ?? {}
    // `lead` as a char code, -1 for any.
    if (reach !== undefined) return [{ near: anyOf(r.keywords), requires: r.requires ?? [], reach, lead: lead?.charCodeAt(0) ?? -1 }]
    return o === undefined ? [] : [{ member: new RE2(o.member, ''), opens: new RE2(o.opens, ''), needs: o.needs, max: o.max }]
  })
}

/**
 * Whether a text may hold a PEM-style block rule's header: one of those rules' keywords, in any case (every match
 * of a rule holds one of its keywords). An alternation of literals under RE2: linear. A reader's header is looked
 * for on its reach of last lines only, by its own keywords (BlockRule `near`).
 */
export function blockKeywords(rules: readonly Rule[]): RE2 | undefined {
  const words = rules.flatMap((r) => (pemBlock(r) !== undefined ? r.keywords : []))
  return words.length === 0 ? undefined : anyOf(words)
}

/**
 * Whether `line` is a member line of object block `b` that may take part in a finding (BlockRule `opens`). Tested
 * in JavaScript first, as mask asks it of every line: its text after a record prefix and indentation starts a JSON
 * member's name (`"`), and one of `needs` is in it; only then is it framed (framedLine) and matched.
 */
export function opensObject(b: Extract<BlockRule, { opens: RE2 }>, line: string, start = bodyStart(line)): boolean {
  if (line.charCodeAt(start) !== 0x22 || !b.needs.some((n) => line.includes(n))) return false
  const framed = framedLine(line)
  return b.member.test(framed) && b.opens.test(framed)
}

/** Whether `line` (its text starting at `start`, bodyStart) may be the header line of reader block `b` (BlockRule `near`). */
export function nearHeader(b: Extract<BlockRule, { near: RE2 }>, line: string, start = bodyStart(line)): boolean {
  // A character first: mask asks this of every line, and a search of each for `requires` cost it 7% on JSON logs.
  if (b.lead >= 0 && line.charCodeAt(start) !== b.lead) return false
  for (const p of b.requires) if (!line.includes(p)) return false
  return b.near.test(line)
}

/**
 * Index of the first line of a block still open at the end of `lines`, or -1: a private-key block (within the
 * last MAX_BLOCK_LINES) or a reader's header whose reach runs past the last line. The last lines are searched for
 * a PEM header line by line only when one RE2 search over all of them finds a PEM rule's keyword: a header search
 * per line and block rule, each converting the line to UTF-8, was a tenth of the CPU of scanning a 16 MB plain or
 * CI log (issue #15).
 */
export function openBlock(lines: readonly string[], blocks: readonly BlockRule[], keywords: RE2 | undefined): number {
  let first = openPem(lines, blocks, keywords)
  const earlier = (i: number): void => {
    if (i >= 0 && (first < 0 || i < first)) first = i
  }
  for (const b of blocks) {
    if ('near' in b) earlier(openNear(lines, b))
    else if ('member' in b) earlier(openObject(lines, b))
  }
  earlier(openDump(lines))
  return first
}

/** The first of the last `b.reach` lines that may be `b`'s header (its reach runs past the last line), else -1. */
function openNear(lines: readonly string[], b: Extract<BlockRule, { near: RE2 }>): number {
  for (let i = Math.max(0, lines.length - b.reach); i < lines.length; i++) if (nearHeader(b, lines[i] as string)) return i
  return -1
}

const dumpRow = new Uint8Array(16)

/**
 * The first row of a hex dump whose rows end `lines`, the last one full (the dump may go on), within the last
 * MAX_BLOCK_LINES lines; else -1. A line is tested as a row by its last character first: most lines end otherwise.
 */
function openDump(lines: readonly string[]): number {
  const lastLine = lines[lines.length - 1]
  // A row ends in '|': no other line is framed.
  const end = lastLine === undefined || !lastLine.endsWith('|') ? undefined : readDumpRow(framedLine(lastLine), dumpRow, 0)
  if (end === undefined || end.count !== dumpRow.length) return -1
  const { tail, base } = framedTail(lines, MAX_BLOCK_LINES)
  let start = tail.length - 1
  let offset = end.offset
  while (offset >= dumpRow.length) {
    // A dump longer than MAX_BLOCK_LINES rows is not kept whole by a cut: the chunk ends where it is full.
    if (start === 0) return base === 0 ? 0 : -1
    const r = readDumpRow(tail[start - 1] as string, dumpRow, 0)
    if (r === undefined || r.count !== dumpRow.length || r.offset !== offset - dumpRow.length) break
    start--
    offset = r.offset
  }
  return base + start
}

/**
 * `line` as the detector reads it: a record prefix (a timestamp, a CRI record's `stdout F`, a GitLab runner's
 * stream id) and terminal noise taken off (framing.ts). A JWK's member lines and a dump's rows are known by
 * their start, which such a prefix hides.
 */
export function framedLine(line: string): string {
  return frameLines([line]).lines[0] ?? line
}

/** The last `k` of `lines`, framed (framedLine), with the index of the first of them in `lines`. */
function framedTail(lines: readonly string[], k: number): { tail: string[]; base: number } {
  const base = Math.max(0, lines.length - k)
  return { tail: frameLines(lines.slice(base)).lines, base }
}

/**
 * The first line of the member lines that end `lines` (at most `b.max` of them) when one of them may take part
 * in a finding (`opens`), else -1: the object goes on past the chunk's end, and its members are read together.
 * Only the last line is framed unless it is a member line.
 */
function openObject(lines: readonly string[], b: Extract<BlockRule, { member: RE2 }>): number {
  const last = lines[lines.length - 1]
  if (last === undefined || !b.member.test(framedLine(last))) return -1
  const { tail, base } = framedTail(lines, b.max)
  let open = -1
  let start = tail.length
  while (start > 0 && b.member.test(tail[start - 1] as string)) {
    start--
    if (b.opens.test(tail[start] as string)) open = start
  }
  return open < 0 ? -1 : base + start
}

function openPem(lines: readonly string[], blocks: readonly BlockRule[], keywords: RE2 | undefined): number {
  const from = Math.max(0, lines.length - MAX_BLOCK_LINES)
  if (keywords === undefined || !keywords.test(lines.slice(from).join('\n'))) return -1
  let open = -1
  let end = ''
  for (let i = from; i < lines.length; i++) {
    const l = lines[i] as string
    if (open >= 0) {
      if (l.includes(end)) open = -1
      continue
    }
    for (const b of blocks) {
      if (!('header' in b)) continue
      const m = b.header.exec(l)
      if (m !== null && !l.slice(m.index + m[0].length).includes(b.end)) {
        open = i
        end = b.end
        break
      }
    }
  }
  return open
}

/**
 * Where a collector cuts a chunk that is full when `next` more bytes (a line) come, for `rules`: before a block
 * still open at the end of `lines`, whose lines then open the next chunk, or at the end (-1). Not when the block
 * starts the chunk (it is as whole as a chunk can hold it), nor when its lines and the next one would not fit a
 * chunk of their own (`sizes`: each line's bytes as the chunk counts them). pipeline/stages.ts ChunkCut.
 */
export function blockCutFor(rules: readonly Rule[]): ChunkCut {
  const blocks = blockRules(rules)
  const keywords = blockKeywords(rules)
  return (lines, sizes, next, maxLines, maxBytes) => {
    if (lines.length < 2) return -1
    const open = openBlock(lines, blocks, keywords)
    if (open <= 0 || lines.length - open + 1 > maxLines) return -1
    let bytes = next
    for (let i = open; i < sizes.length; i++) bytes += sizes[i] ?? 0
    return bytes > maxBytes ? -1 : open
  }
}
