// The detector stage: log chunks in, findings out. The runner produces the
// findings and only then commits the chunks' offsets; finding ids depend on
// the position, not on when we ran, so a replay yields the same ids.

import type { Finding, LogChunk } from '../pipeline/events.ts'
import { TOPICS } from '../pipeline/events.ts'
import type { Metrics } from '../pipeline/metrics.ts'
import type { InRecord, OutRecord, Stage } from '../pipeline/runner.ts'

export interface Detector {
  detect: (chunk: LogChunk) => Finding[]
}

export function createDetectorStage(opts: { groupId: string }, deps: { detectors: Detector[]; metrics: Metrics }): Stage {
  return {
    name: 'detector',
    groupId: opts.groupId,
    topics: [TOPICS.logs],
    async process(records: InRecord[]): Promise<OutRecord[]> {
      const out: OutRecord[] = []
      for (const r of records) {
        const chunk = r.value as LogChunk
        for (const d of deps.detectors) {
          for (const f of d.detect(chunk)) {
            deps.metrics.findings.inc({ rule: f.rule, severity: f.severity })
            out.push({ topic: TOPICS.findings, key: f.fingerprint, value: f })
          }
        }
      }
      return out
    }
  }
}
