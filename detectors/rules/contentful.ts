import { BASE64URL, format, tokenRule } from './define.ts'

// Contentful personal access tokens (the CLI's and the Management API's): CFPAT- then 43
// base64url characters. Provenance: Kingfisher's kingfisher.contentful.1
// (github.com/mongodb/kingfisher, Apache-2.0); the regex is ours. Contentful's UUID-shaped keys are
// saas-uuid.ts's.
export const rules = [
  tokenRule({
    id: 'contentful-personal-access-token',
    title: 'Contentful personal access token',
    severity: 'high',
    token: format('CFPAT-', BASE64URL(43)),
    minEntropy: 3.0,
    lines: [(s) => `CONTENTFUL_MANAGEMENT_TOKEN=${s}`, (s) => `+ contentful space export --management-token ${s} --space-id abc123`],
    negatives: [`CFPAT-${'x'.repeat(43)}`, 'CFPAT-<token>']
  })
]
