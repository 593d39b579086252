import { ALPHABETS } from '../gen.ts'
import { charset, format, tokenRule } from './define.ts'

// FullStory API keys: the region (na1.) then 100 base64 characters. Provenance: Kingfisher's
// kingfisher.fullstory.1 (github.com/mongodb/kingfisher, Apache-2.0); the regex is ours.
const BODY = charset('A-Za-z0-9+/', `${ALPHABETS.base62}+/`)

export const rules = [
  tokenRule({
    id: 'fullstory-api-key',
    title: 'FullStory API key',
    severity: 'high',
    token: format('na1.', BODY(100)),
    after: '(?:[^A-Za-z0-9+/]|$)',
    minEntropy: 3.5,
    lines: [(s) => `FULLSTORY_API_KEY=${s}`, (s) => `{"msg":"export job","authorization":"Basic ${s}"}`],
    negatives: [`na1.${'A'.repeat(100)}`]
  })
]
