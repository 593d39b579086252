import type { Rule } from '../rule.ts'
import { END, START } from './patterns.ts'

// PMAK-<24 hex>-<34 hex>.
export const rules: Rule[] = [
  {
    id: 'postman-api-key',
    title: 'Postman API key',
    severity: 'high',
    kind: 'pattern',
    regex: `${START}(PMAK-[a-fA-F0-9]{24}-[a-fA-F0-9]{34})${END}`,
    keywords: ['pmak-'],
    minEntropy: 2.5,
    examples: {
      positives: (g) => {
        const a = `PMAK-${g.hex(24)}-${g.hex(34)}`
        const b = `PMAK-${g.hex(24)}-${g.hex(34)}`
        return [
          { line: `POSTMAN_API_KEY=${a}`, secret: a },
          { line: `postman collection run 12345-abcdef --api-key ${b}`, secret: b }
        ]
      },
      negatives: [`PMAK-${'0'.repeat(24)}-${'0'.repeat(34)}`, 'POSTMAN_API_KEY=PMAK-<key>']
    }
  }
]
