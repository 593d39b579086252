import { BASE64URL, format, tokenRule } from './define.ts'

// SG.<22-character key id>.<43-character secret>, both base64url.
export const rules = [
  tokenRule({
    id: 'sendgrid-api-key',
    title: 'SendGrid API key',
    severity: 'high',
    token: format('SG.', BASE64URL(22), '.', BASE64URL(43)),
    minEntropy: 4.0,
    lines: [(s) => `SENDGRID_API_KEY=${s}`, (s) => `{"mail":{"provider":"sendgrid","apiKey":"${s}"}}`],
    negatives: [`SENDGRID_API_KEY=SG.${'x'.repeat(22)}.${'x'.repeat(43)}`, 'SENDGRID_API_KEY=SG.your-api-key', 'SG.1234 is a build tag']
  })
]
