// Benchmark of the node agent as the DaemonSet runs it: the real
// `node bin/leakwatch.ts run collector` process, with the DaemonSet's
// NODE_OPTIONS and MALLOC_* variables (BENCH_NODE_OPTIONS overrides the
// former) and the ConfigMap's collector settings, pod metadata on (the
// @kubernetes/client-node pod informer, field selector spec.nodeName, against
// a stand-in API server on 127.0.0.1 speaking list/watch), moving CRI log
// lines from 50 files written concurrently into the real Kafka (acks=all,
// sealed and deflated). Reported: throughput, CPU per 10,000 lines/s, peak
// RSS, and how close V8's old generation came to --max-old-space-size.
//
//   npm run bench -- --only collector                    (1000 MB; KAFKA_BROKERS=host:port to use a running broker)
//   BENCH_MB=300 BENCH_CORE=1 node bench/collector.ts
//
// Measured from outside, as a node would see it: lines and bytes count once
// the collector's checkpoint file says they are acknowledged (it is written
// only after Kafka's acks, fsynced); peak RSS is the kernel's high-water mark
// (VmHWM) of the process; CPU its utime + stime. The heap figures come from
// bench/heap-probe.ts, added to the process with --import (a few hundred KB;
// BENCH_HEAP_PROBE=0 leaves it out). The process is pinned to one CPU (the
// DaemonSet's limit is one core) where taskset exists; --core picks it.
// After the run one record is read back from Kafka to check that lines
// carried the pod's labels and owner workload, i.e. that metadata was on.
//
// Throughput is given end to end (from the first write until every line is
// acknowledged, which includes up to flushIntervalMs for each file's last
// partial chunk) and sustained (between 10% and 90% of the lines acknowledged).
//
// Published file-tailing figures to compare with (vector-test-harness,
// file_to_tcp_performance, multi_file, 10 files tailed to TCP on an AWS
// c5.large-class host): Vector 76.7 MiB/s at 188 MiB max memory, Fluent Bit
// 35 MiB/s at 370 MiB, Filebeat 7.8 MiB/s at 171 MiB. Those ship to TCP with
// no acknowledgement; here every chunk waits for Kafka's acks=all before the
// checkpoint moves.

