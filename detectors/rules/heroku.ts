import type { Rule } from '../rule.ts'
import { assigned, END_DASH, keyOf, START } from './patterns.ts'

// Current API keys: HRKU-AA + 58 base64url characters. Older keys are bare
// UUIDs, which only mean "Heroku key" next to the Heroku name.
export const rules: Rule[] = [
  {
    id: 'heroku-api-key',
    title: 'Heroku API key',
    severity: 'critical',
    kind: 'pattern',
    regex: `${START}(HRKU-AA[A-Za-z0-9_-]{58})${END_DASH}`,
    keywords: ['hrku-'],
    minEntropy: 3.5,
    examples: {
      positives: (g) => {
        const a = `HRKU-AA${g.base62(58)}`
        const b = `HRKU-AA${g.base62(58)}`
        return [
          { line: `HEROKU_API_KEY=${a}`, secret: a },
          { line: `git push https://heroku:${b}@git.heroku.com/acme-api.git main`, secret: b }
        ]
      },
      negatives: [`HEROKU_API_KEY=HRKU-AA${'x'.repeat(58)}`, 'HEROKU_API_KEY=HRKU-...']
    }
  },
  {
    id: 'heroku-legacy-api-key',
    title: 'Heroku API key (legacy UUID)',
    severity: 'critical',
    kind: 'pattern',
    regex: assigned(keyOf('heroku'), '[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}'),
    keywords: ['heroku'],
    minEntropy: 2.5,
    examples: {
      positives: (g) => {
        const uuid = (): string => `${g.hex(8)}-${g.hex(4)}-4${g.hex(3)}-a${g.hex(3)}-${g.hex(12)}`
        const a = uuid()
        const b = uuid()
        return [
          { line: `HEROKU_API_KEY=${a}`, secret: a },
          { line: `{"heroku_api_key":"${b}","app":"acme-api"}`, secret: b }
        ]
      },
      negatives: [
        'HEROKU_API_KEY=00000000-0000-0000-0000-000000000000',
        // Dyno metadata: ids, not keys.
        'HEROKU_APP_ID=0123abcd-4567-89ef-0123-456789abcdef',
        // A UUID with no Heroku name next to it is a request id, not a key.
        'request_id=0123abcd-4567-89ef-0123-456789abcdef'
      ]
    }
  }
]
