// Segment Public API tokens: `sgp_` and 64 letters and digits, what the
// Public API (api.segmentapis.com) takes as a bearer token; a workspace
// owner's token reads and changes sources, destinations and tracking plans.
// Format from Nosey Parker's np.segment.1 (Apache-2.0) and Segment's
// announcement of the prefix for secret scanning (Kingfisher's
// kingfisher.segment.1 agrees). Sourcegraph's sgp_ tokens are 40 hex, or 16
// hex, '_' and 40 hex (sourcegraph.ts): the lengths never meet.

import { BASE62, format, tokenRule } from './define.ts'

export const rules = [
  tokenRule({
    id: 'segment-public-api-token',
    title: 'Segment Public API token',
    severity: 'high',
    token: format('sgp_', BASE62(64)),
    // 64 random base62 characters score near 5.6; a placeholder run is far under.
    minEntropy: 4.0,
    lines: [(s) => `SEGMENT_TOKEN=${s}`, (s) => `curl -H "Authorization: Bearer ${s}" https://api.segmentapis.com/workspaces`],
    negatives: [`SEGMENT_TOKEN=sgp_${'x'.repeat(64)}`, 'sgp_<token>', `sgp_${'a1'.repeat(31)}`]
  })
]
