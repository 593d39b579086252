import { charset, checksummed, format, tokenRule } from './define.ts'

// age's X25519 identity: AGE-SECRET-KEY-1 then 58 characters of bech32 (upper case), as `age-keygen` prints it:
// 52 characters of data (the 32-byte key) and a 6-character BIP 173 checksum over the human-readable part
// `age-secret-key-` and the data. A key whose checksum fails is not one age would read (CredSweeper's
// negative sample differs from its positive in the last character only), so it is not reported.
const ALPHABET = 'QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L'
const BECH32 = charset(ALPHABET, ALPHABET)
const HRP = 'age-secret-key-'
const GENERATOR = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3]

function polymod(values: readonly number[]): number {
  let chk = 1
  for (const v of values) {
    const top = chk >>> 25
    chk = (((chk & 0x1ffffff) << 5) ^ v) >>> 0
    for (let i = 0; i < 5; i++) if (((top >>> i) & 1) === 1) chk = (chk ^ (GENERATOR[i] as number)) >>> 0
  }
  return chk
}

const hrpValues = (hrp: string): number[] => [...[...hrp].map((c) => c.charCodeAt(0) >> 5), 0, ...[...hrp].map((c) => c.charCodeAt(0) & 31)]
const dataValues = (chars: string): number[] => [...chars].map((c) => ALPHABET.indexOf(c))

/** The six checksum characters of `data` (upper-case bech32 characters). */
export function ageChecksum(data: string): string {
  const pm = polymod([...hrpValues(HRP), ...dataValues(data), 0, 0, 0, 0, 0, 0]) ^ 1
  let out = ''
  for (let i = 0; i < 6; i++) out += ALPHABET[(pm >>> (5 * (5 - i))) & 31]
  return out
}

/** Whether `key` (AGE-SECRET-KEY-1…) carries a valid bech32 checksum. */
export function ageKeyValid(key: string): boolean {
  const data = key.slice(HRP.length + 1)
  return data.length === 58 && polymod([...hrpValues(HRP), ...dataValues(data)]) === 1
}

export const rules = [
  tokenRule({
    id: 'age-secret-key',
    title: 'age secret key',
    severity: 'critical',
    token: format('AGE-SECRET-KEY-1', checksummed(BECH32(52), `[${ALPHABET}]{6}`, ageChecksum)),
    minEntropy: 3.5,
    validate: ageKeyValid,
    // age-keygen prints the key on a line of its own.
    lines: [(s) => s, (s) => `SOPS_AGE_KEY=${s}`],
    // The last: the alphabet twice over, then a checksum that does not match it.
    negatives: ['AGE-SECRET-KEY-1...', `AGE-SECRET-KEY-1${'Q'.repeat(58)}`, `AGE-SECRET-KEY-1${(ALPHABET + ALPHABET).slice(0, 52)}QQQQQQ`]
  })
]
