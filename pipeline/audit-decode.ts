// Turns one body (a webhook POST) or one line (an audit log file, a provider's
// export file) into audit.k8s.io/v1 Events. Every input is hostile: the size
// is checked before JSON.parse, the number of events before any of them is
// looked at, and each nested JSON string (a CloudWatch message, an AKS
// `properties.log`) is parsed once, so the work is linear in the input. No
// regular expression runs over the text.
//
// The shapes, recognised by their keys, never by guessing from content:
// - `Event` and `EventList` of audit.k8s.io/v1 (the log and webhook backends);
//   `v1beta1` and events without apiVersion (older logs) are converted to v1;
// - GKE: a Cloud Logging LogEntry whose `protoPayload` is a
//   google.cloud.audit.AuditLog (a log sink's export file, one entry a line),
//   or that entry base64-encoded in a Pub/Sub push body (`message.data`);
// - EKS: a CloudWatch Logs event as exported (`@message`, or a line of the S3
//   export: `<ISO timestamp> <message>`), and the subscription-filter payload
//   (`logEvents[].message`) after its gzip/base64 wrapping is undone;
// - AKS: diagnostic-settings records (`records[]`, or one record a line as the
//   storage account writes them) whose `properties.log` holds the event as a
//   JSON string.
//
// A body that cannot be read at all throws LW_ERR_AUDIT_INVALID with a
// `reason` in its details; an item of a list that is not an event is returned
// in `rejected` and the rest of the list is kept (nothing else in a batch is
// lost). Messages name the reason and the position, never the content.

import { boundNesting } from './audit-nesting.ts'
import { LeakwatchError } from './errors.ts'
import type { AuditEnvelope } from './events.ts'
import { auditEventSchema } from './events.ts'
import { parseErrorPosition } from './parse-error.ts'
import { formatIssues, safeParse } from './schema.ts'

export type AuditEvent = AuditEnvelope['event']

export interface AuditDecodeLimits {
  /** Largest body or line, in bytes (UTF-8). */
  maxBytes: number
  /** Most events (list items, log events, records) one body may hold. */
  maxEvents: number
}

/**
 * The API server's webhook batches hold up to `--audit-webhook-batch-max-size` (400) events; with
 * `--audit-webhook-truncate-enabled` a batch is at most 10 MiB. Without truncation a batch of
 * RequestResponse events can be larger: raise maxBytes rather than lose it.
 */
export const AUDIT_DECODE_DEFAULTS: AuditDecodeLimits = { maxBytes: 16 * 1024 * 1024, maxEvents: 10_000 }

export const AUDIT_SHAPES = ['event', 'event-list', 'gke', 'gke-pubsub', 'eks', 'eks-subscription', 'aks'] as const
export type AuditShape = (typeof AUDIT_SHAPES)[number]

export const AUDIT_DECODE_REASONS = [
  'too-large',
  'not-json',
  'not-an-object',
  'unknown-shape',
  'too-many-events',
  'unsupported-version',
  'invalid-event',
  'not-audit'
] as const
export type AuditDecodeReason = (typeof AUDIT_DECODE_REASONS)[number]

/** An item of a list body that is not an event; `index` is its position in the list. */
export interface AuditRejected {
  index: number
  reason: AuditDecodeReason
  message: string
}

export interface AuditDecoded {
  shape: AuditShape
  events: AuditEvent[]
  rejected: AuditRejected[]
  /** The cluster the provider's envelope names (GKE cluster_name, EKS log group, AKS resource id), when it names one. */
  cluster?: string
}

class Invalid extends Error {
  readonly reason: AuditDecodeReason
  constructor(reason: AuditDecodeReason, message: string) {
    super(message)
    this.reason = reason
  }
}

/** The reason of an LW_ERR_AUDIT_INVALID thrown by decodeAudit, for metrics labels and 400 answers. */
export function auditDecodeReason(err: unknown): AuditDecodeReason | undefined {
  if (!(err instanceof LeakwatchError) || err.code !== 'LW_ERR_AUDIT_INVALID') return undefined
  const r = err.details?.reason
  return typeof r === 'string' && (AUDIT_DECODE_REASONS as readonly string[]).includes(r) ? (r as AuditDecodeReason) : undefined
}

