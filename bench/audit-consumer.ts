// The detector side of the audit stream, whole: records on the real Kafka,
// sealed (deflate + AES-256-GCM) as the webhook writes them, consumed by one
// detector process — kafkajs fetch, unsealing, JSON.parse, the record
// schema, the detector stage and the access detector with its state in the
// real Redis — until every record is processed and the state saved.
// bench/access.ts measures the access detector alone (events handed to it
// in memory); this is what `run detector` pays per event.
//
// The events are bench/access.ts's seeded day of a 2,000-principal cluster,
// produced before the clock starts in batches of 400 (the API server's
// webhook batch) in one of three record shapes: v1, one event a record (the
// collectors with `maxEventsPerRecord` 1), v2, a principal's events of a batch
// in one record (the collectors before records were grouped by partition), or
// partition, the events of a batch whose principals' keys go to one partition
// in one record (the collectors now; `maxEventsPerRecord` 100, the topic's 6
// partitions). `--consumer-scan`
// runs the secret rules over every event too (the detector role does both);
// without it the stage runs the access detector only. `--no-access` runs no
// detector at all (the events are counted and dropped): what fetching,
// unsealing, parsing and checking the records cost by themselves, the floor
// under the other two.
//
//   npm run bench -- --only audit-consumer [--consumer-events 200000] [--consumer-shapes v1,v2,partition] [--consumer-scan] [--repeat 3]
//   node bench/audit-consumer.ts [--events 200000] [--shapes v1,v2,partition] [--scan] [--no-access] [--repeat 3] [--profile consumer.cpuprofile]

import { randomBytes } from 'node:crypto'
import { availableParallelism, loadavg } from 'node:os'
import { PerformanceObserver } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { Redis } from 'ioredis'
import { kafkaBusOptions } from '../app/roles.ts'
import { auditRecords, partitionOfAudit } from '../collectors/audit/records.ts'
import { loadConfig } from '../config/load.ts'
import { accessConfigSchema } from '../detectors/access/config.ts'
import { createAccessStage } from '../detectors/access/stage.ts'
import { createDetectorStage } from '../detectors/detector-stage.ts'
import { BUILTIN_RULES } from '../detectors/rules/registry.ts'
import { createSecretDetector } from '../detectors/secrets.ts'
import type { AuditEvent } from '../pipeline/audit-decode.ts'
import { createKafkaBus } from '../pipeline/bus-kafka.ts'
import { createCodec } from '../pipeline/codec.ts'
import { TOPICS } from '../pipeline/events.ts'
import { createFingerprinter } from '../pipeline/fingerprint.ts'
import { silentLogger } from '../pipeline/log.ts'
import { createMetrics } from '../pipeline/metrics.ts'
import { createPublisher, runStage } from '../pipeline/runner.ts'
import { parse } from '../pipeline/schema.ts'
import { getServices } from '../test/harness/services.ts'
import { accessStream, redisCpu } from './access.ts'
import { median } from './measure.ts'
import { startProfile } from './profile.ts'
import type { BenchContext, Benchmark } from './run.ts'

const DAY = 86_400_000
const WEBHOOK_BATCH = 400

export type RecordShape = 'v1' | 'v2' | 'partition'

export interface ConsumerBenchOptions {
  events: number
  principals: number
  seed: number
  repeat: number
  shapes: RecordShape[]
  /** Run the secret rules over every event as well (the detector role), not only the access detector. */
  scan: boolean
  /** Run no access detector (and, without `scan`, no detector at all): the transport's own cost. */
  noAccess?: boolean
  /** Write a V8 CPU profile of the consumer phase (the clock's span, not the producing) to this file; the last pass's is kept. */
  profile?: string
  /** The codec's `compressMinBytes`: smaller records are sealed without deflating (and so opened without inflating). */
  compressMinBytes?: number
  log?: (line: string) => void
}

interface Pass {
  shape: RecordShape
  records: number
  kafkaBytes: number
  wallSeconds: number
  cpuSeconds: number
  redisCpuSeconds: number
  /** Main-thread garbage-collection pauses while consuming (perf_hooks 'gc' entries; the helper threads' share is in cpuSeconds only). */
  gcMs: number
  findings: number
}