import type { ChildProcess } from 'node:child_process'
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { appendFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { V1Pod } from '@kubernetes/client-node'
import { Kafka, logLevel } from 'kafkajs'
import type { CheckpointData } from '../pipeline/checkpoint.ts'
import { createCodec } from '../pipeline/codec.ts'
import type { LogChunk } from '../pipeline/events.ts'
import { TOPICS } from '../pipeline/events.ts'
import type { StandInApiServer } from '../test/collectors/pod-logs-apiserver.ts'
import { pod, startStandInApiServer } from '../test/collectors/pod-logs-apiserver.ts'
import type { HeapProbe } from './heap-probe.ts'
import { canPin } from './measure.ts'
import type { BenchContext, Benchmark } from './run.ts'

const repoRoot = join(import.meta.dirname, '..')
const NODE = 'bench-node'
const PAYLOAD_KEY = 'bench-payload-key-'.padEnd(40, 'b')
const TS = '2025-06-01T12:00:00.123456789Z'
const PODS_PER_NODE = 110

/**
 * A pod as a real API server returns it, ~8 KB of JSON: spec with env, probes and volumes, status, and the
 * managedFields every object carries. The informer caches what it is sent, so its memory is that of real pods.
 */
function fullPod(i: number, name: string, uid: string, node: string): V1Pod {
  const base = pod({
    namespace: 'bench',
    name,
    uid,
    node,
    labels: { app: `app-${i}`, 'pod-template-hash': '7d9f8c6b5', 'app.kubernetes.io/part-of': 'bench', tier: 'backend' },
    annotations: { 'prometheus.io/scrape': 'true', 'kubectl.kubernetes.io/restartedAt': '2025-06-01T12:00:00Z' },
    owner: { kind: 'ReplicaSet', name: name.slice(0, name.lastIndexOf('-')) }
  })
  const at = '2025-06-01T12:00:00Z'
  const container = (n: string) => ({
    name: n,
    image: `registry.example.com/bench/${n}:1.${i}.0@sha256:${'ab'.repeat(32)}`,
    imagePullPolicy: 'IfNotPresent',
    ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
    env: Array.from({ length: 12 }, (_, k) => ({ name: `SETTING_${k}`, value: `value-${k}-${'x'.repeat(20)}` })),
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
    volumeMounts: [
      { name: 'config', mountPath: '/etc/app', readOnly: true },
      { name: 'kube-api-access-abcde', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true }
    ],
    livenessProbe: { httpGet: { path: '/healthz', port: 'http', scheme: 'HTTP' }, periodSeconds: 10, timeoutSeconds: 1, failureThreshold: 3 },
    readinessProbe: { httpGet: { path: '/readyz', port: 'http', scheme: 'HTTP' }, periodSeconds: 5, timeoutSeconds: 1, failureThreshold: 3 },
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File'
  })
  const condition = (type: string) => ({ type, status: 'True', lastProbeTime: null, lastTransitionTime: at })
  return {
    ...base,
    metadata: {
      ...base.metadata,
      creationTimestamp: at as unknown as Date,
      generateName: `${name.slice(0, name.lastIndexOf('-'))}-`,
      managedFields: ['kube-controller-manager', 'kubelet'].map((manager) => ({
        manager,
        operation: 'Update',
        apiVersion: 'v1',
        time: at as unknown as Date,
        fieldsType: 'FieldsV1',
        fieldsV1: Object.fromEntries(Array.from({ length: 30 }, (_, k) => [`f:field${k}`, { '.': {}, [`f:sub${k}`]: {} }]))
      }))
    },
    spec: {
      ...base.spec,
      containers: [container('app'), container('sidecar')],
      volumes: [
        { name: 'config', configMap: { name: `app-${i}-config`, defaultMode: 420 } },
        { name: 'kube-api-access-abcde', projected: { defaultMode: 420, sources: [{ serviceAccountToken: { expirationSeconds: 3607, path: 'token' } }] } }
      ],
      restartPolicy: 'Always',
      serviceAccountName: 'default',
      tolerations: [
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }
      ]
    },
    status: {
      phase: 'Running',
      conditions: ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map(condition) as never,
      hostIP: '10.0.0.10',
      podIP: `10.244.1.${i}`,
      podIPs: [{ ip: `10.244.1.${i}` }],
      startTime: at as unknown as Date,
      qosClass: 'Burstable',
      containerStatuses: ['app', 'sidecar'].map((n) => ({
        name: n,
        ready: true,
        restartCount: 0,
        started: true,
        image: `registry.example.com/bench/${n}:1.${i}.0`,
        imageID: `registry.example.com/bench/${n}@sha256:${'cd'.repeat(32)}`,
        containerID: `containerd://${'ef'.repeat(32)}`,
        state: { running: { startedAt: at as unknown as Date } }
      }))
    }
  }
}

export interface CollectorBenchOptions {
  brokers: string[]
  /** Log bytes written in all, over all files. */
  totalBytes: number
  files: number
  lineBytes: number
  /** V8 options of the collector process (NODE_OPTIONS). */
  nodeOptions: string
  /** The DaemonSet's other process settings (MALLOC_*), as it sets them. */
  processEnv: Record<string, string>
  /** CPU to pin the collector to; undefined runs it unpinned. */
  core: number | undefined
  /** Load bench/heap-probe.ts into the collector. */
  heapProbe: boolean
}

export interface CollectorBenchResult {
  lines: number
  bytes: number
  seconds: number
  linesPerSecond: number
  mibPerSecond: number
  /** Bytes per second between 10% and 90% of the lines acknowledged. */
  sustainedBytesPerSecond: number
  /** Collector CPU seconds over the run, and per 10,000 lines/s (fraction of one core). */
  cpuSeconds: number
  coresPer10kLinesPerSecond: number
  cores: number
  peakRssMiB: number
  nodeOptions: string
  processEnv: Record<string, string>
  core: number | undefined
  heap: HeapProbe | undefined
  /** --max-old-space-size in MiB, when NODE_OPTIONS sets it. */
  oldSpaceLimitMiB: number | undefined
  /** What the informer did: list and watch requests the stand-in API server answered. */
  apiLists: number
  apiWatches: number
  /** A record read back from Kafka: the metadata it carried. */
  sample: { labels: Record<string, string> | undefined; workload: string | undefined }
}