function fail(reason: AuditDecodeReason, message: string): never {
  throw new LeakwatchError('LW_ERR_AUDIT_INVALID', `audit input: ${message}`, { details: { reason } })
}

type Obj = Record<string, unknown>

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text)
  } catch (err) {
    throw new Invalid('not-json', `${what} is not JSON (${parseErrorPosition(err)})`)
  }
}

/** Whether `text` (UTF-16 length n) may be more than max bytes of UTF-8; exact only when it has to be. */
function tooLarge(text: string, max: number): boolean {
  if (text.length > max) return true
  // Each UTF-16 unit is at most 3 UTF-8 bytes: below max/3 units no count is needed.
  return text.length * 3 > max && Buffer.byteLength(text, 'utf8') > max
}

/**
 * Decodes one body or line. Throws LW_ERR_AUDIT_INVALID (details.reason) when the text as a whole is not
 * one of the shapes; returns the events and the rejected items otherwise. An empty list is not an error.
 */
export function decodeAudit(text: string, limits: Partial<AuditDecodeLimits> = {}): AuditDecoded {
  const lim: AuditDecodeLimits = { ...AUDIT_DECODE_DEFAULTS, ...limits }
  if (tooLarge(text, lim.maxBytes)) fail('too-large', `larger than ${lim.maxBytes} bytes`)
  try {
    return decodeText(text, lim)
  } catch (err) {
    if (err instanceof Invalid) fail(err.reason, err.message)
    throw err
  }
}

function decodeText(text: string, lim: AuditDecodeLimits): AuditDecoded {
  let start = 0
  while (start < text.length && isSpace(text.charCodeAt(start))) start++
  if (text.charCodeAt(start) === 0xfeff) start++
  // A line of CloudWatch's S3 export: "<ISO 8601 timestamp> <message>".
  const c = text.charCodeAt(start)
  if (c >= 0x30 && c <= 0x39) {
    const sp = text.indexOf(' ', start)
    if (sp > start && sp - start <= 40 && text.charCodeAt(sp + 1) === 0x7b) {
      const ev = toEvent(parseJson(text.slice(sp + 1), 'the message'), 'the message')
      return { shape: 'eks', events: [ev], rejected: [] }
    }
  }
  const doc = parseJson(start === 0 ? text : text.slice(start), 'the body')
  if (!isObj(doc)) throw new Invalid('not-an-object', `the body is ${Array.isArray(doc) ? 'an array' : typeof doc}, not an object`)
  return decodeObject(doc, lim)
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d
}

