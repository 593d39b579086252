// The incidents API, Slack's interactivity endpoint and the rotation
// callback, on one port of the responder (`responder.api`):
//
//   GET  /api/v1/incidents?status=&severity=&rule=&namespace=&limit=   list (severity = at least)
//   GET  /api/v1/incidents/{id}
//   POST /api/v1/incidents/{id}/status   {"status", "resolution"?, "reason"}
//   POST /api/v1/incidents/{id}/rotate   {"reason"?}                  → 202 {jobs}
//   POST /api/v1/incidents/{id}/ack
//   GET  /api/v1/dead-letters
//   POST /api/v1/dead-letters/{id}/retry
//   POST /api/v1/callbacks/webhook       Standard Webhooks-signed by the endpoint's secret
//   POST /slack/interactions             Slack-signed (X-Slack-Signature)
//
// /api/v1 takes `Authorization: Bearer <token>` (any of `responder.api.tokens`);
// `X-Leakwatch-Actor` names who acted, for the history. Incident ids are
// fingerprints. Nothing here ever returns a value: incidents hold none.

import { timingSafeEqual } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { createServer } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { SEVERITIES } from '../pipeline/events.ts'
import type { HttpServer } from '../pipeline/http.ts'
import { badTarget, listen, requestUrl } from '../pipeline/http.ts'
import type { Jobs } from '../pipeline/jobs.ts'
import type { Logger } from '../pipeline/log.ts'
import type { Actions } from './actions.ts'
import { NotFoundError } from './actions.ts'
import type { IncidentStore, ListFilter, Resolution, Status } from './incidents.ts'
import { RESOLUTIONS, STATUSES, TransitionError } from './incidents.ts'
import { verifySlackSignature } from './slack.ts'
import { ACTION_IDS } from './slack-blocks.ts'
import { publicIncident } from './webhook.ts'

export interface ApiOptions {
  host: string
  port: number
  tokens: string[]
  slackSigningSecret: string | undefined
  /** Slack wants an answer within 3 s; work that takes longer carries on after the 200. */
  slackAnswerMs?: number
}

export interface ApiDeps {
  store: IncidentStore
  actions: Actions
  jobs: Jobs
  logger: Logger
  now?: () => number
}

export type ApiServer = HttpServer

const MAX_BODY = 64 * 1024

class HttpError extends Error {
  readonly status: number
  constructor(status: number, message: string) {
    super(message)
    this.status = status
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = []
  let size = 0
  for await (const c of req) {
    size += (c as Buffer).length
    if (size > MAX_BODY) throw new HttpError(413, 'body too large')
    parts.push(c as Buffer)
  }
  return Buffer.concat(parts).toString('utf8')
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
}

function parseJson(text: string): Record<string, unknown> {
  if (text.trim() === '') return {}
  try {
    const v = JSON.parse(text) as unknown
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>
  } catch {}
  throw new HttpError(400, 'body must be a JSON object')
}

function oneOf<T extends string>(v: unknown, allowed: readonly T[], what: string): T | undefined {
  if (v === undefined || v === null || v === '') return undefined
  if (typeof v !== 'string' || !allowed.includes(v as T)) throw new HttpError(400, `${what} must be one of ${allowed.join(', ')}`)
  return v as T
}

const ROUTES = new Set(['/api/v1/incidents', '/api/v1/dead-letters', '/api/v1/callbacks', '/slack/interactions'])

/** What of a path may be logged: one of the fixed route prefixes, never what follows. */
function routeOf(path: string): string {
  const prefix = path.split('/').slice(0, 4).join('/')
  for (const r of ROUTES) if (prefix.startsWith(r)) return r
  return 'other'
}

/** A percent-decoded path segment; a malformed escape (a lone `%`) is the client's error, not a 500. */
function pathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    // Not echoed: the segment is whatever the client sent.
    throw new HttpError(400, 'malformed percent-encoding in the path')
  }
}

