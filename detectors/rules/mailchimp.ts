import { DIGITS, format, HEX, tokenRule } from './define.ts'
import { END_DASH } from './patterns.ts'

// 32 hex followed by the datacenter suffix (-us1 … -us21): the suffix is what
// tells it apart from a hash, so no name anchor is needed.
export const rules = [
  tokenRule({
    id: 'mailchimp-api-key',
    title: 'Mailchimp API key',
    severity: 'high',
    token: format(HEX(32), '-us', DIGITS.between(1, 2, 1)),
    after: END_DASH,
    keywords: ['-us'],
    minEntropy: 2.5,
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
  })
]
