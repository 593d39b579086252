import type { Rule } from '../rule.ts'
import { END, END_DASH, keyOf, named } from './patterns.ts'

// REST API keys are 20 characters (account keys; user keys start "u+"),
// Events API v2 integration (routing) keys are 32. Neither has a prefix
// worth matching alone, so both are anchored on the PagerDuty name or, for
// REST keys, the `Token token=` authorization scheme PagerDuty uses. A bare
// routing_key is not enough: AMQP brokers log that name all day.
export const rules: Rule[] = [
  {
    id: 'pagerduty-api-key',
    title: 'PagerDuty REST API key',
    severity: 'high',
    kind: 'pattern',
    regex: `(?:${named(keyOf('pagerduty|\\bpd[_.-]'))}|(?i:token\\s+token=))(u\\+[A-Za-z0-9_-]{18}|[A-Za-z0-9_+-]{20})${END_DASH}`,
    keywords: ['pagerduty', 'pd_', 'pd-', 'pd.', 'token token='],
    minEntropy: 2.8,
    examples: {
      positives: (g) => {
        const a = `${g.base62(8)}-${g.base62(11)}`
        const b = `u+${g.base62(18)}`
        return [
          { line: `PAGERDUTY_API_KEY=${a}`, secret: a },
          { line: `curl -H "Authorization: Token token=${b}" https://api.pagerduty.com/incidents`, secret: b }
        ]
      },
      negatives: ['PAGERDUTY_API_KEY=xxxxxxxxxxxxxxxxxxxx', 'pagerduty_service: P0ABCDE', 'Authorization: Token token=<api-key>']
    }
  },
  {
    id: 'pagerduty-integration-key',
    title: 'PagerDuty Events API integration key',
    severity: 'medium',
    kind: 'pattern',
    regex: `${named('(?:pagerduty|\\bpd[_.-])[\\w.-]{0,20}?(?:integration|routing|service[_.-]?key|events?[_.-]?key)')}([a-z0-9]{32})${END}`,
    keywords: ['pagerduty', 'pd_', 'pd-', 'pd.'],
    minEntropy: 2.5,
    // A key is 32 hex: all digits one time in 3.4 million, which asking for a letter refused (rules-stability,
    // LEAKWATCH_TEST_SEED=1984448658), and no digit one time in 10^13. A digit is asked for: 32 letters is a phrase.
    validate: (s) => /[0-9]/.test(s),
    examples: {
      positives: (g) => {
        const a = g.hex(32)
        const b = g.hex(32)
        return [
          { line: `PAGERDUTY_INTEGRATION_KEY=${a}`, secret: a },
          { line: `alertmanager --pagerduty.routing-key=${b} --log.level=info`, secret: b }
        ]
      },
      negatives: [
        `PAGERDUTY_ROUTING_KEY=${'0'.repeat(32)}`,
        `{"routing_key":"${'0123456789abcdef'.repeat(2)}"}`,
        'commit 0123456789abcdef0123456789abcdef',
        `pagerduty_dedup_key=${'0123456789abcdef'.repeat(2)}`
      ]
    }
  }
]
