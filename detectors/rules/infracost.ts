import { BASE62, format, tokenRule } from './define.ts'

export const rules = [
  tokenRule({
    id: 'infracost-api-token',
    title: 'Infracost API token',
    severity: 'medium',
    token: format('ico-', BASE62(32)),
    minEntropy: 3.5,
    // Not a file name's fingerprint (`favicon.ico-7a38…b0c.png`): after a dot, or hex only.
    before: '(?:^|[^A-Za-z0-9_.-])',
    validate: (t) => !/^ico-[a-f0-9]{32}$/.test(t),
    lines: [(s) => `INFRACOST_API_KEY=${s}`, (s) => `  infracost_api_key: "${s}"`],
    negatives: ['ico-...', `pico-${'a'.repeat(32)}`, `GET /static/favicon.ico-${'7a388b69'.repeat(4)}.png`]
  })
]
