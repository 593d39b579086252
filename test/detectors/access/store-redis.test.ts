// The access state in the real Redis: a restarted detector (a new instance, a
// new connection, the same Redis) keeps its baselines, so a learned principal
// stays quiet and a new behaviour is still new; keys carry TTLs; a grant
// written by one replica is seen by another. The Lua scripts that load and
// save the state: more principals than one call takes, a known set larger
// than one SADD takes, a set replaced when the detector trimmed it, a Redis
// that lost its scripts, a client with its own key prefix (ioredis prefixes a
// script's KEYS too).

import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { Redis } from 'ioredis'
import type { AuditEvent } from '../../../detectors/access/audit-event.ts'
import { accessConfigSchema } from '../../../detectors/access/config.ts'
import { createAccessDetector } from '../../../detectors/access/detector.ts'
import type { PrincipalUpdate } from '../../../detectors/access/store.ts'
import { createRedisAccessStore } from '../../../detectors/access/store-redis.ts'
import { parse } from '../../../pipeline/schema.ts'
import { getServices } from '../../harness/services.ts'
import { seededRng } from '../../support/seed.ts'
import { background, H, M, makeEvents, T0 } from './stream.ts'

const LEARN_UNTIL = T0 + 3 * 24 * H
const AFTER = LEARN_UNTIL + 6 * H
let url: string
const clients: Redis[] = []
const prefix = `lw:test-access-${process.pid}:`

function connect(): Redis {
  const r = new Redis(url)
  clients.push(r)
  return r
}

before(async () => {
  url = (await getServices()).redisUrl
})

after(async () => {
  const r = connect()
  const keys = await r.keys(`${prefix}*`)
  if (keys.length > 0) await r.del(...keys)
  await Promise.all(clients.map((c) => c.quit()))
})

// weakSignals: low, so that a first read on its own shows what the restarted detector still knows.
const config = parse(accessConfigSchema, { enabled: true, stateTtlMs: 3_600_000, weakSignals: 'low' }, 'LW_ERR_CONFIG_INVALID', 'access')

async function feed(d: ReturnType<typeof createAccessDetector>, events: AuditEvent[]) {
  const out = []
  for (let i = 0; i < events.length; i += 500) out.push(...(await d.process(events.slice(i, i + 500))))
  return out
}

test('a restarted detector on the same Redis keeps the learned baseline', async () => {
  const rng = seededRng('restart')
  const ev = makeEvents(rng)
  const d1 = createAccessDetector(config, { store: createRedisAccessStore(connect(), { prefix }), emit: 'open' })
  // No learnUntilMs: the learning period starts at the first event, as stored in Redis.
  const learnt = background(rng, ev, 3)
  assert.deepEqual(await feed(d1, learnt), [])
  // A graceful stop (the stage's stop()) writes what the last second learnt.
  await d1.flush()
  const until = Date.parse(learnt[0]?.stageTimestamp ?? '') + config.learningPeriodMs
  assert.equal(d1.learningUntil(), until)

  const r = connect()
  const key = `${prefix}p:system:serviceaccount:shop:api`
  const ttl = await r.pttl(key)
  assert.ok(ttl > 0 && ttl <= 3_600_000, `TTL ${ttl}`)
  assert.ok((await r.scard(`${prefix}k:system:serviceaccount:shop:api`)) >= 3)

  const probe = (t: number) => [
    ev({ t, user: 'system:kube-controller-manager', verb: 'list', resource: 'secrets', ip: '10.0.0.10', ua: 'kube-controller-manager/v1.36.3' }),
    ev({ t, user: 'system:serviceaccount:shop:api', verb: 'get', resource: 'secrets', ns: 'shop', name: 'db' }),
    ev({ t: t + M, user: 'system:serviceaccount:shop:api', verb: 'get', resource: 'secrets', ns: 'auth', name: 'jwt' })
  ]
  const d2 = createAccessDetector(config, { store: createRedisAccessStore(connect(), { prefix }), emit: 'open' })
  const found = await feed(d2, probe(AFTER))
  assert.deepEqual(
    found.map((f) => `${f.rule} ${f.principal}`),
    ['access-first-seen-namespace system:serviceaccount:shop:api']
  )
  assert.equal(d2.learningUntil(), until, 'the learning start came from Redis')
  // Without the stored baseline the same events are a new principal's: the control: a fresh prefix reports differently.
  const d3 = createAccessDetector(config, { store: createRedisAccessStore(connect(), { prefix: `${prefix}empty:` }), emit: 'open', learnUntilMs: LEARN_UNTIL })
  const fresh = await feed(d3, probe(AFTER))
  assert.notDeepEqual(
    fresh.map((f) => `${f.rule} ${f.severity} ${f.baseline.secondSignals}`),
    found.map((f) => `${f.rule} ${f.severity} ${f.baseline.secondSignals}`)
  )
})

