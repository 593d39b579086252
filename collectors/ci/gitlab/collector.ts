// The GitLab CI collector: GitLab posts a job event (`X-Gitlab-Event: Job
// Hook`) on every status change of a job; for a finished one, the job's log is
// fetched from the API and streamed line by line into `leakwatch.logs.v1` as
// the stream `ci/gitlab/<project path>/<job id>`.
//
// The event is answered as soon as the job is remembered as pending (in Redis
// for replicated collectors), not after the log is on Kafka: GitLab gives a
// hook a few seconds, a log may take minutes to become available. A pending job
// leaves the list only once Kafka acknowledged its last line (or GitLab refused
// the log for good), so a collector killed mid-log takes the job up again after
// a restart. The pending entry also holds the raw byte offset just after the
// last line Kafka acknowledged: a job started again (a download that broke
// off, Kafka failing, a restart) fetches the log again but sends only the lines
// after it. A finished job's log does not change, and line numbers and stream
// are the same, so whatever is sent twice around a crash makes the same
// findings with the same ids, never a second incident.
//
// A delivery is taken once: by its `Idempotency-Key` (constant across GitLab's
// retries), else `X-Gitlab-Event-UUID`, and by the job id, so a manual resend
// is also recognised.

import type { IncomingMessage, ServerResponse } from 'node:http'
import { createServer } from 'node:http'
import { backoffMs } from '../../../pipeline/backoff.ts'
import { isLeakwatchError, isRetriable } from '../../../pipeline/errors.ts'
import type { HttpServer } from '../../../pipeline/http.ts'
import { badTarget, listen, requestUrl } from '../../../pipeline/http.ts'
import type { Logger } from '../../../pipeline/log.ts'
import type { Metrics } from '../../../pipeline/metrics.ts'
import type { Publish } from '../../../pipeline/runner.ts'
import type { ChunkCut, Collector } from '../../../pipeline/stages.ts'
import { publishLines } from '../chunks.ts'
import type { DeliveryStore } from '../deliveries.ts'
import { memoryDeliveryStore } from '../deliveries.ts'
import type { GitlabConfig } from '../gitlab.config.ts'
import { logLines } from '../log-lines.ts'
import type { CiJobMeta, CiJobRecord } from '../provider.ts'
import { ciSource, ciStream, jobRecord } from '../provider.ts'
import { BodyTooLarge, header, readBody, refuse, reply, tokenMatches } from '../request.ts'
import type { GitlabApi } from './api.ts'
import { createGitlabApi, defaultSleep } from './api.ts'
import { gitlabLineUrl, jobFromHook } from './provider.ts'

export const HOOK_PATH = '/hooks/gitlab'

export interface GitlabCollectorDeps {
  publish: Publish
  logger: Logger
  metrics: Metrics
  /** The webhook secret tokens accepted (the configured one; two while rotating). */
  webhookTokens: readonly string[]
  /** The API token, read from `tokenFile` or `token`. */
  apiToken?: string | undefined
  store?: DeliveryStore
  fetch?: typeof fetch
  now?: () => number
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
  /** Each job handled: delivered, rejected (GitLab refused the log for good). Tests wait on it. */
  onJob?: (job: CiJobMeta, outcome: 'delivered' | 'rejected', lines: number) => void
  chunkCut?: ChunkCut | undefined
}

export interface GitlabCollector extends Collector {
  /** The webhook endpoint's port, once started. */
  port: () => number
  api: GitlabApi
}

interface Pending {
  key: string
  projectId: number
  job: CiJobMeta
  /** Raw byte offset just after the last line Kafka acknowledged; -1 when none was. */
  ackedEnd: number
}

/** The pending entry: what a restart needs to take the job up again (job metadata and a position, no log content). */
function pendingValue(p: Pick<Pending, 'projectId' | 'job' | 'ackedEnd'>): string {
  return JSON.stringify({ projectId: p.projectId, job: jobRecord(p.job), ...(p.ackedEnd >= 0 ? { ackedEnd: p.ackedEnd } : {}) })
}

