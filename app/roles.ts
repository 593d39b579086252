// Wires a role from configuration: which bus, which stores, which stages.
// `all` is the embedded mode (in-process bus and jobs, nothing to install);
// the other roles are the clustered deployment (Kafka, Redis, BullMQ).

import type { Writable } from 'node:stream'
import type { KubeConfig } from '@kubernetes/client-node'
import type { Config } from '../config/schema.ts'
import type { SecretDetector } from '../detectors/secrets.ts'
import type { Bus } from '../pipeline/bus.ts'
import type { KafkaBusOptions } from '../pipeline/bus-kafka.ts'
import { createKafkaBus } from '../pipeline/bus-kafka.ts'
import { kafkaSecurity } from '../pipeline/bus-kafka-security.ts'
import { createMemoryBus } from '../pipeline/bus-memory.ts'
import { createCodec } from '../pipeline/codec.ts'
import { LeakwatchError } from '../pipeline/errors.ts'
import type { Finding } from '../pipeline/events.ts'
import { TOPICS } from '../pipeline/events.ts'
import { createFingerprinter } from '../pipeline/fingerprint.ts'
import type { HttpServer } from '../pipeline/http.ts'
import { startHttp } from '../pipeline/http.ts'
import type { Logger } from '../pipeline/log.ts'
import type { Metrics } from '../pipeline/metrics.ts'
import { createMetrics } from '../pipeline/metrics.ts'
import { registerProcessMetrics } from '../pipeline/process-metrics.ts'
import type { RunnerDeps } from '../pipeline/runner.ts'
import { createPublisher, runStage } from '../pipeline/runner.ts'
import type { Collector } from '../pipeline/stages.ts'
import type { ApiServer } from '../responders/api.ts'
import type { IncidentStore } from '../responders/incidents.ts'
import { createMemoryIncidentStore } from '../responders/incidents.ts'
import type { CollectorContext, DetectorContext, Role, RunningDetector } from './registry.ts'
import { COLLECTORS, DETECTORS } from './registry.ts'

/** Seals the values of findings whose rotation needs them (GitHub revocation) to the responder's public key. */
async function sealHook(publicKey: string, rules: string): Promise<(f: Finding) => Finding> {
  const [{ createSealHook }, { revealedSecret }] = await Promise.all([import('../pipeline/seal.ts'), import('../detectors/secrets.ts')])
  return createSealHook(publicKey, rules, revealedSecret)
}

export interface AppDeps {
  logger: Logger
  /** Where the console responder prints incidents. */
  stdout?: Writable
  fetch?: typeof fetch
  /** Kubernetes API access for rotation actions instead of in-cluster configuration (tests). */
  kubeConfig?: KubeConfig
  /** Ends the Kafka connect retries of a start that cannot connect (startApp then rejects with the coded error). */
  signal?: AbortSignal
}

export interface App {
  metrics: Metrics
  bus: Bus
  http: HttpServer | undefined
  incidents: IncidentStore
  /** The incidents API (`responder.api.enabled`). */
  api: ApiServer | undefined
  stop: () => Promise<void>
}

function require<T>(value: T | undefined, path: string, role: string): T {
  if (value === undefined) throw new LeakwatchError('LW_ERR_CONFIG_INVALID', `${path} is required for \`run ${role}\``)
  return value
}

/** The Kafka bus settings of the configuration, for a client named after `role`. */
export function kafkaBusOptions(config: Config, role: string, log: Logger): KafkaBusOptions {
  return {
    brokers: config.kafka.brokers,
    clientId: `${config.kafka.clientId}-${role}`,
    topics: Object.values(TOPICS),
    topicPrefix: config.kafka.topicPrefix,
    partitions: config.kafka.partitions,
    replicationFactor: config.kafka.replicationFactor,
    sessionTimeoutMs: config.kafka.sessionTimeoutMs,
    connectionTimeoutMs: config.kafka.connectionTimeoutMs,
    requestTimeoutMs: config.kafka.requestTimeoutMs,
    maxBytesPerPartition: config.kafka.maxBytesPerPartition,
    security: kafkaSecurity(config.kafka, log)
  }
}

