// The known-secret index: keyed hashes of every form of every value, never
// the values. Look-ups cost O(line length) whatever the number of values.
//
// Sampling scheme: with q-grams of q = 4 code units and a step s = m − q + 1
// (m = the minimum form length), any occurrence of a form of length ≥ m covers
// a text position p ≡ 0 (mod s) at which the form has a q-gram starting at an
// offset o in [0, s − 1]. So each form is indexed by the keyed hashes of its
// q-grams at offsets 0..s−1, and a scan hashes only every s-th position of a
// line. A position whose hash is in the index gives candidates (form, o) whose
// start is p − o; each is confirmed by a keyed 32-bit check over the span and
// then by an HMAC. An occurrence is found exactly once (only offsets < s are
// indexed). The hot path is one bit of a bitmap (1/16 full, an eighth of a
// byte per indexed q-gram: it stays in cache next to the engine's working
// set); the table of postings (flat typed arrays, open addressing) is read
// only on a bitmap hit. Counts per bit, kept beside it, make deletion exact.
//
// Trade-off, documented for operators: with the index key (process memory),
// the q-gram hashes of offsets 0..s−1 reveal a value's first m characters to
// a 4-characters-at-a-time brute force; the rest of a long value is protected
// by the HMAC. The default key is random per process, so the index means
// nothing outside it, and no plaintext survives indexing (heap-snapshot test).

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import type { FormKind } from './encode.ts'
import { FORM_KINDS, formsOf, trimBytes, utf8ToUnits } from './encode.ts'

const Q = 4
const HMAC_BYTES = 16

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

