import { BASE62, format, tokenRule } from './define.ts'

export const rules = [
  tokenRule({
    id: 'infracost-api-token',
    title: 'Infracost API token',
    severity: 'medium',
    token: format('ico-', BASE62(32)),
    minEntropy: 3.5,
    lines: [(s) => `INFRACOST_API_KEY=${s}`, (s) => `  infracost_api_key: "${s}"`],
    negatives: ['ico-...', `pico-${'a'.repeat(32)}`]
  })
]