function decodeObject(doc: Obj, lim: AuditDecodeLimits): AuditDecoded {
  if (doc.kind === 'EventList' || (Array.isArray(doc.items) && typeof doc.apiVersion === 'string' && doc.apiVersion.startsWith('audit.k8s.io/'))) {
    checkVersion(doc.apiVersion)
    const items = arrayOf(doc.items, 'items', lim)
    return list('event-list', items, (item) => item)
  }
  if (isObj(doc.protoPayload)) return { shape: 'gke', events: [fromGke(doc)], rejected: [], ...clusterOf(gkeCluster(doc)) }
  if (isObj(doc.message) && typeof doc.message.data === 'string') {
    // A Pub/Sub push subscription: the LogEntry is the base64 `data` of the message.
    const entry = parseJson(Buffer.from(doc.message.data, 'base64').toString('utf8'), 'message.data')
    if (!isObj(entry) || !isObj(entry.protoPayload)) throw new Invalid('unknown-shape', 'message.data is not a Cloud Logging entry with a protoPayload')
    return { shape: 'gke-pubsub', events: [fromGke(entry)], rejected: [], ...clusterOf(gkeCluster(entry)) }
  }
  if (typeof doc.messageType === 'string' && ('logEvents' in doc || doc.messageType === 'CONTROL_MESSAGE')) {
    const cluster = clusterOf(eksCluster(doc.logGroup))
    // CloudWatch's reachability check carries no events.
    if (doc.messageType !== 'DATA_MESSAGE') return { shape: 'eks-subscription', events: [], rejected: [], ...cluster }
    const items = arrayOf(doc.logEvents, 'logEvents', lim)
    const stream = str(doc.logStream)
    // The EKS control-plane log group also holds the authenticator, scheduler and API server's own logs.
    if (stream !== undefined && !stream.startsWith('kube-apiserver-audit')) {
      return { shape: 'eks-subscription', events: [], rejected: items.map((_, index) => notAudit(index, 'logStream')), ...cluster }
    }
    return { ...list('eks-subscription', items, (item) => messageOf(item, 'message')), ...cluster }
  }
  if ('@message' in doc) return { shape: 'eks', events: [toEvent(messageOf(doc, '@message'), '@message')], rejected: [], ...clusterOf(eksCluster(doc['@log'])) }
  if (Array.isArray(doc.records)) {
    const items = arrayOf(doc.records, 'records', lim)
    const first = items.find(isObj)
    const out = list('aks', items, (item) => aksLog(item))
    const cluster = first === undefined ? undefined : aksCluster(first)
    for (const r of out.rejected) if (r.reason === 'not-audit') r.message = `records[${r.index}] is not a kube-audit record`
    return { ...out, ...clusterOf(cluster) }
  }
  if (isObj(doc.properties) && 'log' in doc.properties) {
    return { shape: 'aks', events: [toEvent(aksLog(doc), 'properties.log')], rejected: [], ...clusterOf(aksCluster(doc)) }
  }
  if (doc.kind === 'Event' || ('auditID' in doc && 'stage' in doc)) return { shape: 'event', events: [toEvent(doc, 'the event')], rejected: [] }
  throw new Invalid('unknown-shape', 'not an audit Event, EventList, GKE, EKS or AKS log record')
}

function clusterOf(name: string | undefined): { cluster?: string } {
  return name === undefined || name === '' ? {} : { cluster: name }
}

function notAudit(index: number, why: string): AuditRejected {
  return { index, reason: 'not-audit', message: `item ${index} is not an audit event (${why})` }
}

function arrayOf(v: unknown, what: string, lim: AuditDecodeLimits): unknown[] {
  if (!Array.isArray(v)) throw new Invalid('unknown-shape', `${what} is not an array`)
  if (v.length > lim.maxEvents) throw new Invalid('too-many-events', `${what} holds ${v.length} entries, more than ${lim.maxEvents}`)
  return v
}

function list(shape: AuditShape, items: unknown[], unwrap: (item: unknown) => unknown): AuditDecoded {
  const events: AuditEvent[] = []
  const rejected: AuditRejected[] = []
  for (let i = 0; i < items.length; i++) {
    try {
      events.push(toEvent(unwrap(items[i]), `item ${i}`))
    } catch (err) {
      if (!(err instanceof Invalid)) throw err
      rejected.push({ index: i, reason: err.reason, message: err.message })
    }
  }
  return { shape, events, rejected }
}

/** A log event's message: the event as a JSON string (CloudWatch), or already an object. */
function messageOf(item: unknown, key: string): unknown {
  if (!isObj(item)) throw new Invalid('not-an-object', `the log event is not an object`)
  const m = item[key]
  if (typeof m === 'string') return parseJson(m, key)
  if (isObj(m)) return m
  throw new Invalid('unknown-shape', `${key} is neither a string nor an object`)
}

function aksLog(record: unknown): unknown {
  if (!isObj(record)) throw new Invalid('not-an-object', 'the record is not an object')
  const category = str(record.category) ?? str(record.Category)
  if (category !== undefined && category !== 'kube-audit' && category !== 'kube-audit-admin')
    throw new Invalid('not-audit', `category ${JSON.stringify(category.slice(0, 64))} is not kube-audit`)
  const props = record.properties
  if (!isObj(props)) throw new Invalid('unknown-shape', 'the record has no properties object')
  const log = props.log
  if (typeof log === 'string') return parseJson(log, 'properties.log')
  if (isObj(log)) return log
  throw new Invalid('unknown-shape', 'properties.log is neither a string nor an object')
}

