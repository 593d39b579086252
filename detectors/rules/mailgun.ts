import { format, HEX, tokenRule } from './define.ts'
import { END, keyOf, named } from './patterns.ts'

// Mailgun's private API keys: the original `key-` + 32 hex, and the current
// <32 hex>-<8 hex>-<8 hex>, which is also the shape of webhook signing keys.
// Neither prefix is distinctive on its own, so both are anchored on the
// Mailgun name, or for `key-` on the `api:` basic-auth user Mailgun requires.
const NAMES = keyOf('mailgun|\\bmg[_.-]')

export const rules = [
  tokenRule({
    id: 'mailgun-api-key',
    title: 'Mailgun private API key (key-)',
    severity: 'high',
    token: format('key-', HEX(32)),
    regex: (t) => `(?:${named(NAMES)}|api:)(${t})${END}`,
    keywords: ['mailgun', 'mg_', 'mg-', 'mg.', 'api:key-'],
    minEntropy: 2.5,
    lines: [
      (s) => `MAILGUN_API_KEY=${s}`,
      (s) => `curl -s --user 'api:${s}' https://api.mailgun.net/v3/mg.example.com/messages`,
      // A default after the environment variable: a bundle or a stack trace prints the source line.
      (s) => `var apiKey = process.env.MAILGUN_API || '${s}'`
    ],
    negatives: [`MAILGUN_API_KEY=key-${'x'.repeat(32)}`, `mailgun_key: key-${'0'.repeat(32)}`, 'cache key-0123456789abcdef0123456789abcdef evicted']
  }),
  tokenRule({
    id: 'mailgun-private-key',
    title: 'Mailgun private API key or webhook signing key',
    severity: 'high',
    token: format(HEX(32), '-', HEX(8), '-', HEX(8)),
    regex: (t) => `${named(NAMES)}(${t})${END}`,
    keywords: ['mailgun', 'mg_', 'mg-', 'mg.'],
    minEntropy: 2.5,
    lines: [(s) => `MAILGUN_WEBHOOK_SIGNING_KEY=${s}`, (s) => `mailgun.signing_key = "${s}"`],
    negatives: [`MAILGUN_API_KEY=${'0'.repeat(32)}-${'0'.repeat(8)}-${'0'.repeat(8)}`, 'request_id=0123456789abcdef0123456789abcdef-01234567-89abcdef']
  })
]