export function createKnownSecretIndex(opts: IndexOptions): KnownSecretIndex {
  const m = Math.max(6, opts.minLength ?? 8)
  const s = m - Q + 1
  const maxBytes = opts.maxValueBytes ?? 64 * 1024
  const key = opts.key ?? randomBytes(32)
  const derive = (label: string): Buffer => createHmac('sha256', key).update(label).digest()
  const qSeed = derive('qgram').readUInt32LE(0)
  const cSeed = derive('check').readUInt32LE(0)
  const verifyKey = derive('verify')
  const valueKey = derive('value')
  const common = new Set([...COMMON_VALUES, ...(opts.common ?? [])].map((c) => c.toLowerCase()))
  const commonLengths = new Set([...common].map((c) => c.length))

  // Forms: parallel typed arrays indexed by form id, grown by doubling, ids reused.
  let cap = 0
  let formValue = new Int32Array(0)
  let formLen = new Int32Array(0)
  let formCheck = new Uint32Array(0)
  let formKind = new Uint8Array(0)
  let formQ = new Uint32Array(0)
  let formMac = new Uint8Array(0)
  const freeForms: number[] = []
  let formCount = 0
  // Postings: (form, offset) chained per q-gram hash.
  let pCap = 0
  let postForm = new Int32Array(0)
  let postOff = new Uint8Array(0)
  let postNext = new Int32Array(0)
  const freePosts: number[] = []
  let postCount = 0
  // Open addressing table: key → head posting; head −1 empty, −2 deleted.
  let tBits = 10
  let tKeys = new Uint32Array(1 << tBits)
  let tHead = new Int32Array(1 << tBits).fill(-1)
  let tUsed = 0
  let tDead = 0
  // Filter on the high bits of the hash: the bitmap is the only structure the hot path touches on a
  // miss; `counts` (how many distinct hashes share a bit) is touched only when the index changes.
  let fBits = 16
  let filter = new Uint8Array(1 << fBits)
  let bitmap = new Int32Array(1 << (fBits - 5))
  const mark = (f: number, on: boolean): void => {
    if (on) bitmap[f >>> 5] = (bitmap[f >>> 5] as number) | (1 << (f & 31))
    else bitmap[f >>> 5] = (bitmap[f >>> 5] as number) & ~(1 << (f & 31))
  }

  type Entry = IndexedValue & { id: number; key: string; forms: number[] }
  const values = new Map<string, Entry>()
  const valuesById: Array<Entry | undefined> = []
  const origins = new Map<string, { origin: Origin; value: string }>()
  let nextValue = 0
  const scratch = { a: new Uint16Array(256) }

  function qhash(get: (i: number) => number, at: number): number {
    let h = qSeed
    for (let i = 0; i < Q; i++) h = Math.imul(h ^ get(at + i), 0x01000193)
    return fmix(h)
  }

  function growForms(): void {
    const n = Math.max(64, cap * 2)
    const grow = <T extends Int32Array | Uint32Array | Uint8Array>(a: T, per: number, make: (n: number) => T): T => {
      const b = make(n * per)
      b.set(a)
      return b
    }
    formValue = grow(formValue, 1, (k) => new Int32Array(k))
    formLen = grow(formLen, 1, (k) => new Int32Array(k))
    formCheck = grow(formCheck, 1, (k) => new Uint32Array(k))
    formKind = grow(formKind, 1, (k) => new Uint8Array(k))
    formQ = grow(formQ, s, (k) => new Uint32Array(k))
    formMac = grow(formMac, HMAC_BYTES, (k) => new Uint8Array(k))
    for (let i = n - 1; i >= cap; i--) freeForms.push(i)
    cap = n
  }

  function growPosts(): void {
    const n = Math.max(256, pCap * 2)
    const a = new Int32Array(n)
    a.set(postForm)
    postForm = a
    const b = new Uint8Array(n)
    b.set(postOff)
    postOff = b
    const c = new Int32Array(n)
    c.set(postNext)
    postNext = c
    for (let i = n - 1; i >= pCap; i--) freePosts.push(i)
    pCap = n
  }

  function slotOf(h: number): number {
    const mask = (1 << tBits) - 1
    let i = h & mask
    let firstDead = -1
    for (;;) {
      const head = tHead[i] as number
      if (head === -1) return firstDead >= 0 ? firstDead : i
      if (head === -2) {
        if (firstDead < 0) firstDead = i
      } else if (tKeys[i] === h) return i
      i = (i + 1) & mask
    }
  }

  function rehash(): void {
    const keys = tKeys
    const heads = tHead
    while ((tUsed + 1) * 2 > 1 << tBits) tBits++
    tKeys = new Uint32Array(1 << tBits)
    tHead = new Int32Array(1 << tBits).fill(-1)
    tDead = 0
    for (let i = 0; i < keys.length; i++) {
      const head = heads[i] as number
      if (head < 0) continue
      const slot = slotOf(keys[i] as number)
      tKeys[slot] = keys[i] as number
      tHead[slot] = head
    }
    // Keep the bitmap sparse (~1/16 full) so almost every sampled position stops at one bit.
    const want = Math.max(16, Math.ceil(Math.log2(Math.max(1, tUsed) * 16)))
    if (want !== fBits) {
      fBits = want
      filter = new Uint8Array(1 << fBits)
      bitmap = new Int32Array(1 << (fBits - 5))
      for (let i = 0; i < tKeys.length; i++) {
        if ((tHead[i] as number) < 0) continue
        const f = (tKeys[i] as number) >>> (32 - fBits)
        // One count per distinct hash; posting chains carry the multiplicity.
        if ((filter[f] as number) < 255) filter[f] = (filter[f] as number) + 1
        mark(f, true)
      }
    }
  }

  function addPosting(h: number, form: number, off: number): void {
    if ((tUsed + tDead + 1) * 2 > 1 << tBits) rehash()
    const slot = slotOf(h)
    if ((tHead[slot] as number) < 0) {
      if (tHead[slot] === -2) tDead--
      tKeys[slot] = h
      tHead[slot] = -1
      tUsed++
      const f = h >>> (32 - fBits)
      if ((filter[f] as number) < 255) filter[f] = (filter[f] as number) + 1
      mark(f, true)
    }
    if (freePosts.length === 0) growPosts()
    const p = freePosts.pop() as number
    postForm[p] = form
    postOff[p] = off
    // Chains are kept in (offset, length) order: a scan then checks every candidate starting at one
    // position by extending a single running hash, however many values share the q-gram.
    const len = formLen[form] as number
    let prev = -1
    let at = tHead[slot] as number
    while (at >= 0 && ((postOff[at] as number) < off || (postOff[at] === off && (formLen[postForm[at] as number] as number) < len))) {
      prev = at
      at = postNext[at] as number
    }
    postNext[p] = at
    if (prev < 0) tHead[slot] = p
    else postNext[prev] = p
    postCount++
    if (tUsed * 2 > 1 << tBits) rehash()
  }

  function removePosting(h: number, form: number): void {
    const slot = slotOf(h)
    let prev = -1
    for (let p = tHead[slot] as number; p >= 0; p = postNext[p] as number) {
      if (postForm[p] !== form) {
        prev = p
        continue
      }
      if (prev < 0) tHead[slot] = postNext[p] as number
      else postNext[prev] = postNext[p] as number
      freePosts.push(p)
      postCount--
      break
    }
    if (tHead[slot] === -1 && tKeys[slot] === h) {
      tHead[slot] = -2
      tUsed--
      tDead++
      const f = h >>> (32 - fBits)
      // A saturated count may stand for more keys than it can tell: leave it (a false positive, never a miss).
      if ((filter[f] as number) < 255) filter[f] = (filter[f] as number) - 1
      if (filter[f] === 0) mark(f, false)
    }
  }

  // FNV-style over the span, the length mixed in last: the running value over a prefix extends to longer spans.
  function check(get: (i: number) => number, start: number, len: number): number {
    let h = cSeed
    for (let i = 0; i < len; i++) h = Math.imul(h ^ get(start + i), 0x01000193)
    return fmix(h ^ len)
  }

  function mac(units: Uint16Array): Buffer {
    return createHmac('sha256', verifyKey)
      .update(new Uint8Array(units.buffer, units.byteOffset, units.byteLength))
      .digest()
      .subarray(0, HMAC_BYTES)
  }

  function addForm(valueId: number, kind: FormKind, units: Uint16Array): number {
    if (freeForms.length === 0) growForms()
    const f = freeForms.pop() as number
    const get = (i: number): number => units[i] as number
    formValue[f] = valueId
    formLen[f] = units.length
    formKind[f] = FORM_KINDS.indexOf(kind)
    formCheck[f] = check(get, 0, units.length)
    formMac.set(mac(units), f * HMAC_BYTES)
    for (let o = 0; o < s && o + Q <= units.length; o++) {
      const h = qhash(get, o)
      formQ[f * s + o] = h
      addPosting(h, f, o)
    }
    formCount++
    return f
  }

  function removeForm(f: number): void {
    const len = formLen[f] as number
    for (let o = 0; o < s && o + Q <= len; o++) removePosting(formQ[f * s + o] as number, f)
    formLen[f] = 0
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
            v.forms.push(addForm(v.id, f.kind, f.units))
            f.units.fill(0)
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
    scan(text, onHit) {
      const n = text.length
      if (n < m || tUsed === 0) return
      const shift = 32 - fBits
      const mask = (1 << tBits) - 1
      for (let p = 0; p + Q <= n; p += s) {
        // Inlined q-gram hash: this loop is the whole cost of a line without a hit.
        let h = Math.imul(qSeed ^ text.charCodeAt(p), 0x01000193)
        h = Math.imul(h ^ text.charCodeAt(p + 1), 0x01000193)
        h = Math.imul(h ^ text.charCodeAt(p + 2), 0x01000193)
        h = fmix(Math.imul(h ^ text.charCodeAt(p + 3), 0x01000193))
        const bit = h >>> shift
        if (((bitmap[bit >>> 5] as number) & (1 << (bit & 31))) === 0) continue
        let slot = h & mask
        while (tHead[slot] !== -1 && (tHead[slot] === -2 || tKeys[slot] !== h)) slot = (slot + 1) & mask
        let runStart = -1
        let runEnd = 0
        let runHash = 0
        for (let post = tHead[slot] as number; post >= 0; post = postNext[post] as number) {
          const f = postForm[post] as number
          const start = p - (postOff[post] as number)
          const len = formLen[f] as number
          if (start < 0 || start + len > n) continue
          if (start !== runStart || runEnd > start + len) {
            runStart = start
            runEnd = start
            runHash = cSeed
          }
          while (runEnd < start + len) runHash = Math.imul(runHash ^ text.charCodeAt(runEnd++), 0x01000193)
          if (fmix(runHash ^ len) !== formCheck[f]) continue
          if (scratch.a.length < len) scratch.a = new Uint16Array(len * 2)
          const units = scratch.a.subarray(0, len)
          for (let i = 0; i < len; i++) units[i] = text.charCodeAt(start + i)
          const ok = timingSafeEqual(mac(units), formMac.subarray(f * HMAC_BYTES, (f + 1) * HMAC_BYTES))
          units.fill(0)
          const v = valuesById[formValue[f] as number]
          if (ok && v !== undefined) onHit({ start, end: start + len, kind: FORM_KINDS[formKind[f] as number] ?? 'raw', value: v })
        }
      }
    },
    stats: () => ({
      origins: origins.size,
      values: values.size,
      forms: formCount,
      qgrams: postCount,
      bytes:
        formValue.byteLength +
        formLen.byteLength +
        formCheck.byteLength +
        formKind.byteLength +
        formQ.byteLength +
        formMac.byteLength +
        postForm.byteLength +
        postOff.byteLength +
        postNext.byteLength +
        tKeys.byteLength +
        tHead.byteLength +
        filter.byteLength +
        bitmap.byteLength
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
