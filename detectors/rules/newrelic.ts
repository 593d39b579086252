import type { Rule } from '../rule.ts'
import { END, END_DASH, START } from './patterns.ts'

// New Relic keys carry their type in a prefix or suffix: NRAK- user API keys,
// NRII- Insights insert keys, NRIQ- Insights query keys, NRJS- browser keys,
// and ingest license keys of 40 characters ending in NRAL.
const UPPER_DIGITS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'

export const rules: Rule[] = [
  {
    id: 'newrelic-user-api-key',
    title: 'New Relic user API key',
    severity: 'high',
    kind: 'pattern',
    regex: `${START}(NRAK-[A-Z0-9]{27})${END}`,
    keywords: ['nrak-'],
    minEntropy: 3.0,
    examples: {
      positives: (g) => {
        const a = `NRAK-${g.chars(UPPER_DIGITS, 27)}`
        const b = `NRAK-${g.chars(UPPER_DIGITS, 27)}`
        return [
          { line: `NEW_RELIC_API_KEY=${a}`, secret: a },
          { line: `curl https://api.newrelic.com/graphql -H "API-Key: ${b}" -d '{"query":"{ actor { user { name } } }"}'`, secret: b }
        ]
      },
      negatives: ['NEW_RELIC_API_KEY=NRAK-XXXXXXXXXXXXXXXXXXXXXXXXXXX', 'NRAK-your-key-here']
    }
  },
  {
    id: 'newrelic-insert-key',
    title: 'New Relic Insights insert key',
    severity: 'medium',
    kind: 'pattern',
    regex: `${START}(NRII-[A-Za-z0-9_-]{32})${END_DASH}`,
    keywords: ['nrii-'],
    minEntropy: 3.5,
    examples: {
      positives: (g) => {
        const secret = `NRII-${g.base62(32)}`
        return [{ line: `{"exporter":"newrelic","insertKey":"${secret}"}`, secret }]
      },
      negatives: [`NRII-${'x'.repeat(32)}`]
    }
  },
  {
    id: 'newrelic-query-key',
    title: 'New Relic Insights query key',
    severity: 'medium',
    kind: 'pattern',
    regex: `${START}(NRIQ-[A-Za-z0-9_-]{32})${END_DASH}`,
    keywords: ['nriq-'],
    minEntropy: 3.5,
    examples: {
      positives: (g) => {
        const secret = `NRIQ-${g.base62(32)}`
        return [{ line: `X-Query-Key: ${secret}`, secret }]
      },
      negatives: [`NRIQ-${'0'.repeat(32)}`]
    }
  },
  {
    // Browser keys ship in page source by design; in a log they still say
    // which account's ingest is exposed.
    id: 'newrelic-browser-key',
    title: 'New Relic browser application key',
    severity: 'low',
    kind: 'pattern',
    regex: `${START}(NRJS-[a-f0-9]{19})${END}`,
    keywords: ['nrjs-'],
    minEntropy: 2.5,
    examples: {
      positives: (g) => {
        const secret = `NRJS-${g.hex(19)}`
        return [{ line: `licenseKey: "${secret}"`, secret }]
      },
      negatives: [`NRJS-${'0'.repeat(19)}`, 'NRJS-<browser-key>']
    }
  },
  {
    id: 'newrelic-license-key',
    title: 'New Relic ingest license key',
    severity: 'medium',
    kind: 'pattern',
    regex: `${START}([a-z0-9]{36}NRAL)${END}`,
    keywords: ['nral'],
    minEntropy: 2.5,
    examples: {
      positives: (g) => {
        const a = `${g.hex(36)}NRAL`
        const b = `eu01xx${g.hex(30)}NRAL`
        return [
          { line: `NEW_RELIC_LICENSE_KEY=${a}`, secret: a },
          { line: `newrelic: {license_key: ${b}, app_name: checkout}`, secret: b }
        ]
      },
      negatives: [`NEW_RELIC_LICENSE_KEY=${'0'.repeat(36)}NRAL`, 'NEW_RELIC_LICENSE_KEY=<license>NRAL']
    }
  }
]
