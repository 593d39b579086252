// The responder stage: findings in, incidents upserted, actions enqueued.
// The runner commits the batch only after this returns, so every enqueue here
// happened before the offsets moved. An incident's "opened" actions are
// enqueued with ids derived from its fingerprint until the store says they
// were; a crash between upsert and enqueue therefore re-enqueues on replay,
// and the job ids keep that single.

import type { Writable } from 'node:stream'
import { escapeControls } from '../pipeline/escape.ts'
import type { Finding } from '../pipeline/events.ts'
import { TOPICS } from '../pipeline/events.ts'
import type { Metrics } from '../pipeline/metrics.ts'
import type { InRecord, Stage } from '../pipeline/runner.ts'
import type { Actions } from './actions.ts'
import type { CiOwners } from './ci-owners.ts'
import type { ResponderConfig, RotationAction } from './config.ts'
import type { Incident, IncidentStore, RecordContext } from './incidents.ts'
import { effectiveSeverity, matches, rotationPlan, route, subjectOf } from './policy.ts'

export interface ResponderStageOptions {
  groupId: string
  cluster: string
  config: ResponderConfig
  /** Where new incidents are printed (masked); undefined prints nothing. */
  console: Writable | undefined
}

export interface ResponderStageDeps {
  store: IncidentStore
  actions: Actions
  metrics: Metrics
  /** Owners of CI repositories (responder.ciOwners), for CI findings no Slack route matched. */
  ciOwners?: CiOwners | undefined
}

export function formatIncident(i: Incident): string {
  // One line per incident whatever the fields hold: a stream or title with a newline or an escape sequence is shown escaped.
  const e = escapeControls
  return `leak found: ${e(i.title)} [${e(i.severity)}] ${e(i.preview)} in ${e(i.firstStream)} (rule ${e(i.rule)}, fingerprint ${e(i.fingerprint.slice(0, 12))})\n`
}

/** Secrets of one batch handled at once. */
const PARALLEL_SECRETS = 32

export function createResponderStage(opts: ResponderStageOptions, deps: ResponderStageDeps): Stage {
  const cfg = opts.config
  // Without a policy entry, the default webhook endpoint (when there is one) is what rotation calls.
  const fallback: RotationAction[] = cfg.webhook.url === undefined ? [] : [{ type: 'webhook' }]
  async function handle(f: Finding): Promise<void> {
    const subject = subjectOf(f)
    subject.severity = effectiveSeverity(f, cfg.severity)
    let r = route(subject, cfg.slack)
    if (deps.ciOwners !== undefined && f.source.type === 'ci' && !cfg.slack.routes.some((x) => matches(x.match, subject)))
      r = await deps.ciOwners.route(f.source, r)
    const u = await deps.store.record(f, {
      cluster: opts.cluster,
      severity: subject.severity,
      route: r,
      rotation: rotationPlan(subject, cfg.rotation, fallback),
      maxLocations: cfg.maxLocationsPerIncident,
      reopenOn: cfg.reopenOn as RecordContext['reopenOn']
    })
    if (u.created) deps.metrics.incidents.inc()
    if (u.reopened) deps.metrics.incidentsReopened.inc()
    if (!u.replay) deps.metrics.occurrences.inc()
    if (!u.incident.alerted) {
      await deps.actions.opened(u.incident)
      // Printed once per incident: the alerted flag is set right after.
      opts.console?.write(formatIncident(u.incident))
      await deps.store.update(f.fingerprint, (i) => (i.alerted ? undefined : { ...i, alerted: true }))
    } else if (!u.replay) {
      await deps.actions.changed(u.incident, u.reopened)
    }
  }

  return {
    name: 'responder',
    groupId: opts.groupId,
    topics: [TOPICS.findings],
    async process(records: InRecord[]) {
      // Findings of one secret are handled in order; different secrets are independent (each incident is
      // its own atomic record), so they go concurrently: Redis round trips, not CPU, bound this stage.
      const bySecret = new Map<string, Finding[]>()
      for (const r of records) {
        const f = r.value as Finding
        const list = bySecret.get(f.fingerprint)
        if (list === undefined) bySecret.set(f.fingerprint, [f])
        else list.push(f)
      }
      const queue = [...bySecret.values()]
      const worker = async (): Promise<void> => {
        for (let group = queue.shift(); group !== undefined; group = queue.shift()) for (const f of group) await handle(f)
      }
      // Settled, not all: a failure must not return (and have the runner retry) while other workers still run.
      const results = await Promise.allSettled(Array.from({ length: Math.min(PARALLEL_SECRETS, queue.length) }, worker))
      for (const r of results) if (r.status === 'rejected') throw r.reason
      return []
    }
  }
}
