// Configuration of the Redis connection (`redis`): incidents, the Slack
// limiter and the BullMQ job queues of the responder role.

import type { Infer } from './schema.ts'
import * as s from './schema.ts'
import { tlsConfigSchema } from './tls.config.ts'

export const redisConfigSchema = s.object({
  url: s.string({
    default: 'redis://localhost:6379',
    description:
      'Redis URL (redis:// or rediss:// for TLS) for incidents and BullMQ jobs: host, port and database. Prefer `redis.usernameFile`/`redis.passwordFile` to credentials in the URL.'
  }),
  keyPrefix: s.string({
    default: 'lw',
    description: 'Prefix of every Redis key leakwatch writes (`<prefix>:…`), so an ACL user can be limited to `~<prefix>:*`.'
  }),
  username: s.optional(s.string({ description: 'Redis ACL user (Redis 6+); or `redis.usernameFile`. Unset: the user of `redis.url`, else `default`.' })),
  usernameFile: s.optional(s.string({ description: 'File holding the Redis ACL user, read at start (a mounted Secret key); wins over `redis.username`.' })),
  passwordFile: s.optional(
    s.string({ description: 'File holding the password of the Redis ACL user (or `requirepass`), read at start; wins over a password in `redis.url`.' })
  ),
  tls: tlsConfigSchema('redis', 'Redis', 'Connect to Redis over TLS (its `tls-port`); a `rediss://` URL turns it on too.')
})

export type RedisConfig = Infer<typeof redisConfigSchema>
