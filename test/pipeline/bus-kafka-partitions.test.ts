// Bus.partitionOf against a real broker: the audit collectors put the events of
// several principals into one record keyed by the first of them, trusting that
// every principal of the record goes to the partition its own key would. So the
// answer must be where the broker actually put a record of that key, known
// once the producer has sent to the topic (before, the collectors keep one
// principal a record), also once an operator has added partitions.

import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { before, test } from 'node:test'
import type { PartitionMetadata } from 'kafkajs'
import { Kafka, logLevel, Partitioners } from 'kafkajs'
import { createKafkaBus, createPartitionLookup } from '../../pipeline/bus-kafka.ts'
import { TOPICS } from '../../pipeline/events.ts'
import { createLogger } from '../../pipeline/log.ts'
import { getServices } from '../harness/services.ts'
import { seededGen } from '../support/seed.ts'
import { waitFor } from '../support/wait.ts'

const g = seededGen('bus-kafka-partitions')
let kafkaBrokers: string[] = []
before(
  async () => {
    kafkaBrokers = (await getServices()).kafkaBrokers
  },
  { timeout: 600_000 }
)

test('kafka: partitionOf names, after the first send, the partition a record of that key lands on, also after partitions are added', {
  timeout: 180_000
}, async (t) => {
  const prefix = `parts-${randomUUID().slice(0, 8)}.`
  const options = {
    brokers: kafkaBrokers,
    clientId: 'partitions-test',
    topics: [TOPICS.audit],
    topicPrefix: prefix,
    partitions: 6,
    replicationFactor: 1,
    sessionTimeoutMs: 10_000,
    connectionTimeoutMs: 3000,
    requestTimeoutMs: 30_000,
    maxBytesPerPartition: 1024 * 1024
  }
  const bus = await createKafkaBus(options, createLogger({ level: 'silent' }))
  t.after(() => bus.close())
  const users = Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? `system:serviceaccount:ns-${g.base62(5)}:sa-${i}` : `user-${g.base62(8)}@example.com`))
  assert.equal(bus.partitionOf?.(TOPICS.audit, users[0] as string), undefined, 'not known before the first send')
  await bus.send(TOPICS.audit, [{ key: 'first', value: '-1' }])
  const expected = new Map<string, number | undefined>(users.map((u) => [u, bus.partitionOf?.(TOPICS.audit, u)]))
  assert.ok(
    [...expected.values()].every((p) => p !== undefined && p >= 0 && p < 6),
    'known once the producer has sent to the topic'
  )
  assert.ok(new Set(expected.values()).size > 1, 'the keys spread over the partitions')

  const received = async (keys: string[], from: number): Promise<Map<string, Set<number>>> => {
    const got = new Map<string, Set<number>>()
    let n = 0
    const consumer = await bus.consume({
      groupId: `parts-${randomUUID()}`,
      topics: [TOPICS.audit],
      fromBeginning: true,
      handle: async (b) => {
        for (const m of b.messages) {
          if (Number(m.value.toString()) < from) continue
          const k = m.key ?? ''
          got.set(k, (got.get(k) ?? new Set()).add(b.partition))
          n++
        }
      }
    })
    try {
      await waitFor(() => n >= keys.length, 'every record consumed', 90_000)
    } finally {
      await consumer.stop()
    }
    return got
  }
  await bus.send(
    TOPICS.audit,
    users.map((u, i) => ({ key: u, value: String(i) }))
  )
  const landed = await received(users, 0)
  for (const u of users) assert.deepEqual([...(landed.get(u) ?? [])], [expected.get(u)], u)

  // An operator adds partitions; a collector started after it learns them with its first send.
  const kafka = new Kafka({ brokers: kafkaBrokers, clientId: 'partitions-admin', logLevel: logLevel.NOTHING })
  const admin = kafka.admin()
  await admin.connect()
  try {
    await admin.createPartitions({ topicPartitions: [{ topic: `${prefix}${TOPICS.audit}`, count: 9 }] })
  } finally {
    await admin.disconnect()
  }
  const bus2 = await createKafkaBus({ ...options, clientId: 'partitions-test-2' }, createLogger({ level: 'silent' }))
  t.after(() => bus2.close())
  await bus2.send(TOPICS.audit, [{ key: 'first', value: '-1' }])
  const after = new Map(users.map((u) => [u, bus2.partitionOf?.(TOPICS.audit, u)]))
  assert.ok(
    [...after.values()].some((p) => p !== undefined && p >= 6),
    'the added partitions are used'
  )
  await bus2.send(
    TOPICS.audit,
    users.map((u, i) => ({ key: u, value: String(1000 + i) }))
  )
  const again = await received(users, 1000)
  for (const u of users) assert.deepEqual([...(again.get(u) ?? [])], [after.get(u)], `${u} after the partitions were added`)
})

test('the partition lookup places a key again once the topic has more partitions, as the producer then does', () => {
  // A running producer learns added partitions from the metadata handed with its next message; a key placed
  // before must not keep its old answer (the Kafka test above starts a new bus, which never holds one).
  const lookup = createPartitionLookup(Partitioners.DefaultPartitioner())
  const meta = (n: number): PartitionMetadata[] =>
    Array.from({ length: n }, (_, partitionId) => ({ partitionErrorCode: 0, partitionId, leader: 0, replicas: [0], isr: [0] }))
  const send = (n: number, key: string): number => lookup.partitioner({ topic: 't', partitionMetadata: meta(n), message: { key, value: 'x' } })
  assert.equal(lookup.partitionOf('t', 'a'), undefined, 'unknown before the first send')
  send(6, 'first')
  const keys = Array.from(
    { length: 40 },
    () => `system:serviceaccount:${g.chars('abcdefghijklmnopqrstuvwxyz-', 8)}:${g.chars('abcdefghijklmnopqrstuvwxyz', 6)}`
  )
  const six = keys.map((k) => lookup.partitionOf('t', k))
  for (let i = 0; i < keys.length; i++) assert.equal(six[i], send(6, keys[i] as string), keys[i])
  send(9, 'first')
  const nine = keys.map((k) => lookup.partitionOf('t', k))
  for (let i = 0; i < keys.length; i++) assert.equal(nine[i], send(9, keys[i] as string), keys[i])
  assert.ok(
    keys.some((_, i) => six[i] !== nine[i]),
    'some key moved'
  )
})
