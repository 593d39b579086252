// Audit events besides the kube-apiserver captures, for the tests of the
// older event shapes (audit.k8s.io/v1beta1, no apiVersion) and of exec, attach,
// RBAC and ConfigMap writes: our hand-written events, modelled on Falco's trace
// files (test/fixtures/audit/README.md), and Falco's files themselves when this
// checkout sits next to ../shared/samples/k8s-audit. Their NOTICE lets us read
// them in place but not copy them, so a test reads both in one test body: ours
// always, theirs when present, and never skips.

import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const repo = join(import.meta.dirname, '..', '..')
export const HAND_WRITTEN = join(repo, 'test', 'fixtures', 'audit', 'hand-written-shapes.jsonl')
export const FALCO_SAMPLES = join(repo, '..', 'shared', 'samples', 'k8s-audit')

/** One event line and where it came from (`file:line`), for assertion messages. */
export interface AuditSample {
  at: string
  line: string
}

function linesOf(path: string, name: string): AuditSample[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .flatMap((line, i) => (line.trim() === '' ? [] : [{ at: `${name}:${i + 1}`, line }]))
}

export function handWrittenEvents(): AuditSample[] {
  return linesOf(HAND_WRITTEN, 'hand-written-shapes.jsonl')
}

/** Falco's trace files, one event per line, files in name order; none when the shared folder is absent. */
export function falcoEvents(): AuditSample[] {
  if (!existsSync(FALCO_SAMPLES)) return []
  return readdirSync(FALCO_SAMPLES)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .flatMap((f) => linesOf(join(FALCO_SAMPLES, f), f))
}
