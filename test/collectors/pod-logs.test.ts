// The pod-logs collector against a real directory tree shaped like
// /var/log/pods, with a recording publish in place of Kafka (the Kafka-backed
// tests, kill -9 included, are in pod-logs-kafka.test.ts). Every test counts
// lines in against lines delivered exactly.

import assert from 'node:assert/strict'
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import { after, test } from 'node:test'
import type { PodInfo, PodMetadata } from '../../collectors/k8s-pods.ts'
import type { PodLogsConfig } from '../../collectors/pod-logs.config.ts'
import { compileSelector, createPodLogsCollector, parsePodLogPath } from '../../collectors/pod-logs.ts'
import { decode } from '../../collectors/pod-logs-decode.ts'
import { configSchema } from '../../config/schema.ts'
import type { CheckpointData } from '../../pipeline/checkpoint.ts'
import type { LogChunk } from '../../pipeline/events.ts'
import { logChunkSchema, TOPICS } from '../../pipeline/events.ts'
import { silentLogger } from '../../pipeline/log.ts'
import { createMetrics } from '../../pipeline/metrics.ts'
import type { OutRecord } from '../../pipeline/runner.ts'
import { parse, safeParse } from '../../pipeline/schema.ts'
import { stdinChunk } from '../support/log-chunk.ts'
import { logGroups } from '../support/log-groups.ts'
import { blockCut, filler, findingsIn, keyLines, keysFound } from '../support/pem-block.ts'
import { replayCommand, seededGen, seededRng } from '../support/seed.ts'
import { waitFor } from '../support/wait.ts'

const root = mkdtempSync(join(tmpdir(), 'lw-pods-'))
const gen = seededGen('pod-logs')
after(() => rmSync(root, { recursive: true, force: true }))

let n = 0
function workspace() {
  const dir = join(root, `w${n++}`)
  const pods = join(dir, 'pods')
  mkdirSync(pods, { recursive: true })
  return { pods, checkpointPath: join(dir, 'state', 'checkpoints.json') }
}

function podConfig(w: { pods: string; checkpointPath: string }, overrides: Record<string, unknown> = {}): PodLogsConfig {
  const defaults = parse(configSchema, {}, 'LW_ERR_CONFIG_INVALID', 'test').collector.podLogs
  return {
    ...defaults,
    mode: 'on',
    path: w.pods,
    nodeName: 'node-1',
    checkpointPath: w.checkpointPath,
    pollIntervalMs: 10,
    discoveryIntervalMs: 10,
    flushIntervalMs: 0,
    maxLineBytes: 1024,
    maxChunkLines: 100,
    maxChunkBytes: 4096,
    maxInFlightBytes: 64 * 1024,
    ...overrides
  } as PodLogsConfig
}

const TS = '2025-01-01T00:00:00.123456789Z'
const cri = (msg: string, stream = 'stdout', tag = 'F') => `${TS} ${stream} ${tag} ${msg}\n`
const docker = (log: string, stream = 'stdout') => `${JSON.stringify({ log, stream, time: TS })}\n`
const numbered = (prefix: string, from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `${prefix} line ${from + i}`)

function containerDir(pods: string, ns: string, pod: string, uid: string, container: string): string {
  const dir = join(pods, `${ns}_${pod}_${uid}`, container)
  mkdirSync(dir, { recursive: true })
  return dir
}

function fakeMetadata(pods: PodInfo[], state: 'starting' | 'synced' | 'unavailable' = 'synced') {
  const m = {
    pods,
    current: state as 'starting' | 'synced' | 'unavailable',
    started: 0,
    stopped: 0
  }
  const meta: PodMetadata = {
    lookup: (_ns, _name, uid) => m.pods.find((p) => p.uid === uid || p.annotations['kubernetes.io/config.mirror'] === uid),
    state: () => m.current,
    start: () => {
      m.started++
    },
    stop: async () => {
      m.stopped++
    }
  }
  return { m, meta }
}

