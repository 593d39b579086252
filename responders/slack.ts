// Slack: one message per incident, kept current. A `slack` job converges
// Slack to the incident: post the message if there is none, update it if the
// rendering changed, then reply in its thread to every history entry not yet
// replied to. Each step is saved on the incident as it completes, so a job
// that stops half-way (outage, rate limit, crash) resumes where it stopped and
// never posts a second message or a reply twice.
//
// Rate limits are BullMQ's business, not the client's: the web client's own
// retries are off and rate-limited calls are rejected. Before each call the
// job takes the channel's slot (one message per `channelIntervalMs`, shared by
// all replicas through Redis); a busy slot or Slack's `ratelimited` defers the
// job for the wait (Retry-After) without using an attempt. Outages (5xx,
// timeouts) use attempts with capped backoff: alerts are delayed, not lost.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { ErrorCode, WebClient } from '@slack/web-api'
import type { Redis } from 'ioredis'
import { LeakwatchError } from '../pipeline/errors.ts'
import { JobDeferred } from '../pipeline/jobs.ts'
import type { Metrics } from '../pipeline/metrics.ts'
import type { ResponderConfig } from './config.ts'
import type { Incident, IncidentStore } from './incidents.ts'
import { digest, renderMessage, renderReply } from './slack-blocks.ts'

/** Takes a channel's send slot: 0 = taken, else ms until it frees. `block` holds it for a Retry-After. */
export interface ChannelLimiter {
  acquire: (channel: string) => Promise<number>
  block: (channel: string, ms: number) => Promise<void>
}

/**
 * Per-incident mutual exclusion of sync jobs, so two of them never both post "the" message. A lock is a lease:
 * `take` answers a random token (undefined when the lock is held), and `release` frees the lock only while it
 * still holds that token, so a sync that outlived its lease cannot free the lock a later sync took since.
 */
export interface Locks {
  take: (key: string, ttlMs: number) => Promise<string | undefined>
  release: (key: string, token: string) => Promise<void>
}

