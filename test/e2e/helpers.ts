// Shared pieces of the end-to-end tests: a webhook receiver, a log capture,
// and dumps of everything leakwatch wrote to Kafka and Redis so a test can
// assert that no plaintext secret is anywhere in them.

import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import { Queue } from 'bullmq'
import { Redis } from 'ioredis'
import { Kafka, logLevel } from 'kafkajs'
import { TOPICS } from '../../pipeline/events.ts'

export interface Received {
  headers: Record<string, string | string[] | undefined>
  body: string
}

export async function startReceiver(): Promise<{ url: string; received: Received[]; close: () => Promise<void> }> {
  const received: Received[] = []
  const server = createServer((req, res) => {
    const parts: Buffer[] = []
    req.on('data', (c: Buffer) => parts.push(c))
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(parts).toString('utf8') })
      res.writeHead(204).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/hooks/leakwatch`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
  }
}

/** A pino destination that keeps everything written to it. */
export function capture(): Writable & { text: () => string } {
  const parts: string[] = []
  const w = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      parts.push(chunk.toString())
      cb()
    }
  })
  return Object.assign(w, { text: () => parts.join('') })
}

export async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await probe()
    if (v !== undefined) return v
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(100)
  }
}

export function uniqueId(): string {
  return randomBytes(4).toString('hex')
}

/**
 * The settings the three clustered roles of one e2e run share: the harness's Kafka and Redis under topic and key
 * names of the run's own (`<name><id>`), a file collector tailing `logs` from the beginning, and the run's keys
 * and consumer groups. A test adds what it is about.
 */
export function clusteredRun(
  services: { kafkaBrokers: string[]; redisUrl: string },
  run: { name: string; id: string; dir: string; logs: string; fingerprintKey: string }
): Record<string, unknown> {
  const { name, id } = run
  return {
    'log.level': 'debug',
    'http.port': 0,
    'http.host': '127.0.0.1',
    'kafka.brokers': services.kafkaBrokers,
    'kafka.payloadKey': `payload-key-${id}-`.padEnd(40, 'y'),
    'kafka.topicPrefix': `${name}${id}.`,
    'redis.url': services.redisUrl,
    'redis.keyPrefix': `${name}${id}`,
    'collector.files.path': run.logs,
    'collector.files.checkpointPath': join(run.dir, `checkpoint-${id}.json`),
    'collector.files.readFrom': 'beginning',
    'collector.files.pollIntervalMs': 50,
    'detector.fingerprintKey': run.fingerprintKey,
    'detector.groupId': `detector-${id}`,
    'responder.groupId': `responder-${id}`
  }
}

/**
 * Resolves once nothing more can reach a webhook receiver: the responder group committed the findings topic up to
 * its end (it commits a batch only once the batch's incidents and jobs are stored) and no action job waits, runs or
 * is delayed. What a receiver got by then is all it will get, duplicates included.
 */
export async function responderSettled(
  services: { kafkaBrokers: string[]; redisUrl: string },
  run: { topicPrefix: string; keyPrefix: string; groupId: string },
  timeoutMs = 60_000
): Promise<void> {
  const kafka = new Kafka({ clientId: 'leakwatch-test-settled', brokers: services.kafkaBrokers, logLevel: logLevel.NOTHING })
  const admin = kafka.admin()
  const connection = new Redis(services.redisUrl, { maxRetriesPerRequest: null })
  const queue = new Queue('actions', { connection, prefix: `${run.keyPrefix}:bull` })
  const topic = run.topicPrefix + TOPICS.findings
  await admin.connect()
  try {
    await waitFor(
      'the responder to consume every finding and run every action',
      async () => {
        const ends = await admin.fetchTopicOffsets(topic)
        const [committed] = await admin.fetchOffsets({ groupId: run.groupId, topics: [topic] })
        const at = new Map((committed?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]))
        if (!ends.every((e) => Number(e.high) === 0 || (at.get(e.partition) ?? -1) >= Number(e.high))) return undefined
        const counts = await queue.getJobCounts('wait', 'active', 'delayed', 'prioritized', 'waiting-children')
        return Object.values(counts).every((n) => n === 0) ? true : undefined
      },
      timeoutMs
    )
  } finally {
    await admin.disconnect()
    await queue.close()
    connection.disconnect()
  }
}

/** Every message of every leakwatch topic, read from the beginning up to the current end. */
/** `topic` in the result is the logical name (the prefix removed). */
export async function dumpKafka(
  brokers: string[],
  prefix: string
): Promise<Array<{ topic: string; key: Buffer | null; value: Buffer | null; headers: string }>> {
  const kafka = new Kafka({ clientId: 'leakwatch-test-dump', brokers, logLevel: logLevel.NOTHING })
  const admin = kafka.admin()
  await admin.connect()
  const existing = new Set(await admin.listTopics())
  const topics = Object.values(TOPICS)
    .map((t) => prefix + t)
    .filter((t) => existing.has(t))
  const ends = new Map<string, number>()
  let total = 0
  for (const t of topics) {
    for (const p of await admin.fetchTopicOffsets(t)) {
      ends.set(`${t}/${p.partition}`, Number(p.high))
      total += Number(p.high) - Number(p.low)
    }
  }
  await admin.disconnect()
  const out: Array<{ topic: string; key: Buffer | null; value: Buffer | null; headers: string }> = []
  if (total === 0) return out
  const consumer = kafka.consumer({ groupId: `dump-${uniqueId()}` })
  await consumer.connect()
  await consumer.subscribe({ topics, fromBeginning: true })
  const seen = new Map<string, number>()
  let done: () => void = () => {}
  const finished = new Promise<void>((resolve) => {
    done = resolve
  })
  await consumer.run({
    eachMessage: async ({ topic, partition, message }) => {
      out.push({ topic: topic.slice(prefix.length), key: message.key, value: message.value, headers: JSON.stringify(message.headers ?? {}) })
      seen.set(`${topic}/${partition}`, Number(message.offset) + 1)
      if ([...ends].every(([k, end]) => (seen.get(k) ?? 0) >= end || end === 0)) done()
    }
  })
  await Promise.race([finished, sleep(30_000, undefined, { ref: false })])
  await consumer.disconnect()
  return out
}

/** Every key under a prefix with its whole value, whatever the type. */
export async function dumpRedis(url: string, prefix: string): Promise<string> {
  const redis = new Redis(url)
  const parts: string[] = []
  let cursor = '0'
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', '500')
    cursor = next
    for (const key of keys) {
      const type = await redis.type(key)
      let value: unknown
      if (type === 'string') value = await redis.get(key)
      else if (type === 'hash') value = await redis.hgetall(key)
      else if (type === 'set') value = await redis.smembers(key)
      else if (type === 'zset') value = await redis.zrange(key, '0', '-1', 'WITHSCORES')
      else if (type === 'list') value = await redis.lrange(key, 0, -1)
      else if (type === 'stream') value = await redis.xrange(key, '-', '+')
      parts.push(`${key} ${type} ${JSON.stringify(value)}`)
    }
  } while (cursor !== '0')
  await redis.quit()
  return parts.join('\n')
}

/** The forms in which a leaked value could hide in a dump. */
export function forms(secret: string): string[] {
  return [secret, Buffer.from(secret).toString('base64'), Buffer.from(secret).toString('hex'), JSON.stringify(secret).slice(1, -1)]
}
