import type { Rule } from '../rule.ts'
import { END, START } from './patterns.ts'

// r8_ + 37 base62.
export const rules: Rule[] = [
  {
    id: 'replicate-api-token',
    title: 'Replicate API token',
    severity: 'high',
    kind: 'pattern',
    regex: `${START}(r8_[A-Za-z0-9]{37})${END}`,
    keywords: ['r8_'],
    minEntropy: 3.5,
    examples: {
      positives: (g) => {
        const a = `r8_${g.base62(37)}`
        const b = `r8_${g.base62(37)}`
        return [
          { line: `REPLICATE_API_TOKEN=${a}`, secret: a },
          { line: `curl -s -H "Authorization: Bearer ${b}" https://api.replicate.com/v1/predictions`, secret: b }
        ]
      },
      negatives: ['REPLICATE_API_TOKEN=r8_...', `r8_${'0'.repeat(37)}`]
    }
  }
]
