// Generators of credential-shaped strings for rule examples, tests, the demo
// and the benchmark corpus. Every test secret is made here at run time from
// its format, so the repository holds no token literal that a scanner (ours
// or GitHub's push protection) would flag, and none that could be live.

import { randomBytes, randomInt } from 'node:crypto'
import { crc32 } from 'node:zlib'

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

export function createGen(): Gen {
  // Random bytes are drawn in blocks: a crypto call per character cost as much as detecting the
  // token in tests that draw thousands of positives per rule.
  let pool = randomBytes(4096)
  let at = 0
  const byte = (): number => {
    if (at === pool.length) {
      pool = randomBytes(4096)
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
    password: () => `${words[randomInt(words.length)]}${randomInt(1000, 9999)}${'!#%*+'[randomInt(5)]}${chars(ALPHABETS.base62, 4)}`,
    pemBody: (bytes) => randomBytes(bytes).toString('base64')
  }
}
