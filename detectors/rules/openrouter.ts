import type { Rule } from '../rule.ts'
import { END, START } from './patterns.ts'

// sk-or-v1- + 64 hex.
export const rules: Rule[] = [
  {
    id: 'openrouter-api-key',
    title: 'OpenRouter API key',
    severity: 'high',
    kind: 'pattern',
    regex: `${START}(sk-or-v1-[a-f0-9]{64})${END}`,
    keywords: ['sk-or-v1-'],
    minEntropy: 2.5,
    examples: {
      positives: (g) => {
        const a = `sk-or-v1-${g.hex(64)}`
        const b = `sk-or-v1-${g.hex(64)}`
        return [
          { line: `OPENROUTER_API_KEY=${a}`, secret: a },
          { line: `curl https://openrouter.ai/api/v1/chat/completions -H "Authorization: Bearer ${b}"`, secret: b }
        ]
      },
      negatives: ['OPENROUTER_API_KEY=sk-or-v1-...', `sk-or-v1-${'0'.repeat(64)}`]
    }
  }
]
