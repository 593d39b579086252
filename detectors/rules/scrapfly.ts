import { format, HEX, re, tokenRule } from './define.ts'

// Scrapfly API keys: scp-live- or scp-test- then 32 hex digits. Provenance: Kingfisher's
// kingfisher.scrapfly.1 (github.com/mongodb/kingfisher, Apache-2.0); the regex is ours. Its bare
// 32-character form is saas-named.ts's (next to the name).
export const rules = [
  tokenRule({
    id: 'scrapfly-api-key',
    title: 'Scrapfly API key',
    severity: 'high',
    token: format(
      'scp-',
      re('(?:live|test)', (g) => (Number(g.digits(1)) % 2 === 0 ? 'live' : 'test')),
      '-',
      HEX(32)
    ),
    keywords: ['scp-live-', 'scp-test-'],
    minEntropy: 3.0,
    lines: [(s) => `SCRAPFLY_KEY=${s}`, (s) => `GET /scrape?key=${s}&url=https%3A%2F%2Fexample.com 200`],
    negatives: [`scp-live-${'0'.repeat(32)}`]
  })
]
