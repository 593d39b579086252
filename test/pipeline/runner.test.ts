import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { test } from 'node:test'
import type { Bus, OutMessage } from '../../pipeline/bus.ts'
import { createMemoryBus } from '../../pipeline/bus-memory.ts'
import { createCodec } from '../../pipeline/codec.ts'
import { LeakwatchError } from '../../pipeline/errors.ts'
import type { Finding, LogChunk } from '../../pipeline/events.ts'
import { TOPICS } from '../../pipeline/events.ts'
import { createFingerprinter, mask, stableId } from '../../pipeline/fingerprint.ts'
import { createLogger } from '../../pipeline/log.ts'
import { createMetrics } from '../../pipeline/metrics.ts'
import type { InRecord, RunnerDeps, Stage } from '../../pipeline/runner.ts'
import { createPublisher, runStage } from '../../pipeline/runner.ts'
import { seededGen } from '../support/seed.ts'
import { waitFor } from '../support/wait.ts'

const gen = seededGen('gen')
const fingerprinter = createFingerprinter(gen.base62(40))

function chunk(stream: string, lines: string[]): LogChunk {
  return {
    v: '1',
    type: 'log-chunk',
    stream,
    source: { type: 'file', path: `/logs/${stream}` },
    startLine: 1,
    offset: { start: 0, end: 10 },
    lines,
    collectedAt: '2025-01-01T00:00:00.000Z'
  }
}

/** A stand-in detector stage: one finding per chunk, derived from the chunk so a replay yields the same id. */
function findingFor(r: InRecord): Finding {
  const c = r.value as LogChunk
  const fp = fingerprinter.of(c.lines.join('\n'))
  return {
    v: '1',
    type: 'finding',
    id: stableId(fp, c.stream, c.offset.start),
    fingerprint: fp,
    rule: 'test-rule',
    title: 'Test rule',
    kind: 'pattern',
    severity: 'high',
    confidence: 'high',
    stream: c.stream,
    source: c.source,
    location: { line: 1, column: 1, endLine: 1, endColumn: 2 },
    preview: mask(c.lines[0] ?? ''),
    context: '********',
    detectedAt: '2025-01-01T00:00:00.000Z'
  }
}

function capture(): { stream: Writable; text: () => string } {
  const parts: string[] = []
  const stream = new Writable({
    write(chunk, _enc, cb) {
      parts.push(String(chunk))
      cb()
    }
  })
  return { stream, text: () => parts.join('') }
}

function setup(bus: Bus = createMemoryBus()) {
  const logs = capture()
  const deps: RunnerDeps = {
    bus,
    codec: createCodec({ payloadKey: gen.base62(40), compress: true }),
    metrics: createMetrics(),
    logger: createLogger({ level: 'debug', destination: logs.stream })
  }
  return { deps, logs }
}

function stage(process: Stage['process'], groupId = 'detectors'): Stage {
  return { name: 'detector', groupId, topics: [TOPICS.logs], process }
}

const findings = (bus: ReturnType<typeof createMemoryBus>, deps: RunnerDeps) =>
  bus.messages(TOPICS.findings).map((m) => deps.codec.decode(TOPICS.findings, m.value) as Finding)

