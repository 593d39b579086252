// From `collector.gitlab` to a running collector: credentials read from their
// files, and the delivery store chosen (Redis when replicas share the hook).

import { LeakwatchError } from '../../../pipeline/errors.ts'
import type { Logger } from '../../../pipeline/log.ts'
import type { Metrics } from '../../../pipeline/metrics.ts'
import type { RedisConfig } from '../../../pipeline/redis.config.ts'
import type { Publish } from '../../../pipeline/runner.ts'
import type { ChunkCut } from '../../../pipeline/stages.ts'
import { readSecretFile } from '../../../pipeline/tls.ts'
import type { DeliveryStore } from '../deliveries.ts'
import { memoryDeliveryStore, redisDeliveryStore } from '../deliveries.ts'
import type { GitlabConfig } from '../gitlab.config.ts'
import type { CiProvider } from '../provider.ts'
import { createGitlabApi } from './api.ts'
import type { GitlabCollector } from './collector.ts'
import { createGitlabCollector } from './collector.ts'
import { createGitlabProvider } from './provider.ts'

export interface GitlabSetupContext {
  role: string
  publish: Publish
  logger: Logger
  metrics: Metrics
  redis?: RedisConfig | undefined
  chunkCut?: ChunkCut | undefined
}

export function gitlabCredentials(config: GitlabConfig): { apiToken: string | undefined; webhookTokens: string[] } {
  const apiToken = config.tokenFile !== undefined ? readSecretFile(config.tokenFile, 'collector.gitlab.tokenFile') : config.token
  const hook = config.webhookTokenFile !== undefined ? readSecretFile(config.webhookTokenFile, 'collector.gitlab.webhookTokenFile') : config.webhookToken
  // An endpoint on the network that queues API calls for anyone who finds it: a token is not optional.
  if (hook === undefined)
    throw new LeakwatchError('LW_ERR_CONFIG_INVALID', 'collector.gitlab needs webhookToken or webhookTokenFile (the secret token set on the GitLab webhook)')
  return { apiToken, webhookTokens: [hook] }
}

export async function gitlabCollectorFromConfig(config: GitlabConfig, ctx: GitlabSetupContext): Promise<GitlabCollector> {
  const { apiToken, webhookTokens } = gitlabCredentials(config)
  let store: DeliveryStore = memoryDeliveryStore()
  let redis: { disconnect(): void } | undefined
  if (config.deliveries === 'redis' || (config.deliveries === 'auto' && ctx.role === 'collector')) {
    if (ctx.redis === undefined) throw new LeakwatchError('LW_ERR_CONFIG_INVALID', 'collector.gitlab.deliveries is redis but no redis section is configured')
    const { connectRedis, redisConnection } = await import('../../../pipeline/redis.ts')
    const client = await connectRedis(redisConnection(ctx.redis, ctx.logger), { log: ctx.logger })
    redis = client
    store = redisDeliveryStore(client, ctx.redis.keyPrefix, 'gitlab')
  }
  const collector = createGitlabCollector(config, {
    publish: ctx.publish,
    logger: ctx.logger,
    metrics: ctx.metrics,
    webhookTokens,
    apiToken,
    store,
    chunkCut: ctx.chunkCut
  })
  if (redis === undefined) return collector
  // The connection is this collector's own: left open, a stopped app (an embedding, a test) never lets its process exit.
  const close = collector.close.bind(collector)
  const own = redis
  collector.close = async () => {
    try {
      await close()
    } finally {
      own.disconnect()
    }
  }
  return collector
}

/**
 * The provider of `leakwatch ci backfill --provider gitlab --project ID|group/project`: `collector.gitlab`'s URL and
 * token (or `--api-url` and GITLAB_TOKEN). A finished job's log is there already, so a missing one is not waited for.
 */
export function gitlabBackfillProvider(
  config: GitlabConfig,
  apiUrl: string | undefined,
  env: NodeJS.ProcessEnv,
  deps: { fetch?: typeof fetch } = {}
): CiProvider {
  const token = config.tokenFile !== undefined ? readSecretFile(config.tokenFile, 'collector.gitlab.tokenFile') : (config.token ?? env.GITLAB_TOKEN)
  if (token === undefined || token === '') throw new LeakwatchError('LW_ERR_USAGE', 'no GitLab token: set collector.gitlab.tokenFile or GITLAB_TOKEN')
  const api = createGitlabApi(
    {
      url: (apiUrl ?? config.url).replace(/\/api\/v4\/?$/, ''),
      token,
      tokenHeader: config.tokenHeader,
      timeoutMs: config.timeoutMs,
      retryBaseMs: config.retryBaseMs,
      retryMaxMs: config.retryMaxMs,
      readyTimeoutMs: Math.min(config.traceReadyTimeoutMs, 30_000)
    },
    deps
  )
  return createGitlabProvider(api)
}
