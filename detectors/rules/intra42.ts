import { format, HEX, re, tokenRule } from './define.ts'

export const rules = [
  tokenRule({
    id: 'intra42-client-secret',
    title: '42 intranet (intra42) client secret',
    severity: 'high',
    token: format(
      's-s4t2',
      re('(?:ud|af)', (g) => (g.chars('ua', 1) === 'u' ? 'ud' : 'af')),
      '-',
      HEX(64)
    ),
    keywords: ['s-s4t2ud-', 's-s4t2af-'],
    minEntropy: 3.0,
    lines: [(s) => `FT_CLIENT_SECRET=${s}`, (s) => `{"client_secret":"${s}","grant_type":"client_credentials"}`],
    negatives: ['s-s4t2ud-...', `s-s4t2ud-${'0'.repeat(64)}`]
  })
]
