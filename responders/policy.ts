// Decisions made from configuration alone: an incident's effective severity,
// where it is routed, and what rotation does about it. Pure functions, so the
// stage, the API and the tests agree on them.

import type { Finding, Severity, Source } from '../pipeline/events.ts'
import { SEVERITIES } from '../pipeline/events.ts'
import type { Match, ResponderConfig, RotationAction } from './config.ts'

/** What a match is evaluated against: the incident's first sighting and its current severity. */
export interface Subject {
  rule: string
  kind: string
  severity: Severity
  stream: string
  source: Source
  /** The finding's confidence (detectors/confidence.ts); absent for subjects made before it existed. */
  confidence?: Finding['confidence']
}

const regexCache = new Map<string, RegExp>()
function re(pattern: string): RegExp {
  let r = regexCache.get(pattern)
  if (r === undefined) {
    r = new RegExp(pattern)
    regexCache.set(pattern, r)
  }
  return r
}

export function severityRank(s: string): number {
  return Math.max(0, SEVERITIES.indexOf(s as Severity))
}

function shift(s: Severity, by: number): Severity {
  const i = Math.min(SEVERITIES.length - 1, Math.max(0, severityRank(s) + by))
  return SEVERITIES[i] ?? s
}

export function matches(m: Match, x: Subject): boolean {
  if (m.rule !== undefined && !re(m.rule).test(x.rule)) return false
  if (m.kind !== undefined && !(m.kind as readonly string[]).includes(x.kind)) return false
  if (m.namespace !== undefined && (x.source.namespace === undefined || !re(m.namespace).test(x.source.namespace))) return false
  if (m.repository !== undefined && (x.source.repository === undefined || !re(m.repository).test(x.source.repository))) return false
  if (m.stream !== undefined && !re(m.stream).test(x.stream)) return false
  if (m.labels !== undefined) {
    const have = x.source.labels ?? {}
    for (const [k, v] of Object.entries(m.labels)) if (have[k] !== v) return false
  }
  if (m.minSeverity !== undefined && severityRank(x.severity) < severityRank(m.minSeverity)) return false
  return true
}

export function subjectOf(f: Finding): Subject {
  return { rule: f.rule, kind: f.kind, severity: f.severity, stream: f.stream, source: f.source, confidence: f.confidence }
}

/**
 * The rule's default severity, raised for production namespaces, for the cluster's own secrets and for
 * tokens the detector verified as live, then the configured overrides in order (each sees the result of
 * the ones before it, so `minSeverity` can be used to escalate further).
 */
export function effectiveSeverity(f: Finding, cfg: ResponderConfig['severity']): Severity {
  let sev = f.severity
  if (f.source.namespace !== undefined && cfg.productionNamespaces !== '' && re(cfg.productionNamespaces).test(f.source.namespace)) sev = shift(sev, 1)
  if (f.kind === 'known-secret') sev = shift(sev, cfg.knownSecretRaise)
  if (f.verified === true) sev = shift(sev, 1)
  for (const r of cfg.rules) {
    if (!matches(r.match, { ...subjectOf(f), severity: sev })) continue
    if (r.severity !== undefined) sev = r.severity
    if (r.raiseBy !== undefined) sev = shift(sev, r.raiseBy)
  }
  return sev
}

export interface Route {
  /** Undefined: no route and no default channel; the incident is not posted to Slack. */
  channel: string | undefined
  owner: string | undefined
}

export function route(x: Subject, cfg: ResponderConfig['slack']): Route {
  for (const r of cfg.routes) if (matches(r.match, x)) return { channel: r.channel, owner: r.owner }
  return { channel: cfg.defaultChannel, owner: undefined }
}

export type RotationMode = 'auto' | 'button' | 'alert'

export interface RotationPlan {
  mode: RotationMode
  actions: RotationAction[]
}

const MODE_RANK: Record<RotationMode, number> = { alert: 0, button: 1, auto: 2 }
const CONFIDENCE_RANK: Record<Finding['confidence'], number> = { low: 0, medium: 1, high: 2 }

/**
 * The first policy entry that matches decides; an entry without actions (or no entry) only alerts, whatever its mode says.
 * Then the confidence caps: a generic finding gets at most `cfg.generic` (default: alert), and an automatic plan for a
 * finding below `cfg.minConfidence` (default: high) becomes a button, so a person decides. A password hash
 * never gets the default webhook (it only alerts unless a policy entry matches it) and at most the button.
 */
export function rotationPlan(x: Subject, cfg: ResponderConfig['rotation'], fallback: RotationAction[]): RotationPlan {
  return capped(x, cfg, uncapped(x, cfg, fallback))
}

// A password hash (detectors/rules/password-hash.ts) is not a credential any endpoint can revoke: what
// ends the exposure is a person changing the password behind it.
const PASSWORD_HASH = /^(?:password-hash-|kerberos-asrep-hash$)/

function uncapped(x: Subject, cfg: ResponderConfig['rotation'], fallback: RotationAction[]): RotationPlan {
  for (const p of cfg.policy) {
    if (!matches(p.match, x)) continue
    return { mode: p.actions.length === 0 ? 'alert' : p.mode, actions: p.actions }
  }
  // No entry: the default webhook endpoint, when there is one, is the generic rotation target; not for a hash.
  if (PASSWORD_HASH.test(x.rule)) return { mode: 'alert', actions: [] }
  return { mode: fallback.length === 0 ? 'alert' : cfg.defaultMode, actions: fallback }
}

function capped(x: Subject, cfg: ResponderConfig['rotation'], plan: RotationPlan): RotationPlan {
  let mode = plan.mode
  if (x.kind === 'generic' && MODE_RANK[mode] > MODE_RANK[cfg.generic]) mode = cfg.generic
  if (mode === 'auto' && x.confidence !== undefined && CONFIDENCE_RANK[x.confidence] < CONFIDENCE_RANK[cfg.minConfidence]) mode = 'button'
  if (mode === 'auto' && PASSWORD_HASH.test(x.rule)) mode = 'button'
  return mode === plan.mode ? plan : { mode, actions: plan.actions }
}
