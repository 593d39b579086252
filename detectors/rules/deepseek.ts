import { format, HEX, tokenRule } from './define.ts'
import { assigned } from './patterns.ts'

// The sk- prefix is shared with half the industry, so the key is anchored on
// the DeepSeek name.
export const rules = [
  tokenRule({
    id: 'deepseek-api-key',
    title: 'DeepSeek API key',
    severity: 'high',
    token: format('sk-', HEX(32)),
    regex: (t) => assigned('deepseek', t),
    keywords: ['deepseek'],
    minEntropy: 2.5,
    lines: [(s) => `DEEPSEEK_API_KEY=${s}`, (s) => `{"provider":"deepseek","deepseek_key":"${s}"}`],
    negatives: [`DEEPSEEK_API_KEY=sk-${'0'.repeat(32)}`, 'DEEPSEEK_API_KEY=sk-xxxxxxxxxxxxxxxx', 'request sk-0123456789abcdef0123456789abcdef']
  })
]
