// One incident per fingerprint, and every way it changes: a new occurrence,
// a status change (by a person, a button or a rotation), an action's outcome,
// the Slack message it was posted as. The transitions are pure functions over
// the incident document; the stores (memory here, Redis in
// incidents-redis.ts) only make each read-modify-write atomic and remember
// occurrence ids, so a replayed finding changes nothing.
//
// Incidents hold only what a finding holds — fingerprint, masked preview,
// where — never a value. The one sealed value some rotations need is stored
// beside the incident, never inside it, so no view of an incident carries it.

import type { Finding, Severity, Source } from '../pipeline/events.ts'
import { FifoSet } from '../pipeline/fifo.ts'
import type { RotationAction } from './config.ts'
import type { RotationMode, Route } from './policy.ts'
import { severityRank } from './policy.ts'

export const STATUSES = ['open', 'rotating', 'resolved', 'ignored'] as const
export type Status = (typeof STATUSES)[number]
export const RESOLUTIONS = ['rotated', 'false_positive', 'wont_fix', 'used_in_tests'] as const
export type Resolution = (typeof RESOLUTIONS)[number]
export type ActionOutcome = 'succeeded' | 'accepted' | 'retrying' | 'failed' | 'dead-lettered'

/** A place the secret was seen: one per stream, with its own count. */
export interface Location {
  stream: string
  cluster: string
  namespace?: string
  pod?: string
  workload?: string
  container?: string
  repository?: string
  job?: string
  /** CI: the job's page, at the line where the secret was first seen when the provider's page has line anchors. */
  url?: string
  /** Audit events: the object (`ConfigMap shop/app-config`), the field and who wrote it (see Source). */
  object?: string
  field?: string
  principal?: string
  impersonatedUser?: string
  verb?: string
  /** CI: who ran what: the branch, the commit and the user who triggered the job. */
  branch?: string
  commit?: string
  actor?: string
  count: number
  firstSeen: string
  lastSeen: string
}

export interface HistoryEntry {
  seq: number
  at: string
  /** status: a status change; action: an action's terminal outcome; note: anything else worth a thread reply. */
  kind: 'status' | 'action' | 'note'
  actor: string
  text: string
  status?: Status
  resolution?: Resolution
}

export interface ActionState {
  id: string
  action: string
  outcome: ActionOutcome
  attempt: number
  detail: string
  at: string
  /** Webhook endpoint name, for verifying its callback. */
  endpoint?: string
}

export interface Incident {
  id: string
  fingerprint: string
  rule: string
  title: string
  kind: string
  /** Effective severity: the rule's, raised by policy; never lowered by a later occurrence. */
  severity: Severity
  ruleSeverity: Severity
  preview: string
  cluster: string
  source: Source
  firstStream: string
  lastStream: string
  firstSeen: string
  lastSeen: string
  occurrences: number
  /** The first `maxLocationsPerIncident` streams; occurrences elsewhere only count in `otherOccurrences`. */
  locations: Location[]
  otherOccurrences: number
  status: Status
  resolution?: Resolution
  resolvedAt?: string
  regressions: number
  acknowledgedBy?: string
  route: Route
  rotation: { mode: RotationMode; actions: RotationAction[]; round: number; pending: string[] }
  secretRef?: NonNullable<Finding['secretRef']>
  /** A sealed value is stored beside the incident (GitHub revocation can use it). */
  sealed: boolean
  actions: ActionState[]
  history: HistoryEntry[]
  nextSeq: number
  /** The Slack message: channel and ts once posted; `threadSeq` = last history entry replied in its thread. */
  slack?: { channel: string; ts: string; threadSeq: number; digest: string }
  /** Whether the "opened" actions were enqueued (set after the enqueue, so a crash in between re-enqueues). */
  alerted: boolean
  updatedAt: string
}

export interface RecordContext {
  cluster: string
  severity: Severity
  route: Route
  rotation: { mode: RotationMode; actions: RotationAction[] }
  maxLocations: number
  reopenOn: readonly Resolution[]
}

export interface Upsert {
  incident: Incident
  /** The finding id was seen before: a replay, nothing changed. */
  replay: boolean
  /** This finding created the incident. */
  created: boolean
  /** This finding reopened a resolved incident (a regression). */
  reopened: boolean
}

export interface ListFilter {
  status?: Status | undefined
  severity?: Severity | undefined
  rule?: string | undefined
  namespace?: string | undefined
  limit?: number | undefined
}

