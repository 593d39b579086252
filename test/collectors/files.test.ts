import assert from 'node:assert/strict'
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import { after, test } from 'node:test'
import type { FilesConfig } from '../../collectors/files.config.ts'
import { createFilesCollector } from '../../collectors/files.ts'
import type { CheckpointData } from '../../pipeline/checkpoint.ts'
import type { LogChunk } from '../../pipeline/events.ts'
import { logChunkSchema, TOPICS } from '../../pipeline/events.ts'
import { silentLogger } from '../../pipeline/log.ts'
import { createMetrics } from '../../pipeline/metrics.ts'
import type { OutRecord } from '../../pipeline/runner.ts'
import { safeParse } from '../../pipeline/schema.ts'
import { stdinChunk } from '../support/log-chunk.ts'
import { logGroups, prettyJwk } from '../support/log-groups.ts'
import { blockCut, filler, findingsIn, keyLines, keysFound, valuesFound } from '../support/pem-block.ts'
import { replayCommand, seededGen, seededRng } from '../support/seed.ts'
import { waitFor } from '../support/wait.ts'

const root = mkdtempSync(join(tmpdir(), 'lw-files-'))
const gen = seededGen('files')
after(() => rmSync(root, { recursive: true, force: true }))

let n = 0
function workspace() {
  const dir = join(root, `w${n++}`)
  const logs = join(dir, 'logs')
  mkdirSync(logs, { recursive: true })
  return { logs, checkpointPath: join(dir, 'state', 'checkpoints.json') }
}

function filesConfig(w: { logs: string; checkpointPath: string }, overrides: Partial<FilesConfig> = {}): FilesConfig {
  return {
    enabled: true,
    path: w.logs,
    include: '\\.log$',
    readFrom: 'end',
    checkpointPath: w.checkpointPath,
    pollIntervalMs: 10,
    maxLineBytes: 256,
    maxChunkLines: 500,
    maxChunkBytes: 4096,
    ...overrides
  }
}

/**
 * Runs a collector with a recording publish. `fail` makes publish throw (like
 * a bus that does not acknowledge); only acknowledged chunks are recorded.
 */
function run(t: TestContext, config: FilesConfig) {
  const chunks: LogChunk[] = []
  const state = { fail: false, failures: 0, cycles: 0 }
  const metrics = createMetrics()
  const collector = createFilesCollector(config, {
    publish: async (records: OutRecord[]) => {
      if (state.fail) {
        state.failures++
        throw new Error('bus not acknowledging')
      }
      for (const r of records) {
        assert.equal(r.topic, TOPICS.logs)
        const v = r.value as LogChunk
        assert.equal(r.key, v.stream)
        const parsed = safeParse(logChunkSchema, v)
        assert.ok(parsed.ok, 'every chunk matches the bus schema')
        chunks.push(structuredClone(v))
      }
    },
    logger: silentLogger(),
    metrics,
    // As app/roles.ts wires it: a private key still open at a full chunk's end opens the next chunk.
    chunkCut: blockCut,
    now: () => new Date('2025-01-01T00:00:00.000Z'),
    onCycle: () => {
      state.cycles++
    }
  })
  const ac = new AbortController()
  const running = collector.start(ac.signal)
  let closed = false
  const close = async () => {
    if (closed) return
    closed = true
    await collector.close()
    await running
  }
  t.after(close)
  const lines = (stream?: string) => chunks.filter((c) => stream === undefined || c.stream === stream).flatMap((c) => c.lines)
  /** Waits until `count` lines arrived, then a few more cycles, so that a duplicate would have shown up. */
  const settle = async (count: number, stream?: string) => {
    await waitFor(() => lines(stream).length >= count, `${count} lines (have ${lines(stream).length})`)
    const c = state.cycles
    await waitFor(() => state.cycles >= c + 3, 'three more cycles')
  }
  const cycles = async (k: number) => {
    const c = state.cycles
    await waitFor(() => state.cycles >= c + k, `${k} cycles`)
  }
  return { chunks, lines, state, metrics, settle, cycles, close }
}

const numbered = (prefix: string, from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `${prefix} line ${from + i}`)
const text = (lines: string[]) => lines.map((l) => `${l}\n`).join('')

