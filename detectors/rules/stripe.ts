import type { Gen } from '../gen.ts'
import { BASE62, drawnBy, format, re, tokenRule } from './define.ts'

// Live secret and restricted keys are sk_/rk_ + live_ + 24 (older) to 99+ (current) base62
// characters. Literals with a live prefix are built by concatenation so that
// this file itself does not trip secret scanners.
const LIVE = 'live_'
const TEST = 'test_'

/** A current key: the prefix, "51" and 97 base62 characters. */
const current =
  (prefix: string) =>
  (g: Gen): string =>
    `${prefix}51${g.base62(97)}`

export const rules = [
  tokenRule({
    id: 'stripe-secret-key',
    title: 'Stripe live secret key',
    severity: 'critical',
    token: format(`sk_${LIVE}`, BASE62.atLeast(24, 24)),
    minEntropy: 3.5,
    positives: (g) => {
      const a = `sk_${LIVE}${g.base62(24)}`
      const b = current(`sk_${LIVE}`)(g)
      return [
        { line: `STRIPE_SECRET_KEY=${a}`, secret: a },
        { line: `curl https://api.stripe.com/v1/charges -u ${b}:`, secret: b }
      ]
    },
    negatives: [`STRIPE_SECRET_KEY=sk_${LIVE}${'x'.repeat(24)}`, `sk_${LIVE}...`, `stripe key: sk_${LIVE}<redacted>`]
  }),
  tokenRule({
    id: 'stripe-restricted-key',
    title: 'Stripe live restricted key',
    severity: 'high',
    token: drawnBy(format(`rk_${LIVE}`, BASE62.atLeast(24, 24)), current(`rk_${LIVE}`)),
    minEntropy: 3.5,
    lines: [(s) => `{"stripe":{"restrictedKey":"${s}"}}`],
    negatives: [`rk_${LIVE}${'0'.repeat(24)}`]
  }),
  tokenRule({
    // Test-mode keys move no money but expose test data and show where live
    // keys are handled the same careless way.
    id: 'stripe-test-key',
    title: 'Stripe test-mode secret or restricted key',
    severity: 'low',
    token: drawnBy(format(re('(?:sk|rk)'), '_test_', BASE62.atLeast(24, 97)), current(`sk_${TEST}`)),
    keywords: ['sk_test_', 'rk_test_'],
    minEntropy: 3.5,
    // The keys printed in Stripe's own documentation.
    allow: { secrets: [`^sk_${TEST}4eC39HqLyjWDarjtT1zdp7dc$`, `^sk_${TEST}BQokikJOvBiI2HlWgH4olfQ2$`] },
    lines: [(s) => `STRIPE_SECRET_KEY=${s} npm test`],
    negatives: [`Stripe.api_key = "sk_${TEST}4eC39HqLyjWDarjtT1zdp7dc"`, `sk_${TEST}${'x'.repeat(24)}`]
  }),
  tokenRule({
    id: 'stripe-webhook-secret',
    title: 'Stripe webhook signing secret',
    severity: 'medium',
    token: format('whsec_', re('[A-Za-z0-9+/]{32,}={0,2}')),
    after: '(?:[^A-Za-z0-9_+/=]|$)',
    minEntropy: 3.2,
    positives: (g) => {
      const a = `whsec_${g.base62(32)}`
      const b = `whsec_${g.hex(64)}`
      return [
        { line: `STRIPE_WEBHOOK_SECRET=${a}`, secret: a },
        { line: `> Ready! Your webhook signing secret is ${b} (^C to quit)`, secret: b }
      ]
    },
    negatives: [`STRIPE_WEBHOOK_SECRET=whsec_${'x'.repeat(32)}`, 'STRIPE_WEBHOOK_SECRET=whsec_...']
  })
]
