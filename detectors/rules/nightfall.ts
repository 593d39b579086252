import { BASE62, format, tokenRule } from './define.ts'

// Nightfall AI API keys: NF- then 32 letters and digits. Provenance: Kingfisher's
// kingfisher.nightfall.1 (github.com/mongodb/kingfisher, Apache-2.0); the regex is ours.
export const rules = [
  tokenRule({
    id: 'nightfall-api-key',
    title: 'Nightfall API key',
    severity: 'high',
    token: format('NF-', BASE62(32)),
    minEntropy: 3.0,
    lines: [(s) => `NIGHTFALL_API_KEY=${s}`, (s) => `{"level":"debug","msg":"dlp client","api_key":"${s}"}`],
    negatives: [`NF-${'x'.repeat(32)}`, 'CONF-2024 release notes', `NF-${'0'.repeat(32)}`]
  })
]
