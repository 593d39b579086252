// Benchmark of the node agent: how fast one pod-logs collector moves CRI log
// lines from 50 files being written concurrently into the real Kafka (acks=all,
// sealed and deflated like production), what CPU that costs per 10,000 lines/s,
// and its RSS under load. The collector runs in a child process so its CPU and
// memory are its own; the parent writes the files and watches.
//
//   node bench/collector.ts            (KAFKA_BROKERS=host:port to use a running broker)
//   BENCH_MB=2000 BENCH_FILES=50 node bench/collector.ts
//
// Published file-tailing figures to compare with (vector-test-harness,
// file_to_tcp_performance, multi_file, 10 files tailed to TCP on an AWS
// c5.large-class host): Vector 76.7 MiB/s at 188 MiB max memory, Fluent Bit
// 35 MiB/s at 370 MiB, Filebeat 7.8 MiB/s at 171 MiB. Those ship to TCP with
// no acknowledgement; here every chunk waits for Kafka's acks=all before the
// checkpoint moves.
//
// The collector child runs with the V8 options the DaemonSet sets (NODE_OPTIONS
// in deploy/kubernetes/collector-daemonset.yaml, the chart's template must say
// the same), so the RSS reported is the deployment's; BENCH_NODE_OPTIONS
// overrides them ('' runs it uncapped). Throughput is given end to end (from
// the first write until every line is acknowledged, which includes up to
// flushIntervalMs for each file's last partial chunk) and sustained (between
// 10% and 90% of the lines acknowledged).

