// What a collector put on `<prefix>leakwatch.logs.v1`, read back from the
// beginning up to the end offsets of the moment it is called: the tests
// compare it line for line with what was written.

import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { Kafka, logLevel } from 'kafkajs'
import type { Codec } from '../../pipeline/codec.ts'
import type { LogChunk } from '../../pipeline/events.ts'
import { TOPICS } from '../../pipeline/events.ts'

/** Every chunk up to the current end of each partition; what is still missing after `timeoutMs` is left out (the caller's count tells). */
export async function readLogChunks(brokers: string[], prefix: string, codec: Codec, timeoutMs = 30_000): Promise<LogChunk[]> {
  const kafka = new Kafka({ clientId: 'lw-test-read', brokers, logLevel: logLevel.NOTHING })
  const topic = prefix + TOPICS.logs
  const admin = kafka.admin()
  await admin.connect()
  const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]))
  await admin.disconnect()
  const out: LogChunk[] = []
  if ([...ends.values()].every((e) => e === 0)) return out
  const consumer = kafka.consumer({ groupId: `read-${randomBytes(4).toString('hex')}` })
  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  const seen = new Map<number, number>()
  let done: () => void = () => {}
  const finished = new Promise<void>((r) => {
    done = r
  })
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      out.push(codec.decode(TOPICS.logs, message.value ?? Buffer.alloc(0)) as LogChunk)
      seen.set(partition, Number(message.offset) + 1)
      if ([...ends].every(([p, end]) => (seen.get(p) ?? 0) >= end)) done()
    }
  })
  await Promise.race([finished, sleep(timeoutMs, undefined, { ref: false })])
  await consumer.disconnect()
  return out
}
