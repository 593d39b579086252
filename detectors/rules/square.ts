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
    // 22 characters as issued; gitleaks' square-access-token admits up to 60, and the prefix is distinctive.
    token: format('sq0atp-', BASE64URL.atLeast(22, 22)),
    minEntropy: 3.5,
    validate: (s) => s.length <= 'sq0atp-'.length + 60,
    lines: [(s) => `SQUARE_ACCESS_TOKEN=${s}`, (s) => `Authorization: Bearer ${s}`],
    negatives: ['sq0atp-...', `sq0atp-${'x'.repeat(22)}`]
  })
]
