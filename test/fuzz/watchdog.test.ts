// The fuzz runner's hang watchdog judges the worker's CPU time: a case slowed
// by a loaded machine is no hang, a case spinning is one, a case waiting on
// nothing is a stall. First on a scripted clock, then on real worker threads.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Worker } from 'node:worker_threads'
import type { Verdict, Watchdog } from './watchdog.ts'
import { createWatchdog, workerCpuMs } from './watchdog.ts'

/** A scripted machine: wall and worker CPU milliseconds advanced by the test. */
function scripted(limits = { hangMs: 30_000, stallMs: 120_000, idleCpuMs: 50 }) {
  const m = { wall: 0, cpu: 0 }
  const dog = createWatchdog(
    limits,
    async () => m.cpu,
    () => m.wall
  )
  return { m, dog }
}

test('watchdog: a case slowed by load (10% of a core for 5 minutes of wall time) is no hang; it is one once it has used 30 s of CPU', async () => {
  const { m, dog } = scripted()
  m.cpu = 1234
  dog.start(m.cpu)
  // 300 s of wall time at a tenth of a core: 30 s of wall time was the old (wall-clock) hang limit.
  for (let s = 1; s <= 299; s++) {
    m.wall += 1000
    m.cpu += 100
    assert.equal(await dog.check(), undefined, `second ${s}: ${dog.used()} ms CPU`)
  }
  m.wall += 1000
  m.cpu += 101
  assert.equal(await dog.check(), 'hang')
})

test('watchdog: a case spinning on a free core is a hang after 30 s of CPU, as before', async () => {
  const { m, dog } = scripted()
  dog.start(0)
  let verdict: Verdict | undefined
  let s = 0
  while (verdict === undefined && s < 100) {
    s++
    m.wall += 1000
    m.cpu += 1000
    verdict = await dog.check()
  }
  assert.equal(verdict, 'hang')
  assert.equal(s, 31)
})

test('watchdog: a case using no CPU is a stall after the stall time; a trickle of CPU below the idle bound does not keep it alive', async () => {
  const { m, dog } = scripted()
  dog.start(500)
  let verdict: Verdict | undefined
  let s = 0
  while (verdict === undefined && s < 1000) {
    s++
    m.wall += 1000
    // Timers and GC: well under 50 ms per two minutes.
    if (s % 30 === 0) m.cpu += 5
    verdict = await dog.check()
  }
  assert.equal(verdict, 'stall')
  assert.equal(s, 121)
})

test('watchdog: a case that ended is not judged, and the next case starts from its own CPU time', async () => {
  const { m, dog } = scripted({ hangMs: 1000, stallMs: 5000, idleCpuMs: 50 })
  dog.start(0)
  m.cpu = 900
  m.wall = 900
  assert.equal(await dog.check(), undefined)
  dog.done()
  m.cpu = 5000
  m.wall = 60_000
  assert.equal(await dog.check(), undefined)
  dog.start(5000)
  m.cpu = 5900
  m.wall = 61_000
  assert.equal(await dog.check(), undefined)
  m.cpu = 6001
  assert.equal(await dog.check(), 'hang')
})

test('watchdog: a reading that comes back after its case ended is ignored', async () => {
  let release: (cpu: number) => void = () => {}
  const dog = createWatchdog(
    { hangMs: 10, stallMs: 1000, idleCpuMs: 1 },
    () =>
      new Promise<number>((resolve) => {
        release = resolve
      }),
    () => 0
  )
  dog.start(0)
  const pending = dog.check()
  dog.done()
  dog.start(10_000)
  release(9_999_999)
  assert.equal(await pending, undefined)
})

// ---------------------------------------------------------------- real worker threads

const CPU_MS = `const cpu = () => { const u = process.threadCpuUsage(); return (u.user + u.system) / 1000 }`

/** A worker running `body` (CommonJS, with `parentPort` and `cpu()`); it posts its CPU time first. */
function worker(body: string): Worker {
  return new Worker(`const { parentPort } = require('node:worker_threads'); ${CPU_MS}; parentPort.postMessage({ start: cpu() }); ${body}`, { eval: true })
}

/** Checks `dog` every 20 ms until it gives a verdict or the worker says it finished. */
async function watch(w: Worker, dog: Watchdog): Promise<Verdict | 'finished'> {
  let finished = false
  w.on('message', (m: { start?: number; finished?: boolean }) => {
    if (m.start !== undefined) dog.start(m.start)
    if (m.finished === true) finished = true
  })
  // The first message: the case's start.
  await new Promise<void>((resolve) => w.once('message', () => resolve()))
  for (;;) {
    if (finished) return 'finished'
    const v = await dog.check()
    if (v !== undefined) return v
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

test('watchdog on a worker thread: a busy loop is a hang once it has used the CPU limit', async () => {
  const w = worker('for (;;) {}')
  try {
    const dog = createWatchdog({ hangMs: 300, stallMs: 60_000, idleCpuMs: 50 }, () => workerCpuMs(w))
    assert.equal(await watch(w, dog), 'hang')
    assert.ok(dog.used() > 300)
  } finally {
    await w.terminate()
  }
})

test('watchdog on a worker thread: a case that waits forever (no CPU) is a stall', async () => {
  const w = worker('setInterval(() => {}, 1_000_000)')
  try {
    const dog = createWatchdog({ hangMs: 300, stallMs: 400, idleCpuMs: 50 }, () => workerCpuMs(w))
    assert.equal(await watch(w, dog), 'stall')
    assert.ok(dog.used() < 50, `${dog.used()} ms CPU`)
  } finally {
    await w.terminate()
  }
})

test('watchdog on a worker thread: a case that gets a fifth of a core (a loaded machine) for longer than the CPU limit is not a hang', async () => {
  // 15 slices of 20 ms of its own CPU, each followed by 80 ms off the CPU (Atomics.wait): about 300 ms of CPU
  // over at least 1.2 s of wall time. A wall-clock watchdog with a 600 ms limit stops it; this one lets it finish.
  const w = worker(`
    const gate = new Int32Array(new SharedArrayBuffer(4))
    for (let i = 0; i < 15; i++) {
      const t = cpu()
      while (cpu() - t < 20) {}
      Atomics.wait(gate, 0, 0, 80)
    }
    parentPort.postMessage({ finished: true })
    setInterval(() => {}, 1_000_000)
  `)
  try {
    const t0 = performance.now()
    const dog = createWatchdog({ hangMs: 600, stallMs: 60_000, idleCpuMs: 50 }, () => workerCpuMs(w))
    assert.equal(await watch(w, dog), 'finished')
    assert.ok(performance.now() - t0 > 600, 'the case took longer than the CPU limit in wall time')
  } finally {
    await w.terminate()
  }
})