/** Each chunk starts at the line and byte where the one before ended, and spans its lines' bytes; returns the last end. */
function assertContiguous(chunks: readonly LogChunk[]): number {
  let line = 1
  let offset = 0
  for (const chunk of chunks) {
    assert.equal(chunk.startLine, line)
    assert.equal(chunk.offset.start, offset)
    assert.equal(chunk.offset.end - chunk.offset.start, Buffer.byteLength(text(chunk.lines)))
    line += chunk.lines.length
    offset = chunk.offset.end
  }
  return offset
}

/** A collector of a fresh workspace's `app.log`, empty and seen once. */
async function startedOnEmptyFile(t: TestContext, overrides: Partial<FilesConfig>) {
  const w = workspace()
  const file = join(w.logs, 'app.log')
  writeFileSync(file, '')
  const c = run(t, filesConfig(w, overrides))
  await c.cycles(1)
  return { w, file, c }
}

function checkpoint(path: string): CheckpointData {
  return JSON.parse(readFileSync(path, 'utf8')) as CheckpointData
}

test("readFrom 'end' skips what a file held at start and reads only new lines, numbered from the file's start", async (t) => {
  const w = workspace()
  const file = join(w.logs, 'app.log')
  writeFileSync(file, text(numbered('old', 1, 3)))
  const c = run(t, filesConfig(w))
  await c.cycles(1)
  const before = statSync(file).size
  appendFileSync(file, text(numbered('new', 4, 5)))
  await c.settle(2)
  assert.deepEqual(c.lines(), ['new line 4', 'new line 5'])
  const [chunk] = c.chunks
  assert.equal(c.chunks.length, 1)
  assert.equal(chunk?.stream, 'file/app.log')
  assert.deepEqual(chunk?.source, { type: 'file', path: file })
  assert.equal(chunk?.startLine, 4)
  assert.deepEqual(chunk?.offset, { start: before, end: statSync(file).size })
  assert.equal(c.metrics.linesCollected.get({ collector: 'files' }), 2)
})

test("readFrom 'beginning' reads what files already hold; files that appear later are read from their start either way", async (t) => {
  const w = workspace()
  writeFileSync(join(w.logs, 'a.log'), text(numbered('a', 1, 3)))
  const c = run(t, filesConfig(w, { readFrom: 'beginning' }))
  await c.settle(3)
  assert.deepEqual(c.lines('file/a.log'), numbered('a', 1, 3))

  const w2 = workspace()
  const c2 = run(t, filesConfig(w2, { readFrom: 'end' }))
  await c2.cycles(1)
  mkdirSync(join(w2.logs, 'ns', 'pod'), { recursive: true })
  writeFileSync(join(w2.logs, 'ns', 'pod', 'late.log'), text(numbered('late', 1, 2)))
  writeFileSync(join(w2.logs, 'ignored.txt'), 'not a log\n')
  await c2.settle(2)
  assert.deepEqual(c2.lines(), numbered('late', 1, 2))
  assert.deepEqual(
    c2.chunks.map((x) => [x.stream, x.startLine]),
    [['file/ns/pod/late.log', 1]]
  )
})

test('lines wait for their newline; CRLF endings are stripped; empty lines are lines', async (t) => {
  const w = workspace()
  const file = join(w.logs, 'app.log')
  writeFileSync(file, '')
  const c = run(t, filesConfig(w))
  await c.cycles(1)
  appendFileSync(file, 'first\r\n\nsecond without newline yet')
  await c.settle(2)
  assert.deepEqual(c.lines(), ['first', ''])
  appendFileSync(file, ', now complete\n')
  await c.settle(3)
  assert.deepEqual(c.lines(), ['first', '', 'second without newline yet, now complete'])
  assert.deepEqual(
    c.chunks.map((x) => x.startLine),
    [1, 3]
  )
})

test('chunks respect maxChunkLines and maxChunkBytes, with contiguous lines and offsets', async (t) => {
  const w = workspace()
  const file = join(w.logs, 'app.log')
  writeFileSync(file, '')
  const c = run(t, filesConfig(w, { maxChunkLines: 3, maxChunkBytes: 1024 }))
  await c.cycles(1)
  const lines = [...numbered('x', 1, 7), 'y'.repeat(200), 'y'.repeat(200), 'y'.repeat(200), 'y'.repeat(200), 'y'.repeat(200), 'z']
  appendFileSync(file, text(lines))
  await c.settle(lines.length)
  assert.deepEqual(c.lines(), lines)
  for (const chunk of c.chunks) {
    assert.ok(chunk.lines.length <= 3)
    assert.ok(chunk.offset.end - chunk.offset.start <= 1024)
  }
  assert.equal(assertContiguous(c.chunks), statSync(file).size)
})

