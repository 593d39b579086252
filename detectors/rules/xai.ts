import { ALPHABETS } from '../gen.ts'
import { charset, format, tokenRule } from './define.ts'

// xai- + 80 base62 (underscores allowed).
export const rules = [
  tokenRule({
    id: 'xai-api-key',
    title: 'xAI (Grok) API key',
    severity: 'high',
    token: format('xai-', charset('A-Za-z0-9_', ALPHABETS.base62)(80)),
    minEntropy: 4.0,
    lines: [(s) => `XAI_API_KEY=${s}`, (s) => `curl https://api.x.ai/v1/chat/completions -H "Authorization: Bearer ${s}"`],
    negatives: ['XAI_API_KEY=xai-...', `xai-${'x'.repeat(80)}`]
  })
]
