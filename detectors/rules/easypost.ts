import { BASE62, format, re, tokenRule } from './define.ts'

export const rules = [
  tokenRule({
    id: 'easypost-api-key',
    title: 'EasyPost API key (production or test)',
    severity: 'high',
    token: format(
      re('EZ[AT]K', (g) => `EZ${g.chars('AT', 1)}K`),
      BASE62(54)
    ),
    keywords: ['ezak', 'eztk'],
    minEntropy: 4.0,
    lines: [(s) => `EASYPOST_API_KEY=${s}`, (s) => `client = easypost.EasyPostClient("${s}")`],
    negatives: ['EZAK...', `EZAK${'x'.repeat(54)}`]
  })
]
