// The Kafka bus (kafkajs). Producer: idempotent, acks=all, so a send that
// resolved is on every in-sync replica and a retried send is not duplicated by
// the broker. Consumer: autoCommit off; the offset of a batch is committed only
// after the handler resolved, and a failing handler is retried in place while
// heartbeating, so one slow Redis does not cost a group rebalance.

import { setTimeout as sleep } from 'node:timers/promises'
import type { Consumer as KafkaConsumer, Producer as KafkaProducer, LogEntry } from 'kafkajs'
import { CompressionTypes, Kafka, logLevel, Partitioners } from 'kafkajs'
import type { Bus, ConsumeOptions, Consumer, InMessage, OutMessage } from './bus.ts'
import { retryDelayMs } from './bus.ts'
import { LeakwatchError } from './errors.ts'
import type { Logger } from './log.ts'
import type { Gauge } from './metrics.ts'

export interface KafkaBusOptions {
  brokers: string[]
  clientId: string
  /** Topics created (if missing) at connect, with their partition count. */
  topics: string[]
  /** Prepended to every topic name on the broker (several installations on one Kafka). */
  topicPrefix: string
  partitions: number
  replicationFactor: number
  sessionTimeoutMs: number
  connectionTimeoutMs: number
  requestTimeoutMs: number
  maxBytesPerPartition: number
}

export async function createKafkaBus(opts: KafkaBusOptions, logger: Logger, consumerLag?: Gauge): Promise<Bus> {
  const log = logger.child({ component: 'kafka' })
  // Stages speak logical topic names; only the broker sees the prefixed ones.
  const physical = (topic: string): string => opts.topicPrefix + topic
  const logical = (topic: string): string => (topic.startsWith(opts.topicPrefix) ? topic.slice(opts.topicPrefix.length) : topic)
  const kafka = new Kafka({
    clientId: opts.clientId,
    brokers: opts.brokers,
    connectionTimeout: opts.connectionTimeoutMs,
    requestTimeout: opts.requestTimeoutMs,
    retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 10_000 },
    logLevel: logLevel.WARN,
    logCreator: () => (entry: LogEntry) => {
      // kafkajs log entries carry broker and topic names, never message payloads.
      const { message, ...extra } = entry.log
      const fn = entry.level <= logLevel.ERROR ? log.error : entry.level === logLevel.WARN ? log.warn : log.debug
      fn.call(log, { kafkajs: entry.namespace, ...pickScalars(extra) }, message)
    }
  })

  const admin = kafka.admin()
  try {
    await admin.connect()
    const existing = new Set(await admin.listTopics())
    const missing = opts.topics.map(physical).filter((t) => !existing.has(t))
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({ topic, numPartitions: opts.partitions, replicationFactor: opts.replicationFactor }))
      })
    }
  } catch (err) {
    await admin.disconnect().catch(() => {})
    throw new LeakwatchError('LW_ERR_KAFKA_UNAVAILABLE', `cannot reach Kafka at ${opts.brokers.join(',')} to prepare topics`, { cause: err })
  }
  await admin.disconnect()

  const producer: KafkaProducer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner
  })
  let producerUp = false
  producer.on(producer.events.CONNECT, () => {
    producerUp = true
  })
  producer.on(producer.events.DISCONNECT, () => {
    producerUp = false
  })
  try {
    await producer.connect()
  } catch (err) {
    throw new LeakwatchError('LW_ERR_KAFKA_UNAVAILABLE', `cannot connect a producer to ${opts.brokers.join(',')}`, { cause: err })
  }

  const consumers = new Set<KafkaConsumer>()

  return {
    kind: 'kafka',
    ready: () => producerUp,

    async send(topic: string, messages: OutMessage[]): Promise<void> {
      if (messages.length === 0) return
      try {
        await producer.send({
          topic: physical(topic),
          acks: -1,
          // Payloads are deflated (and sealed) by the codec already.
          compression: CompressionTypes.None,
          messages: messages.map((m) => ({ key: m.key, value: m.value, headers: m.headers ?? {} }))
        })
      } catch (err) {
        throw new LeakwatchError('LW_ERR_KAFKA_UNAVAILABLE', `Kafka did not acknowledge ${messages.length} message(s) to ${topic}`, { cause: err })
      }
    },

    async consume(o: ConsumeOptions): Promise<Consumer> {
      const consumer = kafka.consumer({
        groupId: o.groupId,
        sessionTimeout: opts.sessionTimeoutMs,
        heartbeatInterval: Math.max(500, Math.floor(opts.sessionTimeoutMs / 10)),
        maxBytesPerPartition: opts.maxBytesPerPartition,
        allowAutoTopicCreation: false,
        retry: { retries: 10 }
      })
      consumers.add(consumer)
      // Partitions this member no longer owns would report their last lag for ever; the next batches set the rest.
      consumer.on(consumer.events.GROUP_JOIN, () => consumerLag?.clear({ group: o.groupId }))
      await consumer.connect()
      await consumer.subscribe({ topics: o.topics.map(physical), fromBeginning: o.fromBeginning })
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
          if (batch.messages.length === 0) return
          // High watermark minus the next offset to commit; set before handling too, so a batch stuck in retries shows.
          const lag = (next: string) =>
            consumerLag?.set(Number(BigInt(batch.highWatermark) - BigInt(next)), {
              group: o.groupId,
              topic: logical(batch.topic),
              partition: String(batch.partition)
            })
          lag(batch.firstOffset() ?? batch.highWatermark)
          const messages: InMessage[] = batch.messages.map((m) => ({
            topic: logical(batch.topic),
            partition: batch.partition,
            offset: m.offset,
            key: m.key === null ? null : m.key.toString('utf8'),
            value: m.value ?? Buffer.alloc(0),
            headers: headersOf(m.headers)
          }))
          for (let attempt = 1; ; attempt++) {
            try {
              await o.handle({ topic: logical(batch.topic), partition: batch.partition, messages })
              break
            } catch (err) {
              // Leave the batch uncommitted when we lost the partition or are stopping: its new owner replays it.
              if (!isRunning() || isStale()) throw err
              o.onRetry?.(err, attempt)
              await sleep(retryDelayMs(attempt))
              await heartbeat()
            }
          }
          const last = batch.messages[batch.messages.length - 1]
          if (last === undefined) return
          resolveOffset(last.offset)
          await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() }])
          lag((BigInt(last.offset) + 1n).toString())
          await heartbeat()
        }
      })
      return {
        async stop() {
          consumers.delete(consumer)
          await consumer.disconnect()
        }
      }
    },

    async close() {
      for (const c of [...consumers]) await c.disconnect().catch(() => {})
      consumers.clear()
      await producer.disconnect().catch(() => {})
    }
  }
}

function headersOf(h: Record<string, Buffer | string | (Buffer | string)[] | undefined> | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  if (h === undefined) return out
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined) continue
    const first = Array.isArray(v) ? v[0] : v
    if (first !== undefined) out[k] = first.toString()
  }
  return out
}

function pickScalars(o: Record<string, unknown>): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {}
  for (const [k, v] of Object.entries(o)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = v
  }
  return out
}
