import { BASE62, format, tokenRule } from './define.ts'

// Teamwork (Projects, CRM, Desk, Spaces) API tokens: tkn.v1_ then 71 letters and digits and a
// closing =. Provenance: Kingfisher's kingfisher.teamworkcrm.1, .teamworkdesk.1 and
// .teamworkspaces.1 (github.com/mongodb/kingfisher, Apache-2.0); the regex is ours, and the prefix
// needs no product name.
export const rules = [
  tokenRule({
    id: 'teamwork-api-token',
    title: 'Teamwork API token',
    severity: 'high',
    token: format('tkn.v1_', BASE62(71), '='),
    after: '(?:[^A-Za-z0-9_=+/-]|$)',
    minEntropy: 3.0,
    lines: [(s) => `TEAMWORK_API_TOKEN=${s}`, (s) => `{"msg":"desk sync","authorization":"Bearer ${s}"}`],
    negatives: [`tkn.v1_${'x'.repeat(71)}=`]
  })
]
