// The detector stage: log chunks and Kubernetes audit events in, findings out.
// The runner produces the findings and only then commits the records'
// offsets; finding ids depend on the position (and, for audit events, the
// auditID and stage), not on when we ran, so a replay yields the same ids.
//
// Audit events are scanned as one line of JSON each, so a Secret's value
// written into a ConfigMap, a Pod's env, an annotation or a CRD is found like a
// value in a log line. The line is written by audit-fields.ts, which keeps the
// path of every string: a finding names the object (`ConfigMap shop/app`), the
// field (`data.DB_URL`, through last-applied-configuration too) and who wrote
// it (verb, user, impersonated user), and a value the event carries several
// times (request, response, last-applied copy) is one finding. Three kinds of object are where credentials belong and
// are left out of that line (the rest of the event is still scanned):
// - Secrets: at RequestResponse level their create/update/get/list events
//   carry the values in requestObject/responseObject. Reporting those would
//   report every Secret write; a Secret is the one place a value may be.
// - serviceaccounts/token: the response is a freshly issued token.
// - TokenReviews: the request carries the bearer token under review.
// Events at stage RequestReceived are skipped: the same request's
// ResponseComplete carries the same requestObject, and scanning both would
// count one leak twice.

import type { AuditEnvelope, AuditGroup, Finding, LogChunk } from '../pipeline/events.ts'
import { auditEnvelopes, TOPICS } from '../pipeline/events.ts'
import { stableId } from '../pipeline/fingerprint.ts'
import type { Metrics } from '../pipeline/metrics.ts'
import type { InRecord, OutRecord, Stage } from '../pipeline/runner.ts'
import type { Detector } from '../pipeline/stages.ts'
import type { FieldSpan } from './audit-fields.ts'
import { eventLine, spanAt, writeEvent } from './audit-fields.ts'
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

/** An audit event as the one-line chunk to scan, with the fields its columns come from; undefined when it is not scanned. */
export interface AuditScan {
  chunk: LogChunk
  spans: FieldSpan[]
  /** The object of item `i` of a list response (`ConfigMap shop/app`), for findings under `items[i]`. */
  listItem: (i: number) => string | undefined
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined
}

function meta(o: unknown): { kind?: string; namespace?: string; name?: string } {
  if (typeof o !== 'object' || o === null) return {}
  const r = o as { kind?: unknown; metadata?: { namespace?: unknown; name?: unknown } }
  const out: { kind?: string; namespace?: string; name?: string } = {}
  const kind = str(r.kind)
  const namespace = str(r.metadata?.namespace)
  const name = str(r.metadata?.name)
  if (kind !== undefined) out.kind = kind
  if (namespace !== undefined) out.namespace = namespace
  if (name !== undefined) out.name = name
  return out
}

/** `Kind namespace/name` of the event's object: the kind written in the objects, else the resource; a create's name from its body. */
function objectOf(e: AuditEnvelope['event']): { label: string; namespace?: string } | undefined {
  const ref = e.objectRef
  const req = meta(e.requestObject)
  const res = meta(e.responseObject)
  const kind = (res.kind !== undefined && !res.kind.endsWith('List') ? res.kind : undefined) ?? req.kind ?? ref?.resource
  if (kind === undefined) return undefined
  const namespace = ref?.namespace ?? req.namespace ?? res.namespace
  const name = ref?.name ?? req.name ?? res.name
  const sub = ref?.subresource === undefined ? '' : ` (${ref.subresource})`
  const id = name === undefined ? (namespace === undefined ? '' : ` ${namespace}/*`) : ` ${namespace === undefined ? '' : `${namespace}/`}${name}`
  return { label: `${kind}${id}${sub}`, ...(namespace === undefined ? {} : { namespace }) }
}

function impersonated(v: unknown): string | undefined {
  return typeof v === 'object' && v !== null ? str((v as { username?: unknown }).username) : undefined
}

export function auditScan(env: AuditEnvelope): AuditScan | undefined {
  const e = env.event
  if (e.stage === 'RequestReceived') return undefined
  const held = holdsCredentials(e.objectRef)
  const { requestObject, responseObject } = e
  let scanned = e as Record<string, unknown>
  // Most events (Metadata level, or a Secret's) carry no objects: the event is its own line, no copy of it is made.
  if ('requestObject' in e || 'responseObject' in e) {
    const { requestObject: _req, responseObject: _res, ...rest } = e
    scanned = rest
    if (requestObject !== undefined && !held.request) scanned.requestObject = requestObject
    if (responseObject !== undefined && !held.response) scanned.responseObject = responseObject
  }
  const line = eventLine(scanned)
  // Worked out when a finding needs its field: writeEvent writes the same line, recording where each string is.
  let spans: FieldSpan[] | undefined
  const obj = objectOf(e)
  const namespace = obj?.namespace ?? e.objectRef?.namespace
  const principal = str(e.user.username)
  const as = impersonated(e.impersonatedUser)
  const ref = e.objectRef
  // One stream per object: an incident's places are the objects its secret was written into.
  const where = [ref?.resource ?? 'nonresource', namespace ?? '-', ref?.name ?? '-'].join('/')
  return {
    chunk: {
      v: '1',
      type: 'log-chunk',
      stream: `audit/${env.cluster}/${where}`,
      source: {
        type: 'audit',
        cluster: env.cluster,
        ...(namespace === undefined ? {} : { namespace }),
        ...(obj === undefined ? {} : { object: obj.label }),
        ...(principal === undefined ? {} : { principal }),
        ...(as === undefined ? {} : { impersonatedUser: as }),
        verb: e.verb,
        auditID: e.auditID
      },
      startLine: 1,
      offset: { start: 0, end: 0 },
      lines: [line],
      collectedAt: env.receivedAt
    },
    get spans(): FieldSpan[] {
      spans ??= writeEvent(scanned).spans
      return spans
    },
    listItem: (i) => {
      const items = (responseObject as { items?: unknown } | undefined)?.items
      if (held.response || !Array.isArray(items)) return undefined
      const m = meta(items[i])
      const listKind = meta(responseObject).kind
      const kind = m.kind ?? (listKind?.endsWith('List') ? listKind.slice(0, -4) : undefined) ?? ref?.resource
      if (kind === undefined || m.name === undefined) return undefined
      return `${kind} ${m.namespace === undefined ? '' : `${m.namespace}/`}${m.name}`
    }
  }
}

