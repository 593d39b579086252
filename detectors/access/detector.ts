// The access detector: who reads which secrets, how often, from where, and
// which sensitive operations they do that they do not normally do (docs/access.md).
//
// Programmatic entry point (the pipeline stage, `audit analyze` and the
// benchmark all use it):
//
//   const d = createAccessDetector(config, { store, emit: 'close', learnUntilMs })
//   for (const batch of batches) for (const f of await d.process(batch)) use(f)
//   for (const f of await d.flush()) use(f)
//
// `process` takes audit.k8s.io/v1 Events in order of event time (per
// principal); time is the events' stageTimestamp (else
// requestReceivedTimestamp), never the wall clock, so a replay gives the same
// findings. Related events of one anomaly (same rule, principal and namespace,
// no gap longer than `episodeGapMs`) are one finding: `emit: 'open'` returns it
// when it opens (the pipeline: alert now), `emit: 'close'` when it closes or
// on flush, with the whole window's evidence (offline analysis).
//
// Impersonated requests count for both principals: the real user (who may
// impersonate, and whose credential it is) and the impersonated one (whose
// permissions were used).

import type { Severity } from '../../pipeline/events.ts'
import { FifoMap, FifoSet } from '../../pipeline/fifo.ts'
import { stableId } from '../../pipeline/fingerprint.ts'
import type { AuditEvent, EventRef } from './audit-event.ts'
import { clip, eventTime, podMountsSecrets, ref, roleGrantsSecrets, statusCode, subjectPrincipal } from './audit-event.ts'
import type { AccessConfig, AccessRule } from './config.ts'
import type { ParsedCidr, Principal, PrincipalKind } from './principal.ts'
import { classify, inNetworks, isHandTool, matchesName, parseCidr, sourceNetwork, userAgentFamily } from './principal.ts'
import type { AccessStore, Fact, PrincipalUpdate } from './store.ts'
import type { Ewma } from './windows.ts'
import { fold, touch, windowJson } from './windows.ts'

export interface AccessFinding {
  /** Stable across replays: rule, principal, namespace and the first event's auditID. */
  id: string
  rule: `access-${AccessRule}`
  title: string
  severity: Severity
  /** The username the finding is about. */
  principal: string
  principalKind: PrincipalKind
  serviceAccount?: string
  /** The authenticated user who sent the requests (differs from `principal` for the impersonated side). */
  user: string
  impersonatedUser?: string
  groups: string[]
  namespace?: string
  firstSeen: string
  lastSeen: string
  /** How anomalous: a z-score for rates, the ratio to the learned peak for breadth, 1 for a first occurrence. */
  score: number
  /** What the principal normally does, as the rule compared it. */
  baseline: Record<string, number | string>
  /** The events, first ones up to `maxAuditIds` (the last slot holds the latest). */
  auditIDs: string[]
  evidence: {
    count: number
    first: EventRef
    last: EventRef
    /** Secrets (`ns/name`, `ns/*` for a list), namespaces, networks or agents involved, first ones. */
    items: string[]
    distinctSecrets?: number
    distinctNamespaces?: number
  }
}

export interface AccessDetector {
  process: (events: readonly AuditEvent[]) => Promise<AccessFinding[]>
  /** Closes every open finding (emit 'close'), saves state. */
  flush: () => Promise<AccessFinding[]>
  /** End of the learning period in event time, once known. */
  learningUntil: () => number | undefined
  stats: () => { events: number; skipped: number; principals: number }
}

export interface AccessDetectorDeps {
  store: AccessStore
  emit: 'open' | 'close'
  /** Learning ends here (event time) instead of `learningPeriodMs` after the cluster's first event. */
  learnUntilMs?: number
  /**
   * How often (wall clock) the changed states are written to the store: each batch would serialise every
   * principal it touched. A crash loses at most this much learning; findings are not delayed. Default 1000;
   * `audit analyze` writes only at the end. flush() always writes.
   */
  saveIntervalMs?: number
  clock?: () => number
}

const TITLES: Record<AccessRule, string> = {
  'secret-read-rate': 'Secret reads far above the principal’s baseline',
  'first-seen-secret': 'Principal read a secret it never read before',
  'first-seen-namespace': 'Principal read secrets in a namespace it never read before',
  'new-source-network': 'Credential used from a new source network',
  'new-user-agent': 'Credential used by a new user agent',
  'secret-enumeration': 'Secret enumeration: many secrets or namespaces in a short window',
  'slow-secret-harvest': 'Slow secret harvesting: many distinct secrets over hours',
  'cluster-wide-secret-list': 'Cluster-wide list or watch of secrets',
  'denied-secret-reads': 'Burst of denied secret requests',
  'anonymous-secret-access': 'Anonymous request for secrets',
  'token-request': 'Service-account token requested by an unusual principal',
  'pod-exec': 'Exec or attach into a pod by an unusual principal',
  impersonation: 'Unusual impersonation',
  'rbac-secret-grant': 'RBAC change grants secret access',
  'secret-read-after-grant': 'Secrets read after an RBAC change granted access'
}

const RANK: Record<Severity, number> = { low: 0, medium: 1, high: 2, critical: 3 }
const HOUR_MS = 3_600_000
/** Built-in cluster roles that grant reading secrets. */
const BUILTIN_SECRET_ROLES = new Set(['ClusterRole:cluster-admin', 'ClusterRole:admin', 'ClusterRole:edit'])
const MAX_CACHED_PRINCIPALS = 100_000
const MAX_RECENT_IDS = 50_000
/** Pods (and generateName templates) whose creation this process saw; the store holds them all. */
const MAX_CACHED_PODS = 100_000
const GRANT_REFRESH_MS = 60_000
const GRANT_REFRESH_WALL_MS = 5000
const IDLE_DROP_MS = 30_000
const MAX_PEER_GROUPS = 20
// apiserver's names.SimpleNameGenerator: generateName cut to 63 − 5 characters, then 5 random ones.
const GENERATED_SUFFIX = 5
const GENERATED_NAME_BASE = 58
const MAX_PEER_CACHE = 200_000
const MAX_FRESH = 100
/** The hour-of-week buckets' names, made once: a principal seen every few hours rolls (and names) several per read. */
const BUCKET_NAMES = Array.from({ length: 168 }, (_, i) => String(i))

interface Episode {
  rule: AccessRule
  sev: Severity
  score: number
  base: Record<string, number | string>
  ns?: string
  user: string
  imp?: string
  groups: string[]
  first: EventRef
  last: EventRef
  firstMs: number
  lastMs: number
  count: number
  ids: string[]
  items: string[]
  ds?: number
  dn?: number
}

