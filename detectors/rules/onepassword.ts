import type { Gen } from '../gen.ts'
import { ALPHABETS } from '../gen.ts'
import { charset, format, re, tokenRule } from './define.ts'

// 1Password: the account Secret Key (A3-, then groups of upper-case letters and digits: 6, then 11
// or 6-5, then three of 5), which with the account password unlocks every vault, and service account
// tokens (ops_ then base64 of a JSON document, eyJ…), what `op` reads from OP_SERVICE_ACCOUNT_TOKEN
// in CI. Layouts are facts from gitleaks' 1password-secret-key and 1password-service-account-token
// rules (MIT); the regexes are ours.

const GROUP = charset('A-Z0-9', ALPHABETS.upperDigits)
const ACCOUNT = re('(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})', (g: Gen) =>
  g.digits(1) < '5' ? g.chars(ALPHABETS.upperDigits, 11) : `${g.chars(ALPHABETS.upperDigits, 6)}-${g.chars(ALPHABETS.upperDigits, 5)}`
)
// The JSON document's base64: long (a service account token is about 800 characters), '=' only at its end.
const SERVICE_BODY = re('eyJ[A-Za-z0-9+/]{250,}={0,2}', (g: Gen) => `eyJ${g.chars(`${ALPHABETS.base62}+/`, 600 + Number(g.digits(2)))}`)

export const rules = [
  {
    ...tokenRule({
      id: 'onepassword-secret-key',
      title: '1Password account Secret Key (A3-)',
      severity: 'critical',
      token: format('A3-', GROUP(6), '-', ACCOUNT, '-', GROUP(5), '-', GROUP(5), '-', GROUP(5)),
      minEntropy: 3.0,
      lines: [(s) => `OP_SECRET_KEY=${s}`, (s) => `+ op account add --address acme.1password.com --email ci@acme.example --secret-key ${s}`],
      negatives: ['A3-XXXXXX-XXXXXX-XXXXX-XXXXX-XXXXX-XXXXX', 'OP_SECRET_KEY=A3-…', 'A3-123456-1234'],
      tags: ['gitleaks']
    }),
    // `a3-` is in one UUID in ~64 (`…-48a3-…`): the regex's upper-case `A3-` is checked before it runs
    // (2,125 regex runs and 2 matches over the 16 MB shapes; issue #15).
    requires: ['A3-']
  },
  {
    ...tokenRule({
      id: 'onepassword-service-account-token',
      title: '1Password service account token (ops_)',
      severity: 'critical',
      token: format('ops_', SERVICE_BODY),
      keywords: ['ops_eyj'],
      minEntropy: 4.0,
      // A service account token is a few hundred to a few thousand characters; a longer run is some other blob.
      validate: (s) => s.length <= 8192,
      lines: [(s) => `OP_SERVICE_ACCOUNT_TOKEN=${s}`, (s) => `{"level":"debug","msg":"op client","sourceContent":"${s}"}`],
      negatives: ['OP_SERVICE_ACCOUNT_TOKEN=ops_eyJ…', 'OP_SERVICE_ACCOUNT_TOKEN=ops_eyJzaWduSW5BZGRyZXNz...'],
      tags: ['gitleaks']
    })
  }
]
