// What a CI webhook receiver must remember: which deliveries (and which jobs)
// it already took, so a redelivered or replayed event is processed once, and
// which accepted jobs are not yet on Kafka, so a restart picks them up again.
// In one process (`run all`) this is memory; collectors that run as several
// replicas behind one Service share it in Redis (the claims are
// delivery-guard.ts's, a hash holds the pending jobs), under the
// `redis.keyPrefix`.
//
// Nothing stored here is log content: keys are provider ids, pending values
// are job metadata.

import type { Redis } from 'ioredis'
import { memoryGuard, redisGuard } from './delivery-guard.ts'

export interface DeliveryStore {
  /** True the first time `key` is claimed within `ttlMs`; false for a replay. */
  claim: (key: string, ttlMs: number) => Promise<boolean>
  /** Lets `key` be claimed again: the work it stood for failed before anything was durable. */
  release: (key: string) => Promise<void>
  /** Remembers an accepted job until `done`: durable before the sender is answered. */
  addPending: (id: string, value: string) => Promise<void>
  donePending: (id: string) => Promise<void>
  pending: () => Promise<Array<[string, string]>>
}

/** Bounded: past `maxKeys` claims the oldest are forgotten first (a replay that old is answered twice, never lost). */
export function memoryDeliveryStore(opts: { now?: () => number; maxKeys?: number } = {}): DeliveryStore {
  const guard = memoryGuard(opts.now, opts.maxKeys ?? 100_000)
  const pending = new Map<string, string>()
  return {
    claim: guard.claim,
    release: guard.forget,
    async addPending(id, value) {
      pending.set(id, value)
    },
    async donePending(id) {
      pending.delete(id)
    },
    async pending() {
      return [...pending]
    }
  }
}

export function redisDeliveryStore(redis: Redis, prefix: string, name: string): DeliveryStore {
  const guard = redisGuard(redis, prefix, `${name}:seen`)
  const pendingKey = `${prefix}:ci:${name}:pending`
  return {
    claim: guard.claim,
    release: guard.forget,
    async addPending(id, value) {
      await redis.hset(pendingKey, id, value)
    },
    async donePending(id) {
      await redis.hdel(pendingKey, id)
    },
    async pending() {
      return Object.entries(await redis.hgetall(pendingKey))
    }
  }
}