export async function startApi(opts: ApiOptions, deps: ApiDeps): Promise<ApiServer> {
  const now = deps.now ?? Date.now
  const tokens = opts.tokens.map((t) => Buffer.from(t))

  function authorized(req: IncomingMessage): boolean {
    const h = req.headers.authorization ?? ''
    if (!h.startsWith('Bearer ')) return false
    const got = Buffer.from(h.slice(7))
    let ok = false
    // Every token is compared, in constant time, so timing tells nothing about which (or how much) matched.
    for (const t of tokens) if (t.length === got.length && timingSafeEqual(t, got)) ok = true
    return ok
  }

  function actor(req: IncomingMessage): string {
    const a = req.headers['x-leakwatch-actor']
    return typeof a === 'string' && /^[\w.@:+-]{1,64}$/.test(a) ? a : 'api'
  }

  async function slackInteraction(req: IncomingMessage, res: ServerResponse, body: string): Promise<void> {
    if (opts.slackSigningSecret === undefined) throw new HttpError(404, 'slack interactivity is not configured')
    const ts = req.headers['x-slack-request-timestamp']
    const sig = req.headers['x-slack-signature']
    if (!verifySlackSignature(opts.slackSigningSecret, typeof ts === 'string' ? ts : undefined, typeof sig === 'string' ? sig : undefined, body, now()))
      throw new HttpError(401, 'bad slack signature')
    const payload = JSON.parse(new URLSearchParams(body).get('payload') ?? '{}') as {
      type?: string
      user?: { id?: string; username?: string; name?: string }
      actions?: Array<{ action_id?: string; value?: string }>
    }
    const who = `slack:${payload.user?.username ?? payload.user?.name ?? payload.user?.id ?? 'unknown'}`
    const a = payload.actions?.[0]
    const fp = a?.value ?? ''
    let work: Promise<unknown> = Promise.resolve()
    if (payload.type === 'block_actions' && /^[0-9a-f]{64}$/.test(fp)) {
      if (a?.action_id === ACTION_IDS.rotate) work = deps.actions.rotate(fp, who, 'Rotate now pressed in Slack')
      else if (a?.action_id === ACTION_IDS.falsePositive) work = deps.actions.setStatus(fp, 'resolved', 'false_positive', 'marked in Slack', who)
      else if (a?.action_id === ACTION_IDS.ack) work = deps.actions.acknowledge(fp, who)
    }
    // The result shows up as the updated message and a thread reply; Slack only needs a quick 200.
    const settled = work.then(
      () => undefined,
      (err: unknown) => {
        if (!(err instanceof TransitionError || err instanceof NotFoundError)) deps.logger.warn({ reason: (err as Error).message }, 'slack action failed')
      }
    )
    await Promise.race([settled, sleep(opts.slackAnswerMs ?? 2000)])
    res.writeHead(200).end()
  }

  async function route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const path = url.pathname
    const method = req.method ?? 'GET'
    const body = method === 'POST' ? await readBody(req) : ''
    if (path === '/slack/interactions' && method === 'POST') return await slackInteraction(req, res, body)
    if (path === '/api/v1/callbacks/webhook' && method === 'POST') {
      const h = (n: string): string | undefined => (typeof req.headers[n] === 'string' ? (req.headers[n] as string) : undefined)
      const r = await deps.actions.callback({ id: h('webhook-id'), timestamp: h('webhook-timestamp'), signature: h('webhook-signature') }, body)
      return json(res, r === 'ok' ? 200 : r === 'unknown' ? 404 : 401, { result: r })
    }
    if (!path.startsWith('/api/v1/')) throw new HttpError(404, 'not found')
    if (!authorized(req)) {
      res.setHeader('www-authenticate', 'Bearer')
      throw new HttpError(401, 'missing or wrong bearer token')
    }
    const parts = path.split('/').slice(3)
    const who = actor(req)
    if (parts[0] === 'incidents' && parts.length === 1 && method === 'GET') {
      const limit = Number(url.searchParams.get('limit') ?? 100)
      const filter: ListFilter = {
        status: oneOf(url.searchParams.get('status'), STATUSES, 'status'),
        severity: oneOf(url.searchParams.get('severity'), SEVERITIES, 'severity'),
        rule: url.searchParams.get('rule') ?? undefined,
        namespace: url.searchParams.get('namespace') ?? undefined,
        limit: Number.isInteger(limit) && limit > 0 ? Math.min(limit, 1000) : 100
      }
      return json(res, 200, { incidents: (await deps.store.list(filter)).map(publicIncident) })
    }
    if (parts[0] === 'incidents' && parts[1] !== undefined) {
      const id = parts[1]
      if (!/^[0-9a-f]{64}$/.test(id)) throw new HttpError(404, 'no such incident')
      if (parts.length === 2 && method === 'GET') {
        const i = await deps.store.get(id)
        if (i === undefined) throw new HttpError(404, 'no such incident')
        return json(res, 200, publicIncident(i))
      }
      const b = parseJson(body)
      if (parts[2] === 'status' && method === 'POST') {
        const status = oneOf(b.status, STATUSES, 'status') as Status | undefined
        if (status === undefined) throw new HttpError(400, 'status is required')
        const resolution = oneOf(b.resolution, RESOLUTIONS, 'resolution') as Resolution | undefined
        if (typeof b.reason !== 'string' || b.reason.trim() === '') throw new HttpError(400, 'reason is required')
        return json(res, 200, publicIncident(await deps.actions.setStatus(id, status, resolution, b.reason.slice(0, 500), who)))
      }
      if (parts[2] === 'rotate' && method === 'POST') {
        const reason = typeof b.reason === 'string' && b.reason.trim() !== '' ? b.reason.slice(0, 500) : 'requested through the API'
        const r = await deps.actions.rotate(id, who, reason)
        return json(res, 202, { incident: publicIncident(r.incident), jobs: r.jobs })
      }
      if (parts[2] === 'ack' && method === 'POST') return json(res, 200, publicIncident(await deps.actions.acknowledge(id, who)))
    }
    if (parts[0] === 'dead-letters' && parts.length === 1 && method === 'GET') {
      return json(res, 200, {
        count: await deps.jobs.deadLetterCount(),
        deadLetters: await deps.jobs.deadLetters(Number(url.searchParams.get('limit') ?? 100) || 100)
      })
    }
    if (parts[0] === 'dead-letters' && parts[2] === 'retry' && parts[1] !== undefined && method === 'POST') {
      if (!(await deps.jobs.retryDeadLetter(pathSegment(parts[1])))) throw new HttpError(404, 'no such dead letter')
      return json(res, 202, { retried: parts[1] })
    }
    throw new HttpError(404, 'not found')
  }

  const server = createServer((req, res) => {
    const url = requestUrl(req)
    if (url === undefined) return badTarget(res)
    route(req, res, url).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : err instanceof NotFoundError ? 404 : err instanceof TransitionError ? 409 : 500
      // The route's first two segments only: the rest of a target is whatever the client sent (an id, a token).
      if (status === 500) deps.logger.error({ reason: (err as Error).message, method: req.method, route: routeOf(url.pathname) }, 'incidents API error')
      if (!res.headersSent) json(res, status, { error: status === 500 ? 'internal error' : (err as Error).message })
    })
  })
  return listen(server, opts)
}
