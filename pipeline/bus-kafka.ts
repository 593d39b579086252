// The Kafka bus (kafkajs). Producer: idempotent, acks=all, so a send that
// resolved is on every in-sync replica and a retried send is not duplicated by
// the broker. Consumer: autoCommit off; the offset of a batch is committed only
// after the handler resolved, and a failing handler is retried in place while
// heartbeating, so one slow Redis does not cost a group rebalance.
// Connecting: a broker that is down, refuses the credentials or the
// certificate, or whose ACLs deny us is retried with backoff rather than
// crashing the process, so a Deployment does not crash-loop on a wrong Secret;
// the caller keeps readiness false until this resolves.

import { setTimeout as sleep } from 'node:timers/promises'
import type { ConsumerRunConfig, Consumer as KafkaConsumer, Producer as KafkaProducer, LogEntry, PartitionerArgs, PartitionMetadata } from 'kafkajs'
import { CompressionTypes, Kafka, logLevel, Partitioners } from 'kafkajs'
import type { Backoff } from './backoff.ts'
import { backoffMs } from './backoff.ts'
import type { Bus, ConsumeOptions, Consumer, InMessage, OutMessage } from './bus.ts'
import { retryDelayMs } from './bus.ts'
import type { KafkaSecurity } from './bus-kafka-security.ts'
import { kafkaError, kafkaFailure } from './bus-kafka-security.ts'
import type { LeakwatchError } from './errors.ts'
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
  /** TLS and SASL (`kafkaSecurity()` builds them from `kafka.tls` and `kafka.sasl`). */
  security?: KafkaSecurity
  /** Each failed connect attempt, coded (LW_ERR_KAFKA_AUTH, _TLS, _DENIED, _UNAVAILABLE), before the backoff. */
  onConnectError?: (err: LeakwatchError, failures: number) => void
  /** Stops the connect retries: createKafkaBus then rejects with the last coded error. */
  signal?: AbortSignal
  /** Delay between connect attempts (default 1 s doubling to 60 s). */
  connectBackoff?: Backoff
}

const CONNECT_BACKOFF: Backoff = { baseMs: 1000, maxMs: 60_000, jitter: 'over' }

