// Audit webhook answer time under load, on the real Kafka (the test harness
// starts it, or KAFKA_BROKERS points at a running one): EventList bodies of
// 400 events (the API server's default --audit-webhook-batch-max-size) made of
// the real kube-apiserver events of test/fixtures/audit (RequestResponse level,
// so larger than a typical Metadata event), each with a fresh auditID, POSTed
// over HTTPS with a client certificate, `concurrency` at a time (the API
// server's batch backend sends up to --audit-webhook-batch-throttle-burst
// batches at once). The answer time is from the request's start to the end of
// its 200: decoding, filtering, producing all 400 events to Kafka and waiting
// for its acknowledgement.
//
//   npm run bench -- --only audit-webhook [--audit-batches 200] [--audit-concurrency 1] [--audit-level request-response|metadata]
//   node bench/audit-webhook.ts [--batches 200] [--concurrency 1] [--warmup 10] [--level request-response|metadata]

import { randomBytes, randomUUID } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { Agent, request } from 'node:https'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { kafkaBusOptions } from '../app/roles.ts'
import { auditWebhookConfigSchema } from '../collectors/audit/webhook.config.ts'
import { createAuditWebhook } from '../collectors/audit/webhook.ts'
import { loadConfig } from '../config/load.ts'
import { createKafkaBus } from '../pipeline/bus-kafka.ts'
import { createCodec } from '../pipeline/codec.ts'
import { silentLogger } from '../pipeline/log.ts'
import { createMetrics } from '../pipeline/metrics.ts'
import { createPublisher } from '../pipeline/runner.ts'
import { parse } from '../pipeline/schema.ts'
import { createPki } from '../test/harness/pki.ts'
import { getServices } from '../test/harness/services.ts'
import type { BenchContext, Benchmark } from './run.ts'

export interface AuditWebhookBenchOptions {
  /** `request-response`: the fixture events as captured (bodies included); `metadata`: without request/response objects. */
  level: 'request-response' | 'metadata'
  batches: number
  concurrency: number
  warmup: number
  log?: (line: string) => void
}

export interface AuditWebhookBenchResult {
  level: string
  batches: number
  eventsPerBatch: number
  meanBodyBytes: number
  concurrency: number
  p50Ms: number
  p99Ms: number
  maxMs: number
  eventsPerSecond: number
  /** Of the answer time: Kafka's produce and acknowledgement (the events are sealed before, as in `run collector`). */
  produceP50Ms: number
  produceP99Ms: number
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN
}

export interface BenchWebhook {
  port: number
  caFile: string
  clientCertFile: string
  clientKeyFile: string
  /** Time of each acknowledged publish (Kafka produce and ack; sealed before, by fitRecords), in order. */
  produceMs: number[]
  /** Bytes of the sealed records produced (what Kafka stores, before its own framing). */
  producedBytes: () => number
  metrics: ReturnType<typeof createMetrics>
  stop: () => Promise<void>
}

/**
 * The webhook as `run collector` builds it: HTTPS, client certificates required (the API server's), the real
 * Kafka producer behind it with sealing on, acks=all. Shared by the answer-time benches.
 */
