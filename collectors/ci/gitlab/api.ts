// GitLab's REST API (v4), as the CI collector and `ci backfill` use it: a job's
// log (`GET /projects/:id/jobs/:job_id/trace`), the finished jobs of a project
// (`GET /projects/:id/jobs`), the project itself, and a repository file
// (CODEOWNERS). gitlab.com and self-managed GitLab differ only by base URL.
//
// Every call retries by itself on what GitLab means as "later": 429 and 5xx,
// connection failures, and for a log also 404 or an empty body while the
// runner's last trace chunks are still being archived right after the job
// finished. It waits what GitLab asks (Retry-After; RateLimit-Reset once
// RateLimit-Remaining reached 0) or else the backoff, and gives up after
// `readyTimeoutMs`. The token travels in one header and never in an error or a
// log line; a redirect to another origin (object storage) is followed without it.

import { backoffMs, parseRetryAfter } from '../../../pipeline/backoff.ts'
import { LeakwatchError } from '../../../pipeline/errors.ts'

export interface GitlabApiOptions {
  /** Base URL of the instance, e.g. https://gitlab.com. */
  url: string
  token?: string | undefined
  tokenHeader: 'private-token' | 'bearer'
  timeoutMs: number
  retryBaseMs: number
  retryMaxMs: number
  /** How long a log (or a call) is asked for again before giving up. */
  readyTimeoutMs: number
}

export interface GitlabApiDeps {
  fetch?: typeof fetch
  now?: () => number
  /** Waits `ms` (tests record the delays); rejects when `signal` aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
  /** Each retry, with why (not-ready, rate-limited, server, network). */
  onRetry?: (reason: RetryReason, delayMs: number) => void
}

export type RetryReason = 'not-ready' | 'rate-limit' | 'server' | 'network'

/** A job as GET /projects/:id/jobs lists it: the fields leakwatch reads. */
export interface GitlabJob {
  id: number
  name: string
  stage?: string
  status: string
  ref?: string
  tag?: boolean
  web_url: string
  created_at?: string
  finished_at?: string | null
  retried?: boolean
  pipeline?: { id: number; sha?: string; ref?: string }
  commit?: { id?: string }
  user?: { username?: string; name?: string } | null
}

export interface GitlabProject {
  id: number
  path_with_namespace: string
  web_url: string
  default_branch?: string | null
  ci_config_path?: string | null
}

const MAX_REDIRECTS = 3

