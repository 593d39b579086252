// Generators of credential-shaped strings for rule examples, tests, the demo
// and the benchmark corpus. Every test secret is made here at run time from
// its format, so the repository holds no token literal that a scanner (ours
// or GitHub's push protection) would flag, and none that could be live.

import { crc32 } from './crc32.ts'

export const ALPHABETS = {
  base62: '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz',
  alnumLower: '0123456789abcdefghijklmnopqrstuvwxyz',
  upperDigits: '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  base32: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567',
  hex: '0123456789abcdef',
  base64: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/',
  base64url: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_',
  digits: '0123456789'
} as const

export function toBase62(n: number, width: number): string {
  let out = ''
  let x = n >>> 0
  while (x > 0) {
    out = ALPHABETS.base62[x % 62] + out
    x = Math.floor(x / 62)
  }
  return out.padStart(width, '0')
}

/**
 * sfc32 (Small Fast Chaotic, 32-bit): uniform 32-bit words, reproducible from a seed (taken mod 2^32).
 * Not cryptographic: for test data and benchmark corpora, where a seed must replay the same values.
 */
function sfc32(seed: number): () => number {
  let a = 0x9e3779b9
  let b = 0x243f6a88
  let c = 0xb7e15162
  let d = seed >>> 0
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0
    d = (d + 1) | 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) | 0
    c = (c << 21) | (c >>> 11)
    c = (c + t) | 0
    return t >>> 0
  }
  // The first words of neighbouring seeds are alike; these rounds spread them apart.
  for (let i = 0; i < 16; i++) next()
  return next
}

/** Numbers, picks and strings from sfc32: the shape of generated text (test noise, the benchmark corpus), reproducible from a seed. */
export interface Rng {
  /** Uniform in [0, 1). */
  next: () => number
  int: (n: number) => number
  chance: (p: number) => boolean
  pick: <T>(items: readonly T[]) => T
  chars: (alphabet: string, n: number) => string
}

export function createRng(seed: number): Rng {
  const word = sfc32(seed)
  const next = (): number => word() / 4294967296
  const int = (n: number): number => Math.floor(next() * n)
  return {
    next,
    int,
    chance: (p) => next() < p,
    pick: (items) => items[int(items.length)] as (typeof items)[number],
    chars: (alphabet, n) => {
      let out = ''
      for (let i = 0; i < n; i++) out += alphabet[int(alphabet.length)]
      return out
    }
  }
}

export interface Gen {
  chars: (alphabet: string, n: number) => string
  base62: (n: number) => string
  hex: (n: number) => string
  digits: (n: number) => string
  /** GitHub's token layout: prefix + 30 random base62 + base62(CRC32(random)) in 6 characters. */
  githubToken: (prefix: string) => string
  /** A password-like value people actually use: word + digits + symbol. */
  password: () => string
  /** A base64 body of a PEM key of `bytes` random bytes. */
  pemBody: (bytes: number) => string
}

/** Fills a buffer with sfc32 words, least significant byte first on every platform. */
function seededFill(seed: number): (buf: Uint8Array) => void {
  const next = sfc32(seed)
  return (buf) => {
    let i = 0
    for (; i + 4 <= buf.length; i += 4) {
      const w = next()
      buf[i] = w & 0xff
      buf[i + 1] = (w >>> 8) & 0xff
      buf[i + 2] = (w >>> 16) & 0xff
      buf[i + 3] = w >>> 24
    }
    if (i < buf.length) {
      let w = next()
      for (; i < buf.length; i++, w >>>= 8) buf[i] = w & 0xff
    }
  }
}

/**
 * Without a seed, values come from the system's CSPRNG (the demo and rule-file checks). With one,
 * from sfc32: the same seed gives the same values on every run, which is how a failing test that
 * drew them is replayed (test/support/seed.ts). Both paths draw bytes and map them to characters
 * the same way, so every character of an alphabet is equally likely in either.
 */
export function createGen(seed?: number): Gen {
  // node:crypto on first use: the rules import this module for its alphabets, and a scan needs no CSPRNG.
  const fill = seed === undefined ? (buf: Uint8Array) => void process.getBuiltinModule('node:crypto').randomFillSync(buf) : seededFill(seed)
  // Random bytes are drawn in blocks: a crypto call per character cost as much as detecting the
  // token in tests that draw thousands of positives per rule.
  const pool = new Uint8Array(4096)
  let at = pool.length
  const byte = (): number => {
    if (at === pool.length) {
      fill(pool)
      at = 0
    }
    return pool[at++] ?? 0
  }
  const chars = (alphabet: string, n: number): string => {
    if (alphabet.length === 0 || alphabet.length > 256) throw new RangeError('alphabet of 1 to 256 characters expected')
    // Bytes at or above the largest multiple of the alphabet's length are drawn again: every character stays equally likely.
    const limit = 256 - (256 % alphabet.length)
    let out = ''
    for (let i = 0; i < n; i++) {
      let b = byte()
      while (b >= limit) b = byte()
      out += alphabet[b % alphabet.length]
    }
    return out
  }
  /** A whole number in [min, max), uniformly, for ranges up to 2^16; drawn again above the largest multiple like chars(). */
  const int = (min: number, max: number): number => {
    const n = max - min
    const limit = 65536 - (65536 % n)
    let x = (byte() << 8) | byte()
    while (x >= limit) x = (byte() << 8) | byte()
    return min + (x % n)
  }
  const words = ['Summer', 'Falcon', 'Orchid', 'Granite', 'Velvet', 'Harbor', 'Nimbus', 'Quartz']
  return {
    chars,
    base62: (n) => chars(ALPHABETS.base62, n),
    hex: (n) => chars(ALPHABETS.hex, n),
    digits: (n) => chars(ALPHABETS.digits, n),
    githubToken: (prefix) => {
      const body = chars(ALPHABETS.base62, 30)
      return prefix + body + toBase62(crc32(body), 6)
    },
    password: () => `${words[int(0, words.length)]}${int(1000, 9999)}${'!#%*+'[int(0, 5)]}${chars(ALPHABETS.base62, 4)}`,
    pemBody: (bytes) => {
      const body = Buffer.alloc(bytes)
      fill(body)
      return body.toString('base64')
    }
  }
}
