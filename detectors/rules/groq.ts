import type { Rule } from '../rule.ts'
import { END, START } from './patterns.ts'

// gsk_ + 52 base62.
export const rules: Rule[] = [
  {
    id: 'groq-api-key',
    title: 'Groq API key',
    severity: 'high',
    kind: 'pattern',
    regex: `${START}(gsk_[A-Za-z0-9]{52})${END}`,
    keywords: ['gsk_'],
    minEntropy: 4.0,
    examples: {
      positives: (g) => {
        const a = `gsk_${g.base62(52)}`
        const b = `gsk_${g.base62(52)}`
        return [
          { line: `GROQ_API_KEY=${a}`, secret: a },
          { line: `client = Groq(api_key="${b}")`, secret: b }
        ]
      },
      negatives: ['GROQ_API_KEY=gsk_...', `gsk_${'x'.repeat(52)}`]
    }
  }
]
