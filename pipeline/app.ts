// Wires a role from configuration: which bus, which stores, which stages.
// `all` is the embedded mode (in-process bus and jobs, nothing to install);
// the other roles are the clustered deployment (Kafka, Redis, BullMQ).

import { existsSync } from 'node:fs'
import type { Writable } from 'node:stream'
import type { KubeConfig } from '@kubernetes/client-node'
import type { Collector } from '../collectors/files.ts'
import { createFilesCollector } from '../collectors/files.ts'
import { createPodLogsCollector } from '../collectors/pod-logs.ts'
import type { Config } from '../config/schema.ts'
import type { ApiServer } from '../responders/api.ts'
import type { IncidentStore } from '../responders/incidents.ts'
import { createMemoryIncidentStore } from '../responders/incidents.ts'
import type { Bus } from './bus.ts'
import { createKafkaBus } from './bus-kafka.ts'
import { createMemoryBus } from './bus-memory.ts'
import { createCodec } from './codec.ts'
import { LeakwatchError } from './errors.ts'
import { TOPICS } from './events.ts'
import { createFingerprinter } from './fingerprint.ts'
import type { HttpServer } from './http.ts'
import { startHttp } from './http.ts'
import type { Logger } from './log.ts'
import type { Metrics } from './metrics.ts'
import { createMetrics } from './metrics.ts'
import type { RunnerDeps } from './runner.ts'
import { createPublisher, runStage } from './runner.ts'

export const ROLES = ['all', 'collector', 'detector', 'responder'] as const
export type Role = (typeof ROLES)[number]

export interface AppDeps {
  logger: Logger
  /** Where the console responder prints incidents. */
  stdout?: Writable
  fetch?: typeof fetch
  /** Kubernetes API access for rotation actions instead of in-cluster configuration (tests). */
  kubeConfig?: KubeConfig
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
  const codec = createCodec({ payloadKey, compress: config.kafka.compress })
  if (codec.ephemeral && embedded) log.info('no kafka.payloadKey: in-process records are sealed with a random key')

  const bus: Bus = embedded
    ? createMemoryBus({ retainMessages: 10_000 })
    : await createKafkaBus(
        {
          brokers: config.kafka.brokers,
          clientId: `${config.kafka.clientId}-${role}`,
          topics: Object.values(TOPICS),
          topicPrefix: config.kafka.topicPrefix,
          partitions: config.kafka.partitions,
          replicationFactor: config.kafka.replicationFactor,
          sessionTimeoutMs: config.kafka.sessionTimeoutMs,
          connectionTimeoutMs: config.kafka.connectionTimeoutMs,
          requestTimeoutMs: config.kafka.requestTimeoutMs,
          maxBytesPerPartition: config.kafka.maxBytesPerPartition
        },
        log
      )
  const runner: RunnerDeps = { bus, codec, metrics, logger: log }
  const publish = createPublisher(runner)

  const stops: Array<() => Promise<void>> = []
  const ready: Record<string, () => boolean> = { bus: () => bus.ready() }
  let incidents: IncidentStore = createMemoryIncidentStore()
  let api: ApiServer | undefined
  const abort = new AbortController()

  try {
    // Each role loads only its own modules: a node's collector would otherwise hold the detector's rules, the
    // responders' clients and the Kubernetes client in memory without using them.
    if (runsResponder) {
      const { startResponder } = await import('../responders/wire.ts')
      const responder = await startResponder(config, {
        log,
        metrics,
        runner,
        publish,
        embedded,
        stdout: deps.stdout ?? process.stdout,
        fetch: deps.fetch,
        kubeConfig: deps.kubeConfig
      })
      incidents = responder.incidents
      api = responder.api
      Object.assign(ready, responder.ready)
      stops.push(async () => {
        await responder.stop()
      })
    }

    if (runsDetector) {
      const [
        { createKnownSecrets },
        { withKnownSecrets },
        { BUILTIN_RULES },
        { createSecretDetector, revealedSecret },
        { createDetectorStage },
        { createSealHook }
      ] = await Promise.all([
        import('../detectors/known-secrets/wire.ts'),
        import('../detectors/known-secrets/detector.ts'),
        import('../detectors/rules/registry.ts'),
        import('../detectors/secrets.ts'),
        import('../detectors/stage.ts'),
        import('../responders/seal.ts')
      ])
      const fingerprinter = createFingerprinter(config.detector.fingerprintKey)
      if (fingerprinter.ephemeral) log.warn('no detector.fingerprintKey: fingerprints are random per process and will not match across restarts')
      // GitHub revocation needs the token: those findings carry it sealed to the responder's key, nothing else does.
      const seal =
        config.detector.sealPublicKey === undefined ? undefined : createSealHook(config.detector.sealPublicKey, config.detector.sealRules, revealedSecret)
      const secrets = createSecretDetector({
        ...(seal === undefined ? {} : { reveal: true }),
        rules: BUILTIN_RULES,
        fingerprinter,
        maxContextChars: config.detector.maxContextChars,
        allow: config.detector.allow
      })
      // Known secrets (opt-in sources): the index is built before consuming, so a backlog is checked against it.
      const known = createKnownSecrets(config.detector.knownSecrets, {
        fingerprinter,
        metrics,
        logger: log,
        maxContextChars: config.detector.maxContextChars,
        allowStreams: config.detector.allow.streams,
        ...(deps.fetch === undefined ? {} : { fetch: deps.fetch })
      })
      if (known !== undefined) {
        stops.push(known.stop)
        await known.start()
      }
      const detectors = known === undefined ? [secrets] : [withKnownSecrets(secrets, known.detector)]
      const stage = createDetectorStage({ groupId: config.detector.groupId }, { detectors, metrics, ...(seal === undefined ? {} : { seal }) })
      const consumer = await runStage(stage, runner, { fromBeginning: true })
      stops.push(async () => {
        await consumer.stop()
      })
      log.info({ rules: secrets.ruleCount, knownSecrets: known?.index.stats().values }, 'detector started')
    }

    if (runsCollector) {
      const collectors: Collector[] = []
      if (config.collector.files.enabled) collectors.push(createFilesCollector(config.collector.files, { publish, logger: log, metrics }))
      const pods = config.collector.podLogs
      // On by default only for a collector on a Kubernetes node; the embedded mode tails its demo folder.
      if (pods.mode === 'on' || (pods.mode === 'auto' && role === 'collector' && existsSync(pods.path))) {
        const metadata = pods.metadata.enabled
          ? (await import('../collectors/k8s-pods.ts')).podMetadataFromConfig(pods, {
              logger: log,
              onState: (s) => metrics.podMetadataUp.set(s === 'synced' ? 1 : 0)
            })
          : undefined
        collectors.push(
          createPodLogsCollector(pods, { publish, logger: log, metrics, cluster: config.cluster, ...(metadata === undefined ? {} : { metadata }) })
        )
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
    throw err
  }

  const http = config.http.enabled
    ? await startHttp(config.http, metrics.registry, () => Object.fromEntries(Object.entries(ready).map(([k, f]) => [k, f()])))
    : undefined

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
