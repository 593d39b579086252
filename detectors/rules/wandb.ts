import type { Rule } from '../rule.ts'
import { END, keyOf, named, START } from './patterns.ts'

// Current keys: wandb_v1_ + 27 + _ + 49 base62. Older keys: 40 bare hex,
// anchored on the wandb name (WANDB_API_KEY, `wandb login <key>`).
export const rules: Rule[] = [
  {
    id: 'wandb-api-key',
    title: 'Weights & Biases API key',
    severity: 'high',
    kind: 'pattern',
    regex: `${START}(wandb_v1_[A-Za-z0-9]{27}_[A-Za-z0-9]{49})${END}`,
    keywords: ['wandb_v1_'],
    minEntropy: 4.0,
    examples: {
      positives: (g) => {
        const a = `wandb_v1_${g.base62(27)}_${g.base62(49)}`
        const b = `wandb_v1_${g.base62(27)}_${g.base62(49)}`
        return [
          { line: `WANDB_API_KEY=${a}`, secret: a },
          { line: `wandb login ${b}`, secret: b }
        ]
      },
      negatives: ['WANDB_API_KEY=wandb_v1_...', `wandb_v1_${'x'.repeat(27)}_${'x'.repeat(49)}`]
    }
  },
  {
    id: 'wandb-legacy-api-key',
    title: 'Weights & Biases API key (legacy hex)',
    severity: 'high',
    kind: 'pattern',
    regex: `(?:${named(keyOf('wandb'))}|(?i:wandb\\s+login)\\s+(?:--relogin\\s+)?)([a-f0-9]{40})${END}`,
    keywords: ['wandb'],
    minEntropy: 2.5,
    examples: {
      positives: (g) => {
        const a = g.hex(40)
        const b = g.hex(40)
        return [
          { line: `WANDB_API_KEY=${a}`, secret: a },
          { line: `+ wandb login --relogin ${b}`, secret: b }
        ]
      },
      negatives: [
        `WANDB_API_KEY=${'0'.repeat(40)}`,
        'wandb: run id 0123456789abcdef0123456789abcdef01234567 synced',
        'WANDB_GIT_COMMIT=0123456789abcdef0123456789abcdef01234567'
      ]
    }
  }
]
