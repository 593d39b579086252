// The registry: every component of every stage, one explicit array per stage,
// alphabetical, with no import side effects (gitleaks' rule list; Redpanda
// Connect's explicit plugin registration). A component is its name (its
// configuration section), its schema (kept beside it) and a factory that loads
// its code on demand: a node's collector must not hold the detector's rules
// or the responders' API clients in memory.
//
// Adding a component: write it against its contract in pipeline/stages.ts,
// put its schema beside it, mount the schema in config/schema.ts under the
// same name, and add one entry here. test/app/registry.test.ts checks that the
// entries, their names and the configuration tree agree.

import type { KubeConfig } from '@kubernetes/client-node'
import type { Redis } from 'ioredis'
import { auditFileConfigSchema } from '../collectors/audit/file.config.ts'
import { auditWebhookConfigSchema } from '../collectors/audit/webhook.config.ts'
import { githubCollectorConfigSchema } from '../collectors/ci/github.config.ts'
import { gitlabConfigSchema } from '../collectors/ci/gitlab.config.ts'
import { ciIngestConfigSchema } from '../collectors/ci/ingest.config.ts'
import { filesConfigSchema } from '../collectors/files.config.ts'
import { podLogsConfigSchema } from '../collectors/pod-logs.config.ts'
import { accessConfigSchema } from '../detectors/access/config.ts'
import type { DetectorConfig } from '../detectors/config.ts'
import { detectorConfigSchema } from '../detectors/config.ts'
import { knownSecretsConfigSchema } from '../detectors/known-secrets/config.ts'
import type { SecretDetector } from '../detectors/secrets.ts'
import type { AuditEnvelope, Finding } from '../pipeline/events.ts'
import type { Fingerprinter } from '../pipeline/fingerprint.ts'
import type { Logger } from '../pipeline/log.ts'
import type { Metrics } from '../pipeline/metrics.ts'
import type { RedisConfig } from '../pipeline/redis.config.ts'
import type { Publish } from '../pipeline/runner.ts'
import type { Schema } from '../pipeline/schema.ts'
import type { ChunkCut, Collector, Component, Detector, Responder } from '../pipeline/stages.ts'
import type { ResponderConfig, RotationAction, RotationActionType } from '../responders/config.ts'
import { responderConfigSchema } from '../responders/config.ts'
import type { Incident, IncidentStore } from '../responders/incidents.ts'
import type { Senders } from '../responders/webhook.ts'

/** The process a component is created in: `run all` is one process, the others are the clustered deployment. */
export const ROLES = ['all', 'collector', 'detector', 'responder'] as const
export type Role = (typeof ROLES)[number]

/** Keeps each entry's own config type checked where it is written, then lets entries of one stage share an array. */
function entry<C, X, T>(e: Component<C, X, T>): Component<unknown, X, T> {
  return e as unknown as Component<unknown, X, T>
}

// ---------------------------------------------------------------- collectors

export interface CollectorContext {
  role: Role
  cluster: string
  publish: Publish
  logger: Logger
  metrics: Metrics
  /** The `redis` section, for collectors that share state between replicas (CI webhook deliveries). */
  redis?: RedisConfig | undefined
  /** Where a full chunk is cut: before a private key still open at its end (detectors/open-block.ts). */
  chunkCut?: ChunkCut
}

