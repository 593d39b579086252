// POSTs an incident (masked; it holds no value) to a configured endpoint.
// The job id doubles as `webhook-id`, stable across retries, so the receiver
// can deduplicate; 2xx is success, 408/429/5xx and network errors are retried
// by the job queue, any other 4xx and any 3xx (redirects are not followed) are final.

import { LeakwatchError } from '../pipeline/errors.ts'
import type { Incident } from './incidents.ts'

export interface WebhookConfig {
  url: string
  timeoutMs: number
}

export interface WebhookDeps {
  fetch?: typeof fetch
  now?: () => Date
}

export interface Responder {
  handle: (incident: Incident, ctx: { id: string }) => Promise<string>
}

export function createWebhookResponder(config: WebhookConfig, deps: WebhookDeps = {}): Responder {
  const doFetch = deps.fetch ?? fetch
  const now = deps.now ?? (() => new Date())
  return {
    async handle(incident, ctx) {
      const body = JSON.stringify({ type: 'incident.opened', timestamp: now().toISOString(), data: incident })
      let res: Response
      try {
        res = await doFetch(config.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': 'leakwatch',
            'webhook-id': ctx.id,
            'webhook-timestamp': String(Math.floor(now().getTime() / 1000))
          },
          body,
          // A redirected POST becomes a body-less GET that answers 200: the incident would be reported
          // delivered while the receiver never got it (or sent to wherever the redirect points).
          redirect: 'manual',
          signal: AbortSignal.timeout(config.timeoutMs)
        })
      } catch (err) {
        throw new LeakwatchError('LW_ERR_WEBHOOK_FAILED', `webhook ${new URL(config.url).host} unreachable or timed out`, { cause: err })
      }
      await res.body?.cancel()
      if (res.ok) return `HTTP ${res.status}`
      const retriable = res.status === 408 || res.status === 429 || res.status >= 500
      throw new LeakwatchError(
        retriable ? 'LW_ERR_WEBHOOK_FAILED' : 'LW_ERR_WEBHOOK_REJECTED',
        `webhook ${new URL(config.url).host} answered HTTP ${res.status}`
      )
    }
  }
}
