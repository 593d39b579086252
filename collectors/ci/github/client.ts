// The GitHub Actions side of the CI provider contract (../provider.ts): the
// REST calls behind backfill (workflow runs → their jobs) and the job log
// download, on github.com or a GitHub Enterprise Server (`apiUrl`).
//
// GitHub's rules that shape this file:
// - `GET /repos/{o}/{r}/actions/jobs/{id}/logs` answers 302 to a short-lived
//   URL on another host (blob storage). The redirect is followed by hand: the
//   Authorization header goes to the API origin only, never to that host.
// - Right after `completed` the log may not be assembled yet: 404 is retried
//   for `notReadyMaxMs`.
// - Primary rate limit: 403/429 with `x-ratelimit-remaining: 0` waits until
//   `x-ratelimit-reset`; secondary limits (403/429 with Retry-After, or none)
//   wait Retry-After, else at least `secondaryWaitMs` (GitHub asks for a
//   minute). A wait longer than `maxWaitMs` fails the call as retriable, with
//   the wait in `details.retryAfterMs`, instead of holding a worker for an hour.
// - A response that says the budget is spent (`x-ratelimit-remaining: 0`)
//   makes the next call wait for the reset before it is sent.

import { setTimeout as sleep } from 'node:timers/promises'
import RE2 from 're2'
import { type Backoff, backoffMs, parseRetryAfter } from '../../../pipeline/backoff.ts'
import { LeakwatchError } from '../../../pipeline/errors.ts'
import type { CiJobMeta, CiProvider } from '../provider.ts'
import type { GithubAuth } from './auth.ts'
import type { GithubStep, StepIndex } from './steps.ts'
import { createStepIndex } from './steps.ts'