/**
 * The collector container's process settings in the DaemonSet manifest — NODE_OPTIONS and the C library's
 * MALLOC_* variables, the ones that change how much memory the process takes — which the chart's template
 * must set the same.
 */
export function daemonSetProcessEnv(): Record<string, string> {
  const find = (file: string): Record<string, string> => {
    const text = readFileSync(join(repoRoot, file), 'utf8')
    const env: Record<string, string> = {}
    for (const m of text.matchAll(/- name: (NODE_OPTIONS|MALLOC_\w+)\s*\n\s*value: (.+)\n/g))
      env[m[1] as string] = (m[2] as string).trim().replace(/^"(.*)"$/, '$1')
    return env
  }
  const manifest = find('deploy/kubernetes/collector-daemonset.yaml')
  const chart = find('deploy/helm/leakwatch/templates/collector-daemonset.yaml')
  if (JSON.stringify(manifest) !== JSON.stringify(chart))
    throw new Error(`the DaemonSet's process settings differ: manifest ${JSON.stringify(manifest)}, chart ${JSON.stringify(chart)}`)
  return manifest
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

export async function freePort(): Promise<number> {
  const s = createServer()
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))
  const { port } = s.address() as AddressInfo
  await new Promise<void>((resolve) => s.close(() => resolve()))
  return port
}

/** utime + stime of a process in seconds, from /proc (clock ticks of 10 ms). */
export function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}

function peakRssOf(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m === null ? Number.NaN : Number(m[1]) * 1024
}

export async function scrape(port: number): Promise<Map<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
  return new Map(
    text
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('#'))
      .map((l) => [l.slice(0, l.lastIndexOf(' ')), Number(l.slice(l.lastIndexOf(' ') + 1))])
  )
}

/** Bytes and lines the checkpoint says Kafka acknowledged; nothing yet while it does not exist. */
async function acknowledged(path: string): Promise<{ bytes: number; lines: number }> {
  let data: CheckpointData
  try {
    // Written to a temporary file and renamed: never seen half written.
    data = JSON.parse(await readFile(path, 'utf8')) as CheckpointData
  } catch {
    return { bytes: 0, lines: 0 }
  }
  let bytes = 0
  let lines = 0
  for (const f of Object.values(data.files)) {
    bytes += f.offset
    lines += f.line
  }
  return { bytes, lines }
}

/** The first log chunk on the topic, opened with the payload key. */
async function readBack(brokers: string[], prefix: string): Promise<LogChunk> {
  const kafka = new Kafka({ brokers, clientId: 'leakwatch-bench-check', logLevel: logLevel.NOTHING })
  const consumer = kafka.consumer({ groupId: `${prefix}check` })
  const codec = createCodec({ payloadKey: PAYLOAD_KEY, compress: true })
  try {
    await consumer.connect()
    await consumer.subscribe({ topic: `${prefix}${TOPICS.logs}`, fromBeginning: true })
    return await new Promise<LogChunk>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no record read back from Kafka within 60 s')), 60_000)
      void consumer.run({
        eachMessage: async ({ message }) => {
          clearTimeout(timer)
          resolve(codec.decode(TOPICS.logs, message.value as Buffer) as LogChunk)
        }
      })
    })
  } finally {
    await consumer.disconnect()
  }
}

