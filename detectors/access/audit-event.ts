// Reading an audit.k8s.io/v1 Event as the access rules need it: its time, its
// status, a reference to quote as evidence (never a body), and the few bodies
// the rules look into (RBAC roles and bindings, pods), each walked with bounds.

import type { auditEventSchema } from '../../pipeline/events.ts'
import type { Infer } from '../../pipeline/schema.ts'

export type AuditEvent = Infer<typeof auditEventSchema>

/** One audit event as a finding quotes it: what, where, when, by which tool; never a request or response body. */
export interface EventRef {
  auditID: string
  at: string
  verb: string
  resource?: string
  subresource?: string
  namespace?: string
  name?: string
  code?: number
  sourceIP?: string
  userAgent?: string
}

/** Names from a hostile log are bounded before they become state, keys or evidence (Kubernetes' own names are ≤ 253). */
export function clip(s: string, max = 256): string {
  return s.length <= max ? s : `${s.slice(0, max)}…`
}

export function eventTime(e: AuditEvent): number {
  return rfc3339Ms(e.stageTimestamp ?? e.requestReceivedTimestamp ?? '')
}

const D0 = 48
const isDigit = (c: number): boolean => c >= D0 && c <= D0 + 9
/** `YYYY-MM-DDTHH:MM` with an hour below 24: what the minute cache may hold (Date.parse takes 24:00:00 alone). */
function isMinutePrefix(s: string): boolean {
  for (let i = 0; i < 16; i++) {
    const c = s.charCodeAt(i)
    if (i === 4 || i === 7 ? c !== 45 : i === 10 ? c !== 84 : i === 13 ? c !== 58 : !isDigit(c)) return false
  }
  return s.charCodeAt(11) < D0 + 2 || s.charCodeAt(12) < D0 + 4
}

// One minute's worth of events share their first 16 characters: Date.parse of the API server's
// microsecond timestamps cost more than the access rules of a non-secret event, so the minute is
// parsed once and seconds and milliseconds are added by hand.
let minuteKey = ''
let minuteMs = Number.NaN

/**
 * Date.parse for `YYYY-MM-DDTHH:MM:SS[.fraction]Z` (the API server writes nothing else), same result: the
 * fraction truncated to milliseconds, as V8 does; anything else goes to Date.parse itself.
 */
export function rfc3339Ms(s: string): number {
  const z = s.length - 1
  if (z < 19 || s.charCodeAt(z) !== 90 || s.charCodeAt(16) !== 58) return Date.parse(s)
  const s1 = s.charCodeAt(17) - D0
  const s2 = s.charCodeAt(18) - D0
  if (s1 < 0 || s1 > 5 || s2 < 0 || s2 > 9) return Date.parse(s)
  let ms = 0
  if (z > 19) {
    if (s.charCodeAt(19) !== 46 || z === 20) return Date.parse(s)
    for (let i = 20; i < z; i++) {
      const c = s.charCodeAt(i)
      if (!isDigit(c)) return Date.parse(s)
      if (i < 23) ms += (c - D0) * (i === 20 ? 100 : i === 21 ? 10 : 1)
    }
  }
  if (minuteKey === '' || !s.startsWith(minuteKey)) {
    if (!isMinutePrefix(s)) return Date.parse(s)
    minuteKey = s.slice(0, 16)
    minuteMs = Date.parse(`${minuteKey}:00Z`)
  }
  return minuteMs + (s1 * 10 + s2) * 1000 + ms
}

export function statusCode(e: AuditEvent): number | undefined {
  const s = e.responseStatus as { code?: unknown } | undefined
  return typeof s?.code === 'number' ? s.code : undefined
}

export function ref(e: AuditEvent, t: number): EventRef {
  const o = e.objectRef
  const code = statusCode(e)
  const ip = e.sourceIPs?.[0]
  return {
    auditID: e.auditID,
    at: new Date(t).toISOString(),
    verb: e.verb,
    ...(o?.resource === undefined ? {} : { resource: o.resource }),
    ...(o?.subresource === undefined ? {} : { subresource: o.subresource }),
    ...(o?.namespace === undefined ? {} : { namespace: clip(o.namespace) }),
    ...(o?.name === undefined ? {} : { name: clip(o.name) }),
    ...(code === undefined ? {} : { code }),
    ...(ip === undefined ? {} : { sourceIP: clip(ip, 64) }),
    ...(e.userAgent === undefined ? {} : { userAgent: e.userAgent.slice(0, 200) })
  }
}

export function roleGrantsSecrets(obj: unknown): boolean {
  const rules = (obj as { rules?: unknown } | undefined)?.rules
  if (!Array.isArray(rules)) return false
  for (const r of rules.slice(0, 500)) {
    const rr = r as { resources?: unknown; verbs?: unknown; apiGroups?: unknown }
    const res = Array.isArray(rr.resources) ? rr.resources : []
    const verbs = Array.isArray(rr.verbs) ? rr.verbs : []
    const groups = Array.isArray(rr.apiGroups) ? rr.apiGroups : ['']
    if (!groups.some((g) => g === '' || g === '*')) continue
    if (!res.some((x) => x === 'secrets' || x === '*')) continue
    if (verbs.some((v) => v === 'get' || v === 'list' || v === 'watch' || v === '*')) return true
  }
  return false
}

export function podMountsSecrets(obj: unknown): boolean {
  const spec = (obj as { spec?: { volumes?: unknown; containers?: unknown; initContainers?: unknown } } | undefined)?.spec
  if (spec === undefined || spec === null) return false
  const vols = Array.isArray(spec.volumes) ? spec.volumes : []
  for (const v of vols.slice(0, 200)) {
    const vv = v as { secret?: unknown; projected?: { sources?: unknown } }
    if (vv.secret !== undefined) return true
    if (Array.isArray(vv.projected?.sources) && vv.projected.sources.some((s: { secret?: unknown }) => s.secret !== undefined)) return true
  }
  for (const list of [spec.containers, spec.initContainers]) {
    if (!Array.isArray(list)) continue
    for (const c of list.slice(0, 100)) {
      const cc = c as { env?: unknown; envFrom?: unknown }
      if (Array.isArray(cc.envFrom) && cc.envFrom.some((x: { secretRef?: unknown }) => x.secretRef !== undefined)) return true
      if (Array.isArray(cc.env) && cc.env.some((x: { valueFrom?: { secretKeyRef?: unknown } }) => x.valueFrom?.secretKeyRef !== undefined)) return true
    }
  }
  return false
}

export function subjectPrincipal(s: unknown): string | undefined {
  const x = s as { kind?: unknown; name?: unknown; namespace?: unknown }
  if (typeof x.name !== 'string') return undefined
  if (x.kind === 'User') return x.name
  if (x.kind === 'Group') return `group:${x.name}`
  if (x.kind === 'ServiceAccount' && typeof x.namespace === 'string') return `system:serviceaccount:${x.namespace}:${x.name}`
  return undefined
}
