// The access detector inside the detector role: audit envelopes from
// `leakwatch.audit.v1` in, pipeline findings out (the stage produces them to
// `leakwatch.findings.v1` with the secret findings). State is in Redis for
// `run detector` (replicas and restarts keep the baselines; a principal's
// events reach one partition, so one replica owns its state at a time) and in
// memory for `run all`. Findings are emitted when an anomaly opens, so the
// alert does not wait for the anomaly to end.

import type { Redis } from 'ioredis'
import type { AuditEnvelope, Finding } from '../../pipeline/events.ts'
import type { Fingerprinter } from '../../pipeline/fingerprint.ts'
import type { Logger } from '../../pipeline/log.ts'
import type { Metrics } from '../../pipeline/metrics.ts'
import type { AuditEvent } from './audit-event.ts'
import { eventTime, statusCode } from './audit-event.ts'
import type { AccessConfig } from './config.ts'
import { createAccessDetector } from './detector.ts'
import { toPipelineFinding } from './finding.ts'
import { createMemoryAccessStore } from './store.ts'
import { instrumentStore } from './store-metrics.ts'
import { createRedisAccessStore } from './store-redis.ts'

/** The verbs a label may carry: an audit event's verb is whatever the request said, and a label must not grow with it. */
const VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection', 'proxy', 'impersonate', 'other'] as const
const VERB_INDEX = new Map<string, number>(VERBS.map((v, i) => [v, i]))
const OTHER = VERBS.length - 1
const OUTCOMES = ['allowed', 'denied', 'failed'] as const

/** Index into OUTCOMES. */
function outcome(e: AuditEvent): number {
  const code = statusCode(e)
  if (code === 401 || code === 403) return 1
  return code === undefined || code >= 400 ? 2 : 0
}

export interface AccessStageDeps {
  fingerprinter: Fingerprinter
  logger: Logger
  maxContextChars: number
  redis?: { client: Redis; keyPrefix: string } | undefined
  /** Ends learning at this event time instead of `learningPeriodMs` after the first event (replays, tests). */
  learnUntilMs?: number
  /** The process's metrics (docs/metrics.md, leakwatch_access_*); none in tests that do not look. */
  metrics?: Metrics | undefined
}

export function createAccessStage(config: AccessConfig, deps: AccessStageDeps) {
  const m = deps.metrics
  const raw = deps.redis === undefined ? createMemoryAccessStore() : createRedisAccessStore(deps.redis.client, { prefix: `${deps.redis.keyPrefix}:access:` })
  const store = m === undefined ? raw : instrumentStore(raw, { seconds: m.accessStoreSeconds, errors: m.accessStoreErrors })
  const detector = createAccessDetector(config, { store, emit: 'open', ...(deps.learnUntilMs === undefined ? {} : { learnUntilMs: deps.learnUntilMs }) })
  let skipped = 0
  let latest = Number.NEGATIVE_INFINITY

  /** Counts a batch's events and refreshes the gauges; findings are counted by the detector stage (leakwatch_findings_total). */
  function observe(events: readonly AuditEvent[]): void {
    if (m === undefined) return
    // Counted in a table, not a map of label strings: this runs for every event.
    const counts = new Array<number>(VERBS.length * OUTCOMES.length).fill(0)
    for (const e of events) {
      const i = (VERB_INDEX.get(e.verb) ?? OTHER) * OUTCOMES.length + outcome(e)
      counts[i] = (counts[i] ?? 0) + 1
      const t = eventTime(e)
      if (t > latest) latest = t
    }
    for (let i = 0; i < counts.length; i++) {
      const n = counts[i] ?? 0
      if (n > 0) m.accessEvents.inc({ verb: VERBS[Math.floor(i / OUTCOMES.length)] ?? 'other', outcome: OUTCOMES[i % OUTCOMES.length] ?? 'failed' }, n)
    }
    const stats = detector.stats()
    if (stats.skipped > skipped) m.accessSkipped.inc({}, stats.skipped - skipped)
    skipped = stats.skipped
    m.accessPrincipals.set(stats.principals)
    const until = detector.learningUntil()
    if (until !== undefined && Number.isFinite(latest)) {
      m.accessLearning.set(latest < until ? 1 : 0)
      m.accessLearningRemaining.set(Math.max(0, (until - latest) / 1000))
    }
  }

  return {
    detect: (): Finding[] => [],
    async audit(envs: AuditEnvelope[]): Promise<Finding[]> {
      const cluster = envs[0]?.cluster ?? 'default'
      const events = envs.map((e) => e.event)
      const found = await detector.process(events)
      observe(events)
      return found.map((f) => toPipelineFinding(f, { cluster, fingerprinter: deps.fingerprinter, maxContextChars: deps.maxContextChars }))
    },
    async stop(): Promise<void> {
      await detector.flush()
      await deps.redis?.client.quit().catch(() => {})
    },
    summary: () => ({ access: { store: deps.redis === undefined ? 'memory' : 'redis', ...detector.stats() } })
  }
}
