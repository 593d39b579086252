import { ALPHABETS } from '../gen.ts'
import { charset, format, tokenRule } from './define.ts'

// Adobe I/O (Developer Console) OAuth client secrets: p8e- then 32 letters, digits and '-'. The
// prefix is distinctive. Format from gitleaks' adobe-client-secret (MIT) and Nosey Parker's np.adobe.1
// (Apache-2.0), whose example holds a '-'; the regex is ours.
export const rules = [
  tokenRule({
    id: 'adobe-client-secret',
    title: 'Adobe I/O OAuth client secret',
    severity: 'high',
    token: format('p8e-', charset('A-Za-z0-9-', `${ALPHABETS.base62}-`)(32)),
    minEntropy: 3.0,
    lines: [(s) => `adobeClient := "${s}"`, (s) => `ADOBE_CLIENT_SECRET=${s}`],
    negatives: ['p8e-...', `p8e-${'0'.repeat(32)}`, `ADOBE_CLIENT_SECRET=p8e-${'x'.repeat(32)}`]
  })
]
