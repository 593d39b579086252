// The forms of indexed values, by id: each form a value can leak in (raw,
// base64, URL-escaped…) is kept as what a candidate is checked against —
// its length, span checks of its head and of all of it, its MAC — plus its
// q-gram keys (to remove its postings) and the id of its value. Never the
// bytes. Flat typed arrays grown by doubling; ids of removed forms reused.

import type { IndexKeys } from './index-keys.ts'
import { HMAC_BYTES, qgramKey, spanCheck, verifyMac } from './index-keys.ts'
import { STRIDE } from './postings.ts'

/** Ints per form in `data`: [length, head check, check, value id]. */
export const FORM = 4
/** Bytes of a form checked first, before its whole span is hashed. */
export const HEAD = 16

export interface FormStore {
  cap: number
  data: Int32Array
  /** Index in FORM_KINDS, per form. */
  kind: Uint8Array
  /** The q-gram keys at offsets 0..STRIDE−1, STRIDE per form. */
  keys: Int32Array
  /** HMAC_BYTES per form. */
  mac: Uint8Array
  free: number[]
  count: number
}

export function createFormStore(): FormStore {
  return { cap: 0, data: new Int32Array(0), kind: new Uint8Array(0), keys: new Int32Array(0), mac: new Uint8Array(0), free: [], count: 0 }
}

function grow(s: FormStore): void {
  const n = Math.max(64, s.cap * 2)
  const more = <T extends Int32Array | Uint8Array>(a: T, per: number, make: (n: number) => T): T => {
    const b = make(n * per)
    b.set(a)
    return b
  }
  s.data = more(s.data, FORM, (k) => new Int32Array(k))
  s.kind = more(s.kind, 1, (k) => new Uint8Array(k))
  s.keys = more(s.keys, STRIDE, (k) => new Int32Array(k))
  s.mac = more(s.mac, HMAC_BYTES, (k) => new Uint8Array(k))
  for (let i = n - 1; i >= s.cap; i--) s.free.push(i)
  s.cap = n
}

/** Stores the form `b` (bytes the caller zeroes) of value `value`; returns its id. */
export function addForm(s: FormStore, k: IndexKeys, value: number, kind: number, b: Uint8Array): number {
  if (s.free.length === 0) grow(s)
  const f = s.free.pop() as number
  s.data[f * FORM] = b.length
  s.data[f * FORM + 1] = spanCheck(k, b, Math.min(b.length, HEAD))
  s.data[f * FORM + 2] = spanCheck(k, b, b.length)
  s.data[f * FORM + 3] = value
  s.kind[f] = kind
  s.mac.set(verifyMac(k, b), f * HMAC_BYTES)
  for (let o = 0; o < STRIDE; o++) s.keys[f * STRIDE + o] = qgramKey(k, b, o)
  s.count++
  return f
}

export function formLength(s: FormStore, f: number): number {
  return s.data[f * FORM] as number
}

/** The q-gram key of form f at offset o. */
export function formKey(s: FormStore, f: number, o: number): number {
  return s.keys[f * STRIDE + o] as number
}

export function removeForm(s: FormStore, f: number): void {
  s.data.fill(0, f * FORM, (f + 1) * FORM)
  s.keys.fill(0, f * STRIDE, (f + 1) * STRIDE)
  s.mac.fill(0, f * HMAC_BYTES, (f + 1) * HMAC_BYTES)
  s.free.push(f)
  s.count--
}

export function formStoreBytes(s: FormStore): number {
  return s.data.byteLength + s.kind.byteLength + s.keys.byteLength + s.mac.byteLength
}