test('a private key a full chunk would cut opens the next chunk whole, and the detector reads it whole', async (t) => {
  const { file, c } = await startedOnEmptyFile(t, { maxChunkLines: 100, maxChunkBytes: 8192, maxLineBytes: 256 })
  // The key's header is line 91 of a 100-line chunk: cut by count, its body would be read in two parts.
  const key = keyLines(gen)
  const lines = [...numbered('x', 1, 90), ...key.lines, ...numbered('y', 1, 20)]
  appendFileSync(file, text(lines))
  await c.settle(lines.length)
  assert.deepEqual(c.lines(), lines)
  assert.deepEqual(
    c.chunks.map((ch) => [ch.startLine, ch.lines.length]),
    [
      [1, 90],
      [91, 50]
    ]
  )
  assertContiguous(c.chunks)
  assert.deepEqual(keysFound(c.chunks), [key.body])
})

test("an env var's name line that would end a full chunk opens the next one with its value line, and the detector reads the pair", async (t) => {
  const { file, c } = await startedOnEmptyFile(t, { maxChunkLines: 100, maxChunkBytes: 8192, maxLineBytes: 256 })
  const value = gen.base62(28)
  // `kubectl get -o yaml` in a log: the name is line 100 of a 100-line chunk, its value line 101.
  const lines = [...numbered('x', 1, 99), '  - name: DB_PASSWORD', `    value: "${value}"`, ...numbered('y', 1, 20)]
  appendFileSync(file, text(lines))
  await c.settle(lines.length)
  assert.deepEqual(c.lines(), lines)
  assert.deepEqual(
    c.chunks.map((ch) => [ch.startLine, ch.lines.length]),
    [
      [1, 99],
      [100, 22]
    ]
  )
  assertContiguous(c.chunks)
  assert.deepEqual(valuesFound(c.chunks, 'kubernetes-env-yaml-credential'), [value])
})

test("a pretty-printed JWK that a full chunk's end would cut opens the next chunk from its first member, and its d is found", async (t) => {
  const { file, c } = await startedOnEmptyFile(t, { maxChunkLines: 100, maxChunkBytes: 8192, maxLineBytes: 256 })
  // kty is line 97 of a 100-line chunk, d line 101: read in two chunks, the key has no private member.
  const { lines: key, d } = prettyJwk(gen)
  const lines = [...numbered('x', 1, 95), ...key, ...numbered('y', 1, 20)]
  appendFileSync(file, text(lines))
  await c.settle(lines.length)
  assert.deepEqual(c.lines(), lines)
  assert.deepEqual(
    c.chunks.map((ch) => [ch.startLine, ch.lines.length]),
    [
      [1, 96],
      [97, 26]
    ]
  )
  assertContiguous(c.chunks)
  assert.deepEqual(valuesFound(c.chunks, 'jwk-private-key'), [d])
})

test('cut into chunks of any size, the lines give the detector what the whole file gives it: keys, JWKs, env pairs, hex dumps and every rule example', async (t) => {
  const rng = seededRng('files-chunks-agree')
  const { lines } = logGroups(gen, rng)
  const whole = findingsIn([stdinChunk(lines, 1)])
  assert.ok(whole.length > 300, `${whole.length} findings in the whole file`)
  // From a 30-line key and the next line (the least a chunk that carries it holds) up.
  for (const maxChunkLines of [31, 32 + rng.int(40), 72 + rng.int(60)]) {
    const { file, c } = await startedOnEmptyFile(t, { maxChunkLines, maxChunkBytes: 256 * 1024, maxLineBytes: 16 * 1024 })
    appendFileSync(file, text(lines))
    await c.settle(lines.length)
    assert.deepEqual(c.lines(), lines)
    assert.deepEqual(findingsIn(c.chunks), whole, `maxChunkLines ${maxChunkLines} (${replayCommand()})`)
  }
})

