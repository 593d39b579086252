// Child process of bench/engine.ts: the full detection engine (every built-in
// rule, generic detection, decoders) over the corpus, fed as the pipeline
// feeds it: LogChunks of 500 lines through `detect(chunk)`. Run pinned to one
// core by the parent; writes its figures and findings as JSON.
//
// The fingerprinter is a plain SHA-256 here, not the keyed HMAC of
// production: the manifest holds SHA-256 of the planted secrets, so findings
// are scored by hash without the plaintext ever leaving this process.

import '../bin/compile-cache.ts'
import { createHash } from 'node:crypto'
import { statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import type { LogChunk } from '../pipeline/events.ts'
import type { Fingerprinter } from '../pipeline/fingerprint.ts'
import { lineBatches } from './lines.ts'
import type { Reported } from './score.ts'

export interface LeakwatchRun {
  bytes: number
  lines: number
  chunks: number
  wallMs: number
  /** Time inside detect() only: the engine without reading and splitting. */
  detectMs: number
  /** CPU time inside detect() only (user + system, all threads of the process while it ran). */
  detectCpuMs: number
  cpuUserMs: number
  cpuSystemMs: number
  maxRssKb: number
  findings: Reported[]
  /**
   * With --passes 2: CPU inside detect() on a second pass over the same files in the same process — the
   * engine as a detector that has been running sees it, its JIT and RE2 caches warm. The figures above are
   * the first pass's.
   */
  warmDetectCpuMs?: number
}

const CHUNK_LINES = 500
const GROUP = 32

// Loaded as the CLI loads them: after Node's compile cache is on (bin/compile-cache.ts).
const { BUILTIN_RULES } = await import('../detectors/rules/registry.ts')
const { createSecretDetector } = await import('../detectors/secrets.ts')

function main(): void {
  const { values } = parseArgs({
    options: { corpus: { type: 'string' }, files: { type: 'string' }, out: { type: 'string' }, passes: { type: 'string', default: '1' } }
  })
  if (values.corpus === undefined || values.files === undefined || values.out === undefined)
    throw new Error('usage: scan-leakwatch.ts --corpus DIR --files a,b --out FILE')
  const sha: Fingerprinter = { of: (v) => createHash('sha256').update(v, 'utf8').digest('hex'), ephemeral: false }
  const detector = createSecretDetector({ rules: BUILTIN_RULES, fingerprinter: sha, maxContextChars: 240 })
  const files = values.files.split(',')
  const corpus = values.corpus
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  let detectMs = 0
  let detectCpuMs = 0
  let lines = 0
  let chunks = 0
  let bytes = 0
  const findings: Reported[] = []
  // One pass over the files; `record` only on the first, whose figures are the run's.
  const pass = (record: boolean): number => {
    let cpuMs = 0
    for (const name of files) {
      const path = join(corpus, name)
      if (record) bytes += statSync(path).size
      const stream = `file:${name}`
      // Chunks are read GROUP at a time, then detected, so the CPU clock is read twice per group: a
      // getrusage call per chunk cost 5% of the run on this VM and landed half inside detect().
      const batches = lineBatches(path, CHUNK_LINES)
      for (;;) {
        const group: LogChunk[] = []
        for (let b = batches.next(); ; b = batches.next()) {
          if (b.done === true) break
          const batch = b.value
          group.push({
            v: '1',
            type: 'log-chunk',
            stream,
            source: { type: 'file', path },
            startLine: batch.startLine,
            offset: { start: 0, end: 0 },
            lines: batch.lines,
            collectedAt: ''
          })
          if (group.length === GROUP) break
        }
        if (group.length === 0) break
        const d0 = performance.now()
        const c0 = process.cpuUsage()
        for (const chunk of group) {
          const found = detector.detect(chunk)
          if (!record) continue
          for (const f of found) findings.push({ file: name, line: f.location.line, rule: f.rule, sha256: f.fingerprint })
          lines += chunk.lines.length
          chunks++
        }
        const c1 = process.cpuUsage(c0)
        if (record) detectMs += performance.now() - d0
        cpuMs += (c1.user + c1.system) / 1000
      }
    }
    return cpuMs
  }
  detectCpuMs = pass(true)
  const wallMs = performance.now() - t0
  const cpu = process.cpuUsage(cpu0)
  const maxRssKb = process.resourceUsage().maxRSS
  let warm: number | undefined
  for (let p = 1; p < Number(values.passes); p++) warm = pass(false)
  const run: LeakwatchRun = {
    bytes,
    lines,
    chunks,
    wallMs,
    detectMs,
    detectCpuMs,
    cpuUserMs: cpu.user / 1000,
    cpuSystemMs: cpu.system / 1000,
    maxRssKb,
    findings,
    ...(warm === undefined ? {} : { warmDetectCpuMs: warm })
  }
  writeFileSync(values.out, JSON.stringify(run))
}

main()
