// The audit records on leakwatch.audit.v1: the webhook's v2 records (several
// events of one principal) and the v1 records (one event) that Kafka may still
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
import { seededGen } from '../support/seed.ts'

const g = seededGen('audit-records')

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

test('a batch becomes one record per principal (v2), in each principal’s order, at most maxEventsPerRecord each; a lone event is v1', () => {
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