/** Mounted at `collector.<name>`. */
export const COLLECTORS: ReadonlyArray<Component<unknown, CollectorContext, Collector>> = [
  entry({
    name: 'auditFile',
    configSchema: auditFileConfigSchema,
    example: { enabled: true, path: '/var/log/kubernetes/audit/audit.log', readFrom: 'end', checkpointPath: '/var/lib/leakwatch/audit-checkpoints.json' },
    async create(config, ctx) {
      if (!config.enabled) return undefined
      const { createAuditFileCollector } = await import('../collectors/audit/file.ts')
      return createAuditFileCollector(config, { ...ctx, cluster: ctx.cluster })
    }
  }),
  entry({
    name: 'auditWebhook',
    configSchema: auditWebhookConfigSchema,
    example: {
      enabled: true,
      port: 8443,
      certFile: '/etc/leakwatch/audit-tls/tls.crt',
      keyFile: '/etc/leakwatch/audit-tls/tls.key',
      clientCaFile: '/etc/leakwatch/audit-tls/client-ca.crt',
      allowedClientNames: ['kube-apiserver-audit']
    },
    async create(config, ctx) {
      if (!config.enabled) return undefined
      const { createAuditWebhook } = await import('../collectors/audit/webhook.ts')
      return createAuditWebhook(config, { ...ctx, cluster: ctx.cluster })
    }
  }),
  entry({
    name: 'ciIngest',
    configSchema: ciIngestConfigSchema,
    example: { enabled: true, port: 9472, tokensFile: '/var/run/secrets/leakwatch/ingest-tokens', maxBodyBytes: 268_435_456 },
    async create(config, ctx) {
      if (!config.enabled) return undefined
      const [{ createIngestEndpoint }, { readSecretFile }, { LeakwatchError }] = await Promise.all([
        import('../collectors/ci/ingest.ts'),
        import('../pipeline/tls.ts'),
        import('../pipeline/errors.ts')
      ])
      const fromFile = config.tokensFile === undefined ? [] : readSecretFile(config.tokensFile, 'collector.ciIngest.tokensFile').split(/\r?\n/)
      const tokens = [...config.tokens, ...fromFile.map((t) => t.trim()).filter((t) => t !== '')]
      if (tokens.length === 0 || tokens.some((t) => t.length < 32))
        throw new LeakwatchError('LW_ERR_CONFIG_INVALID', 'collector.ciIngest needs tokens or tokensFile: bearer tokens of 32+ characters')
      return createIngestEndpoint(config, { ...ctx, tokens })
    }
  }),
  entry({
    name: 'files',
    configSchema: filesConfigSchema,
    example: { path: '/var/log/myapp', include: '\\.(log|out)$', readFrom: 'beginning', maxLineBytes: 65_536 },
    async create(config, ctx) {
      if (!config.enabled) return undefined
      const { createFilesCollector } = await import('../collectors/files.ts')
      return createFilesCollector(config, ctx)
    }
  }),
  entry({
    name: 'github',
    configSchema: githubCollectorConfigSchema,
    example: {
      enabled: true,
      webhookSecretFile: '/etc/leakwatch/github/webhook-secret',
      app: { id: '123456', privateKeyFile: '/etc/leakwatch/github/app.pem' },
      apiUrl: 'https://github.example.com/api/v3',
      repositories: ['octo-org/payments']
    },
    async create(config, ctx) {
      if (!config.enabled) return undefined
      const [{ createGithubCollector }, guards] = await Promise.all([
        import('../collectors/ci/github/collector.ts'),
        import('../collectors/ci/delivery-guard.ts')
      ])
      // Replicas behind one webhook URL must share delivery ids; one process keeps them itself.
      const shared = config.replayStore === 'redis' || (config.replayStore === 'auto' && ctx.role === 'collector')
      if (!shared) return createGithubCollector(config, ctx)
      if (ctx.redis === undefined) throw new TypeError('collector.github.replayStore needs the redis section')
      const { connectRedis, redisConnection } = await import('../pipeline/redis.ts')
      const redis = await connectRedis(redisConnection(ctx.redis, ctx.logger), { log: ctx.logger })
      const collector = createGithubCollector(config, { ...ctx, guard: guards.redisGuard(redis, ctx.redis.keyPrefix) })
      return {
        ...collector,
        async close() {
          await collector.close()
          redis.disconnect()
        }
      }
    }
  }),
  entry({
    name: 'gitlab',
    configSchema: gitlabConfigSchema,
    example: {
      enabled: true,
      url: 'https://gitlab.example.test',
      tokenFile: '/var/run/secrets/leakwatch/gitlab-token',
      webhookTokenFile: '/var/run/secrets/leakwatch/gitlab-webhook-token',
      port: 9471
    },
    async create(config, ctx) {
      if (!config.enabled) return undefined
      const { gitlabCollectorFromConfig } = await import('../collectors/ci/gitlab/setup.ts')
      return gitlabCollectorFromConfig(config, ctx)
    }
  }),
  entry({
    name: 'podLogs',
    configSchema: podLogsConfigSchema,
    example: { mode: 'on', excludeNamespaces: ['kube-system'], excludePodLabels: ['leakwatch.io/exclude=true'], maxInFlightBytes: 33_554_432 },
    async create(config, ctx) {
      const { existsSync } = await import('node:fs')
      // On by default only for a collector on a Kubernetes node; the embedded mode tails its demo folder.
      if (!(config.mode === 'on' || (config.mode === 'auto' && ctx.role === 'collector' && existsSync(config.path)))) return undefined
      const metadata = config.metadata.enabled
        ? (await import('../collectors/k8s-pods.ts')).podMetadataFromConfig(config, {
            logger: ctx.logger,
            onState: (s) => ctx.metrics.podMetadataUp.set(s === 'synced' ? 1 : 0)
          })
        : undefined
      const { createPodLogsCollector } = await import('../collectors/pod-logs.ts')
      return createPodLogsCollector(config, { ...ctx, ...(metadata === undefined ? {} : { metadata }) })
    }
  })
]

