import { ALPHABETS, type Gen } from '../gen.ts'
import { re, tokenRule } from './define.ts'
import { END_ALNUM, START_ALNUM } from './patterns.ts'

// NATS nkey seeds, the private half of an operator, account, user, server or cluster identity (the `.creds` file
// and `nsc` print them; a leaked user seed connects as that user, an account or operator seed signs new users).
// The layout is the nkeys library's (github.com/nats-io/nkeys, strkey.go, Apache-2.0), as facts: base32 without
// padding of two prefix bytes (the seed byte 18 << 3 and the key type), 32 bytes of seed, and a CRC-16 (XMODEM,
// little-endian) of everything before it: 58 characters, always starting S, the type's letter, and A. The
// checksum refuses made-up seeds (CredSweeper's "NKEY Seed" sample is one).
const B32 = ALPHABETS.base32
// The type's prefix byte, by the seed's second character: account, cluster, server, operator, user, curve (xkey).
const TYPES: Record<string, number> = { A: 0 << 3, C: 2 << 3, N: 13 << 3, O: 14 << 3, U: 20 << 3, X: 23 << 3 }

function crc16(bytes: Uint8Array, end: number): number {
  let crc = 0
  for (const x of bytes.subarray(0, end)) {
    crc ^= x << 8
    for (let b = 0; b < 8; b++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff
  }
  return crc
}

function base32Bytes(s: string): Uint8Array {
  const out = new Uint8Array(Math.floor((s.length * 5) / 8))
  let bits = 0
  let acc = 0
  let n = 0
  for (const c of s) {
    acc = ((acc << 5) | B32.indexOf(c)) & 0xffff
    bits += 5
    if (bits >= 8) {
      bits -= 8
      out[n++] = (acc >>> bits) & 0xff
    }
  }
  return out
}

function base32Text(bytes: Uint8Array): string {
  let out = ''
  let bits = 0
  let acc = 0
  for (const x of bytes) {
    acc = ((acc << 8) | x) & 0xffff
    bits += 8
    while (bits >= 5) {
      bits -= 5
      out += B32[(acc >>> bits) & 31]
    }
  }
  return bits > 0 ? out + B32[(acc << (5 - bits)) & 31] : out
}

/** The seed's CRC-16 matches its first 34 bytes. */
export function nkeySeedValid(seed: string): boolean {
  const b = base32Bytes(seed)
  return b.length === 36 && crc16(b, 34) === (b[34] ?? 0) + (b[35] ?? 0) * 256
}

function drawSeed(g: Gen): string {
  const type = TYPES[g.chars('ACNOUX', 1)] ?? 0
  const b = new Uint8Array(36)
  b[0] = (18 << 3) | (type >> 5)
  b[1] = (type & 31) << 3
  b.set(Buffer.from(g.hex(64), 'hex'), 2)
  const crc = crc16(b, 34)
  b[34] = crc & 0xff
  b[35] = crc >> 8
  return base32Text(b)
}

export const rules = [
  tokenRule({
    id: 'nats-nkey-seed',
    title: 'NATS nkey seed (operator, account, user, server or cluster private key)',
    severity: 'critical',
    token: re('S[ACNOUX]A[A-Z2-7]{55}', drawSeed),
    keywords: ['saa', 'sca', 'sna', 'soa', 'sua', 'sxa'],
    // A seed is upper-case base32: `sca` in scan, `soa` in a DNS record never start one.
    upperKeywords: true,
    before: START_ALNUM,
    after: END_ALNUM,
    validate: nkeySeedValid,
    lines: [
      // A .creds file's seed line, between -----BEGIN USER NKEY SEED----- and its end line.
      (s) => s,
      (s) => `NATS_NKEY_SEED=${s}`,
      (s) => `{"level":"debug","msg":"nats connect","nkey_seed":"${s}"}`
    ],
    negatives: [
      // The right shape with a checksum of something else (a hand-edited or made-up seed).
      `SUA${'BCDEFGHIJKLMNOPQRSTUVWXYZ234567'.repeat(2).slice(0, 55)}`,
      `SUA${'A'.repeat(55)}`,
      // Public keys (U…, A…, N…) are not secrets.
      'UDXU4RCSJNZOIQHZNWXHXORDPRTGNJAHAHFRGZNEEJCPQTT2M7NLCNF4'
    ]
  })
]
