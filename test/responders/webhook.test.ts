import assert from 'node:assert/strict'
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, test } from 'node:test'
import { createGen } from '../../detectors/gen.ts'
import { isLeakwatchError } from '../../pipeline/errors.ts'
import { createFingerprinter, mask } from '../../pipeline/fingerprint.ts'
import type { Incident } from '../../responders/incidents.ts'
import { createWebhookResponder } from '../../responders/webhook.ts'

interface Received {
  method: string | undefined
  url: string | undefined
  headers: IncomingHttpHeaders
  body: string
}

/** A receiver whose answer each test sets; it records every request. */
const received: Received[] = []
let answer: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.writeHead(204).end()
const server = createServer((req, res) => {
  const parts: Buffer[] = []
  req.on('data', (c: Buffer) => parts.push(c))
  req.on('end', () => {
    received.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(parts).toString('utf8') })
    answer(req, res)
  })
})
let base = ''

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
after(async () => {
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

const gen = createGen()
const secret = gen.githubToken('ghp_')
const incident: Incident = {
  fingerprint: createFingerprinter(gen.base62(40)).of(secret),
  rule: 'github-pat-classic',
  title: 'GitHub personal access token (classic)',
  kind: 'pattern',
  severity: 'critical',
  preview: mask(secret),
  status: 'open',
  cluster: 'prod',
  firstStream: 'file/app.log',
  lastStream: 'file/app.log',
  firstSeen: '2025-01-01T00:00:00.000Z',
  lastSeen: '2025-01-01T00:00:00.000Z',
  occurrences: 1,
  alerted: false
}
const now = () => new Date('2025-03-04T05:06:07.890Z')

function responder(path = '/hook', timeoutMs = 2000) {
  return createWebhookResponder({ url: `${base}${path}`, timeoutMs }, { now })
}

async function fails(p: Promise<unknown>, code: 'LW_ERR_WEBHOOK_FAILED' | 'LW_ERR_WEBHOOK_REJECTED', message: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(isLeakwatchError(err, code), `expected ${code}, got ${String(err)}`)
    assert.equal(err.retriable, code === 'LW_ERR_WEBHOOK_FAILED')
    assert.match(err.message, message)
    return true
  })
}

test('a 2xx answer is success; the POST carries the incident, masked, with Standard Webhooks id and timestamp', async () => {
  received.length = 0
  answer = (_req, res) => res.writeHead(204).end()
  assert.equal(await responder().handle(incident, { id: 'webhook-abc-opened' }), 'HTTP 204')
  answer = (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}')
  assert.equal(await responder().handle(incident, { id: 'webhook-abc-opened' }), 'HTTP 200')

  assert.equal(received.length, 2)
  const r = received[0]
  assert.ok(r !== undefined)
  assert.equal(r.method, 'POST')
  assert.equal(r.url, '/hook')
  assert.equal(r.headers['content-type'], 'application/json')
  assert.equal(r.headers['webhook-id'], 'webhook-abc-opened')
  assert.equal(r.headers['webhook-timestamp'], String(Math.floor(now().getTime() / 1000)))
  assert.equal(received[1]?.headers['webhook-id'], 'webhook-abc-opened', 'the id is stable across attempts')
  assert.deepEqual(JSON.parse(r.body), { type: 'incident.opened', timestamp: '2025-03-04T05:06:07.890Z', data: incident })
  assert.equal(r.body.includes(secret), false)
  assert.equal(JSON.stringify(r.headers).includes(secret), false)
})

test('5xx, 408 and 429 are LW_ERR_WEBHOOK_FAILED (retriable)', async () => {
  for (const status of [500, 502, 503, 408, 429]) {
    answer = (_req, res) => res.writeHead(status).end('try later')
    await fails(responder().handle(incident, { id: 'j' }), 'LW_ERR_WEBHOOK_FAILED', new RegExp(`answered HTTP ${status}$`))
  }
})

test('other 4xx are LW_ERR_WEBHOOK_REJECTED (not retried)', async () => {
  for (const status of [400, 401, 403, 404, 410, 422]) {
    answer = (_req, res) => res.writeHead(status).end('no')
    await fails(responder().handle(incident, { id: 'j' }), 'LW_ERR_WEBHOOK_REJECTED', new RegExp(`answered HTTP ${status}$`))
  }
})

test('a receiver that does not answer in time is LW_ERR_WEBHOOK_FAILED', async () => {
  answer = () => {} // never answers
  const started = performance.now()
  await fails(responder('/slow', 150).handle(incident, { id: 'j' }), 'LW_ERR_WEBHOOK_FAILED', /unreachable or timed out/)
  const took = performance.now() - started
  assert.ok(took >= 140 && took < 2000, `gave up after ${Math.round(took)} ms`)
  server.closeAllConnections()
})

test('an unreachable receiver is LW_ERR_WEBHOOK_FAILED', async () => {
  const closed = createServer()
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', () => resolve()))
  const port = (closed.address() as AddressInfo).port
  await new Promise<void>((resolve) => closed.close(() => resolve()))
  const r = createWebhookResponder({ url: `http://127.0.0.1:${port}/hook`, timeoutMs: 2000 }, { now })
  await fails(r.handle(incident, { id: 'j' }), 'LW_ERR_WEBHOOK_FAILED', new RegExp(`webhook 127\\.0\\.0\\.1:${port} unreachable`))
})

test('a redirect is not followed: the incident goes only where it was configured to go', async () => {
  received.length = 0
  answer = (req, res) => {
    if (req.url === '/hook') res.writeHead(302, { location: `${base}/elsewhere` }).end()
    else res.writeHead(200).end()
  }
  await fails(responder().handle(incident, { id: 'j' }), 'LW_ERR_WEBHOOK_REJECTED', /answered HTTP 302$/)
  assert.deepEqual(
    received.map((r) => r.url),
    ['/hook']
  )
})

test('the fetch dependency is used when given', async () => {
  const calls: Array<{ url: string; init: RequestInit | undefined }> = []
  const fakeFetch: typeof fetch = async (url, init) => {
    calls.push({ url: String(url), init })
    return new Response(null, { status: 202 })
  }
  const r = createWebhookResponder({ url: 'https://hooks.example.test/lw', timeoutMs: 1000 }, { fetch: fakeFetch, now })
  assert.equal(await r.handle(incident, { id: 'webhook-x-opened' }), 'HTTP 202')
  assert.equal(calls.length, 1)
  assert.equal(calls[0]?.url, 'https://hooks.example.test/lw')
  assert.equal(calls[0]?.init?.method, 'POST')
  assert.ok(calls[0]?.init?.signal instanceof AbortSignal)
})
