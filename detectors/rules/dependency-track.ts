import { BASE62, format, tokenRule } from './define.ts'

export const rules = [
  tokenRule({
    id: 'dependency-track-api-key',
    title: 'OWASP Dependency-Track API key',
    severity: 'high',
    token: format('odt_', BASE62(32)),
    minEntropy: 3.5,
    lines: [(s) => `DTRACK_API_KEY=${s}`, (s) => `curl -H "X-Api-Key: ${s}" https://dtrack.example.com/api/v1/bom`],
    negatives: ['odt_...', `odt_${'x'.repeat(32)}`]
  })
]
