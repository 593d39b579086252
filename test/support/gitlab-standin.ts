// A local stand-in for the parts of GitLab's REST API (v4) the CI collector
// calls, and the job events GitLab posts. Real HTTP on 127.0.0.1, CHECKING what
// arrives: the token in `PRIVATE-TOKEN` or `Authorization: Bearer` (401 like
// GitLab otherwise), and serving what GitLab serves: a job's trace as the
// runner writes it (timestamps, `section_start`/`section_end` markers, ANSI
// colours, CRLF from scripts), 404 and then an empty 200 while the trace is
// being archived right after the job, 429 with Retry-After and the
// RateLimit-* headers, offset pagination (`x-next-page`).
//
// Job events follow GitLab's documented payload ("Webhook events → Job
// events", test/fixtures/gitlab/job-event.json); gitlab.test.ts checks that
// every documented field is present with the same JSON type.

import type { IncomingMessage, ServerResponse } from 'node:http'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface StandinJob {
  projectId: number
  projectPath: string
  id: number
  name: string
  stage?: string
  status: 'success' | 'failed' | 'canceled' | 'running' | 'created' | 'pending'
  ref: string
  sha: string
  pipelineId: number
  username: string
  finishedAt: string
  /** The raw trace, as the runner wrote it. */
  trace: Buffer
  /** Answers 404 to this many trace requests first (trace being archived). */
  notFoundFirst?: number
  /** Then an empty 200 to this many. */
  emptyFirst?: number
  /** Answers 429 (Retry-After: 1) to this many trace requests first. */
  rateLimitedFirst?: number
}

export interface ApiRequest {
  path: string
  auth: 'private-token' | 'bearer' | 'none' | 'wrong'
  status: number
}

export interface GitlabStandin {
  url: string
  jobs: Map<string, StandinJob>
  files: Map<string, string>
  requests: ApiRequest[]
  /** RateLimit-Remaining on every answer (0 makes the client wait for RateLimit-Reset). */
  rateRemaining: number
  addJob: (job: StandinJob) => void
  close: () => Promise<void>
}

const key = (project: string | number, job: string | number): string => `${project}/${job}`

