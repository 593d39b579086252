import { BASE64URL, format, tokenRule } from './define.ts'

// sk-ant-api03- (API keys) and sk-ant-admin01- (Admin API keys), then 93
// base64url characters and a closing "AA".
export const rules = [
  tokenRule({
    id: 'anthropic-api-key',
    title: 'Anthropic API key',
    severity: 'high',
    token: format('sk-ant-api03-', BASE64URL(93), 'AA'),
    minEntropy: 4.0,
    lines: [(s) => `ANTHROPIC_API_KEY=${s}`, (s) => `curl https://api.anthropic.com/v1/messages -H "x-api-key: ${s}" -H "anthropic-version: 2023-06-01"`],
    negatives: ['ANTHROPIC_API_KEY=sk-ant-api03-...', `sk-ant-api03-${'x'.repeat(93)}AA`, 'ANTHROPIC_API_KEY=sk-ant-<your-key>']
  }),
  tokenRule({
    id: 'anthropic-admin-key',
    title: 'Anthropic Admin API key',
    severity: 'critical',
    token: format('sk-ant-admin01-', BASE64URL(93), 'AA'),
    minEntropy: 4.0,
    lines: [(s) => `{"anthropic":{"admin_key":"${s}"}}`],
    negatives: [`sk-ant-admin01-${'A'.repeat(95)}`]
  })
]