function aksCluster(record: Obj): string | undefined {
  const id = str(record.resourceId) ?? str(record.ResourceId)
  if (id === undefined) return undefined
  // …/providers/Microsoft.ContainerService/managedClusters/<name>; Azure upper-cases the id in some exports.
  const parts = id.split('/')
  const i = parts.findIndex((p) => p.toLowerCase() === 'managedclusters')
  return i >= 0 ? parts[i + 1] : undefined
}

function eksCluster(logGroup: unknown): string | undefined {
  // /aws/eks/<cluster>/cluster; Logs Insights' @log prefixes the account: 111122223333:/aws/eks/<cluster>/cluster
  let g = str(logGroup)
  if (g === undefined) return undefined
  g = g.slice(g.indexOf(':') + 1)
  if (!g.startsWith('/aws/eks/')) return undefined
  const parts = g.split('/')
  return parts.length === 5 && parts[4] === 'cluster' ? parts[3] : undefined
}

function checkVersion(v: unknown): void {
  if (v === undefined || v === 'audit.k8s.io/v1' || v === 'audit.k8s.io/v1beta1') return
  throw new Invalid('unsupported-version', `apiVersion ${typeof v === 'string' ? JSON.stringify(v.slice(0, 64)) : typeof v} is not audit.k8s.io/v1 or v1beta1`)
}

/**
 * One event, validated and converted to v1. v1beta1 had ObjectMeta and a `timestamp`; v1 dropped both, and
 * their times are those of the request (`requestReceivedTimestamp`) and of the stage.
 */
function toEvent(v: unknown, what: string): AuditEvent {
  if (!isObj(v)) throw new Invalid('not-an-object', `${what} is not an object`)
  checkVersion(v.apiVersion)
  if (v.kind !== undefined && v.kind !== 'Event')
    throw new Invalid('invalid-event', `${what} has kind ${JSON.stringify(String(v.kind).slice(0, 64))}, not Event`)
  let e: Obj = v
  if (v.apiVersion === 'audit.k8s.io/v1beta1' || 'timestamp' in v || 'metadata' in v) {
    const { metadata, timestamp, ...rest } = v
    const created = isObj(metadata) ? str(metadata.creationTimestamp) : undefined
    const ts = str(timestamp) ?? created
    e = rest
    if (e.requestReceivedTimestamp === undefined && ts !== undefined) e.requestReceivedTimestamp = ts
    if (e.stageTimestamp === undefined && ts !== undefined) e.stageTimestamp = ts
  }
  e.kind = 'Event'
  e.apiVersion = 'audit.k8s.io/v1'
  const r = safeParse(auditEventSchema, e)
  if (!r.ok) throw new Invalid('invalid-event', `${what} is not an audit event: ${formatIssues(r.issues.slice(0, 3)).slice(0, 300)}`)
  return boundNesting(r.value)
}

// ---- GKE ------------------------------------------------------------------

function gkeCluster(entry: Obj): string | undefined {
  const res = entry.resource
  return isObj(res) && isObj(res.labels) ? str(res.labels.cluster_name) : undefined
}

/** google.rpc.Code → the HTTP status the API server answered (the mapping of google.rpc.Code's own documentation). */
const GRPC_TO_HTTP: Record<number, number> = {
  0: 200,
  1: 499,
  2: 500,
  3: 400,
  4: 504,
  5: 404,
  6: 409,
  7: 403,
  8: 429,
  9: 400,
  10: 409,
  11: 400,
  12: 501,
  13: 500,
  14: 503,
  15: 500,
  16: 401
}

/**
 * A Cloud Logging LogEntry of GKE's Kubernetes audit log as an Event. GKE writes one entry per request
 * (when the response is complete): `operation.id` is the auditID, `authenticationInfo.principalEmail`
 * the username, `methodName` `io.k8s.<group>.<version>.<resource>[.<subresource>].<verb>`, `resourceName`
 * `<group>/<version>/namespaces/<ns>/<resource>/<name>[/<subresource>]`, `request`/`response` the objects
 * (with an added `@type`), `status` a google.rpc.Status, and the entry's `labels` the event's annotations.
 */
