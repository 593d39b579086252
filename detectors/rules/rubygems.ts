import { format, HEX, tokenRule } from './define.ts'

export const rules = [
  tokenRule({
    id: 'rubygems-api-key',
    title: 'RubyGems.org API key',
    severity: 'critical',
    token: format('rubygems_', HEX(48)),
    minEntropy: 3.3,
    lines: [(s) => `GEM_HOST_API_KEY=${s}`, (s) => `---\n:rubygems_api_key: ${s}`],
    negatives: [`GEM_HOST_API_KEY=rubygems_${'0'.repeat(48)}`, 'rubygems_api_key: <key>', 'rubygems_mirror_url=https://rubygems.org']
  })
]