export async function createKafkaBus(opts: KafkaBusOptions, logger: Logger, consumerLag?: Gauge): Promise<Bus> {
  const log = logger.child({ component: 'kafka' })
  // Stages speak logical topic names; only the broker sees the prefixed ones.
  const physical = (topic: string): string => opts.topicPrefix + topic
  const logical = (topic: string): string => (topic.startsWith(opts.topicPrefix) ? topic.slice(opts.topicPrefix.length) : topic)
  // kafkajs turns a group the ACLs deny into "Failed to find group coordinator", dropping the broker's answer;
  // only its log line keeps it. Remembered briefly so the consumer's crash can be coded for what it is.
  let groupDenied: { message: string; atMs: number } | undefined
  const kafka = new Kafka({
    clientId: opts.clientId,
    brokers: opts.brokers,
    ...(opts.security?.ssl === undefined ? {} : { ssl: opts.security.ssl }),
    ...(opts.security?.sasl === undefined ? {} : { sasl: opts.security.sasl }),
    connectionTimeout: opts.connectionTimeoutMs,
    requestTimeout: opts.requestTimeoutMs,
    retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 10_000 },
    logLevel: logLevel.WARN,
    logCreator: () => (entry: LogEntry) => {
      // kafkajs log entries carry broker and topic names, never message payloads.
      const { message, ...extra } = entry.log
      if (typeof extra.error === 'string' && extra.error.startsWith('Not authorized to access group')) groupDenied = { message: extra.error, atMs: Date.now() }
      const fn = entry.level <= logLevel.ERROR ? log.error : entry.level === logLevel.WARN ? log.warn : log.debug
      fn.call(log, { kafkajs: entry.namespace, ...pickScalars(extra) }, message)
    }
  })

  const where = opts.brokers.join(',')
  const partitions = createPartitionLookup(Partitioners.DefaultPartitioner())
  const prepareTopics = async (): Promise<void> => {
    const admin = kafka.admin()
    try {
      await admin.connect()
      // With topic ACLs a principal lists only the topics it may describe; the others look missing.
      const existing = new Set(await admin.listTopics())
      const missing = opts.topics.map(physical).filter((t) => !existing.has(t))
      if (missing.length > 0) {
        try {
          await admin.createTopics({
            waitForLeaders: true,
            topics: missing.map((topic) => ({ topic, numPartitions: opts.partitions, replicationFactor: opts.replicationFactor }))
          })
        } catch (err) {
          // A least-privilege principal may not create topics: the operator created them, or our first send says it.
          if (kafkaFailure(err) !== 'denied') throw err
          log.info({ topics: missing.join(',') }, 'not allowed to create Kafka topics (ACLs); assuming the operator manages them')
        }
      }
    } catch (err) {
      throw kafkaError(err, `cannot prepare topics on Kafka at ${where}`)
    } finally {
      await admin.disconnect().catch(() => {})
    }
  }
  const producer: KafkaProducer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: () => partitions.partitioner
  })
  const partitionOf = (topic: string, key: string): number | undefined => partitions.partitionOf(physical(topic), key)
  let producerUp = false
  producer.on(producer.events.CONNECT, () => {
    producerUp = true
  })
  producer.on(producer.events.DISCONNECT, () => {
    producerUp = false
  })
  const connectProducer = async (): Promise<void> => {
    try {
      await producer.connect()
    } catch (err) {
      await producer.disconnect().catch(() => {})
      throw kafkaError(err, `cannot connect a producer to ${where}`)
    }
  }
  for (let failures = 1; ; failures++) {
    try {
      await prepareTopics()
      await connectProducer()
      break
    } catch (err) {
      const coded = kafkaError(err, `cannot connect to Kafka at ${where}`)
      opts.onConnectError?.(coded, failures)
      const delayMs = backoffMs(failures, opts.connectBackoff ?? CONNECT_BACKOFF)
      log.error({ code: coded.code, failures, retryInMs: delayMs }, coded.message)
      if (opts.signal?.aborted === true) throw coded
      try {
        await sleep(delayMs, undefined, opts.signal === undefined ? {} : { signal: opts.signal })
      } catch {
        throw coded
      }
    }
  }

  const consumers = new Set<KafkaConsumer>()
  // Consumers kafkajs gave up on (a non-retriable error, e.g. an ACL denying the group), until they join again.
  const crashed = new Set<KafkaConsumer>()

  return {
    kind: 'kafka',
    ready: () => producerUp && crashed.size === 0,
    partitionOf,

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
        throw kafkaError(err, `Kafka did not acknowledge ${messages.length} message(s) to ${topic}`)
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
      try {
        await consumer.connect()
        await consumer.subscribe({ topics: o.topics.map(physical), fromBeginning: o.fromBeginning })
      } catch (err) {
        consumers.delete(consumer)
        await consumer.disconnect().catch(() => {})
        throw kafkaError(err, `cannot consume ${o.topics.join(',')} as group ${o.groupId}`)
      }
      const runConfig: ConsumerRunConfig = {
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
      }
      const run = (): Promise<void> => consumer.run(runConfig)
      let crashes = 0
      let restart: NodeJS.Timeout | undefined
      consumer.on(consumer.events.GROUP_JOIN, () => {
        crashes = 0
        crashed.delete(consumer)
      })
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        crashes++
        const what = `consumer group ${o.groupId} (${o.topics.join(',')}) stopped`
        const denied = payload.error.name === 'KafkaJSGroupCoordinatorNotFound' && groupDenied !== undefined && Date.now() - groupDenied.atMs < 10_000
        const coded = kafkaError(denied ? Object.assign(new Error(groupDenied?.message), { cause: payload.error }) : payload.error, what)
        // Counted like a refused connect when it is one (credentials, certificate, ACLs), not for a handler's own error.
        if (coded.details?.failure !== 'unavailable' && coded.details?.failure !== undefined) opts.onConnectError?.(coded, crashes)
        log.error({ code: coded.code, groupId: o.groupId, kafkajsRestarts: payload.restart }, coded.message)
        if (payload.restart || !consumers.has(consumer)) return
        // kafkajs does not restart after a non-retriable error; a fixed ACL or Secret should not need a new pod.
        crashed.add(consumer)
        const again = (): void => {
          restart = setTimeout(
            () => {
              if (!consumers.has(consumer)) return
              consumer
                .connect()
                .then(run)
                .catch((err: unknown) => {
                  log.error({ code: kafkaError(err, 'restart').code, groupId: o.groupId }, 'consumer restart failed; retrying')
                  again()
                })
            },
            backoffMs(crashes, opts.connectBackoff ?? CONNECT_BACKOFF)
          )
          restart.unref()
        }
        again()
      })
      await run()
      return {
        async stop() {
          consumers.delete(consumer)
          crashed.delete(consumer)
          clearTimeout(restart)
          await consumer.disconnect()
        }
      }
    },

    async close() {
      const all = [...consumers]
      consumers.clear()
      crashed.clear()
      for (const c of all) await c.disconnect().catch(() => {})
      await producer.disconnect().catch(() => {})
    }
  }
}

function headersOf(h: Record<string, Buffer | string | (Buffer | string)[] | undefined> | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  if (h === undefined) return out
  // Most records (sealed logs and audit events) carry none: no entries array for them.
  let any = false
  for (const _ in h) {
    any = true
    break
  }
  if (!any) return out
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

/**
 * The partitions of each topic as kafkajs's partitioner last saw them (it is handed the metadata with every
 * message): `partitionOf` answers with the same partitioner on the same metadata, so a key's partition is the one
 * its own record would get. Not described up front: a role's ACLs deny describing the topics it does not write,
 * and kafkajs logs each refusal as an error. Computed partitions are kept per topic until its partition count
 * changes (an operator added partitions: every key is placed again), or until 100,000 keys (then cleared:
 * placing a key again is one murmur2).
 */
export function createPartitionLookup(partitioner: (args: PartitionerArgs) => number): {
  partitioner: (args: PartitionerArgs) => number
  partitionOf: (topic: string, key: string) => number | undefined
} {
  const seen = new Map<string, { metadata: PartitionMetadata[]; byKey: Map<string, number> }>()
  return {
    partitioner: (args) => {
      const had = seen.get(args.topic)
      const metadata = args.partitionMetadata
      if (metadata.length > 0 && (had === undefined || had.metadata.length !== metadata.length)) seen.set(args.topic, { metadata, byKey: new Map() })
      return partitioner(args)
    },
    partitionOf: (topic, key) => {
      const t = seen.get(topic)
      if (t === undefined) return undefined
      let p = t.byKey.get(key)
      if (p === undefined) {
        // A keyed message's partition depends on the key and the partition count only (murmur2, as the Java client).
        p = partitioner({ topic, partitionMetadata: t.metadata, message: { key, value: null } })
        if (t.byKey.size >= MAX_KEYS_KEPT) t.byKey.clear()
        t.byKey.set(key, p)
      }
      return p
    }
  }
}

const MAX_KEYS_KEPT = 100_000
