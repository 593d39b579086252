// `npm run fuzz -- [--seconds N] [--seed S] [--target a,b] [--round-seconds R] [--max-size tiny|normal|big|huge] [--hang-seconds H] [--stall-seconds W] [--stats FILE]`
//
// Runs the fuzz targets in turn, `--round-seconds` each, until `--seconds`
// have passed. Each target runs in a worker thread; the main thread stops a
// worker that spends more than the hang limit of CPU time on one case, or
// uses no CPU for the stall limit (test/fuzz/watchdog.ts), or exhausts its
// heap, records that case, and carries on after it. New failures are
// minimised and kept in test/fuzz/corpus/ as recipes (status `open`). Prints
// executions per second per target and every distinct failure; the seed
// replays the run (case i of target t is generated from seed/t/i alone).

import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { Worker } from 'node:worker_threads'
import type { CorpusEntry } from './harness.ts'
import { issueItem, keepInCorpus, readCorpus } from './harness.ts'
import type { SizeClass } from './inputs.ts'
import { TARGETS } from './targets.ts'
import { createWatchdog, workerCpuMs } from './watchdog.ts'
import type { WorkerInput, WorkerMessage } from './worker.ts'

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    seed: { type: 'string' },
    target: { type: 'string' },
    'round-seconds': { type: 'string', default: '60' },
    'max-size': { type: 'string', default: 'huge' },
    'hang-seconds': { type: 'string', default: '30' },
    'stall-seconds': { type: 'string', default: '120' },
    stats: { type: 'string' }
  }
})

const seconds = Number(values.seconds)
const seed = values.seed === undefined ? randomBytes(4).readUInt32LE(0) : Number(values.seed)
const roundMs = Number(values['round-seconds']) * 1000
const hangMs = Number(values['hang-seconds']) * 1000
const stallMs = Number(values['stall-seconds']) * 1000
const maxSize = values['max-size'] as SizeClass
const names = values.target === undefined ? TARGETS.map((t) => t.name) : values.target.split(',')
for (const n of names) if (!TARGETS.some((t) => t.name === n)) throw new Error(`unknown target ${n}; targets: ${TARGETS.map((t) => t.name).join(', ')}`)

interface Stats {
  executions: number
  ms: number
  bytes: number
  next: number
  /** Failing executions per signature. */
  failures: Record<string, number>
}

const stats: Record<string, Stats> = Object.fromEntries(names.map((n) => [n, { executions: 0, ms: 0, bytes: 0, next: 0, failures: {} }]))
const known = new Set(readCorpus().map((e) => e.signature))
const newEntries: CorpusEntry[] = []
const startedAt = Date.now()
const deadline = startedAt + seconds * 1000

console.log(`leakwatch fuzz: seed ${seed}, ${seconds} s, targets ${names.join(', ')} (replay: npm run fuzz -- --seed ${seed} --target <t>)`)

function count(target: string, sig: string): void {
  const s = stats[target] as Stats
  s.failures[sig] = (s.failures[sig] ?? 0) + 1
}

/** Records a case the worker could not finish (hang, out of heap, uncaught error): kept unminimised. */
function killed(target: string, c: { index: number; tag?: string | undefined; recipe?: string[] | undefined }, property: string, detail: string): void {
  const index = c.index
  const sig = `${target}/${property}/${c.tag ?? 'worker'}`
  count(target, sig)
  const entry: CorpusEntry = {
    target,
    property,
    signature: sig,
    status: 'open',
    item: issueItem(target, { property, cls: c.tag ?? 'worker', detail }),
    seed,
    index,
    maxSize,
    bytes: -1,
    recipe: c.recipe ?? [],
    detail,
    foundAt: new Date().toISOString()
  }
  if (!known.has(sig)) {
    known.add(sig)
    if (keepInCorpus(entry)) newEntries.push(entry)
  }
  console.log(`  ${target} case ${index}: ${property} (${detail})`)
}

