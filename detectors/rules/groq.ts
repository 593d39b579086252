import { BASE62, format, tokenRule } from './define.ts'

export const rules = [
  tokenRule({
    id: 'groq-api-key',
    title: 'Groq API key',
    severity: 'high',
    token: format('gsk_', BASE62(52)),
    minEntropy: 4.0,
    lines: [(s) => `GROQ_API_KEY=${s}`, (s) => `client = Groq(api_key="${s}")`],
    negatives: ['GROQ_API_KEY=gsk_...', `gsk_${'x'.repeat(52)}`]
  })
]