function run(t: TestContext, config: PodLogsConfig, metadata?: PodMetadata) {
  const chunks: LogChunk[] = []
  const state = { fail: false, failures: 0, cycles: 0, maxBatchBytes: 0 }
  const metrics = createMetrics()
  const collector = createPodLogsCollector(config, {
    publish: async (records: OutRecord[]) => {
      const bytes = records.reduce((s, r) => s + (r.value as LogChunk).lines.reduce((a, l) => a + Buffer.byteLength(l) + 1, 0), 0)
      state.maxBatchBytes = Math.max(state.maxBatchBytes, bytes)
      if (state.fail) {
        state.failures++
        throw new Error('bus not acknowledging')
      }
      for (const r of records) {
        assert.equal(r.topic, TOPICS.logs)
        const v = r.value as LogChunk
        assert.equal(r.key, v.stream)
        assert.ok(safeParse(logChunkSchema, v).ok, 'every chunk matches the bus schema')
        chunks.push(structuredClone(v))
      }
    },
    logger: silentLogger(),
    metrics,
    // As app/roles.ts wires it: a private key still open at a full chunk's end opens the next chunk.
    chunkCut: blockCut,
    cluster: 'test-cluster',
    ...(metadata === undefined ? {} : { metadata }),
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
  /** Line numbers as delivered: startLine + i for each chunk's lines. */
  const numbers = (stream: string) => chunks.filter((c) => c.stream === stream).flatMap((c) => c.lines.map((_, i) => c.startLine + i))
  const cycles = async (k: number) => {
    const c = state.cycles
    await waitFor(() => state.cycles >= c + k, `${k} cycles`)
  }
  const settle = async (count: number, stream?: string) => {
    await waitFor(() => lines(stream).length >= count, `${count} lines (have ${lines(stream).length})`, 10_000)
    await cycles(3)
  }
  return { chunks, lines, numbers, state, metrics, settle, cycles, close }
}

const checkpoint = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as CheckpointData

// ---- decoding ----

test('CRI: F lines as they are, P pieces merged into one line, per stream when stdout and stderr interleave', () => {
  const text =
    cri('plain') +
    cri('hello ', 'stdout', 'P') +
    cri('err line', 'stderr') +
    cri('wor', 'stdout', 'P') +
    cri('ld', 'stdout') +
    cri('', 'stdout') +
    cri('x', 'stderr', 'F:extra')
  const buf = Buffer.from(text)
  const d = decode(buf, buf.length, 1024, false)
  assert.deepEqual(
    d.lines.map((l) => l.text),
    ['plain', 'err line', 'hello world', '', 'x']
  )
  assert.equal(d.consumed, buf.length)
  assert.equal(d.malformed, 0)
  assert.ok(d.lines.every((l) => !l.split))
})

test('CRI: a partial line without its F is not consumed (it waits for more data), nor is anything after it', () => {
  const head = cri('done')
  const buf = Buffer.from(head + cri('start of ', 'stdout', 'P') + cri('other stream', 'stderr'))
  const d = decode(buf, buf.length, 1024, false)
  assert.deepEqual(
    d.lines.map((l) => l.text),
    ['done']
  )
  assert.equal(d.consumed, Buffer.byteLength(head))
})

test('CRI: at the end of a file its writer left (rotated away), a line of P records only goes out as a piece; a record cut short still waits', () => {
  const head = cri('done')
  const open = cri('start of ', 'stdout', 'P') + cri('more ', 'stdout', 'P')
  const buf = Buffer.from(head + open)
  const rest = Buffer.from(open)
  // The complete line first (as read() calls it: the lines before, then what is left on its own).
  assert.deepEqual(
    decode(buf, buf.length, 1024, false, true).lines.map((l) => l.text),
    ['done']
  )
  const d = decode(rest, rest.length, 1024, false, true)
  assert.deepEqual(
    d.lines.map((l) => [l.text, l.split]),
    [['start of more ', true]]
  )
  assert.equal(d.consumed, rest.length)
  assert.equal(decode(rest, rest.length, 1024, false, false).consumed, 0, 'a file still written: waits for its F')
  const cut = Buffer.from(`${open}${TS} stdout F no newline yet`)
  assert.equal(decode(cut, cut.length, 1024, false, true).consumed, 0, 'a record without its newline is not taken apart')
})

test('CRI: a multi-byte character split between P pieces is merged intact; the merge bound emits pieces, never drops', () => {
  const euro = Buffer.from('€') // 3 bytes
  const a = Buffer.concat([Buffer.from(`${TS} stdout P price: 10`), euro.subarray(0, 1), Buffer.from('\n')])
  const b = Buffer.concat([Buffer.from(`${TS} stdout F `), euro.subarray(1), Buffer.from(' total\n')])
  const buf = Buffer.concat([a, b])
  assert.deepEqual(
    decode(buf, buf.length, 1024, false).lines.map((l) => l.text),
    ['price: 10€ total']
  )
  const long = 'a'.repeat(700)
  const big = Buffer.from(cri(long, 'stdout', 'P') + cri(long, 'stdout', 'P') + cri('tail'))
  const d = decode(big, big.length, 1024, false)
  assert.equal(d.lines.map((l) => l.text).join(''), `${long}${long}tail`, 'all bytes delivered')
  assert.ok(
    d.lines.every((l) => Buffer.byteLength(l.text) <= 1024),
    'no piece over the bound'
  )
  assert.deepEqual(
    d.lines.map((l) => l.split),
    [true, true, false],
    'pieces marked split, the last one ends the line'
  )
  assert.equal(d.consumed, big.length)
})

test('CRI: a multi-byte character cut across P records exactly at the merge bound stays whole (no U+FFFD)', () => {
  const bullet = Buffer.from('•') // 3 bytes: 2 in the first record, 1 in the next
  const first = Buffer.concat([Buffer.from(`${TS} stdout P `), Buffer.from('a'.repeat(1022)), bullet.subarray(0, 2), Buffer.from('\n')])
  const second = Buffer.concat([Buffer.from(`${TS} stdout F `), bullet.subarray(2), Buffer.from(' end\n')])
  const buf = Buffer.concat([first, second])
  const d = decode(buf, buf.length, 1024, false)
  const text = d.lines.map((l) => l.text).join('')
  assert.equal(text, `${'a'.repeat(1022)}• end`)
  assert.equal(text.includes('\ufffd'), false)
  assert.ok(d.lines.every((l) => Buffer.byteLength(l.text) <= 1024))
})

test('docker json-file: 16 KiB pieces merged, streams kept apart, trailing newline removed; other records passed on raw', () => {
  const piece = 'x'.repeat(16 * 1024)
  const text = docker(piece) + docker('err\n', 'stderr') + docker(`${piece}end\n`) + 'not a log record\n' + docker('last\n')
  const buf = Buffer.from(text)
  const d = decode(buf, buf.length, 64 * 1024, false)
  assert.deepEqual(
    d.lines.map((l) => l.text),
    ['err', `${piece}${piece}end`, 'not a log record', 'last']
  )
  assert.equal(d.malformed, 1)
  assert.equal(d.consumed, buf.length)
})

test('paths: namespace, pod, uid, container and restart from the kubelet layout; rotated copies recognised', () => {
  assert.deepEqual(parsePodLogPath('kube-system_kube-apiserver-node-1_9a8b7c/kube-apiserver/3.log'), {
    namespace: 'kube-system',
    pod: 'kube-apiserver-node-1',
    uid: '9a8b7c',
    container: 'kube-apiserver',
    restart: 3,
    rotated: false,
    stream: 'k8s/kube-system/kube-apiserver-node-1/kube-apiserver'
  })
  assert.equal(parsePodLogPath('ns_p_u/c/0.log.20250101-120000')?.rotated, true)
  assert.equal(parsePodLogPath('ns_p_u/c/0.log.20250101-120000.gz'), undefined)
  assert.equal(parsePodLogPath('ns_p/c/0.log'), undefined)
  assert.equal(compileSelector('app=api,tier!=db')({ app: 'api', tier: 'web' }), true)
  assert.equal(compileSelector('app=api,tier!=db')({ app: 'api', tier: 'db' }), false)
  assert.equal(compileSelector('!debug')({ app: 'x' }), true)
  assert.equal(compileSelector('debug')({ app: 'x' }), false)
})

// ---- the collector on a directory tree ----

test('every container of every pod, static pods included, each as its own stream with path metadata', async (t) => {
  const w = workspace()
  const api = containerDir(w.pods, 'shop', 'api-7d9f-abcde', 'uid-1', 'api')
  const side = containerDir(w.pods, 'shop', 'api-7d9f-abcde', 'uid-1', 'envoy')
  const stat = containerDir(w.pods, 'kube-system', 'etcd-node-1', 'f00dfeed', 'etcd')
  writeFileSync(
    join(api, '0.log'),
    numbered('api', 1, 30)
      .map((l) => cri(l))
      .join('')
  )
  writeFileSync(
    join(side, '0.log'),
    numbered('envoy', 1, 5)
      .map((l) => cri(l, 'stderr'))
      .join('')
  )
  writeFileSync(
    join(stat, '0.log'),
    numbered('etcd', 1, 7)
      .map((l) => cri(l))
      .join('')
  )
  const r = run(t, podConfig(w))
  await r.settle(42)
  assert.deepEqual(r.lines('k8s/shop/api-7d9f-abcde/api'), numbered('api', 1, 30))
  assert.deepEqual(r.lines('k8s/shop/api-7d9f-abcde/envoy'), numbered('envoy', 1, 5))
  assert.deepEqual(r.lines('k8s/kube-system/etcd-node-1/etcd'), numbered('etcd', 1, 7))
  assert.equal(r.lines().length, 42)
  assert.deepEqual(
    r.numbers('k8s/shop/api-7d9f-abcde/api'),
    Array.from({ length: 30 }, (_, i) => i + 1)
  )
  const c = r.chunks.find((x) => x.stream === 'k8s/shop/api-7d9f-abcde/api')
  assert.deepEqual(c?.source, {
    type: 'k8s',
    path: join(api, '0.log'),
    cluster: 'test-cluster',
    node: 'node-1',
    namespace: 'shop',
    pod: 'api-7d9f-abcde',
    podUid: 'uid-1',
    container: 'api'
  })
  assert.equal(r.metrics.linesCollected.get({ collector: 'pod-logs' }), 42)
})

test('a new pod is picked up within a discovery interval; a restarted container (1.log) continues its line numbers', async (t) => {
  const w = workspace()
  const r = run(t, podConfig(w))
  await r.cycles(2)
  const dir = containerDir(w.pods, 'shop', 'worker', 'uid-2', 'main')
  const started = performance.now()
  writeFileSync(
    join(dir, '0.log'),
    numbered('first run', 1, 10)
      .map((l) => cri(l))
      .join('')
  )
  await r.settle(10)
  assert.ok(performance.now() - started < 2000, 'within seconds')
  writeFileSync(
    join(dir, '1.log'),
    numbered('second run', 1, 5)
      .map((l) => cri(l))
      .join('')
  )
  await r.settle(15)
  assert.deepEqual(r.lines('k8s/shop/worker/main'), [...numbered('first run', 1, 10), ...numbered('second run', 1, 5)])
  assert.deepEqual(
    r.numbers('k8s/shop/worker/main'),
    Array.from({ length: 15 }, (_, i) => i + 1),
    'numbers run on across restarts'
  )
  assert.equal(checkpoint(w.checkpointPath).streams?.['k8s/shop/worker/main'], 15)
})

/**
 * Writes `lines` as one container's CRI log and waits for them: each delivered once, numbered from 1, the chunks'
 * byte ranges in order without a gap, and the key among them found whole in one chunk.
 */
async function deliveredWhole(r: ReturnType<typeof run>, pods: string, lines: string[], body: string) {
  writeFileSync(join(containerDir(pods, 'shop', 'keys', 'uid-k', 'main'), '0.log'), lines.map((l) => cri(l)).join(''))
  await r.settle(lines.length)
  const stream = 'k8s/shop/keys/main'
  assert.deepEqual(r.lines(stream), lines)
  assert.deepEqual(
    r.numbers(stream),
    Array.from({ length: lines.length }, (_, i) => i + 1)
  )
  assert.equal(r.chunks[0]?.offset.start, 0)
  for (const [i, c] of r.chunks.entries()) if (i > 0) assert.equal(r.chunks[i - 1]?.offset.end, c.offset.start)
  assert.deepEqual(keysFound(r.chunks), [body])
}

/** Bytes of the first `n` of `lines` as CRI records. */
const criBytes = (lines: readonly string[], n: number) =>
  Buffer.byteLength(
    lines
      .slice(0, n)
      .map((l) => cri(l))
      .join('')
  )

test('a private key a full chunk would cut opens the next chunk whole, and the detector reads it whole', async (t) => {
  const w = workspace()
  const r = run(t, podConfig(w, { maxChunkBytes: 8192 }))
  await r.cycles(2)
  // maxChunkLines 100: the key's header is line 91, and a cut by count would read its body in two parts.
  const key = keyLines(gen)
  const lines = [...numbered('x', 1, 90), ...key.lines, ...numbered('y', 1, 20)]
  await deliveredWhole(r, w.pods, lines, key.body)
  assert.deepEqual(
    r.chunks.map((c) => [c.startLine, c.lines.length]),
    [
      [1, 90],
      [91, 50]
    ]
  )
  // The first chunk ends where the key's header starts.
  assert.equal(r.chunks[1]?.offset.start, criBytes(lines, 90))
})

test('cut into chunks of any size, a container log gives the detector what its lines give it whole: keys, JWKs, env pairs, hex dumps and every rule example', async (t) => {
  const rng = seededRng('pod-logs-chunks-agree')
  const { lines } = logGroups(gen, rng)
  const whole = findingsIn([stdinChunk(lines, 1)])
  assert.ok(whole.length > 300, `${whole.length} findings in the whole log`)
  for (const maxChunkLines of [31, 32 + rng.int(60)]) {
    const w = workspace()
    const r = run(t, podConfig(w, { maxChunkLines, maxChunkBytes: 256 * 1024, maxLineBytes: 16 * 1024 }))
    await r.cycles(2)
    writeFileSync(join(containerDir(w.pods, 'shop', 'keys', 'uid-k', 'main'), '0.log'), lines.map((l) => cri(l)).join(''))
    await r.settle(lines.length)
    assert.deepEqual(r.lines('k8s/shop/keys/main'), lines)
    assert.deepEqual(findingsIn(r.chunks), whole, `maxChunkLines ${maxChunkLines} (${replayCommand()})`)
  }
})

test("a private key across the end of a cycle's read is read again next cycle, whole; nothing is repeated", async (t) => {
  const w = workspace()
  // A cycle reads until its budget, the read buffer's 67,584 bytes (2 * maxLineBytes + 64 KiB), is consumed: here a
  // key line ends at exactly that byte (the header at byte 67,092, four 105-byte body lines after it), so the
  // cycle stops inside the key.
  const r = run(t, podConfig(w, { maxChunkLines: 1000, maxChunkBytes: 64 * 1024 }))
  await r.cycles(2)
  const key = keyLines(gen)
  // CRI records of 100 bytes: a 40-byte timestamp, stream and tag, 59 characters, the newline.
  const lines = [...filler('x', 670, 59), ...key.lines, ...filler('y', 20, 59)]
  lines[0] = `${lines[0]}${'.'.repeat(92)}`
  assert.equal(criBytes(lines, 675), 67_584)
  await deliveredWhole(r, w.pods, lines, key.body)
  assert.ok(r.chunks.length >= 2, 'more than one cycle read the file')
})

test('rename rotation (kubelet: 0.log → 0.log.<time>, new 0.log): the old file is finished first, each line once', async (t) => {
  const w = workspace()
  const dir = containerDir(w.pods, 'shop', 'api', 'uid-3', 'api')
  const file = join(dir, '0.log')
  writeFileSync(
    file,
    numbered('before', 1, 20)
      .map((l) => cri(l))
      .join('')
  )
  const r = run(t, podConfig(w))
  await r.settle(20)
  appendFileSync(
    file,
    numbered('before', 21, 25)
      .map((l) => cri(l))
      .join('')
  )
  renameSync(file, `${file}.20250101-000000`)
  writeFileSync(
    file,
    numbered('after', 1, 10)
      .map((l) => cri(l))
      .join('')
  )
  await r.settle(35)
  assert.deepEqual(r.lines(), [...numbered('before', 1, 25), ...numbered('after', 1, 10)])
  assert.deepEqual(
    r.numbers('k8s/shop/api/api'),
    Array.from({ length: 35 }, (_, i) => i + 1)
  )
})

test('copytruncate: after truncation in place the file is read again from its start; deletion lets the file go', async (t) => {
  const w = workspace()
  const dir = containerDir(w.pods, 'shop', 'legacy', 'uid-4', 'app')
  const file = join(dir, '0.log')
  writeFileSync(
    file,
    numbered('old', 1, 10)
      .map((l) => cri(l))
      .join('')
  )
  const r = run(t, podConfig(w))
  await r.settle(10)
  truncateSync(file, 0)
  await r.cycles(2)
  appendFileSync(
    file,
    numbered('new', 1, 4)
      .map((l) => cri(l))
      .join('')
  )
  await r.settle(14)
  assert.deepEqual(r.lines(), [...numbered('old', 1, 10), ...numbered('new', 1, 4)])
  rmSync(join(w.pods, 'shop_legacy_uid-4'), { recursive: true })
  await waitFor(() => Object.keys(checkpoint(w.checkpointPath).files).length === 0, 'the deleted pod to leave the checkpoint')
  assert.equal(r.lines().length, 14)
})

test('docker json-file logs behind the kubelet symlink are followed and 16 KiB splits merged', async (t) => {
  const w = workspace()
  const dockerDir = join(w.pods, '..', 'docker', 'containers', 'abc')
  mkdirSync(dockerDir, { recursive: true })
  const target = join(dockerDir, 'abc-json.log')
  const piece = 'y'.repeat(16 * 1024)
  writeFileSync(target, docker('one\n') + docker(piece) + docker('tail\n') + docker('three\n', 'stderr'))
  const dir = containerDir(w.pods, 'legacy', 'web', 'uid-5', 'nginx')
  symlinkSync(target, join(dir, '0.log'))
  const r = run(t, podConfig(w, { maxLineBytes: 64 * 1024 }))
  await r.settle(3)
  assert.deepEqual(r.lines(), ['one', `${piece}tail`, 'three'])
})

test('selection: namespaces, pod labels, the exclude annotation and per-container exclusion', async (t) => {
  const w = workspace()
  const write = (ns: string, pod: string, uid: string, c: string) =>
    writeFileSync(
      join(containerDir(w.pods, ns, pod, uid, c), '0.log'),
      numbered(`${pod}/${c}`, 1, 3)
        .map((l) => cri(l))
        .join('')
    )
  write('shop', 'api', 'u-api', 'api')
  write('shop', 'api', 'u-api', 'vault-agent')
  write('shop', 'quiet', 'u-quiet', 'app')
  write('shop', 'noisy', 'u-noisy', 'app')
  write('kube-system', 'coredns', 'u-dns', 'coredns')
  write('scratch', 'tmp', 'u-tmp', 'app')
  const info = (name: string, uid: string, labels: Record<string, string>, annotations: Record<string, string> = {}): PodInfo => ({
    namespace: name === 'coredns' ? 'kube-system' : 'shop',
    name,
    uid,
    labels,
    annotations,
    workload: `Deployment/${name}`,
    node: 'node-1'
  })
  const { meta, m } = fakeMetadata([
    info('api', 'u-api', { app: 'api', team: 'payments' }, { 'leakwatch.io/exclude-containers': 'vault-agent' }),
    info('quiet', 'u-quiet', { app: 'quiet' }, { 'leakwatch.io/exclude': 'true' }),
    info('noisy', 'u-noisy', { app: 'noisy', chatty: 'yes' }),
    info('coredns', 'u-dns', { 'k8s-app': 'kube-dns' })
  ])
  const r = run(t, podConfig(w, { excludeNamespaces: ['scratch'], excludePodLabels: ['chatty=yes'] }), meta)
  await r.settle(6)
  await r.cycles(5)
  assert.deepEqual(r.lines().sort(), [...numbered('api/api', 1, 3), ...numbered('coredns/coredns', 1, 3)].sort())
  const api = r.chunks.find((c) => c.stream === 'k8s/shop/api/api')
  assert.equal(api?.source.workload, 'Deployment/api')
  assert.deepEqual(api?.source.labels, { app: 'api', team: 'payments' })
  assert.equal(m.started, 1)
  await r.close()
  assert.equal(m.stopped, 1)
})

test("a pod missing from a synced cache waits up to metadata.waitMs for its annotations; an unreachable API server doesn't hold lines back", async (t) => {
  const w = workspace()
  const { meta, m } = fakeMetadata([], 'synced')
  const r = run(t, podConfig(w, { metadata: { enabled: true, waitMs: 60_000, deletedRetentionMs: 1000 } }), meta)
  writeFileSync(
    join(containerDir(w.pods, 'shop', 'new', 'u-new', 'app'), '0.log'),
    numbered('secret-ish', 1, 3)
      .map((l) => cri(l))
      .join('')
  )
  await r.cycles(10)
  assert.equal(r.lines().length, 0, 'waits for the pod to reach the cache')
  m.pods.push({ namespace: 'shop', name: 'new', uid: 'u-new', labels: {}, annotations: { 'leakwatch.io/exclude': 'true' } })
  await r.cycles(5)
  assert.equal(r.lines().length, 0, 'and then honours its exclusion')
  writeFileSync(
    join(containerDir(w.pods, 'shop', 'other', 'u-other', 'app'), '0.log'),
    numbered('other', 1, 2)
      .map((l) => cri(l))
      .join('')
  )
  await r.cycles(5)
  assert.equal(r.lines().length, 0)
  m.current = 'unavailable'
  await r.settle(2)
  assert.deepEqual(r.lines(), numbered('other', 1, 2))
  assert.equal(r.chunks[0]?.source.workload, undefined, 'path metadata only')
  assert.equal(r.chunks[0]?.source.pod, 'other')
})

test('Kafka not acknowledging: nothing advances, reads stay within maxInFlightBytes, then every line arrives once', async (t) => {
  const w = workspace()
  const dir = containerDir(w.pods, 'shop', 'burst', 'uid-6', 'app')
  const line = 'z'.repeat(200)
  writeFileSync(join(dir, '0.log'), Array.from({ length: 2000 }, (_, i) => cri(`${i} ${line}`)).join(''))
  const config = podConfig(w, { maxInFlightBytes: 64 * 1024, maxChunkBytes: 8192 })
  const r = run(t, config)
  r.state.fail = true
  await waitFor(() => r.state.failures >= 3, 'three refused publishes', 10_000)
  assert.equal(r.lines().length, 0)
  assert.ok(r.state.maxBatchBytes <= config.maxInFlightBytes + config.maxLineBytes * 2 + 64 * 1024, `in flight ${r.state.maxBatchBytes} bytes`)
  r.state.fail = false
  await r.settle(2000)
  assert.equal(r.lines().length, 2000)
  assert.deepEqual(
    r.lines().map((l) => Number(l.split(' ')[0])),
    Array.from({ length: 2000 }, (_, i) => i)
  )
})

test('a rotated file deleted while Kafka is down is held for rotatedHoldMs, then its unread lines are counted as lost', async (t) => {
  const w = workspace()
  const dir = containerDir(w.pods, 'shop', 'rot', 'uid-7', 'app')
  const file = join(dir, '0.log')
  writeFileSync(
    file,
    numbered('a', 1, 5)
      .map((l) => cri(l))
      .join('')
  )
  const r = run(t, podConfig(w, { rotatedHoldMs: 200 }))
  await r.settle(5)
  r.state.fail = true
  appendFileSync(
    file,
    numbered('a', 6, 17)
      .map((l) => cri(l))
      .join('')
  )
  await waitFor(() => r.state.failures >= 1, 'a refused publish')
  unlinkSync(file)
  writeFileSync(
    file,
    numbered('b', 1, 3)
      .map((l) => cri(l))
      .join('')
  )
  await waitFor(() => r.metrics.linesLost.get({ collector: 'pod-logs', reason: 'rotated' }) > 0, 'the loss to be counted', 10_000)
  assert.equal(r.metrics.linesLost.get({ collector: 'pod-logs', reason: 'rotated' }), 12, 'exactly the unread lines')
  r.state.fail = false
  await r.settle(8)
  assert.deepEqual(r.lines(), [...numbered('a', 1, 5), ...numbered('b', 1, 3)])
})

test('files rotated while the collector was down, one of them never seen: each read once, in order, numbers consecutive', async (t) => {
  const w = workspace()
  const dir = containerDir(w.pods, 'shop', 'down', 'uid-8', 'app')
  const file = join(dir, '0.log')
  const write = (path: string, from: number, to: number) =>
    appendFileSync(
      path,
      numbered('l', from, to)
        .map((l) => cri(l))
        .join('')
    )
  write(file, 1, 10)
  const first = run(t, podConfig(w))
  await first.settle(10)
  await first.close()
  // Down: the known file grows and is rotated, the next one is written and rotated before we ever see it, then a third.
  write(file, 11, 15)
  renameSync(file, `${file}.20250101-000000`)
  write(file, 16, 30)
  renameSync(file, `${file}.20250101-000001`)
  write(file, 31, 40)
  const second = run(t, podConfig(w))
  await second.settle(30)
  assert.deepEqual(second.lines(), numbered('l', 11, 40))
  assert.deepEqual(
    second.numbers('k8s/shop/down/app'),
    Array.from({ length: 30 }, (_, i) => i + 11)
  )
  await second.close()
  // And once read, the rotated copies are not read again by the next start.
  write(file, 41, 42)
  const third = run(t, podConfig(w))
  await third.settle(2)
  assert.deepEqual(third.lines(), numbered('l', 41, 42))
  assert.equal(checkpoint(w.checkpointPath).streams?.['k8s/shop/down/app'], 42)
})

test('first start on a node: rotated copies are read before the live file with readFrom beginning, skipped with readFrom end', async (t) => {
  for (const readFrom of ['beginning', 'end'] as const) {
    const w = workspace()
    const dir = containerDir(w.pods, 'shop', `first-${readFrom}`, `uid-9${readFrom}`, 'app')
    const file = join(dir, '0.log')
    writeFileSync(file, cri('old 1'))
    renameSync(file, `${file}.20250101-000000`)
    writeFileSync(file, cri('old 2'))
    renameSync(file, `${file}.20250101-000001`)
    writeFileSync(file, cri('live 1'))
    const r = run(t, podConfig(w, { readFrom }))
    await r.cycles(3)
    appendFileSync(file, cri('live 2'))
    await r.settle(readFrom === 'beginning' ? 4 : 1)
    assert.deepEqual(r.lines(), readFrom === 'beginning' ? ['old 1', 'old 2', 'live 1', 'live 2'] : ['live 2'])
    if (readFrom === 'beginning') assert.deepEqual(r.numbers(`k8s/shop/first-${readFrom}/app`), [1, 2, 3, 4])
    await r.close()
  }
})

test('lines the runtime writes to a rotated copy after we finished it (before it reopened the new file) are read too', async (t) => {
  const w = workspace()
  const dir = containerDir(w.pods, 'shop', 'late', 'uid-10', 'app')
  const file = join(dir, '0.log')
  writeFileSync(file, cri('one'))
  const r = run(t, podConfig(w))
  await r.settle(1)
  renameSync(file, `${file}.20250101-000000`)
  writeFileSync(file, cri('three'))
  await r.settle(2)
  await r.cycles(3)
  appendFileSync(`${file}.20250101-000000`, cri('two'))
  await r.settle(3)
  assert.deepEqual(r.lines(), ['one', 'three', 'two'])
  assert.deepEqual(r.numbers('k8s/shop/late/app'), [1, 2, 3], 'numbered after the newer file: unique in the stream')
  await r.cycles(3)
  assert.equal(r.lines().length, 3)
})
