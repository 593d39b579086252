// Wires the responder role: incident store, job queue and its handlers,
// Slack, webhooks, Kubernetes, Vault, GitHub, the incidents API and the stage.
// Embedded (`run all`): memory store and in-process jobs. Clustered: Redis and
// BullMQ, shared by every responder replica.

import type { Writable } from 'node:stream'
import type { KubeConfig } from '@kubernetes/client-node'
import type { Redis } from 'ioredis'
import type { Config } from '../config/schema.ts'
import { LeakwatchError } from '../pipeline/errors.ts'
import type { ActionRecord } from '../pipeline/events.ts'
import { TOPICS } from '../pipeline/events.ts'
import type { Jobs } from '../pipeline/jobs.ts'
import { createBullJobs, createMemoryJobs } from '../pipeline/jobs.ts'
import type { Logger } from '../pipeline/log.ts'
import type { Metrics } from '../pipeline/metrics.ts'
import type { RedisConnection } from '../pipeline/redis.ts'
import { connectRedis, redisConnection } from '../pipeline/redis.ts'
import type { Publish, RunnerDeps } from '../pipeline/runner.ts'
import { runStage } from '../pipeline/runner.ts'
import type { Responder } from '../pipeline/stages.ts'
import { createActions } from '../responders/actions.ts'
import type { ApiServer } from '../responders/api.ts'
import { startApi } from '../responders/api.ts'
import type { RotationAction, RotationActionType } from '../responders/config.ts'
import type { Incident, IncidentStore } from '../responders/incidents.ts'
import { createMemoryIncidentStore } from '../responders/incidents.ts'
import { createRedisIncidentStore } from '../responders/incidents-redis.ts'
import { createResponderStage } from '../responders/responder-stage.ts'
import { createMemoryLimiter, createRedisLimiter, createSlackClient, createSlackSync } from '../responders/slack.ts'
import type { WebhookSender } from '../responders/webhook.ts'
import { createWebhookSender } from '../responders/webhook.ts'
import { RESPONDERS } from './registry.ts'

export interface ResponderDeps {
  log: Logger
  metrics: Metrics
  runner: RunnerDeps
  publish: Publish
  embedded: boolean
  stdout: Writable | undefined
  fetch?: typeof fetch | undefined
  /** A kubeconfig to use instead of `responder.kubernetes.kubeconfig` / in-cluster (tests). */
  kubeConfig?: KubeConfig | undefined
  /** Ends the Redis connect retries of a start that cannot connect. */
  signal?: AbortSignal | undefined
}

export interface RunningResponder {
  incidents: IncidentStore
  api: ApiServer | undefined
  ready: Record<string, () => boolean>
  stop: () => Promise<void>
}

/** BullMQ's connection: the same host, TLS and ACL user as the ioredis client; BullMQ's blocking commands need no request retry limit. */
export function bullConnection(conn: RedisConnection) {
  return { ...conn, maxRetriesPerRequest: null }
}

