import type { Gen } from '../gen.ts'
import { DIGITS, format, HEX, re, tokenRule } from './define.ts'

// Tokens with a fixed layout but no literal prefix of their own, found next to the provider's name.
// Asana personal access tokens: a version digit, '/', the user's numeric id (13 to 19 digits), ':'
// and 32 hex digits (Kingfisher's kingfisher.asana.3, Apache-2.0). Airtable personal access tokens:
// pat, 14 letters and digits, '.', 64 hex digits (Kingfisher's kingfisher.airtable.1, gitleaks'
// airtable-personnal-access-token, MIT). `pat` alone is in every other line (path, pattern, patch), so
// the provider's name is the keyword. The regexes are ours.

const VERSION = re('[12]', (g: Gen) => (g.digits(1) < '5' ? '1' : '2'))
const ALNUM14 = re('[A-Za-z0-9]{14}', (g: Gen) => g.base62(14))

export const rules = [
  tokenRule({
    id: 'asana-personal-access-token',
    title: 'Asana personal access token (1/<user id>:<32 hex>)',
    severity: 'high',
    token: format(VERSION, '/', DIGITS.between(13, 19, 16), ':', HEX(32)),
    keywords: ['asana'],
    minEntropy: 3.0,
    lines: [(s) => `ASANA_PAT=${s}`, (s) => `{"level":"debug","msg":"asana client","asana_access_token":"${s}"}`],
    negatives: [`ASANA_PAT=1/1234567890123456:${'0'.repeat(32)}`, 'asana task 1/1248440223456784 synced']
  }),
  tokenRule({
    id: 'airtable-personal-access-token',
    title: 'Airtable personal access token (pat….…)',
    severity: 'high',
    token: format('pat', ALNUM14, '.', HEX(64)),
    keywords: ['airtable'],
    minEntropy: 3.5,
    lines: [(s) => `AIRTABLE_PAT=${s}`, (s) => `curl -H "Authorization: Bearer ${s}" https://api.airtable.com/v0/meta/bases # airtable`],
    negatives: [`AIRTABLE_PAT=patXXXXXXXXXXXXXX.${'0'.repeat(64)}`, 'airtable token missing']
  })
]
