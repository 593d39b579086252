// The audit records on leakwatch.audit.v1: the webhook's v2 records (several
// events of the principals whose keys go to one partition, or of one principal
// while the bus does not know the partitions) and the v1 records (one event) that Kafka may still
// hold and the file collector writes. Both go through the runner's decoding
// and schema check to the detector stage, and give the same findings, ids
// included; a group too large for a Kafka record is split, not truncated.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { auditRecords, fitRecords, TRUNCATED_ANNOTATION } from '../../collectors/audit/records.ts'
import { createDetectorStage } from '../../detectors/detector-stage.ts'
import { createKnownSecretDetector, previewOf } from '../../detectors/known-secrets/detector.ts'
import { createKnownSecretIndex } from '../../detectors/known-secrets/index.ts'
import { BUILTIN_RULES } from '../../detectors/rules/registry.ts'
import { createSecretDetector } from '../../detectors/secrets.ts'
import type { AuditEvent } from '../../pipeline/audit-decode.ts'
import { createMemoryBus } from '../../pipeline/bus-memory.ts'
import { createCodec } from '../../pipeline/codec.ts'
import type { AuditEnvelope, AuditGroup, Finding } from '../../pipeline/events.ts'
import { auditEnvelopes, auditRecordSchema, TOPICS } from '../../pipeline/events.ts'
import { createFingerprinter } from '../../pipeline/fingerprint.ts'
import { createLogger } from '../../pipeline/log.ts'
import { createMetrics } from '../../pipeline/metrics.ts'
import type { InRecord, OutRecord } from '../../pipeline/runner.ts'
import { createPublisher } from '../../pipeline/runner.ts'
import { safeParse } from '../../pipeline/schema.ts'
import { seededGen, seededRng } from '../support/seed.ts'

const g = seededGen('audit-records')
const rng = seededRng('audit-records-partitions')

function event(user: string, i: number, extra: Partial<AuditEvent> = {}): AuditEvent {
  return {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'RequestResponse',
    auditID: `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`,
    stage: 'ResponseComplete',
    verb: 'create',
    user: { username: user, groups: ['system:authenticated'] },
    ...extra
  }
}

const values = (records: OutRecord[]) => records.map((r) => r.value as AuditEnvelope | AuditGroup)

test('without partitions, a batch becomes one record per principal (v2), in each principal’s order, at most maxEventsPerRecord each; a lone event is v1', () => {
  const users = ['system:node:n1', 'alice', 'system:serviceaccount:ci:deployer']
  // 2 of n1, 1 of alice, 5 of the deployer, interleaved.
  const order = [0, 2, 0, 2, 1, 2, 2, 2]
  const events = order.map((u, i) => event(users[u] ?? '', i))
  const records = auditRecords(events, 'c1', 't0', 3)
  assert.deepEqual(
    records.map((r) => [r.key, (r.value as AuditEnvelope | AuditGroup).v, auditEnvelopes(r.value as AuditGroup).length]),
    [
      ['system:node:n1', '2', 2],
      ['system:serviceaccount:ci:deployer', '2', 3],
      ['system:serviceaccount:ci:deployer', '2', 2],
      ['alice', '1', 1]
    ]
  )
  for (const v of values(records)) {
    assert.ok(safeParse(auditRecordSchema, v).ok)
    for (const env of auditEnvelopes(v)) {
      assert.equal(env.cluster, 'c1')
      assert.equal(env.receivedAt, 't0')
    }
  }
  const deployer = records.filter((r) => r.key === 'system:serviceaccount:ci:deployer').flatMap((r) => auditEnvelopes(r.value as AuditGroup))
  assert.deepEqual(
    deployer.map((e) => e.event.auditID),
    events.filter((e) => e.user.username === 'system:serviceaccount:ci:deployer').map((e) => e.auditID)
  )
  // maxEventsPerRecord 1: the v1 records every detector version reads.
  const v1 = auditRecords(events, 'c1', 't0', 1)
  assert.equal(v1.length, events.length)
  assert.ok(values(v1).every((v) => v.v === '1'))
})

/** A stand-in for the bus's partitionOf: a fixed, uneven assignment of principals to `n` partitions. */
function partitionsOf(n: number): (principal: string) => number {
  const of = new Map<string, number>()
  return (p) => {
    let at = of.get(p)
    if (at === undefined) {
      at = rng.int(n)
      of.set(p, at)
    }
    return at
  }
}

