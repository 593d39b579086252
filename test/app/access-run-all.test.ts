// `run all` with `detector.access.enabled`: audit envelopes on the in-process
// bus reach the access detector through the detector stage, and its finding
// becomes an incident (one per rule and principal) like a leaked secret's.

import assert from 'node:assert/strict'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { startApp } from '../../app/roles.ts'
import { loadConfig } from '../../config/load.ts'
import type { createMemoryBus } from '../../pipeline/bus-memory.ts'
import { createCodec } from '../../pipeline/codec.ts'
import type { AuditEnvelope } from '../../pipeline/events.ts'
import { TOPICS } from '../../pipeline/events.ts'
import { createLogger } from '../../pipeline/log.ts'
import { makeEvents, T0 } from '../detectors/access/stream.ts'
import { seededGen, seededRng } from '../support/seed.ts'
import { waitFor } from '../support/wait.ts'

test('run all: a new service account listing every secret becomes an access incident', async () => {
  const payloadKey = seededGen('key').base62(40)
  const config = loadConfig({
    env: {},
    overrides: {
      'http.enabled': false,
      'log.level': 'silent',
      'responder.console': false,
      'collector.files.path': mkdtempSync(join(tmpdir(), 'leakwatch-access-all-')),
      'kafka.payloadKey': payloadKey,
      'detector.access.enabled': true,
      'detector.access.learningPeriodMs': 3_600_000
    }
  })
  const app = await startApp('all', config, { logger: createLogger({ level: 'silent' }) })
  try {
    const ev = makeEvents(seededRng('events'))
    const sa = 'system:serviceaccount:ci:deployer'
    const events = [
      ev({ t: T0, user: 'system:serviceaccount:shop:api', verb: 'get', resource: 'secrets', ns: 'shop', name: 'db' }),
      ev({ t: T0 + 2 * 3_600_000, user: sa, verb: 'list', resource: 'secrets', ip: '10.244.3.9' }),
      ev({ t: T0 + 2 * 3_600_000 + 1000, user: sa, verb: 'list', resource: 'secrets', ip: '10.244.3.9' })
    ]
    const codec = createCodec({ payloadKey, compress: config.kafka.compress, recordKey: undefined, recordVerifyKeys: [], payloadDecryptKeys: [] })
    const bus = app.bus as ReturnType<typeof createMemoryBus>
    await bus.send(
      TOPICS.audit,
      events.map((event) => {
        const env: AuditEnvelope = { v: '1', type: 'audit', cluster: 'prod-eu', receivedAt: event.stageTimestamp ?? '', event }
        return { key: event.user.username ?? null, value: codec.encode(TOPICS.audit, env) }
      })
    )
    await waitFor(async () => (await app.incidents.list()).some((i) => i.kind === 'access'), 'an access incident', 10_000)
    const incidents = (await app.incidents.list()).filter((i) => i.kind === 'access')
    assert.deepEqual(
      incidents.map((i) => `${i.rule} ${i.preview} ${i.severity}`),
      [`access-cluster-wide-secret-list ${sa} high`]
    )
    assert.equal(incidents[0]?.source.cluster, 'prod-eu')
    assert.equal(incidents[0]?.occurrences, 1, 'the second list extends the same anomaly')
  } finally {
    await app.stop()
  }
})