export function createGitlabCollector(config: GitlabConfig, deps: GitlabCollectorDeps): GitlabCollector {
  const log = deps.logger.child({ collector: 'gitlab' })
  const store = deps.store ?? memoryDeliveryStore(deps.now === undefined ? {} : { now: deps.now })
  const sleep = deps.sleep ?? defaultSleep
  const rejected = (reason: string): void => deps.metrics.ciWebhookRejected.inc({ provider: 'gitlab', reason })
  const jobsDone = (outcome: 'scanned' | 'failed' | 'rejected'): void => deps.metrics.ciJobs.inc({ provider: 'gitlab', outcome })
  const api = createGitlabApi(
    {
      url: config.url,
      token: deps.apiToken,
      tokenHeader: config.tokenHeader,
      timeoutMs: config.timeoutMs,
      retryBaseMs: config.retryBaseMs,
      retryMaxMs: config.retryMaxMs,
      readyTimeoutMs: config.traceReadyTimeoutMs
    },
    {
      ...(deps.fetch === undefined ? {} : { fetch: deps.fetch }),
      ...(deps.now === undefined ? {} : { now: deps.now }),
      sleep,
      onRetry: (reason) => deps.metrics.ciFetchRetries.inc({ provider: 'gitlab', reason })
    }
  )

  const queue: Pending[] = []
  const inQueue = new Set<string>()
  // Idle workers, each woken by one enqueued job.
  const idle: Array<() => void> = []
  let server: HttpServer | undefined
  let workers: Promise<void>[] = []
  const abort = new AbortController()

  function enqueue(p: Pending): void {
    if (inQueue.has(p.key)) return
    inQueue.add(p.key)
    queue.push(p)
    idle.shift()?.()
  }

  /**
   * Writes `p.ackedEnd` to the pending entry as acknowledgements come: one write at a time, the newest position
   * each time. settle() waits for the last one, so an entry is never written back after donePending removed it.
   */
  function progressWriter(p: Pending) {
    let writing: Promise<void> | undefined
    let written = p.ackedEnd
    const write = (): void => {
      if (writing !== undefined || written === p.ackedEnd) return
      written = p.ackedEnd
      writing = store
        .addPending(p.key, pendingValue(p))
        .catch((err: unknown) => {
          // Not fatal: a restart would then start from an earlier line, sending some again.
          log.warn({ job: p.job.jobId, reason: (err as Error).message }, 'GitLab job progress not saved')
        })
        .finally(() => {
          writing = undefined
          write()
        })
    }
    return {
      acked(end: number): void {
        if (end <= p.ackedEnd) return
        p.ackedEnd = end
        write()
      },
      async settle(): Promise<void> {
        while (writing !== undefined) await writing
      }
    }
  }

  async function runJob(p: Pending, signal: AbortSignal): Promise<void> {
    const progress = progressWriter(p)
    for (let failures = 1; !signal.aborted; failures++) {
      try {
        const body = await api.trace(p.projectId, p.job.jobId, signal)
        let bytes = 0
        const counted = (async function* () {
          for await (const b of body) {
            bytes += b.byteLength
            yield b
          }
        })()
        const resumedAfter = p.ackedEnd
        const done = await publishLines(
          logLines(counted, { format: 'gitlab', maxLineBytes: config.maxLineBytes }),
          ciStream(p.job),
          ciSource(p.job),
          config,
          { publish: deps.publish, onChunk: (end) => progress.acked(end), cut: deps.chunkCut },
          resumedAfter
        )
        deps.metrics.linesCollected.inc({ collector: 'gitlab' }, done.lines)
        deps.metrics.bytesCollected.inc({ collector: 'gitlab' }, bytes)
        await progress.settle()
        await store.donePending(p.key)
        jobsDone('scanned')
        log.info(
          {
            repository: p.job.repository,
            job: p.job.jobId,
            lines: done.lines,
            chunks: done.chunks,
            ...(resumedAfter >= 0 ? { resumedAfterByte: resumedAfter } : {})
          },
          'GitLab job log delivered'
        )
        deps.onJob?.(p.job, 'delivered', done.lines)
        return
      } catch (err) {
        await progress.settle()
        if (signal.aborted) return
        if (!isRetriable(err)) {
          await store.donePending(p.key)
          jobsDone('rejected')
          log.warn(
            { repository: p.job.repository, job: p.job.jobId, code: isLeakwatchError(err) ? err.code : undefined, reason: (err as Error).message },
            'GitLab job log not collected'
          )
          deps.onJob?.(p.job, 'rejected', 0)
          return
        }
        jobsDone('failed')
        const delayMs = backoffMs(failures, { baseMs: config.retryBaseMs, maxMs: config.retryMaxMs, jitter: 'over' })
        log.warn(
          {
            repository: p.job.repository,
            job: p.job.jobId,
            code: isLeakwatchError(err) ? err.code : undefined,
            failures,
            retryInMs: delayMs,
            ...(p.ackedEnd >= 0 ? { resumeAfterByte: p.ackedEnd } : {})
          },
          'GitLab job log failed; resuming it after its last acknowledged line'
        )
        await sleep(delayMs, signal).catch(() => {})
      }
    }
  }

  async function worker(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const p = queue.shift()
      if (p === undefined) {
        await new Promise<void>((resolve) => {
          const done = (): void => {
            signal.removeEventListener('abort', done)
            resolve()
          }
          idle.push(done)
          signal.addEventListener('abort', done, { once: true })
        })
        continue
      }
      try {
        await runJob(p, signal)
      } finally {
        inQueue.delete(p.key)
      }
    }
  }

  async function onHook(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!tokenMatches(header(req, 'x-gitlab-token'), deps.webhookTokens)) {
      rejected('token')
      return refuse(res, 401, 'LW_ERR_CI_WEBHOOK_REJECTED', 'missing or wrong X-Gitlab-Token')
    }
    if (header(req, 'x-gitlab-event') !== 'Job Hook') {
      req.resume()
      return reply(res, 200, { status: 'ignored', reason: 'not a Job Hook' })
    }
    let body: unknown
    try {
      body = JSON.parse((await readBody(req, config.maxBodyBytes)).toString('utf8'))
    } catch (err) {
      if (err instanceof BodyTooLarge) {
        rejected('too-large')
        return refuse(res, 413, 'LW_ERR_CI_WEBHOOK_REJECTED', `job event over ${config.maxBodyBytes} bytes`)
      }
      rejected('malformed')
      return refuse(res, 400, 'LW_ERR_CI_WEBHOOK_REJECTED', 'the job event is not JSON')
    }
    const verdict = jobFromHook(body, config.url)
    if ('invalid' in verdict) {
      rejected('malformed')
      return refuse(res, 400, 'LW_ERR_CI_WEBHOOK_REJECTED', `not a GitLab job event: ${verdict.invalid}`)
    }
    if ('ignore' in verdict) {
      return reply(res, 200, { status: 'ignored', reason: verdict.ignore })
    }
    const { job, projectId } = verdict
    const delivery = header(req, 'idempotency-key') ?? header(req, 'x-gitlab-event-uuid')
    const deliveryKey = delivery === undefined ? undefined : `delivery:${delivery.slice(0, 128)}`
    const jobKey = `job:${projectId}:${job.jobId}`
    const claimed: string[] = []
    try {
      for (const key of deliveryKey === undefined ? [jobKey] : [deliveryKey, jobKey]) {
        if (!(await store.claim(key, config.replayTtlMs))) {
          for (const k of claimed) await store.release(k)
          rejected('replay')
          return reply(res, 200, { status: 'duplicate' })
        }
        claimed.push(key)
      }
      if (inQueue.size >= config.maxQueuedJobs) throw new Error('queue full')
      await store.addPending(jobKey, pendingValue({ projectId, job, ackedEnd: -1 }))
    } catch (err) {
      for (const k of claimed) await store.release(k).catch(() => {})
      log.warn({ code: 'LW_ERR_CI_BUSY', reason: (err as Error).message }, 'GitLab job event not accepted')
      return refuse(res, 503, 'LW_ERR_CI_BUSY', 'cannot take the job now; GitLab will retry', { 'retry-after': '30' })
    }
    enqueue({ key: jobKey, projectId, job, ackedEnd: -1 })
    reply(res, 202, { status: 'accepted', job: job.jobId })
  }

  async function resumePending(): Promise<void> {
    for (const [key, value] of await store.pending()) {
      try {
        const parsed = JSON.parse(value) as { projectId: number; job: CiJobRecord; ackedEnd?: unknown }
        const ackedEnd = typeof parsed.ackedEnd === 'number' && Number.isSafeInteger(parsed.ackedEnd) && parsed.ackedEnd >= 0 ? parsed.ackedEnd : -1
        enqueue({ key, projectId: parsed.projectId, job: { ...parsed.job, lineUrl: gitlabLineUrl(parsed.job.url) }, ackedEnd })
      } catch {
        await store.donePending(key)
      }
    }
    if (queue.length > 0) log.info({ jobs: queue.length }, 'resuming GitLab jobs accepted before a restart')
  }

  return {
    api,
    port: () => server?.port ?? 0,
    ready: () => server !== undefined && !abort.signal.aborted,
    async start(signal) {
      const s = createServer((req, res) => {
        const url = requestUrl(req)
        if (url === undefined) return badTarget(res)
        if (url.pathname !== HOOK_PATH) return refuse(res, 404, 'LW_ERR_CI_WEBHOOK_REJECTED', 'not found')
        if (req.method !== 'POST') return refuse(res, 405, 'LW_ERR_CI_WEBHOOK_REJECTED', 'POST only', { allow: 'POST' })
        onHook(req, res).catch((err: unknown) => {
          log.error({ reason: (err as Error).message }, 'GitLab job event failed')
          refuse(res, 500, 'LW_ERR_CI_BUSY', 'internal error')
        })
      })
      s.requestTimeout = 30_000
      server = await listen(s, { host: config.host, port: config.port })
      log.info({ port: server.port, url: config.url }, 'GitLab job hook listening')
      const stop = (): void => abort.abort()
      signal.addEventListener('abort', stop, { once: true })
      await resumePending()
      workers = Array.from({ length: config.concurrency }, () => worker(abort.signal))
      await new Promise<void>((resolve) => {
        if (signal.aborted) resolve()
        else signal.addEventListener('abort', () => resolve(), { once: true })
      })
    },
    async close() {
      abort.abort()
      await server?.close()
      await Promise.allSettled(workers)
    }
  }
}
