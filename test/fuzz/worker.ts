// One fuzz target in a worker thread, driven by test/fuzz/run.ts: the main
// thread can stop a worker that hangs in synchronous code or runs out of
// heap, record the case it was on, and start a new one after it.

import { parentPort, workerData } from 'node:worker_threads'
import type { CorpusEntry } from './harness.ts'
import { issueItem, minimise, runCase, signature, sizeTag } from './harness.ts'
import type { SizeClass } from './inputs.ts'
import { caseSeed } from './inputs.ts'
import { closeTargets, targetNamed } from './targets.ts'

export interface WorkerInput {
  target: string
  seed: number
  start: number
  until: number
  maxSize: SizeClass
  /** Signatures already in the corpus or met in this run: counted, not minimised again. */
  known: string[]
}

export type WorkerMessage =
  | { type: 'start'; index: number; at: number; cpuMs: number; tag?: string; recipe?: string[] }
  | { type: 'done'; index: number; ms: number; bytes: number; signatures: string[] }
  | { type: 'entry'; entry: CorpusEntry }
  | { type: 'end'; next: number }

const input = workerData as WorkerInput
const port = parentPort
if (port === null) throw new Error('test/fuzz/worker.ts runs as a worker thread of test/fuzz/run.ts')
const post = (m: WorkerMessage): void => port.postMessage(m)
/** This thread's CPU milliseconds: the watchdog's baseline for a case (the main thread reads the same clock). */
const cpuMs = (): number => {
  const u = process.threadCpuUsage()
  return (u.user + u.system) / 1000
}

const target = targetNamed(input.target)
const known = new Set(input.known)
let index = input.start
for (; Date.now() < input.until; index++) {
  const c = target.generate(caseSeed(input.seed, target.name, index), { maxSize: input.maxSize })
  // The recipe goes with the start: a case that hangs or exhausts the heap is recorded by the main thread.
  post({ type: 'start', index, at: Date.now(), cpuMs: cpuMs(), tag: sizeTag(c), recipe: c.recipe })
  const out = await runCase(target, c)
  const sigs = [...new Set(out.failures.map((f) => signature(target.name, f)))]
  post({ type: 'done', index, ms: out.ms, bytes: c.bytes.length, signatures: sigs })
  for (const f of out.failures) {
    const sig = signature(target.name, f)
    if (known.has(sig)) continue
    known.add(sig)
    // A slow case is kept whole (its recipe says what made it slow): minimising it would take minutes a run.
    // A round-trip failure's oracle is the whole generated input: a cut of it has none.
    const slow = f.property === 'bounded-time' || f.property === 'bounded-heap' || f.property === 'round-trip'
    post({ type: 'start', index, at: Date.now(), cpuMs: cpuMs() })
    const keep = slow ? undefined : await minimise(target, c, sig, { runs: 300, ms: 20_000 })
    const bytes = keep === undefined ? c.bytes.length : keep.reduce((n, [s, e]) => n + e - s, 0)
    post({
      type: 'entry',
      entry: {
        target: target.name,
        property: f.property,
        signature: sig,
        status: 'open',
        item: issueItem(target.name, f),
        seed: input.seed,
        index,
        maxSize: input.maxSize,
        ...(keep === undefined ? {} : { keep }),
        bytes,
        recipe: c.recipe,
        detail: f.detail,
        foundAt: new Date().toISOString()
      }
    })
  }
}
await closeTargets()
post({ type: 'end', next: index })
