import type { Rule } from '../rule.ts'
import { END, START } from './patterns.ts'

// Personal API keys: lin_api_ + 40 base62. OAuth access tokens: lin_oauth_ + 64 hex.
export const rules: Rule[] = [
  {
    id: 'linear-api-key',
    title: 'Linear personal API key',
    severity: 'high',
    kind: 'pattern',
    regex: `${START}(lin_api_[A-Za-z0-9]{40})${END}`,
    keywords: ['lin_api_'],
    minEntropy: 3.5,
    examples: {
      positives: (g) => {
        const a = `lin_api_${g.base62(40)}`
        const b = `lin_api_${g.base62(40)}`
        return [
          { line: `LINEAR_API_KEY=${a}`, secret: a },
          { line: `curl https://api.linear.app/graphql -H "Authorization: ${b}" -d '{"query":"{ viewer { id } }"}'`, secret: b }
        ]
      },
      negatives: [`LINEAR_API_KEY=lin_api_${'x'.repeat(40)}`, 'LINEAR_API_KEY=lin_api_...']
    }
  },
  {
    id: 'linear-oauth-token',
    title: 'Linear OAuth access token',
    severity: 'high',
    kind: 'pattern',
    regex: `${START}(lin_oauth_[a-f0-9]{64})${END}`,
    keywords: ['lin_oauth_'],
    minEntropy: 2.5,
    examples: {
      positives: (g) => {
        const secret = `lin_oauth_${g.hex(64)}`
        return [{ line: `{"access_token":"${secret}","token_type":"Bearer","expires_in":315705599}`, secret }]
      },
      negatives: [`lin_oauth_${'0'.repeat(64)}`]
    }
  }
]
