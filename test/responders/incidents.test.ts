import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createGen } from '../../detectors/gen.ts'
import type { Finding } from '../../pipeline/events.ts'
import { createFingerprinter, mask, stableId } from '../../pipeline/fingerprint.ts'
import { createMemoryIncidentStore } from '../../responders/incidents.ts'

const gen = createGen()
const fingerprinter = createFingerprinter(gen.base62(40))

function finding(secret: string, stream: string, line: number, detectedAt: string): Finding {
  const fp = fingerprinter.of(secret)
  return {
    v: '1',
    type: 'finding',
    id: stableId(fp, stream, line),
    fingerprint: fp,
    rule: 'github-pat-classic',
    title: 'GitHub personal access token (classic)',
    kind: 'pattern',
    severity: 'critical',
    confidence: 'high',
    stream,
    source: { type: 'file', path: stream },
    location: { line, column: 1, endLine: line, endColumn: 41 },
    preview: mask(secret),
    context: `token=${mask(secret)}`,
    detectedAt
  }
}

test('the first finding of a fingerprint opens an incident; later ones add occurrences', async () => {
  const store = createMemoryIncidentStore()
  const secret = gen.githubToken('ghp_')
  const first = await store.record(finding(secret, 'file/a.log', 1, '2025-01-01T00:00:00.000Z'), 'prod')
  assert.equal(first.created, true)
  assert.equal(first.replay, false)
  assert.deepEqual(first.incident, {
    fingerprint: fingerprinter.of(secret),
    rule: 'github-pat-classic',
    title: 'GitHub personal access token (classic)',
    kind: 'pattern',
    severity: 'critical',
    preview: mask(secret),
    status: 'open',
    cluster: 'prod',
    firstStream: 'file/a.log',
    lastStream: 'file/a.log',
    firstSeen: '2025-01-01T00:00:00.000Z',
    lastSeen: '2025-01-01T00:00:00.000Z',
    occurrences: 1,
    alerted: false
  })

  const second = await store.record(finding(secret, 'file/b.log', 9, '2025-01-02T00:00:00.000Z'), 'prod')
  assert.equal(second.created, false)
  assert.equal(second.replay, false)
  assert.equal(second.incident.occurrences, 2)
  assert.equal(second.incident.firstStream, 'file/a.log')
  assert.equal(second.incident.lastStream, 'file/b.log')
  assert.equal(second.incident.lastSeen, '2025-01-02T00:00:00.000Z')
  assert.equal(JSON.stringify(await store.list()).includes(secret), false, 'the store never holds the value')
})

test('a replayed finding (same id) changes nothing', async () => {
  const store = createMemoryIncidentStore()
  const secret = gen.password()
  const f = finding(secret, 'file/a.log', 3, '2025-01-01T00:00:00.000Z')
  await store.record(f, 'prod')
  const replay = await store.record({ ...f, detectedAt: '2025-02-01T00:00:00.000Z' }, 'prod')
  assert.equal(replay.replay, true)
  assert.equal(replay.created, false)
  assert.equal(replay.incident.occurrences, 1)
  assert.equal(replay.incident.lastSeen, '2025-01-01T00:00:00.000Z')
  assert.equal((await store.get(f.fingerprint))?.occurrences, 1)
})

test('different secrets are different incidents; list and get return copies', async () => {
  const store = createMemoryIncidentStore()
  const a = finding(gen.githubToken('ghp_'), 'file/a.log', 1, '2025-01-01T00:00:00.000Z')
  const b = finding(gen.githubToken('ghp_'), 'file/a.log', 2, '2025-01-01T00:00:00.000Z')
  await store.record(a, 'c')
  await store.record(b, 'c')
  assert.deepEqual((await store.list()).map((i) => i.fingerprint).sort(), [a.fingerprint, b.fingerprint].sort())
  const got = await store.get(a.fingerprint)
  assert.ok(got !== undefined)
  got.occurrences = 99
  got.status = 'resolved'
  assert.equal((await store.get(a.fingerprint))?.occurrences, 1)
  assert.equal((await store.get(a.fingerprint))?.status, 'open')
  assert.equal(await store.get('0'.repeat(64)), undefined)
})

test('markAlerted is remembered and survives later occurrences', async () => {
  const store = createMemoryIncidentStore()
  const secret = gen.password()
  const f = finding(secret, 'file/a.log', 1, '2025-01-01T00:00:00.000Z')
  await store.record(f, 'prod')
  await store.markAlerted(f.fingerprint)
  assert.equal((await store.get(f.fingerprint))?.alerted, true)
  const next = await store.record(finding(secret, 'file/a.log', 2, '2025-01-01T00:01:00.000Z'), 'prod')
  assert.equal(next.incident.alerted, true)
  await store.markAlerted('f'.repeat(64)) // unknown fingerprint: a no-op, not an error
  assert.equal((await store.list()).length, 1)
})
