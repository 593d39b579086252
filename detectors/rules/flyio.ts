import { BASE64URL, format, tokenRule } from './define.ts'

export const rules = [
  tokenRule({
    id: 'flyio-access-token',
    title: 'Fly.io access token',
    severity: 'high',
    token: format('fo1_', BASE64URL(43)),
    minEntropy: 3.5,
    lines: [(s) => `FLY_API_TOKEN=${s}`, (s) => `+ flyctl deploy --access-token ${s}`],
    negatives: ['fo1_...', `fo1_${'x'.repeat(43)}`]
  })
]
