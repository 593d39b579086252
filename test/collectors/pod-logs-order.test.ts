// The order in which one container's files are read, with the bus's
// acknowledgements held and released by the test (no timing involved): a
// container's line numbers run on across its files, so a newer file read
// before an older one has given all its lines numbers the older file's lines
// (and, after a kill -9, their replays) should have had. This is what the
// kill -9 test in pod-logs-kafka.test.ts once saw as 5,210 distinct (stream,
// line) pairs delivered for 4,950 lines written.

import assert from 'node:assert/strict'
import { appendFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import fsp from 'node:fs/promises'
import { syncBuiltinESMExports } from 'node:module'
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

/** The seq a delivered line carries (NaN for text without one). */
const seqOf = (text: string): number => {
  const at = text.indexOf('seq=')
  return at === -1 ? Number.NaN : Number.parseInt(text.slice(at + 4), 10)
}

/** A collector whose every publish waits until the test lets it through. */
function gated(t: TestContext, config: PodLogsConfig, io?: TailIo, chunks: LogChunk[] = [], now?: () => number) {
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
    ...(io === undefined ? {} : { io }),
    ...(now === undefined ? {} : { now })
  })
  const ac = new AbortController()
  const running = collector.start(ac.signal)
  let closed: Promise<void> | undefined
  // A graceful stop: what is on the wire is let through and acknowledged, the checkpoint written.
  const close = async (): Promise<void> => {
    closed ??= (async () => {
      open = true
      for (const r of waiting.splice(0)) r()
      await collector.close()
      await running
    })()
    await closed
  }
  t.after(close)
  return {
    chunks,
    close,
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
          m.set(c.startLine + i, seqOf(text))
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

/**
 * Waits for line `all` to be delivered, then: every line 1..all delivered, each under the number it was written with,
 * replays (a later run's copies in the same array) included.
 */
async function assertNumbered(r: ReturnType<typeof gated>, all: number): Promise<void> {
  await waitFor(() => r.numbering().size >= all || [...r.numbering().values()].includes(all), `line ${all} delivered`, 10_000)
  const wrong = r.chunks.flatMap((c) => c.lines.map((text, i) => [c.startLine + i, seqOf(text)] as const)).filter(([n, seq]) => n !== seq)
  assert.deepEqual(wrong.slice(0, 5), [], `every line delivered under the number it was written with (${wrong.length} were not; [number, seq] shown)`)
  assert.equal(r.numbering().size, all, 'every line delivered')
}

/**
 * The node's file system as the tailer sees it, with `change` made once, just before the tailer's first stat
 * (or open) of `path` after `armed` (default: at once): as a rotation lands between a listing and that look.
 */
function changeAt(path: string, at: 'stat' | 'open', change: () => void, armed = () => true): { io: TailIo; changed: () => boolean } {
  let done = false
  const hook = (p: string): void => {
    if (!done && p === path && armed()) {
      done = true
      change()
    }
  }
  return {
    io: {
      ...nodeIo,
      stat: async (p) => {
        if (at === 'stat') hook(p)
        return await nodeIo.stat(p)
      },
      open: async (p) => {
        if (at === 'open') hook(p)
        return await nodeIo.open(p)
      }
    },
    changed: () => done
  }
}

/** The kubelet's rotation: 0.log renamed to its rotated name (the runtime then opens a new 0.log with `next`). */
function rotate(live: string, stamp: string, next?: string): void {
  renameSync(live, `${live}.${stamp}`)
  if (next !== undefined) writeFileSync(live, next)
}

/** A first run that delivers lines 1-60 of 0.log and stops gracefully (checkpoint written); its chunks, for the next run to add to. */
async function deliveredUpTo60(t: TestContext, w: ReturnType<typeof workspace>, live: string): Promise<LogChunk[]> {
  writeFileSync(live, lines(1, 60))
  const chunks: LogChunk[] = []
  const first = gated(t, config(w.pods, w.dir), undefined, chunks)
  first.release(true)
  await waitFor(() => first.numbering().size >= 60, 'the first run to deliver lines 1-60')
  await first.close()
  return chunks
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

// The container writes its last lines to 0.log and the kubelet rotates it between the cycle's measure of the file
// and its look at the path (here, at that look): the file is drained and let go in this cycle. Rotated twice, the
// listing kept, the new 0.log tracked in the next cycle must also wait for the copy rotated in between.
for (const twice of [false, true]) {
  const name = twice
    ? 'two rotations between two cycles while the listing is kept: the new 0.log waits for the copy rotated in between'
    : 'lines written just before a rotation that the cycle had measured without are read from the rotated file before the new one'
  test(name, async (t) => {
    const w = workspace(`write-then-rotate-${twice}`)
    const live = join(w.app, '0.log')
    writeFileSync(live, lines(1, 10))
    let armed = false
    const fs = changeAt(
      live,
      'stat',
      () => {
        appendFileSync(live, lines(11, 20))
        rotate(live, '20250101-000001', lines(21, 30))
        if (twice) rotate(live, '20250101-000002', lines(31, 40))
      },
      () => armed
    )
    const r = gated(t, config(w.pods, w.dir), fs.io)
    r.release(true)
    await waitFor(() => r.numbering().size >= 10, 'the first lines delivered')
    armed = true
    await waitFor(fs.changed, 'the rotation')
    await assertNumbered(r, twice ? 40 : 30)
  })
}

// The kill -9 test's failure in CI (ci8-6): the collector's first listing showed 0.log, the kubelet rotated it
// before the tailer opened it (the collector logged ENOENT for 0.log), and the tailer followed the new 0.log
// that the path named by then. Its rotated copy was in no listing yet, so no file of the container was older
// that the order knew of: the new 0.log was read first and took the copy's line numbers (lines 51-100 carried
// seq 211-260), and the copy was read from its start when the next listing showed it (lines 126-285, seq 51-210).

for (const interval of [3_600_000, 0]) {
  const listing = interval === 0 ? 'listed every cycle' : 'listing kept'
  test(`first start, 0.log rotated between the listing and the tailer's stat of it (${listing}): the rotated copy, in no listing yet, goes first`, async (t) => {
    const w = workspace(`race-stat-${interval}`)
    const live = join(w.app, '0.log')
    writeFileSync(live, lines(1, 10))
    const fs = changeAt(live, 'stat', () => {
      appendFileSync(live, lines(11, 160))
      rotate(live, '20250101-000001', lines(161, 210))
    })
    const r = gated(t, { ...config(w.pods, w.dir), discoveryIntervalMs: interval }, fs.io)
    r.release(true)
    await assertNumbered(r, 210)
  })

  test(`first start, as in CI: an older copy being delivered, 0.log rotated between the listing and the tailer's stat of it (${listing})`, async (t) => {
    const w = workspace(`race-ci-${interval}`)
    const live = join(w.app, '0.log')
    writeFileSync(join(w.app, '0.log.20250101-000000'), lines(1, 50))
    writeFileSync(live, lines(51, 60))
    const fs = changeAt(live, 'stat', () => {
      appendFileSync(live, lines(61, 210))
      rotate(live, '20250101-000001', lines(211, 260))
    })
    const r = gated(t, { ...config(w.pods, w.dir), discoveryIntervalMs: interval }, fs.io)
    r.release(true)
    await assertNumbered(r, 260)
  })

  test(`first start, 0.log rotated twice between the listing and the tailer's stat of it (${listing}): both copies go first, oldest first`, async (t) => {
    const w = workspace(`race-twice-${interval}`)
    const live = join(w.app, '0.log')
    writeFileSync(live, lines(1, 10))
    const fs = changeAt(live, 'stat', () => {
      appendFileSync(live, lines(11, 60))
      rotate(live, '20250101-000001', lines(61, 110))
      rotate(live, '20250101-000002', lines(111, 160))
    })
    const r = gated(t, { ...config(w.pods, w.dir), discoveryIntervalMs: interval }, fs.io)
    r.release(true)
    await assertNumbered(r, 160)
  })
}

test("first start, 0.log rotated between the tailer's stat and its open (ENOENT), the new 0.log written after: the copy goes first", async (t) => {
  const w = workspace('race-open')
  const live = join(w.app, '0.log')
  writeFileSync(live, lines(1, 10))
  let reopened = false
  // The kubelet renames; the runtime opens the new 0.log a little later (by the tailer's next stat of the path).
  const fs = changeAt(live, 'open', () => {
    appendFileSync(live, lines(11, 160))
    rotate(live, '20250101-000001')
  })
  const io: TailIo = {
    ...fs.io,
    stat: async (p) => {
      if (fs.changed() && !reopened && p === live) {
        reopened = true
        writeFileSync(live, lines(161, 210))
      }
      return await fs.io.stat(p)
    }
  }
  const r = gated(t, config(w.pods, w.dir), io)
  r.release(true)
  await assertNumbered(r, 210)
})

for (const interval of [3_600_000, 0]) {
  const listing = interval === 0 ? 'listed every cycle' : 'listing kept'
  test(`0.log rotated between the tailer's stat and its open, the new 0.log already there (${listing}): the file opened is the one followed, each line once`, async (t) => {
    const w = workspace(`race-open-new-${interval}`)
    const live = join(w.app, '0.log')
    writeFileSync(live, lines(1, 10))
    const fs = changeAt(live, 'open', () => {
      appendFileSync(live, lines(11, 160))
      rotate(live, '20250101-000001', lines(161, 210))
    })
    const r = gated(t, { ...config(w.pods, w.dir), discoveryIntervalMs: interval }, fs.io)
    r.release(true)
    await assertNumbered(r, 210)
    assert.equal(
      r.chunks.reduce((n, c) => n + c.lines.length, 0),
      210,
      'no line delivered twice'
    )
  })
}

// After a restart from a checkpoint that holds 0.log at lines 1-60: the rotations the collector was down for,
// or that land between its first listing and its first look at 0.log.
const restarts: Array<{ name: string; at: 'down' | 'stat'; twice: boolean }> = [
  { name: 'rotated once while down', at: 'down', twice: false },
  { name: 'rotated twice while down', at: 'down', twice: true },
  { name: "rotated once between the restart's listing and its stat of 0.log", at: 'stat', twice: false },
  { name: "rotated twice between the restart's listing and its stat of 0.log", at: 'stat', twice: true }
]
for (const { name, at, twice } of restarts) {
  test(`restart, the checkpointed 0.log ${name}: read on from its position under its rotated name, before the new 0.log`, async (t) => {
    const w = workspace(`restart-${at}-${twice}`)
    const live = join(w.app, '0.log')
    const chunks = await deliveredUpTo60(t, w, live)
    appendFileSync(live, lines(61, 110))
    const rotations = (): void => {
      appendFileSync(live, lines(111, 160))
      rotate(live, '20250101-000001', lines(161, 210))
      if (twice) rotate(live, '20250101-000002', lines(211, 260))
    }
    if (at === 'down') rotations()
    const fs = changeAt(live, 'stat', at === 'stat' ? rotations : () => {})
    const second = gated(t, config(w.pods, w.dir), fs.io, chunks)
    second.release(true)
    await assertNumbered(second, twice ? 260 : 210)
  })
}

test('restart between the rename and the runtime opening the new 0.log: the copy is read on from its position, then the new file', async (t) => {
  const w = workspace('restart-mid-rotation')
  const live = join(w.app, '0.log')
  const chunks = await deliveredUpTo60(t, w, live)
  appendFileSync(live, lines(61, 110))
  rotate(live, '20250101-000001')
  // The runtime writes its last lines to the renamed file and opens the new 0.log once the tailer has the copy.
  const copy = `${live}.20250101-000001`
  const fs = changeAt(copy, 'open', () => {
    appendFileSync(copy, lines(111, 120))
    writeFileSync(live, lines(121, 130))
  })
  const second = gated(t, { ...config(w.pods, w.dir), discoveryIntervalMs: 0 }, fs.io, chunks)
  second.release(true)
  await assertNumbered(second, 130)
})

test('restart after two rotations while down, the older copy compressed by the kubelet: the lines left are delivered in order', async (t) => {
  const w = workspace('restart-compressed')
  const live = join(w.app, '0.log')
  const chunks = await deliveredUpTo60(t, w, live)
  appendFileSync(live, lines(61, 110))
  rotate(live, '20250101-000001', lines(111, 160))
  rotate(live, '20250101-000002', lines(161, 210))
  // The kubelet gzips every rotated copy but the newest (0.log.<time>.gz, not a name we follow) and removes it:
  // lines 61-110 are gone with it.
  writeFileSync(`${live}.20250101-000001.gz`, 'not followed')
  rmSync(`${live}.20250101-000001`)
  const second = gated(t, config(w.pods, w.dir), undefined, chunks)
  second.release(true)
  await waitFor(() => second.numbering().size >= 160, 'lines 111-210 delivered')
  const delivered = [...second.numbering()].sort(([a], [b]) => a - b)
  const expected = [...Array.from({ length: 60 }, (_, i) => i + 1), ...Array.from({ length: 100 }, (_, i) => i + 111)]
  assert.deepEqual(
    delivered.map(([, seq]) => seq),
    expected,
    'lines 1-60, then 111-210 in the order written'
  )
  assert.deepEqual(
    delivered.map(([n]) => n),
    Array.from({ length: 160 }, (_, i) => i + 1),
    'numbered on without a gap'
  )
})

test("a line whose P records end a rotated copy and whose F opens the new 0.log: its first piece is delivered, not left behind, under the line's number", async (t) => {
  const w = workspace('split-at-rotation')
  const live = join(w.app, '0.log')
  const rec = (tag: 'P' | 'F', text: string): string => `${TS} stdout ${tag} ${text}\n`
  // containerd writes a line over 16 KiB as P records and one F; the kubelet's reopen may land between them.
  writeFileSync(live, lines(1, 10) + rec('P', 'seq=11 first half, ') + rec('P', 'second part, '))
  rotate(live, '20250101-000000', rec('F', 'and the end') + lines(12, 20))
  const r = gated(t, config(w.pods, w.dir))
  r.release(true)
  await waitFor(() => r.numbering().get(20) !== undefined, 'line 20 delivered')
  const eleven = r.chunks.flatMap((c) => c.lines.map((text, i) => [c.startLine + i, text] as const)).filter(([n]) => n === 11)
  assert.deepEqual(
    eleven.map(([, text]) => text),
    ['seq=11 first half, second part, ', 'and the end'],
    'line 11 in two pieces, the rotated copy its first'
  )
  const wrong = [...r.numbering()].filter(([n, seq]) => n !== 11 && n !== seq)
  assert.deepEqual(wrong, [], 'the lines after it keep their numbers')
})

test('two rotations while an older copy is being delivered, the first copy compressed away by the kubelet before any listing showed it: the file held under 0.log still goes before the second copy', async (t) => {
  const w = workspace('two-rotations-compressed')
  const live = join(w.app, '0.log')
  writeFileSync(join(w.app, '0.log.20250101-000000'), lines(1, 10_000))
  writeFileSync(live, lines(10_001, 10_010))
  const r = gated(t, { ...config(w.pods, w.dir), discoveryIntervalMs: 0 })
  await waitFor(() => r.calls() >= 1, 'the first publish')
  // A few cycles later 0.log has been let be read (and held back for the older copy, whose 5th read is on the wire).
  for (let n = 2; n <= 5; n++) {
    r.release()
    await waitFor(() => r.calls() >= n, `publish ${n}`)
  }
  // The kubelet gzips the rotated copies there are before it rotates the live file (and removes them): the
  // file still followed under 0.log never shows up under its rotated name, so its place is not known by name.
  rotate(live, '20250101-000001', lines(10_011, 10_020))
  writeFileSync(`${live}.20250101-000001.gz`, 'not followed')
  rmSync(`${live}.20250101-000001`)
  rotate(live, '20250101-000002', lines(10_021, 10_030))
  r.release(true)
  await assertNumbered(r, 10_030)
})

// readdir of one container directory failing once (EMFILE: the collector holds a descriptor per followed file), at
// the listing that was to let the new 0.log be read. pod-logs.ts imports readdir from node:fs/promises: the builtin's
// binding is swapped for one that fails for that directory when armed (module.syncBuiltinESMExports).
let failReaddir: ((dir: string) => boolean) | undefined
const realReaddir = fsp.readdir
fsp.readdir = ((dir: Parameters<typeof realReaddir>[0], ...rest: unknown[]) => {
  if (failReaddir?.(String(dir)) === true)
    return Promise.reject(Object.assign(new Error(`EMFILE: too many open files, scandir '${String(dir)}'`), { code: 'EMFILE' }))
  return (realReaddir as (...a: unknown[]) => Promise<unknown>)(dir, ...rest)
}) as typeof realReaddir
syncBuiltinESMExports()

test("first start, 0.log rotated before the tailer's stat of it, the container directory's next readdir failing once: the copy still goes first", async (t) => {
  const w = workspace('race-readdir-fails')
  const live = join(w.app, '0.log')
  writeFileSync(live, lines(1, 10))
  const fs = changeAt(live, 'stat', () => {
    appendFileSync(live, lines(11, 160))
    rotate(live, '20250101-000001', lines(161, 210))
  })
  let failed = false
  failReaddir = (dir) => {
    if (failed || !fs.changed() || dir !== w.app) return false
    failed = true
    return true
  }
  t.after(() => {
    failReaddir = undefined
  })
  const r = gated(t, config(w.pods, w.dir), fs.io)
  r.release(true)
  await waitFor(() => failed, 'the failed readdir')
  await assertNumbered(r, 210)
})

test('a container directory that stays unreadable holds its new live file a minute, not for ever', async (t) => {
  const w = workspace('readdir-keeps-failing')
  const live = join(w.app, '0.log')
  writeFileSync(live, lines(1, 10))
  let offset = 0
  let failures = 0
  // The directory is listed once (0.log); every later readdir of it fails.
  let listedOnce = false
  failReaddir = (dir) => {
    if (dir !== w.app) return false
    if (!listedOnce) {
      listedOnce = true
      return false
    }
    failures++
    return true
  }
  t.after(() => {
    failReaddir = undefined
  })
  // 0.log is replaced before the tailer's look at it, so the file it follows waits for a listing of the directory.
  const fs = changeAt(live, 'stat', () => rotate(live, '20250101-000001', lines(1, 10)))
  const r = gated(t, config(w.pods, w.dir), fs.io, [], () => Date.now() + offset)
  r.release(true)
  await waitFor(() => failures >= 3, 'readdir failing at each cycle')
  assert.equal(r.numbering().size, 0, 'held while the directory cannot be listed')
  offset = 60_000
  await waitFor(() => r.numbering().size >= 10, 'the live file read once the directory stayed unreadable for a minute')
})
