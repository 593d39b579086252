// The look-up over a buffer: the known-secret index's hot path.
//
// The text is a chunk's lines as UTF-8 in one 4-byte aligned buffer, lines
// separated by '\n' (which no indexed form contains, so no match spans two
// lines), followed by at least 8 zero bytes. Every 4th byte is sampled: the
// aligned 32-bit word there gives the q-gram key t = (word & qMask)·kA, and
// one word of the q-gram filter says whether t may be a key. Only then are
// the postings read; a candidate (form, o) starting at p − o is checked by
// the span check of its first 16 bytes, then of its whole span, then by its
// MAC. Any occurrence of a form of L ≥ q + 3 bytes covers a sampled position
// at one of the offsets 0..3 indexed per form, and only those are indexed,
// so an occurrence is found exactly once.
//
// A buffer's text is zeroed after its scan: log text does not outstay it.

import { timingSafeEqual } from 'node:crypto'
import { FORM_KINDS } from './encode.ts'
import type { FormStore } from './form-store.ts'
import { FORM, HEAD } from './form-store.ts'
import type { Hit, IndexedValue } from './index.ts'
import type { IndexKeys } from './index-keys.ts'
import { FNV_PRIME, fmix, HMAC_BYTES, verifyMac } from './index-keys.ts'
import type { Postings } from './postings.ts'
import { headOf, STRIDE } from './postings.ts'
import type { QgramFilter } from './qgram-filter.ts'

/** Bytes of text encoded and scanned at a time. */
export const SEGMENT = 1 << 18

/** What a look-up reads: the index's structures. */
export interface IndexTables {
  keys: IndexKeys
  filter: QgramFilter
  postings: Postings
  forms: FormStore
  /** Values by the id their forms carry; undefined once removed. */
  values: ArrayLike<IndexedValue | undefined>
}

/**
 * The text being scanned: `bytes` (its ArrayBuffer viewed as aligned words in `words`), and where
 * each of its lines starts. Reused from chunk to chunk.
 */
export interface ScanBuffer {
  bytes: Buffer
  words: Int32Array
  lineStarts: Int32Array
  /** The non-ASCII line hits were last placed in, and its code-unit columns (`unitColumns`); dropped after each scan. */
  unitLine?: string | undefined
  unitMap?: ((at: number) => number) | undefined
}

export type OnHit = (line: number, hit: Hit) => void

function ownBytes(size: number): Buffer {
  return Buffer.from(new ArrayBuffer(size))
}

function createScanBuffer(): ScanBuffer {
  const bytes = ownBytes(SEGMENT + 8)
  return { bytes, words: new Int32Array(bytes.buffer), lineStarts: new Int32Array(1024) }
}

export function scanBufferBytes(sb: ScanBuffer): number {
  return sb.bytes.byteLength + sb.lineStarts.byteLength
}

/** Code units of `line` before its UTF-8 byte `at` (a hit's position in the string the finding points into). */
export function unitsBefore(line: string, at: number): number {
  return walkTo(line, 0, 0, at)
}

/** From code unit `i` of `line`, at its UTF-8 byte `bytes` (a character boundary), the first unit at or past byte `at`. */
function walkTo(line: string, i: number, bytes: number, at: number): number {
  while (i < line.length && bytes < at) {
    const c = line.charCodeAt(i)
    if (c < 0x80) bytes += 1
    else if (c < 0x800) bytes += 2
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < line.length && (line.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4
      i++
    } else bytes += 3
    i++
  }
  return i
}

/** Code units between two checkpoints of `unitColumns`. */
const CHECKPOINT_UNITS = 64

/**
 * `unitsBefore(line, at)` for any number of byte offsets `at` of one line, in any order, at a cost
 * linear in the line once plus at most CHECKPOINT_UNITS steps per offset: unitsBefore walks from the
 * line's start, so a non-ASCII line holding N values cost N walks of the line (quadratic).
 */
export function unitColumns(line: string): (at: number) => number {
  // Every CHECKPOINT_UNITS-th code unit (moved off the second half of a surrogate pair) and its UTF-8 byte;
  // Buffer.byteLength counts a lone surrogate as U+FFFD, 3 bytes, as walkTo does.
  const bytesAt: number[] = [0]
  const unitAt: number[] = [0]
  let bytes = 0
  let prev = 0
  for (let u = CHECKPOINT_UNITS; u < line.length; u += CHECKPOINT_UNITS) {
    const low = (line.charCodeAt(u) & 0xfc00) === 0xdc00 && (line.charCodeAt(u - 1) & 0xfc00) === 0xd800
    const at = low ? u + 1 : u
    bytes += Buffer.byteLength(line.slice(prev, at))
    bytesAt.push(bytes)
    unitAt.push(at)
    prev = at
  }
  return (at) => {
    // The last checkpoint at or before `at`, then unitsBefore's walk from there.
    let lo = 0
    let hi = bytesAt.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1
      if ((bytesAt[mid] as number) <= at) lo = mid
      else hi = mid - 1
    }
    return walkTo(line, unitAt[lo] as number, bytesAt[lo] as number, at)
  }
}

