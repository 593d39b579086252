// New Relic admin API keys: `NRAA-` and 27 hex digits, the REST v2 admin key
// that manages alert policies, synthetic monitors and users. A sibling of
// newrelic.ts's prefixed keys, in its own file (written apart from that file's
// rules). Format from Nosey Parker's np.newrelic.4 (Apache-2.0).

import { format, HEX, tokenRule } from './define.ts'

export const rules = [
  tokenRule({
    id: 'newrelic-admin-api-key',
    title: 'New Relic admin API key',
    severity: 'high',
    token: format('NRAA-', HEX(27)),
    minEntropy: 3.0,
    lines: [(s) => `NEW_RELIC_ADMIN_KEY=${s}`, (s) => `curl -X GET https://api.newrelic.com/v2/users.json -H "X-Api-Key:${s}"`],
    negatives: [`NRAA-${'0'.repeat(27)}`, 'NRAA-<admin key>']
  })
]
