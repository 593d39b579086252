import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { test } from 'node:test'
import { startHttp } from '../../pipeline/http.ts'
import { createMetrics } from '../../pipeline/metrics.ts'
import { rawRequest } from '../support/raw-http.ts'
import { seededGen } from '../support/seed.ts'

test('/metrics serves the exposition text, /healthz is always ok, other paths and methods are refused', async (t) => {
  const m = createMetrics()
  m.recordsIn.inc({ topic: 'leakwatch.logs.v1' }, 3)
  const server = await startHttp({ host: '127.0.0.1', port: 0 }, m.registry, () => ({}))
  t.after(() => server.close())
  assert.ok(server.port > 0)
  const base = `http://127.0.0.1:${server.port}`

  const metrics = await fetch(`${base}/metrics`)
  assert.equal(metrics.status, 200)
  assert.equal(metrics.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8')
  const text = await metrics.text()
  assert.equal(text, m.registry.render())
  assert.match(text, /^leakwatch_records_in_total\{topic="leakwatch\.logs\.v1"\} 3$/m)

  const health = await fetch(`${base}/healthz?verbose=1`)
  assert.equal(health.status, 200)
  assert.deepEqual(await health.json(), { status: 'ok' })

  const missing = await fetch(`${base}/nope`)
  assert.equal(missing.status, 404)
  await missing.body?.cancel()
  const post = await fetch(`${base}/metrics`, { method: 'POST', body: 'x' })
  assert.equal(post.status, 405)
  await post.body?.cancel()
})

test('/readyz is 200 when every check passes and 503 naming the failing one otherwise', async (t) => {
  const state = { bus: true, redis: true }
  const server = await startHttp({ host: '127.0.0.1', port: 0 }, createMetrics().registry, () => ({ ...state }))
  t.after(() => server.close())
  const url = `http://127.0.0.1:${server.port}/readyz`

  const ok = await fetch(url)
  assert.equal(ok.status, 200)
  assert.deepEqual(await ok.json(), { status: 'ready', checks: { bus: true, redis: true } })

  state.redis = false
  const down = await fetch(url)
  assert.equal(down.status, 503)
  assert.deepEqual(await down.json(), { status: 'not ready', checks: { bus: true, redis: false } })

  state.redis = true
  assert.equal((await fetch(url)).status, 200, 'readiness recovers')
})

test('a port in use is reported by startHttp, not thrown later', async (t) => {
  const first = await startHttp({ host: '127.0.0.1', port: 0 }, createMetrics().registry, () => ({}))
  t.after(() => first.close())
  await assert.rejects(
    startHttp({ host: '127.0.0.1', port: first.port }, createMetrics().registry, () => ({})),
    { code: 'EADDRINUSE' }
  )
})

test('close does not wait for a client that never finishes its request', async () => {
  const server = await startHttp({ host: '127.0.0.1', port: 0 }, createMetrics().registry, () => ({}))
  const socket = connect(server.port, '127.0.0.1')
  socket.on('error', () => {}) // the server resetting it is the expected outcome
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()))
  socket.write('GET /metrics HTTP/1.1\r\nHost: x\r\n') // headers never completed
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  const started = performance.now()
  await server.close()
  await closed
  assert.ok(performance.now() - started < 2000, `close took ${Math.round(performance.now() - started)} ms`)
})

test('a malformed request target gets a 400 with a coded reason on every path, and the target is not echoed', async (t) => {
  const server = await startHttp({ host: '127.0.0.1', port: 0 }, createMetrics().registry, () => ({}))
  t.after(() => server.close())
  const token = seededGen('http').githubToken('ghp_')
  for (const target of [`http://[/${token}`, `//[/${token}`, `http://[/healthz`, `/metrics\x1b[2J${token}`]) {
    const r = await rawRequest(server.port, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)
    assert.equal(r.status, 400, `${JSON.stringify(target)}: ${r.text}`)
    assert.match(r.text, /LW_ERR_HTTP_REQUEST/)
    assert.equal(r.text.includes(token), false)
  }
})
