// The audit webhook at a sustained rate, as a busy API server drives it: a
// separate load-generator process POSTs EventList batches of 400 events (the
// API server's default --audit-webhook-batch-max-size) over HTTPS with the
// API server's client certificate, open loop — a batch is sent when it is due,
// whether or not the earlier ones were answered, as the API server's batch
// backend sends each batch from its own goroutine — to the webhook in this
// process, which produces every event to the real Kafka (sealed, acks=all)
// before it answers. Every event has its own auditID (the dedup would
// otherwise drop it) and one of 400 service-account principals (the
// partition key).
//
// For each offered rate: the answer time (p50/p99/max, from the request's
// first byte to the end of its 200, retries included), the rate achieved, the
// most batches in flight, and whether it kept up (achieved ≥ 95% of offered
// and every batch answered 200). The generator treats an answer as the API
// server's webhook client does: a 429, a 500, a 5xx with Retry-After or a
// reset connection is retried after --audit-webhook-initial-backoff (1 s here)
// ×1.5, five attempts in all; anything else, or 30 s without an answer, loses
// the batch. The webhook process's CPU per event is the number that
// carries over to a dedicated core; on a shared machine the wall-clock rate
// also pays for the generator, the Kafka broker and the neighbours.
//
// Note: the API server sends at most --audit-webhook-batch-throttle-qps
// batches per second (default 10, burst 15): 4,000 events/s at 400 a batch.
// 50,000 events/s needs that flag at 125 or more.
//
//   npm run bench -- --only audit-webhook-load [--load-rates 10000,20000,50000] [--load-seconds 15] [--repeat 3] [--load-profile] [--load-no-compress]
//   node bench/audit-webhook-load.ts [--rates 10000,50000] [--seconds 15] [--repeat 3] [--level metadata|request-response] [--profile] [--no-compress]

import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { Agent, request } from 'node:https'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { TOPICS } from '../pipeline/events.ts'
import { simulateAudit } from './audit-sim.ts'
import { fixtureEvents, startBenchWebhook } from './audit-webhook.ts'
import { median } from './measure.ts'
import { startProfile, summarizeProfile } from './profile.ts'
import type { BenchContext, Benchmark } from './run.ts'

const BATCH = 400
/**
 * The generator's cap on concurrent requests. The API server has none (one goroutine per batch, each given up
 * after 30 s); past the cap a batch waits, and what has not been sent when the run ends is counted unsent.
 */
const MAX_IN_FLIGHT = 64
/** The API server's webhook request timeout (k8s.io/apiserver/pkg/util/webhook: defaultRequestTimeout). */
const API_SERVER_TIMEOUT_MS = 30_000

interface GeneratorConfig {
  port: number
  caFile: string
  certFile: string
  keyFile: string
  rate: number
  seconds: number
  warmupSeconds: number
  level: 'metadata' | 'request-response'
  run: string
  /** --audit-webhook-initial-backoff of the emulated API server. */
  initialBackoffMs: number
  /**
   * Who sent the events: `distinct`, 400 service accounts, one per position in the batch (no two events of a
   * batch share a principal: the webhook's worst case, a record per event); `sim`, 400-event windows of the
   * audit simulator's 2,000-principal cluster (bench/audit-sim.ts: 219-274 principals per 400 events, p10-p90).
   */
  principals: Principals
}

export type Principals = 'distinct' | 'sim'

/** Consecutive 400-event windows of the simulated cluster's stream: the usernames (with groups) of each. */
function simWindows(windows: number): Array<Array<{ username: string; groups: string[] }>> {
  const sim = simulateAudit({ seed: 20261206, principals: 2000, days: 1, learnDays: 0, attacks: false })
  const out: Array<Array<{ username: string; groups: string[] }>> = []
  let cur: Array<{ username: string; groups: string[] }> = []
  let skip = 20_000
  for (const e of sim.events()) {
    // Past the first hours: the stream starts at midnight, quieter than the rest of the day.
    if (skip-- > 0) continue
    cur.push({ username: e.user.username ?? 'system:unknown', groups: e.user.groups ?? ['system:authenticated'] })
    if (cur.length < BATCH) continue
    out.push(cur)
    cur = []
    if (out.length === windows) break
  }
  return out
}

