// The order in which one container's files are read, with the bus's
// acknowledgements held and released by the test (no timing involved): a
// container's line numbers run on across its files, so a newer file read
// before an older one has given all its lines numbers the older file's lines
// (and, after a kill -9, their replays) should have had. This is what the
// kill -9 test in pod-logs-kafka.test.ts once saw as 5,210 distinct (stream,
// line) pairs delivered for 4,950 lines written.

import assert from 'node:assert/strict'
import { appendFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import { after, test } from 'node:test'
import type { PodLogsConfig } from '../../collectors/pod-logs.config.ts'
import { createPodLogsCollector } from '../../collectors/pod-logs.ts'
import type { TailIo } from '../../collectors/tail.ts'
import { nodeIo } from '../../collectors/tail.ts'
import { configSchema } from '../../config/schema.ts'
import type { LogChunk } from '../../pipeline/events.ts'
import { silentLogger } from '../../pipeline/log.ts'
import { createMetrics } from '../../pipeline/metrics.ts'
import type { OutRecord } from '../../pipeline/runner.ts'
import { parse } from '../../pipeline/schema.ts'
import { waitFor } from '../support/wait.ts'

const root = mkdtempSync(join(tmpdir(), 'lw-pods-order-'))
after(() => rmSync(root, { recursive: true, force: true }))

const TS = '2025-01-01T00:00:00.123456789Z'
/** Lines `from`..`to` of the container, each carrying its number, padded so a few thousand span several reads. */
const lines = (from: number, to: number): string =>
  Array.from({ length: to - from + 1 }, (_, i) => `${TS} stdout F seq=${from + i} ${'x'.repeat(80)}\n`).join('')

/** A collector whose every publish waits until the test lets it through. */
function gated(t: TestContext, config: PodLogsConfig, io?: TailIo) {
  const chunks: LogChunk[] = []
  const waiting: Array<() => void> = []
  let open = false
  let calls = 0
  const collector = createPodLogsCollector(config, {
    publish: async (records: OutRecord[]) => {
      calls++
      if (!open) await new Promise<void>((resolve) => waiting.push(resolve))
      for (const r of records) chunks.push(structuredClone(r.value as LogChunk))
    },
    logger: silentLogger(),
    metrics: createMetrics(),
    ...(io === undefined ? {} : { io })
  })
  const ac = new AbortController()
  const running = collector.start(ac.signal)
  t.after(async () => {
    open = true
    for (const r of waiting.splice(0)) r()
    await collector.close()
    await running
  })
  return {
    chunks,
    calls: () => calls,
    /** Lets the publish calls waiting now through; later ones wait again unless `all`. */
    release(all = false) {
      open = all
      for (const r of waiting.splice(0)) r()
    },
    /** Delivered line number → the seq its text carries (NaN for text without one). */
    numbering(): Map<number, number> {
      const m = new Map<number, number>()
      for (const c of chunks) {
        c.lines.forEach((text, i) => {
          const at = text.indexOf('seq=')
          m.set(c.startLine + i, at === -1 ? Number.NaN : Number.parseInt(text.slice(at + 4), 10))
        })
      }
      return m
    }
  }
}

function config(pods: string, dir: string): PodLogsConfig {
  const defaults = parse(configSchema, {}, 'LW_ERR_CONFIG_INVALID', 'test').collector.podLogs
  return {
    ...defaults,
    mode: 'on',
    path: pods,
    checkpointPath: join(dir, 'state', 'pod-logs.json'),
    pollIntervalMs: 5,
    // The listing taken before the rotation stays in use: the rotated copy's new name is not seen for a long time,
    // as between two listings of a busy node.
    discoveryIntervalMs: 3_600_000,
    flushIntervalMs: 0,
    maxLineBytes: 1024,
    maxChunkBytes: 4096,
    // One read of the oldest file at a time: the next cycle waits for room until the test releases the first.
    maxInFlightBytes: 64 * 1024,
    metadata: { ...defaults.metadata, enabled: false }
  } as PodLogsConfig
}

/** A pod directory with one container (`shop/api`), in a workspace of its own. */
function workspace(name: string): { dir: string; pods: string; app: string } {
  const dir = join(root, name)
  const pods = join(dir, 'pods')
  const app = join(pods, 'shop_api_uid-1', 'api')
  mkdirSync(app, { recursive: true })
  return { dir, pods, app }
}

/** Waits for line `all` to be delivered, then: every line 1..all delivered, each under the number it was written with. */
async function assertNumbered(r: ReturnType<typeof gated>, all: number): Promise<void> {
  await waitFor(() => r.numbering().size >= all || [...r.numbering().values()].includes(all), `line ${all} delivered`, 10_000)
  const wrong = [...r.numbering()].filter(([n, seq]) => n !== seq)
  assert.deepEqual(wrong.slice(0, 5), [], `every line delivered under the number it was written with (${wrong.length} were not; [number, seq] shown)`)
  assert.equal(r.numbering().size, all, 'every line delivered')
}

test('a file rotated away while an older copy is still being delivered is drained before the new live file: line numbers stay those written', async (t) => {
  const w = workspace('gone-waiting')
  const live = join(w.app, '0.log')
  // An old rotated copy large enough to take several reads (lines 1-10,000), and the live file after it (10,001-10,010).
  writeFileSync(join(w.app, '0.log.20250101-000000'), lines(1, 10_000))
  writeFileSync(live, lines(10_001, 10_010))
  const r = gated(t, config(w.pods, w.dir))
  // The first read of the old copy is on the wire and held; the next cycle waits for room.
  await waitFor(() => r.calls() >= 1, 'the first publish')
  // The kubelet rotates the live file while the old copy is still being delivered; the container goes on in a new 0.log.
  renameSync(live, `${live}.20250101-000001`)
  appendFileSync(live, lines(10_011, 10_030))
  r.release(true)
  await assertNumbered(r, 10_030)
})

// Every file there before the collector starts, the oldest a rotated copy being delivered while the others wait
// for it: a second rotated copy before the live file, or restart 0's live file before restart 1's. The oldest
// copy's sizes are a read apart: which file a cycle visits first once it is done depends on them.
const layouts: Array<{ name: string; files: [string, string] }> = [
  { name: 'two rotated copies and the live file', files: ['0.log.20250101-000001', '0.log'] },
  { name: "a restarted container (1.log) after restart 0's live file", files: ['0.log', '1.log'] }
]
for (const { name, files } of layouts) {
  for (const oldest of [8_000, 9_000, 10_000, 11_000]) {
    test(`${name}, while the oldest copy (${oldest} lines) is being delivered: each file waits for the one before it`, async (t) => {
      const w = workspace(`${files[1]}-${oldest}`)
      writeFileSync(join(w.app, '0.log.20250101-000000'), lines(1, oldest))
      writeFileSync(join(w.app, files[0]), lines(oldest + 1, oldest + 10))
      writeFileSync(join(w.app, files[1]), lines(oldest + 11, oldest + 30))
      const r = gated(t, config(w.pods, w.dir))
      r.release(true)
      await assertNumbered(r, oldest + 30)
    })
  }
}

test('two rotations while an older copy is being delivered: the file held under 0.log goes before the newer copy found under its rotated name', async (t) => {
  const w = workspace('two-rotations')
  const live = join(w.app, '0.log')
  writeFileSync(join(w.app, '0.log.20250101-000000'), lines(1, 10_000))
  writeFileSync(live, lines(10_001, 10_010))
  // Listed every cycle: the second rotation's copy is found under its rotated name while the first is held as 0.log.
  const r = gated(t, { ...config(w.pods, w.dir), discoveryIntervalMs: 0 })
  await waitFor(() => r.calls() >= 1, 'the first publish')
  renameSync(live, `${live}.20250101-000001`)
  writeFileSync(live, lines(10_011, 10_020))
  renameSync(live, `${live}.20250101-000002`)
  writeFileSync(live, lines(10_021, 10_030))
  r.release(true)
  await assertNumbered(r, 10_030)
})

test('lines written just before a rotation that the cycle had measured without are read from the rotated file before the new one', async (t) => {
  const w = workspace('write-then-rotate')
  const live = join(w.app, '0.log')
  writeFileSync(live, lines(1, 10))
  let armed = false
  let rotated = false
  // The container writes its last lines to 0.log and the kubelet rotates it between the cycle's measure of the
  // file and its look at the path: here, at that look.
  const io: TailIo = {
    ...nodeIo,
    stat: async (path) => {
      if (armed && path === live) {
        armed = false
        appendFileSync(live, lines(11, 20))
        renameSync(live, `${live}.20250101-000000`)
        writeFileSync(live, lines(21, 30))
        rotated = true
      }
      return await nodeIo.stat(path)
    }
  }
  const r = gated(t, config(w.pods, w.dir), io)
  r.release(true)
  await waitFor(() => r.numbering().size >= 10, 'the first lines delivered')
  armed = true
  await waitFor(() => rotated, 'the rotation')
  await assertNumbered(r, 30)
})
