import { format, HEX_ANY_CASE, re, tokenRule } from './define.ts'

export const rules = [
  tokenRule({
    id: 'sourcegraph-access-token',
    title: 'Sourcegraph access token',
    severity: 'high',
    // sgp_, an optional 16-hex instance id or `local` and `_`, then 40 hex.
    token: format(
      'sgp_',
      re('(?:[a-fA-F0-9]{16}_|local_)?', (g) => `${g.hex(16)}_`),
      HEX_ANY_CASE(40)
    ),
    minEntropy: 3.0,
    lines: [(s) => `SRC_ACCESS_TOKEN=${s}`, (s) => `curl -H "Authorization: token ${s}" https://sourcegraph.example.com/.api/graphql`],
    negatives: ['sgp_...', `sgp_${'0'.repeat(40)}`]
  })
]