import { fork } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { appendFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { PodLogsConfig } from '../collectors/pod-logs.ts'
import { createPodLogsCollector } from '../collectors/pod-logs.ts'
import { configSchema } from '../config/schema.ts'
import { createKafkaBus } from '../pipeline/bus-kafka.ts'
import { createCodec } from '../pipeline/codec.ts'
import { TOPICS } from '../pipeline/events.ts'
import { silentLogger } from '../pipeline/log.ts'
import { createMetrics } from '../pipeline/metrics.ts'
import type { OutRecord, Publish } from '../pipeline/runner.ts'
import { createPublisher } from '../pipeline/runner.ts'
import { parse } from '../pipeline/schema.ts'
import type { BenchContext, Benchmark } from './run.ts'

const repoRoot = join(import.meta.dirname, '..')

export interface CollectorBenchOptions {
  brokers: string[]
  /** Log bytes written in all, over all files. */
  totalBytes: number
  files: number
  lineBytes: number
  /** V8 options of the collector process (NODE_OPTIONS). */
  nodeOptions: string
}

export interface CollectorBenchResult {
  lines: number
  bytes: number
  seconds: number
  linesPerSecond: number
  mibPerSecond: number
  /** Bytes per second between 10% and 90% of the lines acknowledged. */
  sustainedBytesPerSecond: number
  /** Collector CPU seconds over the run, and per 10,000 lines/s sustained (fraction of one core). */
  cpuSeconds: number
  coresPer10kLinesPerSecond: number
  cores: number
  peakRssMiB: number
  nodeOptions: string
}

interface Progress {
  lines: number
  bytes: number
  cpuMicros: number
  peakRss: number
}

const TS = '2025-06-01T12:00:00.123456789Z'

/** The collector's NODE_OPTIONS in the DaemonSet manifest; the chart's template must set the same. */
export function daemonSetNodeOptions(): string {
  const find = (file: string): string | undefined =>
    /- name: NODE_OPTIONS\s*\n\s*value: (.+)\n/
      .exec(readFileSync(join(repoRoot, file), 'utf8'))?.[1]
      ?.trim()
      .replace(/^"(.*)"$/, '$1')
  const manifest = find('deploy/kubernetes/collector-daemonset.yaml')
  const chart = find('deploy/helm/leakwatch/templates/collector-daemonset.yaml')
  if (manifest !== chart) throw new Error(`the DaemonSet's NODE_OPTIONS differ: manifest '${manifest}', chart '${chart}'`)
  return manifest ?? ''
}

/** One block of CRI lines per file, the same bytes appended over and over: the writer must cost next to nothing. */
function block(file: number, lineBytes: number, blockBytes: number): { data: Buffer; lines: number } {
  const lines: string[] = []
  let size = 0
  for (let i = 0; size + lineBytes <= blockBytes; i++) {
    const head = `${TS} stdout F {"level":"info","file":${file},"i":${i},"msg":"`
    const line = `${head}${'request handled ok '.repeat(20).slice(0, lineBytes - head.length - 3)}"}\n`
    lines.push(line)
    size += Buffer.byteLength(line)
  }
  return { data: Buffer.from(lines.join('')), lines: lines.length }
}

export async function runCollectorBench(opts: CollectorBenchOptions): Promise<CollectorBenchResult> {
  const dir = await mkdtemp(join(tmpdir(), 'lw-bench-collector-'))
  const pods = join(dir, 'pods')
  const paths: string[] = []
  for (let i = 0; i < opts.files; i++) {
    const c = join(pods, `bench_app-${i}_uid-${i}`, 'app')
    await mkdir(c, { recursive: true })
    paths.push(join(c, '0.log'))
    // The containers exist before the clock starts: their discovery (discoveryIntervalMs) is not throughput.
    await writeFile(join(c, '0.log'), '')
  }
  const config: Partial<PodLogsConfig> = {
    mode: 'on',
    path: pods,
    checkpointPath: join(dir, 'checkpoints.json'),
    pollIntervalMs: 100,
    discoveryIntervalMs: 1000,
    ...(process.env.BENCH_IN_FLIGHT_MB === undefined ? {} : { maxInFlightBytes: Number(process.env.BENCH_IN_FLIGHT_MB) * 2 ** 20 }),
    metadata: { enabled: false, waitMs: 0, deletedRetentionMs: 0 }
  }
  const child = fork(import.meta.filename, ['--child'], {
    // The writer (this process) runs as it was started; only the collector gets the deployment's V8 options.
    execArgv: [],
    env: { ...process.env, NODE_OPTIONS: opts.nodeOptions, BENCH_CHILD: JSON.stringify({ brokers: opts.brokers, prefix: `bench${Date.now()}.`, config }) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc']
  })
  let last: Progress = { lines: 0, bytes: 0, cpuMicros: 0, peakRss: 0 }
  const ready = new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`collector child exited with ${code}`)))
    child.on('message', (m: Progress | 'ready') => {
      if (m === 'ready') resolve()
      else last = m
    })
  })
  await ready
  // The first listing (at start) saw the empty files; wait for it so every file is followed from byte 0.
  await new Promise((r) => setTimeout(r, 300))
  const start = { at: performance.now(), cpu: last.cpuMicros }
  // Writers: every file gets a block in turn, all files written concurrently, until totalBytes.
  const blocks = paths.map((_, i) => block(i, opts.lineBytes, 64 * 1024))
  let written = 0
  let lines = 0
  while (written < opts.totalBytes) {
    await Promise.all(
      paths.map(async (p, i) => {
        const b = blocks[i] as { data: Buffer; lines: number }
        await appendFile(p, b.data)
        written += b.data.length
        lines += b.lines
      })
    )
  }
  const marks: Array<{ at: number; lines: number }> = []
  while (last.lines < lines) {
    await new Promise((r) => setTimeout(r, 20))
    marks.push({ at: performance.now(), lines: last.lines })
  }
  const from = marks.find((m) => m.lines >= 0.1 * lines) ?? { at: start.at, lines: 0 }
  const to = marks.find((m) => m.lines >= 0.9 * lines) ?? { at: performance.now(), lines }
  const bytesPerLine = written / lines
  const sustainedBytesPerSecond = to.at > from.at ? ((to.lines - from.lines) * bytesPerLine) / ((to.at - from.at) / 1000) : Number.NaN
  const seconds = (performance.now() - start.at) / 1000
  const cpuSeconds = (last.cpuMicros - start.cpu) / 1e6
  child.kill('SIGTERM')
  await new Promise((r) => child.once('exit', r))
  await rm(dir, { recursive: true, force: true })
  const linesPerSecond = lines / seconds
  return {
    lines,
    bytes: written,
    seconds,
    linesPerSecond,
    mibPerSecond: written / 2 ** 20 / seconds,
    sustainedBytesPerSecond,
    cpuSeconds,
    cores: cpuSeconds / seconds,
    coresPer10kLinesPerSecond: cpuSeconds / seconds / (linesPerSecond / 10_000),
    peakRssMiB: last.peakRss / 2 ** 20,
    nodeOptions: opts.nodeOptions
  }
}

