import { ALPHABETS } from '../gen.ts'
import type { Rule } from '../rule.ts'
import { assigned, END, keyOf, named, START } from './patterns.ts'

// API tokens (40 base64url characters) and the account-wide global API key
// (37 hex) have no prefix, so they are anchored on the Cloudflare name (or
// CF_ / CLOUDFLARE_ variables, and the X-Auth-Key header that only the
// global key is sent in). Origin CA keys have their own v1.0- prefix.
const CLOUDFLARE = keyOf('cloudflare|(?:^|[^A-Za-z0-9])cf[_-]')

export const rules: Rule[] = [
  {
    id: 'cloudflare-api-token',
    title: 'Cloudflare API token',
    severity: 'high',
    kind: 'pattern',
    regex: assigned(CLOUDFLARE, '[A-Za-z0-9_-]{40}'),
    keywords: ['cloudflare', 'cf_', 'cf-'],
    minEntropy: 3.5,
    // Cloudflare Pages exports CF_PAGES_COMMIT_SHA: 40 hex is a git SHA, not a token.
    validate: (s) => !/^[a-f0-9]{40}$/.test(s),
    examples: {
      positives: (g) => {
        const a = g.chars(ALPHABETS.base64url, 40)
        const b = g.chars(ALPHABETS.base64url, 40)
        return [
          { line: `CLOUDFLARE_API_TOKEN=${a}`, secret: a },
          { line: `dns_cloudflare_api_token = ${b}`, secret: b }
        ]
      },
      negatives: [
        'CLOUDFLARE_API_TOKEN=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
        'cf-ray: 8a1b2c3d4e5f6a7b-AMS',
        'CF_PAGES_COMMIT_SHA=0123456789abcdef0123456789abcdef01234567'
      ]
    }
  },
  {
    id: 'cloudflare-global-api-key',
    title: 'Cloudflare global API key',
    severity: 'critical',
    kind: 'pattern',
    regex: `(?:${named(CLOUDFLARE)}|(?i:x-auth-key)[\\s'"]{0,3}:[\\s'"]{0,3})([a-f0-9]{37})${END}`,
    keywords: ['cloudflare', 'cf_', 'cf-', 'x-auth-key'],
    minEntropy: 2.5,
    examples: {
      positives: (g) => {
        const a = g.hex(37)
        const b = g.hex(37)
        return [
          { line: `CF_API_KEY=${a}`, secret: a },
          { line: `curl https://api.cloudflare.com/client/v4/zones -H "X-Auth-Email: ops@acme.io" -H "X-Auth-Key: ${b}"`, secret: b }
        ]
      },
      negatives: [`CF_API_KEY=${'0'.repeat(37)}`, 'X-Auth-Key: <global-api-key>']
    }
  },
  {
    id: 'cloudflare-origin-ca-key',
    title: 'Cloudflare Origin CA key',
    severity: 'high',
    kind: 'pattern',
    regex: `${START}(v1\\.0-[a-f0-9]{24}-[a-f0-9]{146})${END}`,
    keywords: ['v1.0-'],
    minEntropy: 2.5,
    examples: {
      positives: (g) => {
        const secret = `v1.0-${g.hex(24)}-${g.hex(146)}`
        return [{ line: `CF_ORIGIN_CA_KEY=${secret}`, secret }]
      },
      negatives: [`v1.0-${'0'.repeat(24)}-${'0'.repeat(146)}`, 'release v1.0-rc1 tagged']
    }
  }
]
