// `run all` wired with detector.knownSecrets: a file of values and the stand-in
// Kubernetes API feed the index before the stage consumes, a low-entropy
// password that no rule knows becomes one incident naming its Secret, and
// the metrics say what was indexed and skipped.

import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { startApp } from '../../../app/roles.ts'
import { loadConfig } from '../../../config/load.ts'
import type { createMemoryBus } from '../../../pipeline/bus-memory.ts'
import type { Finding } from '../../../pipeline/events.ts'
import { TOPICS } from '../../../pipeline/events.ts'
import { createLogger } from '../../../pipeline/log.ts'
import { seededGen } from '../../support/seed.ts'
import { waitFor } from '../../support/wait.ts'
import { startKubeApi } from './standins.ts'

const g = seededGen('g')
let dir: string
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lw-known-app-'))
})
after(async () => {
  await rm(dir, { recursive: true, force: true })
})

test('run all with known secrets from a file and the Kubernetes API: one known-secret incident per leaked value, no plaintext on the bus', async () => {
  const token = g.base62(32)
  const api = await startKubeApi({ token })
  const k8sValue = g.password()
  api.upsert('shop', 'db', { password: k8sValue, user: 'shop' })
  const kubeconfig = join(dir, 'kubeconfig.json')
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 's', cluster: { server: api.url, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'u', user: { token } }],
      contexts: [{ name: 's', context: { cluster: 's', user: 'u' } }],
      'current-context': 's'
    })
  )
  const fileValue = `${g.base62(6)} ${g.base62(6)}`
  writeFileSync(join(dir, 'values.txt'), `${fileValue}\nchangeme\n`)
  const logs = join(dir, 'logs')
  mkdirSync(logs)
  writeFileSync(
    join(logs, 'api.log'),
    `starting\nconnecting as shop with ${k8sValue}\nretry: postgres://shop:${encodeURIComponent(k8sValue)}@db/shop\nbackup key ${Buffer.from(fileValue).toString('base64')}\n`
  )
  const config = loadConfig({
    env: {},
    overrides: {
      'http.enabled': false,
      'log.level': 'silent',
      'responder.console': false,
      'collector.files.path': logs,
      'collector.files.readFrom': 'beginning',
      'collector.files.pollIntervalMs': 20,
      'collector.files.checkpointPath': join(dir, 'checkpoints.json'),
      'detector.knownSecrets.file.enabled': true,
      'detector.knownSecrets.file.path': join(dir, 'values.txt'),
      'detector.knownSecrets.kubernetes.enabled': true,
      'detector.knownSecrets.kubernetes.kubeconfigPath': kubeconfig
    }
  })
  const app = await startApp('all', config, { logger: createLogger({ level: 'silent' }) })
  try {
    const bus = app.bus as ReturnType<typeof createMemoryBus>
    const findings = (): Finding[] => bus.messages(TOPICS.findings).map((m) => JSON.parse(m.value.toString('utf8')) as Finding)
    await waitFor(() => findings().length >= 3, 'three findings on the bus', 10_000)
    const all = findings()
    for (const m of bus.messages(TOPICS.findings)) {
      const text = m.value.toString('utf8')
      assert.ok(!text.includes(k8sValue) && !text.includes(fileValue) && !text.includes(encodeURIComponent(k8sValue)))
    }
    assert.deepEqual(all.map((f) => f.kind).sort(), ['known-secret', 'known-secret', 'known-secret'])
    assert.deepEqual(
      all.filter((f) => f.origin?.source === 'kubernetes').map((f) => f.location.line),
      [2, 3]
    )
    await waitFor(async () => (await app.incidents.list()).length === 2, 'two incidents: one per value')
    const metrics = app.metrics
    assert.equal(metrics.knownSecretsIndexed.get({ source: 'kubernetes' }), 1)
    assert.equal(metrics.knownSecretsIndexed.get({ source: 'file' }), 1)
    assert.equal(metrics.knownSecretsSkipped.get({ source: 'kubernetes', reason: 'too-short' }), 1)
    assert.equal(metrics.knownSecretsSkipped.get({ source: 'file', reason: 'common' }), 1)
    assert.equal(metrics.knownSecretsSourceUp.get({ source: 'kubernetes' }), 1)
  } finally {
    await app.stop()
    await api.close()
  }
})