/**
 * The candidates of a sample whose word passed the filter: `p` is the sampled byte, `n` the
 * segment's length, lines[first + k] starts at byte sb.lineStarts[k] for k < count.
 */
function probe(ix: IndexTables, sb: ScanBuffer, p: number, t: number, n: number, lines: readonly string[], first: number, count: number, onHit: OnHit): void {
  let post = headOf(ix.postings, t)
  if (post < 0) return
  // Imported constants copied to locals: an import is a live binding, loaded (and checked) at every
  // use, which in the byte loops below cost more than the rest of the probe.
  const W = FORM
  const H = HEAD
  const P = FNV_PRIME
  const M = HMAC_BYTES
  const O = STRIDE - 1
  const posts = ix.postings.posts
  const b = sb.bytes
  const fs = ix.forms.data
  const seed = ix.keys.checkSeed
  let runStart = -1
  let runEnd = 0
  let runHash = 0
  let headHash = 0
  let headKnown = false
  for (; post >= 0; post = posts[2 * post + 1] as number) {
    const fo = posts[2 * post] as number
    const f = fo >>> 2
    const start = p - (fo & O)
    const len = fs[f * W] as number
    if (start < 0 || start + len > n) continue
    // Chains are in (offset, length) order: candidates starting at one byte extend one running hash.
    if (start !== runStart || runEnd > start + len) {
      runStart = start
      runEnd = start
      runHash = seed
      headKnown = false
    }
    if (len > H) {
      // The first 16 bytes first: a long form sharing a q-gram with the text costs 16 bytes, not its length.
      if (!headKnown) {
        while (runEnd < start + H) runHash = Math.imul(runHash ^ (b[runEnd++] as number), P)
        headHash = fmix(runHash ^ H) | 0
        headKnown = true
      }
      if (headHash !== fs[f * W + 1]) continue
    }
    while (runEnd < start + len) runHash = Math.imul(runHash ^ (b[runEnd++] as number), P)
    if ((fmix(runHash ^ len) | 0) !== fs[f * W + 2]) continue
    const ok = timingSafeEqual(verifyMac(ix.keys, b.subarray(start, start + len)), ix.forms.mac.subarray(f * M, (f + 1) * M))
    const v = ix.values[fs[f * W + 3] as number]
    if (!ok || v === undefined) continue
    // The line holding the span: the last line start at or before it (a span never crosses a '\n').
    const lineStarts = sb.lineStarts
    let lo = 0
    let hi = count - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1
      if ((lineStarts[mid] as number) <= start) lo = mid
      else hi = mid - 1
    }
    const line = lines[first + lo] ?? ''
    const from = lineStarts[lo] as number
    const lineBytes = (lo + 1 < count ? (lineStarts[lo + 1] as number) : n) - from - 1
    // ASCII lines (nearly all) have one byte per code unit; another line's columns are mapped once per line.
    let s = start - from
    let e = start + len - from
    if (lineBytes !== line.length) {
      let cols = sb.unitMap
      if (cols === undefined || sb.unitLine !== line) {
        cols = unitColumns(line)
        sb.unitLine = line
        sb.unitMap = cols
      }
      s = cols(s)
      e = cols(e)
    }
    onHit(first + lo, { start: s, end: e, kind: FORM_KINDS[ix.forms.kind[f] as number] ?? 'raw', value: v })
  }
}

export interface Lookup {
  /** The index's own scan buffer (scanBytes lends it the caller's bytes for one scan). */
  readonly buffer: ScanBuffer
  /** Every hit in `lines`, in line order. */
  scanLines: (lines: readonly string[], onHit: OnHit) => void
  /**
   * `scanLines` over bytes someone already wrote (`lines` joined by '\n' with one after the last, `n`
   * bytes, line i at `starts[i]`, then at least 8 zero bytes, at offset 0 of their ArrayBuffer); zeroed
   * afterwards.
   */
  scanBytes: (bytes: Buffer, n: number, starts: ArrayLike<number>, lines: readonly string[], onHit: OnHit) => void
}

/**
 * The look-up over `ix`. A closure per index on purpose: the keys are constants of the closure, which
 * V8 folds into the scan loop when the process has one index (the detector's case); read from an
 * object instead, the loop ran ~5% slower.
 */
