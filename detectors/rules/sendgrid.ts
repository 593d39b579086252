import { ALPHABETS } from '../gen.ts'
import type { Rule } from '../rule.ts'
import { END_DASH, START } from './patterns.ts'

// SG.<22-character key id>.<43-character secret>, both base64url.
export const rules: Rule[] = [
  {
    id: 'sendgrid-api-key',
    title: 'SendGrid API key',
    severity: 'high',
    kind: 'pattern',
    regex: `${START}(SG\\.[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{43})${END_DASH}`,
    keywords: ['sg.'],
    minEntropy: 4.0,
    examples: {
      positives: (g) => {
        const key = (): string => `SG.${g.chars(ALPHABETS.base64url, 22)}.${g.chars(ALPHABETS.base64url, 43)}`
        const a = key()
        const b = key()
        return [
          { line: `SENDGRID_API_KEY=${a}`, secret: a },
          { line: `{"mail":{"provider":"sendgrid","apiKey":"${b}"}}`, secret: b }
        ]
      },
      negatives: [`SENDGRID_API_KEY=SG.${'x'.repeat(22)}.${'x'.repeat(43)}`, 'SENDGRID_API_KEY=SG.your-api-key', 'SG.1234 is a build tag']
    }
  }
]
