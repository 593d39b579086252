// The incident stores: the memory one and the Redis one (on the real Redis of
// the test harness) run the same cases, since the stage relies on either.

import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { Redis } from 'ioredis'
import type { IncidentStore, Upsert } from '../../responders/incidents.ts'
import { applyActionOutcome, applyRotationStart, applyStatus, createMemoryIncidentStore, TransitionError } from '../../responders/incidents.ts'
import { createRedisIncidentStore } from '../../responders/incidents-redis.ts'
import { getServices } from '../harness/services.ts'
import { ctx, finding, gen, incidentOf } from './fixtures.ts'

let redis: Redis

before(async () => {
  redis = new Redis((await getServices()).redisUrl)
})
after(async () => {
  await redis.quit()
})

const stores: Array<[string, (max?: number) => IncidentStore]> = [
  ['memory', (max = 10_000) => createMemoryIncidentStore({ retentionMs: 3600_000, maxOccurrenceIds: max })],
  ['redis', (max = 10_000) => createRedisIncidentStore(redis, { prefix: `t${randomBytes(4).toString('hex')}`, retentionMs: 3600_000, maxOccurrenceIds: max })]
]

for (const [name, make] of stores) {
  describe(`${name} store`, () => {
    test('the first finding opens an incident; later ones add occurrences and places', async () => {
      const store = make()
      const secret = gen.githubToken('ghp_')
      const first = await store.record(finding(secret, 'file/a.log', 1, '2025-01-01T00:00:00.000Z'), ctx())
      assert.equal(first.created, true)
      assert.equal(first.replay, false)
      assert.equal(first.incident.status, 'open')
      assert.equal(first.incident.occurrences, 1)
      assert.deepEqual(
        first.incident.history.map((h) => [h.seq, h.kind, h.status]),
        [[1, 'status', 'open']]
      )
      const second = await store.record(finding(secret, 'file/b.log', 9, '2025-01-02T00:00:00.000Z'), ctx())
      assert.equal(second.created, false)
      assert.equal(second.incident.occurrences, 2)
      assert.equal(second.incident.firstStream, 'file/a.log')
      assert.equal(second.incident.lastStream, 'file/b.log')
      assert.deepEqual(
        second.incident.locations.map((l) => [l.stream, l.count]),
        [
          ['file/a.log', 1],
          ['file/b.log', 1]
        ]
      )
      assert.equal(JSON.stringify(await store.list()).includes(secret), false, 'the store never holds the value')
    })

    test('findings arriving out of order never move lastSeen backwards or firstSeen forwards', async () => {
      const store = make()
      const secret = gen.password()
      await store.record(finding(secret, 'file/a.log', 1, '2025-01-05T00:00:00.000Z'), ctx())
      await store.record(finding(secret, 'file/b.log', 2, '2025-01-03T00:00:00.000Z'), ctx())
      const r = await store.record(finding(secret, 'file/c.log', 3, '2025-01-04T00:00:00.000Z'), ctx())
      assert.equal(r.incident.firstSeen, '2025-01-03T00:00:00.000Z')
      assert.equal(r.incident.firstStream, 'file/b.log')
      assert.equal(r.incident.lastSeen, '2025-01-05T00:00:00.000Z')
      assert.equal(r.incident.lastStream, 'file/a.log')
    })

    test('a replayed finding (same id) changes nothing', async () => {
      const store = make()
      const f = finding(gen.password(), 'file/a.log', 3, '2025-01-01T00:00:00.000Z')
      await store.record(f, ctx())
      const replay = await store.record({ ...f, detectedAt: '2025-02-01T00:00:00.000Z' }, ctx())
      assert.equal(replay.replay, true)
      assert.equal(replay.incident.occurrences, 1)
      assert.equal(replay.incident.lastSeen, '2025-01-01T00:00:00.000Z')
      assert.equal((await store.get(f.fingerprint))?.occurrences, 1)
    })

    test('remembered occurrence ids are bounded per incident: the oldest are forgotten first', async () => {
      const store = make(100)
      const secret = gen.password()
      for (let n = 1; n <= 150; n++) await store.record(finding(secret, 'file/a.log', n, '2025-01-01T00:00:00.000Z'), ctx())
      assert.equal((await store.record(finding(secret, 'file/a.log', 150, '2025-01-01T00:00:00.000Z'), ctx())).replay, true, 'a recent id is remembered')
      assert.equal((await store.record(finding(secret, 'file/a.log', 1, '2025-01-01T00:00:00.000Z'), ctx())).replay, false, 'the oldest id was forgotten')
    })

    test('places are a bounded list; occurrences elsewhere are counted', async () => {
      const store = make()
      const secret = gen.password()
      let last: Upsert | undefined
      for (let n = 1; n <= 5; n++) last = await store.record(finding(secret, `file/${n}.log`, n, '2025-01-01T00:00:00.000Z'), ctx({ maxLocations: 3 }))
      assert.equal(last?.incident.locations.length, 3)
      assert.equal(last?.incident.otherOccurrences, 2)
      assert.equal(last?.incident.occurrences, 5)
    })

    test('a secret seen again after it was rotated reopens as a regression; a late old copy and a false positive do not', async () => {
      const store = make()
      const secret = gen.githubToken('ghp_')
      const f = finding(secret, 'file/a.log', 1, '2025-01-01T00:00:00.000Z')
      await store.record(f, ctx())
      const resolved = await store.update(f.fingerprint, (i) => ({
        ...applyStatus(i, 'resolved', { resolution: 'rotated', reason: 'rotated by hand', actor: 'alice' }),
        resolvedAt: '2025-01-10T00:00:00.000Z'
      }))
      assert.equal(resolved?.status, 'resolved')
      const late = await store.record(finding(secret, 'file/a.log', 2, '2025-01-09T00:00:00.000Z'), ctx())
      assert.equal(late.reopened, false, 'seen before the resolution: an old line arriving late')
      assert.equal(late.incident.status, 'resolved')
      const again = await store.record(finding(secret, 'file/b.log', 3, '2025-01-11T00:00:00.000Z'), ctx())
      assert.equal(again.reopened, true)
      assert.equal(again.incident.status, 'open')
      assert.equal(again.incident.regressions, 1)
      assert.match(again.incident.history.at(-1)?.text ?? '', /regression, seen again in file\/b\.log after it was resolved as rotated/)

      const fp2 = finding(gen.password(), 'file/a.log', 1, '2025-01-01T00:00:00.000Z')
      await store.record(fp2, ctx())
      await store.update(fp2.fingerprint, (i) => ({
        ...applyStatus(i, 'resolved', { resolution: 'false_positive', reason: 'a test fixture', actor: 'bob' }),
        resolvedAt: '2025-01-02T00:00:00.000Z'
      }))
      const fpAgain = await store.record({ ...fp2, id: 'other', detectedAt: '2025-01-03T00:00:00.000Z' }, ctx())
      assert.equal(fpAgain.reopened, false)
      assert.equal(fpAgain.incident.status, 'resolved')
      assert.equal(fpAgain.incident.occurrences, 2)
    })

    test('concurrent updates of one incident are all applied', async () => {
      const store = make()
      const f = finding(gen.password(), 'file/a.log', 1, '2025-01-01T00:00:00.000Z')
      await store.record(f, ctx())
      await Promise.all(
        Array.from({ length: 20 }, (_, n) =>
          store.update(f.fingerprint, (i) => ({
            ...i,
            actions: [...i.actions, { id: `j${n}`, action: 'x', outcome: 'retrying', attempt: 1, detail: '', at: '' }]
          }))
        )
      )
      assert.equal((await store.get(f.fingerprint))?.actions.length, 20)
      assert.equal(await store.update('0'.repeat(64), (i) => i), undefined)
    })

    test('list filters by status, minimum severity and rule, newest first; sealed values stay beside the incident', async () => {
      const store = make()
      const a = finding(gen.password(), 'file/a.log', 1, '2025-01-01T00:00:00.000Z', { rule: 'generic-password', severity: 'medium' })
      const b = finding(gen.githubToken('ghp_'), 'file/a.log', 2, '2025-01-02T00:00:00.000Z', { sealed: `lwseal1.x25519.${'A'.repeat(60)}` })
      await store.record(a, ctx({ severity: 'medium' }))
      await store.record(b, ctx())
      assert.deepEqual(
        (await store.list()).map((i) => i.fingerprint),
        [b.fingerprint, a.fingerprint]
      )
      assert.deepEqual(
        (await store.list({ severity: 'high' })).map((i) => i.fingerprint),
        [b.fingerprint]
      )
      assert.deepEqual(
        (await store.list({ rule: 'generic-password' })).map((i) => i.fingerprint),
        [a.fingerprint]
      )
      assert.deepEqual(await store.list({ status: 'resolved' }), [])
      const got = await store.get(b.fingerprint)
      assert.equal(got?.sealed, true)
      assert.equal(JSON.stringify(got).includes('lwseal1'), false)
      assert.equal(await store.sealed(b.fingerprint), b.sealed)
      assert.equal(await store.sealed(a.fingerprint), undefined)
    })
  })
}