export async function startResponder(config: Config, deps: ResponderDeps): Promise<RunningResponder> {
  const { log, metrics } = deps
  const rc = config.responder
  const ready: Record<string, () => boolean> = {}
  const stops: Array<() => Promise<void>> = []
  const fetchDep = deps.fetch === undefined ? {} : { fetch: deps.fetch }
  // Read once (the credential files too), and only by a clustered responder: the embedded one has no Redis.
  let conn: RedisConnection | undefined
  const connection = (): RedisConnection => {
    conn ??= redisConnection(config.redis, log)
    return conn
  }
  try {
    let redis: Redis | undefined
    let store: IncidentStore
    if (deps.embedded) {
      store = createMemoryIncidentStore({ retentionMs: rc.incidentRetentionMs, maxOccurrenceIds: rc.maxOccurrenceIdsPerIncident })
    } else {
      redis = await connectRedis(connection(), {
        log,
        signal: deps.signal,
        onConnectError: (err) => {
          metrics.redisConnectErrors.inc({ reason: String(err.details?.failure ?? 'unavailable') })
        }
      })
      const r = redis
      stops.push(async () => {
        await r.quit().catch(() => {})
      })
      ready.redis = () => r.status === 'ready'
      store = createRedisIncidentStore(redis, {
        prefix: config.redis.keyPrefix,
        retentionMs: rc.incidentRetentionMs,
        maxOccurrenceIds: rc.maxOccurrenceIdsPerIncident
      })
    }

    const webhooks = new Map<string, WebhookSender & { secrets: string[] }>()
    if (rc.webhook.url !== undefined) {
      const ep = { name: '', url: rc.webhook.url, secrets: rc.webhook.secrets, timeoutMs: rc.webhook.timeoutMs }
      webhooks.set('', { ...createWebhookSender(ep, fetchDep), secrets: ep.secrets })
    }
    for (const ep of rc.webhookEndpoints) webhooks.set(ep.name, { ...createWebhookSender(ep, fetchDep), secrets: ep.secrets })

    const limiter =
      redis === undefined ? createMemoryLimiter(rc.slack.channelIntervalMs) : createRedisLimiter(redis, config.redis.keyPrefix, rc.slack.channelIntervalMs)
    const slack = rc.slack.token === undefined ? undefined : createSlackSync({ api: createSlackClient(rc.slack, deps.fetch), store, limiter, metrics })

    const responders = new Map<RotationActionType, Responder<Incident, RotationAction>>()
    const ctx = { store, logger: log, fetch: deps.fetch, redis, kubeConfig: deps.kubeConfig, webhooks }
    for (const entry of RESPONDERS) {
      const r = await entry.create(rc, ctx)
      if (r !== undefined) for (const type of entry.actions) responders.set(type, r)
    }

    const actions = createActions({
      config: rc,
      store,
      metrics,
      logger: log,
      publish: async (record: ActionRecord) => {
        await deps.publish([{ topic: TOPICS.actions, key: record.fingerprint, value: record }])
      },
      slack,
      webhooks,
      responders
    })
    const jobOpts = {
      attempts: rc.webhook.attempts,
      backoffMs: rc.webhook.backoffMs,
      maxBackoffMs: rc.webhook.maxBackoffMs,
      concurrency: rc.concurrency,
      perName: { slack: { attempts: rc.slack.attempts, backoffMs: rc.slack.backoffMs, maxBackoffMs: rc.slack.maxBackoffMs } },
      onOutcome: actions.onOutcome,
      onDeadLettersChanged: () => {
        jobs.deadLetterCount().then(
          (n) => metrics.jobsDeadLetter.set(n),
          () => {}
        )
      }
    }
    const jobs: Jobs = deps.embedded
      ? createMemoryJobs(actions.handlers, jobOpts, log)
      : await createBullJobs(bullConnection(connection()), config.redis.keyPrefix, actions.handlers, jobOpts, log)
    actions.bind(jobs)
    stops.push(async () => {
      await jobs.close()
    })
    metrics.jobsDeadLetter.set(await jobs.deadLetterCount())

    let api: ApiServer | undefined
    if (rc.api.enabled) {
      if (rc.api.tokens.length === 0) throw new LeakwatchError('LW_ERR_CONFIG_INVALID', 'responder.api.tokens is required when responder.api.enabled is true')
      const a = await startApi(
        { host: rc.api.host, port: rc.api.port, tokens: rc.api.tokens, slackSigningSecret: rc.slack.signingSecret },
        { store, actions, jobs, logger: log }
      )
      api = a
      stops.push(async () => {
        await a.close()
      })
    }

    const co = rc.ciOwners
    const ciOwners =
      co.routes.length === 0 && !co.codeowners
        ? undefined
        : await (async () => {
            const [{ createCiOwners }, { readSecretFile }] = await Promise.all([import('../responders/ci-owners.ts'), import('../pipeline/tls.ts')])
            return createCiOwners(co, {
              ...fetchDep,
              logger: log,
              githubToken: co.github.tokenFile === undefined ? undefined : readSecretFile(co.github.tokenFile, 'responder.ciOwners.github.tokenFile'),
              gitlabToken: co.gitlab.tokenFile === undefined ? undefined : readSecretFile(co.gitlab.tokenFile, 'responder.ciOwners.gitlab.tokenFile')
            })
          })()
    const stage = createResponderStage(
      { groupId: rc.groupId, cluster: config.cluster, config: rc, console: rc.console ? deps.stdout : undefined },
      { store, actions, metrics, ciOwners }
    )
    const consumer = await runStage(stage, deps.runner, { fromBeginning: true })
    stops.push(async () => {
      await consumer.stop()
    })
    return {
      incidents: store,
      api,
      ready,
      async stop() {
        // Consumer first (no new incidents), then API and jobs, then Redis.
        for (const s of [...stops].reverse()) await s().catch((err: unknown) => log.warn({ reason: (err as Error).message }, 'error during responder shutdown'))
      }
    }
  } catch (err) {
    for (const s of stops.reverse()) await s().catch(() => {})
    throw err
  }
}
