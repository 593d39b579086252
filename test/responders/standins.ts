// Local stand-ins for what responders talk to: the Slack Web API, a rotation
// webhook receiver and GitHub's credential revocation API (Kubernetes and
// Vault rotation are tested against the real servers: test/cluster/rotation.test.ts,
// test/cluster/vault.test.ts). Real HTTP on 127.0.0.1 (port 0), speaking each wire format
// and CHECKING what arrives — token, content type, payload shape, Block Kit
// limits, signatures, rate limits — so a test fails on a request the real
// service would refuse. Each records what it accepted for assertions.

import { createHmac } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { verify } from '../../responders/webhook.ts'

// biome-ignore lint/suspicious/noExplicitAny: stand-ins walk arbitrary JSON documents (Block Kit, webhook bodies)
type J = any

export interface StandIn {
  url: string
  close: () => Promise<void>
}

async function serve(handler: (req: IncomingMessage, body: string, res: ServerResponse) => void | Promise<void>): Promise<StandIn> {
  const server = createServer((req, res) => {
    const parts: Buffer[] = []
    req.on('data', (c: Buffer) => parts.push(c))
    req.on('end', () => {
      Promise.resolve(handler(req, Buffer.concat(parts).toString('utf8'), res)).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500).end(String(err))
      })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
  }
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body))
}

// ---------------------------------------------------------------- Slack

export interface SlackMessage {
  channel: string
  ts: string
  text: string
  blocks: Array<Record<string, unknown>>
  updates: number
  replies: Array<{ ts: string; text: string }>
  /** When chat.postMessage arrived (ms since the epoch): the benchmark's latency end point. */
  receivedAt: number
}

/** Block Kit limits that chat.postMessage / chat.update enforce (invalid_blocks otherwise). */
export function blockKitProblems(blocks: unknown): string[] {
  const p: string[] = []
  if (!Array.isArray(blocks)) return ['blocks is not an array']
  if (blocks.length > 50) p.push(`${blocks.length} blocks > 50`)
  for (const b of blocks as Array<Record<string, J>>) {
    if (!['header', 'section', 'actions', 'context', 'divider'].includes(b.type)) p.push(`unknown block type ${b.type}`)
    if (b.type === 'header' && (b.text?.type !== 'plain_text' || String(b.text?.text).length > 150)) p.push('header must be plain_text ≤ 150')
    if (b.type === 'section') {
      if (b.text === undefined && b.fields === undefined) p.push('section needs text or fields')
      if (b.text !== undefined && String(b.text.text).length > 3000) p.push('section text > 3000')
      if (b.fields !== undefined && (b.fields.length > 10 || b.fields.some((f: { text: string }) => f.text.length > 2000))) p.push('fields > 10 or > 2000')
    }
    if (b.type === 'actions') {
      if (b.elements.length > 25) p.push('> 25 elements')
      for (const e of b.elements)
        if (e.type !== 'button' || String(e.action_id).length > 255 || String(e.value ?? '').length > 2000 || String(e.text?.text).length > 75)
          p.push('bad button')
    }
  }
  return p
}