test('Redis keys of an incident expire after the retention', async () => {
  const prefix = `t${randomBytes(4).toString('hex')}`
  const store = createRedisIncidentStore(redis, { prefix, retentionMs: 60_000, maxOccurrenceIds: 100 })
  const f = finding(gen.password(), 'file/a.log', 1, '2025-01-01T00:00:00.000Z', { sealed: `lwseal1.rsa.${'B'.repeat(60)}` })
  await store.record(f, ctx())
  for (const k of [`${prefix}:incident:${f.fingerprint}`, `${prefix}:incident:${f.fingerprint}:occ`, `${prefix}:incident:${f.fingerprint}:sealed`]) {
    const ttl = await redis.pttl(k)
    assert.ok(ttl > 0 && ttl <= 60_000, `${k} expires (pttl ${ttl})`)
  }
})

test('the memory store forgets incidents idle for longer than the retention', async () => {
  let t = Date.parse('2025-01-01T00:00:00.000Z')
  const store = createMemoryIncidentStore({ retentionMs: 3600_000, maxOccurrenceIds: 100, now: () => t })
  const f = finding(gen.password(), 'file/a.log', 1, new Date(t).toISOString())
  await store.record(f, ctx())
  await store.update(f.fingerprint, (i) => ({ ...i, updatedAt: new Date(t).toISOString() }))
  t += 2 * 3600_000
  await store.record(finding(gen.password(), 'file/b.log', 1, new Date(t).toISOString()), ctx())
  assert.equal(await store.get(f.fingerprint), undefined)
})

