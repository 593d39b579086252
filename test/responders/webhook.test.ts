import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, test } from 'node:test'
import { parseRetryAfter } from '../../pipeline/backoff.ts'
import { isLeakwatchError } from '../../pipeline/errors.ts'
import { createWebhookSender, publicIncident, sign, verify } from '../../responders/webhook.ts'
import { gen, incidentOf } from './fixtures.ts'

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

const secret = gen.githubToken('ghp_')
const incident = publicIncident(incidentOf(secret))
const now = () => new Date('2025-03-04T05:06:07.890Z')

function responder(path = '/hook', timeoutMs = 2000, secrets: string[] = []) {
  const s = createWebhookSender({ name: '', url: `${base}${path}`, timeoutMs, secrets }, { now })
  return { handle: async (data: Record<string, unknown>, ctx: { id: string }) => (await s.send('incident.opened', data, ctx)).detail }
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
  assert.deepEqual(JSON.parse(r.body), { type: 'incident.opened', timestamp: '2025-03-04T05:06:07.890Z', data: JSON.parse(JSON.stringify(incident)) })
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
  const r = createWebhookSender({ name: '', url: `http://127.0.0.1:${port}/hook`, timeoutMs: 2000, secrets: [] }, { now })
  await fails(r.send('incident.opened', incident, { id: 'j' }), 'LW_ERR_WEBHOOK_FAILED', new RegExp(`webhook 127\\.0\\.0\\.1:${port} unreachable`))
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
  const r = createWebhookSender({ name: '', url: 'https://hooks.example.test/lw', timeoutMs: 1000, secrets: [] }, { fetch: fakeFetch, now })
  assert.deepEqual(await r.send('rotation.requested', incident, { id: 'webhook-x-opened' }), { status: 202, accepted: true, detail: 'HTTP 202' })
  assert.equal(calls.length, 1)
  assert.equal(calls[0]?.url, 'https://hooks.example.test/lw')
  assert.equal(calls[0]?.init?.method, 'POST')
  assert.ok(calls[0]?.init?.signal instanceof AbortSignal)
})

const whsec = (): string => `whsec_${randomBytes(32).toString('base64')}`

test('webhook-signature is v1,<base64 HMAC-SHA256 of id.timestamp.body> per the Standard Webhooks spec, one per secret', async () => {
  received.length = 0
  answer = (_req, res) => res.writeHead(200).end()
  const [oldKey, newKey] = [whsec(), whsec()]
  await responder('/hook', 2000, [oldKey, newKey]).handle(incident, { id: 'rotate-abc-r1-0-webhook' })
  const r = received[0]
  assert.ok(r !== undefined)
  const id = String(r.headers['webhook-id'])
  const ts = String(r.headers['webhook-timestamp'])
  const sigs = String(r.headers['webhook-signature']).split(' ')
  assert.equal(sigs.length, 2)
  // Computed here from the spec, independently of sign(): base64-decoded key after the whsec_ prefix.
  const { createHmac } = await import('node:crypto')
  const expect = (k: string): string =>
    `v1,${createHmac('sha256', Buffer.from(k.slice(6), 'base64'))
      .update(`${id}.${ts}.${r.body}`)
      .digest('base64')}`
  assert.deepEqual(sigs, [expect(oldKey), expect(newKey)])
  // A receiver that knows only one of the two secrets (mid-rotation) accepts the request.
  const headers = { id, timestamp: ts, signature: sigs.join(' ') }
  assert.equal(verify([newKey], headers, r.body, now().getTime()), true)
  assert.equal(verify([whsec()], headers, r.body, now().getTime()), false, 'a wrong secret fails')
  assert.equal(verify([newKey], headers, `${r.body} `, now().getTime()), false, 'a changed body fails')
  assert.equal(verify([newKey], headers, r.body, now().getTime() + 301_000), false, 'an old request (replay) fails')
  assert.equal(sign(newKey, id, ts, r.body), expect(newKey))
})

test('Retry-After (seconds or an HTTP date) travels on the retriable error so the queue waits that long', async () => {
  answer = (_req, res) => res.writeHead(429, { 'retry-after': '7' }).end()
  await assert.rejects(responder().handle(incident, { id: 'j' }), (err: unknown) => {
    assert.ok(isLeakwatchError(err, 'LW_ERR_WEBHOOK_FAILED'))
    assert.deepEqual(err.details, { retryAfterMs: 7000 })
    return true
  })
  assert.equal(parseRetryAfter(new Date(now().getTime() + 5000).toUTCString(), now().getTime()), 5000 - (now().getTime() % 1000))
  assert.equal(parseRetryAfter(null, 0), undefined)
  assert.equal(parseRetryAfter('soon', 0), undefined)
})
