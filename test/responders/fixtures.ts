// Findings and record contexts for responder tests. Secrets are generated at
// run time (detectors/gen.ts); only their fingerprints and masks go anywhere.

import type { Finding, Source } from '../../pipeline/events.ts'
import { createFingerprinter, mask, stableId } from '../../pipeline/fingerprint.ts'
import type { Incident, RecordContext } from '../../responders/incidents.ts'
import { fresh } from '../../responders/incidents.ts'
import { seededGen } from '../support/seed.ts'

export const gen = seededGen('fixtures')
export const fingerprinter = createFingerprinter(gen.base62(40))

export function finding(secret: string, stream: string, line: number, detectedAt: string, extra: Partial<Finding> & { source?: Source } = {}): Finding {
  const fp = fingerprinter.of(secret)
  return {
    v: '1',
    type: 'finding',
    id: stableId(fp, stream, line),
    fingerprint: fp,
    rule: 'github-pat-classic',
    title: 'GitHub personal access token (classic)',
    kind: 'pattern',
    severity: 'critical',
    confidence: 'high',
    stream,
    source: { type: 'file', path: stream },
    location: { line, column: 1, endLine: line, endColumn: 41 },
    preview: mask(secret),
    context: `token=${mask(secret)}`,
    detectedAt,
    ...extra
  }
}

export function ctx(over: Partial<RecordContext> = {}): RecordContext {
  return {
    cluster: 'prod',
    severity: 'critical',
    route: { channel: 'C0SECURITY', owner: undefined },
    rotation: { mode: 'button', actions: [{ type: 'webhook' }] },
    maxLocations: 20,
    reopenOn: ['rotated'],
    ...over
  }
}

export function incidentOf(secret: string, over: Partial<Incident> = {}): Incident {
  const i = fresh(finding(secret, 'k8s/payments/api-7d9/app', 1, '2025-01-01T00:00:00.000Z'), ctx())
  return { ...i, occurrences: 1, ...over }
}