export async function runCollectorBench(opts: CollectorBenchOptions): Promise<CollectorBenchResult> {
  const dir = await mkdtemp(join(tmpdir(), 'lw-bench-collector-'))
  const pods = join(dir, 'pods')
  const checkpointPath = join(dir, 'state', 'pod-logs.json')
  const paths: string[] = []
  const podObjects: V1Pod[] = []
  for (let i = 0; i < opts.files; i++) {
    const c = join(pods, `bench_app-${i}-7d9f8c6b5-x${i}_uid-${i}`, 'app')
    await mkdir(c, { recursive: true })
    paths.push(join(c, '0.log'))
    // The containers exist before the clock starts: their discovery (discoveryIntervalMs) is not throughput.
    await writeFile(join(c, '0.log'), '')
    podObjects.push(fullPod(i, `app-${i}-7d9f8c6b5-x${i}`, `uid-${i}`, NODE))
  }
  // A full node (Kubernetes' default is 110 pods): the informer's cache holds every pod on it, logging or not.
  for (let i = opts.files; i < PODS_PER_NODE; i++) podObjects.push(fullPod(i, `quiet-${i}-7d9f8c6b5-q${i}`, `quiet-uid-${i}`, NODE))
  // Pods on other nodes too: the field selector must keep them out of this agent's cache.
  for (let i = 0; i < opts.files; i++) podObjects.push(fullPod(i, `elsewhere-${i}`, `other-${i}`, 'other-node'))
  const api: StandInApiServer = await startStandInApiServer(podObjects)
  const kubeconfig = join(dir, 'kubeconfig.yaml')
  await writeFile(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      // Plain HTTP on loopback: client-node refuses http:// unless TLS verification is declared off.
      clusters: [{ name: 'stand-in', cluster: { server: api.url, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'agent', user: { token: 'bench-token' } }],
      contexts: [{ name: 'stand-in', context: { cluster: 'stand-in', user: 'agent' } }],
      'current-context': 'stand-in'
    })
  )
  const httpPort = await freePort()
  const prefix = `bench${Date.now()}.`
  // The ConfigMap's collector settings (deploy/kubernetes/configmap.yaml), with this run's paths and broker.
  const configFile = join(dir, 'leakwatch.yaml')
  await writeFile(
    configFile,
    JSON.stringify({
      cluster: 'bench',
      log: { level: 'info' },
      http: { host: '127.0.0.1', port: httpPort },
      kafka: { brokers: opts.brokers, topicPrefix: prefix },
      collector: {
        files: { enabled: false },
        podLogs: {
          mode: 'on',
          path: pods,
          checkpointPath,
          excludeNamespaces: [],
          metadata: { kubeconfigPath: kubeconfig },
          ...(process.env.BENCH_IN_FLIGHT_MB === undefined ? {} : { maxInFlightBytes: Number(process.env.BENCH_IN_FLIGHT_MB) * 2 ** 20 })
        }
      }
    })
  )
  const probeFile = join(dir, 'heap.json')
  const nodeOptions = opts.heapProbe ? `${opts.nodeOptions} --import=${join(import.meta.dirname, 'heap-probe.ts')}`.trim() : opts.nodeOptions
  const node = [process.execPath, join(repoRoot, 'bin', 'leakwatch.ts'), 'run', 'collector']
  const argv = opts.core === undefined ? node : ['taskset', '-c', String(opts.core), ...node]
  // The environment the DaemonSet gives: its LEAKWATCH_* variables, NODE_OPTIONS and MALLOC_*, nothing of ours.
  const child: ChildProcess = spawn(argv[0] as string, argv.slice(1), {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: dir,
      NODE_OPTIONS: nodeOptions,
      NODE_NAME: NODE,
      LEAKWATCH_COLLECTOR_POD_LOGS_NODE_NAME: NODE,
      LEAKWATCH_CONFIG: configFile,
      LEAKWATCH_KAFKA_PAYLOAD_KEY: PAYLOAD_KEY,
      LEAKWATCH_KAFKA_CLIENT_ID: `leakwatch-${NODE}`,
      BENCH_HEAP_PROBE_FILE: opts.heapProbe ? probeFile : '',
      ...opts.processEnv
    },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  // Its own logs: only the tail is kept, for the error message if it fails.
  let output = ''
  const keep = (d: Buffer): void => {
    output = (output + d.toString('utf8')).slice(-8192)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  let exited: number | null | undefined
  const exit = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      exited = code
      resolve(code)
    })
  )
  const fail = (what: string): Error => new Error(`${what}; collector output:\n${output}`)
  const pid = child.pid as number
  try {
    // Ready: every file followed and the informer's view of this node synced.
    const readyBy = Date.now() + 60_000
    for (;;) {
      if (exited !== undefined) throw fail(`the collector exited with ${exited} before it was ready`)
      if (Date.now() > readyBy) throw fail('the collector was not ready (50 files followed, pod metadata synced) within 60 s')
      const m = await scrape(httpPort).catch(() => new Map<string, number>())
      if (m.get('leakwatch_files_followed{collector="pod-logs"}') === opts.files && m.get('leakwatch_pod_metadata_up') === 1) break
      await sleep(50)
    }
    const start = { at: performance.now(), cpu: cpuSecondsOf(pid) }
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
    let done = { bytes: 0, lines: 0 }
    while (done.bytes < written) {
      if (exited !== undefined) throw fail(`the collector exited with ${exited} during the run`)
      await sleep(20)
      done = await acknowledged(checkpointPath)
      marks.push({ at: performance.now(), lines: done.lines })
    }
    const end = performance.now()
    const cpuSeconds = cpuSecondsOf(pid) - start.cpu
    const peakRss = peakRssOf(pid)
    if (done.lines !== lines) throw new Error(`checkpoint says ${done.lines} lines for ${done.bytes} bytes, ${lines} were written`)
    const metadataUp = (await scrape(httpPort)).get('leakwatch_pod_metadata_up')
    if (metadataUp !== 1) throw fail(`pod metadata was not synced at the end of the run (leakwatch_pod_metadata_up ${metadataUp})`)
    child.kill('SIGTERM')
    const code = await exit
    if (code !== 0) throw fail(`the collector exited with ${code} after SIGTERM`)
    const from = marks.find((m) => m.lines >= 0.1 * lines) ?? { at: start.at, lines: 0 }
    const to = marks.find((m) => m.lines >= 0.9 * lines) ?? { at: end, lines }
    const bytesPerLine = written / lines
    const sustainedBytesPerSecond = to.at > from.at ? ((to.lines - from.lines) * bytesPerLine) / ((to.at - from.at) / 1000) : Number.NaN
    const seconds = (end - start.at) / 1000
    const linesPerSecond = lines / seconds
    const chunk = await readBack(opts.brokers, prefix)
    const oldSpace = /--max-old-space-size=(\d+)/.exec(opts.nodeOptions)?.[1]
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
      peakRssMiB: peakRss / 2 ** 20,
      nodeOptions: opts.nodeOptions,
      processEnv: opts.processEnv,
      core: opts.core,
      heap: opts.heapProbe ? (JSON.parse(await readFile(probeFile, 'utf8')) as HeapProbe) : undefined,
      oldSpaceLimitMiB: oldSpace === undefined ? undefined : Number(oldSpace),
      apiLists: api.lists.length,
      apiWatches: api.watches.length,
      sample: { labels: chunk.source.labels, workload: chunk.source.workload }
    }
  } finally {
    if (exited === undefined) {
      child.kill('SIGKILL')
      await exit
    }
    await api.stop()
    await rm(dir, { recursive: true, force: true })
  }
}

