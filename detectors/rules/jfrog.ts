import { BASE62, drawnBy, format, tokenRule } from './define.ts'
import { assignedThen, END_ALNUM, START_ALNUM } from './patterns.ts'

export const rules = [
  tokenRule({
    id: 'jfrog-api-key',
    title: 'JFrog Artifactory API key',
    severity: 'high',
    token: format('AKCp', BASE62(69)),
    before: START_ALNUM,
    after: END_ALNUM,
    minEntropy: 4.0,
    lines: [(s) => `jfrog rt dl --url=https://acme.jfrog.io/artifactory --apikey=${s} libs-release/app.jar`, (s) => `X-JFrog-Art-Api: ${s}`],
    negatives: [`ARTIFACTORY_API_KEY=AKCp${'x'.repeat(69)}`, 'api keys start with AKCp']
  }),
  tokenRule({
    id: 'jfrog-reference-token',
    title: 'JFrog reference token',
    severity: 'high',
    // base64("reftkn") then 56 more characters: 64 in total. Real ones go on with base64(":01:").
    token: drawnBy(format('cmVmdGtu', BASE62(56)), (g) => `cmVmdGtuOjAxOj${g.base62(50)}`),
    before: START_ALNUM,
    after: END_ALNUM,
    minEntropy: 4.0,
    // The body decodes to reftkn, ':', a two-digit version and ':' (reftkn:01:, the only version issued): CredSweeper's
    // decoys decode to English after `reftkn:`, and a value that merely starts with the same eight characters goes on at random.
    validate: (s) => /^reftkn:[0-9]{2}:/.test(Buffer.from(s.slice(0, 16), 'base64').toString('latin1')),
    lines: [(s) => `curl -H "Authorization: Bearer ${s}" https://acme.jfrog.io/artifactory/api/repositories`],
    negatives: [
      `cmVmdGtu${'A'.repeat(56)}`,
      'reference tokens start with cmVmdGtu',
      // base64 of "reftkn:These are not the tokens you want, no!" (42 bytes: 56 characters, no padding)
      `cmVmdGtu${Buffer.from(':These are not the tokens you want, no!').toString('base64').padEnd(56, 'A')}`
    ]
  }),
  tokenRule({
    id: 'jfrog-identity-token',
    title: 'JFrog identity token',
    severity: 'high',
    // 64 alphanumeric characters with no prefix: only next to a JFrog name.
    token: BASE62(64),
    regex: (t) => assignedThen('jfrog|artifactory|xray', t, '(?:[^A-Za-z0-9._-]|$)'),
    keywords: ['jfrog', 'artifactory', 'xray'],
    // Above 4 bits per character: hex digests (at most 4) never pass.
    minEntropy: 4.3,
    // Reference tokens have their own rule.
    allow: { secrets: ['^cmVmdGtu'] },
    lines: [(s) => `export JFROG_ACCESS_TOKEN=${s}`, (s) => `artifactory_identity_token: "${s}"`],
    negatives: [
      // A sha256 digest next to a JFrog word is a checksum, not a token.
      'artifactory_sha256=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
      `JFROG_ACCESS_TOKEN=${'a'.repeat(64)}`,
      'image digest sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef'
    ]
  })
]
