// A batch that keeps throwing an uncoded error (a bug some record trips) must not block its partition: after
// `maxPoisonBatchRetries` retries the runner bisects it, dead-letters the record that throws, and moves on.
// Once with the in-process bus, once against the real Kafka of the test harness.

import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { Writable } from 'node:stream'
import { before, test } from 'node:test'
import type { Bus, InMessage } from '../../pipeline/bus.ts'
import { createKafkaBus } from '../../pipeline/bus-kafka.ts'
import { createMemoryBus } from '../../pipeline/bus-memory.ts'
import { createCodec } from '../../pipeline/codec.ts'
import { LeakwatchError } from '../../pipeline/errors.ts'
import type { LogChunk } from '../../pipeline/events.ts'
import { TOPICS } from '../../pipeline/events.ts'
import { createLogger } from '../../pipeline/log.ts'
import { createMetrics } from '../../pipeline/metrics.ts'
import type { RunnerDeps, Stage } from '../../pipeline/runner.ts'
import { describePoison, runStage } from '../../pipeline/runner.ts'
import { getServices } from '../harness/services.ts'
import { seededGen } from '../support/seed.ts'
import { waitFor } from '../support/wait.ts'

const gen = seededGen('gen')

function chunk(stream: string): LogChunk {
  return {
    v: '1',
    type: 'log-chunk',
    stream,
    source: { type: 'file', path: `/logs/${stream}` },
    startLine: 1,
    offset: { start: 0, end: 10 },
    lines: [stream],
    collectedAt: '2025-01-01T00:00:00.000Z'
  }
}

function setup(bus: Bus, maxPoisonBatchRetries: number) {
  const parts: string[] = []
  const destination = new Writable({
    write(c, _enc, cb) {
      parts.push(String(c))
      cb()
    }
  })
  const deps: RunnerDeps = {
    bus,
    codec: createCodec({ payloadKey: gen.base62(40), compress: true }),
    metrics: createMetrics(),
    logger: createLogger({ level: 'debug', destination }),
    maxPoisonBatchRetries
  }
  return { deps, logs: () => parts.join('') }
}

/**
 * A detector-like stage with a bug: a chunk of the stream `file/poison` makes it throw a TypeError whose message
 * quotes the chunk (with its secret), as real bugs do. Every other chunk becomes one output on the findings topic.
 */
function buggyStage(secret: string, calls: string[][]): Stage {
  return {
    name: 'detector',
    groupId: `detectors-${randomUUID()}`,
    topics: [TOPICS.logs],
    async process(records) {
      const streams = records.map((r) => (r.value as LogChunk).stream)
      calls.push(streams)
      if (streams.includes('file/poison')) throw new TypeError(`cannot read line of ${secret}`)
      return streams.map((s) => ({ topic: TOPICS.findings, key: s, value: { stream: s } }))
    }
  }
}

