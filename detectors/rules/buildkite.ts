import type { Rule } from '../rule.ts'

export const rules: Rule[] = [
  {
    id: 'buildkite-api-token',
    title: 'Buildkite user API access token',
    severity: 'high',
    kind: 'pattern',
    regex: '(?:^|[^A-Za-z0-9_])(bkua_[a-f0-9]{40})(?:[^A-Za-z0-9_]|$)',
    keywords: ['bkua_'],
    // Only placeholders are far under random hex; 3.3 rejected one real token in a million.
    minEntropy: 3.0,
    examples: {
      positives: (g) => {
        const a = `bkua_${g.hex(40)}`
        const b = `bkua_${g.hex(40)}`
        return [
          { line: `curl -H "Authorization: Bearer ${a}" https://api.buildkite.com/v2/access-token`, secret: a },
          { line: `BUILDKITE_API_TOKEN=${b}`, secret: b }
        ]
      },
      negatives: [`BUILDKITE_API_TOKEN=bkua_${'0'.repeat(40)}`, 'BUILDKITE_API_TOKEN=bkua_<token>']
    }
  }
]