test('a grant recorded by one replica is seen by the replica that owns the grantee', async () => {
  const rng = seededRng('grant')
  const ev = makeEvents(rng)
  const cfg = parse(
    accessConfigSchema,
    { enabled: true, rules: { 'first-seen-namespace': false, 'first-seen-secret': false } },
    'LW_ERR_CONFIG_INVALID',
    'access'
  )
  const a = createAccessDetector(cfg, { store: createRedisAccessStore(connect(), { prefix: `${prefix}g:` }), emit: 'open', learnUntilMs: LEARN_UNTIL })
  const b = createAccessDetector(cfg, { store: createRedisAccessStore(connect(), { prefix: `${prefix}g:` }), emit: 'open', learnUntilMs: LEARN_UNTIL })
  const sa = 'system:serviceaccount:ci:runner'
  await feed(b, [ev({ t: T0 + H, user: sa, verb: 'get', resource: 'configmaps', ns: 'ci', name: 'x' })])
  const binding = {
    kind: 'RoleBinding',
    metadata: { name: 'runner-edit', namespace: 'payments' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
    subjects: [{ kind: 'ServiceAccount', name: 'runner', namespace: 'ci' }]
  }
  await feed(a, [
    ev({
      t: AFTER,
      user: 'mallory',
      verb: 'create',
      resource: 'rolebindings',
      apiGroup: 'rbac.authorization.k8s.io',
      ns: 'payments',
      name: 'runner-edit',
      requestObject: binding
    })
  ])
  const found = await feed(b, [ev({ t: AFTER + 5 * M, user: sa, verb: 'get', resource: 'secrets', ns: 'payments', name: 'stripe' })])
  assert.deepEqual(
    found.map((f) => `${f.rule} ${f.principal} ${f.baseline.binding}`),
    [`access-secret-read-after-grant ${sa} RoleBinding:payments/runner-edit`]
  )
})

test('what a peer group read, learned by one replica, keeps a new member quiet on another', async () => {
  const rng = seededRng('peers')
  const ev = makeEvents(rng)
  const cfg = parse(accessConfigSchema, { enabled: true, stateTtlMs: 3_600_000 }, 'LW_ERR_CONFIG_INVALID', 'access')
  const pfx = `${prefix}peers:`
  const team = ['oidc:payments', 'system:authenticated']
  const read = (t: number, user: string, groups: string[]) =>
    ev({ t, user, groups, verb: 'get', resource: 'secrets', ns: 'payments', name: 'stripe', ip: '203.0.113.5', ua: 'kubectl/v1.36.0' })
  const d1 = createAccessDetector(cfg, { store: createRedisAccessStore(connect(), { prefix: pfx }), emit: 'open', learnUntilMs: LEARN_UNTIL })
  assert.deepEqual(await feed(d1, [...background(rng, ev, 3), read(LEARN_UNTIL - H, 'dana', team)]), [])
  await d1.flush()
  const d2 = createAccessDetector(cfg, { store: createRedisAccessStore(connect(), { prefix: pfx }), emit: 'open', learnUntilMs: LEARN_UNTIL })
  const found = await feed(d2, [read(AFTER, 'erin', team), read(AFTER, 'mallory', ['oidc:marketing', 'system:authenticated'])])
  assert.deepEqual(
    found.map((f) => `${f.rule} ${f.principal} ${f.baseline.secondSignals}`),
    ['access-first-seen-namespace mallory new-principal']
  )
})

test('a first-time fact (ifAbsent) keeps the first replica’s value; a plain fact is overwritten', async () => {
  const a = createRedisAccessStore(connect(), { prefix })
  const b = createRedisAccessStore(connect(), { prefix })
  const account = 'system:serviceaccount:ci:deployer'
  await a.putFacts([{ hash: 'issued', field: account, value: '1000', ifAbsent: true }], 60_000)
  await b.putFacts([{ hash: 'issued', field: account, value: '9000', ifAbsent: true }], 60_000)
  assert.equal(await b.getFact('issued', account), '1000')
  await b.putFacts([{ hash: 'issued', field: account, value: '9000' }], 60_000)
  assert.equal(await a.getFact('issued', account), '9000')
  assert.ok((await connect().pttl(`${prefix}f:issued`)) > 0)
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

test('1,203 facts written in script calls of 500: each field once, a first-time fact not overwritten, every hash with its TTL, after Redis lost the script too', async () => {
  const client = connect()
  const store = createRedisAccessStore(client, { prefix: `${prefix}f:` })
  const facts = Array.from({ length: 1203 }, (_, i) => ({ hash: `peers:group-${i % 7}`, field: `s:ns-${i}/secret`, value: String(i) }))
  await store.putFacts([...facts, { hash: 'issued', field: 'sa', value: '1', ifAbsent: true }], 60_000)
  await client.script('FLUSH')
  await store.putFacts(
    [
      { hash: 'issued', field: 'sa', value: '2', ifAbsent: true },
      { hash: 'peers:group-0', field: 's:ns-0/secret', value: 'again' }
    ],
    60_000
  )
  for (let g = 0; g < 7; g++) {
    const h = await store.getFacts(`peers:group-${g}`)
    const want = Object.fromEntries(facts.filter((_, i) => i % 7 === g).map((f) => [f.field, f.value]))
    if (g === 0) want['s:ns-0/secret'] = 'again'
    assert.deepEqual(h, want, `group-${g}`)
    const ttl = await client.pttl(`${prefix}f:f:peers:group-${g}`)
    assert.ok(ttl > 0 && ttl <= 60_000, `group-${g} TTL ${ttl}`)
  }
  assert.equal(await store.getFact('issued', 'sa'), '1')
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
  const client = new Redis(url, { keyPrefix: `${prefix}d:` })
  clients.push(client)
  const store = createRedisAccessStore(client, { prefix: 'inner:' })
  await store.save([{ principal: 'carol', core: '{"v":1}', addKnown: ['z'] }], 60_000)
  assert.deepEqual((await connect().keys(`${prefix}d:*`)).sort(), [`${prefix}d:inner:k:carol`, `${prefix}d:inner:p:carol`])
  assert.equal((await store.load(['carol'])).get('carol')?.core, '{"v":1}')
})

test('many fact hashes read in one go are what reading each gives, a missing hash empty and a __proto__ field an own one', async () => {
  const store = createRedisAccessStore(connect(), { prefix: `${prefix}e:` })
  const hashes = Array.from({ length: 1203 }, (_, i) => `grants:system:serviceaccount:ns-${i % 30}:app-${i}`)
  await store.putFacts(
    hashes.flatMap((hash, i) =>
      i % 3 === 2
        ? []
        : [
            { hash, field: `RoleBinding:ns/b-${i}`, value: `{"atMs":${i}}` },
            { hash, field: '__proto__', value: String(i) }
          ]
    ),
    60_000
  )
  const many = await store.getFactsMany(hashes)
  assert.equal(many.length, hashes.length)
  for (const [i, hash] of hashes.entries()) assert.deepEqual(many[i], await store.getFacts(hash), hash)
  assert.deepEqual(Object.keys(many[0] ?? {}).sort(), ['RoleBinding:ns/b-0', '__proto__'])
  assert.equal(Object.getPrototypeOf(many[0]), Object.prototype)
  assert.deepEqual(many[2], {})
})