/** The collector process: the production pod-logs collector, Kafka bus and codec; reports acknowledged lines. */
async function child(): Promise<void> {
  const { brokers, prefix, config } = JSON.parse(process.env.BENCH_CHILD ?? '{}') as { brokers: string[]; prefix: string; config: Partial<PodLogsConfig> }
  const full = parse(configSchema, { kafka: { brokers, topicPrefix: prefix }, collector: { podLogs: config } }, 'LW_ERR_CONFIG_INVALID', 'bench')
  const logger = silentLogger()
  const metrics = createMetrics()
  const k = full.kafka
  const bus = await createKafkaBus(
    {
      brokers: k.brokers,
      clientId: 'leakwatch-bench',
      topics: [TOPICS.logs],
      topicPrefix: k.topicPrefix,
      partitions: k.partitions,
      replicationFactor: k.replicationFactor,
      sessionTimeoutMs: k.sessionTimeoutMs,
      connectionTimeoutMs: k.connectionTimeoutMs,
      requestTimeoutMs: k.requestTimeoutMs,
      maxBytesPerPartition: k.maxBytesPerPartition
    },
    logger
  )
  const publish = createPublisher({ bus, codec: createCodec({ payloadKey: 'bench-payload-key-'.padEnd(40, 'b'), compress: k.compress }), metrics, logger })
  const p: Progress = { lines: 0, bytes: 0, cpuMicros: 0, peakRss: 0 }
  // Lines per record, remembered when the collector encodes a chunk ahead of sending it.
  const linesOf = new WeakMap<Buffer, number>()
  const linesIn = (r: OutRecord | undefined): number => (r?.value as { lines: string[] } | undefined)?.lines.length ?? 0
  const counted: Publish = async (records: OutRecord[]) => {
    await publish(records)
    for (const r of records) p.lines += r.encoded === undefined ? linesIn(r) : (linesOf.get(r.encoded) ?? 0)
  }
  counted.encode = (records) => {
    const out = publish.encode?.(records) ?? records
    out.forEach((o, i) => {
      if (o.encoded !== undefined) linesOf.set(o.encoded, linesIn(records[i]))
    })
    return out
  }
  const collector = createPodLogsCollector(full.collector.podLogs, {
    publish: counted,
    logger,
    metrics
  })
  const report = (): void => {
    const cpu = process.cpuUsage()
    p.cpuMicros = cpu.user + cpu.system
    p.peakRss = Math.max(p.peakRss, process.memoryUsage.rss())
    process.send?.(p)
  }
  const timer = setInterval(report, 50)
  const ac = new AbortController()
  const running = collector.start(ac.signal)
  process.send?.('ready')
  process.once('SIGTERM', () => {
    clearInterval(timer)
    void collector
      .close()
      .then(() => running)
      .then(() => bus.close())
      .then(() => process.exit(0))
  })
}

function format(r: CollectorBenchResult): string {
  const mb = (mib: number): string => (mib * 1.048576).toFixed(1)
  return [
    `pod-logs collector → Kafka (acks=all, sealed, deflated), ${r.lines.toLocaleString('en')} CRI lines, ${(r.bytes / 2 ** 20).toFixed(0)} MiB from 50 files written concurrently`,
    `  NODE_OPTIONS ${r.nodeOptions === '' ? '(none: V8 defaults)' : r.nodeOptions}`,
    `  throughput   ${Math.round(r.linesPerSecond).toLocaleString('en')} lines/s, ${r.mibPerSecond.toFixed(1)} MiB/s = ${mb(r.mibPerSecond)} MB/s end to end (${r.seconds.toFixed(1)} s)`,
    `  sustained    ${(r.sustainedBytesPerSecond / 2 ** 20).toFixed(1)} MiB/s = ${(r.sustainedBytesPerSecond / 1e6).toFixed(1)} MB/s (10% to 90% of the lines acknowledged)`,
    `  CPU          ${r.cores.toFixed(2)} cores on average; ${(r.coresPer10kLinesPerSecond * 100).toFixed(1)}% of a core per 10,000 lines/s`,
    `  peak RSS     ${r.peakRssMiB.toFixed(0)} MiB = ${mb(r.peakRssMiB)} MB`,
    `  compare      Vector 76.7 MiB/s (188 MiB), Fluent Bit 35 MiB/s (370 MiB): vector-test-harness file_to_tcp multi_file`
  ].join('\n')
}

/** Runs the benchmark against KAFKA_BROKERS, or a broker started for it, and prints the report. */
async function benchAndPrint(opts: Omit<CollectorBenchOptions, 'brokers' | 'nodeOptions'>): Promise<void> {
  const nodeOptions = process.env.BENCH_NODE_OPTIONS ?? daemonSetNodeOptions()
  let brokers = process.env.KAFKA_BROKERS?.split(',').filter(Boolean)
  let stop: (() => Promise<void>) | undefined
  if (brokers === undefined || brokers.length === 0) {
    const { startKafka } = await import('../test/harness/services.ts')
    const k = await startKafka()
    brokers = k.brokers
    stop = k.stop
  }
  try {
    process.stdout.write(`${format(await runCollectorBench({ brokers, nodeOptions, ...opts }))}\n`)
  } finally {
    await stop?.()
  }
}

if (process.argv.includes('--child')) {
  await child()
} else if (import.meta.main) {
  await benchAndPrint({
    totalBytes: Number(process.env.BENCH_MB ?? 1000) * 2 ** 20,
    files: Number(process.env.BENCH_FILES ?? 50),
    lineBytes: Number(process.env.BENCH_LINE_BYTES ?? 200)
  })
}

export { format as formatCollectorBench }

/** For `npm run bench -- --only collector`. */
export const benchmark: Benchmark = {
  name: 'collector',
  description: 'pod-log collector into the real Kafka: lines/s, MB/s, CPU per 10,000 lines/s and RSS with files written concurrently',
  options: {
    'collector-mb': { type: 'string', default: '300' },
    'collector-files': { type: 'string', default: '50' }
  },
  async run(ctx: BenchContext) {
    await benchAndPrint({ totalBytes: Number(ctx.flags['collector-mb']) * 2 ** 20, files: Number(ctx.flags['collector-files']), lineBytes: 200 })
  }
}
