import { BASE62, format, tokenRule } from './define.ts'

export const rules = [
  tokenRule({
    id: 'perplexity-api-key',
    title: 'Perplexity API key',
    severity: 'high',
    token: format('pplx-', BASE62(48)),
    minEntropy: 4.0,
    lines: [(s) => `PERPLEXITY_API_KEY=${s}`, (s) => `{"search":{"engine":"perplexity","key":"${s}"}}`],
    negatives: ['PERPLEXITY_API_KEY=pplx-...', `pplx-${'x'.repeat(48)}`]
  })
]
