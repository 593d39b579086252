import { ALPHABETS } from '../gen.ts'
import type { Rule } from '../rule.ts'
import { QUOTE } from './patterns.ts'

const b64u = ALPHABETS.base64url

export const rules: Rule[] = [
  {
    id: 'gcp-api-key',
    title: 'Google Cloud API key',
    severity: 'high',
    kind: 'pattern',
    // AIza + 35 base64url characters (the decoded key is 29 bytes).
    regex: '(?:^|[^A-Za-z0-9_-])(AIza[0-9A-Za-z_-]{35})(?:[^A-Za-z0-9_-]|$)',
    keywords: ['aiza'],
    minEntropy: 3.5,
    examples: {
      positives: (g) => {
        const a = `AIza${g.chars(b64u, 35)}`
        const b = `AIza${g.chars(b64u, 35)}`
        return [
          { line: `GET https://maps.googleapis.com/maps/api/geocode/json?address=Berlin&key=${a} 200 112ms`, secret: a },
          { line: `{"firebase":{"apiKey":"${b}","projectId":"acme-prod"}}`, secret: b }
        ]
      },
      negatives: [`GOOGLE_API_KEY=AIza${'x'.repeat(35)}`, 'GOOGLE_API_KEY=AIzaSy-your-api-key-here', 'keys start with AIza']
    }
  },
  {
    id: 'gcp-oauth-client-secret',
    title: 'Google OAuth client secret',
    severity: 'high',
    kind: 'pattern',
    regex: '(?:^|[^A-Za-z0-9_-])(GOCSPX-[0-9A-Za-z_-]{28})(?:[^A-Za-z0-9_-]|$)',
    keywords: ['gocspx-'],
    minEntropy: 3.5,
    examples: {
      positives: (g) => {
        const a = `GOCSPX-${g.chars(b64u, 28)}`
        const b = `GOCSPX-${g.chars(b64u, 28)}`
        return [
          { line: `{"web":{"client_id":"1234567890-abc.apps.googleusercontent.com","client_secret":"${a}"}}`, secret: a },
          { line: `GOOGLE_CLIENT_SECRET=${b}`, secret: b }
        ]
      },
      negatives: [`GOOGLE_CLIENT_SECRET=GOCSPX-${'x'.repeat(28)}`, 'GOOGLE_CLIENT_SECRET=GOCSPX-<client-secret>']
    }
  },
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
      positives: (g) => {
        const a = g.hex(40)
        const b = g.hex(40)
        return [
          {
            line: `{"type": "service_account", "project_id": "acme-prod", "private_key_id": "${a}", "client_email": "ci@acme-prod.iam.gserviceaccount.com"}`,
            secret: a
          },
          { line: `  "private_key_id": "${b}",`, secret: b }
        ]
      },
      negatives: ['"private_key_id": "0000000000000000000000000000000000000000"', '"private_key_id": "<key-id>"', 'private_key_id is required']
    }
  },
  {
    id: 'gcp-oauth-refresh-token',
    title: 'Google OAuth refresh token',
    severity: 'high',
    kind: 'pattern',
    // Refresh tokens issued by accounts.google.com start with "1//0" and run to ~100 base64url characters.
    regex: '(?:^|[^A-Za-z0-9_/-])(1//0[0-9A-Za-z_-]{60,})(?:[^A-Za-z0-9_-]|$)',
    keywords: ['1//0'],
    minEntropy: 4.0,
    examples: {
      positives: (g) => {
        const a = `1//0${g.chars(b64u, 99)}`
        const b = `1//0${g.chars(b64u, 99)}`
        return [
          { line: `{"client_id":"32555940559.apps.googleusercontent.com","refresh_token":"${a}","type":"authorized_user"}`, secret: a },
          { line: `GOOGLE_REFRESH_TOKEN=${b}`, secret: b }
        ]
      },
      negatives: [`refresh_token=1//0${'x'.repeat(99)}`, 'https://example.com//0/1//0/path', 'refresh_token: 1//0<token>']
    }
  },
  {
    id: 'gcp-oauth-access-token',
    title: 'Google OAuth access token',
    // Short-lived (one hour) but carries every scope it was granted.
    severity: 'high',
    kind: 'pattern',
    regex: '(?:^|[^A-Za-z0-9_.-])(ya29\\.[0-9A-Za-z_-]{50,})(?:[^A-Za-z0-9_.-]|$)',
    keywords: ['ya29.'],
    minEntropy: 4.0,
    examples: {
      positives: (g) => {
        const a = `ya29.${g.chars(b64u, 180)}`
        const b = `ya29.a0${g.chars(b64u, 220)}`
        return [
          { line: `Authorization: Bearer ${a}`, secret: a },
          { line: `{"access_token":"${b}","expires_in":3599,"token_type":"Bearer"}`, secret: b }
        ]
      },
      negatives: [`Authorization: Bearer ya29.${'x'.repeat(120)}`, 'access tokens start with ya29.']
    }
  }
]