export async function startGitlabStandin(opts: { token: string; tokenHeader?: 'private-token' | 'bearer'; pageSize?: number }): Promise<GitlabStandin> {
  const jobs = new Map<string, StandinJob>()
  const files = new Map<string, string>()
  const requests: ApiRequest[] = []
  const served = new Map<string, number>()
  const pageSize = opts.pageSize ?? 100
  const state: GitlabStandin = {
    url: '',
    jobs,
    files,
    requests,
    rateRemaining: 1000,
    addJob(job) {
      jobs.set(key(job.projectId, job.id), job)
      jobs.set(key(encodeURIComponent(job.projectPath), job.id), job)
    },
    close: async () => {}
  }

  function authOf(req: IncomingMessage): ApiRequest['auth'] {
    const pt = req.headers['private-token']
    const az = req.headers.authorization
    if (pt === undefined && az === undefined) return 'none'
    const want = opts.tokenHeader ?? 'private-token'
    if (want === 'private-token' && pt === opts.token && az === undefined) return 'private-token'
    if (want === 'bearer' && az === `Bearer ${opts.token}` && pt === undefined) return 'bearer'
    return 'wrong'
  }

  function send(res: ServerResponse, status: number, body: string | Buffer, headers: Record<string, string> = {}): void {
    res.writeHead(status, {
      'ratelimit-limit': '2000',
      'ratelimit-remaining': String(state.rateRemaining),
      'ratelimit-reset': String(Math.ceil(Date.now() / 1000) + 1),
      ...headers
    })
    res.end(body)
  }

  function projectOf(id: string): StandinJob | undefined {
    for (const j of jobs.values()) if (String(j.projectId) === id || encodeURIComponent(j.projectPath) === id) return j
    return undefined
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    // The raw path: a project path stays URL-encoded (`group%2Fproject`), as GitLab requires.
    const path = (req.url ?? '/').split('?')[0] ?? '/'
    const auth = authOf(req)
    const record = (status: number): void => {
      requests.push({ path, auth, status })
    }
    if (auth !== 'private-token' && auth !== 'bearer') {
      record(401)
      return send(res, 401, JSON.stringify({ message: '401 Unauthorized' }), { 'content-type': 'application/json' })
    }
    let m = /^\/api\/v4\/projects\/([^/]+)\/jobs\/(\d+)\/trace$/.exec(path)
    if (m !== null) {
      const job = jobs.get(key(m[1] ?? '', m[2] ?? ''))
      if (job === undefined) {
        record(404)
        return send(res, 404, JSON.stringify({ message: '404 Not found' }), { 'content-type': 'application/json' })
      }
      const k = key(job.projectId, job.id)
      const n = served.get(k) ?? 0
      served.set(k, n + 1)
      let left = n
      if (left < (job.rateLimitedFirst ?? 0)) {
        record(429)
        return send(res, 429, 'Retry later\n', { 'retry-after': '1', 'content-type': 'text/plain' })
      }
      left -= job.rateLimitedFirst ?? 0
      if (left < (job.notFoundFirst ?? 0)) {
        record(404)
        return send(res, 404, JSON.stringify({ message: '404 Not found' }), { 'content-type': 'application/json' })
      }
      left -= job.notFoundFirst ?? 0
      if (left < (job.emptyFirst ?? 0)) {
        record(200)
        // Chunked, like GitLab's trace: an empty log is a body that ends at once, not a Content-Length of 0.
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'ratelimit-remaining': String(state.rateRemaining) })
        return res.end()
      }
      record(200)
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'ratelimit-remaining': String(state.rateRemaining) })
      // Written in uneven pieces so a line and a multi-byte character are cut between reads.
      const t = job.trace
      for (let at = 0; at < t.length; at += 7919) res.write(t.subarray(at, at + 7919))
      return res.end()
    }
    m = /^\/api\/v4\/projects\/([^/]+)\/jobs$/.exec(path)
    if (m !== null) {
      const project = m[1] ?? ''
      const scopes = url.searchParams.getAll('scope[]')
      const all = [...new Set(jobs.values())]
        .filter((j) => String(j.projectId) === project || encodeURIComponent(j.projectPath) === project)
        .filter((j) => scopes.length === 0 || scopes.includes(j.status))
        .sort((a, b) => b.id - a.id)
      const page = Number(url.searchParams.get('page') ?? '1')
      const per = Math.min(Number(url.searchParams.get('per_page') ?? '20'), pageSize)
      const slice = all.slice((page - 1) * per, page * per)
      record(200)
      const next = page * per < all.length ? String(page + 1) : ''
      return send(res, 200, JSON.stringify(slice.map(apiJob)), { 'content-type': 'application/json', 'x-next-page': next, 'x-page': String(page) })
    }
    m = /^\/api\/v4\/projects\/([^/]+)\/repository\/files\/([^/]+)\/raw$/.exec(path)
    if (m !== null) {
      const file = files.get(decodeURIComponent(m[2] ?? ''))
      record(file === undefined ? 404 : 200)
      if (file === undefined) return send(res, 404, JSON.stringify({ message: '404 File Not Found' }), { 'content-type': 'application/json' })
      return send(res, 200, file, { 'content-type': 'text/plain' })
    }
    m = /^\/api\/v4\/projects\/([^/]+)$/.exec(path)
    if (m !== null) {
      const j = projectOf(m[1] ?? '')
      record(j === undefined ? 404 : 200)
      if (j === undefined) return send(res, 404, JSON.stringify({ message: '404 Project Not Found' }), { 'content-type': 'application/json' })
      return send(
        res,
        200,
        JSON.stringify({ id: j.projectId, path_with_namespace: j.projectPath, web_url: `${state.url}/${j.projectPath}`, default_branch: 'main' }),
        { 'content-type': 'application/json' }
      )
    }
    record(404)
    send(res, 404, JSON.stringify({ message: '404 Not found' }), { 'content-type': 'application/json' })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  state.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    })

  function apiJob(j: StandinJob): Record<string, unknown> {
    return {
      id: j.id,
      name: j.name,
      stage: j.stage ?? 'test',
      status: j.status,
      ref: j.ref,
      tag: false,
      web_url: `${state.url}/${j.projectPath}/-/jobs/${j.id}`,
      created_at: j.finishedAt,
      started_at: j.finishedAt,
      finished_at: j.finishedAt,
      pipeline: { id: j.pipelineId, sha: j.sha, ref: j.ref, status: j.status },
      commit: { id: j.sha },
      user: { id: 3, username: j.username, name: 'User' }
    }
  }
  return state
}