function format(r: CollectorBenchResult): string {
  const mib = (b: number): string => (b / 2 ** 20).toFixed(1)
  const mb = (m: number): string => (m * 1.048576).toFixed(1)
  const h = r.heap
  const limit = r.oldSpaceLimitMiB
  const heapLines =
    h === undefined
      ? ['  heap         (not probed: BENCH_HEAP_PROBE=0)']
      : [
          `  V8 heap      old generation at most ${mib(h.peakOldUsed)} MiB, ${mib(h.peakOldLiveAfterFullGc)} MiB live after a full GC (${h.fullGcs} full GCs);` +
            ` whole heap at most ${mib(h.peakHeapUsed)} MiB used, ${mib(h.peakHeapCommitted)} MiB committed`,
          limit === undefined
            ? `  headroom     no --max-old-space-size: heap_size_limit ${mib(h.heapSizeLimit)} MiB`
            : `  headroom     ${(limit - h.peakOldUsed / 2 ** 20).toFixed(1)} MiB below --max-old-space-size=${limit} at the peak, ` +
              `${(limit - h.peakOldLiveAfterFullGc / 2 ** 20).toFixed(1)} MiB after a full GC`,
          `  at peak RSS  ${mib(h.atPeakRss.rss)} MiB sampled at ${(h.atPeakRss.atMs / 1000).toFixed(1)} s: V8 heap ${mib(h.atPeakRss.heapUsed)} MiB used of ${mib(h.atPeakRss.heapTotal)} committed, ` +
            `external ${mib(h.atPeakRss.external)} MiB (${mib(h.atPeakRss.arrayBuffers)} in Buffers)`
        ]
  return [
    `leakwatch run collector → Kafka (acks=all, sealed, deflated), ${r.lines.toLocaleString('en')} CRI lines, ${(r.bytes / 2 ** 20).toFixed(0)} MiB from 50 files written concurrently`,
    `  process      bin/leakwatch.ts run collector, NODE_OPTIONS ${r.nodeOptions === '' ? '(none: V8 defaults)' : r.nodeOptions}${Object.entries(r.processEnv)
      .map(([k, v]) => `, ${k}=${v}`)
      .join('')}, ${r.core === undefined ? 'unpinned' : `pinned to CPU ${r.core}`}`,
    `  metadata     on: informer ${r.apiLists} list(s) + ${r.apiWatches} watch(es) on the stand-in API server; a record read back carries workload ${r.sample.workload ?? '(none)'}, ${Object.keys(r.sample.labels ?? {}).length} labels`,
    `  throughput   ${Math.round(r.linesPerSecond).toLocaleString('en')} lines/s, ${r.mibPerSecond.toFixed(1)} MiB/s = ${mb(r.mibPerSecond)} MB/s end to end (${r.seconds.toFixed(1)} s)`,
    `  sustained    ${(r.sustainedBytesPerSecond / 2 ** 20).toFixed(1)} MiB/s = ${(r.sustainedBytesPerSecond / 1e6).toFixed(1)} MB/s (10% to 90% of the lines acknowledged)`,
    `  CPU          ${r.cores.toFixed(2)} cores on average; ${(r.coresPer10kLinesPerSecond * 100).toFixed(1)}% of a core per 10,000 lines/s`,
    `  peak RSS     ${r.peakRssMiB.toFixed(1)} MiB = ${mb(r.peakRssMiB)} MB (VmHWM)`,
    ...heapLines,
    `  compare      Vector 76.7 MiB/s (188 MiB), Fluent Bit 35 MiB/s (370 MiB): vector-test-harness file_to_tcp multi_file`
  ].join('\n')
}