export async function startBenchWebhook(
  opts: { partitions?: number; compress?: boolean; eventsPerRecord?: number; compressMinBytes?: number } = {}
): Promise<BenchWebhook> {
  const services = await getServices()
  const dir = mkdtempSync(join(tmpdir(), 'lw-bench-audit-'))
  const pki = createPki(dir)
  const server = pki.issue('leakwatch-audit', { ips: ['127.0.0.1'] })
  const client = pki.issue('kube-apiserver-audit', { client: true })
  const id = randomBytes(4).toString('hex')
  const config = loadConfig({
    env: {},
    overrides: {
      'kafka.brokers': services.kafkaBrokers,
      'kafka.topicPrefix': `bench${id}.`,
      'kafka.partitions': opts.partitions ?? 6,
      'kafka.payloadKey': randomBytes(32).toString('hex'),
      ...(opts.compress === undefined ? {} : { 'kafka.compress': opts.compress })
    }
  })
  const logger = silentLogger()
  const bus = await createKafkaBus(kafkaBusOptions(config, 'bench-audit-webhook', logger), logger)
  const metrics = createMetrics()
  const kafka = createPublisher({
    bus,
    codec: createCodec({
      payloadKey: config.kafka.payloadKey,
      compress: config.kafka.compress,
      compressMinBytes: opts.compressMinBytes ?? config.kafka.compressMinBytes
    }),
    metrics,
    logger
  })
  // The part of each answer spent sealing and producing (the rest is TLS, reading, decoding and filtering).
  const produceMs: number[] = []
  let bytes = 0
  const publish = Object.assign(
    async (records: Parameters<typeof kafka>[0]): Promise<void> => {
      const t = performance.now()
      await kafka(records)
      produceMs.push(performance.now() - t)
      for (const r of records) bytes += r.encoded?.length ?? 0
    },
    kafka.encode === undefined ? {} : { encode: kafka.encode },
    kafka.partitionOf === undefined ? {} : { partitionOf: kafka.partitionOf }
  )
  const hook = createAuditWebhook(
    parse(
      auditWebhookConfigSchema,
      {
        enabled: true,
        host: '127.0.0.1',
        port: 0,
        certFile: server.certFile,
        keyFile: server.keyFile,
        clientCaFile: pki.caFile,
        allowedClientNames: ['kube-apiserver-audit'],
        ...(opts.eventsPerRecord === undefined ? {} : { maxEventsPerRecord: opts.eventsPerRecord })
      },
      'LW_ERR_CONFIG_INVALID',
      'bench'
    ),
    { cluster: 'bench', publish, logger, metrics }
  )
  const ac = new AbortController()
  const running = hook.start(ac.signal)
  const port = await hook.listening()
  return {
    port,
    caFile: pki.caFile,
    clientCertFile: client.certFile,
    clientKeyFile: client.keyFile,
    produceMs,
    producedBytes: () => bytes,
    metrics,
    async stop() {
      ac.abort()
      await hook.close()
      await running
      await bus.close()
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

/** The real API server's events of test/fixtures/audit, as captured or at the Metadata level (no request/response objects). */
export function fixtureEvents(level: 'request-response' | 'metadata'): Array<Record<string, unknown>> {
  return readFileSync(join(import.meta.dirname, '..', 'test', 'fixtures', 'audit', 'kubernetes-rotation.log.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .map((e) => {
      if (level === 'request-response') return e
      const { requestObject: _q, responseObject: _r, ...rest } = e
      return { ...rest, level: 'Metadata' }
    })
}

export async function runAuditWebhookBench(opts: AuditWebhookBenchOptions): Promise<AuditWebhookBenchResult> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`))
  const hook = await startBenchWebhook()
  const { port, produceMs } = hook
  const events = fixtureEvents(opts.level)
  const body = (): string =>
    JSON.stringify({
      kind: 'EventList',
      apiVersion: 'audit.k8s.io/v1',
      metadata: {},
      items: Array.from({ length: 400 }, (_, i) => ({ ...events[i % events.length], auditID: randomUUID() }))
    })
  const agent = new Agent({ keepAlive: true, ca: readFileSync(hook.caFile), cert: readFileSync(hook.clientCertFile), key: readFileSync(hook.clientKeyFile) })
  const post = (text: string): Promise<number> =>
    new Promise((resolve, reject) => {
      const t0 = performance.now()
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: '/audit',
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }
        },
        (res) => {
          res.resume()
          res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - t0) : reject(new Error(`answered ${res.statusCode}`))))
        }
      )
      req.on('error', reject)
      req.end(text)
    })

  // Bodies are made ahead, so the client's JSON.stringify is not in the measured time.
  const total = opts.warmup + opts.batches
  const bodies = Array.from({ length: total }, body)
  const meanBodyBytes = Math.round(bodies.reduce((n, b) => n + Buffer.byteLength(b), 0) / bodies.length)
  log(`audit-webhook: ${total} bodies of 400 events, mean ${Math.round(meanBodyBytes / 1024)} KiB; ${opts.warmup} warm-up, concurrency ${opts.concurrency}`)
  const times: number[] = []
  let next = 0
  const t0 = performance.now()
  let measuredFrom = t0
  await Promise.all(
    Array.from({ length: opts.concurrency }, async () => {
      for (;;) {
        const i = next++
        if (i >= total) return
        if (i === opts.warmup) measuredFrom = performance.now()
        const ms = await post(bodies[i] as string)
        if (i >= opts.warmup) times.push(ms)
      }
    })
  )
  const wall = (performance.now() - measuredFrom) / 1000
  agent.destroy()
  await hook.stop()
  times.sort((a, b) => a - b)
  const produced = produceMs.slice(opts.warmup).sort((a, b) => a - b)
  return {
    produceP50Ms: Math.round(percentile(produced, 50) * 10) / 10,
    produceP99Ms: Math.round(percentile(produced, 99) * 10) / 10,
    level: opts.level,
    batches: times.length,
    eventsPerBatch: 400,
    meanBodyBytes,
    concurrency: opts.concurrency,
    p50Ms: Math.round(percentile(times, 50) * 10) / 10,
    p99Ms: Math.round(percentile(times, 99) * 10) / 10,
    maxMs: Math.round((times.at(-1) ?? Number.NaN) * 10) / 10,
    eventsPerSecond: Math.round((times.length * 400) / wall)
  }
}

function report(r: AuditWebhookBenchResult): string {
  return [
    `audit webhook, ${r.batches} batches × ${r.eventsPerBatch} ${r.level} events (mean body ${Math.round(r.meanBodyBytes / 1024)} KiB), concurrency ${r.concurrency}:`,
    `  answer time p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, max ${r.maxMs} ms; ${r.eventsPerSecond} events/s produced and acknowledged`,
    `  of which Kafka produce/ack: p50 ${r.produceP50Ms} ms, p99 ${r.produceP99Ms} ms`,
    `  load average at the end: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(', ')} (${availableParallelism()} cores)`
  ].join('\n')
}

export const benchmark: Benchmark = {
  name: 'audit-webhook',
  description: 'Audit webhook answer time p50/p99 for batches of 400 real API server events, produced to the real Kafka.',
  options: { 'audit-batches': { type: 'string' }, 'audit-concurrency': { type: 'string' }, 'audit-level': { type: 'string' } },
  async run(ctx: BenchContext) {
    const r = await runAuditWebhookBench({
      level: ctx.flags['audit-level'] === 'metadata' ? 'metadata' : 'request-response',
      batches: Number(ctx.flags['audit-batches'] ?? 200),
      concurrency: Number(ctx.flags['audit-concurrency'] ?? 1),
      warmup: 10,
      log: ctx.log
    })
    ctx.log(report(r))
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: { batches: { type: 'string' }, concurrency: { type: 'string' }, warmup: { type: 'string' }, level: { type: 'string' } }
  })
  const r = await runAuditWebhookBench({
    level: values.level === 'metadata' ? 'metadata' : 'request-response',
    batches: Number(values.batches ?? 200),
    concurrency: Number(values.concurrency ?? 1),
    warmup: Number(values.warmup ?? 10)
  })
  process.stdout.write(`${report(r)}\n`)
  process.exit(0)
}