function assertPoisonDeadLetter(dead: InMessage[], deps: RunnerDeps, secret: string, origin: string): void {
  assert.equal(dead.length, 1, 'the poison record is dead-lettered once')
  const [d] = dead
  assert.ok(d !== undefined)
  assert.equal(d.headers['lw-error-code'], 'LW_ERR_RECORD_POISON')
  assert.equal(d.headers['lw-origin'], origin)
  assert.match(d.headers['lw-error'] ?? '', /^TypeError at test\/pipeline\/poison\.test\.ts:\d+:\d+ on \d+ attempts \(message withheld/)
  assert.equal(JSON.stringify(d.headers).includes(secret), false)
  // The dead letter holds the record itself, sealed, so it can be replayed once the bug is fixed.
  assert.equal((deps.codec.decode(TOPICS.logs, deps.codec.decodeBytes(TOPICS.deadLetter, d.value)) as LogChunk).stream, 'file/poison')
}

test('in-process bus: a poison record among good ones is bisected out after the retries, dead-lettered once; the rest is processed', async () => {
  const bus = createMemoryBus()
  const { deps, logs } = setup(bus, 2)
  const secret = gen.githubToken('ghp_')
  await bus.send(
    TOPICS.logs,
    ['a', 'b', 'poison', 'd', 'e'].map((s) => ({ key: s, value: deps.codec.encode(TOPICS.logs, chunk(`file/${s}`)) }))
  )
  const calls: string[][] = []
  const consumer = await runStage(buggyStage(secret, calls), deps, { fromBeginning: true })
  await waitFor(() => bus.messages(TOPICS.findings).length === 4, 'four findings', 15_000)
  // The partition moved on: a record sent afterwards is handled on its own.
  await bus.send(TOPICS.logs, [{ key: 'f', value: deps.codec.encode(TOPICS.logs, chunk('file/f')) }])
  await waitFor(() => bus.messages(TOPICS.findings).length === 5, 'the next finding', 15_000)
  await consumer.stop()

  const all = ['file/a', 'file/b', 'file/poison', 'file/d', 'file/e']
  assert.deepEqual(calls, [
    // The batch, then its two retries.
    all,
    all,
    all,
    // Bisection: the first half fails and is halved again; the second half goes through.
    ['file/a', 'file/b', 'file/poison'],
    ['file/a', 'file/b'],
    ['file/poison'],
    ['file/d', 'file/e'],
    ['file/f']
  ])
  assert.deepEqual(
    bus.messages(TOPICS.findings).map((m) => (deps.codec.decode(TOPICS.findings, m.value) as { stream: string }).stream),
    ['file/a', 'file/b', 'file/d', 'file/e', 'file/f']
  )
  assertPoisonDeadLetter(bus.messages(TOPICS.deadLetter), deps, secret, `${TOPICS.logs}/0/2`)
  assert.equal(deps.metrics.poisonRecords.get({ stage: 'detector', topic: TOPICS.logs }), 1)
  assert.equal(deps.metrics.recordsInvalid.get({ topic: TOPICS.logs }), 0)
  assert.equal(deps.metrics.batchRetries.get({ stage: 'detector' }), 2)
  assert.match(logs(), /batch keeps failing; bisecting it/)
  assert.equal(logs().includes(secret), false)
  await bus.close()
})

test('in-process bus: an outage (a coded transient error) is retried past the cap and dead-letters nothing', async () => {
  const bus = createMemoryBus()
  const { deps } = setup(bus, 1)
  await bus.send(
    TOPICS.logs,
    ['a', 'b'].map((s) => ({ key: s, value: deps.codec.encode(TOPICS.logs, chunk(`file/${s}`)) }))
  )
  let calls = 0
  const consumer = await runStage(
    {
      name: 'responder',
      groupId: 'responders',
      topics: [TOPICS.logs],
      async process(records) {
        calls++
        if (calls === 1) throw new TypeError('a bug, once')
        if (calls <= 4) throw new LeakwatchError('LW_ERR_REDIS_UNAVAILABLE', 'Redis is down')
        if (calls === 5) throw Object.assign(new Error('Reached the max retries per request limit'), { name: 'MaxRetriesPerRequestError' })
        return records.map((r) => ({ topic: TOPICS.findings, key: null, value: { offset: r.offset } }))
      }
    },
    deps,
    { fromBeginning: true }
  )
  await waitFor(() => bus.messages(TOPICS.findings).length === 2, 'both records processed', 15_000)
  await consumer.stop()
  assert.equal(calls, 6)
  assert.equal(bus.messages(TOPICS.deadLetter).length, 0)
  assert.equal(deps.metrics.poisonRecords.get({ stage: 'responder', topic: TOPICS.logs }), 0)
  await bus.close()
})

test('describePoison names the class and the frame, never the message', () => {
  const err = new RangeError('value abc123 out of range')
  const text = describePoison(err, 3)
  assert.match(text, /^RangeError at test\/pipeline\/poison\.test\.ts:\d+:\d+ on 3 attempts/)
  assert.equal(text.includes('abc123'), false)
  assert.equal(describePoison('a thrown string', 1), 'string on 1 attempts (message withheld: it may quote the record)')
})

let kafkaBrokers: string[] = []
before(
  async () => {
    kafkaBrokers = (await getServices()).kafkaBrokers
  },
  { timeout: 600_000 }
)

test('kafka: a poison record among good ones is dead-lettered once and the partition moves on', { timeout: 120_000 }, async (t) => {
  const prefix = `poison-${randomUUID().slice(0, 8)}.`
  const bus = await createKafkaBus(
    {
      brokers: kafkaBrokers,
      clientId: 'poison-test',
      topics: [TOPICS.logs, TOPICS.findings, TOPICS.deadLetter],
      topicPrefix: prefix,
      partitions: 1,
      replicationFactor: 1,
      sessionTimeoutMs: 10_000,
      connectionTimeoutMs: 3000,
      requestTimeoutMs: 30_000,
      maxBytesPerPartition: 1024 * 1024
    },
    createLogger({ level: 'silent' })
  )
  const { deps, logs } = setup(bus, 1)
  const secret = gen.githubToken('ghp_')
  const consumers: Array<{ stop: () => Promise<void> }> = []
  t.after(async () => {
    for (const c of consumers) await c.stop().catch(() => {})
    await bus.close()
  })

  // Everything produced, read back by groups of our own.
  const seen = new Map<string, InMessage[]>([
    [TOPICS.findings, []],
    [TOPICS.deadLetter, []]
  ])
  for (const topic of seen.keys()) {
    consumers.push(
      await bus.consume({
        groupId: `reader-${randomUUID()}`,
        topics: [topic],
        fromBeginning: true,
        handle: async (b) => {
          seen.get(topic)?.push(...b.messages)
        }
      })
    )
  }
  const findings = () => (seen.get(TOPICS.findings) ?? []).map((m) => (deps.codec.decode(TOPICS.findings, m.value) as { stream: string }).stream)

  // One send: the five records land in one partition, in order, and are fetched as one batch.
  await bus.send(
    TOPICS.logs,
    ['a', 'b', 'poison', 'd', 'e'].map((s) => ({ key: 'one-partition', value: deps.codec.encode(TOPICS.logs, chunk(`file/${s}`)) }))
  )
  const calls: string[][] = []
  consumers.push(await runStage(buggyStage(secret, calls), deps, { fromBeginning: true }))
  await waitFor(() => findings().length === 4, 'the four good records processed', 90_000, 50)
  await bus.send(TOPICS.logs, [{ key: 'one-partition', value: deps.codec.encode(TOPICS.logs, chunk('file/f')) }])
  await waitFor(() => findings().length === 5, 'the record after the poison one processed', 30_000, 50)
  await waitFor(() => (seen.get(TOPICS.deadLetter) ?? []).length > 0, 'the dead letter', 30_000, 50)

  assert.deepEqual(findings(), ['file/a', 'file/b', 'file/d', 'file/e', 'file/f'])
  assertPoisonDeadLetter(seen.get(TOPICS.deadLetter) ?? [], deps, secret, `${TOPICS.logs}/0/2`)
  assert.equal(calls.filter((c) => c.includes('file/poison')).length >= 3, true, 'the batch, its retry, then the bisection')
  assert.equal(deps.metrics.poisonRecords.get({ stage: 'detector', topic: TOPICS.logs }), 1)
  assert.equal(logs().includes(secret), false)
})
