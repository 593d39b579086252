// The access detector's metrics (docs/metrics.md, leakwatch_access_*), read
// from the Prometheus text the process serves: events by verb and outcome
// (a hostile verb is "other", not a new series), the learning period by event
// time, the principals held, skipped events, and the store's latency and
// errors by operation — against the real Redis for the latency — and never a
// principal's name in any of it.

import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { Redis } from 'ioredis'
import { accessConfigSchema } from '../../../detectors/access/config.ts'
import { createAccessStage } from '../../../detectors/access/stage.ts'
import { createMemoryAccessStore } from '../../../detectors/access/store.ts'
import { instrumentStore } from '../../../detectors/access/store-metrics.ts'
import type { AuditEnvelope } from '../../../pipeline/events.ts'
import { createFingerprinter } from '../../../pipeline/fingerprint.ts'
import { silentLogger } from '../../../pipeline/log.ts'
import { createMetrics } from '../../../pipeline/metrics.ts'
import { parse } from '../../../pipeline/schema.ts'
import { getServices } from '../../harness/services.ts'
import { seededRng } from '../../support/seed.ts'
import { H, makeEvents, T0 } from './stream.ts'

const config = parse(accessConfigSchema, { enabled: true, learningPeriodMs: 24 * H }, 'LW_ERR_CONFIG_INVALID', 'access')
const envelope = (event: AuditEnvelope['event']): AuditEnvelope => ({ v: '1', type: 'audit', cluster: 'lab', receivedAt: new Date(T0).toISOString(), event })
const USER = 'system:serviceaccount:shop:checkout-7f3a'

/** One sample's value from the exposition text; undefined when the series is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

let redis: Redis
const prefix = `lw:test-access-metrics-${process.pid}`

before(async () => {
  redis = new Redis((await getServices()).redisUrl)
})

after(async () => {
  const keys = await redis.keys(`${prefix}*`)
  if (keys.length > 0) await redis.del(...keys)
  await redis.quit()
})

test('events by verb and outcome, learning by event time, principals, skipped events; the store timed per operation in the real Redis', async (t) => {
  const rng = seededRng('access-stage-metrics')
  const ev = makeEvents(rng)
  const metrics = createMetrics()
  // The stage quits the connection it is given when it stops: a connection of its own.
  const stage = createAccessStage(config, {
    fingerprinter: createFingerprinter('k'.repeat(40)),
    logger: silentLogger(),
    maxContextChars: 200,
    metrics,
    redis: { client: redis.duplicate(), keyPrefix: prefix }
  })
  let stopped = false
  t.after(async () => {
    if (!stopped) await stage.stop()
  })
  await stage.audit(
    [
      ev({ t: T0 + 1000, user: USER, verb: 'get', resource: 'secrets', ns: 'shop', name: 'db' }),
      ev({ t: T0 + 2000, user: USER, verb: 'list', resource: 'secrets', ns: 'shop' }),
      ev({ t: T0 + 3000, user: USER, verb: 'get', resource: 'secrets', ns: 'payments', name: 'stripe', code: 403 }),
      ev({ t: T0 + 4000, user: 'system:node:node-1', verb: 'get', resource: 'configmaps', ns: 'shop', name: 'x', code: 500 }),
      // A verb no API server sends: counted as "other", so a hostile stream cannot make a series per request.
      ev({ t: T0 + 5000, user: USER, verb: `x-${rng.chars('abcdefghijklmnopqrstuvwxyz', 12)}`, resource: 'pods', ns: 'shop' })
    ].map(envelope)
  )
  let text = metrics.registry.render()
  assert.equal(sample(text, 'leakwatch_access_events_total{outcome="allowed",verb="get"}'), 1)
  assert.equal(sample(text, 'leakwatch_access_events_total{outcome="allowed",verb="list"}'), 1)
  assert.equal(sample(text, 'leakwatch_access_events_total{outcome="denied",verb="get"}'), 1)
  assert.equal(sample(text, 'leakwatch_access_events_total{outcome="failed",verb="get"}'), 1)
  assert.equal(sample(text, 'leakwatch_access_events_total{outcome="allowed",verb="other"}'), 1)
  assert.equal(sample(text, 'leakwatch_access_learning'), 1)
  const remaining = sample(text, 'leakwatch_access_learning_remaining_seconds') ?? Number.NaN
  // Learning started at the first event (T0 + 1 s); the latest is T0 + 5 s.
  assert.equal(remaining, (24 * H - 4000) / 1000)
  assert.equal(sample(text, 'leakwatch_access_principals'), 2)
  for (const op of ['learning-start', 'load']) assert.ok((sample(text, `leakwatch_access_store_seconds_count{op="${op}"}`) ?? 0) >= 1, `${op} timed`)

  // A day later (event time): learning is over; an event far older than the principal's state is skipped, not learned.
  await stage.audit(
    [
      ev({ t: T0 + 25 * H, user: USER, verb: 'get', resource: 'secrets', ns: 'shop', name: 'db' }),
      ev({ t: T0 + 2 * H, user: USER, verb: 'get', resource: 'secrets', ns: 'shop', name: 'db' })
    ].map(envelope)
  )
  text = metrics.registry.render()
  assert.equal(sample(text, 'leakwatch_access_learning'), 0)
  assert.equal(sample(text, 'leakwatch_access_learning_remaining_seconds'), 0)
  assert.equal(sample(text, 'leakwatch_access_events_skipped_total'), 1)
  assert.equal(sample(text, 'leakwatch_access_events_total{outcome="allowed",verb="get"}'), 3)
  await stage.stop()
  stopped = true
  text = metrics.registry.render()
  assert.ok((sample(text, 'leakwatch_access_store_seconds_count{op="save"}') ?? 0) >= 1, 'the state written on stop is timed')
  // Principals are state, never labels.
  for (const name of [USER, 'node-1', 'shop', 'payments']) assert.ok(!text.includes(name), `${name} in the metrics`)
})

test('a failing store operation is counted by operation and its error passes through', async () => {
  const metrics = createMetrics()
  const failing = { ...createMemoryAccessStore(), save: () => Promise.reject(new Error('Redis went away')) }
  const store = instrumentStore(failing, { seconds: metrics.accessStoreSeconds, errors: metrics.accessStoreErrors })
  await assert.rejects(store.save([{ principal: USER, core: '{}', addKnown: [] }], 1000), /Redis went away/)
  await store.load([USER])
  const text = metrics.registry.render()
  assert.equal(sample(text, 'leakwatch_access_store_errors_total{op="save"}'), 1)
  assert.equal(sample(text, 'leakwatch_access_store_errors_total{op="load"}'), undefined)
  assert.equal(sample(text, 'leakwatch_access_store_seconds_count{op="save"}'), 1)
  assert.equal(sample(text, 'leakwatch_access_store_seconds_count{op="load"}'), 1)
})
