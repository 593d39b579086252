import { format, HEX, tokenRule } from './define.ts'

export const rules = [
  tokenRule({
    id: 'openrouter-api-key',
    title: 'OpenRouter API key',
    severity: 'high',
    token: format('sk-or-v1-', HEX(64)),
    minEntropy: 2.5,
    lines: [(s) => `OPENROUTER_API_KEY=${s}`, (s) => `curl https://openrouter.ai/api/v1/chat/completions -H "Authorization: Bearer ${s}"`],
    negatives: ['OPENROUTER_API_KEY=sk-or-v1-...', `sk-or-v1-${'0'.repeat(64)}`]
  })
]