export interface IncidentStore {
  record: (finding: Finding, ctx: RecordContext) => Promise<Upsert>
  /** Atomic read-modify-write; `change` returns undefined to leave the incident as it is. */
  update: (fingerprint: string, change: (i: Incident) => Incident | undefined) => Promise<Incident | undefined>
  get: (fingerprint: string) => Promise<Incident | undefined>
  list: (filter?: ListFilter) => Promise<Incident[]>
  /** The sealed value of an incident, if a finding carried one. */
  sealed: (fingerprint: string) => Promise<string | undefined>
}

const MAX_HISTORY = 200
const MAX_ACTIONS = 50

function later(a: string, b: string): boolean {
  return Date.parse(a) > Date.parse(b)
}

function locationOf(f: Finding, cluster: string): Location {
  const s = f.source
  const l: Location = { stream: f.stream, cluster: s.cluster ?? cluster, count: 0, firstSeen: f.detectedAt, lastSeen: f.detectedAt }
  for (const k of [
    'namespace',
    'pod',
    'workload',
    'container',
    'repository',
    'job',
    'url',
    'object',
    'field',
    'principal',
    'impersonatedUser',
    'verb'
  ] as const) {
    const v = s[k]
    if (v !== undefined) l[k] = v
  }
  if (s.type === 'ci') {
    const page = ciLineUrl(s, f.location.line)
    if (page !== undefined) l.url = page
    for (const k of ['branch', 'commit', 'actor'] as const) {
      const v = s.labels?.[k]
      if (v !== undefined && v !== '') l[k] = v
    }
  }
  return l
}

/**
 * The page of a CI job at `line` of its log: GitLab's job page anchors lines (`#L<n>`); GitHub's opens a step at its
 * own line (`#step:<n>:<line in step>`), known when the chunk carries the step that began in it (`step`, `stepLine`
 * labels of the GitHub collector); otherwise the job page.
 */
export function ciLineUrl(s: Source, line: number): string | undefined {
  if (s.url === undefined || s.url === '') return undefined
  if (s.provider === 'gitlab') return `${s.url}#L${line}`
  const step = Number(s.labels?.step)
  const stepLine = Number(s.labels?.stepLine)
  if (s.provider === 'github' && Number.isSafeInteger(step) && Number.isSafeInteger(stepLine) && stepLine >= 1 && stepLine <= line)
    return `${s.url}#step:${step}:${line - stepLine + 1}`
  return s.url
}

export function addHistory(i: Incident, e: Omit<HistoryEntry, 'seq' | 'at'> & { at?: string }): Incident {
  const entry: HistoryEntry = { ...e, seq: i.nextSeq, at: e.at ?? new Date().toISOString() }
  return { ...i, nextSeq: i.nextSeq + 1, history: [...i.history, entry].slice(-MAX_HISTORY) }
}

export function fresh(f: Finding, ctx: RecordContext): Incident {
  const base: Incident = {
    id: f.fingerprint,
    fingerprint: f.fingerprint,
    rule: f.rule,
    title: f.title,
    kind: f.kind,
    severity: ctx.severity,
    ruleSeverity: f.severity,
    preview: f.preview,
    cluster: ctx.cluster,
    source: f.source,
    firstStream: f.stream,
    lastStream: f.stream,
    firstSeen: f.detectedAt,
    lastSeen: f.detectedAt,
    occurrences: 0,
    locations: [],
    otherOccurrences: 0,
    status: 'open',
    regressions: 0,
    route: ctx.route,
    rotation: { ...ctx.rotation, round: 0, pending: [] },
    sealed: false,
    actions: [],
    history: [],
    nextSeq: 1,
    alerted: false,
    updatedAt: f.detectedAt
  }
  if (f.secretRef !== undefined) base.secretRef = f.secretRef
  return addHistory(base, { kind: 'status', status: 'open', actor: 'leakwatch', text: `opened: first seen in ${f.stream}`, at: f.detectedAt })
}