export interface LoadResult {
  offeredPerSecond: number
  achievedPerSecond: number
  batches: number
  failed: number
  p50Ms: number
  p99Ms: number
  maxMs: number
  maxInFlight: number
  /** Longest a due batch waited for a free slot (the cap) or for the generator's own loop. */
  maxLateMs: number
  /** Batches never sent: every slot was still taken when the run ended. */
  unsent: number
  /** Batches that needed more than one attempt (answered 429/503, or reset) before their 200 or the last attempt. */
  retried: number
  keptUp: boolean
  /** The first answer that was not 200, or the first connection error. */
  firstError?: string
  meanBodyBytes: number
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN
}

const round = (x: number): number => Math.round(x * 10) / 10

/** The generator process: builds each body from pre-serialised event parts, so its own CPU per batch is a string join. */
async function generate(cfg: GeneratorConfig): Promise<LoadResult> {
  const base = fixtureEvents(cfg.level)
  const users =
    cfg.principals === 'sim'
      ? simWindows(16)
      : [
          Array.from({ length: BATCH }, (_, i) => {
            const ns = `team-${i % 50}`
            return {
              username: `system:serviceaccount:${ns}:app-${i}`,
              groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated']
            }
          })
        ]
  // Per window of principals, one template per position in the batch: [text before the auditID, text after it].
  const windows = users.map((window) =>
    window.map((user, i) => {
      const e = structuredClone(base[i % base.length]) as Record<string, unknown> & { user: Record<string, unknown> }
      e.user = { ...e.user, ...user }
      e.auditID = '@AUDIT-ID@'
      const [pre, post] = JSON.stringify(e).split('@AUDIT-ID@') as [string, string]
      return { pre, post }
    })
  )
  const head = '{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":['
  const body = (n: number): string => {
    const parts: string[] = [head]
    const hi = n.toString(16).padStart(8, '0')
    const templates = windows[n % windows.length] ?? []
    for (let i = 0; i < BATCH; i++) {
      const t = templates[i] as { pre: string; post: string }
      parts.push(
        i === 0 ? '' : ',',
        t.pre,
        `${cfg.run}-${hi.slice(0, 4)}-4${hi.slice(4, 7)}-a${i.toString(16).padStart(3, '0')}-${hi}${cfg.run.slice(0, 4)}`,
        t.post
      )
    }
    parts.push(']}')
    return parts.join('')
  }
  const agent = new Agent({
    keepAlive: true,
    maxSockets: MAX_IN_FLIGHT,
    ca: readFileSync(cfg.caFile),
    cert: readFileSync(cfg.certFile),
    key: readFileSync(cfg.keyFile)
  })
  let firstError: string | undefined
  const post = (text: string): Promise<{ ms: number; status: number; reset: boolean; retryAfter: boolean }> =>
    new Promise((resolve) => {
      const t0 = performance.now()
      const req = request(
        {
          host: '127.0.0.1',
          port: cfg.port,
          path: '/audit',
          method: 'POST',
          agent,
          timeout: API_SERVER_TIMEOUT_MS,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }
        },
        (res) => {
          let answer = ''
          res.on('data', (c: Buffer) => {
            if (answer.length < 500) answer += c.toString()
          })
          res.on('end', () => {
            if (res.statusCode !== 200) firstError ??= `${res.statusCode} ${answer.slice(0, 300)}`
            resolve({ ms: performance.now() - t0, status: res.statusCode ?? 0, reset: false, retryAfter: res.headers['retry-after'] !== undefined })
          })
        }
      )
      req.on('timeout', () => req.destroy(new Error('timed out')))
      req.on('error', (err) => {
        firstError ??= err.message
        resolve({ ms: performance.now() - t0, status: 0, reset: (err as NodeJS.ErrnoException).code === 'ECONNRESET', retryAfter: false })
      })
      req.end(text)
    })
  /**
   * What the API server's webhook client does with one batch (k8s.io/apiserver/pkg/util/webhook): up to five
   * attempts, the first wait --audit-webhook-initial-backoff, ×1.5 each; it retries a reset connection, a 429, a
   * 500, or a 5xx with Retry-After, and gives up on anything else (a timeout included).
   */
  const deliver = async (text: string): Promise<{ ms: number; status: number; attempts: number }> => {
    const t0 = performance.now()
    let wait = cfg.initialBackoffMs
    for (let attempt = 1; ; attempt++) {
      const r = await post(text)
      const retriable = r.reset || r.status === 429 || r.status === 500 || (r.status >= 500 && r.retryAfter)
      if (r.status === 200 || !retriable || attempt === 5) return { ms: performance.now() - t0, status: r.status, attempts: attempt }
      await new Promise((resolve) => setTimeout(resolve, wait * (1 + Math.random() * 0.2)))
      wait *= 1.5
    }
  }

  const intervalMs = (BATCH / cfg.rate) * 1000
  const total = Math.ceil(((cfg.warmupSeconds + cfg.seconds) * cfg.rate) / BATCH)
  const warm = Math.ceil((cfg.warmupSeconds * cfg.rate) / BATCH)
  const times: number[] = []
  let failed = 0
  let inFlight = 0
  let maxInFlight = 0
  let maxLateMs = 0
  let bytes = 0
  let answered = 0
  let retried = 0
  let measuredFrom = 0
  let lastAnswer = 0
  let freed: (() => void) | undefined
  const pending: Array<Promise<void>> = []
  const start = performance.now() + 50
  const deadline = start + total * intervalMs
  let unsent = 0
  for (let n = 0; n < total; n++) {
    const due = start + n * intervalMs
    const wait = due - performance.now()
    if (wait > 0) await new Promise((r) => setTimeout(r, wait))
    while (inFlight >= MAX_IN_FLIGHT && performance.now() < deadline) await new Promise<void>((r) => (freed = r))
    // Past the run's end with every slot taken: the rest is not offered (the API server's buffer would overflow and drop it).
    if (inFlight >= MAX_IN_FLIGHT) {
      unsent = total - n
      break
    }
    if (n === warm) measuredFrom = due
    maxLateMs = n >= warm ? Math.max(maxLateMs, performance.now() - due) : maxLateMs
    const text = body(n)
    if (n >= warm) bytes += text.length
    inFlight++
    maxInFlight = Math.max(maxInFlight, inFlight)
    pending.push(
      deliver(text).then(({ ms, status, attempts }) => {
        inFlight--
        if (n >= warm && attempts > 1) retried++
        freed?.()
        freed = undefined
        if (n < warm) return
        if (status !== 200) failed++
        else {
          times.push(ms)
          answered++
          lastAnswer = performance.now()
        }
      })
    )
  }
  await Promise.all(pending)
  agent.destroy()
  times.sort((a, b) => a - b)
  const measured = total - warm
  // Achieved: events answered 200 over the time from the first measured batch's due time to the last answer.
  const wallS = Math.max(cfg.seconds, (lastAnswer - measuredFrom) / 1000)
  const achieved = (answered * BATCH) / wallS
  return {
    offeredPerSecond: cfg.rate,
    achievedPerSecond: Math.round(achieved),
    batches: measured,
    failed,
    p50Ms: round(percentile(times, 50)),
    p99Ms: round(percentile(times, 99)),
    maxMs: round(times.at(-1) ?? Number.NaN),
    maxInFlight,
    maxLateMs: round(maxLateMs),
    unsent,
    retried,
    keptUp: failed === 0 && unsent === 0 && achieved >= 0.95 * cfg.rate,
    ...(firstError === undefined ? {} : { firstError }),
    meanBodyBytes: Math.round(bytes / Math.max(1, measured))
  }
}

