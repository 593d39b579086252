import type { Gen } from '../gen.ts'
import { ALPHABETS } from '../gen.ts'
import { BASE62, DIGITS, format, HEX, re, tokenRule } from './define.ts'
import { END, END_DASH, keyOf, named } from './patterns.ts'

// Facebook (Meta) Graph API tokens. Page and user access tokens start EAA and a letter of the app's
// kind (EAAM and EAAC in gitleaks' facebook-page-access-token, MIT), then 100 or more letters and
// digits; an app access token is the app id (15 or 16 digits), '|' (URL-encoded %7C in a query
// string) and the app secret's 27 to 40 characters (gitleaks' facebook-access-token). The app secret
// alone is 32 hex (gitleaks' facebook-secret, Nosey Parker's np.facebook.1, Kingfisher's
// kingfisher.facebook.2): a hash's shape, so only after a Facebook name with a credential word. The
// regexes are ours.

// Not after a base64 character either: `/EAAM…` inside a certificate or a blob is not a token.
const NOT_B64 = '(?:^|[^A-Za-z0-9_+/])'
const APP_SECRET = re('[A-Za-z0-9_-]{27,40}', (g: Gen) => g.chars(ALPHABETS.base64url, 27))

export const rules = [
  {
    ...tokenRule({
      id: 'facebook-access-token',
      title: 'Facebook (Meta) page or user access token (EAAM, EAAC)',
      severity: 'critical',
      token: format(
        re('EAA[MC]', (g: Gen) => (g.digits(1) < '5' ? 'EAAM' : 'EAAC')),
        BASE62.atLeast(100, 180)
      ),
      keywords: ['eaam', 'eaac'],
      before: NOT_B64,
      minEntropy: 4.0,
      validate: (s) => s.length <= 512,
      lines: [
        (s) => `FACEBOOK_PAGE_TOKEN=${s}`,
        (s) => `GET https://graph.facebook.com/v19.0/me/accounts?access_token=${s} 200`,
        (s) => `{"name":"FACEBOOK_TOKEN","value":"${s}"}`
      ],
      negatives: [`FACEBOOK_PAGE_TOKEN=EAAM${'x'.repeat(120)}`, 'FACEBOOK_PAGE_TOKEN=EAAM…', `cert: MIIB/EAAM${'Ab1'.repeat(40)}+xyz`]
    }),
    // Both kinds spell `EAA` in upper case, which the keyword automaton meets in any case (`eaac` in hex ids):
    // checked before the regex runs (220 regex runs and 6 matches over the 16 MB shapes; issue #15).
    requires: ['EAA']
  },
  tokenRule({
    id: 'facebook-app-access-token',
    title: 'Facebook (Meta) app access token (app id|app secret)',
    severity: 'critical',
    token: format(
      DIGITS.between(15, 16, 16),
      re('(?:\\||%7[Cc])', () => '|'),
      APP_SECRET
    ),
    // The token has no literal prefix: the Graph API's parameter, or the provider's name, on the line.
    keywords: ['access_token', 'facebook', 'graph.facebook'],
    before: '(?:^|[^A-Za-z0-9_.-])',
    after: END_DASH,
    minEntropy: 3.5,
    lines: [
      (s) => `GET https://graph.facebook.com/debug_token?input_token=abc&access_token=${s} 200`,
      (s) => `{"facebook access_token":"${s}","token_type":"bearer"}`,
      (s) => `facebook ${s}`
    ],
    negatives: ['facebook 1308742762612587|<app-secret>', `access_token=123456789012345|${'x'.repeat(27)}`, 'access_token rotated | 1234567890123456 | ok']
  }),
  tokenRule({
    id: 'facebook-app-secret',
    title: 'Facebook (Meta) app secret',
    severity: 'critical',
    token: HEX(32),
    regex: (t) => `${named(keyOf('facebook'))}(${t})${END}`,
    keywords: ['facebook'],
    // Random 32-hex values score under 3.0 one time in 10,000, under 2.7 not once in 2 million seeded draws.
    minEntropy: 2.7,
    // named() lets the name run on after the credential word: a name that ends in a digest's word names a hash
    // of the secret or of something else (a pixel's hashed user data), not the secret.
    allow: { matches: ['(?i)(?:hash|hashed|digest|checksum|fingerprint|md5|sha[0-9]*)[\\s\'"\\\\\\]]{0,4}[=:,|?]'] },
    lines: [(s) => `FACEBOOK_APP_SECRET=${s}`, (s) => `   # config.facebook.key = "${s}"`, (s) => `{"facebook_client_secret":"${s}"}`],
    negatives: [
      `FACEBOOK_APP_SECRET=${'0'.repeat(32)}`,
      // Not a credential's name: an event id and a pixel's hash are the same shape.
      'facebook_event_id=0123456789abcdef0123456789abcdef',
      'FACEBOOK_APP_SECRET=${FB_SECRET}',
      'facebook_pixel_secret_hash: 0f1e2d3c4b5a69788796a5b4c3d2e1f0',
      '{"name":"FACEBOOK_APP_SECRET_SHA256","value":"0f1e2d3c4b5a69788796a5b4c3d2e1f0"}'
    ]
  })
]
