import { ALPHABETS } from '../gen.ts'
import type { Rule } from '../rule.ts'
import { END_DASH, START } from './patterns.ts'

// sk-ant-api03- (API keys) and sk-ant-admin01- (Admin API keys), then 93
// base64url characters and a closing "AA".
export const rules: Rule[] = [
  {
    id: 'anthropic-api-key',
    title: 'Anthropic API key',
    severity: 'high',
    kind: 'pattern',
    regex: `${START}(sk-ant-api03-[A-Za-z0-9_-]{93}AA)${END_DASH}`,
    keywords: ['sk-ant-api03-'],
    minEntropy: 4.0,
    examples: {
      positives: (g) => {
        const a = `sk-ant-api03-${g.chars(ALPHABETS.base64url, 93)}AA`
        const b = `sk-ant-api03-${g.chars(ALPHABETS.base64url, 93)}AA`
        return [
          { line: `ANTHROPIC_API_KEY=${a}`, secret: a },
          { line: `curl https://api.anthropic.com/v1/messages -H "x-api-key: ${b}" -H "anthropic-version: 2023-06-01"`, secret: b }
        ]
      },
      negatives: ['ANTHROPIC_API_KEY=sk-ant-api03-...', `sk-ant-api03-${'x'.repeat(93)}AA`, 'ANTHROPIC_API_KEY=sk-ant-<your-key>']
    }
  },
  {
    id: 'anthropic-admin-key',
    title: 'Anthropic Admin API key',
    severity: 'critical',
    kind: 'pattern',
    regex: `${START}(sk-ant-admin01-[A-Za-z0-9_-]{93}AA)${END_DASH}`,
    keywords: ['sk-ant-admin01-'],
    minEntropy: 4.0,
    examples: {
      positives: (g) => {
        const secret = `sk-ant-admin01-${g.chars(ALPHABETS.base64url, 93)}AA`
        return [{ line: `{"anthropic":{"admin_key":"${secret}"}}`, secret }]
      },
      negatives: [`sk-ant-admin01-${'A'.repeat(95)}`]
    }
  }
]
