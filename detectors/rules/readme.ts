import { ALPHABETS } from '../gen.ts'
import { charset, format, tokenRule } from './define.ts'

// ReadMe API keys: rdme_ then 70 lower-case letters and digits. Provenance: Kingfisher's
// kingfisher.readme.1 (github.com/mongodb/kingfisher, Apache-2.0); the regex is ours.
export const rules = [
  tokenRule({
    id: 'readme-api-key',
    title: 'ReadMe API key',
    severity: 'high',
    token: format('rdme_', charset('a-z0-9', ALPHABETS.alnumLower)(70)),
    minEntropy: 3.0,
    lines: [(s) => `README_API_KEY=${s}`, (s) => `+ rdme openapi ./openapi.json --key=${s} --id=abc123`],
    negatives: [`rdme_${'x'.repeat(70)}`, 'rdme_<api-key>']
  })
]
