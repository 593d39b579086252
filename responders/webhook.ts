// Webhooks signed per the Standard Webhooks spec (standardwebhooks.com):
//   webhook-id         the job id: stable across retries, the receiver's idempotency key
//   webhook-timestamp  seconds since the epoch
//   webhook-signature  "v1,<base64 HMAC-SHA256(key, id.timestamp.body)>", one per secret, space-separated
// Secrets are `whsec_<base64 key>`; two may be configured while the signing key
// itself is rotated, and the receiver accepts either signature.
//
// 2xx is success (202 means "accepted, I will call you back"); 408, 429, 5xx,
// timeouts and network errors are retried by the job queue, honouring
// Retry-After; any other 4xx and any 3xx (redirects are not followed) are final.
// Payloads carry the masked incident — it holds no value.

import { createHmac, timingSafeEqual } from 'node:crypto'
import { parseRetryAfter } from '../pipeline/backoff.ts'
import { LeakwatchError } from '../pipeline/errors.ts'
import type { Responder } from '../pipeline/stages.ts'
import type { Incident } from './incidents.ts'

export interface WebhookEndpoint {
  name: string
  url: string
  secrets: string[]
  timeoutMs: number
}

export interface WebhookDeps {
  fetch?: typeof fetch
  now?: () => Date
}

export interface WebhookResult {
  status: number
  /** 202: the endpoint took the request and will report completion through a signed callback. */
  accepted: boolean
  detail: string
}

export interface WebhookSender {
  send: (type: string, data: Record<string, unknown>, ctx: { id: string }) => Promise<WebhookResult>
}

function keyOf(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64')
}

export function sign(secret: string, id: string, timestamp: string, body: string): string {
  return `v1,${createHmac('sha256', keyOf(secret)).update(`${id}.${timestamp}.${body}`).digest('base64')}`
}

/**
 * Verifies a Standard Webhooks request (our callbacks, and the test receivers): any one valid `v1`
 * signature by any of `secrets`, within `toleranceS` of now either way (replays of old requests fail).
 */
export function verify(
  secrets: string[],
  headers: { id?: string | undefined; timestamp?: string | undefined; signature?: string | undefined },
  body: string,
  nowMs: number,
  toleranceS = 300
): boolean {
  const { id, timestamp, signature } = headers
  if (id === undefined || timestamp === undefined || signature === undefined || !/^\d+$/.test(timestamp)) return false
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > toleranceS) return false
  const offered = signature.split(' ').filter((s) => s.startsWith('v1,'))
  for (const secret of secrets) {
    const expected = Buffer.from(sign(secret, id, timestamp, body))
    for (const o of offered) {
      const b = Buffer.from(o)
      if (b.length === expected.length && timingSafeEqual(b, expected)) return true
    }
  }
  return false
}

/** The incident as webhooks, the API and the actions topic show it: without Slack bookkeeping. */
export function publicIncident(i: Incident): Record<string, unknown> {
  const { slack: _slack, nextSeq: _seq, alerted: _alerted, ...rest } = i
  return rest
}

export function createWebhookSender(endpoint: WebhookEndpoint, deps: WebhookDeps = {}): WebhookSender {
  const doFetch = deps.fetch ?? fetch
  const now = deps.now ?? (() => new Date())
  const host = new URL(endpoint.url).host
  return {
    async send(type, data, ctx) {
      const at = now()
      const body = JSON.stringify({ type, timestamp: at.toISOString(), data })
      const timestamp = String(Math.floor(at.getTime() / 1000))
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'user-agent': 'leakwatch',
        'webhook-id': ctx.id,
        'webhook-timestamp': timestamp
      }
      if (endpoint.secrets.length > 0) headers['webhook-signature'] = endpoint.secrets.map((s) => sign(s, ctx.id, timestamp, body)).join(' ')
      let res: Response
      try {
        res = await doFetch(endpoint.url, {
          method: 'POST',
          headers,
          body,
          // A redirected POST becomes a body-less GET that answers 200: the incident would be reported
          // delivered while the receiver never got it (or sent to wherever the redirect points).
          redirect: 'manual',
          signal: AbortSignal.timeout(endpoint.timeoutMs)
        })
      } catch (err) {
        throw new LeakwatchError('LW_ERR_WEBHOOK_FAILED', `webhook ${host} unreachable or timed out`, { cause: err })
      }
      await res.body?.cancel()
      if (res.ok) return { status: res.status, accepted: res.status === 202, detail: `HTTP ${res.status}` }
      const retriable = res.status === 408 || res.status === 429 || res.status >= 500
      const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), at.getTime())
      throw new LeakwatchError(retriable ? 'LW_ERR_WEBHOOK_FAILED' : 'LW_ERR_WEBHOOK_REJECTED', `webhook ${host} answered HTTP ${res.status}`, {
        ...(retriable && retryAfterMs !== undefined ? { details: { retryAfterMs } } : {})
      })
    }
  }
}

export type Senders = ReadonlyMap<string, WebhookSender & { secrets: string[] }>

/**
 * Rotation by webhook: `rotation.requested` to the endpoint the action names ('' is `responder.webhook`).
 * A 202 is `accepted`: the receiver reports completion later through the signed callback, whose URL
 * (under `responder.api.publicUrl`) the payload carries.
 */
export function createWebhookResponder(senders: Senders, opts: { callbackUrl: string | undefined }): Responder<Incident, { endpoint?: string | undefined }> {
  return {
    async handle(inc, action, ctx) {
      const s = senders.get(action.endpoint ?? '')
      if (s === undefined) throw new LeakwatchError('LW_ERR_ACTION_UNSUPPORTED', `no webhook endpoint ${action.endpoint ?? '(default)'}`)
      const r = await s.send(
        'rotation.requested',
        {
          incident: publicIncident(inc),
          target: {
            fingerprint: inc.fingerprint,
            rule: inc.rule,
            kind: inc.kind,
            preview: inc.preview,
            secretRef: inc.secretRef ?? null,
            locations: inc.locations
          },
          ...(opts.callbackUrl === undefined ? {} : { callback: { url: opts.callbackUrl, webhookId: ctx.id } })
        },
        ctx
      )
      return { outcome: r.accepted ? 'accepted' : 'succeeded', detail: r.detail }
    }
  }
}