export interface GithubClientOptions {
  apiUrl: string
  /** The web UI's origin for job links; derived from apiUrl when unset (api.github.com → github.com, GHES /api/v3 → the host). */
  webUrl?: string
  auth: GithubAuth
  fetch?: typeof fetch
  now?: () => number
  /** Abortable wait (tests hand in a fast one). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
  backoff: Backoff
  attempts: number
  notReadyMaxMs: number
  secondaryWaitMs: number
  maxWaitMs: number
  timeoutMs: number
  userAgent: string
  onRetry?: (reason: 'not-ready' | 'rate-limit' | 'server' | 'network', waitMs: number) => void
}

/** The REST job object, as far as leakwatch reads it (components/schemas/job of GitHub's OpenAPI description). */
export interface GithubJob {
  id: number
  run_id: number
  run_attempt?: number
  name: string
  workflow_name?: string | null
  head_branch?: string | null
  head_sha?: string
  html_url?: string | null
  status?: string
  conclusion?: string | null
  completed_at?: string | null
  steps?: GithubStep[]
}

/** The web UI origin of an API URL: api.github.com → github.com; GHES https://host/api/v3 → https://host. */
export function webOrigin(apiUrl: string): string {
  const u = new URL(apiUrl)
  if (u.hostname === 'api.github.com') return 'https://github.com'
  if (u.hostname.startsWith('api.') && u.pathname.replace(/\/+$/, '') === '') return `${u.protocol}//${u.host.slice(4)}`
  return `${u.protocol}//${u.host}`
}

/** CiJobMeta of a REST job (or a webhook's `workflow_job`, the same shape). */
const indexes = new WeakMap<CiJobMeta, StepIndex>()

/** The step index behind a job's lineUrl (fed by observeLines). */
export function stepIndexOf(job: CiJobMeta): StepIndex | undefined {
  return indexes.get(job)
}

export function githubJobMeta(
  repository: string,
  job: GithubJob,
  extra: { actor?: string; workflow?: string; web: string; steps?: readonly GithubStep[] }
): CiJobMeta {
  const stepIndex = createStepIndex(extra.steps ?? job.steps ?? [])
  const url = job.html_url ?? `${extra.web}/${repository}/actions/runs/${job.run_id}/job/${job.id}`
  const meta: CiJobMeta = {
    provider: 'github',
    repository,
    workflow: job.workflow_name ?? extra.workflow ?? '',
    job: job.name,
    jobId: String(job.id),
    runId: String(job.run_id),
    runAttempt: job.run_attempt ?? 1,
    url,
    // The raw job log numbers lines across the job; the job page opens at a step's line (`#step:<n>:<line>`),
    // known once the step boundaries were seen (steps.ts, through observeLines).
    lineUrl: (line) => stepIndex.lineUrl(url, line)
  }
  indexes.set(meta, stepIndex)
  if (job.head_branch != null) meta.branch = job.head_branch
  if (job.head_sha !== undefined) meta.commit = job.head_sha
  if (extra.actor !== undefined) meta.actor = extra.actor
  if (job.completed_at != null) meta.completedAt = job.completed_at
  if (job.conclusion != null) meta.conclusion = job.conclusion
  return meta
}

// RE2: a Link header is the server's text.
const NEXT_LINK = new RE2('^\\s*<([^>]{1,1000})>\\s*;\\s*rel="next"')

interface Call {
  path?: string
  url?: string
  repository: string
  installationId?: number | undefined
  /** 404 means "not yet", retried for notReadyMaxMs. */
  notReadyIs404?: boolean
  signal?: AbortSignal | undefined
}

export interface GithubClient extends CiProvider {
  /** A job by id (webhook `workflow_run` deliveries list their jobs through this client too). */
  runJobs: (repository: string, runId: string, attempt: number, installationId?: number, signal?: AbortSignal) => Promise<CiJobMeta[]>
  fetchLogFor: (job: CiJobMeta, installationId?: number, signal?: AbortSignal) => Promise<AsyncIterable<Uint8Array>>
}

export function createGithubClient(opts: GithubClientOptions): GithubClient {
  const doFetch = opts.fetch ?? fetch
  const now = opts.now ?? Date.now
  const wait = opts.sleep ?? ((ms: number, signal?: AbortSignal) => sleep(ms, undefined, signal === undefined ? {} : { signal }))
  const api = opts.apiUrl.replace(/\/+$/, '')
  const apiOrigin = new URL(api).origin
  const web = (opts.webUrl ?? webOrigin(api)).replace(/\/+$/, '')
  // When the budget is spent, no call goes out before this time.
  let blockedUntil = 0

  function failed(message: string, retryAfterMs?: number, cause?: unknown): LeakwatchError {
    return new LeakwatchError('LW_ERR_CI_FETCH_FAILED', message, {
      ...(cause === undefined ? {} : { cause }),
      ...(retryAfterMs === undefined ? {} : { details: { retryAfterMs } })
    })
  }

  /** How long to wait after a rate-limited answer, or undefined when the answer is not a rate limit. */
  function rateLimitWait(res: Response): number | undefined {
    if (res.status !== 403 && res.status !== 429) return undefined
    const retryAfter = parseRetryAfter(res.headers.get('retry-after'), now())
    if (retryAfter !== undefined) return retryAfter
    if (res.headers.get('x-ratelimit-remaining') === '0') {
      const reset = Number(res.headers.get('x-ratelimit-reset'))
      if (Number.isFinite(reset) && reset > 0) return Math.max(0, reset * 1000 - now()) + 1000
    }
    // 429 without a header, or a 403 that says it is a secondary limit (checked by the caller): GitHub's minute.
    return res.status === 429 ? opts.secondaryWaitMs : undefined
  }

  function noteBudget(res: Response): void {
    if (res.headers.get('x-ratelimit-remaining') !== '0') return
    const reset = Number(res.headers.get('x-ratelimit-reset'))
    if (Number.isFinite(reset) && reset > 0) blockedUntil = Math.max(blockedUntil, reset * 1000 + 1000)
  }

  async function pause(ms: number, reason: 'not-ready' | 'rate-limit' | 'server' | 'network', signal?: AbortSignal): Promise<void> {
    if (ms > opts.maxWaitMs) throw failed(`GitHub asks to wait ${Math.ceil(ms / 1000)} s (${reason}); the job is retried later`, ms)
    opts.onRetry?.(reason, ms)
    try {
      await wait(ms, signal)
    } catch (err) {
      throw new LeakwatchError('LW_ERR_SHUTDOWN', 'GitHub request abandoned: shutting down', { cause: err })
    }
  }

  /** One API call with retries; the response is 2xx (or 3xx when `manual`), its body unread. */
  async function request(c: Call, manual = false): Promise<Response> {
    const target = c.url ?? `${api}${c.path ?? ''}`
    const label = c.path ?? new URL(target).pathname
    let failures = 0
    let notReadySince: number | undefined
    for (;;) {
      if (blockedUntil > now()) await pause(blockedUntil - now(), 'rate-limit', c.signal)
      const authorization = await opts.auth.header(c.repository, c.installationId, c.signal)
      let res: Response
      try {
        res = await doFetch(target, {
          headers: {
            authorization,
            accept: 'application/vnd.github+json',
            'x-github-api-version': '2022-11-28',
            'user-agent': opts.userAgent
          },
          redirect: 'manual',
          signal: c.signal === undefined ? AbortSignal.timeout(opts.timeoutMs) : AbortSignal.any([c.signal, AbortSignal.timeout(opts.timeoutMs)])
        })
      } catch (err) {
        if (c.signal?.aborted === true) throw new LeakwatchError('LW_ERR_SHUTDOWN', 'GitHub request abandoned: shutting down', { cause: err })
        failures++
        if (failures >= opts.attempts) throw failed(`GitHub ${label} unreachable or timed out after ${failures} attempts`, undefined, err)
        await pause(backoffMs(failures, opts.backoff), 'network', c.signal)
        continue
      }
      noteBudget(res)
      if (res.ok || (manual && res.status >= 300 && res.status < 400)) return res
      const status = res.status
      const text = status === 403 ? await res.text().catch(() => '') : ''
      if (status !== 403) await res.body?.cancel()
      if (status === 401 && authorization !== undefined && opts.auth.kind === 'app' && failures === 0) {
        // An installation token revoked or expired early: mint a new one once.
        opts.auth.invalidate(authorization)
        failures++
        continue
      }
      let limited = rateLimitWait(res)
      const said = text.slice(0, 2000).toLowerCase()
      if (limited === undefined && status === 403 && (said.includes('secondary rate limit') || said.includes('abuse'))) limited = opts.secondaryWaitMs
      if (limited !== undefined) {
        failures++
        if (failures >= opts.attempts) throw failed(`GitHub ${label} still rate limited after ${failures} attempts`, limited)
        await pause(limited, 'rate-limit', c.signal)
        continue
      }
      if (status === 404 && c.notReadyIs404 === true) {
        notReadySince ??= now()
        failures++
        if (now() - notReadySince >= opts.notReadyMaxMs) throw failed(`GitHub ${label}: the log is still not available (404) after ${opts.notReadyMaxMs} ms`)
        await pause(Math.min(backoffMs(failures, opts.backoff), opts.notReadyMaxMs), 'not-ready', c.signal)
        continue
      }
      if (status >= 500 || status === 408) {
        failures++
        if (failures >= opts.attempts) throw failed(`GitHub ${label} answered HTTP ${status} ${failures} times`)
        await pause(backoffMs(failures, opts.backoff), 'server', c.signal)
        continue
      }
      throw new LeakwatchError(
        'LW_ERR_CI_FETCH_REJECTED',
        `GitHub ${label} answered HTTP ${status}${status === 403 || status === 401 ? ' (the token or App needs actions:read on the repository)' : ''}`
      )
    }
  }

  async function json<T>(c: Call): Promise<{ body: T; next: string | undefined }> {
    const res = await request(c)
    const body = (await res.json()) as T
    return { body, next: nextLink(res.headers.get('link')) }
  }

  /** The `rel="next"` page, only on the API's own origin: a Link header does not get to send our token elsewhere. */
  function nextLink(link: string | null): string | undefined {
    if (link === null) return undefined
    for (const part of link.split(',')) {
      const m = NEXT_LINK.exec(part)
      if (m?.[1] !== undefined) {
        try {
          const u = new URL(m[1])
          return u.origin === apiOrigin ? u.href : undefined
        } catch {
          return undefined
        }
      }
    }
    return undefined
  }

  async function runJobs(repository: string, runId: string, attempt: number, installationId?: number, signal?: AbortSignal): Promise<CiJobMeta[]> {
    const out: CiJobMeta[] = []
    let url: string | undefined = `${api}/repos/${repository}/actions/runs/${runId}/attempts/${attempt}/jobs?per_page=100`
    while (url !== undefined) {
      const page: { body: { jobs?: GithubJob[] }; next: string | undefined } = await json({ url, repository, installationId, signal })
      for (const j of page.body.jobs ?? []) out.push(githubJobMeta(repository, j, { web }))
      url = page.next
    }
    return out
  }

  async function fetchLogFor(job: CiJobMeta, installationId?: number, signal?: AbortSignal): Promise<AsyncIterable<Uint8Array>> {
    const path = `/repos/${job.repository}/actions/jobs/${job.jobId}/logs`
    let res = await request({ path, repository: job.repository, installationId, notReadyIs404: true, signal }, true)
    for (let hops = 0; res.status >= 300 && res.status < 400; hops++) {
      const location = res.headers.get('location')
      await res.body?.cancel()
      if (location === null || hops >= 3) throw new LeakwatchError('LW_ERR_CI_FETCH_REJECTED', `GitHub ${path}: a redirect without a usable Location`)
      const to = new URL(location, `${api}${path}`)
      if (to.origin === apiOrigin) {
        res = await request({ url: to.href, repository: job.repository, installationId, signal }, true)
        continue
      }
      // The log's own host: signed URL, no Authorization. Expired links (403) are fetched again from the API.
      res = await fetchUnauthenticated(to, signal)
    }
    if (res.body === null) throw new LeakwatchError('LW_ERR_CI_FETCH_REJECTED', `GitHub ${path}: no log body`)
    return coded(res.body, path)
  }

  /** The body, with a connection lost mid-way turned into a retriable coded error (the job resumes at its acknowledged line). */
  async function* coded(body: AsyncIterable<Uint8Array>, path: string): AsyncGenerator<Uint8Array> {
    try {
      yield* body
    } catch (err) {
      throw new LeakwatchError('LW_ERR_CI_FETCH_FAILED', `GitHub ${path}: the log download broke off`, { cause: err })
    }
  }

  async function fetchUnauthenticated(to: URL, signal?: AbortSignal): Promise<Response> {
    let failures = 0
    for (;;) {
      let res: Response
      try {
        res = await doFetch(to.href, {
          headers: { 'user-agent': opts.userAgent },
          redirect: 'manual',
          signal: signal === undefined ? AbortSignal.timeout(opts.timeoutMs) : AbortSignal.any([signal, AbortSignal.timeout(opts.timeoutMs)])
        })
      } catch (err) {
        if (signal?.aborted === true) throw new LeakwatchError('LW_ERR_SHUTDOWN', 'GitHub log download abandoned: shutting down', { cause: err })
        failures++
        if (failures >= opts.attempts) throw failed(`GitHub log host ${to.host} unreachable after ${failures} attempts`, undefined, err)
        await pause(backoffMs(failures, opts.backoff), 'network', signal)
        continue
      }
      if (res.ok) return res
      await res.body?.cancel()
      if (res.status >= 500 || res.status === 429) {
        failures++
        if (failures >= opts.attempts) throw failed(`GitHub log host ${to.host} answered HTTP ${res.status} ${failures} times`)
        await pause(parseRetryAfter(res.headers.get('retry-after'), now()) ?? backoffMs(failures, opts.backoff), 'server', signal)
        continue
      }
      // An expired signed URL: retriable, the next try asks the API for a fresh one.
      throw failed(`GitHub log host ${to.host} answered HTTP ${res.status}`)
    }
  }

  return {
    name: 'github',
    logFormat: 'github',
    observeLines: (job) => {
      const ix = indexes.get(job)
      return ix === undefined ? undefined : (l) => ix.see(l)
    },
    runJobs,
    fetchLogFor,
    fetchLog: (job, signal) => fetchLogFor(job, undefined, signal),
    async *listJobs(repository, since, signal) {
      const created = encodeURIComponent(`>=${since.toISOString().replace(/\.\d{3}Z$/, 'Z')}`)
      let url: string | undefined = `${api}/repos/${repository}/actions/runs?status=completed&per_page=100&created=${created}`
      while (url !== undefined) {
        const page: {
          body: {
            workflow_runs?: Array<{
              id: number
              run_attempt?: number
              name?: string | null
              actor?: { login?: string } | null
              triggering_actor?: { login?: string } | null
            }>
          }
          next: string | undefined
        } = await json({ url, repository, signal })
        for (const run of page.body.workflow_runs ?? []) {
          // Every attempt of a re-run job has its own log: all of them are listed.
          for (let attempt = run.run_attempt ?? 1; attempt >= 1; attempt--) {
            for (const job of await runJobs(repository, String(run.id), attempt, undefined, signal)) {
              const actor = run.triggering_actor?.login ?? run.actor?.login
              if (actor !== undefined) job.actor = actor
              if (job.workflow === '' && run.name != null) job.workflow = run.name
              if (job.completedAt !== undefined && Date.parse(job.completedAt) < since.getTime()) continue
              if (job.completedAt === undefined) continue
              yield job
            }
          }
        }
        url = page.next
      }
    }
  }
}
