import { BASE64URL, format, tokenRule } from './define.ts'

export const rules = [
  tokenRule({
    id: 'square-oauth-secret',
    title: 'Square OAuth application secret',
    severity: 'critical',
    token: format('sq0csp-', BASE64URL(43)),
    minEntropy: 3.5,
    lines: [(s) => `SQUARE_APPLICATION_SECRET=${s}`, (s) => `{"client_secret":"${s}"}`],
    negatives: ['sq0csp-...', `sq0csp-${'x'.repeat(43)}`]
  }),
  tokenRule({
    id: 'square-access-token',
    title: 'Square access token (legacy)',
    severity: 'critical',
    token: format('sq0atp-', BASE64URL(22)),
    minEntropy: 3.5,
    lines: [(s) => `SQUARE_ACCESS_TOKEN=${s}`, (s) => `Authorization: Bearer ${s}`],
    negatives: ['sq0atp-...', `sq0atp-${'x'.repeat(22)}`]
  })
]