export interface LoadBenchOptions {
  rates: number[]
  seconds: number
  warmupSeconds: number
  repeat: number
  level: 'metadata' | 'request-response'
  /** Write a CPU profile of the webhook process over the whole run and print where its time went. */
  profile: boolean
  /** `kafka.compress`: deflate each record before sealing (the default), or not. */
  compress: boolean
  /** `collector.auditWebhook.maxEventsPerRecord` (1: a record per event, as before v2 records). */
  eventsPerRecord?: number
  /** The codec's `compressMinBytes`: smaller records are sealed without deflating. */
  compressMinBytes?: number
  principals: Principals
  log?: (line: string) => void
}

interface RunRow extends LoadResult {
  /** CPU of the webhook process (not the generator, not Kafka) per event produced, in microseconds. */
  serverCpuUsPerEvent: number
}

function runGenerator(cfg: GeneratorConfig): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [import.meta.filename, '--generator', JSON.stringify(cfg)], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString()
    })
    child.on('error', reject)
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as LoadResult) : reject(new Error(`load generator exited ${code}`))))
  })
}

export async function runAuditWebhookLoad(opts: LoadBenchOptions) {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`))
  const hook = await startBenchWebhook({
    compress: opts.compress,
    ...(opts.eventsPerRecord === undefined ? {} : { eventsPerRecord: opts.eventsPerRecord }),
    ...(opts.compressMinBytes === undefined ? {} : { compressMinBytes: opts.compressMinBytes })
  })
  const profiler = opts.profile ? await startProfile() : undefined
  const rows = new Map<number, RunRow[]>()
  const produced = () => hook.metrics.auditEvents.get({ collector: 'webhook', outcome: 'produced' })
  try {
    for (let r = 0; r < opts.repeat; r++)
      for (const rate of opts.rates) {
        const cpu0 = process.cpuUsage()
        const ev0 = produced()
        const res = await runGenerator({
          port: hook.port,
          caFile: hook.caFile,
          certFile: hook.clientCertFile,
          keyFile: hook.clientKeyFile,
          rate,
          seconds: opts.seconds,
          warmupSeconds: opts.warmupSeconds,
          level: opts.level,
          initialBackoffMs: 1000,
          principals: opts.principals,
          run: `${(r * 16 + opts.rates.indexOf(rate)).toString(16).padStart(2, '0')}${Date.now().toString(16).slice(-6)}`
        })
        const cpu = process.cpuUsage(cpu0)
        const events = produced() - ev0
        const row = { ...res, serverCpuUsPerEvent: round((cpu.user + cpu.system) / Math.max(1, events)) }
        rows.set(rate, [...(rows.get(rate) ?? []), row])
        log(
          `audit-webhook-load: run ${r + 1}/${opts.repeat} offered ${rate}/s → ${res.achievedPerSecond}/s, answer p50 ${res.p50Ms} ms p99 ${res.p99Ms} ms max ${res.maxMs} ms, in flight ≤ ${res.maxInFlight}, ${res.retried} retried, ${res.failed} lost, ${res.unsent} unsent, webhook CPU ${row.serverCpuUsPerEvent} µs/event${res.keptUp ? '' : ' — did not keep up'}`
        )
      }
  } finally {
    let profileText = ''
    if (profiler !== undefined) {
      const path = join(tmpdir(), `lw-audit-webhook-load-${process.pid}.cpuprofile`)
      await profiler.stop(path)
      profileText = summarizeProfile(path, join(import.meta.dirname, '..'), 20)
    }
    await hook.stop()
    if (profileText !== '') log(profileText)
  }
  const summary = [...rows].map(([rate, xs]) => ({
    offeredPerSecond: rate,
    runs: xs.length,
    keptUpRuns: xs.filter((x) => x.keptUp).length,
    achievedPerSecondMedian: Math.round(median(xs.map((x) => x.achievedPerSecond))),
    p50MsMedian: round(median(xs.map((x) => x.p50Ms))),
    p99MsMedian: round(median(xs.map((x) => x.p99Ms))),
    maxMsWorst: Math.max(...xs.map((x) => x.maxMs)),
    maxInFlightWorst: Math.max(...xs.map((x) => x.maxInFlight)),
    failed: xs.reduce((n, x) => n + x.failed, 0),
    retried: xs.reduce((n, x) => n + x.retried, 0),
    ...(xs.some((x) => x.firstError !== undefined) ? { firstError: xs.find((x) => x.firstError !== undefined)?.firstError } : {}),
    webhookCpuUsPerEventMedian: round(median(xs.map((x) => x.serverCpuUsPerEvent))),
    meanBodyBytes: xs[0]?.meanBodyBytes
  }))
  const sustained = summary.filter((s) => s.keptUpRuns * 2 > s.runs).map((s) => s.offeredPerSecond)
  const records = hook.metrics.recordsOut.get({ topic: TOPICS.audit })
  return {
    level: opts.level,
    compress: opts.compress,
    principals: opts.principals,
    eventsPerRecord: opts.eventsPerRecord ?? 'default',
    compressMinBytes: opts.compressMinBytes ?? 'default',
    eventsPerKafkaRecord: round(produced() / Math.max(1, records)),
    kafkaBytesPerEvent: Math.round(hook.producedBytes() / Math.max(1, produced())),
    eventsPerBatch: BATCH,
    seconds: opts.seconds,
    repeat: opts.repeat,
    highestSustainedPerSecond: sustained.length === 0 ? 0 : Math.max(...sustained),
    loadAverage: loadavg().map((l) => Math.round(l * 10) / 10),
    cores: availableParallelism(),
    rates: summary
  }
}

export const benchmark: Benchmark = {
  name: 'audit-webhook-load',
  description: 'Audit webhook at sustained rates (batches of 400 from a separate generator process, real Kafka): answer time p50/p99/max, rate kept up.',
  options: {
    'load-rates': { type: 'string', default: '5000,10000,20000,50000' },
    'load-seconds': { type: 'string', default: '15' },
    'load-level': { type: 'string', default: 'metadata' },
    'load-profile': { type: 'boolean', default: false },
    'load-no-compress': { type: 'boolean', default: false },
    'load-principals': { type: 'string', default: 'sim' },
    'load-events-per-record': { type: 'string' },
    'load-compress-min-bytes': { type: 'string' }
  },
  async run(ctx: BenchContext) {
    const r = await runAuditWebhookLoad({
      rates: String(ctx.flags['load-rates']).split(',').map(Number),
      seconds: Number(ctx.flags['load-seconds']),
      warmupSeconds: 3,
      repeat: Number(ctx.flags.repeat),
      level: ctx.flags['load-level'] === 'request-response' ? 'request-response' : 'metadata',
      profile: ctx.flags['load-profile'] === true,
      compress: ctx.flags['load-no-compress'] !== true,
      principals: ctx.flags['load-principals'] === 'distinct' ? 'distinct' : 'sim',
      ...(ctx.flags['load-events-per-record'] === undefined ? {} : { eventsPerRecord: Number(ctx.flags['load-events-per-record']) }),
      ...(ctx.flags['load-compress-min-bytes'] === undefined ? {} : { compressMinBytes: Number(ctx.flags['load-compress-min-bytes']) }),
      log: ctx.log
    })
    process.stdout.write(`${JSON.stringify({ benchmark: 'audit-webhook-load', command: ctx.command, ...r }, null, 2)}\n`)
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      generator: { type: 'string' },
      rates: { type: 'string', default: '5000,10000,20000,50000' },
      seconds: { type: 'string', default: '15' },
      repeat: { type: 'string', default: '3' },
      level: { type: 'string', default: 'metadata' },
      profile: { type: 'boolean', default: false },
      'no-compress': { type: 'boolean', default: false },
      principals: { type: 'string', default: 'sim' },
      'events-per-record': { type: 'string' },
      'compress-min-bytes': { type: 'string' }
    }
  })
  if (values.generator !== undefined) {
    process.stdout.write(JSON.stringify(await generate(JSON.parse(values.generator) as GeneratorConfig)))
    process.exit(0)
  }
  const r = await runAuditWebhookLoad({
    rates: values.rates.split(',').map(Number),
    seconds: Number(values.seconds),
    warmupSeconds: 3,
    repeat: Number(values.repeat),
    level: values.level === 'request-response' ? 'request-response' : 'metadata',
    profile: values.profile,
    compress: values['no-compress'] !== true,
    principals: values.principals === 'distinct' ? 'distinct' : 'sim',
    ...(values['events-per-record'] === undefined ? {} : { eventsPerRecord: Number(values['events-per-record']) }),
    ...(values['compress-min-bytes'] === undefined ? {} : { compressMinBytes: Number(values['compress-min-bytes']) })
  })
  process.stdout.write(`${JSON.stringify(r, null, 2)}\n`)
  process.exit(0)
}
