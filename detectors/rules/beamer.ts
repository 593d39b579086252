import { ALPHABETS } from '../gen.ts'
import { charset, format, tokenRule } from './define.ts'
import { named } from './patterns.ts'

// Beamer API keys: b_ then 44 base64 characters. "b_" alone is everywhere, so the key is anchored on
// Beamer's name. Provenance: Kingfisher's kingfisher.beamer.1 (github.com/mongodb/kingfisher,
// Apache-2.0); the regex is ours.
const BODY = charset('A-Za-z0-9=_/+-', `${ALPHABETS.base62}_-`)

export const rules = [
  tokenRule({
    id: 'beamer-api-key',
    title: 'Beamer API key',
    severity: 'high',
    token: format('b_', BODY(44)),
    regex: (t) => `${named('beamer')}(${t})(?:[^A-Za-z0-9=_/+-]|$)`,
    keywords: ['beamer'],
    minEntropy: 3.0,
    lines: [(s) => `BEAMER_KEY=${s}`, (s) => `{"beamer_api_key":"${s}"}`],
    negatives: [`BEAMER_KEY=b_${'x'.repeat(44)}`, 'beamer: b_short']
  })
]
