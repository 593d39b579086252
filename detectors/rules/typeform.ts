import { ALPHABETS } from '../gen.ts'
import { charset, format, tokenRule } from './define.ts'

// Typeform personal access tokens: tfp_ then 40 to 59 letters, digits and _ (- . = in older ones).
// Provenance: Kingfisher's kingfisher.typeform.1 (github.com/mongodb/kingfisher, Apache-2.0); the
// regex is ours. The range is unbounded in the regex (a wide bounded one leaves RE2's DFA) and
// bounded by `validate`.
const BODY = charset('A-Za-z0-9_.=-', `${ALPHABETS.base62}_`)

export const rules = [
  tokenRule({
    id: 'typeform-api-token',
    title: 'Typeform personal access token',
    severity: 'high',
    token: format('tfp_', BODY.atLeast(40, 44)),
    minEntropy: 3.0,
    validate: (s) => s.length <= 4 + 59,
    lines: [(s) => `TYPEFORM_TOKEN=${s}`, (s) => `curl -H "Authorization: Bearer ${s}" https://api.typeform.com/forms`],
    negatives: [`tfp_${'x'.repeat(44)}`, 'tfp_short_token_123']
  })
]
