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
import type { AccessConfig } from './config.ts'
import { createAccessDetector } from './detector.ts'
import { toPipelineFinding } from './finding.ts'
import { createMemoryAccessStore } from './store.ts'
import { createRedisAccessStore } from './store-redis.ts'

export interface AccessStageDeps {
  fingerprinter: Fingerprinter
  logger: Logger
  maxContextChars: number
  redis?: { client: Redis; keyPrefix: string } | undefined
  /** Ends learning at this event time instead of `learningPeriodMs` after the first event (replays, tests). */
  learnUntilMs?: number
}

export function createAccessStage(config: AccessConfig, deps: AccessStageDeps) {
  const store = deps.redis === undefined ? createMemoryAccessStore() : createRedisAccessStore(deps.redis.client, { prefix: `${deps.redis.keyPrefix}:access:` })
  const detector = createAccessDetector(config, { store, emit: 'open', ...(deps.learnUntilMs === undefined ? {} : { learnUntilMs: deps.learnUntilMs }) })
  return {
    detect: (): Finding[] => [],
    async audit(envs: AuditEnvelope[]): Promise<Finding[]> {
      const cluster = envs[0]?.cluster ?? 'default'
      const found = await detector.process(envs.map((e) => e.event))
      return found.map((f) => toPipelineFinding(f, { cluster, fingerprinter: deps.fingerprinter, maxContextChars: deps.maxContextChars }))
    },
    async stop(): Promise<void> {
      await detector.flush()
      await deps.redis?.client.quit().catch(() => {})
    },
    summary: () => ({ access: { store: deps.redis === undefined ? 'memory' : 'redis', ...detector.stats() } })
  }
}
