// What responders do about incidents, as jobs: `slack` (converge the
// message), `webhook` (the incident.opened notification) and `rotate` (one
// rotation action of one rotation round). Every job id is derived from the
// incident — its fingerprint, the history entry or time window that caused it,
// the rotation round and the action's position — so enqueueing twice (a replay,
// a double click, a retried API call) runs once.
//
// Every attempt's outcome goes to `leakwatch.actions.v1`, onto the incident
// (its `actions` and, for terminal outcomes, its history) and from there into
// the Slack thread. A rotation round keeps the incident `rotating` until all
// its jobs succeeded (→ resolved as rotated) or one failed for good (→ open).

import { LeakwatchError } from '../pipeline/errors.ts'
import type { ActionRecord } from '../pipeline/events.ts'
import type { JobContext, JobHandler, JobOutcome, Jobs } from '../pipeline/jobs.ts'
import type { Logger } from '../pipeline/log.ts'
import type { Metrics } from '../pipeline/metrics.ts'
import type { Responder } from '../pipeline/stages.ts'
import type { ResponderConfig, RotationAction, RotationActionType } from './config.ts'
import type { ActionState, Incident, IncidentStore, Resolution, Status } from './incidents.ts'
import { applyAck, applyActionOutcome, applyRotationStart, applyStatus, TransitionError } from './incidents.ts'
import type { Senders, WebhookSender } from './webhook.ts'
import { publicIncident, verify } from './webhook.ts'

export interface ActionsDeps {
  config: ResponderConfig
  store: IncidentStore
  metrics: Metrics
  logger: Logger
  /** Publishes one record on the actions topic; resolves when durable. */
  publish: (record: ActionRecord) => Promise<void>
  /** The Slack sync (responders/slack.ts); undefined = Slack off. */
  slack?: ((fingerprint: string) => Promise<string>) | undefined
  /** Webhook senders by endpoint name; '' is `responder.webhook`. */
  webhooks: Senders
  /** The rotation responders by the action type each carries out (app/registry.ts); a missing one is "not configured". */
  responders?: ReadonlyMap<RotationActionType, Responder<Incident, RotationAction>> | undefined
  now?: () => number
}

export interface Actions {
  handlers: Record<string, JobHandler>
  /** The queue is created with the handlers, so it is handed in afterwards. */
  bind: (jobs: Jobs) => void
  onOutcome: (ctx: JobContext, outcome: JobOutcome, detail: string, data: Record<string, unknown>) => Promise<void>
  /** A new incident: notify, post, and rotate if the policy says so. */
  opened: (i: Incident) => Promise<void>
  /** Anything else changed (occurrences, a regression): keep Slack current, rotate again on a regression if automatic. */
  changed: (i: Incident, reopened: boolean) => Promise<void>
  rotate: (fingerprint: string, actor: string, reason: string) => Promise<{ incident: Incident; jobs: string[] }>
  setStatus: (fingerprint: string, status: Status, resolution: Resolution | undefined, reason: string, actor: string) => Promise<Incident>
  acknowledge: (fingerprint: string, actor: string) => Promise<Incident>
  /** A signed rotation callback from a webhook endpoint that answered 202. Returns false when the signature does not verify. */
  callback: (
    headers: { id?: string | undefined; timestamp?: string | undefined; signature?: string | undefined },
    body: string
  ) => Promise<'ok' | 'unknown' | 'forbidden'>
}

export class NotFoundError extends Error {
  override name = 'NotFoundError'
}

/** What to configure for a rotation action that has no responder, for the job's error. */
function configures(type: RotationActionType): string {
  if (type === 'kubernetes') return 'responder.kubernetes.enabled'
  if (type === 'github-revoke') return 'responder.sealPrivateKey'
  if (type === 'webhook') return 'responder.webhook.url or responder.webhookEndpoints'
  return 'responder.vault.address and token'
}

export function rotationJobId(fp: string, round: number, index: number, a: RotationAction): string {
  return `rotate-${fp}-r${round}-${index}-${a.type}`
}