test('malformed records go to the dead-letter topic with their reason; the rest of the batch is processed', async () => {
  const bus = createMemoryBus()
  const { deps, logs } = setup(bus)
  const secret = gen.githubToken('ghp_')
  const good1 = chunk('file/a.log', ['hello'])
  const good2 = chunk('file/b.log', ['world'])
  // Fails the schema (startLine 0) and holds a secret that must not leak anywhere.
  const badSchema = { ...chunk('file/c.log', [`token=${secret}`]), startLine: 0 }
  await bus.send(TOPICS.logs, [
    { key: 'a', value: deps.codec.encode(TOPICS.logs, good1) },
    { key: 'bad-json', value: deps.codec.encodeBytes(TOPICS.logs, Buffer.from(`{"lines":["${secret}"`)) },
    { key: 'c', value: deps.codec.encode(TOPICS.logs, badSchema) },
    { key: 'b', value: deps.codec.encode(TOPICS.logs, good2) }
  ])

  const handed: string[] = []
  const consumer = await runStage(
    stage(async (records) => {
      handed.push(...records.map((r) => `${(r.value as LogChunk).stream}@${r.offset}`))
      return records.map((r) => ({ topic: TOPICS.findings, key: 'k', value: findingFor(r) }))
    }),
    deps,
    { fromBeginning: true }
  )
  await waitFor(() => bus.messages(TOPICS.findings).length === 2, 'two findings')
  await consumer.stop()

  assert.deepEqual(handed, ['file/a.log@0', 'file/b.log@3'], 'only valid records reach the stage, with their offsets')
  assert.deepEqual(
    findings(bus, deps).map((f) => f.stream),
    ['file/a.log', 'file/b.log']
  )

  const dead = bus.messages(TOPICS.deadLetter)
  assert.equal(dead.length, 2)
  const [json, schema] = dead
  assert.equal(json?.headers['lw-error-code'], 'LW_ERR_RECORD_INVALID')
  assert.equal(json?.headers['lw-origin'], `${TOPICS.logs}/0/1`)
  assert.equal(json?.headers['lw-stage'], 'detector')
  assert.match(json?.headers['lw-error'] ?? '', /not valid JSON/)
  assert.equal(json?.key, 'bad-json')
  assert.equal(schema?.headers['lw-error-code'], 'LW_ERR_RECORD_INVALID')
  assert.equal(schema?.headers['lw-origin'], `${TOPICS.logs}/0/2`)
  assert.match(schema?.headers['lw-error'] ?? '', /^startLine: must be >= 1$/)

  // The dead letter holds the original record, sealed again, so it can be inspected or replayed.
  const original = bus.messages(TOPICS.logs)[2]?.value
  assert.ok(original !== undefined && schema !== undefined)
  assert.deepEqual(deps.codec.decodeBytes(TOPICS.deadLetter, schema.value), original)
  assert.deepEqual(deps.codec.decode(TOPICS.logs, deps.codec.decodeBytes(TOPICS.deadLetter, schema.value)), badSchema)

  // Nothing that crossed the bus or was logged holds the secret in plaintext.
  for (const topic of [TOPICS.logs, TOPICS.deadLetter, TOPICS.findings]) {
    for (const m of bus.messages(topic)) {
      assert.equal(m.value.includes(secret), false, topic)
      assert.equal(JSON.stringify(m.headers).includes(secret), false, topic)
    }
  }
  assert.match(logs.text(), /record rejected to the dead-letter topic/)
  assert.equal(logs.text().includes(secret), false)
  assert.equal(logs.text().includes(secret.slice(4, 14)), false)

  assert.equal(deps.metrics.recordsIn.get({ topic: TOPICS.logs }), 4)
  assert.equal(deps.metrics.recordsInvalid.get({ topic: TOPICS.logs }), 2)
  assert.equal(deps.metrics.recordsOut.get({ topic: TOPICS.deadLetter }), 2)
  assert.equal(deps.metrics.recordsOut.get({ topic: TOPICS.findings }), 2)
  await bus.close()
})

test('a record sealed with another key or for another topic is dead-lettered, not retried forever', async () => {
  const bus = createMemoryBus()
  const { deps } = setup(bus)
  const stranger = createCodec({ payloadKey: gen.base62(40), compress: false })
  await bus.send(TOPICS.logs, [
    { key: 'x', value: stranger.encode(TOPICS.logs, chunk('file/x.log', ['x'])) },
    { key: 'y', value: deps.codec.encode(TOPICS.audit, chunk('file/y.log', ['y'])) },
    { key: 'z', value: deps.codec.encode(TOPICS.logs, chunk('file/z.log', ['z'])) }
  ])
  let processed = 0
  const consumer = await runStage(
    stage(async (records) => {
      processed += records.length
      return []
    }),
    deps,
    { fromBeginning: true }
  )
  await waitFor(() => bus.messages(TOPICS.deadLetter).length === 2 && processed === 1, 'two dead letters and one record processed')
  await consumer.stop()
  const reasons = bus.messages(TOPICS.deadLetter).map((m) => m.headers['lw-error'])
  assert.match(reasons[0] ?? '', /another payload key/)
  assert.match(reasons[1] ?? '', /failed authentication/)
  assert.equal(deps.metrics.batchRetries.get({ stage: 'detector' }), 0)
  await bus.close()
})

