import type { Rule } from '../rule.ts'
import { END, START } from './patterns.ts'

// xai- + 80 base62 (underscores allowed).
export const rules: Rule[] = [
  {
    id: 'xai-api-key',
    title: 'xAI (Grok) API key',
    severity: 'high',
    kind: 'pattern',
    regex: `${START}(xai-[A-Za-z0-9_]{80})${END}`,
    keywords: ['xai-'],
    minEntropy: 4.0,
    examples: {
      positives: (g) => {
        const a = `xai-${g.base62(80)}`
        const b = `xai-${g.base62(80)}`
        return [
          { line: `XAI_API_KEY=${a}`, secret: a },
          { line: `curl https://api.x.ai/v1/chat/completions -H "Authorization: Bearer ${b}"`, secret: b }
        ]
      },
      negatives: ['XAI_API_KEY=xai-...', `xai-${'x'.repeat(80)}`]
    }
  }
]