/** A new (not replayed) occurrence. Findings arrive out of order across streams: first/last seen only ever widen. */
export function applyFinding(prev: Incident | undefined, f: Finding, ctx: RecordContext): { incident: Incident; created: boolean; reopened: boolean } {
  let i = prev === undefined ? fresh(f, ctx) : { ...prev }
  i.occurrences++
  if (later(i.firstSeen, f.detectedAt)) {
    i.firstSeen = f.detectedAt
    i.firstStream = f.stream
  }
  if (!later(i.lastSeen, f.detectedAt)) {
    i.lastSeen = f.detectedAt
    i.lastStream = f.stream
  }
  if (severityRank(ctx.severity) > severityRank(i.severity)) i.severity = ctx.severity
  if (i.secretRef === undefined && f.secretRef !== undefined) i.secretRef = f.secretRef
  const at = i.locations.findIndex((l) => l.stream === f.stream)
  if (at >= 0) {
    const l = { ...(i.locations[at] as Location) }
    l.count++
    if (later(l.firstSeen, f.detectedAt)) l.firstSeen = f.detectedAt
    if (!later(l.lastSeen, f.detectedAt)) l.lastSeen = f.detectedAt
    i.locations = i.locations.with(at, l)
  } else if (i.locations.length < ctx.maxLocations) {
    i.locations = [...i.locations, { ...locationOf(f, ctx.cluster), count: 1 }]
  } else {
    i.otherOccurrences++
  }
  let reopened = false
  // Only an occurrence after the resolution is a regression: a late copy of an old log line is not.
  if (
    i.status === 'resolved' &&
    i.resolution !== undefined &&
    ctx.reopenOn.includes(i.resolution) &&
    (i.resolvedAt === undefined || later(f.detectedAt, i.resolvedAt))
  ) {
    const was = i.resolution
    i.status = 'open'
    i.regressions++
    delete i.resolution
    delete i.resolvedAt
    i.rotation = { ...ctx.rotation, round: i.rotation.round, pending: [] }
    i = addHistory(i, {
      kind: 'status',
      status: 'open',
      actor: 'leakwatch',
      text: `reopened: regression, seen again in ${f.stream} after it was resolved as ${was}`
    })
    reopened = true
  }
  i.updatedAt = new Date().toISOString()
  return { incident: i, created: prev === undefined, reopened }
}

export class TransitionError extends Error {
  override name = 'TransitionError'
}

/** A status change by a person, a button or a rotation. Throws TransitionError when it makes no sense. */
export function applyStatus(i: Incident, to: Status, opts: { resolution?: Resolution; reason: string; actor: string }): Incident {
  if (to === 'resolved' && opts.resolution === undefined)
    throw new TransitionError('resolving needs a resolution (rotated, false_positive, wont_fix, used_in_tests)')
  if (to !== 'resolved' && opts.resolution !== undefined) throw new TransitionError('only a resolved incident has a resolution')
  if (to === 'rotating' && i.status !== 'open') throw new TransitionError(`cannot start rotating an incident that is ${i.status}`)
  if (to === i.status && (to !== 'resolved' || opts.resolution === i.resolution)) throw new TransitionError(`incident is already ${to}`)
  const next: Incident = { ...i, status: to, updatedAt: new Date().toISOString() }
  if (to === 'resolved') {
    next.resolution = opts.resolution as Resolution
    next.resolvedAt = next.updatedAt
  } else {
    delete next.resolution
    delete next.resolvedAt
  }
  if (to !== 'rotating') next.rotation = { ...next.rotation, pending: [] }
  const label = to === 'resolved' ? `resolved (${opts.resolution})` : to
  return addHistory(next, {
    kind: 'status',
    status: to,
    ...(to === 'resolved' ? { resolution: next.resolution } : {}),
    actor: opts.actor,
    text: `${label}: ${opts.reason}`
  } as Omit<HistoryEntry, 'seq' | 'at'>)
}

export function applyAck(i: Incident, actor: string): Incident | undefined {
  if (i.acknowledgedBy !== undefined) return undefined
  return addHistory({ ...i, acknowledgedBy: actor, updatedAt: new Date().toISOString() }, { kind: 'note', actor, text: `acknowledged by ${actor}` })
}

/** Starts a rotation round: the incident is `rotating` until every job of the round succeeded (then resolved as rotated) or one failed (back to open). */
export function applyRotationStart(i: Incident, jobIds: string[], actor: string, reason: string): Incident {
  const next = applyStatus(i, 'rotating', { reason, actor })
  return { ...next, rotation: { ...next.rotation, round: i.rotation.round + 1, pending: jobIds } }
}