// Compare-and-delete in one step (single-instance Redlock): a GET then DEL from the client could delete a lock
// that expired and was taken by another job between the two.
const RELEASE_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`

const ACQUIRE_LUA = `
local t = redis.call('PTTL', KEYS[1])
if t > 0 then return t end
redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
return 0
`

export function createRedisLimiter(redis: Redis, prefix: string, intervalMs: number): ChannelLimiter & Locks {
  const k = (c: string): string => `${prefix}:slack:slot:${c}`
  return {
    async acquire(channel) {
      if (intervalMs <= 0) return 0
      return Number(await redis.eval(ACQUIRE_LUA, 1, k(channel), String(intervalMs)))
    },
    async block(channel, ms) {
      await redis.set(k(channel), '1', 'PX', Math.max(1, Math.ceil(ms)))
    },
    async take(key, ttlMs) {
      const token = randomBytes(16).toString('hex')
      return (await redis.set(`${prefix}:lock:${key}`, token, 'PX', ttlMs, 'NX')) === 'OK' ? token : undefined
    },
    async release(key, token) {
      await redis.eval(RELEASE_LUA, 1, `${prefix}:lock:${key}`, token)
    }
  }
}

export function createMemoryLimiter(intervalMs: number, now: () => number = Date.now): ChannelLimiter & Locks {
  const free = new Map<string, number>()
  const locks = new Map<string, { until: number; token: string }>()
  return {
    async acquire(channel) {
      const t = now()
      const at = free.get(channel) ?? 0
      if (at > t) return at - t
      free.set(channel, t + intervalMs)
      return 0
    },
    async block(channel, ms) {
      free.set(channel, now() + ms)
    },
    async take(key, ttlMs) {
      const t = now()
      if ((locks.get(key)?.until ?? 0) > t) return undefined
      const token = randomBytes(16).toString('hex')
      locks.set(key, { until: t + ttlMs, token })
      return token
    },
    async release(key, token) {
      if (locks.get(key)?.token === token) locks.delete(key)
    }
  }
}

/** The two Web API methods used; `WebClient` satisfies it, tests may hand in their own. */
export interface SlackApi {
  chat: {
    postMessage: (args: Record<string, unknown>) => Promise<{ ok?: boolean; ts?: string; channel?: string }>
    update: (args: Record<string, unknown>) => Promise<{ ok?: boolean; ts?: string }>
  }
}

export function createSlackClient(cfg: ResponderConfig['slack'], fetchImpl?: typeof fetch): SlackApi {
  return new WebClient(cfg.token, {
    slackApiUrl: cfg.apiUrl.endsWith('/') ? cfg.apiUrl : `${cfg.apiUrl}/`,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: cfg.timeoutMs,
    ...(fetchImpl === undefined ? {} : { fetch: fetchImpl })
  }) as unknown as SlackApi
}

const RETRIABLE_PLATFORM = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'team_is_restricted_temporarily'])

/** Slack's errors as ours: rate limits defer, outages retry, refusals are final. */
function translate(err: unknown, channel: string, limiter: ChannelLimiter): Promise<never> {
  const e = err as { code?: string; retryAfter?: number; statusCode?: number; data?: { error?: string }; headers?: Record<string, string> }
  if (e.code === ErrorCode.RateLimitedError) {
    const ms = Math.max(1, (e.retryAfter ?? 1) * 1000)
    return limiter.block(channel, ms).then(() => {
      throw new JobDeferred(ms, `slack rate limited channel ${channel} for ${ms} ms`)
    })
  }
  if (e.code === ErrorCode.PlatformError) {
    const what = e.data?.error ?? 'unknown_error'
    throw new LeakwatchError(RETRIABLE_PLATFORM.has(what) ? 'LW_ERR_SLACK_FAILED' : 'LW_ERR_SLACK_REJECTED', `slack refused: ${what}`, {
      details: { slackError: what }
    })
  }
  if (e.code === ErrorCode.HTTPError) {
    const status = e.statusCode ?? 0
    const retriable = status === 408 || status === 429 || status >= 500
    throw new LeakwatchError(retriable ? 'LW_ERR_SLACK_FAILED' : 'LW_ERR_SLACK_REJECTED', `slack answered HTTP ${status}`, { cause: err })
  }
  throw new LeakwatchError('LW_ERR_SLACK_FAILED', 'slack unreachable or timed out', { cause: err })
}

export interface SlackSyncDeps {
  api: SlackApi
  store: IncidentStore
  limiter: ChannelLimiter & Locks
  metrics: Metrics
}

/** The `slack` job: converge the incident's Slack message and thread. Returns what it did. */
export function createSlackSync(deps: SlackSyncDeps): (fingerprint: string) => Promise<string> {
  async function call<T>(channel: string, method: 'postMessage' | 'update', args: Record<string, unknown>): Promise<T> {
    const wait = await deps.limiter.acquire(channel)
    if (wait > 0) throw new JobDeferred(wait, `channel ${channel} busy`)
    try {
      const r = (await deps.api.chat[method]({ channel, ...args })) as T
      deps.metrics.slackRequests.inc({ method: `chat.${method}`, outcome: 'ok' })
      return r
    } catch (err) {
      deps.metrics.slackRequests.inc({
        method: `chat.${method}`,
        outcome: (err as { code?: string }).code === ErrorCode.RateLimitedError ? 'ratelimited' : 'error'
      })
      return await translate(err, channel, deps.limiter)
    }
  }

  return async (fp) => {
    const lock = `slack-sync:${fp}`
    const token = await deps.limiter.take(lock, 60_000)
    if (token === undefined) throw new JobDeferred(250, 'another sync of this incident is running')
    try {
      let inc = await deps.store.get(fp)
      if (inc === undefined) return 'incident no longer exists'
      const channel = inc.slack?.channel ?? inc.route.channel
      if (channel === undefined) return 'no channel routed'
      const done: string[] = []
      if (inc.slack === undefined) {
        const m = renderMessage(inc)
        const r = await call<{ ts?: string; channel?: string }>(channel, 'postMessage', { text: m.text, blocks: m.blocks, unfurl_links: false })
        const slack = { channel: r.channel ?? channel, ts: r.ts ?? '', threadSeq: 1, digest: digest(m) }
        inc = (await deps.store.update(fp, (i) => ({ ...i, slack }))) as Incident
        done.push('posted')
      } else {
        const m = renderMessage(inc)
        const d = digest(m)
        if (d !== inc.slack.digest) {
          await call(channel, 'update', { ts: inc.slack.ts, text: m.text, blocks: m.blocks })
          inc = (await deps.store.update(fp, (i) => (i.slack === undefined ? undefined : { ...i, slack: { ...i.slack, digest: d } }))) as Incident
          done.push('updated')
        }
      }
      let replies = 0
      for (;;) {
        const s = inc.slack
        if (s === undefined) break
        const e = inc.history.find((h) => h.seq > s.threadSeq)
        if (e === undefined) break
        await call(s.channel, 'postMessage', { thread_ts: s.ts, text: renderReply(e) })
        replies++
        inc = (await deps.store.update(fp, (i) => (i.slack === undefined ? undefined : { ...i, slack: { ...i.slack, threadSeq: e.seq } }))) as Incident
      }
      if (replies > 0) done.push(`${replies} thread replies`)
      return done.length === 0 ? 'up to date' : done.join(', ')
    } finally {
      await deps.limiter.release(lock, token)
    }
  }
}

/**
 * Slack's request signing: `v0=` + hex HMAC-SHA256(signing secret, `v0:<timestamp>:<raw body>`), and a
 * timestamp within five minutes of now, so a captured click cannot be replayed later.
 */
export function verifySlackSignature(
  signingSecret: string,
  timestamp: string | undefined,
  signature: string | undefined,
  body: string,
  nowMs: number
): boolean {
  if (timestamp === undefined || signature === undefined || !/^\d+$/.test(timestamp)) return false
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > 300) return false
  const expected = Buffer.from(`v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${body}`).digest('hex')}`)
  const got = Buffer.from(signature)
  return got.length === expected.length && timingSafeEqual(got, expected)
}
