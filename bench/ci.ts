// CI log benchmark: one GitHub Actions job log of `--ci-mb` (50 MB by
// default), shaped like GitHub's raw job logs (test/support/github-log.ts),
// served by the GitHub stand-in, through the real processes: `run collector`
// (the GitHub collector: webhook → log download → leakwatch.logs.v1, acks=all)
// and `run detector`, on the real Kafka.
//
// Measured:
// - the time from the `completed` webhook delivery to each planted secret's
//   finding read back from `leakwatch.findings.v1`: the first (line 100),
//   the middle, and the last (a few lines before the end), which is the
//   whole log's latency;
// - the collector process's CPU time (utime+stime from /proc) for the job:
//   MB of CI log ingested per core-second (download, normalise, chunk, seal,
//   produce), and the detector's CPU for the same log;
// - in this process, the normaliser alone (collectors/ci/log-lines.ts) in
//   MB per CPU-second, for the share of the collector's cost that is ours.
//
// The log is generated once into memory before the clock starts, so the
// stand-in's cost in this process is serving bytes only.

import type { ChildProcess } from 'node:child_process'
import { spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { Kafka, logLevel } from 'kafkajs'
import { createLogLines } from '../collectors/ci/log-lines.ts'
import { createGen } from '../detectors/gen.ts'
import { createCodec } from '../pipeline/codec.ts'
import type { Finding } from '../pipeline/events.ts'
import { TOPICS } from '../pipeline/events.ts'
import { githubLog } from '../test/support/github-log.ts'
import { deliver, githubCollectorSection, startGithubStandin } from '../test/support/github-standin.ts'
import { cpuSecondsOf, freePort, scrape } from './collector.ts'
import type { Benchmark } from './run.ts'

const PAYLOAD_KEY = 'ci-bench-payload-key-0123456789abcdefghij'
const FINGERPRINT_KEY = 'ci-bench-fingerprint-key-0123456789abcdef'
const SECRET = 'ci-bench-webhook-secret'

export interface CiBenchResult {
  bytes: number
  lines: number
  /** ms from the webhook delivery to the finding of the secret at the line. */
  findingMs: Array<{ line: number; ms: number }>
  /** ms from the delivery to the collector's job counted as scanned. */
  collectedMs: number
  collectorCpuSeconds: number
  detectorCpuSeconds: number
  normaliserMBPerCpuSecond: number
}

async function logBuffer(mb: number, seed: number): Promise<{ data: Buffer; lines: number; planted: number[]; tokens: string[] }> {
  const start = new Date(Math.floor((Date.now() - 600_000) / 1000) * 1000)
  const count = githubLog({ seed, bytes: mb * 1e6, plant: new Map(), start })
  let lines = 0
  for await (const c of count.generate()) for (let i = c.indexOf(10); i !== -1; i = c.indexOf(10, i + 1)) lines++
  const planted = [100, Math.floor(lines / 2), lines - 5]
  const gen = createGen(seed)
  const tokens = planted.map(() => gen.githubToken('ghp_'))
  const g = githubLog({
    seed,
    bytes: mb * 1e6,
    plant: new Map(planted.map((l, i) => [l, `+ git push https://x-access-token:${tokens[i]}@github.com/o/r.git`])),
    start
  })
  const parts: Buffer[] = []
  for await (const c of g.generate()) parts.push(c)
  return { data: Buffer.concat(parts), lines, planted, tokens }
}

function normaliserRate(data: Buffer): number {
  const before = process.cpuUsage()
  const ll = createLogLines({ format: 'github' })
  for (let i = 0; i < data.length; i += 64 * 1024) ll.push(data.subarray(i, i + 64 * 1024))
  ll.end()
  const used = process.cpuUsage(before)
  return data.length / 1e6 / ((used.user + used.system) / 1e6)
}

function spawnRole(role: string, env: Record<string, string>, cwd: string): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, [join(import.meta.dirname, '..', 'bin', 'leakwatch.ts'), 'run', role], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  const keep = (d: Buffer): void => {
    out = (out + d.toString('utf8')).slice(-8192)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  return { child, output: () => out }
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number, output: () => string, child?: ChildProcess): Promise<void> {
  const by = Date.now() + timeoutMs
  while (!(await check().catch(() => false))) {
    if (Date.now() > by || (child !== undefined && child.exitCode !== null)) throw new Error(`no ${what} within ${timeoutMs} ms; output:\n${output()}`)
    await sleep(10)
  }
}

export async function runCiBench(opts: { brokers: string[]; mb: number; seed: number }): Promise<CiBenchResult> {
  const { data, lines, planted } = await logBuffer(opts.mb, opts.seed)
  const normaliserMBPerCpuSecond = normaliserRate(data)
  const gh = await startGithubStandin()
  const dir = await mkdtemp(join(tmpdir(), 'lw-ci-bench-'))
  const procs: ChildProcess[] = []
  const kafka = new Kafka({ brokers: opts.brokers, clientId: 'leakwatch-ci-bench', logLevel: logLevel.NOTHING })
  const consumer = kafka.consumer({ groupId: `ci-bench-${Date.now()}` })
  try {
    const [webhookPort, collectorHttp, detectorHttp] = [await freePort(), await freePort(), await freePort()]
    const prefix = `cibench${Date.now()}.`
    const base = { log: { level: 'warn' }, kafka: { brokers: opts.brokers, topicPrefix: prefix } }
    await writeFile(
      join(dir, 'collector.yaml'),
      JSON.stringify({
        ...base,
        http: { host: '127.0.0.1', port: collectorHttp },
        collector: githubCollectorSection(gh, { dir, port: webhookPort, webhookSecret: SECRET, statePath: join(dir, 'jobs.json') })
      })
    )
    await writeFile(join(dir, 'detector.yaml'), JSON.stringify({ ...base, http: { host: '127.0.0.1', port: detectorHttp } }))
    const env = (file: string): Record<string, string> => ({
      PATH: process.env.PATH ?? '',
      HOME: dir,
      LEAKWATCH_CONFIG: join(dir, file),
      LEAKWATCH_KAFKA_PAYLOAD_KEY: PAYLOAD_KEY,
      LEAKWATCH_DETECTOR_FINGERPRINT_KEY: FINGERPRINT_KEY
    })
    const collector = spawnRole('collector', env('collector.yaml'), dir)
    const detector = spawnRole('detector', env('detector.yaml'), dir)
    procs.push(collector.child, detector.child)
    await until('the collector listening', async () => (await fetch(`http://127.0.0.1:${webhookPort}/healthz`)).ok, 60_000, collector.output, collector.child)
    await until('the detector ready', async () => (await fetch(`http://127.0.0.1:${detectorHttp}/readyz`)).ok, 60_000, detector.output, detector.child)

    const codec = createCodec({ payloadKey: PAYLOAD_KEY, compress: true })
    const seen = new Map<number, number>()
    let t0 = 0
    await consumer.connect()
    await consumer.subscribe({ topic: `${prefix}${TOPICS.findings}`, fromBeginning: true })
    await consumer.run({
      eachMessage: async ({ message }) => {
        const f = codec.decode(TOPICS.findings, message.value as Buffer) as Finding
        // Whichever rule names it, one finding per planted line is what is timed.
        if (planted.includes(f.location.line) && !seen.has(f.location.line)) seen.set(f.location.line, performance.now() - t0)
        if (process.env.BENCH_DEBUG !== undefined) process.stderr.write(`finding ${f.rule} line ${f.location.line}\n`)
      }
    })
    const job = gh.addJob({ id: 9001, log: data, startedAt: new Date(Date.now() - 600_000).toISOString().replace(/\.\d{3}Z$/, 'Z') })
    const cpu0 = { c: cpuSecondsOf(collector.child.pid as number), d: cpuSecondsOf(detector.child.pid as number) }
    t0 = performance.now()
    const res = await deliver(`http://127.0.0.1:${webhookPort}/webhooks/github`, 'workflow_job', gh.workflowJobPayload(job), SECRET)
    if (res.status !== 202) throw new Error(`webhook answered ${res.status} ${res.body}`)
    let collectedMs = 0
    let collectorCpuSeconds = 0
    await until(
      'the job scanned by the collector',
      async () => {
        const m = await scrape(collectorHttp)
        if (m.get('leakwatch_ci_jobs_total{outcome="scanned",provider="github"}') !== 1) return false
        collectedMs = performance.now() - t0
        collectorCpuSeconds = cpuSecondsOf(collector.child.pid as number) - cpu0.c
        return true
      },
      600_000,
      collector.output,
      collector.child
    )
    await until(
      'every planted finding on Kafka',
      async () => seen.size === planted.length,
      Number(process.env.BENCH_CI_TIMEOUT_MS ?? 600_000),
      () => `${detector.output()}\nseen lines ${[...seen.keys()].join(',')} of ${planted.join(',')}`
    )
    const detectorCpuSeconds = cpuSecondsOf(detector.child.pid as number) - cpu0.d
    if (gh.violations.length > 0) throw new Error(`the stand-in saw breaches: ${gh.violations.join('; ')}`)
    return {
      bytes: data.length,
      lines,
      findingMs: planted.map((line) => ({ line, ms: seen.get(line) ?? Number.NaN })),
      collectedMs,
      collectorCpuSeconds,
      detectorCpuSeconds,
      normaliserMBPerCpuSecond
    }
  } finally {
    await consumer.disconnect().catch(() => {})
    for (const p of procs) p.kill('SIGKILL')
    await gh.close()
    await rm(dir, { recursive: true, force: true })
  }
}

export function formatCiBench(r: CiBenchResult, command: string): string {
  const mb = r.bytes / 1e6
  return [
    `CI logs: one GitHub Actions job log, ${mb.toFixed(1)} MB, ${r.lines.toLocaleString('en')} lines (${command})`,
    ...r.findingMs.map((f) => `  webhook → finding on Kafka, secret at line ${f.line.toLocaleString('en')}: ${(f.ms / 1000).toFixed(2)} s`),
    `  webhook → whole log acknowledged by Kafka (collector): ${(r.collectedMs / 1000).toFixed(2)} s (${(mb / (r.collectedMs / 1000)).toFixed(1)} MB/s wall)`,
    `  collector CPU ${r.collectorCpuSeconds.toFixed(2)} s: ${(mb / r.collectorCpuSeconds).toFixed(1)} MB per core-second (download, normalise, chunk, seal, produce)`,
    `  detector CPU ${r.detectorCpuSeconds.toFixed(2)} s: ${(mb / r.detectorCpuSeconds).toFixed(1)} MB per core-second`,
    `  normaliser alone (in-process): ${r.normaliserMBPerCpuSecond.toFixed(1)} MB per CPU-second`
  ].join('\n')
}

export const benchmark: Benchmark = {
  name: 'ci',
  description:
    'one GitHub Actions job log through `run collector` (GitHub webhook) and `run detector` on the real Kafka: webhook → findings latency, MB per core-second',
  options: { 'ci-mb': { type: 'string', default: '50' } },
  async run(ctx) {
    let brokers = process.env.KAFKA_BROKERS?.split(',').filter(Boolean)
    let stop: (() => Promise<void>) | undefined
    if (brokers === undefined || brokers.length === 0) {
      const { startKafka } = await import('../test/harness/services.ts')
      const k = await startKafka()
      brokers = k.brokers
      stop = k.stop
    }
    try {
      const r = await runCiBench({ brokers, mb: Number(ctx.flags['ci-mb']), seed: Number(ctx.flags.seed) })
      process.stdout.write(`${formatCiBench(r, ctx.command)}\n`)
    } finally {
      await stop?.()
    }
  }
}
