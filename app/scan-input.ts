// What `scan` makes of an input's bytes before the detector sees them.
//
// Text or binary is decided from the first 8 KiB by more than one byte: a
// byte-order mark names the encoding (UTF-16 after one is still checked for
// unpaired surrogates and control characters); UTF-16 without one shows as NULs at
// every other position (ASCII text in UTF-16LE is "c\0c\0…"); otherwise the
// input is binary when more than 10% of its bytes are control characters
// other than tab, line breaks, form feed and ESC, or when at least 1% are and
// at least 20% are not valid UTF-8. Control characters alone do not decide:
// random bytes (gzip, encrypted or image data) hold only 27/256 ≈ 10.5% of
// them, so about one 4 KiB random file in five fell under the 10% bar; but at
// least 29% of any random 256 bytes are invalid UTF-8, while text in a legacy
// single-byte encoding (Latin-1, cp1251), which is mostly invalid UTF-8 too,
// has no control characters. A log with a few NULs is text. UTF-16 is
// decoded and scanned like any text.
//
// Container logs as the kubelet writes them (CRI, docker json-file) are
// recognised by their first record and decoded as the pod-log collector
// decodes them (collectors/pod-logs-decode.ts): P records merge with their F,
// docker's 16 KiB pieces with their last one, so a secret split across
// records is found. Line numbers are then those of the container's lines.

import { decode } from '../collectors/pod-logs-decode.ts'

export type Encoding = 'utf-8' | 'utf-16le' | 'utf-16be'
export interface Sniffed {
  encoding: Encoding
  /** Not text by the rules above (a named file is scanned anyway, as UTF-8). */
  binary: boolean
  /** CRI or docker json-file records. */
  container: boolean
}

export const SNIFF_BYTES = 8192

function isTextControl(b: number): boolean {
  return b === 0x09 || b === 0x0a || b === 0x0c || b === 0x0d || b === 0x1b
}

export function sniff(head: Buffer): Sniffed {
  const plain = (binary: boolean): Sniffed => ({ encoding: 'utf-8', binary, container: !binary && looksContainer(head) })
  // A byte-order mark names the encoding, not that what follows is text: one random file in 22,000 starts with one.
  // Binary after a UTF-16 mark is read as UTF-8 when named, like any binary input: ASCII in it stays findable.
  if (head.length >= 2 && head[0] === 0xff && head[1] === 0xfe)
    return utf16Text(head, true) ? { encoding: 'utf-16le', binary: false, container: false } : plain(true)
  if (head.length >= 2 && head[0] === 0xfe && head[1] === 0xff)
    return utf16Text(head, false) ? { encoding: 'utf-16be', binary: false, container: false } : plain(true)
  const pairs = head.length >> 1
  if (pairs >= 2) {
    let evenNul = 0
    let oddNul = 0
    for (let i = 0; i + 1 < head.length; i += 2) {
      if (head[i] === 0) evenNul++
      if (head[i + 1] === 0) oddNul++
    }
    // Mostly one NUL per character on one side and almost none on the other: UTF-16 text, not NUL padding.
    if (oddNul >= pairs * 0.4 && evenNul <= pairs * 0.05) return { encoding: 'utf-16le', binary: false, container: false }
    if (evenNul >= pairs * 0.4 && oddNul <= pairs * 0.05) return { encoding: 'utf-16be', binary: false, container: false }
  }
  let control = 0
  for (const b of head) if ((b < 0x20 && !isTextControl(b)) || b === 0x7f) control++
  if (control > head.length * 0.1) return plain(true)
  return plain(control >= head.length * 0.01 && control > 0 && invalidUtf8(head) >= head.length * 0.2)
}

/**
 * After a UTF-16 byte-order mark: text unless more than 1% of the code units are unpaired surrogates,
 * control characters (other than tab, line breaks, form feed and ESC), private-use characters or
 * noncharacters. Text never holds an unpaired surrogate; in random bytes about 12% of the units are one of these.
 */
function utf16Text(head: Buffer, le: boolean): boolean {
  const units = (head.length - 2) >> 1
  let bad = 0
  let high = false
  for (let i = 2; i + 1 < head.length; i += 2) {
    const u = le ? (head[i] as number) | ((head[i + 1] as number) << 8) : ((head[i] as number) << 8) | (head[i + 1] as number)
    const isHigh = u >= 0xd800 && u <= 0xdbff
    const isLow = u >= 0xdc00 && u <= 0xdfff
    if (high && !isLow) bad++
    if (isLow && !high) bad++
    // Private use and noncharacters: 10% of random units, next to none in a log.
    if ((u < 0x20 && !isTextControl(u)) || u === 0x7f || (u >= 0xe000 && u <= 0xf8ff) || u >= 0xfffe) bad++
    high = isHigh
  }
  return bad <= units * 0.01
}

/** Bytes that are not part of a valid UTF-8 sequence, counted as the decoder's replacement characters (one per maximal invalid subpart). */
function invalidUtf8(head: Buffer): number {
  const text = head.toString('utf8')
  let n = 0
  for (let i = text.indexOf('\uFFFD'); i >= 0; i = text.indexOf('\uFFFD', i + 1)) n++
  return n
}

