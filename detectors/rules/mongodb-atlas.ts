import { tokenRule, UUID } from './define.ts'
import { END_DASH, named } from './patterns.ts'

// MongoDB Atlas programmatic API keys: a public key (8 letters, an identifier) and a private key, a UUID.
// A UUID is a request id's shape, so the private key is taken only after the names the Atlas CLI, the
// Terraform provider and the Kubernetes operator read it from (MONGODB_ATLAS_PRIVATE_KEY, ATLAS_PRIVATE_KEY,
// MCLI_PRIVATE_API_KEY, privateApiKey). Format from Kingfisher's kingfisher.mongodb.1 (Apache-2.0); the
// regex is ours.
export const rules = [
  tokenRule({
    id: 'mongodb-atlas-private-key',
    title: 'MongoDB Atlas API private key',
    severity: 'critical',
    token: UUID,
    regex: (t) =>
      `${named('(?:^|[^a-z0-9])(?:(?:mongodb[_.-]?)?atlas[_.-]?(?:api[_.-]?)?priv(?:ate)?[_.-]?(?:api[_.-]?)?key|mcli[_.-]?private[_.-]?api[_.-]?key|privateApiKey)')}(${t})${END_DASH}`,
    keywords: ['atlas', 'mcli', 'privateapikey'],
    // A random UUID's text is under 3.0 about once in 100,000 (36 hex drawn: 1.2e-5), none of three million under 2.8.
    minEntropy: 2.5,
    lines: [
      (s) => `ATLAS_PRIVATE_KEY=${s}`,
      (s) => `export MONGODB_ATLAS_PRIVATE_KEY="${s}"`,
      (s) => `{"name":"MCLI_PRIVATE_API_KEY","value":"${s}"}`,
      (s) => `  privateApiKey: ${s}`
    ],
    negatives: [
      'ATLAS_PRIVATE_KEY=00000000-0000-0000-0000-000000000000',
      'ATLAS_PROJECT_ID=0123abcd-4567-89ef-0123-456789abcdef',
      'ATLAS_PRIVATE_KEY=${ATLAS_PRIVATE_KEY}',
      'atlassian request_id=0123abcd-4567-89ef-0123-456789abcdef'
    ]
  })
]