test('a stage that throws once is retried and its outputs are produced exactly once', async () => {
  const bus = createMemoryBus()
  const { deps, logs } = setup(bus)
  await bus.send(
    TOPICS.logs,
    ['a', 'b', 'c'].map((s) => ({ key: s, value: deps.codec.encode(TOPICS.logs, chunk(`file/${s}.log`, [s])) }))
  )
  let calls = 0
  const consumer = await runStage(
    stage(async (records) => {
      calls++
      if (calls === 1) throw new Error('transient failure')
      return records.map((r) => ({ topic: TOPICS.findings, key: 'k', value: findingFor(r) }))
    }),
    deps,
    { fromBeginning: true }
  )
  await waitFor(() => bus.messages(TOPICS.findings).length === 3, 'three findings')
  await consumer.stop()
  assert.equal(calls, 2)
  assert.deepEqual(
    findings(bus, deps).map((f) => f.stream),
    ['file/a.log', 'file/b.log', 'file/c.log']
  )
  assert.equal(bus.messages(TOPICS.deadLetter).length, 0)
  assert.equal(deps.metrics.batchRetries.get({ stage: 'detector' }), 1)
  assert.match(logs.text(), /batch failed; retrying/)
  await bus.close()
})

/** The memory bus with a switch that makes sends to one topic fail, like a broker that does not acknowledge. */
function flakyBus(topic: string) {
  const inner = createMemoryBus()
  const state = { failing: true, failures: 0 }
  const bus: Bus & { messages: typeof inner.messages } = {
    ...inner,
    async send(t: string, messages: OutMessage[]) {
      if (t === topic && state.failing) {
        state.failures++
        throw new Error('not acknowledged')
      }
      await inner.send(t, messages)
    }
  }
  return { bus, state }
}

test('offsets are committed only after the outputs were sent', async () => {
  const { bus, state } = flakyBus(TOPICS.findings)
  const { deps } = setup(bus)
  await bus.send(
    TOPICS.logs,
    ['a', 'b'].map((s) => ({ key: s, value: deps.codec.encode(TOPICS.logs, chunk(`file/${s}.log`, [s])) }))
  )
  const handed: string[] = []
  const detector = stage(async (records) => {
    handed.push(...records.map((r) => r.offset))
    return records.map((r) => ({ topic: TOPICS.findings, key: 'k', value: findingFor(r) }))
  })

  // Outputs cannot be made durable: the batch is handed again and again, never committed.
  const first = await runStage(detector, deps, { fromBeginning: true })
  await waitFor(() => state.failures >= 2, 'two failed sends')
  await first.stop()
  assert.equal(bus.messages(TOPICS.findings).length, 0)

  // A new consumer of the group (a restart) gets the same records again; now the sends succeed.
  state.failing = false
  handed.length = 0
  const second = await runStage(detector, deps, { fromBeginning: false })
  await waitFor(() => bus.messages(TOPICS.findings).length === 2, 'the findings')
  await second.stop()
  assert.deepEqual(handed, ['0', '1'])

  // Committed now: a third consumer of the group sees only what is new.
  handed.length = 0
  const third = await runStage(detector, deps, { fromBeginning: true })
  await bus.send(TOPICS.logs, [{ key: 'c', value: deps.codec.encode(TOPICS.logs, chunk('file/c.log', ['c'])) }])
  await waitFor(() => bus.messages(TOPICS.findings).length === 3, 'the new finding')
  await third.stop()
  assert.deepEqual(handed, ['2'])
  assert.deepEqual(
    findings(bus, deps).map((f) => f.stream),
    ['file/a.log', 'file/b.log', 'file/c.log']
  )
  await bus.close()
})

test('a dead letter that cannot be sent keeps the batch uncommitted too', async () => {
  const { bus, state } = flakyBus(TOPICS.deadLetter)
  const { deps } = setup(bus)
  await bus.send(TOPICS.logs, [{ key: 'bad', value: deps.codec.encodeBytes(TOPICS.logs, Buffer.from('not json')) }])
  const first = await runStage(
    stage(async () => []),
    deps,
    { fromBeginning: true }
  )
  await waitFor(() => state.failures >= 1, 'a failed dead-letter send')
  await first.stop()
  assert.equal(bus.messages(TOPICS.deadLetter).length, 0)
  state.failing = false
  const second = await runStage(
    stage(async () => []),
    deps,
    { fromBeginning: false }
  )
  await waitFor(() => bus.messages(TOPICS.deadLetter).length === 1, 'the dead letter')
  await second.stop()
  await bus.close()
})

