import { ALPHABETS } from '../gen.ts'
import { BASE64URL, format, re, tokenRule } from './define.ts'
import { START_DASH } from './patterns.ts'

// PyPI API tokens are macaroons: "pypi-" + base64url of a binary macaroon
// whose location field encodes "pypi.org" (AgEIcHlwaS5vcmc) or, on TestPyPI,
// "test.pypi.org" (AgENdGVzdC5weXBpLm9yZw).
export const rules = [
  tokenRule({
    id: 'pypi-api-token',
    title: 'PyPI API token',
    severity: 'critical',
    token: format('pypi-', re('(?:AgEIcHlwaS5vcmc|AgENdGVzdC5weXBpLm9yZw)'), BASE64URL.atLeast(50, 160)),
    before: START_DASH,
    keywords: ['pypi-ageichlwas5vcmc', 'pypi-agendgvzdc5wexbplm9yzw'],
    minEntropy: 4.0,
    positives: (g) => {
      const a = `pypi-AgEIcHlwaS5vcmc${g.chars(ALPHABETS.base64url, 160)}`
      const b = `pypi-AgENdGVzdC5weXBpLm9yZw${g.chars(ALPHABETS.base64url, 160)}`
      return [
        { line: `TWINE_PASSWORD=${a}`, secret: a },
        { line: `  password = ${b}`, secret: b }
      ]
    },
    negatives: ['tokens begin with pypi-AgEIcHlwaS5vcmc', `pypi-AgEIcHlwaS5vcmc${'x'.repeat(60)}`, 'pip install pypi-simple']
  })
]
