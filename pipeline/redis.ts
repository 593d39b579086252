// How leakwatch connects to Redis, from `redis`: one set of options for the
// ioredis client (incidents, Slack limiter) and the BullMQ queues, so both
// use the same TLS and ACL user. Credentials come from files and are never logged.

import { setTimeout as sleep } from 'node:timers/promises'
import type { ConnectionOptions } from 'node:tls'
import { Redis } from 'ioredis'
import type { Backoff } from './backoff.ts'
import { backoffMs } from './backoff.ts'
import type { ErrorCode } from './errors.ts'
import { LeakwatchError } from './errors.ts'
import type { Logger } from './log.ts'
import type { RedisConfig } from './redis.config.ts'
import { readSecretFile, tlsOptions } from './tls.ts'

export interface RedisConnection {
  host: string
  port: number
  db: number
  username?: string
  password?: string
  tls?: ConnectionOptions
}

export function redisConnection(cfg: RedisConfig, log: Logger): RedisConnection {
  let url: URL
  try {
    url = new URL(cfg.url)
  } catch (err) {
    throw new LeakwatchError('LW_ERR_CONFIG_INVALID', 'redis.url is not a URL', { cause: err })
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:')
    throw new LeakwatchError('LW_ERR_CONFIG_INVALID', 'redis.url must start with redis:// or rediss://')
  const conn: RedisConnection = { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(url.port || 6379), db: Number(url.pathname.slice(1) || 0) }
  const username =
    cfg.usernameFile !== undefined
      ? readSecretFile(cfg.usernameFile, 'redis.usernameFile')
      : (cfg.username ?? (url.username === '' ? undefined : decodeURIComponent(url.username)))
  if (username !== undefined) conn.username = username
  const password =
    cfg.passwordFile !== undefined ? readSecretFile(cfg.passwordFile, 'redis.passwordFile') : url.password === '' ? undefined : decodeURIComponent(url.password)
  if (password !== undefined) conn.password = password
  // rediss:// alone means TLS with the system CAs, as before `redis.tls` existed.
  const tls = tlsOptions({ ...cfg.tls, enabled: cfg.tls.enabled || url.protocol === 'rediss:' }, 'redis', log)
  if (tls !== undefined) conn.tls = tls
  else if (password !== undefined && !isLoopback(conn.host)) log.warn({ host: conn.host }, 'Redis password sent without TLS (redis.tls.enabled is false)')
  return conn
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.')
}

/** Why a Redis connect failed, as the label of `leakwatch_redis_connect_errors_total`. */
export type RedisFailure = 'auth' | 'tls' | 'unavailable'

const REDIS_CODES: Record<RedisFailure, ErrorCode> = { auth: 'LW_ERR_REDIS_AUTH', tls: 'LW_ERR_REDIS_TLS', unavailable: 'LW_ERR_REDIS_UNAVAILABLE' }

export function redisFailure(err: unknown): RedisFailure {
  const message = err instanceof Error ? err.message : String(err)
  const code = (err as { code?: unknown } | null)?.code
  if (/^(WRONGPASS|NOAUTH|NOPERM)\b/.test(message)) return 'auth'
  if ((typeof code === 'string' && /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED)/.test(code)) || /certificate|SSL routines/i.test(message))
    return 'tls'
  return 'unavailable'
}

export interface ConnectRedisOptions {
  log: Logger
  /** Each failed attempt, coded, before the backoff. */
  onConnectError?: (err: LeakwatchError, failures: number) => void
  /** Stops the retries: connectRedis then rejects with the last coded error. */
  signal?: AbortSignal | undefined
  backoff?: Backoff
}

const REDIS_BACKOFF: Backoff = { baseMs: 1000, maxMs: 60_000, jitter: 'over' }

/**
 * A connected ioredis client. A refused password or certificate, or a Redis that is down, is retried with backoff
 * rather than failing the start, so a wrong Secret does not crash-loop the responder (not ready meanwhile).
 */
export async function connectRedis(conn: RedisConnection, opts: ConnectRedisOptions): Promise<Redis> {
  for (let failures = 1; ; failures++) {
    const redis = new Redis({ ...conn, maxRetriesPerRequest: 3, lazyConnect: true })
    // ioredis reports why (WRONGPASS, a TLS error) in 'error' events; connect() only says the connection closed.
    let lastError: Error | undefined
    redis.on('error', (err) => {
      lastError = err
      opts.log.warn({ code: (err as { code?: string }).code }, 'redis connection error')
    })
    try {
      await redis.connect()
      return redis
    } catch (err) {
      // Or ioredis would go on reconnecting behind the failed attempt.
      redis.disconnect()
      const cause = lastError ?? err
      const failure = redisFailure(cause)
      const coded = new LeakwatchError(
        REDIS_CODES[failure],
        `cannot connect to Redis (check redis.url, redis.tls, redis.username/passwordFile): ${(cause as Error).message}`,
        { cause, details: { failure } }
      )
      opts.onConnectError?.(coded, failures)
      const delayMs = backoffMs(failures, opts.backoff ?? REDIS_BACKOFF)
      opts.log.error({ code: coded.code, failures, retryInMs: delayMs }, coded.message)
      if (opts.signal?.aborted === true) throw coded
      try {
        await sleep(delayMs, undefined, opts.signal === undefined ? {} : { signal: opts.signal })
      } catch {
        throw coded
      }
    }
  }
}
