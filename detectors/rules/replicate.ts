import { BASE62, format, tokenRule } from './define.ts'

export const rules = [
  tokenRule({
    id: 'replicate-api-token',
    title: 'Replicate API token',
    severity: 'high',
    token: format('r8_', BASE62(37)),
    minEntropy: 3.5,
    lines: [(s) => `REPLICATE_API_TOKEN=${s}`, (s) => `curl -s -H "Authorization: Bearer ${s}" https://api.replicate.com/v1/predictions`],
    negatives: ['REPLICATE_API_TOKEN=r8_...', `r8_${'0'.repeat(37)}`]
  })
]