/** A job event for `job` in the shape of GitLab's documented example (test/fixtures/gitlab/job-event.json). */
export function jobEvent(job: StandinJob, webBase: string): Record<string, unknown> {
  return {
    object_kind: 'build',
    ref: job.ref,
    tag: false,
    before_sha: job.sha,
    sha: job.sha,
    build_id: job.id,
    build_name: job.name,
    build_stage: job.stage ?? 'test',
    build_status: job.status,
    build_created_at: job.finishedAt,
    build_started_at: job.finishedAt,
    build_finished_at: job.finishedAt,
    build_duration: 12.5,
    build_queued_duration: 1.2,
    build_allow_failure: false,
    build_failure_reason: 'unknown_failure',
    retries_count: 0,
    pipeline_id: job.pipelineId,
    project_id: job.projectId,
    project_name: job.projectPath,
    user: { id: 3, name: 'User', username: job.username, email: 'user@example.test', avatar_url: 'https://example.test/avatar.png' },
    commit: {
      id: job.pipelineId,
      name: 'Build pipeline',
      sha: job.sha,
      message: 'test\n',
      author_name: 'User',
      author_email: 'user@example.test',
      status: job.status,
      duration: 12,
      started_at: job.finishedAt,
      finished_at: job.finishedAt
    },
    repository: {
      name: job.projectPath.split('/').pop(),
      description: '',
      homepage: `${webBase}/${job.projectPath}`,
      git_ssh_url: `git@example.test:${job.projectPath}.git`,
      git_http_url: `${webBase}/${job.projectPath}.git`,
      visibility_level: 0
    },
    project: {
      id: job.projectId,
      name: job.projectPath.split('/').pop(),
      description: '',
      web_url: `${webBase}/${job.projectPath}`,
      avatar_url: null,
      git_ssh_url: `git@example.test:${job.projectPath}.git`,
      git_http_url: `${webBase}/${job.projectPath}.git`,
      namespace: job.projectPath.split('/')[0],
      visibility_level: 0,
      path_with_namespace: job.projectPath,
      default_branch: 'main'
    },
    runner: { active: true, runner_type: 'instance_type', is_shared: true, id: 12, description: 'standin-runner', tags: ['linux'] },
    environment: null,
    source_pipeline: { project: { id: 41, web_url: `${webBase}/upstream`, path_with_namespace: 'group/upstream' }, pipeline_id: 30, job_id: 3401 }
  }
}

const TS = '2026-12-06T12:00:00'

/**
 * A trace as a GitLab runner with timestamps (FF_TIMESTAMPS) writes it: every line `<RFC 3339> <stream><O|E>[+] `,
 * the runner's sections with their markers and erase sequences, coloured headings, a script's CRLF output, and a
 * line longer than `splitAt` bytes written as a line and `+` continuations (the runner splits long lines).
 */
export function runnerTrace(scriptLines: readonly string[], opts: { splitAt?: number; crlf?: boolean } = {}): Buffer {
  const out: string[] = []
  let n = 0
  const stamp = (stream: 'O' | 'E', cont = false): string => `${TS}.${String(100000 + n++).slice(1)}Z 00${stream}${cont ? '+' : ''} `
  const push = (text: string, stream: 'O' | 'E' = 'O'): void => {
    const max = opts.splitAt ?? Number.POSITIVE_INFINITY
    if (text.length <= max) {
      out.push(`${stamp(stream)}${text}\n`)
      return
    }
    // The runner ends the first part without a newline of its own line and continues with `+`.
    out.push(`${stamp(stream)}${text.slice(0, max)}\n`)
    for (let at = max; at < text.length; at += max) out.push(`${stamp(stream, true)}${text.slice(at, at + max)}\n`)
  }
  push('\x1b[0KRunning with gitlab-runner 17.5.0 (8f4b1b8b)\x1b[0;m')
  push('\x1b[0K  on standin-runner t3_abc, system ID: s_0123456789ab\x1b[0;m')
  push('section_start:1796558400:prepare_executor\r\x1b[0K\x1b[0K\x1b[36;1mPreparing the "docker" executor\x1b[0;m\x1b[0;m')
  push('\x1b[0KUsing Docker executor with image node:24 ...\x1b[0;m')
  push('section_end:1796558401:prepare_executor\r\x1b[0K')
  push('section_start:1796558401:step_script[collapsed=true]\r\x1b[0K\x1b[0K\x1b[36;1mExecuting "step_script" stage of the job script\x1b[0;m\x1b[0;m')
  push('\x1b[32;1m$ ./ci/test.sh\x1b[0;m')
  for (const l of scriptLines) {
    if (opts.crlf === true) out.push(`${stamp('O')}${l}\r\n`)
    else push(l)
  }
  push('section_end:1796558402:step_script\r\x1b[0K')
  push('\x1b[32;1mJob succeeded\x1b[0;m')
  return Buffer.from(out.join(''), 'utf8')
}
