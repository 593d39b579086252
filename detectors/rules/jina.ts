import { BASE62, format, tokenRule } from './define.ts'

export const rules = [
  tokenRule({
    id: 'jina-api-key',
    title: 'Jina AI API key',
    severity: 'high',
    token: format('jina_', BASE62(60)),
    minEntropy: 4.0,
    lines: [(s) => `JINA_API_KEY=${s}`, (s) => `Authorization: Bearer ${s}`],
    negatives: ['jina_...', `jina_${'x'.repeat(60)}`]
  })
]
