// Sumo Logic access ids: `su` then 12 letters and digits, the public half of
// an access key pair (the 64-character access key is the generic rules'),
// as AKIA… is for AWS. Alone it is a short random word; it means an access id
// next to a Sumo Logic name (SUMO_ACCESS_ID, sumologic.accessId). Format from
// Sumo Logic's access-key documentation and gitleaks' sumologic-access-id
// rule (MIT).

import { BASE62, format, tokenRule } from './define.ts'
import { assigned } from './patterns.ts'

export const rules = [
  tokenRule({
    id: 'sumologic-access-id',
    title: 'Sumo Logic access id',
    severity: 'medium',
    token: format('su', BASE62(12)),
    keywords: ['sumo'],
    // The name must hold the provider (case as the product writes it: Sumo, sumo, SUMO), then an assignment.
    // `sumObj = su…` (a sum object) is no match: the capital after `sum` must not be there.
    regex: (t) => assigned('(?-i:[Ss]umo|SUMO)', t),
    // 14 characters, 12 of them random: under 2.5 six times in ten million, none of five million under 2.3;
    // placeholders (su000…) are near 1. At 2.5 rules-stability's 2,000 draws a run met one now and then.
    minEntropy: 2.2,
    lines: [(s) => `export SUMO_ACCESS_ID=${s}`, (s) => `{"level":"info","msg":"collector config","sumologic.accessId":"${s}"}`],
    negatives: ['sumObj = suAbCdEfGh1234', 'SUMO_ACCESS_ID=su000000000000', 'SUMO_ACCESS_ID=${SUMO_ACCESS_ID}', 'sumo_collector_name=supplychainsvc1']
  })
]
