// The GitHub Actions collector: a webhook endpoint for `workflow_job` and
// `workflow_run` deliveries (webhook.ts) in front of a durable work list
// (../job-store.ts) and a few workers that fetch each completed job's log
// (client.ts) and stream it into `leakwatch.logs.v1` (../ship.ts) as
// `ci/github/<owner>/<repo>/<job id>`.
//
// Order of durability: a delivery is answered 202 only once its job is in the
// state file; a job's progress moves only after Kafka acknowledged its lines;
// a job leaves the list only after its last line was acknowledged. A crash
// anywhere resumes: the job's log is fetched again and sent from the first
// line not acknowledged.

import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { type Backoff, backoffMs } from '../../../pipeline/backoff.ts'
import { isLeakwatchError } from '../../../pipeline/errors.ts'
import { badTarget, listen, requestUrl } from '../../../pipeline/http.ts'
import type { Logger } from '../../../pipeline/log.ts'
import type { Metrics } from '../../../pipeline/metrics.ts'
import type { Publish } from '../../../pipeline/runner.ts'
import type { ChunkCut, Collector } from '../../../pipeline/stages.ts'
import type { DeliveryGuard } from '../delivery-guard.ts'
import { memoryGuard } from '../delivery-guard.ts'
import type { GithubCollectorConfig } from '../github.config.ts'
import type { JobStore, PendingJob } from '../job-store.ts'
import { openJobStore } from '../job-store.ts'
import type { CiJobMeta } from '../provider.ts'
import { ciStream } from '../provider.ts'
import { shipJobLog } from '../ship.ts'
import type { GithubAuth } from './auth.ts'
import { appAuth, tokenAuth } from './auth.ts'
import type { GithubClient } from './client.ts'
import { createGithubClient, githubJobMeta, webOrigin } from './client.ts'
import type { GithubJobTask, GithubRunTask } from './webhook.ts'
import { createWebhookHandler } from './webhook.ts'

export interface GithubCollectorDeps {
  publish: Publish
  logger: Logger
  metrics: Metrics
  /** Delivery ids; memory when not given. */
  guard?: DeliveryGuard
  fetch?: typeof fetch
  now?: () => number
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
  /** Instead of tokenFile/app (tests). */
  auth?: GithubAuth
  /** Instead of webhookSecretFile (tests). */
  webhookSecrets?: Buffer[]
  /** After each job left the work list (scanned, rejected or given up). */
  onJob?: (key: string, outcome: 'scanned' | 'rejected' | 'failed') => void
  chunkCut?: ChunkCut
}

export interface GithubCollector extends Collector {
  /** The webhook endpoint's port, once started. */
  port: () => number
  /** Resolves when the endpoint listens. */
  listening: Promise<void>
}

type Task = { kind: 'job'; task: GithubJobTask } | { kind: 'run'; task: GithubRunTask }

function readLines(path: string, what: string): string[] {
  const lines = readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '')
  if (lines.length === 0) throw new TypeError(`${what} ${path} is empty`)
  return lines
}

export function githubAuthFromConfig(config: GithubCollectorConfig, opts: { fetch?: typeof fetch; now?: () => number }): GithubAuth {
  if (config.app.id !== undefined && config.app.privateKeyFile !== undefined) {
    return appAuth({
      apiUrl: config.apiUrl,
      appId: config.app.id,
      privateKeyPem: readFileSync(config.app.privateKeyFile, 'utf8'),
      ...(config.app.installationId === undefined ? {} : { installationId: Number(config.app.installationId) }),
      ...(opts.fetch === undefined ? {} : { fetch: opts.fetch }),
      ...(opts.now === undefined ? {} : { now: opts.now }),
      timeoutMs: config.api.timeoutMs,
      userAgent: 'leakwatch'
    })
  }
  if (config.tokenFile !== undefined) return tokenAuth(readLines(config.tokenFile, 'collector.github.tokenFile')[0] as string)
  throw new TypeError('collector.github needs tokenFile, or app.id and app.privateKeyFile')
}

export function githubClientFromConfig(
  config: Pick<GithubCollectorConfig, 'apiUrl' | 'webUrl' | 'api'>,
  auth: GithubAuth,
  deps: { fetch?: typeof fetch; now?: () => number; sleep?: (ms: number, signal?: AbortSignal) => Promise<void>; metrics?: Metrics }
): GithubClient {
  const a = config.api
  return createGithubClient({
    apiUrl: config.apiUrl,
    ...(config.webUrl === undefined ? {} : { webUrl: config.webUrl }),
    auth,
    ...(deps.fetch === undefined ? {} : { fetch: deps.fetch }),
    ...(deps.now === undefined ? {} : { now: deps.now }),
    ...(deps.sleep === undefined ? {} : { sleep: deps.sleep }),
    backoff: { baseMs: a.retryBaseMs, maxMs: a.retryMaxMs, jitter: 'over' },
    attempts: a.attempts,
    notReadyMaxMs: a.notReadyMaxMs,
    secondaryWaitMs: a.secondaryRateLimitWaitMs,
    maxWaitMs: a.maxRateLimitWaitMs,
    timeoutMs: a.timeoutMs,
    userAgent: 'leakwatch',
    onRetry: (reason) => deps.metrics?.ciFetchRetries.inc({ provider: 'github', reason })
  })
}

