// Hex dumps in logs: kubectl and every client-go program log a protobuf request or response body at
// -v=8 as Go's hex.Dump, the format of `hexdump -C` (`00000030  12 20 0a 08 70 61 73 73  77 6f 72 64 12 14
// 5a 71  |. ..password..Zq|`). A Secret created with `kubectl -v=8 create secret` has its values in such a
// dump, cut at every sixteenth byte, in the hex columns and again in the text column: no rule reads a
// value across those rows. This module finds the dumps among a chunk's lines and gives back their bytes,
// which the detector scans as one decoded text (secrets.ts scanDumps).

import { hexDigit } from './decode.ts'

/** Bytes a dump row holds. */
const ROW_BYTES = 16
/** A dump is read up to this many bytes (4,096 rows): the work and memory per dump stay bounded. */
export const MAX_DUMP_BYTES = 64 * 1024

/** Indentation before a row's offset: klog indents a multi-line value with a tab. */
const MAX_INDENT = 8

/** A lower-case hex digit's value, else -1: Go's hex.Dump and `hexdump -C` write lower case. */
function hexValue(c: number): number {
  return c >= 0x41 && c <= 0x46 ? -1 : hexDigit(c)
}

/**
 * Reads `line` as a dump row: its offset and number of bytes, the bytes written into `into` from `at`;
 * undefined when the line is not a row. A row is an indentation, eight lower-case hex digits, two
 * spaces, one to sixteen bytes as hex pairs each followed by a space (one more after the eighth), spaces
 * up to the text column, and the text column: as many characters as bytes between two '|'. Linear in the
 * row, and rows are short: a line longer than a row can be is refused by its length first.
 */
export function readDumpRow(line: string, into: Uint8Array, at: number): { offset: number; count: number } | undefined {
  const n = line.length
  if (n < 14 || n > MAX_INDENT + 79 || line.charCodeAt(n - 1) !== 0x7c) return undefined
  let i = 0
  while (i < MAX_INDENT && (line.charCodeAt(i) === 0x09 || line.charCodeAt(i) === 0x20)) i++
  let offset = 0
  for (let k = 0; k < 8; k++) {
    const v = hexValue(line.charCodeAt(i + k))
    if (v < 0) return undefined
    offset = offset * 16 + v
  }
  i += 8
  if (line.charCodeAt(i) !== 0x20 || line.charCodeAt(i + 1) !== 0x20) return undefined
  i += 2
  let count = 0
  while (count < ROW_BYTES) {
    const hi = hexValue(line.charCodeAt(i))
    if (hi < 0) break
    const lo = hexValue(line.charCodeAt(i + 1))
    if (lo < 0 || line.charCodeAt(i + 2) !== 0x20) return undefined
    into[at + count] = hi * 16 + lo
    count++
    i += 3
    if (count === 8) {
      if (line.charCodeAt(i) !== 0x20) return undefined
      i++
    }
  }
  if (count === 0) return undefined
  while (i < n && line.charCodeAt(i) === 0x20) i++
  // The text column: one character per byte between the bars.
  if (line.charCodeAt(i) !== 0x7c || n - i - 2 !== count) return undefined
  return { offset, count }
}

/** A dump among a chunk's lines: rows first..last (line indexes), and its bytes as text. */
export interface Dump {
  first: number
  last: number
  /** One character per byte: printable ASCII as it is, every other byte a space (a value ends there). */
  text: string
}

/**
 * The dumps among `lines`: runs of two or more rows whose offsets go up by sixteen, every row but the
 * last full. A line's last character is the first test: most lines are not rows.
 */
export function findDumps(lines: readonly string[]): Dump[] {
  const dumps: Dump[] = []
  let bytes: Uint8Array | undefined
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? ''
    if (line.charCodeAt(line.length - 1) !== 0x7c) continue
    bytes ??= new Uint8Array(MAX_DUMP_BYTES)
    let row = readDumpRow(line, bytes, 0)
    if (row === undefined) continue
    const first = i
    let length = row.count
    let next = row.offset + row.count
    while (row.count === ROW_BYTES && length + ROW_BYTES <= MAX_DUMP_BYTES && i + 1 < lines.length) {
      const r = readDumpRow(lines[i + 1] ?? '', bytes, length)
      if (r === undefined || r.offset !== next) break
      row = r
      i++
      length += r.count
      next += r.count
    }
    // A dump of one row holds no value that its own line does not show whole.
    if (i > first) dumps.push({ first, last: i, text: dumpText(bytes, length) })
  }
  return dumps
}

