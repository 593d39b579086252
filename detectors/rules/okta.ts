import { BASE64URL, format, tokenRule } from './define.ts'
import { END_DASH, named } from './patterns.ts'

// SSWS API tokens: "00" + 40 base64url characters. The prefix is too short to
// stand alone, so the token follows an Okta name or the SSWS scheme.
export const rules = [
  tokenRule({
    id: 'okta-api-token',
    title: 'Okta API token',
    severity: 'critical',
    token: format('00', BASE64URL(40)),
    // `okta` starts a word (okta_, OKTA_, myOktaToken): not a run of letters inside another (rookTable).
    regex: (t) => `(?:${named('(?:^|[^A-Za-z])okta|(?-i:Okta|OKTA)')}|(?i:\\bssws)\\s+)(${t})${END_DASH}`,
    keywords: ['okta', 'ssws'],
    minEntropy: 3.5,
    lines: [(s) => `OKTA_API_TOKEN=${s}`, (s) => `curl -H "Authorization: SSWS ${s}" https://acme.okta.com/api/v1/users?limit=25`],
    negatives: [
      'OKTA_API_TOKEN=00xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
      'rookTable = 0023452Lxkq2KqjLBvaxANWEgTd7bqjsxjo8aZj0wd',
      'okta_client_id: 0oa1b2c3d4e5f6g7h8i9',
      'Authorization: SSWS ${OKTA_TOKEN}'
    ]
  })
]