export function applyActionOutcome(i: Incident, a: ActionState): Incident {
  const prev = i.actions.find((x) => x.id === a.id)
  // A late, stale report (an earlier attempt's) must not overwrite a terminal outcome.
  if (prev !== undefined && (prev.outcome === 'succeeded' || prev.outcome === 'failed' || prev.outcome === 'dead-lettered') && a.outcome !== 'succeeded')
    return i
  if (prev?.outcome === 'succeeded') return i
  let next: Incident = {
    ...i,
    actions: [...i.actions.filter((x) => x.id !== a.id), { ...(prev?.endpoint === undefined ? {} : { endpoint: prev.endpoint }), ...a }].slice(-MAX_ACTIONS)
  }
  next.updatedAt = new Date().toISOString()
  if (a.outcome === 'retrying') return next
  const verb = { succeeded: 'succeeded', accepted: 'accepted, waiting for its callback', failed: 'failed', 'dead-lettered': 'gave up after retries' }[a.outcome]
  next = addHistory(next, { kind: 'action', actor: 'leakwatch', text: `${a.action} ${verb}: ${a.detail}` })
  if (!next.rotation.pending.includes(a.id) || next.status !== 'rotating') return next
  if (a.outcome === 'failed' || a.outcome === 'dead-lettered') return applyStatus(next, 'open', { actor: 'leakwatch', reason: `rotation failed (${a.action})` })
  if (a.outcome === 'succeeded') {
    next = { ...next, rotation: { ...next.rotation, pending: next.rotation.pending.filter((p) => p !== a.id) } }
    if (next.rotation.pending.length === 0)
      return applyStatus(next, 'resolved', { resolution: 'rotated', actor: 'leakwatch', reason: 'every rotation action succeeded' })
  }
  return next
}

export interface MemoryStoreOptions {
  retentionMs: number
  maxOccurrenceIds: number
  now?: () => number
}

export function createMemoryIncidentStore(opts: MemoryStoreOptions = { retentionMs: 90 * 24 * 3600_000, maxOccurrenceIds: 10_000 }): IncidentStore {
  const incidents = new Map<string, Incident>()
  // Per incident, insertion-ordered: the oldest ids are forgotten first, and all go with the incident.
  const seen = new Map<string, FifoSet<string>>()
  const sealedValues = new Map<string, string>()
  const now = opts.now ?? Date.now
  let lastSweep = 0

  function sweep(): void {
    const t = now()
    if (t - lastSweep < 60_000) return
    lastSweep = t
    for (const [fp, i] of incidents) {
      if (t - Date.parse(i.updatedAt) <= opts.retentionMs) continue
      incidents.delete(fp)
      seen.delete(fp)
      sealedValues.delete(fp)
    }
  }

  return {
    async record(f, ctx) {
      sweep()
      const prev = incidents.get(f.fingerprint)
      let ids = seen.get(f.fingerprint)
      if (prev !== undefined && ids?.has(f.id) === true) return { incident: structuredClone(prev), replay: true, created: false, reopened: false }
      const r = applyFinding(prev, f, ctx)
      if (f.sealed !== undefined && !sealedValues.has(f.fingerprint)) {
        sealedValues.set(f.fingerprint, f.sealed)
        r.incident.sealed = true
      }
      incidents.set(f.fingerprint, r.incident)
      if (ids === undefined) {
        ids = new FifoSet(opts.maxOccurrenceIds)
        seen.set(f.fingerprint, ids)
      }
      ids.add(f.id)
      return { ...r, incident: structuredClone(r.incident), replay: false }
    },
    async update(fp, change) {
      const cur = incidents.get(fp)
      if (cur === undefined) return undefined
      const next = change(structuredClone(cur))
      if (next === undefined) return structuredClone(cur)
      incidents.set(fp, next)
      return structuredClone(next)
    },
    async get(fp) {
      const i = incidents.get(fp)
      return i === undefined ? undefined : structuredClone(i)
    },
    async list(filter = {}) {
      return [...incidents.values()]
        .filter((i) => matchesFilter(i, filter))
        .sort((a, b) => Date.parse(b.lastSeen) - Date.parse(a.lastSeen))
        .slice(0, filter.limit ?? 100)
        .map((i) => structuredClone(i))
    },
    async sealed(fp) {
      return sealedValues.get(fp)
    }
  }
}

export function matchesFilter(i: Incident, f: ListFilter): boolean {
  if (f.status !== undefined && i.status !== f.status) return false
  if (f.severity !== undefined && severityRank(i.severity) < severityRank(f.severity)) return false
  if (f.rule !== undefined && i.rule !== f.rule) return false
  if (f.namespace !== undefined && !i.locations.some((l) => l.namespace === f.namespace) && i.source.namespace !== f.namespace) return false
  return true
}
