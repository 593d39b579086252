import { format, HEX, tokenRule } from './define.ts'

// lsv2_pt_ (personal access tokens) and lsv2_sk_ (service keys), then 32 hex,
// _ and 10 hex.
export const rules = [
  tokenRule({
    id: 'langsmith-personal-token',
    title: 'LangSmith personal access token',
    severity: 'high',
    token: format('lsv2_pt_', HEX(32), '_', HEX(10)),
    minEntropy: 2.5,
    lines: [(s) => `LANGSMITH_API_KEY=${s}`, (s) => `{"tracing":{"langchain_api_key":"${s}","project":"default"}}`],
    negatives: ['LANGSMITH_API_KEY=lsv2_pt_...', `lsv2_pt_${'0'.repeat(32)}_${'0'.repeat(10)}`]
  }),
  tokenRule({
    id: 'langsmith-service-key',
    title: 'LangSmith service key',
    severity: 'high',
    token: format('lsv2_sk_', HEX(32), '_', HEX(10)),
    minEntropy: 2.5,
    lines: [(s) => `LANGCHAIN_API_KEY=${s}`],
    negatives: [`lsv2_sk_${'f'.repeat(32)}_${'f'.repeat(10)}`]
  })
]
