import type { Rule } from '../rule.ts'
import { assigned, keyOf } from './patterns.ts'

// 32 base62 characters with no prefix: anchored on the Mistral name.
export const rules: Rule[] = [
  {
    id: 'mistral-api-key',
    title: 'Mistral AI API key',
    severity: 'high',
    kind: 'pattern',
    regex: assigned(keyOf('mistral'), '[A-Za-z0-9]{32}'),
    keywords: ['mistral'],
    minEntropy: 3.5,
    // An MD5 next to the name (a model or file hash) is not a key; real keys mix cases.
    validate: (s) => !/^[a-f0-9]{32}$/.test(s),
    examples: {
      positives: (g) => {
        const a = g.base62(32)
        const b = g.base62(32)
        return [
          { line: `MISTRAL_API_KEY=${a}`, secret: a },
          { line: `{"mistral_api_key": "${b}", "model": "mistral-large-latest"}`, secret: b }
        ]
      },
      negatives: ['MISTRAL_API_KEY=<your-key>', 'mistral_model_hash=0123456789abcdef0123456789abcdef', `MISTRAL_API_KEY=${'x'.repeat(32)}`]
    }
  }
]
