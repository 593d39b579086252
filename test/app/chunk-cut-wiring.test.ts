// app/roles.ts hands the collectors the detector's chunk cut (detectors/open-block.ts): run as `all`, a private
// key whose header is line 91 of a 100-line chunk is read whole, its finding spanning the key's 30 lines. Without
// the wiring the collector cuts the key at line 100 and the finding ends there.

import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { startApp } from '../../app/roles.ts'
import { loadConfig } from '../../config/load.ts'
import type { createMemoryBus } from '../../pipeline/bus-memory.ts'
import type { Finding } from '../../pipeline/events.ts'
import { TOPICS } from '../../pipeline/events.ts'
import { createLogger } from '../../pipeline/log.ts'
import { keyLines } from '../support/pem-block.ts'
import { seededGen } from '../support/seed.ts'
import { waitFor } from '../support/wait.ts'

const dir = mkdtempSync(join(tmpdir(), 'lw-chunk-cut-'))
after(() => rmSync(dir, { recursive: true, force: true }))

test('run all: the files collector cuts a full chunk before a private key, and the detector reads the key whole', async () => {
  const key = keyLines(seededGen('wiring'))
  const logs = join(dir, 'logs')
  mkdirSync(logs)
  const lines = [...Array.from({ length: 90 }, (_, i) => `INFO request ${i + 1} served`), ...key.lines, 'INFO done']
  writeFileSync(join(logs, 'api.log'), `${lines.join('\n')}\n`)
  const config = loadConfig({
    env: {},
    overrides: {
      'http.enabled': false,
      'log.level': 'silent',
      'responder.console': false,
      'collector.files.path': logs,
      'collector.files.readFrom': 'beginning',
      'collector.files.pollIntervalMs': 20,
      'collector.files.maxChunkLines': 100,
      'collector.files.checkpointPath': join(dir, 'checkpoints.json')
    }
  })
  const app = await startApp('all', config, { logger: createLogger({ level: 'silent' }) })
  try {
    const bus = app.bus as ReturnType<typeof createMemoryBus>
    const keys = () =>
      bus
        .messages(TOPICS.findings)
        .map((m) => JSON.parse(m.value.toString('utf8')) as Finding)
        .filter((f) => f.rule === 'private-key')
    await waitFor(() => keys().length > 0, 'a private-key finding on the bus', 10_000)
    assert.deepEqual(
      keys().map((f) => [f.location.line, f.location.endLine]),
      [[91, 120]]
    )
  } finally {
    await app.stop()
  }
})
