// Responder benchmark, on real Kafka, Redis and BullMQ (the test harness
// starts them, or KAFKA_BROKERS / REDIS_URL point at running ones), with the
// Slack stand-in of the tests answering the Web API:
//
//   1. throughput: a burst of findings of distinct secrets on the findings
//      topic; incidents/s = incidents stored per second of wall time, from the
//      first produce to the last incident upserted and its jobs enqueued.
//   2. latency under load: findings produced at a steady rate (new secrets,
//      each with repeat occurrences) routed over many channels; for every
//      incident, the time from its finding being acknowledged by Kafka to its
//      chat.postMessage arriving at the Slack stand-in, p50/p99. Slack's one
//      message per second per channel is honoured (channelIntervalMs 1100), so
//      the rate is kept below channels/s: above it, latency grows with the
//      backlog by design (delayed, not lost).
//
//   npm run bench -- --only responder [--responder-incidents 2000] [--responder-rate 40] [--responder-seconds 15] [--responder-channels 64]
//   node bench/responder.ts [--incidents 2000] [--rate 40] [--seconds 15] [--channels 64]

import { randomBytes } from 'node:crypto'
import { parseArgs } from 'node:util'
import type { App } from '../app/roles.ts'
import { startApp } from '../app/roles.ts'
import { loadConfig } from '../config/load.ts'
import { createGen } from '../detectors/gen.ts'
import { createKafkaBus } from '../pipeline/bus-kafka.ts'
import { createCodec } from '../pipeline/codec.ts'
import type { Finding } from '../pipeline/events.ts'
import { TOPICS } from '../pipeline/events.ts'
import { createFingerprinter, mask, stableId } from '../pipeline/fingerprint.ts'
import { silentLogger } from '../pipeline/log.ts'
import { createMetrics } from '../pipeline/metrics.ts'
import { createPublisher } from '../pipeline/runner.ts'
import { getServices } from '../test/harness/services.ts'
import { startSlack } from '../test/responders/standins.ts'
import type { BenchContext, Benchmark } from './run.ts'

export interface ResponderBenchOptions {
  incidents: number
  ratePerSecond: number
  seconds: number
  channels: number
  log?: (line: string) => void
}

export interface ResponderBenchResult {
  throughput: { incidents: number; seconds: number; incidentsPerSecond: number }
  latency: { incidents: number; ratePerSecond: number; channels: number; p50Ms: number; p99Ms: number; maxMs: number; slackMessages: number }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN
}