test("a private key across the end of a cycle's read is read again next cycle, whole; nothing is repeated", async (t) => {
  // maxChunkBytes 4096: a cycle reads 8 chunks' worth (32 KiB) in 4 KiB reads, and stops after the read that
  // passes it, at 36,000 bytes here (lines of 100 bytes). The key's header is at byte 35,000, its END past 36,900.
  const { file, c } = await startedOnEmptyFile(t, { maxChunkLines: 500, maxChunkBytes: 4096, maxLineBytes: 256 })
  const key = keyLines(gen)
  const lines = [...filler('x', 350, 99), ...key.lines, ...filler('y', 20, 99)]
  assert.equal(Buffer.byteLength(text(lines.slice(0, 350))), 35_000)
  appendFileSync(file, text(lines))
  await c.settle(lines.length)
  assert.deepEqual(c.lines(), lines)
  assertContiguous(c.chunks)
  assert.deepEqual(keysFound(c.chunks), [key.body])
})

test('a private key at the end of a file that never ends it goes out after one more cycle', async (t) => {
  const { w, file, c } = await startedOnEmptyFile(t, { maxChunkLines: 500, maxChunkBytes: 8192, maxLineBytes: 256 })
  const key = keyLines(gen)
  const lines = [...numbered('x', 1, 90), ...key.lines.slice(0, 10)]
  appendFileSync(file, text(lines))
  await c.settle(lines.length)
  assert.deepEqual(c.lines(), lines)
  assert.equal(checkpoint(w.checkpointPath).files['app.log']?.offset, statSync(file).size)
})

test('resumes from the checkpoint after close and re-create: every line exactly once', async (t) => {
  const w = workspace()
  const file = join(w.logs, 'app.log')
  writeFileSync(file, '')
  const config = filesConfig(w)
  const first = run(t, config)
  await first.cycles(1)
  appendFileSync(file, text(numbered('a', 1, 5)))
  await first.settle(5)
  await first.close()
  assert.deepEqual(checkpoint(w.checkpointPath).files['app.log']?.offset, statSync(file).size)
  assert.equal(checkpoint(w.checkpointPath).files['app.log']?.line, 5)

  // Written while no collector runs; the new collector must pick up exactly these, even with readFrom 'end'.
  appendFileSync(file, text(numbered('a', 6, 8)))
  const second = run(t, config)
  await second.settle(3)
  appendFileSync(file, text(numbered('a', 9, 10)))
  await second.settle(5)
  await second.close()

  const all = [...first.lines(), ...second.lines()]
  assert.deepEqual(all, numbered('a', 1, 10))
  assert.equal(second.chunks[0]?.startLine, 6)
  assert.equal(second.chunks[0]?.offset.start, Buffer.byteLength(text(numbered('a', 1, 5))))
})

test("a file that appeared while the collector was stopped is read from its start, even with readFrom 'end'", async (t) => {
  const w = workspace()
  writeFileSync(join(w.logs, 'existing.log'), text(numbered('existing', 1, 2)))
  const config = filesConfig(w, { readFrom: 'end' })
  const first = run(t, config)
  await first.cycles(2)
  await first.close()
  assert.deepEqual(first.lines(), [], 'files present at the very first start are skipped, as configured')

  // A pod started during a rolling update of the collector: its first lines may hold its configuration.
  writeFileSync(join(w.logs, 'new-pod.log'), text(numbered('boot', 1, 3)))
  const second = run(t, config)
  await second.settle(3)
  assert.deepEqual(second.lines(), numbered('boot', 1, 3))
  assert.equal(second.chunks[0]?.startLine, 1)
})

test('a checkpoint for a file that was replaced while stopped is not applied to the new file', async (t) => {
  const w = workspace()
  const file = join(w.logs, 'app.log')
  writeFileSync(file, '')
  const config = filesConfig(w)
  const first = run(t, config)
  await first.cycles(1)
  appendFileSync(file, text(numbered('old', 1, 4)))
  await first.settle(4)
  await first.close()

  unlinkSync(file)
  writeFileSync(join(w.logs, 'placeholder.txt'), 'x') // keeps the old inode number from being reused at once
  writeFileSync(file, text(numbered('new', 1, 2)))
  const second = run(t, config)
  await second.settle(2)
  assert.deepEqual(second.lines(), numbered('new', 1, 2))
  assert.equal(second.chunks[0]?.startLine, 1)
})

