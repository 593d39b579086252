import { BASE62, format, HEX, tokenRule } from './define.ts'

export const rules = [
  tokenRule({
    id: 'linear-api-key',
    title: 'Linear personal API key',
    severity: 'high',
    token: format('lin_api_', BASE62(40)),
    minEntropy: 3.5,
    lines: [(s) => `LINEAR_API_KEY=${s}`, (s) => `curl https://api.linear.app/graphql -H "Authorization: ${s}" -d '{"query":"{ viewer { id } }"}'`],
    negatives: [`LINEAR_API_KEY=lin_api_${'x'.repeat(40)}`, 'LINEAR_API_KEY=lin_api_...']
  }),
  tokenRule({
    id: 'linear-oauth-token',
    title: 'Linear OAuth access token',
    severity: 'high',
    token: format('lin_oauth_', HEX(64)),
    minEntropy: 2.5,
    lines: [(s) => `{"access_token":"${s}","token_type":"Bearer","expires_in":315705599}`],
    negatives: [`lin_oauth_${'0'.repeat(64)}`]
  })
]
