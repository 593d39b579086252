import type { Rule } from '../rule.ts'
import { assignedThen } from './patterns.ts'

export const rules: Rule[] = [
  {
    id: 'jfrog-api-key',
    title: 'JFrog Artifactory API key',
    severity: 'high',
    kind: 'pattern',
    regex: '(?:^|[^A-Za-z0-9])(AKCp[A-Za-z0-9]{69})(?:[^A-Za-z0-9]|$)',
    keywords: ['akcp'],
    minEntropy: 4.0,
    examples: {
      positives: (g) => {
        const a = `AKCp${g.base62(69)}`
        const b = `AKCp${g.base62(69)}`
        return [
          { line: `jfrog rt dl --url=https://acme.jfrog.io/artifactory --apikey=${a} libs-release/app.jar`, secret: a },
          { line: `X-JFrog-Art-Api: ${b}`, secret: b }
        ]
      },
      negatives: [`ARTIFACTORY_API_KEY=AKCp${'x'.repeat(69)}`, 'api keys start with AKCp']
    }
  },
  {
    id: 'jfrog-reference-token',
    title: 'JFrog reference token',
    severity: 'high',
    kind: 'pattern',
    // base64("reftkn") then 56 more characters: 64 in total.
    regex: '(?:^|[^A-Za-z0-9])(cmVmdGtu[A-Za-z0-9]{56})(?:[^A-Za-z0-9]|$)',
    keywords: ['cmvmdgtu'],
    minEntropy: 4.0,
    examples: {
      positives: (g) => {
        const a = `cmVmdGtuOjAxOj${g.base62(50)}`
        return [{ line: `curl -H "Authorization: Bearer ${a}" https://acme.jfrog.io/artifactory/api/repositories`, secret: a }]
      },
      negatives: [`cmVmdGtu${'A'.repeat(56)}`, 'reference tokens start with cmVmdGtu']
    }
  },
  {
    id: 'jfrog-identity-token',
    title: 'JFrog identity token',
    severity: 'high',
    kind: 'pattern',
    // 64 alphanumeric characters with no prefix: only next to a JFrog name.
    regex: assignedThen('jfrog|artifactory|xray', '[A-Za-z0-9]{64}', '(?:[^A-Za-z0-9._-]|$)'),
    keywords: ['jfrog', 'artifactory', 'xray'],
    // Above 4 bits per character: hex digests (at most 4) never pass.
    minEntropy: 4.3,
    // Reference tokens have their own rule.
    allow: { secrets: ['^cmVmdGtu'] },
    examples: {
      positives: (g) => {
        const a = g.base62(64)
        const b = g.base62(64)
        return [
          { line: `export JFROG_ACCESS_TOKEN=${a}`, secret: a },
          { line: `artifactory_identity_token: "${b}"`, secret: b }
        ]
      },
      negatives: [
        // A sha256 digest next to a JFrog word is a checksum, not a token.
        'artifactory_sha256=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
        `JFROG_ACCESS_TOKEN=${'a'.repeat(64)}`,
        'image digest sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef'
      ]
    }
  }
]
