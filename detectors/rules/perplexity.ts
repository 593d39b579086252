import type { Rule } from '../rule.ts'
import { END, START } from './patterns.ts'

// pplx- + 48 base62.
export const rules: Rule[] = [
  {
    id: 'perplexity-api-key',
    title: 'Perplexity API key',
    severity: 'high',
    kind: 'pattern',
    regex: `${START}(pplx-[A-Za-z0-9]{48})${END}`,
    keywords: ['pplx-'],
    minEntropy: 4.0,
    examples: {
      positives: (g) => {
        const a = `pplx-${g.base62(48)}`
        const b = `pplx-${g.base62(48)}`
        return [
          { line: `PERPLEXITY_API_KEY=${a}`, secret: a },
          { line: `{"search":{"engine":"perplexity","key":"${b}"}}`, secret: b }
        ]
      },
      negatives: ['PERPLEXITY_API_KEY=pplx-...', `pplx-${'x'.repeat(48)}`]
    }
  }
]
