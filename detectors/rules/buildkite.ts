import { format, HEX, tokenRule } from './define.ts'

export const rules = [
  tokenRule({
    id: 'buildkite-api-token',
    title: 'Buildkite user API access token',
    severity: 'high',
    token: format('bkua_', HEX(40)),
    // Only placeholders are far under random hex; 3.3 rejected one real token in a million.
    minEntropy: 3.0,
    lines: [(s) => `curl -H "Authorization: Bearer ${s}" https://api.buildkite.com/v2/access-token`, (s) => `BUILDKITE_API_TOKEN=${s}`],
    negatives: [`BUILDKITE_API_TOKEN=bkua_${'0'.repeat(40)}`, 'BUILDKITE_API_TOKEN=bkua_<token>']
  })
]
