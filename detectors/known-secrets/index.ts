// The known-secret index: keyed hashes of every form of every value, never
// the values. A look-up costs O(text length) whatever the number of values.
//
// The scanner reads the UTF-8 bytes of a chunk's lines, encoded once into
// one reusable, 4-byte aligned buffer (lines separated by '\n', which no
// indexed form contains, so no match spans two lines). Sampling scheme: with
// q-grams of q = 4 bytes (3 when the minimum length is 6) and the text
// sampled at every 4th byte, any occurrence of a form of L ≥ q + 3 bytes
// covers a sampled position p at which the form has a q-gram starting at an
// offset o in [0, 3]. So each form is indexed by the keyed hashes of its
// q-grams at offsets 0..3, and a scan reads one aligned 32-bit word per
// sample: no per-character work, and the same cost for 10 or 10,000 values.
//
// Per sample, the hot path is a keyed multiply (t = w·kA, a bijection of the
// q-gram w) and one 32-bit word of a blocked Bloom filter (three bits, chosen
// by t·kC, of the word t picks): ~24 bits per distinct q-gram, so about 1 in
// 500 samples of unrelated text gets past it, and the filter (512 KiB at
// 10,000 values) stays in cache beside the pattern engine's working set. Only
// then is the table of postings (flat typed arrays, open addressing on t)
// read; a candidate (form, o) starting at p − o is checked by a keyed 32-bit
// hash of its first 16 bytes, then of the whole span, then by an HMAC. An
// occurrence is found exactly once (only offsets < 4 are indexed).
//
// Trade-off, documented for operators: with the index keys (process memory),
// the q-gram hashes reveal a value's first 7 bytes to a 4-bytes-at-a-time
// brute force; the rest of a long value is protected by the HMAC. The keys
// are random per process unless set, so the index means nothing outside it,
// and no plaintext survives indexing (heap-snapshot test). The buffer that
// held a chunk's text is zeroed after each scan.

import { createHmac, createSecretKey, randomBytes, timingSafeEqual } from 'node:crypto'
import type { FormKind } from './encode.ts'
import { FORM_KINDS, formsOf, trimBytes, unitsToUtf8, utf8ToUnits } from './encode.ts'

/** Sampling step in bytes, and the number of q-gram offsets indexed per form. */
const STRIDE = 4
/** Bytes of a form checked first, before its whole span is hashed. */
const HEAD = 16
const HMAC_BYTES = 16
/** Ints per form in `forms`. */
const FORM = 4
/** Filter size: the next power of two of 16 bits per distinct q-gram (so 16 to 32 bits each). */
const BITS_PER_KEY = 16
/** log2 of the smallest filter, in bits (4 KiB). */
const MIN_FILTER_BITS = 15
/** Bytes of text encoded and scanned at a time. */
const SEGMENT = 1 << 18

/** Where a value came from: what a finding names and what rotation acts on. */
export type Origin =
  | { source: 'kubernetes'; namespace: string; name: string; key: string }
  | { source: 'vault'; mount: string; path: string; field: string }
  | { source: 'file'; name: string }

export function originKey(o: Origin): string {
  if (o.source === 'kubernetes') return `kubernetes/${o.namespace}/${o.name}/${o.key}`
  if (o.source === 'vault') return `vault/${o.mount}/${o.path}#${o.field}`
  return `file/${o.name}`
}

/** Why a value was not indexed (the `reason` label of leakwatch_known_secrets_skipped_total). */
export type SkipReason = 'too-short' | 'too-long' | 'common' | 'hostname'

export interface IndexedValue {
  /** The detector's fingerprint of the raw value (the same HMAC every finding of it carries). */
  fingerprint: string
  /** Masked preview, as `mask()` makes it. */
  preview: string
  /** Origin keys, first added first. */
  origins: Set<string>
}

export interface Hit {
  start: number
  end: number
  kind: FormKind
  value: IndexedValue
}

