import type { Rule } from '../rule.ts'
import { END_DASH, START } from './patterns.ts'

// 32 hex followed by the datacenter suffix (-us1 … -us21): the suffix is what
// tells it apart from a hash, so no name anchor is needed.
export const rules: Rule[] = [
  {
    id: 'mailchimp-api-key',
    title: 'Mailchimp API key',
    severity: 'high',
    kind: 'pattern',
    regex: `${START}([a-f0-9]{32}-us[0-9]{1,2})${END_DASH}`,
    keywords: ['-us'],
    minEntropy: 2.5,
    examples: {
      positives: (g) => {
        const a = `${g.hex(32)}-us${1 + Number(g.digits(1))}`
        const b = `${g.hex(32)}-us6`
        return [
          { line: `MAILCHIMP_API_KEY=${a}`, secret: a },
          { line: `{"newsletter":{"apiKey":"${b}","list":"weekly"}}`, secret: b }
        ]
      },
      negatives: [
        `MAILCHIMP_API_KEY=${'0'.repeat(32)}-us6`,
        // A hash followed by an AWS region is not a Mailchimp key.
        'bucket-0123456789abcdef0123456789abcdef-us-east-1',
        'MAILCHIMP_API_KEY=<key>-us6'
      ]
    }
  }
]
