import { format, HEX_ANY_CASE, tokenRule } from './define.ts'

export const rules = [
  tokenRule({
    id: 'postman-api-key',
    title: 'Postman API key',
    severity: 'high',
    token: format('PMAK-', HEX_ANY_CASE(24), '-', HEX_ANY_CASE(34)),
    minEntropy: 2.5,
    lines: [(s) => `POSTMAN_API_KEY=${s}`, (s) => `postman collection run 12345-abcdef --api-key ${s}`],
    negatives: [`PMAK-${'0'.repeat(24)}-${'0'.repeat(34)}`, 'POSTMAN_API_KEY=PMAK-<key>']
  })
]
