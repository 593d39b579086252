// The detector stage: log chunks and Kubernetes audit events in, findings out.
// The runner produces the findings and only then commits the records'
// offsets; finding ids depend on the position (and, for audit events, the
// auditID and stage), not on when we ran, so a replay yields the same ids.
//
// Audit events are scanned as one line of JSON each, so a Secret's value
// written into a ConfigMap, a Pod's env or an annotation is found like a
// value in a log line. Three kinds of object are where credentials belong and
// are left out of that line (the rest of the event is still scanned):
// - Secrets: at RequestResponse level their create/update/get/list events
//   carry the values in requestObject/responseObject. Reporting those would
//   report every Secret write; a Secret is the one place a value may be.
// - serviceaccounts/token: the response is a freshly issued token.
// - TokenReviews: the request carries the bearer token under review.
// Events at stage RequestReceived are skipped: the same request's
// ResponseComplete carries the same requestObject, and scanning both would
// count one leak twice.

import type { AuditEnvelope, Finding, LogChunk } from '../pipeline/events.ts'
import { TOPICS } from '../pipeline/events.ts'
import { stableId } from '../pipeline/fingerprint.ts'
import type { Metrics } from '../pipeline/metrics.ts'
import type { InRecord, OutRecord, Stage } from '../pipeline/runner.ts'
import type { Detector } from '../pipeline/stages.ts'
import { foldIntoKnownSecrets } from './known-secrets/detector.ts'

export interface DetectorStageDeps {
  detectors: Detector[]
  metrics: Metrics
  /**
   * Seals the secret of findings whose rotation needs the value (GitHub revocation) to the responder's
   * public key (pipeline/seal.ts): returns the finding with `sealed` set, or as it was. The detector
   * engine keeps its output unchanged; app.ts builds this from `detector.sealPublicKey`.
   */
  seal?: (f: Finding) => Finding
  /** Detectors of the audit events themselves (detectors/access/): each batch's events, in order; their findings are produced with the others. */
  audit?: Array<(events: AuditEnvelope[]) => Promise<Finding[]>>
}

/** Whether an audit event's request/response objects are where credentials legitimately live. */
function holdsCredentials(ref: AuditEnvelope['event']['objectRef']): { request: boolean; response: boolean } {
  const core = ref?.apiGroup === undefined || ref.apiGroup === ''
  if (core && ref?.resource === 'secrets') return { request: true, response: true }
  if (core && ref?.resource === 'serviceaccounts' && ref.subresource === 'token') return { request: false, response: true }
  if (ref?.apiGroup === 'authentication.k8s.io' && ref.resource === 'tokenreviews') return { request: true, response: true }
  return { request: false, response: false }
}

/** An audit event as a one-line chunk to scan, or undefined when it is not scanned. */
export function auditChunk(env: AuditEnvelope): LogChunk | undefined {
  const e = env.event
  if (e.stage === 'RequestReceived') return undefined
  const held = holdsCredentials(e.objectRef)
  const { requestObject, responseObject, ...rest } = e
  const scanned: Record<string, unknown> = { ...rest }
  if (requestObject !== undefined && !held.request) scanned.requestObject = requestObject
  if (responseObject !== undefined && !held.response) scanned.responseObject = responseObject
  const namespace = e.objectRef?.namespace
  return {
    v: '1',
    type: 'log-chunk',
    stream: `audit/${env.cluster}/${e.user.username ?? 'unknown'}`,
    source: { type: 'audit', cluster: env.cluster, ...(namespace === undefined ? {} : { namespace }) },
    startLine: 1,
    offset: { start: 0, end: 0 },
    lines: [JSON.stringify(scanned)],
    collectedAt: env.receivedAt
  }
}

export function createDetectorStage(opts: { groupId: string }, deps: DetectorStageDeps): Stage {
  return {
    name: 'detector',
    groupId: opts.groupId,
    topics: [TOPICS.logs, TOPICS.audit],
    async process(records: InRecord[]): Promise<OutRecord[]> {
      const out: OutRecord[] = []
      for (const r of records) {
        let chunk: LogChunk | undefined
        let audit: AuditEnvelope['event'] | undefined
        if (r.topic.endsWith(TOPICS.audit)) {
          const env = r.value as AuditEnvelope
          chunk = auditChunk(env)
          audit = env.event
        } else chunk = r.value as LogChunk
        if (chunk === undefined) continue
        const found: Finding[] = []
        for (const d of deps.detectors) for (const f of d.detect(chunk)) found.push(deps.seal === undefined ? f : deps.seal(f))
        // One finding per leaked value: a known secret that a rule also matched is reported once, as the known secret.
        for (const f of foldIntoKnownSecrets(found)) {
          // Every audit event is "line 1" of its stream: the event's identity keeps two events' findings apart.
          if (audit !== undefined) f.id = stableId(f.id, audit.auditID, audit.stage)
          deps.metrics.findings.inc({ rule: f.rule, severity: f.severity })
          out.push({ topic: TOPICS.findings, key: f.fingerprint, value: f })
        }
      }
      const audits = deps.audit === undefined ? [] : records.filter((r) => r.topic.endsWith(TOPICS.audit)).map((r) => r.value as AuditEnvelope)
      if (audits.length > 0)
        for (const detect of deps.audit ?? [])
          for (const f of await detect(audits)) {
            deps.metrics.findings.inc({ rule: f.rule, severity: f.severity })
            out.push({ topic: TOPICS.findings, key: f.fingerprint, value: f })
          }
      return out
    }
  }
}