export function createLookup(ix: IndexTables): Lookup {
  const sb = createScanBuffer()
  // `| 0`: an int32 outside the small-integer range is kept as a double, converted again at every use.
  const kA = ix.keys.kA | 0
  const kC = ix.keys.kC | 0
  const qMask = ix.keys.qMask | 0

  // The loop's call with the index and buffer bound: two fewer values live across the loop.
  const candidates = (p: number, t: number, n: number, lines: readonly string[], first: number, count: number, onHit: OnHit): void =>
    probe(ix, sb, p, t, n, lines, first, count, onHit)

  /** Scans sb.bytes[0, n): one aligned word per 4 bytes through the filter, candidates to `probe`. */
  function scanSegment(n: number, lines: readonly string[], first: number, count: number, onHit: OnHit): void {
    // Locals, not closure slots or properties: the loop then keeps them in registers.
    const w = sb.words
    const f = ix.filter.words
    const shift = ix.filter.shift | 0
    const a = kA
    const c = kC
    const qm = qMask
    const end = (n + 3) >>> 2
    for (let i = 0; i < end; i++) {
      const t = Math.imul((w[i] as number) & qm, a)
      const x = Math.imul(t, c)
      const bits = (1 << (x >>> 27)) | (1 << (x >>> 22)) | (1 << (x >>> 17))
      if (((f[t >>> shift] as number) & bits) !== bits) continue
      candidates(i << 2, t, n, lines, first, count, onHit)
    }
  }

  return {
    buffer: sb,
    scanLines(lines, onHit) {
      try {
        encodeLines(sb, lines, (n, first, count) => scanSegment(n, lines, first, count, onHit))
      } finally {
        sb.unitLine = undefined
        sb.unitMap = undefined
      }
    },
    scanBytes(bytes, n, starts, lines, onHit) {
      if (n === 0) return
      try {
        lendBytes(sb, bytes, n, starts, lines.length, () => scanSegment(n, lines, 0, lines.length, onHit))
      } finally {
        sb.unitLine = undefined
        sb.unitMap = undefined
      }
    }
  }
}

/**
 * Encodes `lines` into sb in segments of up to SEGMENT bytes (a longer line gets a buffer of its own
 * size for one scan), each handed to `scan` (its length, first line and line count) then zeroed.
 */
export function encodeLines(sb: ScanBuffer, lines: readonly string[], scan: (n: number, first: number, count: number) => void): void {
  // Locals for the encoding loop, written back to sb when replaced.
  let buf = sb.bytes
  let starts = sb.lineStarts
  let i = 0
  while (i < lines.length) {
    const first = i
    let n = 0
    let k = 0
    while (i < lines.length) {
      const line = lines[i] ?? ''
      // Room for the worst case (3 bytes per code unit) and the '\n'.
      const need = line.length * 3 + 1
      if (n + need > buf.length - 8) {
        if (k > 0) break
        // Whole 32-bit words, and zeros past the text for the last word read.
        buf = ownBytes(Math.ceil(need / 4) * 4 + 8)
        sb.bytes = buf
        sb.words = new Int32Array(buf.buffer)
      }
      if (k === starts.length) {
        const grown = new Int32Array(k * 2)
        grown.set(starts)
        starts = grown
        sb.lineStarts = starts
      }
      starts[k++] = n
      n += buf.write(line, n)
      buf[n++] = 0x0a
      i++
    }
    try {
      scan(n, first, k)
    } finally {
      // The words read past n must be zeros, and log text does not outstay its scan.
      buf.fill(0, 0, n)
    }
  }
  if (buf.length > SEGMENT + 8) {
    sb.bytes = ownBytes(SEGMENT + 8)
    sb.words = new Int32Array(sb.bytes.buffer)
  }
}

/** Lends sb the caller's `bytes` (and copies its line starts) for one `scan`; zeroes them after. */
export function lendBytes(sb: ScanBuffer, bytes: Buffer, n: number, starts: ArrayLike<number>, count: number, scan: () => void): void {
  if (bytes.byteOffset !== 0 || bytes.length < n + 8) throw new RangeError('scanBytes needs its bytes at offset 0 followed by 8 zero bytes')
  if (sb.lineStarts.length < count) sb.lineStarts = new Int32Array(2 * count)
  for (let i = 0; i < count; i++) sb.lineStarts[i] = starts[i] as number
  const own = sb.bytes
  const ownWords = sb.words
  sb.bytes = bytes
  sb.words = new Int32Array(bytes.buffer, 0, bytes.buffer.byteLength >>> 2)
  try {
    scan()
  } finally {
    bytes.fill(0, 0, n)
    sb.bytes = own
    sb.words = ownWords
  }
}
