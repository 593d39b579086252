import { charset, format, tokenRule } from './define.ts'

// age's X25519 identity: AGE-SECRET-KEY-1 then 58 characters of bech32 (upper case), as `age-keygen` prints it.
const BECH32 = charset('QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L', 'QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L')

export const rules = [
  tokenRule({
    id: 'age-secret-key',
    title: 'age secret key',
    severity: 'critical',
    token: format('AGE-SECRET-KEY-1', BECH32(58)),
    minEntropy: 3.5,
    // age-keygen prints the key on a line of its own.
    lines: [(s) => s, (s) => `SOPS_AGE_KEY=${s}`],
    negatives: ['AGE-SECRET-KEY-1...', `AGE-SECRET-KEY-1${'Q'.repeat(58)}`]
  })
]