test('with the partitions known, a record holds the events of the principals of one partition, keyed by its first, each principal’s events in order', () => {
  const users = Array.from({ length: 150 }, (_, i) => (i % 3 === 0 ? `system:serviceaccount:team-${i}:app` : `user-${g.base62(6)}@example.com`))
  const partitionOf = partitionsOf(6)
  let id = 0
  for (let round = 0; round < 3; round++) {
    const events = Array.from({ length: 400 }, () => event(rng.pick(users), id++))
    const records = auditRecords(events, 'c1', 't0', 100, partitionOf)
    // Six partitions, at most 100 events a record: a handful of records, not one per principal.
    assert.ok(records.length <= 6 + Math.ceil(400 / 100), `${records.length} records`)
    const sent = records.flatMap((r) => auditEnvelopes(r.value as AuditEnvelope | AuditGroup).map((env) => ({ r, e: env.event })))
    assert.deepEqual(sent.map((x) => x.e.auditID).sort(), events.map((e) => e.auditID).sort(), 'every event, once')
    for (const r of records) {
      const held = auditEnvelopes(r.value as AuditEnvelope | AuditGroup).map((env) => env.event.user.username ?? '')
      assert.equal(r.key, held[0], 'keyed by its first event’s principal')
      // Every principal of the record goes where a record of its own key would.
      for (const u of held) assert.equal(partitionOf(u), partitionOf(r.key as string), u)
    }
    for (const u of new Set(events.map((e) => e.user.username ?? '')))
      assert.deepEqual(
        sent.filter((x) => x.e.user.username === u).map((x) => x.e.auditID),
        events.filter((e) => e.user.username === u).map((e) => e.auditID),
        `${u}'s events in the batch's order`
      )
    assert.ok(
      records.some((r) => new Set(auditEnvelopes(r.value as AuditGroup).map((env) => env.event.user.username)).size > 1),
      'a record holds several principals'
    )
  }
  // One principal the bus cannot place: the batch is grouped per principal, as before the partitions were known.
  const events = [event(users[0] as string, id++), ...Array.from({ length: 40 }, () => event(rng.pick(users.slice(0, 10)), id++))]
  const unknown = auditRecords(events, 'c1', 't0', 100, (p) => (p === users[0] ? undefined : partitionOf(p)))
  for (const r of unknown) assert.ok(auditEnvelopes(r.value as AuditEnvelope | AuditGroup).every((env) => env.event.user.username === r.key))
  // maxEventsPerRecord 1: one event a record, keyed by its own principal.
  for (const r of auditRecords(events, 'c1', 't0', 1, partitionOf)) assert.equal(r.key, (r.value as AuditEnvelope).event.user.username)
})

test('the record schema reads v1 and v2, and refuses a v2 record without events or with an invalid event', () => {
  const e = event('alice', 1)
  assert.ok(safeParse(auditRecordSchema, { v: '1', type: 'audit', cluster: 'c', receivedAt: 't', event: e }).ok)
  assert.ok(safeParse(auditRecordSchema, { v: '2', type: 'audit', cluster: 'c', receivedAt: 't', events: [e, event('alice', 2)] }).ok)
  assert.ok(!safeParse(auditRecordSchema, { v: '2', type: 'audit', cluster: 'c', receivedAt: 't', events: [] }).ok)
  assert.ok(!safeParse(auditRecordSchema, { v: '2', type: 'audit', cluster: 'c', receivedAt: 't', events: [{ ...e, auditID: '' }] }).ok)
  assert.ok(!safeParse(auditRecordSchema, { v: '2', type: 'audit', cluster: 'c', receivedAt: 't', event: e }).ok)
  assert.ok(!safeParse(auditRecordSchema, { v: '3', type: 'audit', cluster: 'c', receivedAt: 't', event: e }).ok)
})