export function createGithubCollector(config: GithubCollectorConfig, deps: GithubCollectorDeps): GithubCollector {
  const log = deps.logger.child({ collector: 'github' })
  const now = deps.now ?? Date.now
  const secrets =
    deps.webhookSecrets ??
    (config.webhookSecretFile === undefined
      ? undefined
      : readLines(config.webhookSecretFile, 'collector.github.webhookSecretFile').map((l) => Buffer.from(l, 'utf8')))
  if (secrets === undefined || secrets.length === 0) throw new TypeError('collector.github.webhookSecretFile is required')
  const auth = deps.auth ?? githubAuthFromConfig(config, deps)
  const client = githubClientFromConfig(config, auth, deps)
  const web = (config.webUrl ?? webOrigin(config.apiUrl)).replace(/\/+$/, '')
  const allowed = new Set(config.repositories)
  const jobBackoff: Backoff = { baseMs: config.api.retryBaseMs, maxMs: Math.max(config.api.retryMaxMs, 5 * 60 * 1000), jitter: 'over' }
  const abort = new AbortController()
  let store: JobStore<Task> | undefined
  let port = 0
  let wake: (() => void) | undefined
  const running = new Map<string, Promise<void>>()
  let markListening: () => void = () => {}
  const listening = new Promise<void>((resolve) => {
    markListening = resolve
  })

  function poke(): void {
    wake?.()
  }

  const handler = createWebhookHandler({
    secrets,
    maxBodyBytes: config.maxBodyBytes,
    maxAgeMs: config.maxDeliveryAgeMs,
    web,
    guard: deps.guard ?? memoryGuard(now),
    now,
    onReject: (reason) => {
      deps.metrics.ciWebhookRejected.inc({ provider: 'github', reason })
      log.warn({ reason }, 'webhook delivery rejected')
    },
    accept: async (d) => {
      const s = store
      if (s === undefined) throw new TypeError('not started')
      const repository = d.kind === 'job' ? d.task.job.repository : d.task.repository
      if (allowed.size > 0 && !allowed.has(repository)) return
      const key = d.kind === 'job' ? ciStream(d.task.job) : `run/github/${repository}/${d.task.runId}/${d.task.attempt}`
      if (await s.add(key, d)) poke()
    }
  })

  function metaOf(t: GithubJobTask): CiJobMeta {
    const { job } = t
    const meta = githubJobMeta(
      job.repository,
      {
        id: Number(job.jobId),
        run_id: Number(job.runId),
        run_attempt: job.runAttempt,
        name: job.job,
        workflow_name: job.workflow,
        html_url: job.url,
        ...(job.branch === undefined ? {} : { head_branch: job.branch }),
        ...(job.commit === undefined ? {} : { head_sha: job.commit }),
        ...(job.completedAt === undefined ? {} : { completed_at: job.completedAt }),
        ...(job.conclusion === undefined ? {} : { conclusion: job.conclusion })
      },
      { web, ...(job.actor === undefined ? {} : { actor: job.actor }), ...(t.steps === undefined ? {} : { steps: t.steps }) }
    )
    return meta
  }

  async function runJob(p: PendingJob<Task>, s: JobStore<Task>): Promise<void> {
    const t = p.task
    if (t.kind === 'run') {
      const jobs = await client.runJobs(t.task.repository, t.task.runId, t.task.attempt, t.task.installationId, abort.signal)
      for (const meta of jobs) {
        if (meta.completedAt === undefined) continue
        if (t.task.actor !== undefined) meta.actor = t.task.actor
        if (meta.workflow === '' && t.task.workflow !== undefined) meta.workflow = t.task.workflow
        const { lineUrl: _fn, ...job } = meta
        await s.add(ciStream(meta), { kind: 'job', task: { job, ...(t.task.installationId === undefined ? {} : { installationId: t.task.installationId }) } })
      }
      return
    }
    const meta = metaOf(t.task)
    const observe = client.observeLines?.(meta)
    const bytes = await client.fetchLogFor(meta, t.task.installationId, abort.signal)
    const shipped = await shipJobLog(
      meta,
      bytes,
      {
        format: 'github',
        maxLineBytes: config.maxLineBytes,
        maxChunkLines: config.maxChunkLines,
        maxChunkBytes: config.maxChunkBytes,
        maxBatchBytes: config.maxBatchBytes,
        maxInFlightBytes: config.maxInFlightBytes
      },
      {
        publish: deps.publish,
        now,
        onAcked: (line) => s.progress(p.key, line),
        cut: deps.chunkCut,
        ...(observe === undefined ? {} : { labelsOf: observe })
      },
      p.ackedLine
    )
    deps.metrics.linesCollected.inc({ collector: 'github' }, shipped.lines)
    deps.metrics.bytesCollected.inc({ collector: 'github' }, shipped.bytes)
    log.info({ job: p.key, lines: shipped.lines, resumedAfter: p.ackedLine, chunks: shipped.chunks }, 'job log scanned')
  }

  async function attempt(p: PendingJob<Task>, s: JobStore<Task>): Promise<void> {
    try {
      await runJob(p, s)
      await s.done(p.key)
      if (p.task.kind === 'job') {
        deps.metrics.ciJobs.inc({ provider: 'github', outcome: 'scanned' })
        deps.onJob?.(p.key, 'scanned')
      }
      poke()
    } catch (err) {
      if (abort.signal.aborted) return // shutting down: the job stays queued at its acknowledged line
      const code = isLeakwatchError(err) ? err.code : undefined
      if (isLeakwatchError(err) && !err.retriable) {
        log.warn({ job: p.key, code, reason: err.message }, 'job log rejected; skipped')
        await s.done(p.key).catch(() => {})
        deps.metrics.ciJobs.inc({ provider: 'github', outcome: 'rejected' })
        deps.onJob?.(p.key, 'rejected')
        return
      }
      const retryAfter = isLeakwatchError(err) ? Number(err.details?.retryAfterMs ?? 0) : 0
      const delay = Math.max(retryAfter, backoffMs(p.attempts + 1, jobBackoff))
      if (p.attempts + 1 >= config.attempts) {
        log.error({ job: p.key, code, attempts: p.attempts + 1 }, 'job log given up after repeated failures')
        await s.done(p.key).catch(() => {})
        deps.metrics.ciJobs.inc({ provider: 'github', outcome: 'failed' })
        deps.onJob?.(p.key, 'failed')
        return
      }
      // Uncoded errors are described by their class only: a message may quote what it choked on.
      log.warn(
        {
          job: p.key,
          code: code ?? (err as Error).name,
          ...(isLeakwatchError(err) ? { reason: err.message } : {}),
          retryInMs: delay,
          acknowledgedLine: s.get(p.key)?.ackedLine
        },
        'job log failed; retried later'
      )
      await s.retryLater(p.key, now() + delay).catch(() => {})
    }
  }

  async function loop(s: JobStore<Task>): Promise<void> {
    while (!abort.signal.aborted) {
      for (const p of s.due(now())) {
        if (running.size >= config.concurrency) break
        if (running.has(p.key)) continue
        const r = attempt(p, s).finally(() => {
          running.delete(p.key)
          poke()
        })
        running.set(p.key, r)
      }
      const next = s.nextDue()
      const idle = next === undefined ? 60_000 : Math.max(10, Math.min(60_000, next - now()))
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, idle)
        wake = () => {
          clearTimeout(timer)
          resolve()
        }
      })
      wake = undefined
    }
  }

  return {
    port: () => port,
    listening,
    ready: () => port !== 0 && !abort.signal.aborted,
    async start(signal) {
      signal.addEventListener('abort', () => abort.abort(), { once: true })
      abort.signal.addEventListener('abort', () => wake?.(), { once: true })
      store = await openJobStore<Task>({ path: config.statePath, doneTtlMs: config.doneTtlMs, now })
      const s = store
      const server: Server = createServer((req, res) => {
        const url = requestUrl(req)
        if (url === undefined) return badTarget(res)
        if (url.pathname === '/healthz') return void res.writeHead(200).end('ok')
        if (url.pathname !== config.path) return void res.writeHead(404).end()
        if (req.method !== 'POST') return void res.writeHead(405, { allow: 'POST' }).end()
        handler(req, res).catch((err: unknown) => {
          log.warn({ code: (err as { code?: unknown }).code ?? (err as Error).name }, 'webhook request failed')
          if (!res.headersSent) res.writeHead(500).end()
        })
      })
      const http = await listen(server, { host: config.host, port: config.port })
      port = http.port
      log.info({ port, path: config.path, queued: s.size(), apiUrl: config.apiUrl, auth: auth.kind }, 'github collector listening')
      markListening()
      try {
        await loop(s)
      } finally {
        await http.close()
        await Promise.allSettled(running.values())
      }
    },
    async close() {
      abort.abort()
      poke()
      await Promise.allSettled(running.values())
    }
  }
}