export async function runResponderBench(opts: ResponderBenchOptions): Promise<ResponderBenchResult> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`))
  const services = await getServices()
  const gen = createGen()
  const fingerprinter = createFingerprinter(gen.base62(40))
  const token = `xoxb-${gen.digits(12)}-${gen.base62(24)}`
  const slack = await startSlack(token)
  const id = randomBytes(4).toString('hex')
  const payloadKey = gen.base62(40)
  const config = loadConfig({
    env: {},
    overrides: {
      'http.enabled': false,
      'log.level': 'silent',
      'kafka.brokers': services.kafkaBrokers,
      'kafka.topicPrefix': `bench${id}.`,
      'kafka.partitions': 6,
      'kafka.payloadKey': payloadKey,
      'redis.url': services.redisUrl,
      'redis.keyPrefix': `bench${id}`,
      'responder.groupId': `bench-${id}`,
      'responder.console': false,
      'responder.concurrency': 16,
      'responder.slack.token': token,
      'responder.slack.apiUrl': slack.apiUrl,
      'responder.slack.defaultChannel': 'C0DEFAULT',
      'responder.slack.routes': Array.from({ length: opts.channels }, (_, n) => ({ match: { namespace: `^team-${n}$` }, channel: `C0TEAM${n}` }))
    }
  })
  const logger = silentLogger()
  const bus = await createKafkaBus(
    {
      brokers: config.kafka.brokers,
      clientId: 'bench-producer',
      topics: Object.values(TOPICS),
      topicPrefix: config.kafka.topicPrefix,
      partitions: config.kafka.partitions,
      replicationFactor: config.kafka.replicationFactor,
      sessionTimeoutMs: config.kafka.sessionTimeoutMs,
      connectionTimeoutMs: config.kafka.connectionTimeoutMs,
      requestTimeoutMs: config.kafka.requestTimeoutMs,
      maxBytesPerPartition: config.kafka.maxBytesPerPartition
    },
    logger
  )
  const publish = createPublisher({ bus, codec: createCodec({ payloadKey, compress: false }), metrics: createMetrics(), logger })
  const make = (secret: string, team: number, line: number): Finding => {
    const fp = fingerprinter.of(secret)
    const stream = `k8s/team-${team}/api-${line % 5}/app`
    return {
      v: '1',
      type: 'finding',
      id: stableId(fp, stream, line),
      fingerprint: fp,
      rule: 'github-pat-classic',
      title: 'GitHub personal access token (classic)',
      kind: 'pattern',
      severity: 'high',
      confidence: 'high',
      stream,
      source: { type: 'k8s', namespace: `team-${team}`, pod: `api-${line % 5}`, container: 'app', workload: 'Deployment/api' },
      location: { line, column: 1, endLine: line, endColumn: 41 },
      preview: mask(secret),
      context: `token=${mask(secret)}`,
      detectedAt: new Date().toISOString()
    }
  }
  const send = (fs: Finding[]) => publish(fs.map((f) => ({ topic: TOPICS.findings, key: f.fingerprint, value: f })))
  let app: App | undefined
  try {
    app = await startApp('responder', config, { logger })
    const store = app.incidents
    const count = async (): Promise<number> => (await store.list({ limit: 100_000 })).length
    const waitCount = async (n: number, timeoutMs: number): Promise<void> => {
      const deadline = Date.now() + timeoutMs
      while ((await count()) < n) {
        if (Date.now() > deadline) throw new Error(`only ${await count()} of ${n} incidents after ${timeoutMs} ms`)
        await new Promise((r) => setTimeout(r, 100))
      }
    }
    // Warm-up: topic metadata, consumer group join, Lua scripts loaded.
    await send([make(gen.githubToken('ghp_'), 0, 1)])
    await waitCount(1, 60_000)

    // 1. throughput
    log(`responder: throughput, ${opts.incidents} new incidents in one burst`)
    const started = performance.now()
    const burst: Finding[] = []
    for (let n = 0; n < opts.incidents; n++) burst.push(make(gen.githubToken('ghp_'), n % opts.channels, n + 2))
    for (let i = 0; i < burst.length; i += 500) await send(burst.slice(i, i + 500))
    await waitCount(opts.incidents + 1, 300_000)
    const seconds = (performance.now() - started) / 1000
    const throughput = { incidents: opts.incidents, seconds: Math.round(seconds * 100) / 100, incidentsPerSecond: Math.round(opts.incidents / seconds) }
    log(`responder: ${throughput.incidentsPerSecond} incidents/s (${opts.incidents} in ${throughput.seconds} s)`)
    // Let the Slack backlog of the burst drain before measuring latency.
    const drainDeadline = Date.now() + 600_000
    while (slack.messages.length < opts.incidents + 1 && Date.now() < drainDeadline) await new Promise((r) => setTimeout(r, 250))

    // 2. latency under a steady load
    log(`responder: latency, ${opts.ratePerSecond} new incidents/s (+3 repeat occurrences each) for ${opts.seconds} s over ${opts.channels} channels`)
    const producedAt = new Map<string, number>()
    const before = slack.messages.length
    const total = opts.ratePerSecond * opts.seconds
    const tickMs = 100
    const perTick = opts.ratePerSecond / (1000 / tickMs)
    const t0 = performance.now()
    let made = 0
    const recent: string[] = []
    while (made < total) {
      const due = Math.min(total, Math.floor(((performance.now() - t0) / tickMs + 1) * perTick))
      const batch: Finding[] = []
      for (; made < due; made++) {
        const secret = gen.githubToken('ghp_')
        recent.push(secret)
        batch.push(make(secret, made % opts.channels, 1))
      }
      // Repeat occurrences of recent secrets: the updates a noisy pod causes, on top of the new incidents.
      for (const s of recent.splice(0, recent.length).slice(-Math.ceil(perTick))) for (let r = 2; r <= 4; r++) batch.push(make(s, 0, r))
      if (batch.length > 0) {
        await send(batch)
        const ack = Date.now()
        for (const f of batch) if (!producedAt.has(f.fingerprint)) producedAt.set(f.fingerprint, ack)
      }
      await new Promise((r) => setTimeout(r, Math.max(0, t0 + (made / perTick) * tickMs - performance.now())))
    }
    const deadline = Date.now() + 300_000
    while (slack.messages.length < before + total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
    const latencies: number[] = []
    for (const m of slack.messages.slice(before)) {
      const fp = await findFingerprint(store, m.channel, m.ts)
      const at = fp === undefined ? undefined : producedAt.get(fp)
      if (at !== undefined) latencies.push(m.receivedAt - at)
    }
    latencies.sort((a, b) => a - b)
    const latency = {
      incidents: total,
      ratePerSecond: opts.ratePerSecond,
      channels: opts.channels,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      maxMs: latencies.at(-1) ?? Number.NaN,
      slackMessages: slack.messages.length - before
    }
    log(`responder: finding on Kafka → Slack message p50 ${latency.p50Ms} ms, p99 ${latency.p99Ms} ms, max ${latency.maxMs} ms (${latencies.length} incidents)`)
    return { throughput, latency }
  } finally {
    await app?.stop()
    await bus.close()
    await slack.close()
  }
}

/** The incident a Slack message belongs to: the store remembers each incident's channel and ts. */
const byMessage = new Map<string, string>()
async function findFingerprint(store: App['incidents'], channel: string, ts: string): Promise<string | undefined> {
  if (byMessage.size === 0)
    for (const i of await store.list({ limit: 100_000 })) if (i.slack !== undefined) byMessage.set(`${i.slack.channel}/${i.slack.ts}`, i.fingerprint)
  return byMessage.get(`${channel}/${ts}`)
}

export const benchmark: Benchmark = {
  name: 'responder',
  description: 'responder on Kafka, Redis and BullMQ: incidents/s, and finding-on-Kafka → Slack message latency p50/p99 under a steady load',
  options: {
    'responder-incidents': { type: 'string', default: '2000' },
    'responder-rate': { type: 'string', default: '40' },
    'responder-seconds': { type: 'string', default: '15' },
    'responder-channels': { type: 'string', default: '64' }
  },
  async run(ctx: BenchContext) {
    const r = await runResponderBench({
      incidents: Number(ctx.flags['responder-incidents']),
      ratePerSecond: Number(ctx.flags['responder-rate']),
      seconds: Number(ctx.flags['responder-seconds']),
      channels: Number(ctx.flags['responder-channels']),
      log: ctx.log
    })
    process.stdout.write(`${JSON.stringify({ benchmark: 'responder', command: ctx.command, ...r }, null, 2)}\n`)
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      incidents: { type: 'string', default: '2000' },
      rate: { type: 'string', default: '40' },
      seconds: { type: 'string', default: '15' },
      channels: { type: 'string', default: '64' }
    }
  })
  const r = await runResponderBench({
    incidents: Number(values.incidents),
    ratePerSecond: Number(values.rate),
    seconds: Number(values.seconds),
    channels: Number(values.channels)
  })
  process.stdout.write(`${JSON.stringify(r, null, 2)}\n`)
  process.exit(0)
}