async function pass(shape: RecordShape, stream: () => AuditEvent[], learnUntilMs: number, opts: ConsumerBenchOptions, redis: Redis): Promise<Pass> {
  const services = await getServices()
  const id = randomBytes(4).toString('hex')
  const config = loadConfig({
    env: {},
    overrides: {
      'kafka.brokers': services.kafkaBrokers,
      'kafka.topicPrefix': `benchc${id}.`,
      'kafka.payloadKey': randomBytes(32).toString('hex')
    }
  })
  const logger = silentLogger()
  const codec = createCodec({
    payloadKey: config.kafka.payloadKey,
    compress: config.kafka.compress,
    compressMinBytes: opts.compressMinBytes ?? config.kafka.compressMinBytes
  })
  // Producing is not measured: the records are on the broker before the consumer starts.
  const producerBus = await createKafkaBus(kafkaBusOptions(config, 'bench-audit-producer', logger), logger)
  const publish = createPublisher({ bus: producerBus, codec, metrics: createMetrics(), logger })
  let records = 0
  let kafkaBytes = 0
  const receivedAt = new Date().toISOString()
  // The events exist only while they are produced: a detector process holds no day of parsed events, and the
  // benchmark's 50,000-200,000 of them, live through the consumer phase, were marked again by every full GC of it.
  const produced = await (async () => {
    const events = stream()
    const byPartition = shape === 'partition' ? partitionOfAudit(publish) : undefined
    for (let i = 0; i < events.length; i += WEBHOOK_BATCH) {
      const batch = auditRecords(events.slice(i, i + WEBHOOK_BATCH), 'bench', receivedAt, shape === 'v1' ? 1 : 100, byPartition)
      const encoded = publish.encode?.(batch) ?? batch
      records += encoded.length
      for (const r of encoded) kafkaBytes += r.encoded?.length ?? 0
      await publish(encoded)
    }
    return events.length
  })()
  await producerBus.close()

  const bus = await createKafkaBus(kafkaBusOptions(config, 'bench-audit-consumer', logger), logger)
  const metrics = createMetrics()
  const fingerprinter = createFingerprinter(randomBytes(32).toString('hex'))
  const access = createAccessStage(parse(accessConfigSchema, { enabled: true }, 'LW_ERR_CONFIG_INVALID', 'access'), {
    fingerprinter,
    logger,
    maxContextChars: 240,
    // Its own client: stopping the stage quits it.
    redis: { client: new Redis(services.redisUrl), keyPrefix: `lw-bench-consumer-${id}` },
    learnUntilMs,
    metrics
  })
  const detectors = opts.scan ? [createSecretDetector({ rules: BUILTIN_RULES, fingerprinter, maxContextChars: 240 })] : []
  let findings = 0
  let seen = 0
  const audit = async (envs: Parameters<typeof access.audit>[0]) => {
    const found = opts.noAccess === true ? [] : await access.audit(envs)
    findings += found.length
    seen += envs.length
    return found
  }
  const stage = createDetectorStage({ groupId: `bench-consumer-${id}` }, { detectors, metrics, audit: [audit] })
  let gcMs = 0
  const gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcMs += e.duration
  })
  gc.observe({ entryTypes: ['gc'] })
  const r0 = await redisCpu(redis)
  const profiler = opts.profile === undefined ? undefined : await startProfile()
  const c0 = process.cpuUsage()
  const consumer = await runStage(stage, { bus, codec, metrics, logger }, { fromBeginning: true })
  // The clock starts with the first record (the group join is not the detector's work); CPU counts it, it is small.
  while (metrics.recordsIn.get({ topic: TOPICS.audit }) === 0) await new Promise((r) => setTimeout(r, 5))
  const t0 = performance.now()
  while (seen < produced) await new Promise((r) => setTimeout(r, 5))
  // The access detector saves changed states once a second; the last save is part of the work.
  await access.stop().catch(() => {})
  const wallSeconds = (performance.now() - t0) / 1000
  const c = process.cpuUsage(c0)
  if (profiler !== undefined && opts.profile !== undefined) await profiler.stop(opts.profile)
  // Entries are delivered asynchronously: the ones of the window are taken before the observer stops.
  await new Promise((r) => setImmediate(r))
  for (const e of gc.takeRecords()) gcMs += e.duration
  gc.disconnect()
  const r1 = await redisCpu(redis)
  await consumer.stop()
  await bus.close()
  const keys = await redis.keys(`lw-bench-consumer-${id}*`)
  for (let i = 0; i < keys.length; i += 1000) await redis.del(...keys.slice(i, i + 1000))
  return { shape, records, kafkaBytes, wallSeconds, cpuSeconds: (c.user + c.system) / 1e6, redisCpuSeconds: r1 - r0, gcMs, findings }
}

