import { ALPHABETS } from '../gen.ts'
import type { Rule } from '../rule.ts'
import { format, HEX, tokenRule } from './define.ts'
import { decodeJson, END, jsonBase64, keyOf, named, START } from './patterns.ts'

// Organization auth tokens: sntrys_ + base64 of a JSON claim ({"iat", "url",
// "region_url", "org"}) + _ + 43 base64 characters of secret. Decoding the
// claim rejects look-alikes. User tokens: sntryu_ + 64 hex. Before those
// prefixes, auth tokens were 64 bare hex, and DSNs carried a secret key
// after the public one (https://<public>:<secret>@host/<project>).
function orgClaimValid(token: string): boolean {
  const claim = decodeJson(token.slice('sntrys_'.length, token.lastIndexOf('_')))
  return claim !== undefined && typeof claim.iat === 'number' && typeof claim.org === 'string'
}

export const rules: Rule[] = [
  {
    id: 'sentry-org-token',
    title: 'Sentry organization auth token',
    severity: 'high',
    kind: 'pattern',
    regex: `${START}(sntrys_eyJ[A-Za-z0-9+/]{20,}={0,2}_[A-Za-z0-9+/]{43})(?:[^A-Za-z0-9_+/=]|$)`,
    keywords: ['sntrys_'],
    validate: orgClaimValid,
    examples: {
      positives: (g) => {
        const claim = jsonBase64({
          iat: 1700000000 + Number(g.digits(7)),
          url: 'https://sentry.io',
          region_url: 'https://us.sentry.io',
          org: `acme-${g.chars(ALPHABETS.alnumLower, 6)}`
        })
        const secret = `sntrys_${claim}_${g.chars(ALPHABETS.base64.replace(/[+/]/g, ''), 43)}`
        return [
          { line: `SENTRY_AUTH_TOKEN=${secret}`, secret },
          { line: `sentry-cli --auth-token ${secret} releases new 1.4.2`, secret }
        ]
      },
      negatives: [
        'SENTRY_AUTH_TOKEN=sntrys_...',
        // The claim decodes, but is not Sentry's.
        `sntrys_${jsonBase64({ hello: 'world', padding: 'xxxxxxxxxxxx' })}_${'A'.repeat(43)}`
      ]
    }
  },
  tokenRule({
    id: 'sentry-user-token',
    title: 'Sentry user auth token',
    severity: 'high',
    token: format('sntryu_', HEX(64)),
    minEntropy: 2.5,
    lines: [(s) => `{"sentry":{"authToken":"${s}"}}`],
    negatives: [`sntryu_${'0'.repeat(64)}`, 'SENTRY_AUTH_TOKEN=sntryu_<token>']
  }),
  tokenRule({
    id: 'sentry-legacy-auth-token',
    title: 'Sentry auth token (legacy, unprefixed)',
    severity: 'high',
    token: HEX(64),
    regex: (t) => `${named(keyOf('sentry'))}(${t})${END}`,
    keywords: ['sentry'],
    minEntropy: 2.5,
    lines: [(s) => `SENTRY_AUTH_TOKEN=${s}`],
    negatives: [
      `SENTRY_AUTH_TOKEN=${'0'.repeat(64)}`,
      `sentry_event_digest=${'0123456789abcdef'.repeat(4)}`,
      'image_digest=sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef'
    ]
  }),
  {
    id: 'sentry-dsn-secret',
    title: 'Sentry DSN with secret key (legacy)',
    severity: 'medium',
    kind: 'pattern',
    regex: `(?i:https?)://[a-f0-9]{32}:([a-f0-9]{32})@[A-Za-z0-9.-]*sentry[A-Za-z0-9.-]*(?::[0-9]+)?/[0-9]+`,
    keywords: ['sentry'],
    minEntropy: 2.5,
    examples: {
      positives: (g) => {
        const secret = g.hex(32)
        return [{ line: `SENTRY_DSN=https://${g.hex(32)}:${secret}@o${g.digits(6)}.ingest.sentry.io/${g.digits(7)}`, secret }]
      },
      negatives: [
        // Modern DSNs carry only the public key, which is meant to be embedded in clients.
        `SENTRY_DSN=https://${'0123456789abcdef'.repeat(2)}@o123456.ingest.sentry.io/1234567`,
        `SENTRY_DSN=https://${'0123456789abcdef'.repeat(2)}:${'0'.repeat(32)}@sentry.example.com/1`
      ]
    }
  }
]