const CRI_RECORD = /^\d{4}-\d\d-\d\dT[\d:.]+(?:Z|[+-]\d\d:\d\d) (?:stdout|stderr) [PF](?::\S*)? /
const DOCKER_RECORD = /^\{"log":"/

/** The first line is a CRI or docker json-file record. */
function looksContainer(head: Buffer): boolean {
  const nl = head.indexOf(0x0a)
  const first = head.toString('utf8', 0, nl < 0 ? head.length : nl)
  return CRI_RECORD.test(first) || DOCKER_RECORD.test(first)
}

/** Line pieces from an input's bytes: `piece` adds to the current line, `end` completes it. */
export interface LineSink {
  piece: (text: string) => void
  end: () => void
}

/** Splits decoded text into lines at \n, \r\n and a lone \r (as readline does), keeping no more than one piece. */
export function createTextSplitter(sink: LineSink): { write: (text: string) => void; close: () => void } {
  // A \r at the end of one write may be the first half of \r\n.
  let pendingCr = false
  let open = false
  return {
    write(text: string): void {
      let at = 0
      if (pendingCr) {
        pendingCr = false
        if (text.charCodeAt(0) === 0x0a) at = 1
      }
      // Line ends found with the string's native search, not a loop over every character: the
      // splitter was a twentieth of a `leakwatch scan` of short-lined CI output (issue #15).
      let nl = text.indexOf('\n', at)
      let cr = text.indexOf('\r', at)
      while (nl >= 0 || cr >= 0) {
        const isCr = cr >= 0 && (nl < 0 || cr < nl)
        const i = isCr ? cr : nl
        if (i > at) sink.piece(text.slice(at, i))
        sink.end()
        open = false
        at = i + 1
        if (!isCr) {
          nl = text.indexOf('\n', at)
          continue
        }
        if (at === text.length) pendingCr = true
        else if (nl === at) {
          at++
          nl = text.indexOf('\n', at)
        }
        cr = text.indexOf('\r', at)
      }
      if (at < text.length) {
        sink.piece(text.slice(at))
        open = true
      }
    },
    close(): void {
      if (open) sink.end()
      open = false
    }
  }
}

/** Bytes of merged container output handed on at once; longer lines go on as pieces of one line. */
export const CONTAINER_PIECE_BYTES = 1024 * 1024

/** Decodes CRI/docker records from bytes as they arrive (pod-logs-decode.ts), completing lines into `sink`. */
export function createContainerSplitter(sink: LineSink): { write: (bytes: Buffer) => void; close: () => void } {
  let buf: Buffer = Buffer.alloc(0)
  let open = false
  const run = (full: boolean): void => {
    for (;;) {
      const d = decode(buf, buf.length, CONTAINER_PIECE_BYTES, full)
      for (const l of d.lines) {
        sink.piece(l.text)
        open = l.split
        if (!l.split) sink.end()
      }
      if (d.consumed === 0) return
      buf = buf.subarray(d.consumed)
      if (buf.length === 0) return
    }
  }
  return {
    write(bytes: Buffer): void {
      buf = buf.length === 0 ? bytes : Buffer.concat([buf, bytes])
      run(buf.length >= 4 * CONTAINER_PIECE_BYTES)
    },
    close(): void {
      if (buf.length > 0 && buf[buf.length - 1] !== 0x0a) buf = Buffer.concat([buf, Buffer.from('\n')])
      run(true)
      // A partial record the input ended in is a line of its own.
      if (open) sink.end()
      open = false
    }
  }
}

/** A streaming decoder for an input's bytes; `switched` is true once UTF-16 input has turned into UTF-8. */
export interface InputDecoder {
  decode: (b: Buffer) => string
  end: () => string
  readonly switched: boolean
}

// A UTF-16 code unit of ASCII text holds a NUL byte; one of other scripts a byte outside printable ASCII,
// nearly always (CJK: both bytes printable for ~22% of units). 16 units in a row with neither are bytes
// of another encoding: what an appending writer added after a UTF-16 start (16 CJK units all printable:
// ~3e-11).
const SWITCH_UNITS = 16
const asciiByte = (b: number): boolean => (b >= 0x20 && b <= 0x7e) || b === 0x09 || b === 0x0a || b === 0x0d

/**
 * Decodes an input in the encoding sniffed from its head. UTF-16 is watched to the end: a file that starts
 * in UTF-16 and goes on in UTF-8 (a Windows tool's line, then another writer's) is decoded as UTF-8 from
 * where the UTF-16 stops, instead of as UTF-16 garbage that would hide every secret after it — whoever
 * writes a log's first line must not blind the rest of it.
 */
export function createInputDecoder(encoding: Encoding, opts: { ignoreBOM?: boolean } = {}): InputDecoder {
  const utf8 = new TextDecoder('utf-8')
  if (encoding === 'utf-8') return { decode: (b) => utf8.decode(b, { stream: true }), end: () => utf8.decode(), switched: false }
  const utf16 = new TextDecoder(encoding, { ignoreBOM: opts.ignoreBOM === true })
  let switched = false
  let pending: Buffer = Buffer.alloc(0)
  return {
    get switched() {
      return switched
    },
    decode(b: Buffer): string {
      if (switched) return utf8.decode(b, { stream: true })
      const buf = pending.length === 0 ? b : Buffer.concat([pending, b])
      let run = 0
      let runStart = 0
      let i = 0
      for (; i + 1 < buf.length; i += 2) {
        const x = buf[i] as number
        const y = buf[i + 1] as number
        if (x === 0 || y === 0 || !asciiByte(x) || !asciiByte(y)) {
          run = 0
          runStart = i + 2
          continue
        }
        if (++run >= SWITCH_UNITS) {
          switched = true
          pending = Buffer.alloc(0)
          return utf16.decode(buf.subarray(0, runStart)) + utf8.decode(buf.subarray(runStart), { stream: true })
        }
      }
      // Undecided units (a run shorter than the bar) and an odd last byte wait for the next bytes.
      const keep = run > 0 ? runStart : i
      pending = Buffer.from(buf.subarray(keep))
      return utf16.decode(buf.subarray(0, keep), { stream: true })
    },
    end(): string {
      if (switched) return utf8.decode()
      const rest = pending
      pending = Buffer.alloc(0)
      return utf16.decode(rest)
    }
  }
}
