import { ALPHABETS } from '../gen.ts'
import type { Rule } from '../rule.ts'
import { BASE64URL_DIGITS_FIRST, format, secretsIn, tokenRule } from './define.ts'
import { QUOTE, START_DASH } from './patterns.ts'

const B64U = BASE64URL_DIGITS_FIRST

// The example API keys that firebase-android-sdk publishes in its test fixtures and samples (the
// list is gitleaks' gcp-api-key allowlist, MIT): public by publication, so a log line holding one
// leaks nothing of the operator's. Kept as the first 16 hex digits of each key's SHA-256, never the
// key itself (no realistic token literal is committed).
const PUBLISHED_EXAMPLE_KEYS = new Set([
  'f56e323494a6ffc2',
  '2037abcaffb2b777',
  '3f370c9dd8225c63',
  'e4a5542bb7fd7b67',
  'a19f89ab3555eac1',
  '0b476bdf9acf2123',
  'eb540d2b6ee2a0a4',
  '37f8f09bdf12c2f2',
  '8731261cb72d8626',
  '49f777db995e8260',
  '27a9a42931dff7eb',
  'dc0fcf046c61640c',
  '4c98242dcadc8b29',
  'ea9bb1082cf95663',
  '3a8b61d0f636b007',
  'a6c814bc555ae62c'
])

/** Not one of the published example keys. */
export function unpublishedGcpKey(key: string): boolean {
  // node:crypto on first use, not imported: a scan that meets no such key should not load it (issue #15).
  return !PUBLISHED_EXAMPLE_KEYS.has(process.getBuiltinModule('node:crypto').createHash('sha256').update(key, 'utf8').digest('hex').slice(0, 16))
}

export const rules: Rule[] = [
  tokenRule({
    id: 'gcp-api-key',
    title: 'Google Cloud API key',
    severity: 'high',
    // AIza + 35 base64url characters (the decoded key is 29 bytes).
    token: format('AIza', B64U(35)),
    before: START_DASH,
    minEntropy: 3.5,
    validate: unpublishedGcpKey,
    lines: [
      (s) => `GET https://maps.googleapis.com/maps/api/geocode/json?address=Berlin&key=${s} 200 112ms`,
      (s) => `{"firebase":{"apiKey":"${s}","projectId":"acme-prod"}}`
    ],
    negatives: [`GOOGLE_API_KEY=AIza${'x'.repeat(35)}`, 'GOOGLE_API_KEY=AIzaSy-your-api-key-here', 'keys start with AIza']
  }),
  tokenRule({
    id: 'gcp-oauth-client-secret',
    title: 'Google OAuth client secret',
    severity: 'high',
    token: format('GOCSPX-', B64U(28)),
    before: START_DASH,
    minEntropy: 3.5,
    lines: [(s) => `{"web":{"client_id":"1234567890-abc.apps.googleusercontent.com","client_secret":"${s}"}}`, (s) => `GOOGLE_CLIENT_SECRET=${s}`],
    negatives: [`GOOGLE_CLIENT_SECRET=GOCSPX-${'x'.repeat(28)}`, 'GOOGLE_CLIENT_SECRET=GOCSPX-<client-secret>']
  }),
  {
    id: 'gcp-service-account-key-id',
    title: 'Google Cloud service account key file',
    // The key id alone grants nothing, but it only travels inside a key file
    // whose private_key sits a few fields away; it is also what revocation needs.
    severity: 'high',
    kind: 'pattern',
    regex: `(?:^|[^A-Za-z0-9_])private_key_id${QUOTE}\\s*[:=]\\s*${QUOTE}([0-9a-f]{40})(?:[^0-9a-f]|$)`,
    keywords: ['private_key_id'],
    // A random 40-hex key id is under 3.0 one time in 500,000; only placeholders are under 2.7.
    minEntropy: 2.7,
    examples: {
      positives: secretsIn(
        (g) => g.hex(40),
        [
          (s) => `{"type": "service_account", "project_id": "acme-prod", "private_key_id": "${s}", "client_email": "ci@acme-prod.iam.gserviceaccount.com"}`,
          (s) => `  "private_key_id": "${s}",`
        ]
      ),
      negatives: ['"private_key_id": "0000000000000000000000000000000000000000"', '"private_key_id": "<key-id>"', 'private_key_id is required']
    }
  },
  tokenRule({
    id: 'gcp-oauth-refresh-token',
    title: 'Google OAuth refresh token',
    severity: 'high',
    // Refresh tokens issued by accounts.google.com start with "1//0" and run to ~100 base64url characters.
    token: format('1//0', B64U.atLeast(60, 99)),
    before: '(?:^|[^A-Za-z0-9_/-])',
    minEntropy: 4.0,
    lines: [
      (s) => `{"client_id":"32555940559.apps.googleusercontent.com","refresh_token":"${s}","type":"authorized_user"}`,
      (s) => `GOOGLE_REFRESH_TOKEN=${s}`
    ],
    negatives: [`refresh_token=1//0${'x'.repeat(99)}`, 'https://example.com//0/1//0/path', 'refresh_token: 1//0<token>']
  }),
  tokenRule({
    id: 'gcp-oauth-access-token',
    title: 'Google OAuth access token',
    // Short-lived (one hour) but carries every scope it was granted.
    severity: 'high',
    token: format('ya29.', B64U.atLeast(50, 180)),
    before: '(?:^|[^A-Za-z0-9_.-])',
    after: '(?:[^A-Za-z0-9_.-]|$)',
    minEntropy: 4.0,
    positives: (g) => {
      const a = `ya29.${g.chars(ALPHABETS.base64url, 180)}`
      const b = `ya29.a0${g.chars(ALPHABETS.base64url, 220)}`
      return [
        { line: `Authorization: Bearer ${a}`, secret: a },
        { line: `{"access_token":"${b}","expires_in":3599,"token_type":"Bearer"}`, secret: b }
      ]
    },
    negatives: [`Authorization: Bearer ya29.${'x'.repeat(120)}`, 'access tokens start with ya29.']
  })
]
