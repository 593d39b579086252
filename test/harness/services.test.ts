import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { before, test } from 'node:test'
import { Redis } from 'ioredis'
import { Kafka, logLevel, Partitioners } from 'kafkajs'
import type { Services } from './services.ts'
import { getServices } from './services.ts'

let services: Services

// Generous: without the global setup this also fetches the Kafka jars (first run) and boots the broker.
before(
  async () => {
    services = await getServices()
  },
  { timeout: 600_000 }
)

test('kafka: idempotent producer and a consumer group round-trip 3 messages', { timeout: 60_000 }, async (t) => {
  const kafka = new Kafka({ clientId: 'harness-test', brokers: services.kafkaBrokers, logLevel: logLevel.WARN })
  const topic = `harness-${randomUUID()}`
  const admin = kafka.admin()
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner })
  const consumer = kafka.consumer({ groupId: `harness-${randomUUID()}` })
  t.after(async () => {
    await Promise.allSettled([consumer.disconnect(), producer.disconnect(), admin.disconnect()])
  })

  await admin.connect()
  assert.equal(await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true }), true)

  await producer.connect()
  // One key keeps all three on one partition, so their order is part of what is checked.
  const sent = ['alpha', 'beta', 'gamma']
  const metadata = await producer.send({ topic, acks: -1, messages: sent.map((value) => ({ key: 'k', value, headers: { src: 'harness' } })) })
  assert.equal(metadata.length, 1)
  assert.equal(metadata[0]?.errorCode, 0)

  const received: Array<{ key: string | undefined; value: string | undefined; src: string | undefined }> = []
  let joinedMs: number | undefined
  const t0 = performance.now()
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joinedMs ??= Math.round(performance.now() - t0)
  })
  const { promise: allReceived, resolve } = Promise.withResolvers<void>()
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  await consumer.run({
    eachMessage: async ({ message }) => {
      received.push({ key: message.key?.toString(), value: message.value?.toString(), src: message.headers?.src?.toString() })
      if (received.length === sent.length) resolve()
    }
  })
  await allReceived
  t.diagnostic(`consumer group joined in ${joinedMs} ms, 3 messages consumed in ${Math.round(performance.now() - t0)} ms`)

  assert.deepEqual(
    received,
    sent.map((value) => ({ key: 'k', value, src: 'harness' }))
  )
  assert.ok(joinedMs !== undefined && joinedMs < 10_000, `consumer group join took ${joinedMs} ms`)
})

test('redis: SET then GET', { timeout: 30_000 }, async (t) => {
  const redis = new Redis(services.redisUrl, { maxRetriesPerRequest: 1 })
  t.after(() => redis.disconnect())
  const key = `harness:${randomUUID()}`
  assert.equal(await redis.set(key, 'value-1', 'EX', 60), 'OK')
  assert.equal(await redis.get(key), 'value-1')
  assert.equal(await redis.get(`${key}:absent`), null)
})