test('status transitions that make no sense are refused', () => {
  const i = incidentOf(gen.password())
  assert.throws(() => applyStatus(i, 'resolved', { reason: 'x', actor: 'a' }), TransitionError)
  assert.throws(() => applyStatus(i, 'open', { reason: 'x', actor: 'a' }), /already open/)
  assert.throws(() => applyStatus(i, 'ignored', { resolution: 'rotated', reason: 'x', actor: 'a' }), /only a resolved incident/)
  const ignored = applyStatus(i, 'ignored', { reason: 'noise', actor: 'a' })
  assert.throws(() => applyStatus(ignored, 'rotating', { reason: 'x', actor: 'a' }), /cannot start rotating/)
  assert.equal(applyStatus(ignored, 'open', { reason: 'not noise', actor: 'a' }).status, 'open')
})

test('a rotation round resolves the incident as rotated when every job succeeded, and reopens it when one fails', () => {
  const i = incidentOf(gen.password())
  const r = applyRotationStart(i, ['j1', 'j2'], 'alice', 'button')
  assert.equal(r.status, 'rotating')
  assert.equal(r.rotation.round, 1)
  const at = '2025-01-01T00:00:00.000Z'
  const one = applyActionOutcome(r, { id: 'j1', action: 'webhook', outcome: 'accepted', attempt: 1, detail: 'HTTP 202', at })
  assert.equal(one.status, 'rotating')
  const retrying = applyActionOutcome(one, { id: 'j2', action: 'vault-rotate-role', outcome: 'retrying', attempt: 1, detail: 'HTTP 503', at })
  assert.equal(retrying.history.length, one.history.length, 'retries are not history')
  const two = applyActionOutcome(retrying, { id: 'j2', action: 'vault-rotate-role', outcome: 'succeeded', attempt: 2, detail: 'ok', at })
  assert.equal(two.status, 'rotating', 'the 202 is still pending its callback')
  const done = applyActionOutcome(two, { id: 'j1', action: 'webhook', outcome: 'succeeded', attempt: 1, detail: 'callback', at })
  assert.equal(done.status, 'resolved')
  assert.equal(done.resolution, 'rotated')
  assert.equal(
    applyActionOutcome(done, { id: 'j1', action: 'webhook', outcome: 'failed', attempt: 2, detail: 'late', at }),
    done,
    'a late report does not undo a success'
  )

  const failed = applyActionOutcome(r, { id: 'j2', action: 'vault-rotate-role', outcome: 'dead-lettered', attempt: 8, detail: 'HTTP 503', at })
  assert.equal(failed.status, 'open')
  assert.match(failed.history.at(-1)?.text ?? '', /rotation failed \(vault-rotate-role\)/)
})
