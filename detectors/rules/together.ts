import { BASE64URL, format, HEX, tokenRule } from './define.ts'
import { assigned, keyOf } from './patterns.ts'

// Current keys: tgp_v1_ + 43 base64url. Older keys are 64 bare hex, anchored
// on the Together name.
export const rules = [
  tokenRule({
    id: 'together-api-key',
    title: 'Together AI API key',
    severity: 'high',
    token: format('tgp_v1_', BASE64URL(43)),
    minEntropy: 4.0,
    lines: [(s) => `TOGETHER_API_KEY=${s}`, (s) => `curl https://api.together.xyz/v1/models -H "Authorization: Bearer ${s}"`],
    negatives: ['TOGETHER_API_KEY=tgp_v1_...', `tgp_v1_${'x'.repeat(43)}`]
  }),
  tokenRule({
    id: 'together-legacy-api-key',
    title: 'Together AI API key (legacy hex)',
    severity: 'high',
    token: HEX(64),
    regex: (t) => assigned(keyOf('together'), t),
    keywords: ['together'],
    minEntropy: 2.5,
    lines: [(s) => `TOGETHER_API_KEY=${s}`],
    negatives: [
      `TOGETHER_API_KEY=${'0'.repeat(64)}`,
      `together_request_id=${'0123456789abcdef'.repeat(4)}`,
      'layer digest sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef'
    ]
  })
]
