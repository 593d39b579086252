import { ALPHABETS } from '../gen.ts'
import { BASE64URL, charset, format, HEX, tokenRule, UPPER_DIGITS } from './define.ts'

// New Relic keys carry their type in a prefix or suffix: NRAK- user API keys,
// NRII- Insights insert keys, NRIQ- Insights query keys, NRJS- browser keys,
// and ingest license keys of 40 characters ending in NRAL.
export const rules = [
  tokenRule({
    id: 'newrelic-user-api-key',
    title: 'New Relic user API key',
    severity: 'high',
    token: format('NRAK-', UPPER_DIGITS(27)),
    minEntropy: 3.0,
    lines: [(s) => `NEW_RELIC_API_KEY=${s}`, (s) => `curl https://api.newrelic.com/graphql -H "API-Key: ${s}" -d '{"query":"{ actor { user { name } } }"}'`],
    negatives: ['NEW_RELIC_API_KEY=NRAK-XXXXXXXXXXXXXXXXXXXXXXXXXXX', 'NRAK-your-key-here']
  }),
  tokenRule({
    id: 'newrelic-insert-key',
    title: 'New Relic Insights insert key',
    severity: 'medium',
    token: format('NRII-', BASE64URL(32)),
    minEntropy: 3.5,
    lines: [(s) => `{"exporter":"newrelic","insertKey":"${s}"}`],
    negatives: [`NRII-${'x'.repeat(32)}`]
  }),
  tokenRule({
    id: 'newrelic-query-key',
    title: 'New Relic Insights query key',
    severity: 'medium',
    token: format('NRIQ-', BASE64URL(32)),
    minEntropy: 3.5,
    lines: [(s) => `X-Query-Key: ${s}`],
    negatives: [`NRIQ-${'0'.repeat(32)}`]
  }),
  tokenRule({
    // Browser keys ship in page source by design; in a log they still say
    // which account's ingest is exposed.
    id: 'newrelic-browser-key',
    title: 'New Relic browser application key',
    severity: 'low',
    token: format('NRJS-', HEX(19)),
    minEntropy: 2.5,
    lines: [(s) => `licenseKey: "${s}"`],
    negatives: [`NRJS-${'0'.repeat(19)}`, 'NRJS-<browser-key>']
  }),
  tokenRule({
    id: 'newrelic-license-key',
    title: 'New Relic ingest license key',
    severity: 'medium',
    token: format(charset('a-z0-9', ALPHABETS.hex)(36), 'NRAL'),
    keywords: ['nral'],
    minEntropy: 2.5,
    positives: (g) => {
      const a = `${g.hex(36)}NRAL`
      const b = `eu01xx${g.hex(30)}NRAL`
      return [
        { line: `NEW_RELIC_LICENSE_KEY=${a}`, secret: a },
        { line: `newrelic: {license_key: ${b}, app_name: checkout}`, secret: b }
      ]
    },
    negatives: [`NEW_RELIC_LICENSE_KEY=${'0'.repeat(36)}NRAL`, 'NEW_RELIC_LICENSE_KEY=<license>NRAL']
  })
]