function round(target: string, until: number): Promise<void> {
  const s = stats[target] as Stats
  return new Promise((resolve) => {
    const input: WorkerInput = { target, seed, start: s.next, until, maxSize, known: [...known] }
    const worker = new Worker(new URL('./worker.ts', import.meta.url), { workerData: input, resourceLimits: { maxOldGenerationSizeMb: 2048 } })
    let current: { index: number; tag?: string | undefined; recipe?: string[] | undefined } | undefined
    let ended = false
    const finish = (): void => {
      if (ended) return
      ended = true
      clearInterval(watch)
      resolve()
    }
    // CPU time of the worker thread, not wall time: a loaded machine slows a case without making it a hang.
    const dog = createWatchdog({ hangMs, stallMs, idleCpuMs: 50 }, () => workerCpuMs(worker))
    const watch = setInterval(() => {
      void dog.check().then((verdict) => {
        if (verdict === undefined || current === undefined || ended) return
        const c = current
        current = undefined
        dog.done()
        killed(
          target,
          c,
          verdict,
          verdict === 'hang'
            ? `more than ${hangMs / 1000} s of CPU time on one case`
            : `no CPU progress for ${stallMs / 1000} s (waiting on something that never came)`
        )
        s.next = c.index + 1
        void worker.terminate().then(finish)
      })
    }, 1000)
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'start') {
        current = { index: m.index, tag: m.tag, recipe: m.recipe }
        dog.start(m.cpuMs)
      } else if (m.type === 'done') {
        current = undefined
        dog.done()
        s.executions++
        s.ms += m.ms
        s.bytes += m.bytes
        s.next = m.index + 1
        for (const sig of m.signatures) count(target, sig)
      } else if (m.type === 'entry') {
        known.add(m.entry.signature)
        if (keepInCorpus(m.entry)) newEntries.push(m.entry)
        console.log(`  ${target} case ${m.entry.index}: ${m.entry.signature} — ${m.entry.detail} (minimised to ${m.entry.bytes} bytes)`)
      } else if (m.type === 'end') {
        current = undefined
        dog.done()
        s.next = m.next
      }
    })
    worker.on('error', (err: Error & { code?: string }) => {
      const c = current
      current = undefined
      dog.done()
      if (c !== undefined) {
        const oom = err.code === 'ERR_WORKER_OUT_OF_MEMORY'
        killed(target, c, oom ? 'oom' : 'no-crash', oom ? 'the worker ran out of heap (2 GiB)' : `${err.name}: ${err.message.slice(0, 200)}`)
        s.next = c.index + 1
      } else console.log(`  ${target}: worker error outside a case: ${err.name}: ${err.message.slice(0, 200)}`)
    })
    worker.on('exit', finish)
  })
}

function report(final: boolean): void {
  const hours = (Date.now() - startedAt) / 3_600_000
  const lines = [`${final ? 'done' : 'progress'}: ${hours.toFixed(2)} h, seed ${seed}`]
  for (const n of names) {
    const s = stats[n] as Stats
    const rate = s.ms === 0 ? 0 : (s.executions * 1000) / s.ms
    lines.push(`  ${n.padEnd(10)} ${String(s.executions).padStart(8)} executions  ${rate.toFixed(1).padStart(8)}/s  next case ${s.next}`)
    for (const [sig, k] of Object.entries(s.failures)) lines.push(`      ${String(k).padStart(6)} × ${sig}`)
  }
  console.log(lines.join('\n'))
  if (values.stats !== undefined)
    writeFileSync(
      values.stats,
      `${JSON.stringify({ seed, startedAt: new Date(startedAt).toISOString(), hours, stats, newEntries: newEntries.map((e) => e.signature) }, null, 2)}\n`
    )
}

// Stopped early (Ctrl-C, kill): what ran so far is still reported.
let stopping = false
for (const sig of ['SIGINT', 'SIGTERM'] as const)
  process.once(sig, () => {
    stopping = true
    report(true)
    process.exit(1)
  })

while (Date.now() < deadline && !stopping) {
  for (const n of names) {
    const until = Math.min(deadline, Date.now() + roundMs)
    if (until <= Date.now()) break
    await round(n, until)
    if (values.stats !== undefined) report(false)
  }
  report(false)
}
report(true)
const failing = Object.values(stats).some((s) => Object.keys(s.failures).length > 0)
process.exitCode = failing ? 1 : 0