test('a group whose sealed record would exceed maxRecordBytes is halved until it fits; only a lone event over it loses its objects', () => {
  const bus = createMemoryBus()
  const codec = createCodec({ payloadKey: g.base62(32), compress: true })
  const publish = createPublisher({ bus, codec, metrics: createMetrics(), logger: createLogger({ level: 'silent' }) })
  // Random text does not deflate: each event is ~40 KB sealed, the last one ~300 KB.
  const obj = (n: number) => ({ kind: 'ConfigMap', data: { blob: g.base62(n) } })
  const events = Array.from({ length: 8 }, (_, i) => event('alice', i, { requestObject: obj(i === 7 ? 300_000 : 40_000) }))
  const max = 128 * 1024
  const fit = fitRecords(auditRecords(events, 'c', 't', 100), publish, max)
  assert.equal(fit.truncated, 1)
  assert.ok(fit.records.length > 1 && fit.records.length < events.length, `${fit.records.length} records`)
  const back = fit.records.flatMap((r) => {
    assert.ok((r.encoded?.length ?? 0) <= max)
    assert.equal(r.key, 'alice')
    return auditEnvelopes(codec.decode(TOPICS.audit, r.encoded as Buffer) as AuditEnvelope | AuditGroup).map((e) => e.event)
  })
  assert.deepEqual(
    back.map((e) => e.auditID),
    events.map((e) => e.auditID),
    'every event, in order'
  )
  assert.match(back[7]?.annotations?.[TRUNCATED_ANNOTATION] ?? '', /dropped/)
  assert.equal(back[7]?.requestObject, undefined)
  assert.ok(back.slice(0, 7).every((e) => e.requestObject !== undefined))

  // A record of several principals of one partition: its parts are keyed by their own first principal, in order.
  const users = ['alice', 'bob', 'system:serviceaccount:ci:deployer']
  const mixed = Array.from({ length: 9 }, (_, i) => event(users[i % 3] as string, 100 + i, { requestObject: obj(40_000) }))
  const parts = fitRecords(
    auditRecords(mixed, 'c', 't', 100, () => 3),
    publish,
    max
  ).records
  assert.ok(parts.length > 1)
  const opened = parts.map((r) => ({
    key: r.key,
    events: auditEnvelopes(codec.decode(TOPICS.audit, r.encoded as Buffer) as AuditEnvelope | AuditGroup).map((e) => e.event)
  }))
  for (const o of opened) assert.equal(o.key, o.events[0]?.user.username)
  assert.deepEqual(
    opened.flatMap((o) => o.events.map((e) => e.auditID)),
    mixed.map((e) => e.auditID),
    'every event, in order'
  )
})

test('the detector stage finds the same leaks, with the same finding ids, in v1 records and in a v2 record of the same events', async () => {
  const fingerprinter = createFingerprinter(g.base62(40))
  const index = createKnownSecretIndex({ fingerprint: (b) => fingerprinter.ofBytes?.(b) ?? '', preview: previewOf })
  const pw = g.password()
  index.set({ source: 'kubernetes', namespace: 'shop', name: 'db', key: 'password' }, Buffer.from(pw))
  const stage = createDetectorStage(
    { groupId: 'g' },
    {
      detectors: [
        createSecretDetector({ rules: BUILTIN_RULES, fingerprinter, maxContextChars: 300 }),
        createKnownSecretDetector({ index, maxContextChars: 300 })
      ],
      metrics: createMetrics()
    }
  )
  const ref = (name: string) => ({ resource: 'configmaps', namespace: 'shop', name, apiVersion: 'v1' })
  const events = [
    event('alice', 1, { objectRef: ref('a'), requestObject: { kind: 'ConfigMap', data: { DB_PASSWORD: pw } } }),
    event('alice', 2, { verb: 'get', objectRef: ref('a') }),
    event('alice', 3, { objectRef: ref('b'), requestObject: { kind: 'ConfigMap', data: { url: `postgres://shop:${encodeURIComponent(pw)}@db/shop` } } })
  ]
  // Through the codec and the record schema, as the runner hands records to the stage.
  const codec = createCodec({ payloadKey: g.base62(32), compress: true })
  let offset = 0
  const through = (records: OutRecord[]): InRecord[] =>
    records.map((r) => {
      const value = codec.decode(TOPICS.audit, codec.encode(TOPICS.audit, r.value))
      const checked = safeParse(auditRecordSchema, value)
      assert.ok(checked.ok)
      return { topic: TOPICS.audit, partition: 0, offset: String(offset++), key: r.key, value: checked.value }
    })
  const audits: string[][] = []
  const collect = async (envs: AuditEnvelope[]): Promise<Finding[]> => {
    audits.push(envs.map((e) => e.event.auditID))
    return []
  }
  const withAccess = createDetectorStage({ groupId: 'g' }, { detectors: [], metrics: createMetrics(), audit: [collect] })
  const run = async (records: OutRecord[]) => (await stage.process(through(records))).map((o) => o.value as Finding)
  const v1 = await run(auditRecords(events, 'prod', 't', 1))
  const v2Records = auditRecords(events, 'prod', 't', 100)
  assert.equal(v2Records.length, 1)
  const v2 = await run(v2Records)
  assert.equal(v1.length, 2, JSON.stringify(v1.map((f) => f.title)))
  assert.deepEqual(
    v2.map((f) => [f.id, f.rule, f.title]),
    v1.map((f) => [f.id, f.rule, f.title])
  )
  for (const f of v2) assert.ok(!JSON.stringify(f).includes(pw), 'no plaintext in a finding')
  // The access detector sees each event of a group, in order, as it sees v1 records.
  await withAccess.process(through(v2Records))
  await withAccess.process(through(auditRecords(events, 'prod', 't', 1)))
  assert.deepEqual(audits, [events.map((e) => e.auditID), events.map((e) => e.auditID)])
})