// ----------------------------------------------------------------- detectors

export interface DetectorContext {
  /** The `detector` section: settings every detector shares (allowlists, context length). */
  detector: DetectorConfig
  fingerprinter: Fingerprinter
  metrics: Metrics
  logger: Logger
  fetch?: typeof fetch | undefined
  /** Findings keep the matched value in memory for sealing (`detector.sealPublicKey`); never serialised. */
  reveal: boolean
  /**
   * The secret-rule engine. It is created first: a detector that scans the same bytes (known secrets
   * search the UTF-8 buffer the engine framed) wraps it instead of reading the chunk again.
   */
  engine?: SecretDetector | undefined
  /** Redis of the clustered detector (the access detector's state); undefined in `run all`, which keeps state in memory. */
  connectRedis?: (() => Promise<{ client: Redis; keyPrefix: string }>) | undefined
}

export interface RunningDetector extends Detector {
  /** Replaces the engine in the stage because it already runs the engine's scan. */
  wrapsEngine?: boolean
  /** Called before the stage consumes, so a backlog is checked against a complete index. */
  start?: () => Promise<void>
  stop?: () => Promise<void>
  /** Shown in the start-up log line. */
  summary?: () => Record<string, unknown>
  /** Detects in the audit events themselves (not in their text): a batch in, findings out. */
  audit?: (events: AuditEnvelope[]) => Promise<Finding[]>
}

/**
 * Each detector reads the `detector` section it is given; `configSchema` is the part it owns
 * (`detector.knownSecrets`; the secret engine owns the section's own fields).
 */
export const DETECTORS: ReadonlyArray<Component<DetectorConfig, DetectorContext, RunningDetector>> = [
  {
    name: 'access',
    configSchema: accessConfigSchema as Schema<unknown> as Schema<DetectorConfig>,
    example: { enabled: true, learningPeriodMs: 604_800_000, controllers: ['system:serviceaccount:external-secrets:*'], allow: { groups: ['breakglass'] } },
    async create(config, ctx) {
      if (!config.access.enabled) return undefined
      const { createAccessStage } = await import('../detectors/access/stage.ts')
      const redis = ctx.connectRedis === undefined ? undefined : await ctx.connectRedis()
      return createAccessStage(config.access, {
        fingerprinter: ctx.fingerprinter,
        logger: ctx.logger,
        maxContextChars: config.maxContextChars,
        redis,
        metrics: ctx.metrics
      })
    }
  },
  {
    name: 'knownSecrets',
    configSchema: knownSecretsConfigSchema as Schema<unknown> as Schema<DetectorConfig>,
    example: { kubernetes: { enabled: true, namespaces: ['payments', 'shop'], excludeTypes: ['kubernetes.io/service-account-token'] }, minLengthChars: 10 },
    async create(config, ctx) {
      const { createKnownSecrets } = await import('./known-secrets.ts')
      const known = createKnownSecrets(config.knownSecrets, {
        fingerprinter: ctx.fingerprinter,
        metrics: ctx.metrics,
        logger: ctx.logger,
        maxContextChars: config.maxContextChars,
        maxFindingsPerLine: config.maxFindingsPerLine,
        allowStreams: config.allow.streams,
        ...(ctx.fetch === undefined ? {} : { fetch: ctx.fetch })
      })
      if (known === undefined) return undefined
      const engine = ctx.engine
      if (engine === undefined) throw new TypeError('known secrets need the secret engine (created first)')
      const { withKnownSecrets } = await import('../detectors/known-secrets/detector.ts')
      return {
        ...withKnownSecrets(engine, known.detector),
        wrapsEngine: true,
        start: known.start,
        stop: known.stop,
        summary: () => ({ knownSecrets: known.index.stats().values })
      }
    }
  },
  {
    name: 'secrets',
    configSchema: detectorConfigSchema,
    example: { maxContextChars: 160, allow: { streams: ['^k8s/ci-fixtures/'], lines: ['test-fixture'] } },
    async create(config, ctx) {
      const [{ BUILTIN_RULES }, { createSecretDetector }] = await Promise.all([import('../detectors/rules/registry.ts'), import('../detectors/secrets.ts')])
      const engine = createSecretDetector({
        ...(ctx.reveal ? { reveal: true } : {}),
        rules: BUILTIN_RULES,
        fingerprinter: ctx.fingerprinter,
        maxContextChars: config.maxContextChars,
        maxFindingsPerLine: config.maxFindingsPerLine,
        onLimit: (limit) => ctx.metrics.detectorLimits.inc({ limit }),
        allow: config.allow
      })
      return Object.assign(engine, { summary: () => ({ rules: engine.ruleCount }) })
    }
  }
]