interface Subject {
  p: string
  groups: string[]
  user: string
  imp: string | undefined
  /** The principal's state, looked up once per event (a username fresh from JSON.parse is hashed on each lookup). */
  st?: PState | undefined
}

interface Work {
  e: AuditEvent
  t: number
  subs: Subject[]
}

interface Grant {
  atMs: number
  role: string
  binding: string
  by: string
}

interface Core {
  first: number
  last: number
  hour: number
  hourCount: number
  buckets: Record<string, Ewma>
  /** Sliding windows: item → last time seen, in last-touched order. */
  short: Record<string, number>
  shortNs: Record<string, number>
  slow: Record<string, number>
  /** Secrets new to the principal, no peer read and it did not write, in the slow window. */
  novel?: Record<string, number>
  denied: number[]
  peak: { short: number; shortNs: number; slow: number; hour?: number }
  episodes: Record<string, Episode>
  /** Adopted silently: the first network and agent of a principal first seen after learning. */
  adopted?: boolean
  /** The hour (index) whose reads raised a rate finding: not learned into the peak. */
  rateHit?: number
  /** Day (index) → its busiest unreported hour of secret reads, over the last `peakWindowMs`. */
  peakDays?: Record<string, number>
  /** Times of recent first reads of a namespace no peer read: a burst of them is breadth, a second signal. */
  fresh?: number[]
}

interface PState {
  core: Core
  short: Map<string, number>
  shortNs: Map<string, number>
  slow: Map<string, number>
  novel: Map<string, number>
  known: Set<string>
  added: string[]
  rewrite: boolean
  dirty: boolean
  grants: Grant[]
  grantsAtMs: number
  /** Wall clock of that read: a replay or a backlog races through event time, and must not re-read grants every batch. */
  grantsWallMs: number
  /** Wall clock of the last event: a state idle in this process is dropped after saving (its partition may have moved). */
  usedAt: number
  /** What the principal's name and groups make of it, for the groups it came with last (they rarely change). */
  who?: Who
  /** The last event's source address and user agent, with their known-set keys. */
  seen?: { ip: string | undefined; net: string; agent: string | undefined; fam: string; ua: string }
  /**
   * The saved document's two largest parts as JSON, kept from the last save until they change: most principals
   * saved in a second did something that touches neither (two reads in three are not of secrets, and the baselines
   * change once an hour), and serialising them again was most of what saving cost.
   */
  bucketsJson?: string | undefined
  windowsJson?: string | undefined
  /**
   * Each baseline bucket's `"name":{…}` as it was last written: an hour's roll folds one or two of the 169 buckets (a
   * backlog or a replay rolls them on every save), and formatting the other buckets' floats again was most of that save.
   */
  bucketParts?: Map<string, string>
}

