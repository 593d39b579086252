import { ALPHABETS } from '../gen.ts'
import type { Rule } from '../rule.ts'
import { assigned, END_DASH, keyOf, START } from './patterns.ts'

// Current keys: tgp_v1_ + 43 base64url. Older keys are 64 bare hex, anchored
// on the Together name.
export const rules: Rule[] = [
  {
    id: 'together-api-key',
    title: 'Together AI API key',
    severity: 'high',
    kind: 'pattern',
    regex: `${START}(tgp_v1_[A-Za-z0-9_-]{43})${END_DASH}`,
    keywords: ['tgp_v1_'],
    minEntropy: 4.0,
    examples: {
      positives: (g) => {
        const a = `tgp_v1_${g.chars(ALPHABETS.base64url, 43)}`
        const b = `tgp_v1_${g.chars(ALPHABETS.base64url, 43)}`
        return [
          { line: `TOGETHER_API_KEY=${a}`, secret: a },
          { line: `curl https://api.together.xyz/v1/models -H "Authorization: Bearer ${b}"`, secret: b }
        ]
      },
      negatives: ['TOGETHER_API_KEY=tgp_v1_...', `tgp_v1_${'x'.repeat(43)}`]
    }
  },
  {
    id: 'together-legacy-api-key',
    title: 'Together AI API key (legacy hex)',
    severity: 'high',
    kind: 'pattern',
    regex: assigned(keyOf('together'), '[a-f0-9]{64}'),
    keywords: ['together'],
    minEntropy: 2.5,
    examples: {
      positives: (g) => {
        const secret = g.hex(64)
        return [{ line: `TOGETHER_API_KEY=${secret}`, secret }]
      },
      negatives: [
        `TOGETHER_API_KEY=${'0'.repeat(64)}`,
        `together_request_id=${'0123456789abcdef'.repeat(4)}`,
        'layer digest sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef'
      ]
    }
  }
]