export interface KnownSecretIndex {
  /** Indexes `value` for `origin` (replacing what it had) and zeroes the buffer. */
  set: (origin: Origin, value: Uint8Array) => 'indexed' | SkipReason
  /** Forgets an origin; its value goes when no other origin holds it. */
  delete: (key: string) => boolean
  origin: (key: string) => Origin | undefined
  /** Origin keys starting with `prefix` (a Secret's keys, a file's lines). */
  keys: (prefix: string) => string[]
  /** Every hit in a chunk's lines, in line order; `line` is the index in `lines`. */
  scanLines: (lines: readonly string[], onHit: (line: number, hit: Hit) => void) => void
  /**
   * `scanLines` over bytes someone already wrote: `bytes` holds `lines` joined by '\n' with a '\n'
   * after the last (`n` bytes in all, line i at `starts[i]`), then at least 8 zero bytes, at offset 0
   * of its ArrayBuffer (the detector engine's chunk buffer: the lines are not encoded twice). The
   * bytes are zeroed afterwards, like the index's own.
   */
  scanBytes: (bytes: Buffer, n: number, starts: ArrayLike<number>, lines: readonly string[], onHit: (line: number, hit: Hit) => void) => void
  /** The hits in one text (one line). */
  scan: (text: string, onHit: (hit: Hit) => void) => void
  stats: () => { origins: number; values: number; forms: number; qgrams: number; bytes: number }
  readonly minLength: number
}

export interface IndexOptions {
  /** Shortest value indexed, in characters (default 8; at least 6). */
  minLength?: number
  maxValueBytes?: number
  /** Key of the index hashes; random per process when unset. */
  key?: Uint8Array
  /** HMAC-SHA256 of the raw value under the detector's fingerprint key, hex. */
  fingerprint: (value: Uint8Array) => string
  /** The masked preview of the raw value. */
  preview: (value: Uint8Array) => string
  /** Extra values never indexed (lower case), added to the built-in list. */
  common?: readonly string[]
}

// Values that Secrets hold all the time and that are not secret: indexing them would report every log mentioning them.
export const COMMON_VALUES = [
  'true',
  'false',
  'yes',
  'no',
  'on',
  'off',
  'null',
  'none',
  'enabled',
  'disabled',
  'admin',
  'administrator',
  'root',
  'postgres',
  'postgresql',
  'mysql',
  'mariadb',
  'redis',
  'mongodb',
  'rabbitmq',
  'elastic',
  'kafka',
  'guest',
  'user',
  'username',
  'password',
  'passw0rd',
  'changeme',
  'changeit',
  'secret',
  'default',
  'example',
  'localhost',
  'production',
  'staging',
  'development',
  'opaque',
  'undefined',
  'password123',
  '12345678',
  '123456789',
  '1234567890',
  'qwertyuiop',
  'letmein',
  'welcome',
  'kubernetes',
  'cluster.local',
  'us-east-1',
  'us-west-2',
  'eu-west-1',
  'europe-west1',
  'disable',
  'require',
  'verify-full',
  'readwrite',
  'readonly'
]

function fmix(h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}

/** An empty open-addressing table of 2^bits slots: [key, head] each, heads −1. */
function newTable(bits: number): Int32Array {
  const t = new Int32Array(2 << bits)
  for (let i = 1; i < t.length; i += 2) t[i] = -1
  return t
}

/** The three filter bits of a q-gram key t, from the top bits of t·kC (a second keyed multiply). */
function bitsOf(t: number, kC: number): number {
  const b = Math.imul(t, kC)
  return (1 << (b >>> 27)) | (1 << (b >>> 22)) | (1 << (b >>> 17))
}

