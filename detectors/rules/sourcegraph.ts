import { format, HEX, HEX_ANY_CASE, re, tokenRule } from './define.ts'

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
  }),
  tokenRule({
    id: 'sourcegraph-cody-key',
    title: 'Sourcegraph Cody API key',
    severity: 'high',
    // slk_ then 64 hex (Kingfisher's kingfisher.sourcegraph.3, Apache-2.0); the regex is ours.
    token: format('slk_', HEX(64)),
    minEntropy: 3.0,
    lines: [(s) => `CODY_API_KEY=${s}`, (s) => `{"level":"debug","msg":"cody client","accessToken":"${s}"}`],
    negatives: ['slk_...', `slk_${'0'.repeat(64)}`, `slk_${'a1'.repeat(20)}`]
  })
]
