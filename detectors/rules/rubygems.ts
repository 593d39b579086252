import type { Rule } from '../rule.ts'

export const rules: Rule[] = [
  {
    id: 'rubygems-api-key',
    title: 'RubyGems.org API key',
    severity: 'critical',
    kind: 'pattern',
    regex: '(?:^|[^A-Za-z0-9_])(rubygems_[a-f0-9]{48})(?:[^A-Za-z0-9_]|$)',
    keywords: ['rubygems_'],
    minEntropy: 3.3,
    examples: {
      positives: (g) => {
        const a = g.hex(48)
        const b = g.hex(48)
        return [
          { line: `GEM_HOST_API_KEY=rubygems_${a}`, secret: `rubygems_${a}` },
          { line: `---\n:rubygems_api_key: rubygems_${b}`, secret: `rubygems_${b}` }
        ]
      },
      negatives: [`GEM_HOST_API_KEY=rubygems_${'0'.repeat(48)}`, 'rubygems_api_key: <key>', 'rubygems_mirror_url=https://rubygems.org']
    }
  }
]