export async function runAuditConsumerBench(opts: ConsumerBenchOptions) {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`))
  const from = Date.parse('2026-11-02T00:00:00Z')
  // Seeded: every pass produces the same events, made again for it.
  const stream = () => accessStream({ events: opts.events, principals: opts.principals, seed: opts.seed, from }) as AuditEvent[]
  const { count, meanEventBytes } = (() => {
    const events = stream()
    return { count: events.length, meanEventBytes: Math.round(events.reduce((n, e) => n + JSON.stringify(e).length, 0) / events.length) }
  })()
  const events = { length: count }
  const services = await getServices()
  const redis = new Redis(services.redisUrl)
  const runs: Pass[] = []
  try {
    for (let r = 0; r < opts.repeat; r++)
      for (const shape of opts.shapes) {
        const p = await pass(shape, stream, from + DAY / 2, opts, redis)
        runs.push(p)
        log(
          `audit-consumer: run ${r + 1}/${opts.repeat} ${shape}: ${p.records} records, ${Math.round(events.length / p.cpuSeconds)} events/CPU-s, ${Math.round(events.length / p.wallSeconds)} events/s wall, ${Math.round(p.gcMs)} ms GC, ${p.findings} access findings`
        )
      }
  } finally {
    redis.disconnect()
  }
  return {
    events: events.length,
    principals: opts.principals,
    meanEventBytes,
    scan: opts.scan,
    access: opts.noAccess !== true,
    compressMinBytes: opts.compressMinBytes ?? 'default',
    repeat: opts.repeat,
    loadAverage: loadavg().map((l) => Math.round(l * 10) / 10),
    cores: availableParallelism(),
    shapes: opts.shapes.map((shape) => {
      const xs = runs.filter((p) => p.shape === shape)
      return {
        shape,
        eventsPerRecord: Math.round((events.length / (xs[0]?.records ?? 1)) * 100) / 100,
        kafkaBytesPerEvent: Math.round((xs[0]?.kafkaBytes ?? 0) / events.length),
        eventsPerCpuSecond: Math.round(median(xs.map((x) => events.length / x.cpuSeconds))),
        eventsPerCpuSecondWithRedis: Math.round(median(xs.map((x) => events.length / (x.cpuSeconds + x.redisCpuSeconds)))),
        eventsPerSecondWall: Math.round(median(xs.map((x) => events.length / x.wallSeconds))),
        cpuUsPerEvent: Math.round(median(xs.map((x) => (x.cpuSeconds * 1e6) / events.length)) * 10) / 10,
        gcMs: Math.round(median(xs.map((x) => x.gcMs))),
        runs: xs.map((x) => Math.round(events.length / x.cpuSeconds))
      }
    })
  }
}

const shapesOf = (s: string): RecordShape[] => s.split(',').filter((x): x is RecordShape => x === 'v1' || x === 'v2' || x === 'partition')

export const benchmark: Benchmark = {
  name: 'audit-consumer',
  description:
    'The detector role on the audit topic, whole: Kafka, unsealing, schema, access detector with Redis (and the secret rules with --consumer-scan), per record shape',
  options: {
    'consumer-events': { type: 'string', default: '200000' },
    'consumer-shapes': { type: 'string', default: 'v1,v2,partition' },
    'consumer-scan': { type: 'boolean', default: false },
    'consumer-compress-min-bytes': { type: 'string' }
  },
  async run(ctx: BenchContext) {
    const r = await runAuditConsumerBench({
      events: Number(ctx.flags['consumer-events']),
      principals: 2000,
      seed: Number(ctx.flags.seed),
      repeat: Number(ctx.flags.repeat),
      shapes: shapesOf(String(ctx.flags['consumer-shapes'])),
      scan: ctx.flags['consumer-scan'] === true,
      ...(ctx.flags['consumer-compress-min-bytes'] === undefined ? {} : { compressMinBytes: Number(ctx.flags['consumer-compress-min-bytes']) }),
      log: ctx.log
    })
    process.stdout.write(`${JSON.stringify({ benchmark: 'audit-consumer', command: ctx.command, ...r }, null, 2)}\n`)
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      events: { type: 'string', default: '200000' },
      shapes: { type: 'string', default: 'v1,v2,partition' },
      profile: { type: 'string' },
      scan: { type: 'boolean', default: false },
      'no-access': { type: 'boolean', default: false },
      'compress-min-bytes': { type: 'string' },
      seed: { type: 'string', default: '20250601' },
      repeat: { type: 'string', default: '3' }
    }
  })
  const r = await runAuditConsumerBench({
    events: Number(values.events),
    principals: 2000,
    seed: Number(values.seed),
    repeat: Number(values.repeat),
    shapes: shapesOf(values.shapes),
    scan: values.scan,
    noAccess: values['no-access'],
    ...(values.profile === undefined ? {} : { profile: values.profile }),
    ...(values['compress-min-bytes'] === undefined ? {} : { compressMinBytes: Number(values['compress-min-bytes']) })
  })
  process.stdout.write(`${JSON.stringify(r, null, 2)}\n`)
  process.exit(0)
}
