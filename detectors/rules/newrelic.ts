import { ALPHABETS } from '../gen.ts'
import { BASE64URL, charset, format, HEX, tokenRule, UPPER_DIGITS } from './define.ts'
import { END } from './patterns.ts'

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
  }),
  tokenRule({
    // Before the NRAL suffix, license keys were 40 hex: what newrelic.yml's `license_key:` and the agents'
    // NEW_RELIC_LICENSE_KEY / NRIA_LICENSE_KEY still hold (Nosey Parker's np.newrelic.2, Apache-2.0). A SHA-1's
    // shape, so only under a license key's name.
    id: 'newrelic-license-key-hex',
    title: 'New Relic ingest license key (40 hex)',
    severity: 'medium',
    token: HEX(40),
    regex: (t) => `(?i:(?:^|[^a-z0-9])(?:new[_.-]?relic[_.-]?|nria[_.-]?)?license[_.-]?key)["']?[ \\t]*[:=][ \\t]*["']?(${t})${END}`,
    keywords: ['license_key', 'license-key', 'license.key', 'licensekey'],
    // 40 random hex are under 3.0 1.6 times in a million (rules-stability, LEAKWATCH_TEST_SEED=2221711010:
    // 3ecc6b…8871, 2.98); none of ten million under 2.8 (generic-hex-credential-assignment).
    minEntropy: 2.5,
    lines: [(s) => `license_key: ${s}`, (s) => `NEW_RELIC_LICENSE_KEY=${s}`, (s) => `docker run -d -e NRIA_LICENSE_KEY=${s} newrelic/infrastructure:latest`],
    negatives: [
      `license_key: ${'0'.repeat(40)}`,
      'license_key: \'<%= ENV["NEW_RELIC_LICENSE_KEY"] %>\'',
      'license_key_sha1=da39a3ee5e6b4b0d3255bfef95601890afd80709'
    ]
  })
]
