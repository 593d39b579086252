import { DIGITS, format, tokenRule, UPPER_DIGITS } from './define.ts'

// ClickUp personal API tokens: pk_, the user id (7 or 8 digits), _, then 32 upper-case letters and
// digits. Provenance: Kingfisher's kingfisher.clickup.1 (github.com/mongodb/kingfisher,
// Apache-2.0); the regex is ours.
export const rules = [
  tokenRule({
    id: 'clickup-api-token',
    title: 'ClickUp personal API token',
    severity: 'high',
    token: format('pk_', DIGITS.between(7, 8, 8), '_', UPPER_DIGITS(32)),
    follows: '[0-9]{7,8}_[0-9A-Z]{32}',
    minEntropy: 3.0,
    lines: [(s) => `CLICKUP_API_TOKEN=${s}`, (s) => `curl -H "Authorization: ${s}" https://api.clickup.com/api/v2/team`],
    negatives: [`pk_12345678_${'X'.repeat(32)}`, 'pk_live_abc']
  })
]
