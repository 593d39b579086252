// leakwatch_consumer_lag_records against a real broker: records a consumer has
// not committed show as lag while its batch is being handled (a stuck batch is
// visible), and the lag drops to 0 once the batch is committed.

import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { before, test } from 'node:test'
import { createKafkaBus } from '../../pipeline/bus-kafka.ts'
import { TOPICS } from '../../pipeline/events.ts'
import { createLogger } from '../../pipeline/log.ts'
import { createMetrics } from '../../pipeline/metrics.ts'
import { getServices } from '../harness/services.ts'
import { waitFor } from '../support/wait.ts'

let kafkaBrokers: string[] = []
before(
  async () => {
    kafkaBrokers = (await getServices()).kafkaBrokers
  },
  { timeout: 600_000 }
)

test('kafka: consumer lag per partition is the uncommitted records, while a batch is handled and after it is committed', { timeout: 120_000 }, async (t) => {
  const metrics = createMetrics()
  const bus = await createKafkaBus(
    {
      brokers: kafkaBrokers,
      clientId: 'lag-test',
      topics: [TOPICS.logs],
      topicPrefix: `lag-${randomUUID().slice(0, 8)}.`,
      partitions: 1,
      replicationFactor: 1,
      sessionTimeoutMs: 10_000,
      connectionTimeoutMs: 3000,
      requestTimeoutMs: 30_000,
      maxBytesPerPartition: 1024 * 1024
    },
    createLogger({ level: 'silent' }),
    metrics.consumerLag
  )
  t.after(() => bus.close())
  await bus.send(
    TOPICS.logs,
    Array.from({ length: 25 }, (_, i) => ({ key: 'k', value: `line ${i}` }))
  )
  const group = `lag-${randomUUID()}`
  const labels = { group, topic: TOPICS.logs, partition: '0' }
  let release: (() => void) | undefined
  let handled = 0
  const consumer = await bus.consume({
    groupId: group,
    topics: [TOPICS.logs],
    fromBeginning: true,
    handle: async (b) => {
      if (release === undefined) await new Promise<void>((resolve) => (release = resolve))
      handled += b.messages.length
    }
  })
  t.after(() => consumer.stop())
  await waitFor(() => release !== undefined, 'the first batch handed over', 60_000)
  assert.equal(metrics.consumerLag.get(labels), 25, 'all 25 records uncommitted while the first batch is handled')
  assert.match(
    metrics.registry.render(),
    new RegExp(`^leakwatch_consumer_lag_records\\{group="${group}",partition="0",topic="leakwatch\\.logs\\.v1"\\} 25$`, 'm')
  )
  release?.()
  await waitFor(() => handled === 25 && metrics.consumerLag.get(labels) === 0, 'every record handled and committed', 60_000)
})
