// The keys of the known-secret index and the keyed hashes made with them. All
// are derived from one key (random per process unless configured), so the
// index means nothing outside the process; nothing here keeps a value.
//
// - q-gram key t = w·kA: a keyed bijection of the q-gram w (the first q bytes
//   of an aligned 32-bit word), the postings table's exact key and, by its top
//   bits, the filter word; t·kC picks the filter bits.
// - span check: FNV-style over a span, seeded by the key, the length mixed in
//   last, so the running value over a prefix extends to longer spans.
// - verify MAC: HMAC-SHA256 of a span, the final word on a candidate.
// - value id: HMAC-SHA256 of the whole value, what the index keys values by.

import type { KeyObject } from 'node:crypto'
import { createHmac, createSecretKey } from 'node:crypto'

export const HMAC_BYTES = 16
/** FNV-1a's 32-bit prime: one step of the span check is h = (h ^ byte)·FNV_PRIME. */
export const FNV_PRIME = 0x01000193

export interface IndexKeys {
  /** Bytes per q-gram (3 or 4). */
  q: number
  /** Which bits of a word read from a byte buffer are its first q bytes, on this platform's byte order. */
  qMask: number
  kA: number
  kC: number
  checkSeed: number
  verifyKey: KeyObject
  valueKey: KeyObject
}

/** murmur3's finaliser: spreads every input bit over the output. */
export function fmix(h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}

// One scratch word for reading q-grams of a value: zeroed after each use, so no value bytes stay in it.
const scratch32 = new Int32Array(1)
const scratch8 = new Uint8Array(scratch32.buffer)

export function deriveIndexKeys(key: Uint8Array, q: number): IndexKeys {
  const derive = (label: string): Buffer => createHmac('sha256', key).update(label).digest()
  const qKeys = derive('qgram')
  scratch8.fill(0)
  scratch8.fill(0xff, 0, q)
  const qMask = scratch32[0] as number
  scratch8.fill(0)
  return {
    q,
    qMask,
    // Random odd multipliers: multiplying by an odd number is a bijection modulo 2^32.
    kA: qKeys.readInt32LE(0) | 1,
    kC: qKeys.readInt32LE(4) | 1,
    checkSeed: derive('check').readUInt32LE(0),
    // KeyObjects made once: a raw key would be imported again by every HMAC.
    verifyKey: createSecretKey(derive('verify')),
    valueKey: createSecretKey(derive('value'))
  }
}

/** The q-gram key of the q bytes of `b` at `o`, as a scan computes it from the aligned word there. */
export function qgramKey(k: IndexKeys, b: Uint8Array, o: number): number {
  scratch8.fill(0)
  scratch8.set(b.subarray(o, o + 4))
  const t = Math.imul((scratch32[0] as number) & k.qMask, k.kA)
  scratch8.fill(0)
  return t
}

/** The span check of b[0, len). */
export function spanCheck(k: IndexKeys, b: Uint8Array, len: number): number {
  let h = k.checkSeed
  for (let i = 0; i < len; i++) h = Math.imul(h ^ (b[i] as number), FNV_PRIME)
  return fmix(h ^ len) | 0
}

export function verifyMac(k: IndexKeys, b: Uint8Array): Buffer {
  return createHmac('sha256', k.verifyKey).update(b).digest().subarray(0, HMAC_BYTES)
}

/** The id a value is kept under (hex): the same bytes, trimmed, always get the same id. */
export function valueId(k: IndexKeys, b: Uint8Array): string {
  return createHmac('sha256', k.valueKey).update(b).digest('hex')
}