export async function startSlack(token: string, opts: { minIntervalMs?: number } = {}) {
  const messages: SlackMessage[] = []
  const stats = { calls: 0, ratelimited: 0, rejected: [] as string[], down: 0 }
  const lastPost = new Map<string, number>()
  let down = false
  let seq = 1_700_000_000
  const s = await serve((req, body, res) => {
    stats.calls++
    if (down) {
      stats.down++
      res.writeHead(503).end('upstream unavailable')
      return
    }
    const method = (req.url ?? '').replace(/^\/api\//, '')
    if (req.method !== 'POST') return json(res, 405, { ok: false, error: 'method_not_allowed' })
    if (req.headers.authorization !== `Bearer ${token}`) return json(res, 200, { ok: false, error: 'invalid_auth' })
    const ct = req.headers['content-type'] ?? ''
    const args: Record<string, string> = ct.startsWith('application/json')
      ? (JSON.parse(body) as Record<string, string>)
      : Object.fromEntries(new URLSearchParams(body))
    const channel = args.channel ?? ''
    if (channel === '') return json(res, 200, { ok: false, error: 'channel_not_found' })
    // Slack's documented limit: about one message per second per channel, answered with 429 + Retry-After.
    const now = Date.now()
    if (now - (lastPost.get(channel) ?? 0) < (opts.minIntervalMs ?? 1000)) {
      stats.ratelimited++
      return json(res, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': '1' })
    }
    lastPost.set(channel, now)
    const blocks = args.blocks === undefined ? undefined : (JSON.parse(args.blocks) as Array<Record<string, unknown>>)
    const problems = blocks === undefined ? [] : blockKitProblems(blocks)
    if (problems.length > 0) {
      stats.rejected.push(...problems)
      return json(res, 200, { ok: false, error: 'invalid_blocks', response_metadata: { messages: problems } })
    }
    if ((args.text ?? '') === '' && blocks === undefined) return json(res, 200, { ok: false, error: 'no_text' })
    if (method === 'chat.postMessage') {
      const ts = `${seq++}.000100`
      if (args.thread_ts !== undefined) {
        const parent = messages.find((m) => m.channel === channel && m.ts === args.thread_ts)
        if (parent === undefined) return json(res, 200, { ok: false, error: 'thread_not_found' })
        parent.replies.push({ ts, text: args.text ?? '' })
      } else {
        messages.push({ channel, ts, text: args.text ?? '', blocks: blocks ?? [], updates: 0, replies: [], receivedAt: now })
      }
      return json(res, 200, { ok: true, channel, ts })
    }
    if (method === 'chat.update') {
      const m = messages.find((x) => x.channel === channel && x.ts === args.ts)
      if (m === undefined) return json(res, 200, { ok: false, error: 'message_not_found' })
      m.text = args.text ?? m.text
      if (blocks !== undefined) m.blocks = blocks
      m.updates++
      return json(res, 200, { ok: true, channel, ts: m.ts })
    }
    return json(res, 200, { ok: false, error: 'unknown_method' })
  })
  return {
    ...s,
    apiUrl: `${s.url}/api/`,
    messages,
    stats,
    setDown(v: boolean) {
      down = v
    }
  }
}

/** Signs an interactivity request the way Slack does. */
export function slackSigned(signingSecret: string, body: string, tsSeconds = Math.floor(Date.now() / 1000)): Record<string, string> {
  const sig = `v0=${createHmac('sha256', signingSecret).update(`v0:${tsSeconds}:${body}`).digest('hex')}`
  return { 'x-slack-request-timestamp': String(tsSeconds), 'x-slack-signature': sig, 'content-type': 'application/x-www-form-urlencoded' }
}

// ---------------------------------------------------------------- webhook receiver

export interface WebhookDelivery {
  id: string
  type: string
  body: Record<string, unknown>
  raw: string
  validSignature: boolean
}

/**
 * Verifies every request's Standard Webhooks signature (401 otherwise), answers what `answer` says,
 * and processes each webhook-id at most once — the idempotency a receiver is meant to implement.
 */
export async function startWebhookReceiver(secrets: string[], answer: (d: WebhookDelivery, attempt: number) => number = () => 200) {
  const deliveries: WebhookDelivery[] = []
  const processed: WebhookDelivery[] = []
  const attempts = new Map<string, number>()
  const s = await serve((req, raw, res) => {
    const h = (n: string): string | undefined => req.headers[n] as string | undefined
    const valid = verify(secrets, { id: h('webhook-id'), timestamp: h('webhook-timestamp'), signature: h('webhook-signature') }, raw, Date.now())
    const body = JSON.parse(raw) as Record<string, unknown>
    const d: WebhookDelivery = { id: h('webhook-id') ?? '', type: String(body.type), body, raw, validSignature: valid }
    deliveries.push(d)
    if (!valid) return json(res, 401, { error: 'bad signature' })
    const n = (attempts.get(d.id) ?? 0) + 1
    attempts.set(d.id, n)
    const status = answer(d, n)
    if (status >= 200 && status < 300 && !processed.some((p) => p.id === d.id)) processed.push(d)
    res.writeHead(status).end()
  })
  return { ...s, deliveries, processed }
}

// ---------------------------------------------------------------- GitHub credential revocation

export async function startGithub() {
  const revoked: string[] = []
  const s = await serve((req, raw, res) => {
    if (req.method !== 'POST' || req.url !== '/credentials/revoke') return json(res, 404, { message: 'Not Found' })
    if (req.headers['x-github-api-version'] !== '2022-11-28' || !String(req.headers.accept).includes('application/vnd.github+json'))
      return json(res, 400, { message: 'bad headers' })
    const body = JSON.parse(raw) as { credentials?: unknown }
    if (!Array.isArray(body.credentials) || body.credentials.length === 0 || body.credentials.length > 1000)
      return json(res, 422, { message: 'Validation Failed' })
    revoked.push(...(body.credentials as string[]))
    return json(res, 202, {})
  })
  return { ...s, revoked }
}
