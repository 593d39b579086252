// GitHub's webhook deliveries of `workflow_job` and `workflow_run` events:
// authenticated, fresh, once.
//
// - Authenticated: `X-Hub-Signature-256` is `sha256=` + HMAC-SHA256 of the raw
//   body with the webhook secret, compared in constant time; several secrets
//   are accepted so one can be rotated without losing deliveries. A mismatch
//   is 401, counted, and nothing of the request is logged.
// - Bounded: the body is read up to `maxBodyBytes` (GitHub caps payloads at
//   25 MB), refused with 413 beyond.
// - Fresh: GitHub sends no timestamp header, so a delivery's age is its
//   event's own time (the job's completion, the run's update); older than
//   `maxAgeMs` is refused as stale. A delivery id (`X-GitHub-Delivery`, which
//   a redelivery keeps) is remembered for that same window, so within it a
//   replay is refused and beyond it the event is stale: together they admit
//   each delivery once.
// - A delivery is answered 202 only once its job is durably queued (the
//   caller's `accept`); if that fails the id is forgotten and GitHub's
//   redelivery (or the operator's) is taken.

import { createHmac, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { DeliveryGuard } from '../delivery-guard.ts'
import type { CiJobRecord } from '../provider.ts'
import type { GithubJob } from './client.ts'
import { githubJobMeta } from './client.ts'
import type { GithubStep } from './steps.ts'

export type RejectReason = 'signature' | 'replay' | 'stale' | 'too-large' | 'malformed'

export function verifySignature(secrets: readonly Buffer[], body: Buffer, header: string | undefined): boolean {
  if (header === undefined || !header.startsWith('sha256=') || header.length !== 71) return false
  const got = Buffer.from(header.slice(7), 'hex')
  if (got.length !== 32) return false
  let ok = false
  // Every secret is tried (no early exit): the time taken does not say which one matched.
  for (const s of secrets) if (timingSafeEqual(createHmac('sha256', s).update(body).digest(), got)) ok = true
  return ok
}

/** A job to scan, as a delivery names it. */
export interface GithubJobTask {
  job: CiJobRecord
  installationId?: number
  steps?: GithubStep[]
}

/** A completed run whose jobs are to be listed. */
export interface GithubRunTask {
  repository: string
  runId: string
  attempt: number
  installationId?: number
  actor?: string
  workflow?: string
}

export type Delivery = { kind: 'job'; task: GithubJobTask } | { kind: 'run'; task: GithubRunTask } | { kind: 'ignored'; why: string }

function obj(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined
}
function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined
}
function int(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined
}

/** `owner/name` as GitHub allows them: checked by hand, it becomes part of API paths and stream ids. */
export function validRepository(name: string): boolean {
  const slash = name.indexOf('/')
  if (slash <= 0 || slash !== name.lastIndexOf('/') || slash === name.length - 1 || name.length > 200) return false
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i)
    const ok = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 45 || c === 46 || c === 95 || i === slash
    if (!ok) return false
  }
  return !name.split('/').some((p) => p === '.' || p === '..')
}

/** What a verified delivery asks for; throws a TypeError with a safe message when the payload is not what GitHub sends. */
export function parseDelivery(event: string, payload: unknown, web: string): { delivery: Delivery; at: number | undefined } {
  const p = obj(payload)
  if (p === undefined) throw new TypeError('payload is not a JSON object')
  const repository = str(obj(p.repository)?.full_name)
  const installationId = int(obj(p.installation)?.id)
  const actor = str(obj(p.sender)?.login)
  if (event === 'workflow_job') {
    const j = obj(p.workflow_job)
    if (j === undefined || repository === undefined || !validRepository(repository)) throw new TypeError('workflow_job payload without a job or repository')
    const id = int(j.id)
    const runId = int(j.run_id)
    const name = str(j.name)
    if (id === undefined || runId === undefined || name === undefined) throw new TypeError('workflow_job without id, run_id or name')
    const at = Date.parse(str(j.completed_at) ?? str(j.started_at) ?? str(j.created_at) ?? '')
    if (p.action !== 'completed') return { delivery: { kind: 'ignored', why: `workflow_job ${String(p.action)}` }, at: Number.isNaN(at) ? undefined : at }
    const job: GithubJob = { id, run_id: runId, name }
    const attempt = int(j.run_attempt)
    if (attempt !== undefined && attempt >= 1) job.run_attempt = attempt
    const wf = str(j.workflow_name)
    if (wf !== undefined) job.workflow_name = wf
    const branch = str(j.head_branch)
    if (branch !== undefined) job.head_branch = branch
    const sha = str(j.head_sha)
    if (sha !== undefined) job.head_sha = sha
    const html = str(j.html_url)
    if (html?.startsWith('https://') === true || html?.startsWith('http://') === true) job.html_url = html
    const completedAt = str(j.completed_at)
    if (completedAt !== undefined) job.completed_at = completedAt
    const conclusion = str(j.conclusion)
    if (conclusion !== undefined) job.conclusion = conclusion
    const { lineUrl: _fn, ...record } = githubJobMeta(repository, job, { web, ...(actor === undefined ? {} : { actor }) })
    const steps: GithubStep[] = []
    if (Array.isArray(j.steps))
      for (const s of j.steps.slice(0, 1000)) {
        const o = obj(s)
        const n = int(o?.number)
        const sn = str(o?.name)
        if (o === undefined || n === undefined || sn === undefined) continue
        steps.push({
          name: sn,
          number: n,
          started_at: str(o.started_at) ?? null,
          completed_at: str(o.completed_at) ?? null,
          conclusion: str(o.conclusion) ?? null
        })
      }
    const task: GithubJobTask = { job: record, ...(installationId === undefined ? {} : { installationId }), ...(steps.length === 0 ? {} : { steps }) }
    return { delivery: { kind: 'job', task }, at: Number.isNaN(at) ? undefined : at }
  }
  if (event === 'workflow_run') {
    const r = obj(p.workflow_run)
    if (r === undefined || repository === undefined || !validRepository(repository)) throw new TypeError('workflow_run payload without a run or repository')
    const id = int(r.id)
    if (id === undefined) throw new TypeError('workflow_run without id')
    const at = Date.parse(str(r.updated_at) ?? str(r.created_at) ?? '')
    const when = Number.isNaN(at) ? undefined : at
    if (p.action !== 'completed') return { delivery: { kind: 'ignored', why: `workflow_run ${String(p.action)}` }, at: when }
    const runActor = str(obj(r.triggering_actor)?.login) ?? str(obj(r.actor)?.login) ?? actor
    const workflow = str(r.name)
    const task: GithubRunTask = {
      repository,
      runId: String(id),
      attempt: int(r.run_attempt) ?? 1,
      ...(installationId === undefined ? {} : { installationId }),
      ...(runActor === undefined ? {} : { actor: runActor }),
      ...(workflow === undefined ? {} : { workflow })
    }
    return { delivery: { kind: 'run', task }, at: when }
  }
  return { delivery: { kind: 'ignored', why: `event ${event}` }, at: undefined }
}

