// Delivery ids of CI webhooks, remembered for a while so a replayed delivery
// is taken once: in Redis when several replicas share the endpoint (SET NX
// PX: atomic, expires by itself), in memory for one process (`run all`).
// Only ids are kept (GitHub's X-GitHub-Delivery GUID, GitLab's event UUID and
// job ids, through deliveries.ts), never a payload.

import type { Redis } from 'ioredis'
import { LeakwatchError } from '../../pipeline/errors.ts'

export interface DeliveryGuard {
  /** True the first time `id` is seen within `ttlMs`. */
  claim: (id: string, ttlMs: number) => Promise<boolean>
  /** Forgets an id whose delivery could not be queued, so its redelivery is taken. */
  forget: (id: string) => Promise<void>
}

export function memoryGuard(now: () => number = Date.now, maxEntries = 1_000_000): DeliveryGuard {
  const seen = new Map<string, number>()
  return {
    async claim(id, ttlMs) {
      const t = now()
      const until = seen.get(id)
      if (until !== undefined && until > t) return false
      seen.delete(id)
      // Insertion order is expiry order for one TTL: expired ids (and, past the bound, the oldest) go from the front.
      for (const [k, u] of seen) {
        if (u > t && seen.size < maxEntries) break
        seen.delete(k)
      }
      seen.set(id, t + ttlMs)
      return true
    },
    async forget(id) {
      seen.delete(id)
    }
  }
}

/** Ids under `<keyPrefix>:ci:<space>:`; each store keeps the space its keys were first written in (a renamed one would take replays twice). */
export function redisGuard(redis: Redis, keyPrefix: string, space = 'delivery'): DeliveryGuard {
  const key = (id: string): string => `${keyPrefix}:ci:${space}:${id}`
  return {
    async claim(id, ttlMs) {
      try {
        return (await redis.set(key(id), '1', 'PX', Math.max(1, ttlMs), 'NX')) === 'OK'
      } catch (err) {
        throw new LeakwatchError('LW_ERR_REDIS_UNAVAILABLE', 'cannot remember a CI webhook delivery id in Redis', { cause: err })
      }
    },
    async forget(id) {
      await redis.del(key(id))
    }
  }
}