export function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) return reject(signal.reason)
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = (): void => {
      clearTimeout(t)
      reject(signal?.reason)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/** `id` as the API path takes it: a numeric id as is, a project path URL-encoded. */
export function projectRef(id: string | number): string {
  return encodeURIComponent(String(id))
}

export function createGitlabApi(opts: GitlabApiOptions, deps: GitlabApiDeps = {}) {
  const doFetch = deps.fetch ?? fetch
  const now = deps.now ?? Date.now
  const sleep = deps.sleep ?? defaultSleep
  const base = new URL(`${opts.url.replace(/\/+$/, '')}/api/v4/`)
  // Once RateLimit-Remaining reached 0, no call goes out before RateLimit-Reset: every caller shares the budget.
  let pausedUntil = 0

  function authHeaders(): Record<string, string> {
    if (opts.token === undefined) return {}
    return opts.tokenHeader === 'bearer' ? { authorization: `Bearer ${opts.token}` } : { 'private-token': opts.token }
  }

  function noteRateLimit(res: Response): number | undefined {
    const remaining = res.headers.get('ratelimit-remaining')
    const reset = res.headers.get('ratelimit-reset')
    const resetAt = reset !== null && /^\d+$/.test(reset.trim()) ? Number(reset.trim()) * 1000 : undefined
    if (remaining !== null && remaining.trim() === '0' && resetAt !== undefined) pausedUntil = Math.max(pausedUntil, resetAt)
    return resetAt
  }

  /** One request with redirects followed by hand, so that the token never goes to another origin. */
  async function send(url: URL, signal: AbortSignal | undefined, accept: string): Promise<Response> {
    let target = url
    for (let hop = 0; ; hop++) {
      const sameOrigin = target.origin === base.origin
      const timeout = AbortSignal.timeout(opts.timeoutMs)
      const res = await doFetch(target, {
        headers: { accept, 'user-agent': 'leakwatch', ...(sameOrigin ? authHeaders() : {}) },
        redirect: 'manual',
        signal: signal === undefined ? timeout : AbortSignal.any([signal, timeout])
      })
      const location = res.headers.get('location')
      if (res.status >= 300 && res.status < 400 && location !== null && hop < MAX_REDIRECTS) {
        await res.body?.cancel()
        target = new URL(location, target)
        continue
      }
      return res
    }
  }

  /**
   * GET `path` until GitLab answers something final. `notReady` says whether a 200 or 404 means "not yet" (a log
   * right after its job). Returns the response with its body unread; throws LW_ERR_CI_FETCH_REJECTED for an answer
   * that will not change, LW_ERR_CI_FETCH_FAILED when the deadline passed.
   */
  async function get(
    path: string,
    what: string,
    signal: AbortSignal | undefined,
    options: { accept?: string; notFoundIsNotReady?: boolean; notReady?: (res: Response) => Promise<Response | undefined> } = {}
  ): Promise<Response> {
    const url = new URL(path, base)
    const deadline = now() + opts.readyTimeoutMs
    for (let failures = 1; ; failures++) {
      const pause = pausedUntil - now()
      if (pause > 0) await sleep(pause, signal)
      let res: Response | undefined
      let reason: RetryReason
      let askedMs: number | undefined
      try {
        res = await send(url, signal, options.accept ?? 'application/json')
      } catch (err) {
        if (signal?.aborted === true) throw new LeakwatchError('LW_ERR_SHUTDOWN', `${what}: abandoned`, { cause: err })
        res = undefined
      }
      if (res === undefined) {
        reason = 'network'
      } else {
        const resetAt = noteRateLimit(res)
        if (res.ok) {
          const ready = options.notReady === undefined ? res : await options.notReady(res)
          if (ready !== undefined) return ready
          reason = 'not-ready'
        } else {
          await res.body?.cancel()
          if (res.status === 404 && options.notFoundIsNotReady === true) reason = 'not-ready'
          else if (res.status === 429 || res.status === 408 || res.status >= 500) {
            reason = res.status === 429 ? 'rate-limit' : 'server'
            askedMs = parseRetryAfter(res.headers.get('retry-after'), now()) ?? (resetAt === undefined ? undefined : Math.max(0, resetAt - now()))
          } else {
            throw new LeakwatchError('LW_ERR_CI_FETCH_REJECTED', `${what}: GitLab answered HTTP ${res.status}`, { details: { status: res.status } })
          }
        }
      }
      // What GitLab asks is honoured as asked: a wait past the deadline ends the tries (retriable, the job comes back later).
      const delayMs = askedMs ?? backoffMs(failures, { baseMs: opts.retryBaseMs, maxMs: opts.retryMaxMs, jitter: 'over' })
      if (now() + delayMs > deadline) {
        const status = res === undefined ? 'no answer' : `HTTP ${res.status}`
        if (reason === 'not-ready')
          throw new LeakwatchError('LW_ERR_CI_FETCH_REJECTED', `${what}: not available after ${opts.readyTimeoutMs} ms (${status})`, {
            details: { status: res?.status }
          })
        throw new LeakwatchError('LW_ERR_CI_FETCH_FAILED', `${what}: gave up after ${failures} tries (${status}, ${reason})`, {
          details: { retryAfterMs: delayMs }
        })
      }
      deps.onRetry?.(reason, delayMs)
      await sleep(delayMs, signal)
    }
  }

  async function json<T>(path: string, what: string, signal?: AbortSignal): Promise<{ body: T; res: Response }> {
    const res = await get(path, what, signal)
    try {
      return { body: (await res.json()) as T, res }
    } catch (err) {
      throw new LeakwatchError('LW_ERR_CI_FETCH_FAILED', `${what}: the answer is not JSON`, { cause: err })
    }
  }

  return {
    base,

    async project(id: string | number, signal?: AbortSignal): Promise<GitlabProject> {
      return (await json<GitlabProject>(`projects/${projectRef(id)}`, `project ${id}`, signal)).body
    },

    /**
     * A job's log as raw bytes, once GitLab serves it: a 404 or an empty 200 right after the job finished means
     * the runner's last chunks are still being archived, and is asked again until `readyTimeoutMs`.
     */
    async trace(project: string | number, jobId: string | number, signal?: AbortSignal): Promise<AsyncIterable<Uint8Array>> {
      const res = await get(`projects/${projectRef(project)}/jobs/${encodeURIComponent(String(jobId))}/trace`, `log of job ${jobId}`, signal, {
        accept: 'text/plain',
        notFoundIsNotReady: true,
        notReady: async (r) => {
          // Chunked answers carry no length: an empty log shows as a body that ends before its first byte.
          const reader = r.body?.getReader()
          const first = await reader?.read()
          if (reader === undefined || first === undefined || first.done) {
            await reader?.cancel()
            return undefined
          }
          return new Response(rejoined(first.value, reader), { status: r.status, headers: r.headers })
        }
      })
      const body = res.body
      if (body === null) return (async function* () {})()
      return peeled(body)
    },

    /** Finished jobs of a project, newest first, that finished at or after `since`; pages until a page is all older. */
    async *jobs(project: string | number, since: Date, signal?: AbortSignal): AsyncGenerator<GitlabJob> {
      let page = '1'
      for (;;) {
        const { body, res } = await json<GitlabJob[]>(
          `projects/${projectRef(project)}/jobs?scope[]=success&scope[]=failed&scope[]=canceled&per_page=100&page=${encodeURIComponent(page)}`,
          `jobs of project ${project}`,
          signal
        )
        if (!Array.isArray(body)) throw new LeakwatchError('LW_ERR_CI_FETCH_FAILED', `jobs of project ${project}: the answer is not a list`)
        let anyRecent = false
        for (const job of body) {
          const finished = job.finished_at == null ? Number.NaN : Date.parse(job.finished_at)
          if (Number.isNaN(finished) || finished < since.getTime()) continue
          anyRecent = true
          yield job
        }
        const next = res.headers.get('x-next-page')
        if (!anyRecent || next === null || !/^\d+$/.test(next.trim())) return
        page = next.trim()
      }
    },

    /** A file of the repository at `ref`, or undefined when it does not exist. */
    async file(project: string | number, path: string, ref: string, signal?: AbortSignal): Promise<string | undefined> {
      try {
        const res = await get(
          `projects/${projectRef(project)}/repository/files/${encodeURIComponent(path)}/raw?ref=${encodeURIComponent(ref)}`,
          `file ${path}`,
          signal,
          { accept: 'text/plain' }
        )
        return await res.text()
      } catch (err) {
        if (err instanceof LeakwatchError && err.code === 'LW_ERR_CI_FETCH_REJECTED' && err.details?.status === 404) return undefined
        throw err
      }
    }
  }
}

export type GitlabApi = ReturnType<typeof createGitlabApi>

/** The body as an async iterable of bytes (a ReadableStream is one, but typed per runtime). */
async function* peeled(body: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = body.getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return
      if (value.byteLength > 0) yield value
    }
  } finally {
    reader.releaseLock()
    await body.cancel().catch(() => {})
  }
}

/** A stream of `first` then the rest of `reader`. */
function rejoined(first: Uint8Array, reader: ReadableStreamDefaultReader<Uint8Array>): ReadableStream<Uint8Array> {
  let sentFirst = false
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!sentFirst) {
        sentFirst = true
        controller.enqueue(first)
        return
      }
      const { done, value } = await reader.read()
      if (done) controller.close()
      else controller.enqueue(value)
    },
    async cancel(reason) {
      await reader.cancel(reason)
    }
  })
}