// ---------------------------------------------------------------- responders

export interface ResponderContext {
  store: IncidentStore
  logger: Logger
  fetch?: typeof fetch | undefined
  /** Redis of the clustered responder; undefined in `run all`. */
  redis?: Redis | undefined
  /** A kubeconfig instead of `responder.kubernetes.kubeconfig` / in-cluster (tests). */
  kubeConfig?: KubeConfig | undefined
  /** Webhook endpoints by name ('' is `responder.webhook`); the notifier and callbacks use them too. */
  webhooks: Senders
}

export interface ResponderEntry extends Component<ResponderConfig, ResponderContext, Responder<Incident, RotationAction>> {
  /** The rotation action types (`responder.rotation[].actions[].type`) this responder carries out. */
  readonly actions: readonly RotationActionType[]
}

/** Rotation responders, each reading its own part of the `responder` section. Slack and the incident webhook notify; they are wired in app/responder.ts. */
export const RESPONDERS: readonly ResponderEntry[] = [
  {
    name: 'github',
    actions: ['github-revoke'],
    configSchema: responderConfigSchema,
    example: {
      github: { apiUrl: 'https://api.github.com' },
      rotation: { policy: [{ match: { rule: '^github-' }, mode: 'auto', actions: [{ type: 'github-revoke' }] }] }
    },
    async create(rc, ctx) {
      const [{ createGithubRevoker }, { createOpener }] = await Promise.all([import('../responders/github.ts'), import('../pipeline/seal.ts')])
      const opener = rc.sealPrivateKey === undefined ? undefined : createOpener(rc.sealPrivateKey)
      const r = createGithubRevoker(rc.github, {
        opener,
        sealed: (fp) => ctx.store.sealed(fp),
        ...(ctx.fetch === undefined ? {} : { fetch: ctx.fetch })
      })
      return { handle: async (i) => ({ outcome: 'succeeded', detail: await r.revoke(i) }) }
    }
  },
  {
    name: 'kubernetes',
    actions: ['kubernetes'],
    configSchema: responderConfigSchema,
    example: { kubernetes: { enabled: true, restartWorkloads: true } },
    async create(rc, ctx) {
      if (!rc.kubernetes.enabled && ctx.kubeConfig === undefined) return undefined
      const [{ KubeConfig }, { createKubernetesRotator }] = await Promise.all([import('@kubernetes/client-node'), import('../responders/kubernetes.ts')])
      let kc = ctx.kubeConfig
      if (kc === undefined) {
        kc = new KubeConfig()
        if (rc.kubernetes.kubeconfig !== undefined) kc.loadFromFile(rc.kubernetes.kubeconfig)
        else kc.loadFromCluster()
      }
      const r = createKubernetesRotator(kc, { restartWorkloads: rc.kubernetes.restartWorkloads })
      return { handle: async (i) => ({ outcome: 'succeeded', detail: await r.rotate(i) }) }
    }
  },
  {
    name: 'vault',
    actions: ['vault-kv-generate', 'vault-revoke-lease', 'vault-rotate-role'],
    configSchema: responderConfigSchema,
    example: { vault: { address: 'https://vault.example.test:8200', timeoutMs: 5000 } },
    async create(rc, ctx) {
      const v = rc.vault
      if (v.address === undefined || v.token === undefined) return undefined
      const { createVaultRotator } = await import('../responders/vault.ts')
      const r = createVaultRotator(
        { address: v.address, token: v.token, namespace: v.namespace, timeoutMs: v.timeoutMs },
        ctx.fetch === undefined ? {} : { fetch: ctx.fetch }
      )
      return { handle: async (i, a) => ({ outcome: 'succeeded', detail: await r.run(a, i) }) }
    }
  },
  {
    name: 'webhook',
    actions: ['webhook'],
    configSchema: responderConfigSchema,
    example: { webhook: { url: 'https://rotate.example.test/leakwatch', attempts: 8 } },
    async create(rc, ctx) {
      // Always present: a policy naming an endpoint that does not exist fails with that endpoint's name.
      const { createWebhookResponder } = await import('../responders/webhook.ts')
      const callbackUrl = rc.api.publicUrl === undefined ? undefined : `${rc.api.publicUrl.replace(/\/+$/, '')}/api/v1/callbacks/webhook`
      return createWebhookResponder(ctx.webhooks, { callbackUrl })
    }
  }
]