test('rename rotation: the old file is drained, the new file at the path is read from its start, each line once', async (t) => {
  const w = workspace()
  const file = join(w.logs, 'app.log')
  writeFileSync(file, '')
  const c = run(t, filesConfig(w))
  await c.cycles(1)
  appendFileSync(file, text(numbered('old', 1, 3)))
  await c.settle(3)
  // Lines the collector has not read yet when the file is rotated away.
  appendFileSync(file, text(numbered('old', 4, 6)))
  renameSync(file, `${file}.1`)
  writeFileSync(file, text(numbered('new', 1, 2)))
  await c.settle(8)
  appendFileSync(file, text(numbered('new', 3, 3)))
  await c.settle(9)
  assert.deepEqual(c.lines(), [...numbered('old', 1, 6), ...numbered('new', 1, 3)])
  assert.deepEqual(
    c.chunks.filter((x) => x.lines[0]?.startsWith('new')).map((x) => x.startLine),
    [1, 3]
  )
  const files = checkpoint(w.checkpointPath).files
  assert.deepEqual(Object.keys(files), ['app.log'])
  assert.equal(files['app.log']?.ino, statSync(file).ino)
  assert.equal(files['app.log']?.offset, statSync(file).size)
})

test('rename rotation to a name that also matches include does not read the rotated file again', async (t) => {
  const w = workspace()
  const file = join(w.logs, 'app.log')
  writeFileSync(file, '')
  const c = run(t, filesConfig(w))
  await c.cycles(1)
  appendFileSync(file, text(numbered('old', 1, 3)))
  await c.settle(3)
  appendFileSync(file, text(numbered('old', 4, 5)))
  renameSync(file, join(w.logs, 'app-1.log'))
  writeFileSync(file, text(numbered('new', 1, 2)))
  await c.settle(7)
  await c.cycles(5)
  assert.deepEqual([...c.lines()].sort(), [...numbered('old', 1, 5), ...numbered('new', 1, 2)].sort())
})

test('copytruncate: after the file is truncated in place, new lines are read from its start', async (t) => {
  const w = workspace()
  const file = join(w.logs, 'app.log')
  writeFileSync(file, '')
  const c = run(t, filesConfig(w))
  await c.cycles(1)
  appendFileSync(file, text(numbered('before', 1, 5)))
  await c.settle(5)
  truncateSync(file, 0)
  appendFileSync(file, text(numbered('after', 1, 2)))
  await c.settle(7)
  assert.deepEqual(c.lines(), [...numbered('before', 1, 5), ...numbered('after', 1, 2)])
  assert.equal(c.chunks.at(-1)?.startLine, 1)
  assert.equal(c.chunks.at(-1)?.offset.start, 0)
})

test('copytruncate: a truncated file rewritten past the old offset before the next poll is still read from its start', async (t) => {
  const w = workspace()
  const file = join(w.logs, 'app.log')
  writeFileSync(file, '')
  const c = run(t, filesConfig(w))
  await c.cycles(1)
  appendFileSync(file, text(numbered('before', 1, 3)))
  await c.settle(3)
  truncateSync(file, 0)
  appendFileSync(file, text(numbered('after the truncation', 1, 6)))
  await c.settle(9)
  assert.deepEqual(c.lines(), [...numbered('before', 1, 3), ...numbered('after the truncation', 1, 6)])
})

