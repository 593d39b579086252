import type { Rule } from '../rule.ts'
import { END, START } from './patterns.ts'

// lsv2_pt_ (personal access tokens) and lsv2_sk_ (service keys), then 32 hex,
// _ and 10 hex.
export const rules: Rule[] = [
  {
    id: 'langsmith-personal-token',
    title: 'LangSmith personal access token',
    severity: 'high',
    kind: 'pattern',
    regex: `${START}(lsv2_pt_[a-f0-9]{32}_[a-f0-9]{10})${END}`,
    keywords: ['lsv2_pt_'],
    minEntropy: 2.5,
    examples: {
      positives: (g) => {
        const a = `lsv2_pt_${g.hex(32)}_${g.hex(10)}`
        const b = `lsv2_pt_${g.hex(32)}_${g.hex(10)}`
        return [
          { line: `LANGSMITH_API_KEY=${a}`, secret: a },
          { line: `{"tracing":{"langchain_api_key":"${b}","project":"default"}}`, secret: b }
        ]
      },
      negatives: ['LANGSMITH_API_KEY=lsv2_pt_...', `lsv2_pt_${'0'.repeat(32)}_${'0'.repeat(10)}`]
    }
  },
  {
    id: 'langsmith-service-key',
    title: 'LangSmith service key',
    severity: 'high',
    kind: 'pattern',
    regex: `${START}(lsv2_sk_[a-f0-9]{32}_[a-f0-9]{10})${END}`,
    keywords: ['lsv2_sk_'],
    minEntropy: 2.5,
    examples: {
      positives: (g) => {
        const secret = `lsv2_sk_${g.hex(32)}_${g.hex(10)}`
        return [{ line: `LANGCHAIN_API_KEY=${secret}`, secret }]
      },
      negatives: [`lsv2_sk_${'f'.repeat(32)}_${'f'.repeat(10)}`]
    }
  }
]
