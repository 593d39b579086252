import type { Rule } from '../rule.ts'
import { BASE64URL, format, HEX, tokenRule } from './define.ts'
import { assigned, END, keyOf, named } from './patterns.ts'

// API tokens (40 base64url characters) and the account-wide global API key
// (37 hex) have no prefix, so they are anchored on the Cloudflare name (or
// CF_ / CLOUDFLARE_ variables, and the X-Auth-Key header that only the
// global key is sent in). Origin CA keys have their own v1.0- prefix.
const CLOUDFLARE = keyOf('cloudflare|(?:^|[^A-Za-z0-9])cf[_-]')
// CLOUDFLARE reads `cf` only after the line's start or a byte outside [A-Za-z0-9]: `cf-` in a UUID or hex id
// (`…-4ecf-…`, ~2,200 regex runs per rule on a 16 MB JSON log and no match; issue #15) wakes neither rule.
const CF_START = (): NonNullable<Rule['keywordStart']> => ({ keywords: ['cf_', 'cf-'], notAfter: 'alnum' })

export const rules = [
  tokenRule({
    id: 'cloudflare-api-token',
    title: 'Cloudflare API token',
    severity: 'high',
    token: BASE64URL(40),
    regex: (t) => assigned(CLOUDFLARE, t),
    keywords: ['cloudflare', 'cf_', 'cf-'],
    keywordStart: CF_START(),
    minEntropy: 3.5,
    // Cloudflare Pages exports CF_PAGES_COMMIT_SHA: 40 hex is a git SHA, not a token.
    validate: (s) => !/^[a-f0-9]{40}$/.test(s),
    lines: [(s) => `CLOUDFLARE_API_TOKEN=${s}`, (s) => `dns_cloudflare_api_token = ${s}`],
    negatives: [
      'CLOUDFLARE_API_TOKEN=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
      'cf-ray: 8a1b2c3d4e5f6a7b-AMS',
      'CF_PAGES_COMMIT_SHA=0123456789abcdef0123456789abcdef01234567'
    ]
  }),
  tokenRule({
    id: 'cloudflare-global-api-key',
    title: 'Cloudflare global API key',
    severity: 'critical',
    token: HEX(37),
    regex: (t) => `(?:${named(CLOUDFLARE)}|(?i:x-auth-key)[\\s'"]{0,3}:[\\s'"]{0,3})(${t})${END}`,
    keywords: ['cloudflare', 'cf_', 'cf-', 'x-auth-key'],
    keywordStart: CF_START(),
    minEntropy: 2.5,
    lines: [(s) => `CF_API_KEY=${s}`, (s) => `curl https://api.cloudflare.com/client/v4/zones -H "X-Auth-Email: ops@acme.io" -H "X-Auth-Key: ${s}"`],
    negatives: [`CF_API_KEY=${'0'.repeat(37)}`, 'X-Auth-Key: <global-api-key>']
  }),
  tokenRule({
    id: 'cloudflare-origin-ca-key',
    title: 'Cloudflare Origin CA key',
    severity: 'high',
    token: format('v1.0-', HEX(24), '-', HEX(146)),
    minEntropy: 2.5,
    lines: [(s) => `CF_ORIGIN_CA_KEY=${s}`],
    negatives: [`v1.0-${'0'.repeat(24)}-${'0'.repeat(146)}`, 'release v1.0-rc1 tagged']
  })
]