function fromGke(entry: Obj): AuditEvent {
  const p = entry.protoPayload as Obj
  const type = str(p['@type'])
  if (type !== undefined && type !== 'type.googleapis.com/google.cloud.audit.AuditLog')
    throw new Invalid('not-audit', 'protoPayload is not a google.cloud.audit.AuditLog')
  const service = str(p.serviceName)
  if (service !== undefined && service !== 'k8s.io')
    throw new Invalid('not-audit', 'protoPayload.serviceName is not k8s.io (a GKE API, not Kubernetes, audit entry)')
  const op = isObj(entry.operation) ? entry.operation : {}
  const auditID = str(op.id) ?? str(entry.insertId)
  if (auditID === undefined) throw new Invalid('invalid-event', 'the GKE entry has no operation.id (the auditID)')
  const method = str(p.methodName) ?? ''
  const methodParts = method.split('.')
  const verb = methodParts.length >= 2 ? (methodParts.at(-1) ?? '') : ''
  if (verb === '') throw new Invalid('invalid-event', 'the GKE entry has no methodName to take the verb from')
  const auth = isObj(p.authenticationInfo) ? p.authenticationInfo : {}
  const meta = isObj(p.requestMetadata) ? p.requestMetadata : {}
  const ev: Obj = {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'response' in p ? 'RequestResponse' : 'request' in p ? 'Request' : 'Metadata',
    auditID,
    // GKE logs a request once it is answered; a watch's first entry (operation.first without last) is its start.
    stage: op.first === true && op.last !== true ? 'ResponseStarted' : 'ResponseComplete',
    verb,
    user: { ...(str(auth.principalEmail) === undefined ? {} : { username: str(auth.principalEmail) }) }
  }
  const ip = str(meta.callerIp)
  if (ip !== undefined) ev.sourceIPs = [ip]
  const ua = str(meta.callerSuppliedUserAgent)
  if (ua !== undefined) ev.userAgent = ua
  const ref = gkeObjectRef(str(p.resourceName), methodParts)
  if (ref !== undefined) ev.objectRef = ref
  if (isObj(p.status)) {
    const code = typeof p.status.code === 'number' ? p.status.code : 0
    const message = str(p.status.message)
    ev.responseStatus = { metadata: {}, code: GRPC_TO_HTTP[code] ?? 500, ...(message === undefined || message === '' ? {} : { message }) }
  }
  if ('request' in p) ev.requestObject = withoutType(p.request)
  if ('response' in p) ev.responseObject = withoutType(p.response)
  const ts = str(entry.timestamp)
  if (ts !== undefined) {
    ev.requestReceivedTimestamp = ts
    ev.stageTimestamp = str(entry.receiveTimestamp) ?? ts
  }
  if (isObj(entry.labels)) {
    const ann: Record<string, string> = {}
    for (const [k, v] of Object.entries(entry.labels)) if (typeof v === 'string') ann[k] = v
    ev.annotations = ann
  }
  return toEvent(ev, 'the GKE entry')
}

/** Cloud Logging adds the proto type of the object as "@type" (e.g. core.k8s.io/v1.ConfigMap); the Event never had it. */
function withoutType(v: unknown): unknown {
  if (!isObj(v) || !('@type' in v)) return v
  const { '@type': _t, ...rest } = v
  return rest
}

function gkeObjectRef(resourceName: string | undefined, methodParts: string[]): Obj | undefined {
  if (resourceName === undefined || resourceName === '') return undefined
  const parts = resourceName.split('/')
  if (parts.length < 3) return undefined
  const group = parts[0] === 'core' ? '' : (parts[0] ?? '')
  const ref: Obj = { apiVersion: parts[1] }
  if (group !== '') ref.apiGroup = group
  let rest = parts.slice(2)
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    ref.namespace = rest[1]
    rest = rest.slice(2)
  } else if (rest[0] === 'namespaces' && rest.length === 2) {
    // The Namespace object itself: core/v1/namespaces/<name>.
    ref.resource = 'namespaces'
    ref.name = rest[1]
    return ref
  }
  if (rest[0] !== undefined) ref.resource = rest[0]
  if (rest[1] !== undefined) ref.name = rest[1]
  if (rest[2] !== undefined) ref.subresource = rest[2]
  // A list or create names the collection only; methodName still names the resource.
  if (ref.resource === undefined && methodParts.length >= 4) ref.resource = methodParts.at(-2)
  return ref
}