/** Runs the benchmark against KAFKA_BROKERS, or a broker started for it, and prints the report. */
async function benchAndPrint(opts: Omit<CollectorBenchOptions, 'brokers' | 'nodeOptions' | 'processEnv' | 'heapProbe'>): Promise<void> {
  const { NODE_OPTIONS, ...processEnv } = daemonSetProcessEnv()
  const nodeOptions = process.env.BENCH_NODE_OPTIONS ?? NODE_OPTIONS ?? ''
  let brokers = process.env.KAFKA_BROKERS?.split(',').filter(Boolean)
  let stop: (() => Promise<void>) | undefined
  if (brokers === undefined || brokers.length === 0) {
    const { startKafka } = await import('../test/harness/services.ts')
    const k = await startKafka()
    brokers = k.brokers
    stop = k.stop
  }
  try {
    const r = await runCollectorBench({ brokers, nodeOptions, processEnv, heapProbe: process.env.BENCH_HEAP_PROBE !== '0', ...opts })
    process.stdout.write(`${format(r)}\n`)
  } finally {
    await stop?.()
  }
}

function pinTo(core: string | undefined): number | undefined {
  return core === undefined || core === '' || core === 'none' || !canPin() ? undefined : Number(core)
}

if (import.meta.main) {
  await benchAndPrint({
    totalBytes: Number(process.env.BENCH_MB ?? 1000) * 2 ** 20,
    files: Number(process.env.BENCH_FILES ?? 50),
    lineBytes: Number(process.env.BENCH_LINE_BYTES ?? 200),
    core: pinTo(process.env.BENCH_CORE ?? '0')
  })
}

export { format as formatCollectorBench }

/** For `npm run bench -- --only collector`. */
export const benchmark: Benchmark = {
  name: 'collector',
  description:
    'the real `run collector` process (DaemonSet NODE_OPTIONS and MALLOC_*, pod metadata on against a stand-in API server) into the real Kafka: MB/s, CPU, peak RSS, V8 heap headroom',
  options: {
    // ~15 s of steady state: with 300 MB the last chunks' flushIntervalMs and the start weighed ~15% of the run.
    'collector-mb': { type: 'string', default: '1000' },
    'collector-files': { type: 'string', default: '50' }
  },
  async run(ctx: BenchContext) {
    await benchAndPrint({
      totalBytes: Number(ctx.flags['collector-mb']) * 2 ** 20,
      files: Number(ctx.flags['collector-files']),
      lineBytes: 200,
      core: pinTo(typeof ctx.flags.core === 'string' ? ctx.flags.core : undefined)
    })
  }
}
