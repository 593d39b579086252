import { BASE62, format, tokenRule } from './define.ts'

// odt_ then letters and digits: 32 in the keys Dependency-Track has issued so far, up to 255 as
// Kingfisher's kingfisher.dtrack.1 and Nosey Parker's np.dtrack.1 (Apache-2.0) take them, whose
// examples hold a 36-character one. Unbounded in the regex (a wide range leaves RE2's DFA), bounded after.
export const rules = [
  tokenRule({
    id: 'dependency-track-api-key',
    title: 'OWASP Dependency-Track API key',
    severity: 'high',
    token: format('odt_', BASE62.atLeast(32, 32)),
    minEntropy: 3.5,
    validate: (s) => s.length <= 4 + 255,
    lines: [(s) => `DTRACK_API_KEY=${s}`, (s) => `curl -H "X-Api-Key: ${s}" https://dtrack.example.com/api/v1/bom`],
    negatives: ['odt_...', `odt_${'x'.repeat(32)}`]
  })
]
