import type { Rule } from '../rule.ts'
import { END, keyOf, named } from './patterns.ts'

// Mailgun's private API keys: the original `key-` + 32 hex, and the current
// <32 hex>-<8 hex>-<8 hex>, which is also the shape of webhook signing keys.
// Neither prefix is distinctive on its own, so both are anchored on the
// Mailgun name, or for `key-` on the `api:` basic-auth user Mailgun requires.
const NAMES = keyOf('mailgun|\\bmg[_.-]')

export const rules: Rule[] = [
  {
    id: 'mailgun-api-key',
    title: 'Mailgun private API key (key-)',
    severity: 'high',
    kind: 'pattern',
    regex: `(?:${named(NAMES)}|api:)(key-[a-f0-9]{32})${END}`,
    keywords: ['mailgun', 'mg_', 'mg-', 'mg.', 'api:key-'],
    minEntropy: 2.5,
    examples: {
      positives: (g) => {
        const a = `key-${g.hex(32)}`
        const b = `key-${g.hex(32)}`
        return [
          { line: `MAILGUN_API_KEY=${a}`, secret: a },
          { line: `curl -s --user 'api:${b}' https://api.mailgun.net/v3/mg.example.com/messages`, secret: b }
        ]
      },
      negatives: [`MAILGUN_API_KEY=key-${'x'.repeat(32)}`, `mailgun_key: key-${'0'.repeat(32)}`, 'cache key-0123456789abcdef0123456789abcdef evicted']
    }
  },
  {
    id: 'mailgun-private-key',
    title: 'Mailgun private API key or webhook signing key',
    severity: 'high',
    kind: 'pattern',
    regex: `${named(NAMES)}([a-f0-9]{32}-[a-f0-9]{8}-[a-f0-9]{8})${END}`,
    keywords: ['mailgun', 'mg_', 'mg-', 'mg.'],
    minEntropy: 2.5,
    examples: {
      positives: (g) => {
        const a = `${g.hex(32)}-${g.hex(8)}-${g.hex(8)}`
        const b = `${g.hex(32)}-${g.hex(8)}-${g.hex(8)}`
        return [
          { line: `MAILGUN_WEBHOOK_SIGNING_KEY=${a}`, secret: a },
          { line: `mailgun.signing_key = "${b}"`, secret: b }
        ]
      },
      negatives: [`MAILGUN_API_KEY=${'0'.repeat(32)}-${'0'.repeat(8)}-${'0'.repeat(8)}`, 'request_id=0123456789abcdef0123456789abcdef-01234567-89abcdef']
    }
  }
]
