// How leakwatch connects to Redis, from `redis`: one set of options for the
// ioredis client (incidents, Slack limiter) and the BullMQ queues, so both
// use the same TLS and ACL user. Credentials come from files and are never logged.

import type { ConnectionOptions } from 'node:tls'
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
