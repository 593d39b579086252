import type { Rule } from '../rule.ts'
import { assigned } from './patterns.ts'

// sk- + 32 hex: the sk- prefix is shared with half the industry, so the key
// is anchored on the DeepSeek name.
export const rules: Rule[] = [
  {
    id: 'deepseek-api-key',
    title: 'DeepSeek API key',
    severity: 'high',
    kind: 'pattern',
    regex: assigned('deepseek', 'sk-[a-f0-9]{32}'),
    keywords: ['deepseek'],
    minEntropy: 2.5,
    examples: {
      positives: (g) => {
        const a = `sk-${g.hex(32)}`
        const b = `sk-${g.hex(32)}`
        return [
          { line: `DEEPSEEK_API_KEY=${a}`, secret: a },
          { line: `{"provider":"deepseek","deepseek_key":"${b}"}`, secret: b }
        ]
      },
      negatives: [`DEEPSEEK_API_KEY=sk-${'0'.repeat(32)}`, 'DEEPSEEK_API_KEY=sk-xxxxxxxxxxxxxxxx', 'request sk-0123456789abcdef0123456789abcdef']
    }
  }
]