export interface WebhookOptions {
  secrets: readonly Buffer[]
  maxBodyBytes: number
  maxAgeMs: number
  web: string
  guard: DeliveryGuard
  now?: () => number
  onReject: (reason: RejectReason) => void
  /** Durably queues what a delivery asks for; the delivery is answered 202 only after it resolved. */
  accept: (d: Exclude<Delivery, { kind: 'ignored' }>) => Promise<void>
  onAccepted?: (id: string, d: Delivery) => void
}

function answer(res: ServerResponse, status: number, body: Record<string, unknown>): void {
  res.writeHead(status, { 'content-type': 'application/json', ...(status >= 400 ? { connection: 'close' } : {}) }).end(JSON.stringify(body))
}

const REJECT_STATUS: Record<RejectReason, number> = { signature: 401, replay: 409, stale: 409, 'too-large': 413, malformed: 400 }

/** Reads a body up to `max` bytes; undefined when it is larger (the rest is not read). */
export async function readBounded(req: IncomingMessage, max: number): Promise<Buffer | undefined> {
  const declared = Number(req.headers['content-length'])
  if (Number.isFinite(declared) && declared > max) return undefined
  const parts: Buffer[] = []
  let n = 0
  for await (const c of req) {
    const b = c as Buffer
    n += b.length
    if (n > max) return undefined
    parts.push(b)
  }
  return Buffer.concat(parts, n)
}

export function createWebhookHandler(opts: WebhookOptions): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const now = opts.now ?? Date.now
  function reject(res: ServerResponse, reason: RejectReason, message: string): void {
    opts.onReject(reason)
    answer(res, REJECT_STATUS[reason], { error: message, code: 'LW_ERR_CI_WEBHOOK_REJECTED' })
  }
  return async (req, res) => {
    const body = await readBounded(req, opts.maxBodyBytes)
    if (body === undefined) return reject(res, 'too-large', `body over ${opts.maxBodyBytes} bytes`)
    const sig = req.headers['x-hub-signature-256']
    if (!verifySignature(opts.secrets, body, typeof sig === 'string' ? sig : undefined)) return reject(res, 'signature', 'signature does not match')
    const event = req.headers['x-github-event']
    const id = req.headers['x-github-delivery']
    if (typeof event !== 'string' || typeof id !== 'string' || id === '' || id.length > 128)
      return reject(res, 'malformed', 'X-GitHub-Event and X-GitHub-Delivery are required')
    if (event === 'ping') return answer(res, 200, { status: 'pong' })
    let parsed: ReturnType<typeof parseDelivery>
    try {
      parsed = parseDelivery(event, JSON.parse(body.toString('utf8')) as unknown, opts.web)
    } catch (err) {
      // The payload's own text is not echoed: only what was missing.
      return reject(res, 'malformed', err instanceof TypeError ? err.message : 'body is not JSON')
    }
    const { delivery, at } = parsed
    if (at !== undefined && now() - at > opts.maxAgeMs) return reject(res, 'stale', `event older than ${opts.maxAgeMs} ms`)
    if (!(await opts.guard.claim(`github:${id}`, opts.maxAgeMs))) return reject(res, 'replay', 'delivery already taken')
    if (delivery.kind === 'ignored') {
      opts.onAccepted?.(id, delivery)
      return answer(res, 202, { status: 'ignored', why: delivery.why })
    }
    try {
      await opts.accept(delivery)
    } catch (err) {
      await opts.guard.forget(`github:${id}`).catch(() => {})
      const code = (err as { code?: unknown }).code
      return answer(res, 503, { error: 'could not queue the job; redeliver', code: typeof code === 'string' ? code : 'LW_ERR_CHECKPOINT_IO' })
    }
    opts.onAccepted?.(id, delivery)
    answer(res, 202, { status: 'queued' })
  }
}
