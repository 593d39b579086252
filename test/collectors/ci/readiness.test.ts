// /readyz of a process running the CI collectors that are sent their input
// (GitHub's webhook, GitLab's job hook, the ingest endpoint): not ready until
// each one's port listens, so a Service never routes a delivery to a pod that
// refuses the connection. The GitHub collector is held before it listens
// (its job state is a named pipe that the test writes when it chooses), so
// the test sees the process with two hook ports up and one not.

import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import type { App } from '../../../app/roles.ts'
import { startApp } from '../../../app/roles.ts'
import { loadConfig } from '../../../config/load.ts'
import { silentLogger } from '../../../pipeline/log.ts'
import { seededGen } from '../../support/seed.ts'
import { waitFor } from '../../support/wait.ts'

const dir = mkdtempSync(join(tmpdir(), 'lw-ci-ready-'))
after(() => rmSync(dir, { recursive: true, force: true }))
const gen = seededGen('ci-readiness')

async function readyz(port: number): Promise<{ status: number; checks: Record<string, boolean> }> {
  const res = await fetch(`http://127.0.0.1:${port}/readyz`)
  const body = (await res.json()) as { checks: Record<string, boolean> }
  return { status: res.status, checks: body.checks }
}

const accepts = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => {
      s.destroy()
      resolve(true)
    })
    s.on('error', () => resolve(false))
  })

test('/readyz waits for the GitHub, GitLab and ingest hook ports to listen, and names the one that does not', async () => {
  // GitHub's collector reads its job state before it listens: a named pipe holds that read until written.
  const statePath = join(dir, 'jobs.fifo')
  execFileSync('mkfifo', [statePath])
  writeFileSync(join(dir, 'secret'), gen.base62(32))
  writeFileSync(join(dir, 'token'), `ghp_${gen.base62(36)}`)
  const config = loadConfig({
    env: {},
    overrides: {
      'http.enabled': true,
      'http.host': '127.0.0.1',
      'http.port': 0,
      'collector.files.enabled': false,
      'collector.podLogs.mode': 'off',
      'collector.github.enabled': true,
      'collector.github.host': '127.0.0.1',
      'collector.github.port': 0,
      'collector.github.webhookSecretFile': join(dir, 'secret'),
      'collector.github.tokenFile': join(dir, 'token'),
      'collector.github.apiUrl': 'http://127.0.0.1:9',
      'collector.github.replayStore': 'memory',
      'collector.github.statePath': statePath,
      'collector.gitlab.enabled': true,
      'collector.gitlab.host': '127.0.0.1',
      'collector.gitlab.port': 0,
      'collector.gitlab.url': 'http://127.0.0.1:9',
      'collector.gitlab.webhookToken': gen.base62(32),
      'collector.gitlab.deliveries': 'memory',
      'collector.ciIngest.enabled': true,
      'collector.ciIngest.host': '127.0.0.1',
      'collector.ciIngest.port': 0,
      'collector.ciIngest.tokens': [gen.base62(40)]
    }
  })
  let app: App | undefined
  let fed = false
  try {
    app = await startApp('all', config, { logger: silentLogger() })
    const http = app.http?.port ?? 0
    await waitFor(async () => {
      const r = await readyz(http)
      return r.checks['collector.gitlab'] === true && r.checks['collector.ciIngest'] === true
    }, 'the GitLab and ingest ports listening')
    const held = await readyz(http)
    assert.equal(held.status, 503, 'not ready while the GitHub webhook port does not listen')
    assert.equal(held.checks['collector.github'], false)
    assert.equal(held.checks.bus, true, 'everything else is ready')
    // The job state arrives; the GitHub collector listens, and then (not before) the process is ready.
    writeFileSync(statePath, JSON.stringify({ version: 1, pending: [], done: {} }))
    fed = true
    await waitFor(async () => (await readyz(http)).status === 200, 'ready')
    const ready = await readyz(http)
    assert.deepEqual(
      Object.entries(ready.checks).filter(([k]) => k.startsWith('collector.')),
      [
        ['collector.ciIngest', true],
        ['collector.github', true],
        ['collector.gitlab', true]
      ].sort()
    )
  } finally {
    // A pipe never written would hold the read (and a thread) for good.
    if (!fed) writeFileSync(statePath, '{}')
    await app?.stop()
  }
})

test('a hook collector is ready while its port listens, and not once it is stopped', async () => {
  const { createIngestEndpoint } = await import('../../../collectors/ci/ingest.ts')
  const { ciIngestConfigSchema } = await import('../../../collectors/ci/ingest.config.ts')
  const { parse } = await import('../../../pipeline/schema.ts')
  const { createMetrics } = await import('../../../pipeline/metrics.ts')
  const config = parse(ciIngestConfigSchema, { enabled: true, host: '127.0.0.1', port: 0 }, 'LW_ERR_CONFIG_INVALID', 'ingest')
  const c = createIngestEndpoint(config, { publish: async () => {}, logger: silentLogger(), metrics: createMetrics(), tokens: [gen.base62(40)] })
  assert.equal(c.ready?.(), false, 'not started')
  const ac = new AbortController()
  const running = c.start(ac.signal)
  await waitFor(() => c.ready?.() === true, 'ready')
  assert.ok(await accepts(c.port()), 'ready means its port takes connections')
  ac.abort()
  await c.close()
  await running
  assert.equal(c.ready?.(), false, 'stopped')
})
