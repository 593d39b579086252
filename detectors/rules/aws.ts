import type { Rule } from '../rule.ts'

// Access key ids are 20 characters: a 4-letter type prefix (AKIA long-term,
// ASIA temporary, and the rarer service prefixes) then 16 base32 characters.
const PREFIXES = ['AKIA', 'ASIA', 'ABIA', 'ACCA', 'AGPA', 'AIDA', 'AIPA', 'ANPA', 'ANVA', 'AROA', 'APKA', 'ASCA']

export const rules: Rule[] = [
  {
    id: 'aws-access-key-id',
    title: 'AWS access key id',
    severity: 'high',
    kind: 'pattern',
    regex: `(?:^|[^A-Za-z0-9])((?:${PREFIXES.join('|')})[A-Z2-7]{16})(?:[^A-Za-z0-9]|$)`,
    keywords: PREFIXES.map((p) => p.toLowerCase()),
    minEntropy: 3.0,
    // The AWS documentation's example keys end in EXAMPLE; people paste them into READMEs and tests.
    allow: { secrets: ['EXAMPLE$'] },
    examples: {
      positives: (g) =>
        ['AKIA', 'ASIA'].map((p) => {
          const secret = p + g.chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16)
          return { line: `export AWS_ACCESS_KEY_ID=${secret}`, secret }
        }),
      negatives: [
        'aws_access_key_id = AKIAIOSFODNN7EXAMPLE',
        'AKIAAAAAAAAAAAAAAAAA is a placeholder',
        'build id AKIA0000000000000000 is not base32',
        'the prefix AKIA alone is harmless'
      ]
    }
  }
]
