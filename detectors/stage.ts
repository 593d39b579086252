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

export interface DetectorStageDeps {
  detectors: Detector[]
  metrics: Metrics
  /**
   * Seals the secret of findings whose rotation needs the value (GitHub revocation) to the responder's
   * public key (responders/seal.ts): returns the finding with `sealed` set, or as it was. The detector
   * engine keeps its output unchanged; app.ts builds this from `detector.sealPublicKey`.
   */
  seal?: (f: Finding) => Finding
}

export function createDetectorStage(opts: { groupId: string }, deps: DetectorStageDeps): Stage {
  return {
    name: 'detector',
    groupId: opts.groupId,
    topics: [TOPICS.logs],
    async process(records: InRecord[]): Promise<OutRecord[]> {
      const out: OutRecord[] = []
      for (const r of records) {
        const chunk = r.value as LogChunk
        for (const d of deps.detectors) {
          for (const found of d.detect(chunk)) {
            const f = deps.seal === undefined ? found : deps.seal(found)
            deps.metrics.findings.inc({ rule: f.rule, severity: f.severity })
            out.push({ topic: TOPICS.findings, key: f.fingerprint, value: f })
          }
        }
      }
      return out
    }
  }
}
