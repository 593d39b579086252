// The access store's Lua scripts against the real Redis: a save and a load of
// more principals than one script call takes, a known set larger than one
// SADD takes, a set replaced when the detector trimmed it, TTLs on both keys,
// a Redis that lost its scripts (restart, failover, SCRIPT FLUSH), and a
// client with its own key prefix (ioredis prefixes a script's KEYS too).

import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { Redis } from 'ioredis'
import type { PrincipalUpdate } from '../../../detectors/access/store.ts'
import { createRedisAccessStore } from '../../../detectors/access/store-redis.ts'
import { getServices } from '../../harness/services.ts'
import { seededRng } from '../../support/seed.ts'

let url: string
const clients: Redis[] = []
const prefix = `lw:test-access-script-${process.pid}:`

function connect(opts: { keyPrefix?: string } = {}): Redis {
  const r = new Redis(url, opts)
  clients.push(r)
  return r
}

before(async () => {
  url = (await getServices()).redisUrl
})

after(async () => {
  const r = connect()
  const keys = await r.keys(`${prefix}*`)
  for (let i = 0; i < keys.length; i += 1000) await r.del(...keys.slice(i, i + 1000))
  await Promise.all(clients.map((c) => c.quit()))
})

test('1,201 principals saved and loaded back whole, one of them with 2,500 known items', async () => {
  const rng = seededRng('store-script')
  const store = createRedisAccessStore(connect(), { prefix: `${prefix}a:` })
  const principals = Array.from({ length: 1201 }, (_, i) => `system:serviceaccount:ns-${i % 40}:app-${i}-${rng.int(1000)}`)
  const updates: PrincipalUpdate[] = principals.map((principal, i) => ({
    principal,
    core: JSON.stringify({ first: i, text: `"quoted" \\ ${principal}` }),
    addKnown: i === 7 ? Array.from({ length: 2500 }, (_, j) => `s:ns/${j}`) : [`net:10.0.${i % 250}.0/24`, `ua:app`]
  }))
  await store.save(updates, 60_000)
  const loaded = await store.load([...principals, 'never-seen'])
  assert.equal(loaded.size, principals.length + 1)
  for (const u of updates) {
    const got = loaded.get(u.principal)
    assert.equal(got?.core, u.core, u.principal)
    assert.deepEqual([...(got?.known ?? [])].sort(), [...u.addKnown].sort(), u.principal)
  }
  assert.deepEqual(loaded.get('never-seen'), { known: [] })

  const r = connect()
  const p = principals[7] as string
  for (const key of [`${prefix}a:p:${p}`, `${prefix}a:k:${p}`]) {
    const ttl = await r.pttl(key)
    assert.ok(ttl > 0 && ttl <= 60_000, `${key}: TTL ${ttl}`)
  }
})

test('a trimmed set replaces the stored one; added items join it', async () => {
  const store = createRedisAccessStore(connect(), { prefix: `${prefix}b:` })
  await store.save([{ principal: 'alice', core: '{"v":1}', addKnown: ['a', 'b', 'c'] }], 60_000)
  await store.save([{ principal: 'alice', core: '{"v":2}', addKnown: ['d'] }], 60_000)
  assert.deepEqual([...((await store.load(['alice'])).get('alice')?.known ?? [])].sort(), ['a', 'b', 'c', 'd'])
  await store.save([{ principal: 'alice', core: '{"v":3}', addKnown: ['c', 'd', 'e'], rewriteKnown: true }], 60_000)
  const got = (await store.load(['alice'])).get('alice')
  assert.equal(got?.core, '{"v":3}')
  assert.deepEqual([...(got?.known ?? [])].sort(), ['c', 'd', 'e'])
  // Emptied: nothing stays of the old set.
  await store.save([{ principal: 'alice', core: '{"v":4}', addKnown: [], rewriteKnown: true }], 60_000)
  assert.deepEqual((await store.load(['alice'])).get('alice')?.known, [])
})

test('a Redis that lost its scripts is sent them again', async () => {
  const client = connect()
  const store = createRedisAccessStore(client, { prefix: `${prefix}c:` })
  await store.save([{ principal: 'bob', core: '{"v":1}', addKnown: ['x'] }], 60_000)
  await client.script('FLUSH')
  await store.save([{ principal: 'bob', core: '{"v":2}', addKnown: ['y'] }], 60_000)
  await client.script('FLUSH')
  const got = (await store.load(['bob'])).get('bob')
  assert.equal(got?.core, '{"v":2}')
  assert.deepEqual([...(got?.known ?? [])].sort(), ['x', 'y'])
})

test('a client with a key prefix keeps every key under it', async () => {
  const store = createRedisAccessStore(connect({ keyPrefix: `${prefix}d:` }), { prefix: 'inner:' })
  await store.save([{ principal: 'carol', core: '{"v":1}', addKnown: ['z'] }], 60_000)
  assert.deepEqual((await connect().keys(`${prefix}d:*`)).sort(), [`${prefix}d:inner:k:carol`, `${prefix}d:inner:p:carol`])
  assert.equal((await store.load(['carol'])).get('carol')?.core, '{"v":1}')
})