test('an over-long line is split into pieces of at most maxLineBytes, never dropped, never splitting a character', async (t) => {
  const w = workspace()
  const file = join(w.logs, 'app.log')
  writeFileSync(file, '')
  const c = run(t, filesConfig(w, { maxLineBytes: 256 }))
  await c.cycles(1)
  const ascii = `${'a'.repeat(600)}TAIL`
  const multibyte = 'é€🔑'.repeat(100) // 2 + 3 + 4 bytes: cuts land inside characters unless avoided
  appendFileSync(file, text(['short', ascii, multibyte, 'after']))
  await waitFor(() => c.lines().includes('after'), 'the line after the long ones')
  await c.cycles(3)
  const got = c.lines()
  assert.equal(got[0], 'short')
  assert.equal(got.at(-1), 'after')
  const pieces = got.slice(1, -1)
  for (const p of pieces) {
    assert.ok(Buffer.byteLength(p) <= 256, `piece of ${Buffer.byteLength(p)} bytes`)
    assert.equal(p.includes('\uFFFD'), false, 'no character was cut in two')
  }
  assert.equal(pieces.join(''), ascii + multibyte)
  assert.ok(
    pieces.some((p) => p.endsWith('TAIL')),
    'the tail of a long line is delivered'
  )
  // Every piece keeps the number of the line it belongs to, and the lines after it keep theirs.
  const numbers = new Map<string, Set<number>>()
  for (const chunk of c.chunks) {
    chunk.lines.forEach((l, i) => {
      const which = l === 'short' ? 'short' : l === 'after' ? 'after' : ascii.includes(l) ? 'ascii' : 'multibyte'
      numbers.set(which, (numbers.get(which) ?? new Set()).add(chunk.startLine + i))
    })
  }
  assert.deepEqual(Object.fromEntries([...numbers].map(([k, v]) => [k, [...v]])), { short: [1], ascii: [2], multibyte: [3], after: [4] })
  assert.equal(checkpoint(w.checkpointPath).files['app.log']?.line, 4)
})

test('a publish that fails does not advance the checkpoint; the lines are delivered once it recovers', async (t) => {
  const w = workspace()
  const file = join(w.logs, 'app.log')
  writeFileSync(file, text(numbered('seen', 1, 2)))
  const config = filesConfig(w)
  const c = run(t, config)
  await c.cycles(1)
  const acknowledged = checkpoint(w.checkpointPath).files['app.log']
  assert.equal(acknowledged?.offset, statSync(file).size)

  c.state.fail = true
  appendFileSync(file, text(numbered('pending', 3, 5)))
  await waitFor(() => c.state.failures >= 3, 'three failed publishes')
  assert.deepEqual(checkpoint(w.checkpointPath).files['app.log'], acknowledged, 'the checkpoint stays where the bus acknowledged')
  assert.deepEqual(c.lines(), [])

  c.state.fail = false
  await c.settle(3)
  assert.deepEqual(c.lines(), numbered('pending', 3, 5))
  assert.equal(c.chunks[0]?.startLine, 3)
  assert.equal(checkpoint(w.checkpointPath).files['app.log']?.offset, statSync(file).size)
  assert.equal(checkpoint(w.checkpointPath).files['app.log']?.line, 5)
})

test('a crash while publishing fails (no checkpoint advance) replays the unacknowledged lines on restart', async (t) => {
  const w = workspace()
  const file = join(w.logs, 'app.log')
  writeFileSync(file, '')
  const config = filesConfig(w)
  const first = run(t, config)
  await first.cycles(1)
  first.state.fail = true
  appendFileSync(file, text(numbered('x', 1, 3)))
  await waitFor(() => first.state.failures >= 1, 'a failed publish')
  await first.close()

  const second = run(t, config)
  await second.settle(3)
  assert.deepEqual(second.lines(), numbered('x', 1, 3))
})

test('a deleted file is let go and dropped from the checkpoint', async (t) => {
  const w = workspace()
  const keep = join(w.logs, 'keep.log')
  const gone = join(w.logs, 'gone.log')
  writeFileSync(keep, '')
  writeFileSync(gone, '')
  const c = run(t, filesConfig(w))
  await c.cycles(1)
  appendFileSync(gone, text(numbered('gone', 1, 2)))
  await c.settle(2)
  unlinkSync(gone)
  appendFileSync(keep, 'still here\n')
  await c.settle(3)
  await waitFor(() => !('gone.log' in checkpoint(w.checkpointPath).files), 'gone.log to leave the checkpoint')
  assert.deepEqual(Object.keys(checkpoint(w.checkpointPath).files), ['keep.log'])
})

test('the start signal stops the collector; a missing directory is not an error', async () => {
  const w = workspace()
  rmSync(w.logs, { recursive: true })
  let cycles = 0
  const collector = createFilesCollector(filesConfig(w), {
    publish: async () => {},
    logger: silentLogger(),
    metrics: createMetrics(),
    onCycle: () => {
      cycles++
    }
  })
  const ac = new AbortController()
  const running = collector.start(ac.signal)
  await waitFor(() => cycles >= 2, 'two cycles')
  ac.abort()
  await running
  await collector.close()
  assert.deepEqual(checkpoint(w.checkpointPath), { version: 1, files: {} })
})
