// The responder stage: findings in, incidents upserted, actions enqueued.
// An incident's "opened" actions are enqueued with ids derived from its
// fingerprint until the store says they were; a crash between upsert and
// enqueue therefore re-enqueues on replay, and the job ids keep that single.

import type { Writable } from 'node:stream'
import type { Finding } from '../pipeline/events.ts'
import { TOPICS } from '../pipeline/events.ts'
import type { Jobs } from '../pipeline/jobs.ts'
import type { Metrics } from '../pipeline/metrics.ts'
import type { InRecord, Stage } from '../pipeline/runner.ts'
import type { Incident, IncidentStore } from './incidents.ts'

export interface ResponderStageOptions {
  groupId: string
  cluster: string
  webhook: boolean
  /** Where new incidents are printed (masked); undefined prints nothing. */
  console: Writable | undefined
}

export interface ResponderStageDeps {
  store: IncidentStore
  jobs: Jobs
  metrics: Metrics
}

export function formatIncident(i: Incident): string {
  return `leak found: ${i.title} [${i.severity}] ${i.preview} in ${i.firstStream} (rule ${i.rule}, fingerprint ${i.fingerprint.slice(0, 12)})\n`
}

export function createResponderStage(opts: ResponderStageOptions, deps: ResponderStageDeps): Stage {
  return {
    name: 'responder',
    groupId: opts.groupId,
    topics: [TOPICS.findings],
    async process(records: InRecord[]) {
      for (const r of records) {
        const f = r.value as Finding
        const u = await deps.store.record(f, opts.cluster)
        if (u.created) deps.metrics.incidents.inc()
        if (!u.replay) deps.metrics.occurrences.inc()
        if (u.incident.alerted) continue
        if (opts.webhook) await deps.jobs.add('webhook', `webhook-${f.fingerprint}-opened`, { incident: u.incident })
        // Printed once per incident: the alerted flag is set right after.
        opts.console?.write(formatIncident(u.incident))
        await deps.store.markAlerted(f.fingerprint)
      }
      return []
    }
  }
}
