import { format, re, tokenRule } from './define.ts'

// HubSpot private app access tokens: pat-<region>1- then a UUID-shaped run. Provenance:
// Kingfisher's kingfisher.hubspot.1 (github.com/mongodb/kingfisher, Apache-2.0); the regex is ours.
// HubSpot's bare UUID API keys are saas-uuid.ts's.
const SEGMENTS = '[A-Za-z0-9]{8}-[A-Za-z0-9]{4}-[A-Za-z0-9]{4}-[A-Za-z0-9]{4}-[A-Za-z0-9]{12}'

export const rules = [
  tokenRule({
    id: 'hubspot-private-app-token',
    title: 'HubSpot private app access token',
    severity: 'high',
    token: format(
      'pat-',
      re('(?:na|eu)1', (g) => (Number(g.digits(1)) % 2 === 0 ? 'na1' : 'eu1')),
      '-',
      re(SEGMENTS, (g) => `${g.hex(8)}-${g.hex(4)}-${g.hex(4)}-${g.hex(4)}-${g.hex(12)}`)
    ),
    keywords: ['pat-na1-', 'pat-eu1-'],
    minEntropy: 3.0,
    lines: [(s) => `HUBSPOT_ACCESS_TOKEN=${s}`, (s) => `curl -H "Authorization: Bearer ${s}" https://api.hubapi.com/crm/v3/objects/contacts`],
    negatives: ['pat-na1-00000000-0000-0000-0000-000000000000', 'pat-na1-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx']
  })
]
