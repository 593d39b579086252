// The engine's `reveal` option exists for the command line only: the
// plaintext it attaches must not survive serialisation or copying, and the
// pipeline (detector stage, `run all`) must produce findings without it.

import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { startApp } from '../../app/roles.ts'
import { loadConfig } from '../../config/load.ts'
import { createDetectorStage } from '../../detectors/detector-stage.ts'
import { BUILTIN_RULES } from '../../detectors/rules/registry.ts'
import { createSecretDetector, revealedSecret } from '../../detectors/secrets.ts'
import type { createMemoryBus } from '../../pipeline/bus-memory.ts'
import type { Finding, LogChunk } from '../../pipeline/events.ts'
import { findingSchema, TOPICS } from '../../pipeline/events.ts'
import { createFingerprinter } from '../../pipeline/fingerprint.ts'
import { createLogger } from '../../pipeline/log.ts'
import { createMetrics } from '../../pipeline/metrics.ts'
import { seededGen } from '../support/seed.ts'
import { waitFor } from '../support/wait.ts'

const gen = seededGen('gen')
const dir = mkdtempSync(join(tmpdir(), 'lw-secrets-'))
after(() => rmSync(dir, { recursive: true, force: true }))
const FIELDS = Object.keys(findingSchema.fields ?? {}).sort()

function chunk(lines: string[]): LogChunk {
  return {
    v: '1',
    type: 'log-chunk',
    stream: 'k8s/shop/api-0/api',
    source: { type: 'k8s', namespace: 'shop' },
    startLine: 1,
    offset: { start: 0, end: 0 },
    lines,
    collectedAt: new Date(0).toISOString()
  }
}

/** No own key beyond the schema's, no symbol, no plaintext anywhere in the serialised form. */
function assertClean(f: Finding, secret: string): void {
  assert.deepEqual(
    Reflect.ownKeys(f).filter((k) => typeof k === 'symbol'),
    []
  )
  assert.deepEqual(
    Object.keys(f).sort(),
    FIELDS.filter((k) => k in f)
  )
  assert.equal(revealedSecret(f), undefined)
  assert.equal(JSON.stringify(f).includes(secret), false)
}

test('reveal: true makes the plaintext readable through revealedSecret only', () => {
  const secret = gen.githubToken('ghp_')
  const fingerprinter = createFingerprinter(undefined)
  const detector = createSecretDetector({ rules: BUILTIN_RULES, fingerprinter, maxContextChars: 240, reveal: true })
  const [f] = detector.detect(chunk([`GITHUB_TOKEN=${secret}`]))
  assert.ok(f)
  assert.equal(revealedSecret(f), secret)
  assert.equal(Object.keys(f).includes('secret'), false)
  assert.equal(JSON.stringify(f).includes(secret), false, 'JSON drops it')
  assert.equal(revealedSecret({ ...f }), undefined, 'a spread copy drops it')
  assert.equal(revealedSecret(structuredClone(f)), undefined, 'structuredClone drops it')
  assert.equal(f.fingerprint, fingerprinter.of(secret))
})

test("the detector stage's findings carry no plaintext field", async () => {
  const secret = gen.githubToken('ghp_')
  const detector = createSecretDetector({ rules: BUILTIN_RULES, fingerprinter: createFingerprinter(undefined), maxContextChars: 240 })
  const stage = createDetectorStage({ groupId: 'g' }, { detectors: [detector], metrics: createMetrics() })
  const out = await stage.process([{ topic: TOPICS.logs, partition: 0, offset: '0', key: 'k', value: chunk(['boot', `GITHUB_TOKEN=${secret}`]) }])
  assert.equal(out.length, 1)
  for (const o of out) assertClean(o.value as Finding, secret)
})

test('run all: findings on the bus carry exactly the schema fields, no plaintext', async () => {
  const secret = gen.githubToken('ghp_')
  const logs = join(dir, 'logs')
  const config = loadConfig({
    env: {},
    overrides: {
      'http.enabled': false,
      'log.level': 'silent',
      'responder.console': false,
      'collector.files.path': logs,
      'collector.files.readFrom': 'beginning',
      'collector.files.pollIntervalMs': 20,
      'collector.files.checkpointPath': join(dir, 'checkpoints.json')
    }
  })
  mkdirSync(logs)
  writeFileSync(join(logs, 'api.log'), `starting\nGITHUB_TOKEN=${secret}\n`)
  const app = await startApp('all', config, { logger: createLogger({ level: 'silent' }) })
  try {
    const bus = app.bus as ReturnType<typeof createMemoryBus>
    await waitFor(() => bus.messages(TOPICS.findings).length > 0, 'a finding on the bus', 10_000)
    for (const m of bus.messages(TOPICS.findings)) {
      assert.equal(m.value.toString('utf8').includes(secret), false)
      const f = JSON.parse(m.value.toString('utf8')) as Finding
      assert.equal(f.rule, 'github-pat-classic')
      assertClean(f, secret)
    }
  } finally {
    await app.stop()
  }
})