function dumpText(bytes: Uint8Array, length: number): string {
  const framing = new Uint8Array(length)
  if (length > 4 && bytes[0] === 0x6b && bytes[1] === 0x38 && bytes[2] === 0x73 && bytes[3] === 0) protobufFraming(bytes, 4, length, framing, 0)
  // Rewritten in place into the text's bytes, one per byte: printable ASCII, ':' or a space.
  for (let j = 0; j < length; j++) {
    const f = framing[j] as number
    framing[j] = f === COLON ? 0x3a : f === 0 && printableByte(bytes[j] as number) ? (bytes[j] as number) : 0x20
  }
  return Buffer.from(framing.buffer, 0, length).toString('latin1')
}

/** In `framing`: a framing byte shown as ':', between a map entry's key and value. */
const COLON = 2

/**
 * Whether bytes[from, to) is an entry of a map of strings (field 1 the key, field 2 the value, both
 * printable: a Secret's or a ConfigMap's data, labels, annotations); if so it is marked to read as
 * `key: value`, as `kubectl get -o yaml` shows it, and the rules that read a name and its value
 * (generic-password-assignment on `password: …`) read it.
 */
function mapEntry(bytes: Uint8Array, from: number, to: number, framing: Uint8Array): boolean {
  if (bytes[from] !== 0x0a) return false
  const keyLen = varint(bytes, from + 1, to)
  if (keyLen === undefined || keyLen[0] === 0) return false
  const tag = keyLen[1] + keyLen[0]
  if (bytes[tag] !== 0x12) return false
  const valueLen = varint(bytes, tag + 1, to)
  if (valueLen === undefined || valueLen[1] + valueLen[0] !== to) return false
  for (let j = keyLen[1]; j < tag; j++) if (!printableByte(bytes[j] as number)) return false
  for (let j = valueLen[1]; j < to; j++) if (!printableByte(bytes[j] as number)) return false
  framing.fill(1, from, keyLen[1])
  framing.fill(1, tag, valueLen[1])
  framing[tag] = COLON
  return true
}

/** Nesting read into: Kubernetes objects are a few levels deep; the work stays linear per level. */
const MAX_NESTING = 12

const printableByte = (b: number): boolean => b >= 0x20 && b < 0x7f

/** A varint at bytes[at, to): its value (up to 2^32) and the position after it, or undefined. */
function varint(bytes: Uint8Array, at: number, to: number): [number, number] | undefined {
  let value = 0
  for (let i = 0; i < 5 && at + i < to; i++) {
    const b = bytes[at + i] as number
    value += (b & 0x7f) * 2 ** (7 * i)
    if (b < 0x80) return [value, at + i + 1]
  }
  return undefined
}

/**
 * Marks in `framing` the bytes of bytes[from, to) that frame a protobuf message (tags, lengths, numbers),
 * field by field, until one does not parse. A Kubernetes body after its
 * magic `k8s\0` is such a message, and a string field's length stands just before the string: 36 is a
 * '$' before a UID, 55 a '7' before a Slack token, which then no rule reads as the start of a token.
 * A length-delimited field whose bytes are all printable is a string, read as it is; any other is read
 * as a message when it parses as one, else left as bytes. A field cut short by the dump's end (klog
 * truncates bodies at -v=8) is read up to there.
 */
function protobufFraming(bytes: Uint8Array, from: number, to: number, framing: Uint8Array, depth: number): void {
  let i = from
  while (i < to) {
    const tag = varint(bytes, i, to)
    if (tag === undefined || tag[0] < 8) return
    let next: number
    switch (tag[0] & 7) {
      case 0: {
        const v = varint(bytes, tag[1], to)
        if (v === undefined) return
        next = v[1]
        break
      }
      case 1:
        next = tag[1] + 8
        break
      case 5:
        next = tag[1] + 4
        break
      case 2: {
        const len = varint(bytes, tag[1], to)
        if (len === undefined) return
        framing.fill(1, i, len[1])
        const end = Math.min(to, len[1] + len[0])
        let text = true
        for (let j = len[1]; j < end && text; j++) text = printableByte(bytes[j] as number)
        if (!text && depth < MAX_NESTING && !mapEntry(bytes, len[1], end, framing)) protobufFraming(bytes, len[1], end, framing, depth + 1)
        i = end
        continue
      }
      default:
        return
    }
    if (next > to) return
    framing.fill(1, i, next)
    i = next
  }
}

/** The line of dump `d` that holds its byte `offset` (a column of `d.text`). */
export function dumpLine(d: Dump, offset: number): number {
  return Math.min(d.last, d.first + Math.floor(offset / ROW_BYTES))
}