export async function startApp(role: Role, config: Config, deps: AppDeps): Promise<App> {
  const log = deps.logger.child({ role })
  const metrics = createMetrics()
  const embedded = role === 'all'
  const runsCollector = role === 'all' || role === 'collector'
  const runsDetector = role === 'all' || role === 'detector'
  const runsResponder = role === 'all' || role === 'responder'

  // The Kafka roles must agree on keys across processes; the embedded mode can use random ones.
  const payloadKey = embedded ? config.kafka.payloadKey : require(config.kafka.payloadKey, 'kafka.payloadKey', role)
  if (role === 'detector') require(config.detector.fingerprintKey, 'detector.fingerprintKey', role)
  const codec = createCodec({
    payloadKey,
    compress: config.kafka.compress,
    compressMinBytes: config.kafka.compressMinBytes,
    recordKey: config.kafka.recordKey,
    recordVerifyKeys: config.kafka.recordVerifyKeys,
    payloadDecryptKeys: config.kafka.payloadDecryptKeys
  })
  if (!embedded && role !== 'collector' && config.kafka.recordKey === undefined)
    log.warn('no kafka.recordKey: findings are authenticated with a key derived from kafka.payloadKey, which collectors hold too')
  if (codec.ephemeral && embedded) log.info('no kafka.payloadKey: in-process records are sealed with a random key')

  const ready: Record<string, () => boolean> = {}
  // Up before Kafka: while the bus retries a refused credential or an unreachable broker, /metrics shows why and
  // /readyz says not ready, instead of the process exiting into a crash loop.
  const http = config.http.enabled
    ? await startHttp(config.http, metrics.registry, () => Object.fromEntries(Object.entries(ready).map(([k, f]) => [k, f()])))
    : undefined
  ready.bus = () => false
  // Until every stage is up, a connected bus alone does not make the role ready.
  let started = false
  ready.started = () => started
  let bus: Bus
  try {
    bus = embedded
      ? createMemoryBus({ retainMessages: 10_000 })
      : await createKafkaBus(
          {
            ...kafkaBusOptions(config, role, log),
            ...(deps.signal === undefined ? {} : { signal: deps.signal }),
            onConnectError: (err) => {
              metrics.kafkaConnectErrors.inc({ reason: String(err.details?.failure ?? 'unavailable') })
            }
          },
          log,
          metrics.consumerLag
        )
  } catch (err) {
    await http?.close()
    throw err
  }
  const connected = bus
  ready.bus = () => connected.ready()
  const runner: RunnerDeps = { bus, codec, metrics, logger: log, maxPoisonBatchRetries: config.kafka.maxPoisonBatchRetries }
  const publish = createPublisher(runner)

  const stops: Array<() => Promise<void>> = []
  // First in, so stopped last (stops run in reverse): scraped for as long as the process serves /metrics.
  const processMetrics = registerProcessMetrics(metrics.registry)
  stops.push(async () => processMetrics.stop())
  let incidents: IncidentStore = createMemoryIncidentStore()
  let api: ApiServer | undefined
  const abort = new AbortController()

  try {
    // Each role loads only its own modules: a node's collector would otherwise hold the detector's rules, the
    // responders' clients and the Kubernetes client in memory without using them.
    if (runsResponder) {
      const { startResponder } = await import('./responder.ts')
      const responder = await startResponder(config, {
        log,
        metrics,
        runner,
        publish,
        embedded,
        stdout: deps.stdout ?? process.stdout,
        fetch: deps.fetch,
        kubeConfig: deps.kubeConfig,
        signal: deps.signal
      })
      incidents = responder.incidents
      api = responder.api
      Object.assign(ready, responder.ready)
      stops.push(async () => {
        await responder.stop()
      })
    }

    if (runsDetector) {
      const fingerprinter = createFingerprinter(config.detector.fingerprintKey)
      if (fingerprinter.ephemeral) log.warn('no detector.fingerprintKey: fingerprints are random per process and will not match across restarts')
      // GitHub revocation needs the token: those findings carry it sealed to the responder's key, nothing else does.
      const seal = config.detector.sealPublicKey === undefined ? undefined : await sealHook(config.detector.sealPublicKey, config.detector.sealRules)
      const ctx: DetectorContext = { detector: config.detector, fingerprinter, metrics, logger: log, fetch: deps.fetch, reveal: seal !== undefined }
      // Only the clustered detector keeps state in Redis (the access detector's baselines); `run all` keeps it in memory.
      if (!embedded)
        ctx.connectRedis = async () => {
          const { connectRedis, redisConnection } = await import('../pipeline/redis.ts')
          const client = await connectRedis(redisConnection(config.redis, log), {
            log,
            signal: deps.signal,
            onConnectError: (err) => metrics.redisConnectErrors.inc({ reason: String(err.details?.failure ?? 'unavailable') })
          })
          return { client, keyPrefix: config.redis.keyPrefix }
        }
      // The secret engine first: a detector that scans the bytes it framed wraps it (see DetectorContext.engine).
      const byName = new Map(DETECTORS.map((d) => [d.name, d]))
      const engineEntry = byName.get('secrets')
      if (engineEntry === undefined) throw new TypeError('the registry has no secrets detector')
      const engine = await engineEntry.create(config.detector, ctx)
      if (engine === undefined) throw new TypeError('the secrets detector is always on')
      ctx.engine = engine as RunningDetector & SecretDetector
      let detectors: RunningDetector[] = [engine]
      for (const d of DETECTORS) {
        if (d === engineEntry) continue
        const running = await d.create(config.detector, ctx)
        if (running === undefined) continue
        if (running.stop !== undefined) stops.push(running.stop)
        // Known secrets: the index is built before consuming, so a backlog is checked against it.
        await running.start?.()
        detectors = running.wrapsEngine === true ? [...detectors.filter((x) => x !== engine), running] : [...detectors, running]
      }
      const { createDetectorStage } = await import('../detectors/detector-stage.ts')
      const audit = detectors.flatMap((d) => (d.audit === undefined ? [] : [d.audit]))
      const stage = createDetectorStage({ groupId: config.detector.groupId }, { detectors, metrics, audit, ...(seal === undefined ? {} : { seal }) })
      const consumer = await runStage(stage, runner, { fromBeginning: true })
      stops.push(async () => {
        await consumer.stop()
      })
      log.info(Object.assign({}, ...[engine, ...detectors].map((d) => d.summary?.() ?? {})), 'detector started')
    }

    if (runsCollector) {
      // Where a full chunk is cut: before a private key still open at its end, which the detector reads within one chunk.
      const [{ blockCutFor }, { CARRIED_BUILTIN_RULES }] = await Promise.all([import('../detectors/open-block.ts'), import('../detectors/carried-rules.ts')])
      const chunkCut = blockCutFor(CARRIED_BUILTIN_RULES)
      const ctx: CollectorContext = { role, cluster: config.cluster, publish, logger: log, metrics, redis: config.redis, chunkCut }
      const collectors: Collector[] = []
      for (const c of COLLECTORS) {
        const running = await c.create((config.collector as Record<string, unknown>)[c.name], ctx)
        if (running === undefined) continue
        collectors.push(running)
        // A collector that is sent its input (GitHub, GitLab, the ingest endpoint) is not ready until its port
        // listens: a Service would otherwise route webhooks to a pod that refuses them.
        if (running.ready !== undefined) ready[`collector.${c.name}`] = running.ready
      }
      const running = collectors.map(async (c) => {
        await c.start(abort.signal)
      })
      stops.push(async () => {
        abort.abort()
        await Promise.all(
          collectors.map(async (c) => {
            await c.close()
          })
        )
        await Promise.allSettled(running)
      })
      log.info({ path: config.collector.files.path }, 'collector started')
    }
  } catch (err) {
    for (const s of stops.reverse()) await s().catch(() => {})
    await bus.close()
    await http?.close()
    throw err
  }
  started = true

  return {
    metrics,
    bus,
    http,
    incidents,
    api,
    async stop() {
      // Collectors first (no new input), then consumers, then jobs, then the bus.
      for (const s of [...stops].reverse()) await s().catch((err: unknown) => log.warn({ reason: (err as Error).message }, 'error during shutdown'))
      await bus.close()
      await http?.close()
    }
  }
}