/** An audit event as a one-line chunk to scan, or undefined when it is not scanned. */
export function auditChunk(env: AuditEnvelope): LogChunk | undefined {
  return auditScan(env)?.chunk
}

/** The field of the object a finding is in (`data.DB_URL`), without the event's `requestObject.`/`responseObject.`. */
function fieldOf(spans: readonly FieldSpan[], f: Finding): { field?: string; rank: number } {
  const span = spanAt(spans, f.location.column - 1)
  if (span === undefined) return { rank: 3 }
  let field = span.path
  let rank = 2
  for (const [prefix, r] of [
    ['requestObject', 0],
    ['responseObject', 1]
  ] as const) {
    if (field === prefix) {
      rank = r
      break
    }
    if (field.startsWith(prefix) && (field[prefix.length] === '.' || field[prefix.length] === '[')) {
      field = field.slice(prefix.length + (field[prefix.length] === '.' ? 1 : 0))
      rank = r
      break
    }
  }
  // A value also in the last-applied copy is best shown where it is in the object itself.
  if (field.includes(' → ')) rank += 0.5
  return { field, rank }
}

/**
 * The findings of one audit event, each with its field, one per value and rule: a create's value is in the
 * request, the response and often the last-applied annotation, and counting it three times says nothing more.
 */
function placeAuditFindings(found: Finding[], scan: AuditScan): Finding[] {
  const best = new Map<string, { f: Finding; rank: number }>()
  for (const f of found) {
    const { field, rank } = fieldOf(scan.spans, f)
    let placed: Finding = field === undefined ? f : { ...f, source: { ...f.source, field } }
    // A list's response: the finding is in one of its items, which names its own object.
    if (rank >= 1 && rank < 2 && field?.startsWith('items[') === true) {
      const object = scan.listItem(Number.parseInt(field.slice(6), 10))
      if (object !== undefined) placed = { ...placed, source: { ...placed.source, object } }
    }
    const key = `${f.fingerprint}\u0000${f.rule}`
    const had = best.get(key)
    if (had === undefined || rank < had.rank) best.set(key, { f: placed, rank })
  }
  return [...best.values()].map((b) => b.f)
}

export function createDetectorStage(opts: { groupId: string }, deps: DetectorStageDeps): Stage {
  return {
    name: 'detector',
    groupId: opts.groupId,
    topics: [TOPICS.logs, TOPICS.audit],
    async process(records: InRecord[]): Promise<OutRecord[]> {
      const out: OutRecord[] = []
      // A v2 audit record holds several events; each is scanned and identified on its own, as a v1 record is.
      const audits: AuditEnvelope[] = []
      const items: Array<LogChunk | AuditEnvelope> = []
      for (const r of records) {
        if (!r.topic.endsWith(TOPICS.audit)) {
          items.push(r.value as LogChunk)
          continue
        }
        for (const env of auditEnvelopes(r.value as AuditEnvelope | AuditGroup)) {
          // With no detector to scan them, the events only go to the audit detectors.
          if (deps.detectors.length > 0) items.push(env)
          audits.push(env)
        }
      }
      for (const item of items) {
        let chunk: LogChunk | undefined
        let audit: AuditEnvelope['event'] | undefined
        let scan: AuditScan | undefined
        if (item.type === 'audit') {
          scan = auditScan(item)
          chunk = scan?.chunk
          audit = item.event
        } else chunk = item
        if (chunk === undefined) continue
        const found: Finding[] = []
        for (const d of deps.detectors) for (const f of d.detect(chunk)) found.push(deps.seal === undefined ? f : deps.seal(f))
        // One finding per leaked value: a known secret that a rule also matched is reported once, as the known secret.
        const folded = foldIntoKnownSecrets(found)
        for (const f of scan === undefined ? folded : placeAuditFindings(folded, scan)) {
          // Every audit event is "line 1" of its stream: the event's identity keeps two events' findings apart.
          if (audit !== undefined) f.id = stableId(f.id, audit.auditID, audit.stage)
          deps.metrics.findings.inc({ rule: f.rule, severity: f.severity })
          out.push({ topic: TOPICS.findings, key: f.fingerprint, value: f })
        }
      }
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
