// The per-incident Slack sync lock is a lease with a random token, released by
// compare-and-delete: a sync that outlives its lease must not free the lock
// another sync of the same incident took after it expired (two messages would
// be posted). On the real Redis of the harness, and the in-memory twin.

import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { before, test } from 'node:test'
import { Redis } from 'ioredis'
import { createMemoryLimiter, createRedisLimiter } from '../../responders/slack.ts'
import type { Services } from '../harness/services.ts'
import { getServices } from '../harness/services.ts'
import { waitFor } from '../support/wait.ts'

let services: Services
before(
  async () => {
    services = await getServices()
  },
  { timeout: 600_000 }
)

test('redis: a sync that outlived its lease does not free the lock another sync took since', async (t) => {
  const redis = new Redis(services.redisUrl)
  t.after(async () => {
    await redis.quit()
  })
  const prefix = `lock-${randomUUID()}`
  const locks = createRedisLimiter(redis, prefix, 0)
  const key = 'slack-sync:fp1'
  const stored = `${prefix}:lock:${key}`

  // Sync A takes a short lease and is slow: the lease runs out under it.
  const a = await locks.take(key, 30)
  assert.ok(a !== undefined)
  assert.equal(await locks.take(key, 30), undefined, 'held while the lease runs')
  await waitFor(async () => (await redis.exists(stored)) === 0, 'the lease of sync A to run out')

  // Sync B takes the lock; then A finishes and releases "its" lock.
  const b = await locks.take(key, 60_000)
  assert.ok(b !== undefined)
  assert.notEqual(a, b)
  await locks.release(key, a)
  assert.equal(await redis.get(stored), b, "A's release left B's lock in place")
  assert.equal(await locks.take(key, 60_000), undefined, 'a third sync still waits for B')

  await locks.release(key, b)
  assert.equal(await redis.exists(stored), 0, 'B frees its own lock')
  const c = await locks.take(key, 60_000)
  assert.ok(c !== undefined)
  await locks.release(key, c)
})

test('memory: the same lease semantics', async () => {
  let now = 0
  const locks = createMemoryLimiter(0, () => now)
  const a = await locks.take('k', 30)
  assert.ok(a !== undefined)
  assert.equal(await locks.take('k', 30), undefined)
  now = 31
  const b = await locks.take('k', 60_000)
  assert.ok(b !== undefined)
  await locks.release('k', a)
  assert.equal(await locks.take('k', 60_000), undefined, "A's release left B's lock in place")
  await locks.release('k', b)
  assert.ok((await locks.take('k', 60_000)) !== undefined)
})
