import { ALPHABETS } from '../gen.ts'
import type { Rule } from '../rule.ts'
import { END_DASH, named } from './patterns.ts'

// SSWS API tokens: "00" + 40 base64url characters. The prefix is too short to
// stand alone, so the token follows an Okta name or the SSWS scheme.
export const rules: Rule[] = [
  {
    id: 'okta-api-token',
    title: 'Okta API token',
    severity: 'critical',
    kind: 'pattern',
    regex: `(?:${named('okta')}|(?i:\\bssws)\\s+)(00[A-Za-z0-9_-]{40})${END_DASH}`,
    keywords: ['okta', 'ssws'],
    minEntropy: 3.5,
    examples: {
      positives: (g) => {
        const a = `00${g.chars(ALPHABETS.base64url, 40)}`
        const b = `00${g.chars(ALPHABETS.base64url, 40)}`
        return [
          { line: `OKTA_API_TOKEN=${a}`, secret: a },
          { line: `curl -H "Authorization: SSWS ${b}" https://acme.okta.com/api/v1/users?limit=25`, secret: b }
        ]
      },
      negatives: ['OKTA_API_TOKEN=00xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', 'okta_client_id: 0oa1b2c3d4e5f6g7h8i9', 'Authorization: SSWS ${OKTA_TOKEN}']
    }
  }
]
