import type { Rule } from '../rule.ts'
import { END, START } from './patterns.ts'

// Live secret and restricted keys are sk_/rk_ + live_ + 24 (older) to 99+ (current) base62
// characters. Literals with a live prefix are built by concatenation so that
// this file itself does not trip secret scanners.
const LIVE = 'live_'
const TEST = 'test_'

export const rules: Rule[] = [
  {
    id: 'stripe-secret-key',
    title: 'Stripe live secret key',
    severity: 'critical',
    kind: 'pattern',
    regex: `${START}(sk_${LIVE}[A-Za-z0-9]{24,})${END}`,
    keywords: [`sk_${LIVE}`],
    minEntropy: 3.5,
    examples: {
      positives: (g) => {
        const a = `sk_${LIVE}${g.base62(24)}`
        const b = `sk_${LIVE}51${g.base62(97)}`
        return [
          { line: `STRIPE_SECRET_KEY=${a}`, secret: a },
          { line: `curl https://api.stripe.com/v1/charges -u ${b}:`, secret: b }
        ]
      },
      negatives: [`STRIPE_SECRET_KEY=sk_${LIVE}${'x'.repeat(24)}`, `sk_${LIVE}...`, `stripe key: sk_${LIVE}<redacted>`]
    }
  },
  {
    id: 'stripe-restricted-key',
    title: 'Stripe live restricted key',
    severity: 'high',
    kind: 'pattern',
    regex: `${START}(rk_${LIVE}[A-Za-z0-9]{24,})${END}`,
    keywords: [`rk_${LIVE}`],
    minEntropy: 3.5,
    examples: {
      positives: (g) => {
        const secret = `rk_${LIVE}51${g.base62(97)}`
        return [{ line: `{"stripe":{"restrictedKey":"${secret}"}}`, secret }]
      },
      negatives: [`rk_${LIVE}${'0'.repeat(24)}`]
    }
  },
  {
    // Test-mode keys move no money but expose test data and show where live
    // keys are handled the same careless way.
    id: 'stripe-test-key',
    title: 'Stripe test-mode secret or restricted key',
    severity: 'low',
    kind: 'pattern',
    regex: `${START}((?:sk|rk)_test_[A-Za-z0-9]{24,})${END}`,
    keywords: ['sk_test_', 'rk_test_'],
    minEntropy: 3.5,
    // The keys printed in Stripe's own documentation.
    allow: { secrets: [`^sk_${TEST}4eC39HqLyjWDarjtT1zdp7dc$`, `^sk_${TEST}BQokikJOvBiI2HlWgH4olfQ2$`] },
    examples: {
      positives: (g) => {
        const secret = `sk_${TEST}51${g.base62(97)}`
        return [{ line: `STRIPE_SECRET_KEY=${secret} npm test`, secret }]
      },
      negatives: [`Stripe.api_key = "sk_${TEST}4eC39HqLyjWDarjtT1zdp7dc"`, `sk_${TEST}${'x'.repeat(24)}`]
    }
  },
  {
    id: 'stripe-webhook-secret',
    title: 'Stripe webhook signing secret',
    severity: 'medium',
    kind: 'pattern',
    regex: `${START}(whsec_[A-Za-z0-9+/]{32,}={0,2})(?:[^A-Za-z0-9_+/=]|$)`,
    keywords: ['whsec_'],
    minEntropy: 3.2,
    examples: {
      positives: (g) => {
        const a = `whsec_${g.base62(32)}`
        const b = `whsec_${g.hex(64)}`
        return [
          { line: `STRIPE_WEBHOOK_SECRET=${a}`, secret: a },
          { line: `> Ready! Your webhook signing secret is ${b} (^C to quit)`, secret: b }
        ]
      },
      negatives: [`STRIPE_WEBHOOK_SECRET=whsec_${'x'.repeat(32)}`, 'STRIPE_WEBHOOK_SECRET=whsec_...']
    }
  }
]
