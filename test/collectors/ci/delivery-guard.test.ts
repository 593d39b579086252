// Webhook delivery ids, remembered once: in the real Redis (replicas behind
// one URL share them) and in memory (`run all`).

import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { Redis } from 'ioredis'
import type { DeliveryGuard } from '../../../collectors/ci/delivery-guard.ts'
import { memoryGuard, redisGuard } from '../../../collectors/ci/delivery-guard.ts'
import { getServices } from '../../harness/services.ts'
import { waitFor } from '../../support/wait.ts'

let redis: Redis
let url: string
before(async () => {
  url = (await getServices()).redisUrl
  redis = new Redis(url)
})
after(() => {
  redis.disconnect()
})

async function once(guard: DeliveryGuard, id: string): Promise<void> {
  assert.equal(await guard.claim(id, 60_000), true, 'first delivery taken')
  assert.equal(await guard.claim(id, 60_000), false, 'replay refused')
  await guard.forget(id)
  assert.equal(await guard.claim(id, 60_000), true, 'taken again once forgotten (it could not be queued)')
}

test('Redis: two replicas share the ids; an id expires with its TTL', async () => {
  const id = `d-${Date.now()}`
  await once(redisGuard(redis, 'lwtest'), id)
  const other = new Redis(url)
  try {
    assert.equal(await redisGuard(other, 'lwtest').claim(id, 60_000), false, 'another replica refuses the replay')
  } finally {
    other.disconnect()
  }
  assert.equal(await redisGuard(redis, 'lwtest').claim(`${id}-short`, 50), true)
  await waitFor(async () => (await redis.exists(`lwtest:ci:delivery:${id}-short`)) === 0, 'the short id expired', 5000, 10)
  assert.equal(await redisGuard(redis, 'lwtest').claim(`${id}-short`, 50), true, 'taken again after its TTL')
})

test('memory: ids expire with the clock, and the map stays bounded', async () => {
  let t = 0
  const guard = memoryGuard(() => t, 3)
  await once(guard, 'a')
  t = 61_000
  assert.equal(await guard.claim('a', 60_000), true, 'expired: a delivery that old is stale anyway')
  for (const id of ['b', 'c', 'd', 'e']) assert.equal(await guard.claim(id, 60_000), true)
  // Past the bound the oldest is let go first.
  assert.equal(await guard.claim('a', 60_000), true)
  assert.equal(await guard.claim('e', 60_000), false)
})
