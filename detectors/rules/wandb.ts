import { BASE62, format, HEX, tokenRule } from './define.ts'
import { END, keyOf, named } from './patterns.ts'

// Current keys: wandb_v1_ + 27 + _ + 49 base62. Older keys: 40 bare hex,
// anchored on the wandb name (WANDB_API_KEY, `wandb login <key>`).
export const rules = [
  tokenRule({
    id: 'wandb-api-key',
    title: 'Weights & Biases API key',
    severity: 'high',
    token: format('wandb_v1_', BASE62(27), '_', BASE62(49)),
    minEntropy: 4.0,
    lines: [(s) => `WANDB_API_KEY=${s}`, (s) => `wandb login ${s}`],
    negatives: ['WANDB_API_KEY=wandb_v1_...', `wandb_v1_${'x'.repeat(27)}_${'x'.repeat(49)}`]
  }),
  tokenRule({
    id: 'wandb-legacy-api-key',
    title: 'Weights & Biases API key (legacy hex)',
    severity: 'high',
    token: HEX(40),
    regex: (t) => `(?:${named(keyOf('wandb'))}|(?i:wandb\\s+login)\\s+(?:--relogin\\s+)?)(${t})${END}`,
    keywords: ['wandb'],
    minEntropy: 2.5,
    lines: [(s) => `WANDB_API_KEY=${s}`, (s) => `+ wandb login --relogin ${s}`],
    negatives: [
      `WANDB_API_KEY=${'0'.repeat(40)}`,
      'wandb: run id 0123456789abcdef0123456789abcdef01234567 synced',
      'WANDB_GIT_COMMIT=0123456789abcdef0123456789abcdef01234567'
    ]
  })
]
