import { BASE64URL, format, tokenRule, UUID } from './define.ts'
import { assigned, keyOf } from './patterns.ts'

// Current API keys: HRKU-AA + 58 base64url characters. Older keys are bare
// UUIDs, which only mean "Heroku key" next to the Heroku name.
export const rules = [
  tokenRule({
    id: 'heroku-api-key',
    title: 'Heroku API key',
    severity: 'critical',
    token: format('HRKU-AA', BASE64URL(58)),
    keywords: ['hrku-'],
    minEntropy: 3.5,
    lines: [(s) => `HEROKU_API_KEY=${s}`, (s) => `git push https://heroku:${s}@git.heroku.com/acme-api.git main`],
    negatives: [`HEROKU_API_KEY=HRKU-AA${'x'.repeat(58)}`, 'HEROKU_API_KEY=HRKU-...']
  }),
  tokenRule({
    id: 'heroku-legacy-api-key',
    title: 'Heroku API key (legacy UUID)',
    severity: 'critical',
    token: UUID,
    regex: (t) => assigned(keyOf('heroku'), t),
    keywords: ['heroku'],
    minEntropy: 2.5,
    lines: [(s) => `HEROKU_API_KEY=${s}`, (s) => `{"heroku_api_key":"${s}","app":"acme-api"}`],
    negatives: [
      'HEROKU_API_KEY=00000000-0000-0000-0000-000000000000',
      // Dyno metadata: ids, not keys.
      'HEROKU_APP_ID=0123abcd-4567-89ef-0123-456789abcdef',
      // A UUID with no Heroku name next to it is a request id, not a key.
      'request_id=0123abcd-4567-89ef-0123-456789abcdef'
    ]
  })
]