export function createKnownSecretIndex(opts: IndexOptions): KnownSecretIndex {
  const m = Math.max(6, opts.minLength ?? 8)
  // Forms are at least m bytes; a q-gram at offset 3 must fit in the shortest.
  const q = Math.min(4, m - 3)
  const maxBytes = opts.maxValueBytes ?? 64 * 1024
  const key = opts.key ?? randomBytes(32)
  const derive = (label: string): Buffer => createHmac('sha256', key).update(label).digest()
  const qKeys = derive('qgram')
  // Random odd multipliers: t = w·kA is a keyed bijection of the q-gram (the table's exact key, the
  // filter word from its top bits); t·kC picks the filter bits.
  const kA = qKeys.readInt32LE(0) | 1
  const kC = qKeys.readInt32LE(4) | 1
  const cSeed = derive('check').readUInt32LE(0)
  // KeyObjects made once: a raw key would be imported again by every HMAC.
  const verifyKey = createSecretKey(derive('verify'))
  const valueKey = createSecretKey(derive('value'))
  const common = new Set([...COMMON_VALUES, ...(opts.common ?? [])].map((c) => c.toLowerCase()))
  const commonLengths = new Set([...common].map((c) => c.length))
  // Which bits of a word read from the scan buffer are its first q bytes, on this platform's byte order.
  const q32 = new Int32Array(1)
  const q8 = new Uint8Array(q32.buffer)
  q8.fill(0xff, 0, q)
  const qMask = q32[0] as number

  // What a candidate reads sits together, so a probe costs a cache miss per structure, not per field.
  // Forms, by id (grown by doubling, ids reused): FORM ints each, [length, head check, check, value id].
  let cap = 0
  let forms = new Int32Array(0)
  let formKind = new Uint8Array(0)
  let formT = new Int32Array(0)
  let formMac = new Uint8Array(0)
  const freeForms: number[] = []
  let formCount = 0
  // Postings, chained per q-gram key: [form id × 4 + offset, next posting].
  let pCap = 0
  let posts = new Int32Array(0)
  const freePosts: number[] = []
  let postCount = 0
  // Open addressing table, [key t, head posting] per slot; head −1 empty, −2 deleted.
  let tBits = 10
  let table = newTable(tBits)
  let tUsed = 0
  let tDead = 0
  // Blocked Bloom filter over the distinct keys: the only structure a sample without a candidate touches.
  // Bits cannot be cleared, so a deleted key's bits stay (a false positive, never a miss) until the
  // filter is rebuilt from the table, which also resizes it to ~24 bits per key.
  let fShift = 22
  let filter = new Int32Array(1 << (32 - fShift))
  let fStale = 0

  type Entry = IndexedValue & { id: number; key: string; forms: number[] }
  const values = new Map<string, Entry>()
  const valuesById: Array<Entry | undefined> = []
  const origins = new Map<string, { origin: Origin; value: string }>()
  let nextValue = 0

  // The scan buffer: a chunk's lines as UTF-8, in segments of up to SEGMENT bytes (a longer line gets
  // a buffer of its own size for one scan). `words` views it as aligned 32-bit words.
  let buf: Buffer = Buffer.from(new ArrayBuffer(SEGMENT + 8))
  let words: Int32Array = new Int32Array(buf.buffer)
  let lineStarts = new Int32Array(1024)

  function keyAt(b: Uint8Array, o: number): number {
    q8.fill(0)
    q8.set(b.subarray(o, o + 4))
    const t = Math.imul((q32[0] as number) & qMask, kA)
    q8.fill(0)
    return t
  }

  function growForms(): void {
    const n = Math.max(64, cap * 2)
    const grow = <T extends Int32Array | Uint32Array | Uint8Array>(a: T, per: number, make: (n: number) => T): T => {
      const b = make(n * per)
      b.set(a)
      return b
    }
    forms = grow(forms, FORM, (k) => new Int32Array(k))
    formKind = grow(formKind, 1, (k) => new Uint8Array(k))
    formT = grow(formT, STRIDE, (k) => new Int32Array(k))
    formMac = grow(formMac, HMAC_BYTES, (k) => new Uint8Array(k))
    for (let i = n - 1; i >= cap; i--) freeForms.push(i)
    cap = n
  }

  function growPosts(): void {
    const n = Math.max(256, pCap * 2)
    const a = new Int32Array(n * 2)
    a.set(posts)
    posts = a
    for (let i = n - 1; i >= pCap; i--) freePosts.push(i)
    pCap = n
  }

  function slotOf(t: number): number {
    const mask = (1 << tBits) - 1
    let i = fmix(t) & mask
    let firstDead = -1
    for (;;) {
      const head = table[2 * i + 1] as number
      if (head === -1) return firstDead >= 0 ? firstDead : i
      if (head === -2) {
        if (firstDead < 0) firstDead = i
      } else if (table[2 * i] === t) return i
      i = (i + 1) & mask
    }
  }

  function rehash(): void {
    const old = table
    while ((tUsed + 1) * 2 > 1 << tBits) tBits++
    table = newTable(tBits)
    tDead = 0
    for (let i = 0; i < old.length; i += 2) {
      const head = old[i + 1] as number
      if (head < 0) continue
      const slot = slotOf(old[i] as number)
      table[2 * slot] = old[i] as number
      table[2 * slot + 1] = head
    }
  }

  function rebuildFilter(): void {
    let bits = 32 - Math.clz32(Math.max(1, tUsed * BITS_PER_KEY) - 1)
    bits = Math.max(MIN_FILTER_BITS, Math.min(31, bits))
    fShift = 32 - (bits - 5)
    filter = new Int32Array(1 << (bits - 5))
    fStale = 0
    for (let i = 0; i < table.length; i += 2) {
      if ((table[i + 1] as number) < 0) continue
      const t = table[i] as number
      filter[t >>> fShift] = (filter[t >>> fShift] as number) | bitsOf(t, kC)
    }
  }

  function addPosting(t: number, form: number, off: number): void {
    if ((tUsed + tDead + 1) * 2 > 1 << tBits) rehash()
    const slot = slotOf(t)
    if ((table[2 * slot + 1] as number) < 0) {
      if (table[2 * slot + 1] === -2) tDead--
      table[2 * slot] = t
      table[2 * slot + 1] = -1
      tUsed++
      // The rebuild reads keys that have postings, and this one has none yet: its bits are set after it.
      if (tUsed * BITS_PER_KEY > filter.length * 32) rebuildFilter()
      filter[t >>> fShift] = (filter[t >>> fShift] as number) | bitsOf(t, kC)
    }
    if (freePosts.length === 0) growPosts()
    const p = freePosts.pop() as number
    posts[2 * p] = form * STRIDE + off
    // Chains are kept in (offset, length) order: a scan then checks every candidate starting at one
    // position by extending a single running hash, however many values share the q-gram.
    const len = forms[form * FORM] as number
    let prev = -1
    let at = table[2 * slot + 1] as number
    while (at >= 0) {
      const fo = posts[2 * at] as number
      const o = fo & (STRIDE - 1)
      if (o > off || (o === off && (forms[(fo >>> 2) * FORM] as number) >= len)) break
      prev = at
      at = posts[2 * at + 1] as number
    }
    posts[2 * p + 1] = at
    if (prev < 0) table[2 * slot + 1] = p
    else posts[2 * prev + 1] = p
    postCount++
    if (tUsed * 2 > 1 << tBits) rehash()
  }

  function removePosting(t: number, form: number): void {
    const slot = slotOf(t)
    let prev = -1
    for (let p = table[2 * slot + 1] as number; p >= 0; p = posts[2 * p + 1] as number) {
      if ((posts[2 * p] as number) >>> 2 !== form) {
        prev = p
        continue
      }
      if (prev < 0) table[2 * slot + 1] = posts[2 * p + 1] as number
      else posts[2 * prev + 1] = posts[2 * p + 1] as number
      posts[2 * p] = 0
      freePosts.push(p)
      postCount--
      break
    }
    if (table[2 * slot + 1] === -1 && table[2 * slot] === t) {
      table[2 * slot + 1] = -2
      table[2 * slot] = 0
      tUsed--
      tDead++
      // Its filter bits stay until enough keys went to make a rebuild worth it (or the filter too big).
      if (++fStale > Math.max(4096, tUsed)) rebuildFilter()
    }
  }

  // FNV-style over the span, the length mixed in last: the running value over a prefix extends to longer spans.
  function check(b: Uint8Array, len: number): number {
    let h = cSeed
    for (let i = 0; i < len; i++) h = Math.imul(h ^ (b[i] as number), 0x01000193)
    return fmix(h ^ len) | 0
  }

  function mac(b: Uint8Array): Buffer {
    return createHmac('sha256', verifyKey).update(b).digest().subarray(0, HMAC_BYTES)
  }

  function addForm(valueId: number, kind: FormKind, b: Uint8Array): number {
    if (freeForms.length === 0) growForms()
    const f = freeForms.pop() as number
    forms[f * FORM] = b.length
    forms[f * FORM + 1] = check(b, Math.min(b.length, HEAD))
    forms[f * FORM + 2] = check(b, b.length)
    forms[f * FORM + 3] = valueId
    formKind[f] = FORM_KINDS.indexOf(kind)
    formMac.set(mac(b), f * HMAC_BYTES)
    for (let o = 0; o < STRIDE; o++) {
      const t = keyAt(b, o)
      formT[f * STRIDE + o] = t
      addPosting(t, f, o)
    }
    formCount++
    return f
  }

  function removeForm(f: number): void {
    for (let o = 0; o < STRIDE; o++) removePosting(formT[f * STRIDE + o] as number, f)
    forms.fill(0, f * FORM, (f + 1) * FORM)
    formT.fill(0, f * STRIDE, (f + 1) * STRIDE)
    formMac.fill(0, f * HMAC_BYTES, (f + 1) * HMAC_BYTES)
    freeForms.push(f)
    formCount--
  }

  function skipReason(b: Uint8Array): SkipReason | undefined {
    if (b.length > maxBytes) return 'too-long'
    const units = utf8ToUnits(b)
    const len = units?.length ?? b.length
    if (units !== undefined) units.fill(0)
    if (len < m) return 'too-short'
    if (commonLengths.has(b.length) && isCommon(b)) return 'common'
    if (isHostname(b)) return 'hostname'
    return undefined
  }

  function isCommon(b: Uint8Array): boolean {
    // Compared byte by byte against the list: the value never becomes a string.
    outer: for (const c of common) {
      if (c.length !== b.length) continue
      for (let i = 0; i < b.length; i++) {
        let x = b[i] as number
        if (x >= 0x41 && x <= 0x5a) x += 0x20
        if (x !== c.charCodeAt(i)) continue outer
      }
      return true
    }
    return false
  }

  function release(v: Entry, key: string): void {
    v.origins.delete(key)
    if (v.origins.size > 0) return
    for (const f of v.forms) removeForm(f)
    values.delete(v.key)
    valuesById[v.id] = undefined
  }

  function del(key: string): boolean {
    const o = origins.get(key)
    if (o === undefined) return false
    origins.delete(key)
    const v = values.get(o.value)
    if (v !== undefined) release(v, key)
    return true
  }

  /** Code units of `line` before its UTF-8 byte `at` (a hit's position in the string the finding points into). */
  function unitsBefore(line: string, at: number): number {
    let bytes = 0
    let i = 0
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

  /**
   * The candidates of a sample whose word passed the filter: `p` is the sampled byte, `n` the
   * segment's length, lines[first + k] starts at byte lineStarts[k] for k < count.
   */
  function probe(p: number, t: number, n: number, lines: readonly string[], first: number, count: number, onHit: (line: number, hit: Hit) => void): void {
    const tab = table
    const mask = (1 << tBits) - 1
    let slot = fmix(t) & mask
    let post: number
    for (;;) {
      post = tab[2 * slot + 1] as number
      if (post === -1) return
      if (post !== -2 && tab[2 * slot] === t) break
      slot = (slot + 1) & mask
    }
    const b = buf
    const fs = forms
    let runStart = -1
    let runEnd = 0
    let runHash = 0
    let headHash = 0
    let headKnown = false
    for (; post >= 0; post = posts[2 * post + 1] as number) {
      const fo = posts[2 * post] as number
      const f = fo >>> 2
      const start = p - (fo & (STRIDE - 1))
      const len = fs[f * FORM] as number
      if (start < 0 || start + len > n) continue
      if (start !== runStart || runEnd > start + len) {
        runStart = start
        runEnd = start
        runHash = cSeed
        headKnown = false
      }
      if (len > HEAD) {
        // The first 16 bytes first: a long form sharing a q-gram with the text costs 16 bytes, not its length.
        if (!headKnown) {
          while (runEnd < start + HEAD) runHash = Math.imul(runHash ^ (b[runEnd++] as number), 0x01000193)
          headHash = fmix(runHash ^ HEAD) | 0
          headKnown = true
        }
        if (headHash !== fs[f * FORM + 1]) continue
      }
      while (runEnd < start + len) runHash = Math.imul(runHash ^ (b[runEnd++] as number), 0x01000193)
      if ((fmix(runHash ^ len) | 0) !== fs[f * FORM + 2]) continue
      const ok = timingSafeEqual(mac(b.subarray(start, start + len)), formMac.subarray(f * HMAC_BYTES, (f + 1) * HMAC_BYTES))
      const v = valuesById[fs[f * FORM + 3] as number]
      if (!ok || v === undefined) continue
      // The line holding the span: the last line start at or before it (a span never crosses a '\n').
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
      // ASCII lines (nearly all) have one byte per code unit.
      const s = lineBytes === line.length ? start - from : unitsBefore(line, start - from)
      const e = lineBytes === line.length ? start + len - from : unitsBefore(line, start + len - from)
      onHit(first + lo, { start: s, end: e, kind: FORM_KINDS[formKind[f] as number] ?? 'raw', value: v })
    }
  }

  /** Scans buf[0, n): one aligned word per 4 bytes through the filter, candidates to `probe`. */
  function scanSegment(n: number, lines: readonly string[], first: number, count: number, onHit: (line: number, hit: Hit) => void): void {
    // Locals, not closure slots: the loop then keeps them in registers.
    const w = words
    const f = filter
    const shift = fShift
    const a = kA
    const c = kC
    const qm = qMask
    const end = (n + 3) >>> 2
    for (let i = 0; i < end; i++) {
      const t = Math.imul((w[i] as number) & qm, a)
      const x = Math.imul(t, c)
      const bits = (1 << (x >>> 27)) | (1 << (x >>> 22)) | (1 << (x >>> 17))
      if (((f[t >>> shift] as number) & bits) !== bits) continue
      probe(i << 2, t, n, lines, first, count, onHit)
    }
  }

  function scanLines(lines: readonly string[], onHit: (line: number, hit: Hit) => void): void {
    if (tUsed === 0) return
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
          buf = Buffer.from(new ArrayBuffer(Math.ceil(need / 4) * 4 + 8))
          words = new Int32Array(buf.buffer)
        }
        if (k === lineStarts.length) {
          const grown = new Int32Array(k * 2)
          grown.set(lineStarts)
          lineStarts = grown
        }
        lineStarts[k++] = n
        n += buf.write(line, n)
        buf[n++] = 0x0a
        i++
      }
      try {
        scanSegment(n, lines, first, k, onHit)
      } finally {
        // The words read past n must be zeros, and log text does not outstay its scan.
        buf.fill(0, 0, n)
      }
    }
    if (buf.length > SEGMENT + 8) {
      buf = Buffer.from(new ArrayBuffer(SEGMENT + 8))
      words = new Int32Array(buf.buffer)
    }
  }

  function scanBytes(bytes: Buffer, n: number, starts: ArrayLike<number>, lines: readonly string[], onHit: (line: number, hit: Hit) => void): void {
    if (tUsed === 0 || n === 0) return
    if (bytes.byteOffset !== 0 || bytes.length < n + 8) throw new RangeError('scanBytes needs its bytes at offset 0 followed by 8 zero bytes')
    const count = lines.length
    if (lineStarts.length < count) lineStarts = new Int32Array(2 * count)
    for (let i = 0; i < count; i++) lineStarts[i] = starts[i] as number
    const ownBuf = buf
    const ownWords = words
    buf = bytes
    words = new Int32Array(bytes.buffer, 0, bytes.buffer.byteLength >>> 2)
    try {
      scanSegment(n, lines, 0, count, onHit)
    } finally {
      bytes.fill(0, 0, n)
      buf = ownBuf
      words = ownWords
    }
  }

  return {
    minLength: m,
    set(origin, value) {
      const key = originKey(origin)
      try {
        const b = trimBytes(value)
        const reason = skipReason(b)
        if (reason !== undefined) {
          del(key)
          return reason
        }
        const id = createHmac('sha256', valueKey).update(b).digest('hex')
        const had = origins.get(key)
        if (had?.value === id) return 'indexed'
        if (had !== undefined) del(key)
        let v = values.get(id)
        if (v === undefined) {
          const forms = formsOf(b, m)
          v = { id: nextValue++, key: id, fingerprint: opts.fingerprint(b), preview: opts.preview(b), origins: new Set(), forms: [] }
          for (const f of forms) {
            const bytes = unitsToUtf8(f.units)
            f.units.fill(0)
            // Lines are split on '\n': a form holding one can never be seen whole (and would break the scan's line separation).
            if (!bytes.includes(0x0a)) v.forms.push(addForm(v.id, f.kind, bytes))
            bytes.fill(0)
          }
          values.set(id, v)
          valuesById[v.id] = v
        }
        v.origins.add(key)
        origins.set(key, { origin, value: id })
        return 'indexed'
      } finally {
        value.fill(0)
      }
    },
    delete: del,
    origin: (key) => origins.get(key)?.origin,
    keys: (prefix) => [...origins.keys()].filter((k) => k.startsWith(prefix)),
    scanLines,
    scanBytes,
    scan(text, onHit) {
      scanLines([text], (_, hit) => onHit(hit))
    },
    stats: () => ({
      origins: origins.size,
      values: values.size,
      forms: formCount,
      qgrams: postCount,
      bytes:
        forms.byteLength +
        formKind.byteLength +
        formT.byteLength +
        formMac.byteLength +
        posts.byteLength +
        table.byteLength +
        filter.byteLength +
        buf.byteLength +
        lineStarts.byteLength
    })
  }
}

/** Hostnames (`db.prod.svc.cluster.local`) are configuration that Secrets often carry, not secrets. */
function isHostname(b: Uint8Array): boolean {
  let dots = 0
  let lastDot = -1
  for (let i = 0; i < b.length; i++) {
    const c = b[i] as number
    if (c === 0x2e) {
      if (i === 0 || i === lastDot + 1) return false
      dots++
      lastDot = i
    } else if (!((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d)) return false
  }
  if (dots === 0 || lastDot === b.length - 1) return false
  // The last label is a name (`local`, `com`, `internal`), not digits: `summer.2024` stays a candidate password.
  for (let i = lastDot + 1; i < b.length; i++) {
    const c = b[i] as number
    if (!(c >= 0x61 && c <= 0x7a)) return false
  }
  return b.length - lastDot - 1 >= 2
}