export function createActions(deps: ActionsDeps): Actions {
  const { config, store } = deps
  const now = deps.now ?? Date.now
  let jobs: Jobs | undefined
  // The last coalesced Slack job id per incident: 1,000 occurrences in one window cost one add, not 1,000.
  const lastSlackJob = new Map<string, string>()

  function queue(): Jobs {
    if (jobs === undefined) throw new Error('actions used before bind()')
    return jobs
  }

  /** A change that added history gets its own job at once; occurrence counts are folded into one job per window. */
  async function syncSlack(i: Incident, immediate: boolean): Promise<void> {
    if (deps.slack === undefined || (i.route.channel === undefined && i.slack === undefined)) return
    let id: string
    let delayMs = 0
    const window = Math.max(1, config.slack.coalesceMs)
    if (immediate) id = `slack-${i.fingerprint}-s${i.nextSeq - 1}`
    else {
      const t = now()
      const bucket = Math.floor(t / window)
      id = `slack-${i.fingerprint}-w${bucket}`
      delayMs = (bucket + 1) * window - t
    }
    if (lastSlackJob.get(i.fingerprint) === id) return
    await queue().add('slack', id, { fingerprint: i.fingerprint }, { delayMs })
    if (lastSlackJob.size > 50_000) lastSlackJob.clear()
    lastSlackJob.set(i.fingerprint, id)
  }

  async function record(i: Incident | undefined, a: ActionState): Promise<void> {
    if (i === undefined) return
    const next = await store.update(i.fingerprint, (cur) => {
      const n = applyActionOutcome(cur, a)
      return n === cur ? undefined : n
    })
    if (next !== undefined && next.nextSeq !== i.nextSeq) await syncSlack(next, true)
  }

  function sender(name: string | undefined): (WebhookSender & { secrets: string[] }) | undefined {
    return deps.webhooks.get(name ?? '')
  }

  async function runRotation(data: Record<string, unknown>, ctx: JobContext): Promise<string> {
    const fp = String(data.fingerprint)
    const action = data.action as RotationAction
    const inc = await store.get(fp)
    if (inc === undefined) return 'skipped: incident no longer exists'
    // Marked a false positive (or rotated by other means) while queued: the rotation is moot.
    if (inc.status !== 'rotating' || inc.rotation.round !== data.round) return `skipped: incident is ${inc.status}`
    const responder = deps.responders?.get(action.type)
    if (responder === undefined) throw new LeakwatchError('LW_ERR_ACTION_UNSUPPORTED', `not configured: ${configures(action.type)}`)
    const o = await responder.handle(inc, action, ctx)
    const state: ActionState = {
      id: ctx.id,
      action: action.type,
      outcome: o.outcome,
      attempt: ctx.attempt,
      detail: o.detail,
      at: new Date(now()).toISOString(),
      ...(action.type === 'webhook' ? { endpoint: action.endpoint ?? '' } : {})
    }
    await record(inc, state)
    return state.detail
  }

  const handlers: Record<string, JobHandler> = {
    slack: async (data) => {
      if (deps.slack === undefined) return 'slack not configured'
      return await deps.slack(String(data.fingerprint))
    },
    webhook: async (data, ctx) => {
      const fp = String(data.fingerprint ?? (data.incident as Incident | undefined)?.fingerprint)
      const inc = (await store.get(fp)) ?? (data.incident as Incident | undefined)
      const s = sender(undefined)
      if (inc === undefined || s === undefined) return 'skipped: nothing to send'
      return (await s.send('incident.opened', publicIncident(inc), ctx)).detail
    },
    rotate: runRotation
  }

  async function startRotation(fp: string, actor: string, reason: string): Promise<{ incident: Incident; jobs: string[] }> {
    const cur = await store.get(fp)
    if (cur === undefined) throw new NotFoundError(`no incident ${fp}`)
    // Asked again while rotating (a crash between the status change and the enqueue): enqueue the same ids again.
    if (cur.status === 'rotating') {
      await enqueueRound(cur)
      return { incident: cur, jobs: cur.rotation.pending }
    }
    if (cur.rotation.actions.length === 0) throw new TransitionError('the rotation policy names no action for this incident')
    const round = cur.rotation.round + 1
    const ids = cur.rotation.actions.map((a, n) => rotationJobId(fp, round, n, a))
    const next = await store.update(fp, (i) => applyRotationStart(i, ids, actor, reason))
    if (next === undefined) throw new NotFoundError(`no incident ${fp}`)
    await enqueueRound(next)
    await syncSlack(next, true)
    return { incident: next, jobs: ids }
  }

  async function enqueueRound(i: Incident): Promise<void> {
    const round = i.rotation.round
    for (const [n, a] of i.rotation.actions.entries()) {
      const id = rotationJobId(i.fingerprint, round, n, a)
      if (i.rotation.pending.includes(id)) await queue().add('rotate', id, { fingerprint: i.fingerprint, round, action: a })
    }
  }

  return {
    handlers,
    bind(j) {
      jobs = j
    },
    async onOutcome(ctx, outcome, detail, data) {
      deps.metrics.jobs.inc({ action: ctx.name, outcome })
      const fingerprint = String(data.fingerprint ?? (data.incident as Incident | undefined)?.fingerprint ?? '')
      deps.logger.info({ job: ctx.id, action: ctx.name, outcome, attempt: ctx.attempt, detail }, 'action finished')
      const rec: ActionRecord = {
        v: '1',
        type: 'action',
        id: ctx.id,
        fingerprint,
        action: ctx.name,
        outcome,
        attempt: ctx.attempt,
        detail,
        at: new Date(now()).toISOString()
      }
      // Failures are recorded here; a success was recorded by the handler itself (with what it knows, e.g. a 202).
      if (ctx.name === 'rotate' && outcome !== 'succeeded') {
        const a = data.action as RotationAction
        await record(await store.get(fingerprint), { id: ctx.id, action: a.type, outcome, attempt: ctx.attempt, detail, at: rec.at })
      }
      await deps.publish(rec)
    },
    async opened(i) {
      if (config.webhook.url !== undefined && config.webhook.notify)
        await queue().add('webhook', `webhook-${i.fingerprint}-opened`, { fingerprint: i.fingerprint })
      await syncSlack(i, true)
      if (i.rotation.mode === 'auto' && i.status === 'open')
        await startRotation(i.fingerprint, 'leakwatch', 'automatic (rotation policy)').catch(ignoreTransition)
    },
    async changed(i, reopened) {
      await syncSlack(i, reopened)
      if (reopened && i.rotation.mode === 'auto') await startRotation(i.fingerprint, 'leakwatch', 'automatic, after a regression').catch(ignoreTransition)
    },
    rotate: startRotation,
    async setStatus(fp, status, resolution, reason, actor) {
      const next = await store.update(fp, (i) => applyStatus(i, status, { ...(resolution === undefined ? {} : { resolution }), reason, actor }))
      if (next === undefined) throw new NotFoundError(`no incident ${fp}`)
      await syncSlack(next, true)
      return next
    },
    async acknowledge(fp, actor) {
      const next = await store.update(fp, (i) => applyAck(i, actor))
      if (next === undefined) throw new NotFoundError(`no incident ${fp}`)
      await syncSlack(next, true)
      return next
    },
    async callback(headers, body) {
      let parsed: { data?: { fingerprint?: string; webhookId?: string; status?: string; detail?: string } }
      try {
        parsed = JSON.parse(body) as typeof parsed
      } catch {
        return 'forbidden'
      }
      const d = parsed.data ?? {}
      const inc = d.fingerprint === undefined ? undefined : await store.get(d.fingerprint)
      const a = inc?.actions.find((x) => x.id === d.webhookId)
      if (inc === undefined || a === undefined) return 'unknown'
      const s = sender(a.endpoint === '' ? undefined : a.endpoint)
      if (s === undefined || s.secrets.length === 0 || !verify(s.secrets, headers, body, now())) return 'forbidden'
      const outcome = d.status === 'succeeded' ? 'succeeded' : 'failed'
      await record(inc, {
        id: a.id,
        action: a.action,
        outcome,
        attempt: a.attempt,
        detail: `callback: ${String(d.detail ?? d.status ?? '').slice(0, 200)}`,
        at: new Date(now()).toISOString()
      })
      return 'ok'
    }
  }
}

function ignoreTransition(err: unknown): void {
  if (!(err instanceof TransitionError)) throw err
}