interface Who {
  groups: readonly string[]
  allowed: boolean
  pr: Principal
  peers: string[]
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

function emptyCore(t: number): Core {
  return {
    first: t,
    last: t,
    hour: Math.floor(t / HOUR_MS),
    hourCount: 0,
    buckets: {},
    short: {},
    shortNs: {},
    slow: {},
    denied: [],
    peak: { short: 0, shortNs: 0, slow: 0 },
    episodes: {}
  }
}

export function createAccessDetector(config: AccessConfig, deps: AccessDetectorDeps): AccessDetector {
  const { store } = deps
  const on = config.rules
  const cidrs = config.clusterNetworks.map(parseCidr).filter((c): c is ParsedCidr => c !== undefined)
  const states = new Map<string, PState>()
  // Bounded caches forget their oldest entries in O(1) (pipeline/fifo.ts): a Map used as its own queue paid
  // O(capacity) per eviction once full. A principal's known items (`know`) still evict from a Set: up to
  // maxKnownPerPrincipal (5,000) of them, and only for a principal reading thousands of new ones.
  const recentStarted = new FifoSet<string>(MAX_RECENT_IDS)
  const roles = new FifoMap<string, boolean>(MAX_CACHED_PRINCIPALS)
  const pods = new FifoSet<string>(MAX_CACHED_PODS)
  /** `group\nitem` a peer group is known to have read (positives only; the store is the truth). */
  const peerCache = new FifoSet<string>(MAX_PEER_CACHE)
  let learnUntil = deps.learnUntilMs
  let events = 0
  let skipped = 0
  let out: AccessFinding[] = []
  const pendingFacts: Fact[] = []
  /** Service accounts whose first issued token this process already recorded (`issued` facts). */
  const issuedSeen = new FifoSet<string>(MAX_PEER_CACHE)
  const clock = deps.clock ?? (() => performance.now())
  const saveIntervalMs = deps.saveIntervalMs ?? 1000
  let lastSave = clock()
  const halfLife = config.rate.halfLifeMs / HOUR_MS
  const minBaselineHours = config.rate.minBaselineMs / HOUR_MS
  const peakWindowDays = Math.max(1, Math.round(config.rate.peakWindowMs / (24 * HOUR_MS)))

  const bucketOf = (hour: number): string => {
    if (config.rate.seasonality === 'none') return 'all'
    const hod = ((hour % 24) + 24) % 24
    if (config.rate.seasonality === 'hour-of-day') return BUCKET_NAMES[hod] ?? String(hod)
    // 1970-01-01 was a Thursday: day 0 of the epoch is weekday 4.
    const dow = (Math.floor(hour / 24) + 4) % 7
    return BUCKET_NAMES[dow * 24 + hod] ?? String(dow * 24 + hod)
  }

  function finding(p: string, pr: Principal, ep: Episode): AccessFinding {
    return {
      id: stableId('access', ep.rule, p, ep.ns ?? '', ep.first.auditID),
      rule: `access-${ep.rule}`,
      title: TITLES[ep.rule],
      severity: ep.sev,
      principal: p,
      principalKind: pr.kind,
      ...(pr.serviceAccount === undefined ? {} : { serviceAccount: pr.serviceAccount }),
      user: ep.user,
      ...(ep.imp === undefined ? {} : { impersonatedUser: ep.imp }),
      groups: ep.groups,
      ...(ep.ns === undefined ? {} : { namespace: ep.ns }),
      firstSeen: new Date(ep.firstMs).toISOString(),
      lastSeen: new Date(ep.lastMs).toISOString(),
      score: Math.round(ep.score * 100) / 100,
      baseline: ep.base,
      auditIDs: ep.ids,
      evidence: {
        count: ep.count,
        first: ep.first,
        last: ep.last,
        items: ep.items,
        ...(ep.ds === undefined ? {} : { distinctSecrets: ep.ds }),
        ...(ep.dn === undefined ? {} : { distinctNamespaces: ep.dn })
      }
    }
  }

  interface Ctx {
    p: string
    pr: Principal
    st: PState
    e: AuditEvent
    t: number
    user: string
    imp: string | undefined
    groups: string[]
    /** Second signals this request carries (a new network or user-agent family), for the rules that need two. */
    signals: string[]
    /** peerGroups(groups). */
    peers: string[]
  }

  function report(
    c: Ctx,
    rule: AccessRule,
    sev: Severity,
    o: {
      score?: number
      base?: Record<string, number | string>
      ns?: string | undefined
      key?: string
      item?: string
      ds?: number
      dn?: number
      count?: number
    } = {}
  ): void {
    if (!on[rule]) return
    const key = `${rule}|${o.ns ?? ''}|${o.key ?? ''}`
    const eps = c.st.core.episodes
    let ep = eps[key]
    if (ep !== undefined && c.t - ep.lastMs > config.episodeGapMs) {
      if (deps.emit === 'close') out.push(finding(c.p, c.pr, ep))
      delete eps[key]
      ep = undefined
    }
    const r = ref(c.e, c.t)
    c.st.dirty = true
    if (ep === undefined) {
      ep = {
        rule,
        sev,
        score: o.score ?? 1,
        base: o.base ?? {},
        ...(o.ns === undefined ? {} : { ns: o.ns }),
        user: c.user,
        ...(c.imp === undefined ? {} : { imp: c.imp }),
        groups: c.groups.slice(0, 20).map((g) => clip(g)),
        first: r,
        last: r,
        firstMs: c.t,
        lastMs: c.t,
        count: o.count ?? 1,
        ids: [c.e.auditID],
        items: o.item === undefined ? [] : [o.item],
        ...(o.ds === undefined ? {} : { ds: o.ds }),
        ...(o.dn === undefined ? {} : { dn: o.dn })
      }
      eps[key] = ep
      if (deps.emit === 'open') out.push(finding(c.p, c.pr, ep))
      return
    }
    ep.last = r
    ep.lastMs = c.t
    ep.count = o.count === undefined ? ep.count + 1 : Math.max(ep.count + 1, o.count)
    if (RANK[sev] > RANK[ep.sev]) ep.sev = sev
    if ((o.score ?? 1) > ep.score) {
      ep.score = o.score ?? 1
      if (o.base !== undefined) ep.base = o.base
    }
    if (o.ds !== undefined) ep.ds = Math.max(ep.ds ?? 0, o.ds)
    if (o.dn !== undefined) ep.dn = Math.max(ep.dn ?? 0, o.dn)
    if (ep.ids.length < config.maxAuditIds) ep.ids.push(c.e.auditID)
    else ep.ids[ep.ids.length - 1] = c.e.auditID
    if (o.item !== undefined && ep.items.length < config.maxAuditIds && !ep.items.includes(o.item)) ep.items.push(o.item)
  }

  function know(st: PState, item: string): void {
    if (st.known.has(item)) return
    st.known.add(item)
    st.added.push(item)
    st.dirty = true
    if (st.known.size > config.maxKnownPerPrincipal) {
      // Forget the oldest (a Set iterates in insertion order); the stored set is rewritten.
      const first = st.known.values().next().value
      if (first !== undefined) st.known.delete(first)
      st.rewrite = true
    }
  }

  const learning = (t: number): boolean => learnUntil === undefined || t < learnUntil

  function observeNetwork(c: Ctx): void {
    const { st, pr, t } = c
    if (pr.kind === 'anonymous') return
    const ip = c.e.sourceIPs?.[0]
    // A principal comes from the same address with the same client event after event: their keys are kept, not rebuilt.
    let seen = st.seen
    if (seen === undefined || seen.ip !== ip) {
      seen = { ip, net: `net:${sourceNetwork(ip)}`, agent: seen?.agent, fam: seen?.fam ?? '', ua: seen?.ua ?? '' }
      st.seen = seen
    }
    if (seen.agent !== c.e.userAgent || seen.ua === '') {
      seen.agent = c.e.userAgent
      seen.fam = userAgentFamily(seen.agent)
      seen.ua = `ua:${seen.fam}`
    }
    const { net, fam, ua } = seen
    if (learning(t)) {
      know(st, net)
      know(st, ua)
      return
    }
    const newNet = !st.known.has(net)
    const newUa = !st.known.has(ua)
    if (!newNet && !newUa) return
    const machine = pr.kind !== 'user'
    const inCluster = cidrs.length > 0 && ip !== undefined && inNetworks(ip, cidrs)
    const offCluster = cidrs.length > 0 && ip !== undefined && !inCluster
    const stolen = machine && isHandTool(fam) && (offCluster || cidrs.length === 0)
    // A principal first seen after learning has no history: its first network and agent are its baseline, unless they already look stolen.
    if (st.core.first >= (learnUntil ?? 0) && st.core.adopted !== true && !stolen) {
      st.core.adopted = true
      know(st, net)
      know(st, ua)
      return
    }
    const sev: Severity = stolen ? 'high' : machine ? 'medium' : 'low'
    const base = () => ({
      knownNetworks: countPrefix(st.known, 'net:'),
      knownUserAgents: countPrefix(st.known, 'ua:')
    })
    if (newUa) c.signals.push('new-user-agent')
    if (newNet) {
      // Pods move between nodes: a workload's new /24 inside the cluster, same client family, is not a stolen token.
      const move = machine && inCluster && !newUa
      // People roam (home, VPN, office): a new network alone is weak; it backs another signal.
      const roam = !machine && !newUa
      if (!move && !roam) c.signals.push(offCluster ? 'off-cluster-network' : 'new-network')
      if (!move && !roam) report(c, 'new-source-network', offCluster && machine ? 'high' : sev, { base: base(), key: net, item: net.slice(4) })
      else if (config.weakSignals === 'low')
        report(c, 'new-source-network', 'low', { base: { ...base(), weak: move ? 'in-cluster move' : 'person roaming' }, key: net, item: net.slice(4) })
    }
    if (newUa) report(c, 'new-user-agent', sev, { base: base(), key: ua, item: fam })
    // Reported once: the next use from there is the baseline's.
    know(st, net)
    know(st, ua)
  }

  function unusualOp(c: Ctx, op: string, rule: AccessRule, sev: Severity, ns?: string, item?: string): void {
    if (learning(c.t)) {
      know(c.st, op)
      return
    }
    if (c.st.known.has(op)) return
    report(c, rule, sev, { ns, key: op, ...(item === undefined ? {} : { item }), base: { didBefore: 'no' } })
    // The episode carries further occurrences; the principal now does this.
    know(c.st, op)
  }

  /** Groups that make their members peers (a team, a namespace's service accounts), not everyone's. */
  function peerGroups(groups: readonly string[]): string[] {
    const out: string[] = []
    for (const g of groups) {
      if (out.length >= MAX_PEER_GROUPS) break
      if (!config.firstSeen.ignoreGroups.includes(g)) out.push(clip(g))
    }
    return out
  }

  /**
   * The principal now reads this (`n:<ns>` or `s:<ns>/<name>`); the first time, its peer groups learn that one of them does —
   * unless that read was itself reported: an anomaly does not vouch for the next member of its group.
   */
  function learnRead(c: Ctx, key: string, vouch = true): void {
    if (c.st.known.has(key)) return
    know(c.st, key)
    if (!vouch || !config.firstSeen.peerGroups) return
    for (const g of c.peers) {
      const k = `${g}\n${key}`
      if (peerCache.has(k)) continue
      peerCache.add(k)
      pendingFacts.push({ hash: `peers:${g}`, field: key, value: '1' })
    }
  }

  async function peerRead(c: Ctx, key: string): Promise<boolean> {
    const gs = c.peers
    if (gs.length === 0) return false
    if (gs.some((g) => peerCache.has(`${g}\n${key}`))) return true
    if (pendingFacts.length > 0) await flushFacts()
    for (const g of gs)
      if ((await store.getFact(`peers:${g}`, key)) !== undefined) {
        peerCache.add(`${g}\n${key}`)
        return true
      }
    return false
  }

  /**
   * A first read is weak evidence on its own: reported when no peer made it and a second signal backs it — the principal is
   * new since learning, the request came from a new network or user-agent family, or (namespaces) it is one of a burst of such first reads.
   */
  async function firstSeen(
    c: Ctx,
    rule: 'first-seen-namespace' | 'first-seen-secret',
    key: string,
    sev: Severity,
    o: { ns: string | undefined; item: string; base: Record<string, number | string>; peered?: boolean | undefined }
  ): Promise<boolean> {
    if (!on[rule]) return false
    if (config.firstSeen.peerGroups && (o.peered ?? (await peerRead(c, key)))) return false
    const st = c.st
    const signals = [...c.signals]
    // Within a namespace it already reads, only the request's own novelty (network, agent) backs a new secret: that the principal
    // is new was the evidence of its first namespace, and many new secrets are the enumeration and slow-harvest rules' (against its peak).
    if (rule === 'first-seen-namespace') {
      if (await isNew(c)) signals.push('new-principal')
      const burst = (st.core.fresh ?? []).filter((x) => x > c.t - config.firstSeen.burstWindowMs)
      burst.push(c.t)
      st.core.fresh = burst.slice(-MAX_FRESH)
      if (burst.length >= config.firstSeen.burstMinItems) signals.push(`burst:${burst.length}`)
    }
    if (signals.length === 0 && config.weakSignals === 'off') return false
    report(c, rule, signals.length === 0 ? 'low' : sev, {
      ns: o.ns,
      item: o.item,
      score: signals.length + 1,
      base: { ...o.base, peersRead: 'no', secondSignals: signals.join(',') || 'none' }
    })
    return true
  }

  /**
   * A stranger's first hour: first seen after learning, and not long ago (after that its own history is its baseline). A
   * service account is as old as its first issued token, not its first request: a CI deployer's pod whose token the kubelet
   * has refreshed all week is no stranger on the day it first deploys, while an account created, minted and used within the
   * hour is.
   */
  async function isNew(c: Ctx): Promise<boolean> {
    const since = learnUntil ?? 0
    if (c.st.core.first < since || c.t - c.st.core.first > config.firstSeen.newPrincipalMs) return false
    if (c.pr.serviceAccount === undefined) return true
    if (pendingFacts.length > 0) await flushFacts()
    const at = Number((await store.getFact('issued', c.p)) ?? Number.NaN)
    return !(at < since || c.t - at > config.firstSeen.newPrincipalMs)
  }

  /** A token was issued for this service account (the kubelet's for a pod, or anyone's TokenRequest): the account exists since. */
  function issued(ns: string | undefined, name: string | undefined, t: number): void {
    if (ns === undefined || name === undefined) return
    const p = `system:serviceaccount:${ns}:${clip(name)}`
    if (issuedSeen.has(p)) return
    issuedSeen.add(p)
    pendingFacts.push({ hash: 'issued', field: p, value: String(t), ifAbsent: true })
  }

  /** An administrator listing every namespace's secrets is routine; the first time since learning with a second signal is not. */
  async function adminClusterList(c: Ctx, item: string): Promise<void> {
    const op = 'op:cluster-list'
    if (learning(c.t)) {
      know(c.st, op)
      return
    }
    if (c.st.known.has(op)) return
    know(c.st, op)
    const signals = [...c.signals]
    if (await isNew(c)) signals.push('new-principal')
    if (signals.length === 0 && config.weakSignals === 'off') return
    report(c, 'cluster-wide-secret-list', signals.length === 0 ? 'low' : 'medium', {
      key: op,
      item,
      score: signals.length + 1,
      base: { didBefore: 'no', adminGroup: c.groups.find((g) => config.adminGroups.includes(g)) ?? '', secondSignals: signals.join(',') || 'none' }
    })
  }

  function rollHour(st: PState, t: number): void {
    const hour = Math.floor(t / HOUR_MS)
    const core = st.core
    if (hour <= core.hour) return
    const gap = Math.min(hour - core.hour, 168)
    st.bucketsJson = undefined
    // The busiest hour: a weekday peak the all-hours baseline (nights included) calls six sigma is still a normal peak. It keeps
    // learning after the learning period from the hours that were not reported, over the last `peakWindowMs` of days.
    const day = Math.floor(core.hour / 24)
    // A state saved before the peak was kept per day holds only the learned peak: it counts as today's.
    core.peakDays ??= core.peak.hour === undefined ? {} : { [day]: core.peak.hour }
    const days = core.peakDays
    if (core.rateHit !== core.hour) days[day] = Math.max(days[day] ?? 0, core.hourCount)
    let peak = 0
    for (const [k, v] of Object.entries(days))
      if (Number(k) <= Math.floor(hour / 24) - peakWindowDays) delete days[k]
      else peak = Math.max(peak, v)
    core.peak.hour = peak
    for (let h = hour - gap; h < hour; h++) {
      const x = h === core.hour ? core.hourCount : 0
      const b = bucketOf(h)
      core.buckets[b] = fold(core.buckets[b], x, halfLife)
      st.bucketParts?.delete(b)
      if (b !== 'all') core.buckets.all = fold(core.buckets.all, x, halfLife)
    }
    st.bucketParts?.delete('all')
    core.hour = hour
    core.hourCount = 0
    st.dirty = true
  }

  async function secretRead(c: Ctx, ns: string | undefined, denied: boolean): Promise<void> {
    const { st, pr, t, e } = c
    const name = e.objectRef?.name === undefined ? undefined : clip(e.objectRef.name)
    const item = `${ns ?? '*'}/${name ?? '*'}`
    if (denied) {
      const d = st.core.denied
      d.push(t)
      while (d.length > 0 && (d[0] ?? 0) <= t - config.denied.windowMs) d.shift()
      if (d.length > config.denied.minDenied * 10) d.splice(0, d.length - config.denied.minDenied * 10)
      st.dirty = true
      if (d.length >= config.denied.minDenied)
        // One burst across namespaces is one finding: the namespaces are in its items.
        report(c, 'denied-secret-reads', d.length >= config.denied.minDenied * 5 ? 'high' : 'medium', {
          item,
          count: d.length,
          base: { windowMs: config.denied.windowMs, minDenied: config.denied.minDenied }
        })
      return
    }
    // The Node authorizer limits a kubelet's named reads to its own pods' secrets; its lists are not limited that way.
    if (pr.kind === 'kubelet' && name !== undefined) return
    if (pr.kind === 'controller') return
    const clusterWide = ns === undefined && (e.verb === 'list' || e.verb === 'watch')
    if (clusterWide) {
      if (c.groups.some((g) => config.adminGroups.includes(g))) await adminClusterList(c, item)
      else unusualOp(c, 'op:cluster-list', 'cluster-wide-secret-list', pr.kind === 'user' ? 'medium' : 'high', undefined, item)
    }

    rollHour(st, t)
    st.core.hourCount++
    // Whether this read adds to a window: a secret read again is no new evidence of breadth, and must not open a second
    // episode of the same harvest after the first went quiet while the window still holds its secrets.
    const adds = (m: Map<string, number>, k: string, windowMs: number): boolean => {
      const at = m.get(k)
      return at === undefined || t - at > windowMs
    }
    const widensShort = adds(st.short, item, config.breadth.windowMs) || adds(st.shortNs, ns ?? '*', config.breadth.windowMs)
    const widensSlow = adds(st.slow, item, config.breadth.slowWindowMs)
    st.windowsJson = undefined
    const short = touch(st.short, item, t, config.breadth.windowMs, config.breadth.maxItemsPerWindow)
    const shortNs = touch(st.shortNs, ns ?? '*', t, config.breadth.windowMs, config.breadth.maxItemsPerWindow)
    const slow = touch(st.slow, item, t, config.breadth.slowWindowMs, config.breadth.maxItemsPerWindow)
    st.dirty = true
    const nsKey = `n:${ns ?? '*'}`
    const sKey = `s:${item}`
    if (learning(t)) {
      const pk = st.core.peak
      pk.short = Math.max(pk.short, short)
      pk.shortNs = Math.max(pk.shortNs, shortNs)
      pk.slow = Math.max(pk.slow, slow)
      learnRead(c, nsKey)
      learnRead(c, sKey)
      return
    }

    // Rate against the hourly baseline.
    const count = st.core.hourCount
    if (count >= config.rate.minReadsPerHour) {
      const b = st.core.buckets[bucketOf(st.core.hour)]
      const all = st.core.buckets.all
      const stats = b !== undefined && b.n >= minBaselineHours ? b : all !== undefined && all.n >= minBaselineHours ? all : undefined
      if (stats !== undefined) {
        const sd = Math.max(Math.sqrt(stats.v), config.rate.minStddevReadsPerHour)
        const z = (count - stats.m) / sd
        const peakHour = st.core.peak.hour ?? 0
        // The busiest hour was itself one draw of a count: like any count of independent requests its spread is about its
        // square root, so a small peak (30 an hour) is exceeded by chance far more often than 1.5x a large one.
        const bar = Math.max(config.rate.peakFactor * peakHour, peakHour + config.rate.zScore * Math.sqrt(peakHour))
        if (z >= config.rate.zScore && count > bar) {
          st.core.rateHit = st.core.hour
          report(c, 'secret-read-rate', z >= config.rate.zScore * 3 ? 'high' : 'medium', {
            score: z,
            count,
            item,
            base: {
              meanPerHour: Math.round(stats.m * 100) / 100,
              stddevPerHour: Math.round(sd * 100) / 100,
              hours: stats.n,
              bucket: stats === b ? bucketOf(st.core.hour) : 'all',
              peakPerHour: Math.round(peakHour * 100) / 100
            }
          })
        }
      }
    }

    // A principal that lists every namespace's secrets has read them all: a namespace or a secret is new to it only if it never did.
    const listsAll = st.known.has('n:*')
    // Secrets it never read, that no peer read and that it does not write: one at a time over hours, the harvest.
    let novel = 0
    let peered: boolean | undefined
    if (name !== undefined && !clusterWide && !listsAll && !st.known.has(sKey)) {
      peered = config.firstSeen.peerGroups && (await peerRead(c, sKey))
      if (!peered) novel = touch(st.novel, item, t, config.breadth.slowWindowMs, config.breadth.maxItemsPerWindow)
    }

    // Breadth: enumeration in the short window, slow harvesting in the long one.
    const pk = st.core.peak
    const f = config.breadth.peakFactor
    const enumerating =
      widensShort && ((short >= config.breadth.minSecrets && short > f * pk.short) || (shortNs >= config.breadth.minNamespaces && shortNs > f * pk.shortNs))
    if (enumerating)
      report(c, 'secret-enumeration', shortNs >= config.breadth.minNamespaces ? 'high' : 'medium', {
        score: Math.max(short / Math.max(pk.short, 1), shortNs / Math.max(pk.shortNs, 1)),
        ds: short,
        dn: shortNs,
        item,
        base: { peakSecretsPerWindow: pk.short, peakNamespacesPerWindow: pk.shortNs, windowMs: config.breadth.windowMs }
      })
    else if (
      widensSlow &&
      ((slow >= config.breadth.slowMinSecrets && slow > f * pk.slow) || novel >= config.breadth.slowMinNewSecrets) &&
      st.core.episodes[`secret-enumeration||`] === undefined
    )
      report(c, 'slow-secret-harvest', 'medium', {
        score: Math.max(slow / Math.max(pk.slow, 1), novel / config.breadth.slowMinNewSecrets),
        ds: slow,
        item,
        base: { peakSecretsPerSlowWindow: pk.slow, slowWindowMs: config.breadth.slowWindowMs, newSecrets: st.novel.size }
      })

    // First seen: a namespace, else a secret, the principal never read.
    const ownNs = pr.serviceAccount !== undefined && ns !== undefined && pr.serviceAccount.startsWith(`${ns}/`)
    // A cluster-wide list is its own rule; it is not also a first-seen namespace.
    if (clusterWide || listsAll) {
      learnRead(c, nsKey)
      learnRead(c, sKey)
    } else if (!st.known.has(nsKey)) {
      // A service account reading its own namespace is its namespace's peer by definition.
      const reported =
        !ownNs &&
        (await firstSeen(c, 'first-seen-namespace', nsKey, 'medium', {
          ns,
          item,
          base: { knownNamespaces: countPrefix(st.known, 'n:') }
        }))
      learnRead(c, nsKey, !reported)
      learnRead(c, sKey, !reported)
    } else if (!st.known.has(sKey)) {
      const reported = await firstSeen(c, 'first-seen-secret', sKey, 'low', { ns, item, base: { knownSecrets: countPrefix(st.known, 's:') }, peered })
      learnRead(c, sKey, !reported)
    }

    // Reads after a grant of secret access.
    for (const g of st.grants)
      if (t >= g.atMs && t - g.atMs <= config.grantFollowMs)
        report(c, 'secret-read-after-grant', 'high', {
          ns,
          item,
          key: g.binding,
          base: { grantedAt: new Date(g.atMs).toISOString(), role: g.role, binding: g.binding, grantedBy: g.by }
        })
  }

  async function rbac(c: Ctx, resource: string): Promise<void> {
    const e = c.e
    const o = e.objectRef
    const body = e.requestObject ?? e.responseObject
    if (statusCode(e) !== undefined && (statusCode(e) ?? 0) >= 300) return
    const kind = resource === 'roles' ? 'Role' : resource === 'clusterroles' ? 'ClusterRole' : undefined
    const name = o?.name ?? ((body as { metadata?: { name?: unknown } } | undefined)?.metadata?.name as string | undefined)
    if (kind !== undefined) {
      if (name === undefined || body === undefined || !['create', 'update', 'patch'].includes(e.verb)) return
      const key = kind === 'Role' ? `Role:${o?.namespace ?? ''}/${name}` : `ClusterRole:${name}`
      // A patch body is partial: it can add a secrets rule but not prove there is none.
      const grants = roleGrantsSecrets(body)
      if (e.verb === 'patch' && !grants) return
      const had = roles.get(key) ?? (await store.getFact('roles', key)) === '1'
      roles.set(key, grants)
      pendingFacts.push({ hash: 'roles', field: key, value: grants ? '1' : '0' })
      // A role changed to grant secrets grants them to whoever is already bound to it.
      if (grants && !had && e.verb !== 'create') unusualOp(c, 'op:rbac-secret-grant', 'rbac-secret-grant', 'medium', o?.namespace, `${key} now grants secrets`)
      return
    }
    if (!['create', 'update'].includes(e.verb) || body === undefined) return
    const b = body as { roleRef?: { kind?: unknown; name?: unknown }; subjects?: unknown }
    if (typeof b.roleRef?.name !== 'string' || typeof b.roleRef.kind !== 'string') return
    const roleKey = b.roleRef.kind === 'Role' ? `Role:${o?.namespace ?? ''}/${b.roleRef.name}` : `ClusterRole:${b.roleRef.name}`
    let grants = BUILTIN_SECRET_ROLES.has(roleKey) || roles.get(roleKey)
    if (grants === undefined) {
      const f = await store.getFact('roles', roleKey)
      grants = f === '1'
      if (f !== undefined) roles.set(roleKey, grants)
    }
    if (!grants) return
    const binding = `${resource === 'rolebindings' ? `RoleBinding:${o?.namespace ?? ''}/` : 'ClusterRoleBinding:'}${name ?? '?'}`
    const subjects = (Array.isArray(b.subjects) ? b.subjects.slice(0, 100) : []).map(subjectPrincipal).filter((s): s is string => s !== undefined)
    unusualOp(c, 'op:rbac-secret-grant', 'rbac-secret-grant', 'medium', o?.namespace, `${binding} → ${roleKey}`)
    const g: Grant = { atMs: c.t, role: roleKey, binding, by: c.user }
    for (const s of subjects) {
      pendingFacts.push({ hash: `grants:${s}`, field: binding, value: JSON.stringify(g) })
      const st = states.get(s)
      if (st !== undefined) st.grantsAtMs = Number.NEGATIVE_INFINITY
      // Every cached member of a group: refresh on their next read.
      if (s.startsWith('group:')) for (const x of states.values()) x.grantsAtMs = Number.NEGATIVE_INFINITY
    }
  }

  const grantHashes = (p: string, groups: readonly string[]): string[] => [`grants:${p}`, ...groups.slice(0, 20).map((g) => `grants:group:${g}`)]

  function parseGrants(hashes: ReadonlyArray<Record<string, string>>): Grant[] {
    const list: Grant[] = []
    for (const h of hashes)
      for (const v of Object.values(h)) {
        try {
          const g = JSON.parse(v) as Grant
          if (typeof g.atMs === 'number' && typeof g.binding === 'string') list.push(g)
        } catch {
          // A foreign or damaged field: not a grant.
        }
      }
    return list
  }

  /** After an RBAC binding in this batch named the principal (or a group): read its grants again now. */
  async function refreshGrants(c: Ctx): Promise<void> {
    c.st.grantsAtMs = c.t
    if (pendingFacts.length > 0) await flushFacts()
    c.st.grants = parseGrants(await store.getFactsMany(grantHashes(c.p, c.groups)))
  }

  /** The grants of every principal that reads secrets in the batch and has not had them read for a minute: one round trip. */
  async function prefetchGrants(work: readonly Work[]): Promise<void> {
    const due = new Map<string, { st: PState; t: number; hashes: string[] }>()
    const wall = clock()
    for (const { e, t, subs } of work) {
      if (e.objectRef?.resource !== 'secrets') continue
      for (const s of subs) {
        const st = s.st
        if (st === undefined || due.has(s.p) || t - st.grantsAtMs < GRANT_REFRESH_MS || wall - st.grantsWallMs < GRANT_REFRESH_WALL_MS) continue
        due.set(s.p, { st, t, hashes: grantHashes(s.p, s.groups) })
      }
    }
    if (due.size === 0) return
    if (pendingFacts.length > 0) await flushFacts()
    const all = [...new Set([...due.values()].flatMap((d) => d.hashes))]
    const got = await store.getFactsMany(all)
    const byHash = new Map(all.map((h, i) => [h, got[i] ?? {}]))
    for (const d of due.values()) {
      d.st.grants = parseGrants(d.hashes.map((h) => byHash.get(h) ?? {}))
      d.st.grantsAtMs = d.t
      d.st.grantsWallMs = wall
    }
  }

  async function flushFacts(): Promise<void> {
    const facts = pendingFacts.splice(0)
    await store.putFacts(facts, config.stateTtlMs)
  }

  /**
   * A promise only where the rule reads the store: two events in three are not secret reads, and awaiting an async
   * function for each of them cost a promise and a trip through the microtask queue per event.
   */
  function observeAs(c: Ctx): Promise<void> | undefined {
    const { e, st, pr, t } = c
    if (t < st.core.last - config.episodeGapMs) {
      // Far older than what this principal already did: out of order beyond repair for windows; counted, not learned.
      skipped++
      return
    }
    if (Math.floor(t / HOUR_MS) > Math.floor(st.core.last / HOUR_MS)) closeQuiet(c)
    st.core.last = Math.max(st.core.last, t)
    st.dirty = true
    observeNetwork(c)
    const o = e.objectRef
    const resource = o?.resource
    const core = o?.apiGroup === undefined || o.apiGroup === ''
    const ns = o?.namespace === '' || o?.namespace === undefined ? undefined : clip(o.namespace)
    if (ns !== undefined && config.allow.namespaces.includes(ns)) return
    const code = statusCode(e)
    const denied = code === 401 || code === 403
    if (core && resource === 'secrets' && o?.subresource === undefined && (e.verb === 'get' || e.verb === 'list' || e.verb === 'watch')) {
      if (pr.kind === 'anonymous') {
        report(c, 'anonymous-secret-access', denied ? 'medium' : 'critical', { ns, item: `${ns ?? '*'}/${o?.name ?? '*'}`, base: { expected: 'none' } })
        return
      }
      if (!denied && st.grantsAtMs === Number.NEGATIVE_INFINITY) return refreshGrants(c).then(() => secretRead(c, ns, denied))
      return secretRead(c, ns, denied)
    }
    if (denied || (code !== undefined && code >= 400)) return
    if (core && resource === 'secrets' && o?.subresource === undefined && ns !== undefined && o?.name !== undefined && ['update', 'patch'].includes(e.verb)) {
      // It writes this secret (a deployer's apply is a get then a patch): it manages it, it does not harvest it.
      const item = `${ns}/${clip(o.name)}`
      if (st.novel.delete(item)) {
        st.dirty = true
        st.windowsJson = undefined
      }
      learnRead(c, `s:${item}`)
      return
    }
    if (core && resource === 'serviceaccounts' && o?.subresource === 'token' && e.verb === 'create') {
      issued(ns, o?.name, t)
      // kube-controller-manager and the kubelets mint pods' tokens all day.
      if (pr.kind !== 'controller' && pr.kind !== 'kubelet') unusualOp(c, 'op:token', 'token-request', 'medium', ns, `${ns ?? ''}/${o?.name ?? ''}`)
      return
    }
    if (core && resource === 'pods' && (o?.subresource === 'exec' || o?.subresource === 'attach')) {
      if (pr.kind === 'controller') return
      return podMounts(ns ?? '', o?.name ?? '').then((mounts) =>
        unusualOp(c, 'op:exec', 'pod-exec', mounts ? 'high' : 'medium', ns, `${ns ?? ''}/${o?.name ?? ''}${mounts ? ' (mounts secrets)' : ''}`)
      )
    }
    if (core && resource === 'pods' && o?.subresource === undefined && (e.verb === 'create' || e.verb === 'update')) {
      const body = e.responseObject ?? e.requestObject
      if (body === undefined || !podMountsSecrets(body)) return
      const meta = (body as { metadata?: { name?: unknown; generateName?: unknown } }).metadata
      const name = o?.name ?? (typeof meta?.name === 'string' ? meta.name : undefined)
      // At the `Request` level a controller's create (ReplicaSet, Job, DaemonSet) has only generateName: the pod's name is
      // generateName (cut to 58 characters) plus 5 random ones, so the prefix identifies every pod of that template.
      const gen = typeof meta?.generateName === 'string' && meta.generateName !== '' ? `${meta.generateName.slice(0, GENERATED_NAME_BASE)}*` : undefined
      for (const n of [name, gen]) {
        if (n === undefined) continue
        const key = `${ns ?? ''}/${clip(n)}`
        pods.add(key)
        pendingFacts.push({ hash: 'pods', field: key, value: '1' })
      }
      return
    }
    if (
      o?.apiGroup === 'rbac.authorization.k8s.io' &&
      resource !== undefined &&
      ['roles', 'clusterroles', 'rolebindings', 'clusterrolebindings'].includes(resource)
    )
      return rbac(c, resource)
  }

  /** Whether the pod mounts secrets: recorded by its name, or by its generateName when its create was recorded without the response. */
  async function podMounts(ns: string, name: string): Promise<boolean> {
    const keys = [`${ns}/${name}`]
    if (name.length > GENERATED_SUFFIX) keys.push(`${ns}/${name.slice(0, -GENERATED_SUFFIX)}*`)
    for (const k of keys) if (pods.has(k) || (await store.getFact('pods', k)) === '1') return true
    return false
  }

  /** Closes the principal's findings quiet for longer than the gap, so its state does not grow with every finding it ever had. */
  function closeQuiet(c: Ctx): void {
    const eps = c.st.core.episodes
    for (const [k, ep] of Object.entries(eps)) {
      if (c.t - ep.lastMs <= config.episodeGapMs) continue
      if (deps.emit === 'close') out.push(finding(c.p, c.pr, ep))
      delete eps[k]
    }
  }

  function countPrefix(set: Set<string>, prefix: string): number {
    let n = 0
    for (const k of set) if (k.startsWith(prefix)) n++
    return n
  }

  function allowed(username: string, groups: readonly string[]): boolean {
    return matchesName(username, config.allow.principals) || groups.some((g) => config.allow.groups.includes(g))
  }

  /** Classified once per principal and set of groups: the same few strings compared, not matched again, on every event. */
  function whoOf(st: PState, p: string, groups: readonly string[]): Who {
    const had = st.who
    if (had !== undefined && sameList(had.groups, groups)) return had
    const who = { groups, allowed: allowed(p, groups), pr: classify(p, groups, config.controllers), peers: peerGroups(groups) }
    st.who = who
    return who
  }

  function fromStored(core: string | undefined, known: string[], t: number): PState {
    let c: Core
    try {
      c = core === undefined ? emptyCore(t) : (JSON.parse(core) as Core)
      if (typeof c.hour !== 'number' || typeof c.buckets !== 'object') c = emptyCore(t)
    } catch {
      c = emptyCore(t)
    }
    return {
      core: c,
      short: new Map(Object.entries(c.short ?? {})),
      shortNs: new Map(Object.entries(c.shortNs ?? {})),
      slow: new Map(Object.entries(c.slow ?? {})),
      novel: new Map(Object.entries(c.novel ?? {})),
      known: new Set(known.slice(0, config.maxKnownPerPrincipal)),
      added: [],
      rewrite: false,
      dirty: core === undefined,
      grants: [],
      grantsAtMs: Number.NEGATIVE_INFINITY,
      grantsWallMs: Number.NEGATIVE_INFINITY,
      usedAt: clock()
    }
  }

  /** Which principals an event is about, with the context the rules need. */
  function subjects(e: AuditEvent): Subject[] {
    const user = clip(e.user.username ?? '(unknown)')
    const all = e.user.groups ?? []
    const groups = all.length > 64 ? all.slice(0, 64) : all
    const iu = e.impersonatedUser as { username?: unknown; groups?: unknown } | undefined
    const imp = typeof iu?.username === 'string' ? clip(iu.username) : undefined
    const out: Subject[] = [{ p: user, groups, user, imp, st: undefined }]
    if (imp !== undefined && imp !== user) {
      const ig = Array.isArray(iu?.groups) ? (iu.groups as unknown[]).filter((g): g is string => typeof g === 'string') : []
      out.push({ p: imp, groups: ig, user, imp, st: undefined })
    }
    return out
  }

  /** Whether the event is counted: each request once, when its response is known (a watch or exec when it started). */
  function counted(e: AuditEvent): boolean {
    if (e.stage === 'ResponseStarted') {
      const sub = e.objectRef?.subresource
      if (e.verb !== 'watch' && sub !== 'exec' && sub !== 'attach') return false
      recentStarted.add(e.auditID)
      return true
    }
    if (e.stage !== 'ResponseComplete' && e.stage !== 'Panic') return false
    return !recentStarted.delete(e.auditID)
  }

  /** JSON.stringify(buckets), the same text, from the unchanged buckets' kept parts. */
  function bucketsJson(st: PState, buckets: Core['buckets']): string {
    // A foreign or damaged document's buckets: written as they are, not kept.
    if (Array.isArray(buckets)) return JSON.stringify(buckets)
    st.bucketParts ??= new Map()
    const parts = st.bucketParts
    let s = ''
    for (const k of Object.keys(buckets)) {
      let part = parts.get(k)
      if (part === undefined) {
        part = `${JSON.stringify(k)}:${JSON.stringify(buckets[k])}`
        parts.set(k, part)
      }
      s = s === '' ? part : `${s},${part}`
    }
    return `{${s}}`
  }

  /** The state document: what JSON.stringify(core) with the windows written into it gives, the same members in another order. */
  function coreJson(st: PState): string {
    const { buckets, short: _short, shortNs: _shortNs, slow: _slow, novel: _novel, ...rest } = st.core
    st.bucketsJson ??= bucketsJson(st, buckets)
    if (st.windowsJson === undefined) {
      let w = `"short":${windowJson(st.short)},"shortNs":${windowJson(st.shortNs)},"slow":${windowJson(st.slow)}`
      // Once written, the novel window stays in the document (empty or not), as it did when it was a member of core.
      if (st.novel.size > 0 || st.core.novel !== undefined) {
        st.core.novel ??= {}
        w += `,"novel":${windowJson(st.novel)}`
      }
      st.windowsJson = w
    }
    const head = JSON.stringify(rest)
    return `${head.length > 2 ? `${head.slice(0, -1)},` : '{'}"buckets":${st.bucketsJson},${st.windowsJson}}`
  }

  async function save(): Promise<void> {
    if (pendingFacts.length > 0) await flushFacts()
    const updates: PrincipalUpdate[] = []
    for (const [p, st] of states) {
      if (!st.dirty) continue
      updates.push({
        principal: p,
        core: coreJson(st),
        addKnown: st.rewrite ? [...st.known] : st.added,
        ...(st.rewrite ? { rewriteKnown: true } : {})
      })
      st.added = []
      st.rewrite = false
      st.dirty = false
    }
    await store.save(updates, config.stateTtlMs)
    if (states.size > MAX_CACHED_PRINCIPALS) for (const p of [...states.keys()].slice(0, states.size - MAX_CACHED_PRINCIPALS)) states.delete(p)
    // A principal whose partition moved to another replica is updated there; when it comes back, it is read again.
    if (Number.isFinite(saveIntervalMs)) {
      const idle = clock() - IDLE_DROP_MS
      for (const [p, st] of states) if (st.usedAt < idle) states.delete(p)
    }
  }

  return {
    learningUntil: () => learnUntil,
    stats: () => ({ events, skipped, principals: states.size }),
    async process(batch) {
      out = []
      const work: Work[] = []
      const missing = new Map<string, number>()
      for (const e of batch) {
        if (!counted(e)) continue
        const t = eventTime(e)
        if (!Number.isFinite(t)) {
          skipped++
          continue
        }
        const subs = subjects(e)
        work.push({ e, t, subs })
        for (const s of subs) {
          s.st = states.get(s.p)
          if (s.st === undefined && !missing.has(s.p)) missing.set(s.p, t)
        }
      }
      if (work.length === 0) return []
      if (learnUntil === undefined) learnUntil = (await store.learningStart(work[0]?.t ?? 0)) + config.learningPeriodMs
      if (missing.size > 0) {
        const loaded = await store.load([...missing.keys()])
        for (const [p, t] of missing) {
          const s = loaded.get(p)
          states.set(p, fromStored(s?.core, s?.known ?? [], t))
        }
        for (const { subs } of work) for (const s of subs) s.st ??= states.get(s.p)
      }
      await prefetchGrants(work)
      const now = clock()
      for (const { e, t, subs } of work) {
        events++
        for (const s of subs) {
          const st = s.st
          if (st === undefined) continue
          const who = whoOf(st, s.p, s.groups)
          if (who.allowed) continue
          st.usedAt = now
          const c: Ctx = { p: s.p, pr: who.pr, st, e, t, user: s.user, imp: s.imp, groups: s.groups, signals: [], peers: who.peers }
          // The real user impersonating someone: an operation of its own.
          if (s.imp !== undefined && s.p === s.user) unusualOp(c, `op:impersonate:${s.imp}`, 'impersonation', 'medium', e.objectRef?.namespace, s.imp)
          const pending = observeAs(c)
          if (pending !== undefined) await pending
        }
      }
      const after = clock()
      if (after - lastSave >= saveIntervalMs || states.size > MAX_CACHED_PRINCIPALS) {
        lastSave = after
        await save()
      } else if (pendingFacts.length > 0) await flushFacts()
      return out
    },
    async flush() {
      out = []
      if (deps.emit === 'close')
        for (const [p, st] of states) {
          for (const ep of Object.values(st.core.episodes)) out.push(finding(p, classify(p, ep.groups, config.controllers), ep))
          st.core.episodes = {}
          st.dirty = true
        }
      await save()
      return out.sort((a, b) => a.firstSeen.localeCompare(b.firstSeen) || a.principal.localeCompare(b.principal))
    }
  }
}
