// Baselines: the findings a team has looked at and accepted, so that a CI
// step fails only on new leaks. A baseline is a JSON file of fingerprints with
// enough context for a reviewer (rule, where, masked preview) and never the
// secret. Fingerprints are keyed HMACs, so a baseline is only meaningful with
// the same detector.fingerprintKey that wrote it.

import { readFileSync, renameSync, writeFileSync } from 'node:fs'
import { LeakwatchError } from '../pipeline/errors.ts'
import type { Finding } from '../pipeline/events.ts'
import type { Infer } from '../pipeline/schema.ts'
import * as s from '../pipeline/schema.ts'

const entrySchema = s.object({
  fingerprint: s.string({ pattern: /^[0-9a-f]{64}$/ }),
  rule: s.optional(s.string()),
  file: s.optional(s.string()),
  stream: s.optional(s.string()),
  line: s.optional(s.number({ integer: true, min: 1 })),
  preview: s.optional(s.string())
})
export type BaselineEntry = Infer<typeof entrySchema>

const baselineSchema = s.object({
  version: s.literal(['1'] as const),
  tool: s.optional(s.string()),
  createdAt: s.optional(s.string()),
  findings: s.array(entrySchema)
})
export type Baseline = Infer<typeof baselineSchema>

export function readBaseline(path: string): Baseline {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    throw new LeakwatchError('LW_ERR_BASELINE_INVALID', `cannot read baseline ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { cause: err })
  }
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (err) {
    throw new LeakwatchError('LW_ERR_BASELINE_INVALID', `baseline ${path} is not valid JSON`, { cause: err })
  }
  return s.parse(baselineSchema, doc, 'LW_ERR_BASELINE_INVALID', `baseline ${path}`)
}

export function baselineEntry(f: Finding & { file?: string }): BaselineEntry {
  return {
    fingerprint: f.fingerprint,
    rule: f.rule,
    ...(f.file === undefined ? { stream: f.stream } : { file: f.file }),
    line: f.location.line,
    preview: f.preview
  }
}

/**
 * Writes `entries` (and those of `previous`, so updating a baseline keeps what
 * was accepted before), one per fingerprint and place, via a temporary file
 * so a crash never leaves half a baseline.
 */
export function writeBaseline(path: string, entries: BaselineEntry[], previous: Baseline | undefined, now: Date): number {
  const seen = new Set<string>()
  const findings: BaselineEntry[] = []
  for (const e of [...(previous?.findings ?? []), ...entries]) {
    const key = `${e.fingerprint}\u0000${e.file ?? e.stream ?? ''}\u0000${e.line ?? ''}`
    if (seen.has(key)) continue
    seen.add(key)
    findings.push(e)
  }
  const doc: Baseline = { version: '1', tool: 'leakwatch', createdAt: now.toISOString(), findings }
  const tmp = `${path}.tmp-${process.pid}`
  try {
    writeFileSync(tmp, `${JSON.stringify(doc, null, 2)}\n`)
    renameSync(tmp, path)
  } catch (err) {
    throw new LeakwatchError('LW_ERR_BASELINE_INVALID', `cannot write baseline ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { cause: err })
  }
  return findings.length
}