test('topics without a schema are handed through decoded; publisher groups by topic and counts', async () => {
  const bus = createMemoryBus()
  const { deps } = setup(bus)
  const publish = createPublisher(deps)
  await publish([
    { topic: 'custom.v1', key: 'a', value: { n: 1 } },
    { topic: TOPICS.findings, key: 'f', value: { x: 1 } },
    { topic: 'custom.v1', key: 'b', value: { n: 2 } }
  ])
  assert.equal(bus.messages('custom.v1').length, 2)
  assert.equal(deps.metrics.recordsOut.get({ topic: 'custom.v1' }), 2)
  assert.equal(deps.metrics.recordsOut.get({ topic: TOPICS.findings }), 1)

  const got: unknown[] = []
  const consumer = await runStage(
    {
      name: 'custom',
      groupId: 'custom',
      topics: ['custom.v1'],
      process: async (records) => {
        got.push(...records.map((r) => r.value))
        return []
      }
    },
    deps,
    { fromBeginning: true }
  )
  await waitFor(() => got.length === 2, 'both records')
  await consumer.stop()
  assert.deepEqual(got, [{ n: 1 }, { n: 2 }])
  await bus.close()
})

test('a non-retriable stage failure dead-letters only the record that causes it; the partition keeps moving', async () => {
  const bus = createMemoryBus()
  const { deps } = setup(bus)
  await bus.send(
    TOPICS.logs,
    ['a', 'poison', 'c'].map((s) => ({ key: s, value: deps.codec.encode(TOPICS.logs, chunk(`file/${s}.log`, [s])) }))
  )
  let calls = 0
  const consumer = await runStage(
    stage(async (records) => {
      calls++
      if (records.some((r) => (r.value as LogChunk).stream === 'file/poison.log')) throw new LeakwatchError('LW_ERR_RULE_INVALID', 'cannot handle this record')
      return records.map((r) => ({ topic: TOPICS.findings, key: 'k', value: findingFor(r) }))
    }),
    deps,
    { fromBeginning: true }
  )
  await waitFor(() => bus.messages(TOPICS.findings).length === 2, 'two findings')
  await consumer.stop()
  assert.deepEqual(
    findings(bus, deps).map((f) => f.stream),
    ['file/a.log', 'file/c.log']
  )
  const dead = bus.messages(TOPICS.deadLetter)
  assert.equal(dead.length, 1)
  assert.equal(dead[0]?.headers['lw-error-code'], 'LW_ERR_RULE_INVALID')
  assert.equal(dead[0]?.headers['lw-origin'], `${TOPICS.logs}/0/1`)
  // The whole batch once, then each record once.
  assert.equal(calls, 4)
  assert.equal(deps.metrics.batchRetries.get({ stage: 'detector' }), 0)
  await bus.close()
})

test('a finding without a valid MAC never reaches the stage: it is dead-lettered and counted', async () => {
  const bus = createMemoryBus()
  const { deps } = setup(bus)
  const publish = createPublisher(deps)
  const forged = findingFor({ topic: TOPICS.logs, partition: 0, offset: '0', key: null, value: chunk('file/forged.log', ['x']) })
  const genuine = findingFor({ topic: TOPICS.logs, partition: 0, offset: '1', key: null, value: chunk('file/genuine.log', ['y']) })
  // Written straight to the bus, as anyone with write access to the topic could.
  await bus.send(TOPICS.findings, [{ key: forged.fingerprint, value: deps.codec.encode(TOPICS.findings, forged) }])
  await publish([{ topic: TOPICS.findings, key: genuine.fingerprint, value: genuine }])
  const handed: string[] = []
  const consumer = await runStage(
    {
      name: 'responder',
      groupId: 'responders',
      topics: [TOPICS.findings],
      process: async (records) => {
        handed.push(...records.map((r) => (r.value as Finding).stream))
        return []
      }
    },
    deps,
    { fromBeginning: true }
  )
  await waitFor(() => handed.length === 1 && bus.messages(TOPICS.deadLetter).length === 1, 'the genuine finding and one dead letter')
  await consumer.stop()
  assert.deepEqual(handed, ['file/genuine.log'])
  const [dead] = bus.messages(TOPICS.deadLetter)
  assert.equal(dead?.headers['lw-error-code'], 'LW_ERR_RECORD_UNAUTHENTICATED')
  assert.match(dead?.headers['lw-error'] ?? '', /carries no MAC/)
  assert.equal(deps.metrics.recordsUnauthenticated.get({ topic: TOPICS.findings }), 1)
  assert.equal(deps.metrics.recordsInvalid.get({ topic: TOPICS.findings }), 0)
  await bus.close()
})
