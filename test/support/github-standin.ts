// A local stand-in for the parts of GitHub the CI collector talks to, on
// loopback: the REST API (job log download, runs and jobs listings, App
// installation tokens) and the log storage host the API redirects to (a
// second server, another host and port: `localhost` versus `127.0.0.1`).
//
// It holds the collector to GitHub's rules and records every breach in
// `violations` (a test asserts it empty): API calls carry a token it issued or
// an App JWT signed by the App's key, with the API version and a user agent;
// the log host never sees an Authorization header; nobody calls before a
// Retry-After or a rate-limit reset it announced has passed (on the clock the
// test hands in). Every JSON answer is checked against GitHub's OpenAPI
// description (test/fixtures/github/openapi-subset.json) and every webhook
// payload it builds against @octokit/webhooks-schemas, into `schemaErrors`.

import { createHmac, generateKeyPairSync, randomUUID, verify } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { check, rootOf } from './json-schema.ts'

type J = Record<string, unknown>

const openapi = JSON.parse(readFileSync(new URL('../fixtures/github/openapi-subset.json', import.meta.url), 'utf8')) as {
  operations: Record<string, { method: string; path: string; responses: Record<string, { content?: { 'application/json'?: { schema: J } } }> }>
  components: { schemas: J; examples: Record<string, { value: J }> }
}
const openapiRoot = rootOf(openapi as unknown as J)
const webhookSchemas = createRequire(import.meta.url)('@octokit/webhooks-schemas') as J
const webhookRoot = rootOf(webhookSchemas)

/** Errors of a REST answer against GitHub's description of that operation and status. */
export function checkRest(operationId: string, status: number, body: unknown): string[] {
  const op = openapi.operations[operationId]
  if (op === undefined) return [`unknown operation ${operationId}`]
  const schema = op.responses[String(status)]?.content?.['application/json']?.schema
  if (schema === undefined) return body === undefined ? [] : [`${operationId} ${status}: GitHub describes no JSON body`]
  return check(openapiRoot, schema, body).map((e) => `${operationId} ${status}: ${e}`)
}

/** Errors of a webhook payload against @octokit/webhooks-schemas (`workflow_job$completed`, …). */
export function checkWebhook(definition: string, payload: unknown): string[] {
  return check(webhookRoot, { $ref: `#/definitions/${definition}` }, payload).map((e) => `${definition}: ${e}`)
}

export function example(name: string): J {
  const e = openapi.components.examples[name]
  if (e === undefined) throw new Error(`no example ${name}`)
  return structuredClone(e.value)
}

export interface StandinStep {
  name: string
  number: number
  started_at: string
  completed_at: string
  conclusion: 'success' | 'failure' | 'skipped' | 'cancelled'
}

export interface StandinJob {
  repo: string
  id: number
  runId: number
  attempt: number
  name: string
  workflow: string
  branch: string
  sha: string
  actor: string
  startedAt: string
  completedAt: string
  conclusion: 'success' | 'failure' | 'cancelled'
  steps: StandinStep[]
  /** The raw log, or a generator of it (the same bytes every call) for big logs. */
  log: Buffer | (() => AsyncIterable<Buffer>)
  /** How many log requests answer 404 before the log is there. */
  notReadyFor: number
}

export interface Standin {
  apiUrl: string
  logOrigin: string
  token: string
  app: { id: string; privateKeyPem: string; installationId: number }
  jobs: Map<number, StandinJob>
  /** Requests seen: method, path (API) or `log:` + path (log host). */
  requests: string[]
  violations: string[]
  schemaErrors: string[]
  /** The next n API requests answer a secondary rate limit (403, Retry-After: retryAfterS). */
  secondaryLimit: (n: number, retryAfterS?: number) => void
  /** The next answer says the budget is spent until now + resetInS; calls before then are breaches (answered 403). */
  exhaustPrimary: (resetInS: number) => void
  /** Bytes of log served so far, per job. */
  served: Map<number, number>
  /** Stops serving a job's log after this many bytes (the connection is cut), once. */
  cutAfter: Map<number, number>
  addJob: (j: Partial<StandinJob> & Pick<StandinJob, 'id' | 'log'>) => StandinJob
  workflowJobPayload: (job: StandinJob, action?: 'completed' | 'in_progress') => J
  workflowRunPayload: (job: StandinJob) => J
  close: () => Promise<void>
}

async function listen(server: Server, host: string): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, host, resolve))
  return (server.address() as AddressInfo).port
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(body === undefined ? undefined : JSON.stringify(body))
}

export interface StandinOptions {
  /** The clock Retry-After and rate-limit resets are enforced on (the collector's fake clock in tests). */
  now?: () => number
  owner?: string
}

export async function startGithubStandin(opts: StandinOptions = {}): Promise<Standin> {
  const now = opts.now ?? Date.now
  const token = `ghs_standin${randomUUID().replaceAll('-', '')}`
  const installationTokens = new Map<string, number>()
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const app = { id: '123456', privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), installationId: 4242 }
  const signingKey = randomUUID()
  const requests: string[] = []
  const violations: string[] = []
  const schemaErrors: string[] = []
  const jobs = new Map<number, StandinJob>()
  const notReadyLeft = new Map<number, number>()
  const served = new Map<number, number>()
  const cutAfter = new Map<number, number>()
  let secondaryLeft = 0
  let secondaryRetryS = 1
  let notBefore = 0
  let exhaustInS: number | undefined
  let resetAt = 0

  function respond(res: ServerResponse, op: string, status: number, body: unknown, headers: Record<string, string> = {}): void {
    schemaErrors.push(...checkRest(op, status, body))
    send(res, status, body, headers)
  }

  function verifyJwt(jwt: string): boolean {
    const [h, p, sig] = jwt.split('.')
    if (h === undefined || p === undefined || sig === undefined) return false
    const head = JSON.parse(Buffer.from(h, 'base64url').toString()) as { alg?: string }
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as { iss?: unknown; iat?: number; exp?: number }
    if (head.alg !== 'RS256') return false
    if (!verify('RSA-SHA256', Buffer.from(`${h}.${p}`), publicKey, Buffer.from(sig, 'base64url'))) return false
    const t = Math.floor(now() / 1000)
    if (String(claims.iss) !== app.id || claims.iat === undefined || claims.exp === undefined) return false
    // GitHub: iat not in the future (60 s of drift allowed), exp at most 10 minutes after iat, not passed.
    return claims.iat <= t + 60 && claims.exp > t && claims.exp - claims.iat <= 600
  }

  function logUrl(jobId: number): string {
    const expires = new Date(now() + 60_000).toISOString()
    const sig = createHmac('sha256', signingKey).update(`${jobId}:${expires}`).digest('base64url')
    return `${logOrigin}/_apis/pipelines/1/jobs/${jobId}/signedlogcontent?urlExpires=${encodeURIComponent(expires)}&urlSigningMethod=HMACV1&urlSignature=${sig}`
  }

  function jobJson(j: StandinJob): J {
    const base = example('job-paginated') as { jobs: J[] }
    const e = base.jobs[0] as J
    return {
      ...e,
      id: j.id,
      run_id: j.runId,
      run_attempt: j.attempt,
      run_url: `${apiUrl}/repos/${j.repo}/actions/runs/${j.runId}`,
      node_id: `CR_${Buffer.from(String(j.id)).toString('base64')}`,
      head_sha: j.sha,
      url: `${apiUrl}/repos/${j.repo}/actions/jobs/${j.id}`,
      html_url: `https://github.com/${j.repo}/actions/runs/${j.runId}/job/${j.id}`,
      status: 'completed',
      conclusion: j.conclusion,
      created_at: j.startedAt,
      started_at: j.startedAt,
      completed_at: j.completedAt,
      name: j.name,
      steps: j.steps.map((s) => ({ ...s, status: 'completed' })),
      check_run_url: `${apiUrl}/repos/${j.repo}/check-runs/${j.id}`,
      workflow_name: j.workflow,
      head_branch: j.branch
    }
  }

  /** A job's run as the REST API lists it: the published example with the job's own values. */
  function workflowRun(j: StandinJob): J {
    const e = (example('workflow-run-paginated') as { workflow_runs: J[] }).workflow_runs[0] as J
    return {
      ...e,
      id: j.runId,
      name: j.workflow,
      run_attempt: j.attempt,
      head_branch: j.branch,
      head_sha: j.sha,
      status: 'completed',
      conclusion: j.conclusion,
      created_at: j.startedAt,
      updated_at: j.completedAt,
      actor: user(j.actor),
      triggering_actor: user(j.actor)
    }
  }

  function user(login: string): J {
    return {
      login,
      id: 583231,
      node_id: 'MDQ6VXNlcjU4MzIzMQ==',
      avatar_url: 'https://avatars.githubusercontent.com/u/583231?v=4',
      gravatar_id: '',
      url: `https://api.github.com/users/${login}`,
      html_url: `https://github.com/${login}`,
      followers_url: `https://api.github.com/users/${login}/followers`,
      following_url: `https://api.github.com/users/${login}/following{/other_user}`,
      gists_url: `https://api.github.com/users/${login}/gists{/gist_id}`,
      starred_url: `https://api.github.com/users/${login}/starred{/owner}{/repo}`,
      subscriptions_url: `https://api.github.com/users/${login}/subscriptions`,
      organizations_url: `https://api.github.com/users/${login}/orgs`,
      repos_url: `https://api.github.com/users/${login}/repos`,
      events_url: `https://api.github.com/users/${login}/events{/privacy}`,
      received_events_url: `https://api.github.com/users/${login}/received_events`,
      type: 'User',
      site_admin: false
    }
  }

  function webhookRepository(full: string): J {
    const [owner = 'octo-org', name = 'repo'] = full.split('/')
    const api = `https://api.github.com/repos/${full}`
    const urls: J = {}
    for (const k of [
      'forks',
      'teams',
      'hooks',
      'events',
      'tags',
      'languages',
      'stargazers',
      'contributors',
      'subscribers',
      'subscription',
      'merges',
      'downloads',
      'deployments'
    ])
      urls[`${k}_url`] = `${api}/${k}`
    for (const [k, t] of Object.entries({
      keys: 'keys{/key_id}',
      collaborators: 'collaborators{/collaborator}',
      issue_events: 'issues/events{/number}',
      assignees: 'assignees{/user}',
      branches: 'branches{/branch}',
      blobs: 'git/blobs{/sha}',
      git_tags: 'git/tags{/sha}',
      git_refs: 'git/refs{/sha}',
      trees: 'git/trees{/sha}',
      statuses: 'statuses/{sha}',
      commits: 'commits{/sha}',
      git_commits: 'git/commits{/sha}',
      comments: 'comments{/number}',
      issue_comment: 'issues/comments{/number}',
      contents: 'contents/{+path}',
      compare: 'compare/{base}...{head}',
      archive: '{archive_format}{/ref}',
      issues: 'issues{/number}',
      pulls: 'pulls{/number}',
      milestones: 'milestones{/number}',
      notifications: 'notifications{?since,all,participating}',
      labels: 'labels{/name}',
      releases: 'releases{/id}'
    }))
      urls[`${k}_url`] = `${api}/${t}`
    return {
      id: 186853002,
      node_id: 'MDEwOlJlcG9zaXRvcnkxODY4NTMwMDI=',
      name,
      full_name: full,
      private: true,
      owner: { ...user(owner), type: 'Organization' },
      html_url: `https://github.com/${full}`,
      description: null,
      fork: false,
      url: api,
      ...urls,
      created_at: '2019-05-15T15:19:25Z',
      updated_at: '2024-01-01T00:00:00Z',
      pushed_at: '2024-01-01T00:00:00Z',
      git_url: `git://github.com/${full}.git`,
      ssh_url: `git@github.com:${full}.git`,
      clone_url: `https://github.com/${full}.git`,
      svn_url: `https://github.com/${full}`,
      homepage: null,
      size: 0,
      stargazers_count: 0,
      watchers_count: 0,
      language: 'TypeScript',
      has_issues: true,
      has_projects: true,
      has_downloads: true,
      has_wiki: true,
      has_pages: false,
      has_discussions: false,
      forks_count: 0,
      mirror_url: null,
      archived: false,
      disabled: false,
      open_issues_count: 0,
      license: null,
      allow_forking: true,
      is_template: false,
      web_commit_signoff_required: false,
      topics: [],
      visibility: 'private',
      forks: 0,
      open_issues: 0,
      watchers: 0,
      default_branch: 'main',
      custom_properties: {}
    }
  }

  function authOf(req: IncomingMessage): 'token' | 'installation' | 'jwt' | 'none' | 'bad' {
    const a = req.headers.authorization
    if (a === undefined) return 'none'
    const m = /^Bearer (\S+)$/.exec(a)
    if (m?.[1] === undefined) return 'bad'
    if (m[1] === token) return 'token'
    const exp = installationTokens.get(m[1])
    if (exp !== undefined) return exp > now() ? 'installation' : 'bad'
    return m[1].split('.').length === 3 && verifyJwt(m[1]) ? 'jwt' : 'bad'
  }

  async function api(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', apiUrl)
    const path = url.pathname
    requests.push(`${req.method} ${path}${url.search}`)
    if (req.headers['x-github-api-version'] !== '2022-11-28') violations.push(`${path}: no X-GitHub-Api-Version`)
    if (req.headers['user-agent'] === undefined || req.headers['user-agent'] === '') violations.push(`${path}: no User-Agent`)
    if (now() < notBefore) {
      violations.push(`${path}: called ${notBefore - now()} ms before the announced retry time`)
      return send(res, 403, { message: 'API rate limit exceeded', documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api' })
    }
    if (secondaryLeft > 0) {
      secondaryLeft--
      notBefore = now() + secondaryRetryS * 1000
      return send(
        res,
        403,
        {
          message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
          documentation_url: 'https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits'
        },
        { 'retry-after': String(secondaryRetryS) }
      )
    }
    const rate: Record<string, string> = {
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': '4999',
      'x-ratelimit-reset': String(Math.floor(now() / 1000) + 3600)
    }
    if (exhaustInS !== undefined) {
      resetAt = now() + exhaustInS * 1000
      rate['x-ratelimit-remaining'] = '0'
      rate['x-ratelimit-reset'] = String(Math.ceil(resetAt / 1000))
      exhaustInS = undefined
      notBefore = Math.ceil(resetAt / 1000) * 1000
    }
    const auth = authOf(req)
    let m = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(path)
    if (m !== null && req.method === 'POST') {
      if (auth !== 'jwt') {
        violations.push(`${path}: not authenticated by an App JWT (${auth})`)
        return send(res, 401, { message: 'A JSON web token could not be decoded' })
      }
      if (Number(m[1]) !== app.installationId) return send(res, 404, { message: 'Not Found' })
      const t = `ghs_inst${randomUUID().replaceAll('-', '')}`
      const expires = now() + 3600_000
      installationTokens.set(t, expires)
      const body = { ...example('installation-token'), token: t, expires_at: new Date(expires).toISOString().replace(/\.\d{3}Z$/, 'Z') }
      return respond(res, 'apps/create-installation-access-token', 201, body, rate)
    }
    m = /^\/repos\/([^/]+\/[^/]+)\/installation$/.exec(path)
    if (m !== null) {
      if (auth !== 'jwt') violations.push(`${path}: not authenticated by an App JWT (${auth})`)
      return respond(res, 'apps/get-repo-installation', 200, { ...example('installation'), id: app.installationId, app_id: Number(app.id) }, rate)
    }
    if (auth !== 'token' && auth !== 'installation') {
      violations.push(`${path}: answered 401 (authorization ${auth})`)
      return send(res, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' })
    }
    m = /^\/repos\/([^/]+\/[^/]+)\/actions\/jobs\/(\d+)\/logs$/.exec(path)
    if (m !== null) {
      const j = jobs.get(Number(m[2]))
      if (j === undefined || j.repo !== m[1]) return send(res, 404, { message: 'Not Found' })
      const left = notReadyLeft.get(j.id) ?? 0
      if (left > 0) {
        notReadyLeft.set(j.id, left - 1)
        return send(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest/actions/workflow-jobs' })
      }
      schemaErrors.push(...checkRest('actions/download-job-logs-for-workflow-run', 302, undefined))
      res.writeHead(302, { location: logUrl(j.id), ...rate }).end()
      return
    }
    m = /^\/repos\/([^/]+\/[^/]+)\/actions\/runs\/(\d+)\/attempts\/(\d+)\/jobs$/.exec(path)
    if (m !== null) {
      const list = [...jobs.values()].filter((j) => j.repo === m?.[1] && j.runId === Number(m[2]) && j.attempt === Number(m[3]))
      return respond(res, 'actions/list-jobs-for-workflow-run-attempt', 200, { total_count: list.length, jobs: list.map(jobJson) }, rate)
    }
    m = /^\/repos\/([^/]+\/[^/]+)\/actions\/runs$/.exec(path)
    if (m !== null) {
      const created = url.searchParams.get('created') ?? ''
      const since = created.startsWith('>=') ? Date.parse(created.slice(2)) : 0
      const runs = new Map<number, StandinJob>()
      for (const j of jobs.values()) {
        const seen = runs.get(j.runId)
        // A run is listed once, with its latest attempt.
        if (j.repo === m[1] && Date.parse(j.startedAt) >= since && (seen === undefined || seen.attempt < j.attempt)) runs.set(j.runId, j)
      }
      const all = [...runs.values()].sort((a, b) => b.runId - a.runId)
      // One run per page, so pagination is exercised.
      const page = Number(url.searchParams.get('page') ?? '1')
      const slice = all.slice(page - 1, page)
      const headers: Record<string, string> = { ...rate }
      if (page < all.length) {
        const next = new URL(url)
        next.searchParams.set('page', String(page + 1))
        headers.link = `<${next.href}>; rel="next", <${apiUrl}${path}?page=${all.length}>; rel="last"`
      }
      const body = { total_count: all.length, workflow_runs: slice.map(workflowRun) }
      return respond(res, 'actions/list-workflow-runs-for-repo', 200, body, headers)
    }
    send(res, 404, { message: 'Not Found' })
  }

  async function logs(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', logOrigin)
    requests.push(`log:${url.pathname}`)
    if (req.headers.authorization !== undefined) violations.push(`log host got an Authorization header (${url.pathname})`)
    const m = /^\/_apis\/pipelines\/1\/jobs\/(\d+)\/signedlogcontent$/.exec(url.pathname)
    const j = m === null ? undefined : jobs.get(Number(m[1]))
    const expires = url.searchParams.get('urlExpires') ?? ''
    const sig = createHmac('sha256', signingKey).update(`${m?.[1]}:${expires}`).digest('base64url')
    if (j === undefined || url.searchParams.get('urlSignature') !== sig || Date.parse(expires) < now()) {
      res.writeHead(403, { 'content-type': 'application/xml' }).end('<Error><Code>AuthenticationFailed</Code></Error>')
      return
    }
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' })
    const cut = cutAfter.get(j.id)
    let sent = 0
    const source = Buffer.isBuffer(j.log) ? [j.log] : j.log()
    for await (const chunk of source) {
      if (res.destroyed) return
      let c = chunk
      if (cut !== undefined && sent + c.length > cut) {
        c = c.subarray(0, Math.max(0, cut - sent))
        cutAfter.delete(j.id)
        served.set(j.id, (served.get(j.id) ?? 0) + c.length)
        // The connection drops mid-body, as a storage host under load does: after the headers and the first bytes
        // are on the wire, so the client sees a body broken off, not a connection refused.
        await new Promise<void>((resolve) => res.write(c, () => resolve()))
        res.socket?.destroy()
        return
      }
      sent += c.length
      served.set(j.id, (served.get(j.id) ?? 0) + c.length)
      if (!res.write(c))
        await new Promise<void>((resolve) => {
          const done = (): void => {
            res.off('drain', done)
            res.off('close', done)
            resolve()
          }
          res.on('drain', done)
          res.on('close', done)
        })
    }
    res.end()
  }

  const apiServer = createServer((req, res) => {
    api(req, res).catch((err: unknown) => {
      violations.push(`stand-in error ${(err as Error).message}`)
      if (!res.headersSent) send(res, 500, { message: 'stand-in error' })
    })
  })
  const logServer = createServer((req, res) => {
    logs(req, res).catch(() => res.destroy())
  })
  const apiUrl = `http://127.0.0.1:${await listen(apiServer, '127.0.0.1')}`
  const logOrigin = `http://localhost:${await listen(logServer, '127.0.0.1')}`

  return {
    apiUrl,
    logOrigin,
    token,
    app,
    jobs,
    requests,
    violations,
    schemaErrors,
    served,
    cutAfter,
    secondaryLimit(n, retryAfterS = 1) {
      secondaryLeft = n
      secondaryRetryS = retryAfterS
    },
    exhaustPrimary(resetInS) {
      exhaustInS = resetInS
    },
    addJob(p) {
      const started = p.startedAt ?? new Date(now() - 120_000).toISOString().replace(/\.\d{3}Z$/, 'Z')
      const completed = p.completedAt ?? new Date(now() - 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')
      const j: StandinJob = {
        repo: `${opts.owner ?? 'octo-org'}/octo-repo`,
        runId: p.id * 10,
        attempt: 1,
        name: 'build',
        workflow: 'CI',
        branch: 'main',
        sha: 'f83a356604ae3c5d03e1b46ef4d1ca77d64a90b0',
        actor: 'octocat',
        startedAt: started,
        completedAt: completed,
        conclusion: 'success',
        steps: [
          { name: 'Set up job', number: 1, started_at: started, completed_at: started, conclusion: 'success' },
          { name: 'Run actions/checkout@v4', number: 2, started_at: started, completed_at: started, conclusion: 'success' },
          { name: 'Run npm test', number: 3, started_at: started, completed_at: completed, conclusion: 'success' },
          { name: 'Complete job', number: 4, started_at: completed, completed_at: completed, conclusion: 'success' }
        ],
        notReadyFor: 0,
        ...p
      }
      jobs.set(j.id, j)
      notReadyLeft.set(j.id, j.notReadyFor)
      return j
    },
    workflowJobPayload(j, action = 'completed') {
      const job = jobJson(j)
      const payload: J = {
        action,
        workflow_job: {
          id: job.id,
          run_id: job.run_id,
          workflow_name: j.workflow,
          head_branch: j.branch,
          run_url: `https://api.github.com/repos/${j.repo}/actions/runs/${j.runId}`,
          run_attempt: j.attempt,
          node_id: job.node_id,
          head_sha: j.sha,
          url: `https://api.github.com/repos/${j.repo}/actions/jobs/${j.id}`,
          html_url: `https://github.com/${j.repo}/actions/runs/${j.runId}/job/${j.id}`,
          status: action,
          conclusion: action === 'completed' ? j.conclusion : null,
          created_at: j.startedAt,
          started_at: j.startedAt,
          completed_at: action === 'completed' ? j.completedAt : null,
          name: j.name,
          steps: j.steps.map((s) => ({ ...s, status: 'completed' })),
          check_run_url: `https://api.github.com/repos/${j.repo}/check-runs/${j.id}`,
          labels: ['ubuntu-latest'],
          runner_id: 7,
          runner_name: 'GitHub Actions 7',
          runner_group_id: 2,
          runner_group_name: 'GitHub Actions'
        },
        repository: webhookRepository(j.repo),
        sender: user(j.actor),
        installation: { id: app.installationId, node_id: 'MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNDI0Mg==' }
      }
      schemaErrors.push(...checkWebhook(`workflow_job$${action}`, payload))
      return payload
    },
    workflowRunPayload(j) {
      const run = workflowRun(j)
      // The webhook's run differs from the REST one a little: previous_attempt_url is there, the repositories are the lite form.
      run.previous_attempt_url = null
      for (const k of ['repository', 'head_repository']) {
        const repo = run[k] as J | undefined
        if (repo !== undefined) {
          delete repo.git_url
          delete repo.ssh_url
        }
      }
      const payload: J = {
        action: 'completed',
        workflow_run: run,
        workflow: {
          id: 161335,
          node_id: 'MDg6V29ya2Zsb3cxNjEzMzU=',
          name: j.workflow,
          path: '.github/workflows/ci.yml',
          state: 'active',
          created_at: j.startedAt,
          updated_at: j.startedAt,
          url: 'https://api.github.com/x',
          html_url: 'https://github.com/x',
          badge_url: 'https://github.com/x/badge.svg'
        },
        repository: webhookRepository(j.repo),
        sender: user(j.actor),
        installation: { id: app.installationId, node_id: 'MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNDI0Mg==' }
      }
      schemaErrors.push(...checkWebhook('workflow_run$completed', payload))
      return payload
    },
    async close() {
      apiServer.closeAllConnections()
      logServer.closeAllConnections()
      await Promise.all([new Promise((r) => apiServer.close(r)), new Promise((r) => logServer.close(r))])
    }
  }
}

/** How GitHub delivers a webhook: the headers of a real delivery, signed with `secret`. */
export async function deliver(
  url: string,
  event: string,
  payload: unknown,
  secret: string,
  opts: { delivery?: string; signature?: string } = {}
): Promise<{ status: number; body: string }> {
  const body = JSON.stringify(payload)
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'user-agent': 'GitHub-Hookshot/2a1c2d9',
      'x-github-event': event,
      'x-github-delivery': opts.delivery ?? randomUUID(),
      'x-github-hook-id': '292430182',
      'x-github-hook-installation-target-type': 'repository',
      'x-github-hook-installation-target-id': '186853002',
      'x-hub-signature': `sha1=${createHmac('sha1', secret).update(body).digest('hex')}`,
      'x-hub-signature-256': opts.signature ?? `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`
    },
    body
  })
  return { status: res.status, body: await res.text() }
}

/**
 * The `collector` section of a `run collector` that takes `gh`'s webhooks on `port` and nothing else (no files, no
 * pod logs), its App token and webhook secret written into `dir` as files; `github` adds or overrides settings.
 */
export function githubCollectorSection(
  gh: Standin,
  opts: { dir: string; port: number; webhookSecret: string; statePath: string; github?: Record<string, unknown> }
): Record<string, unknown> {
  writeFileSync(join(opts.dir, 'token'), gh.token)
  writeFileSync(join(opts.dir, 'secret'), opts.webhookSecret)
  return {
    files: { enabled: false },
    podLogs: { mode: 'off' },
    github: {
      enabled: true,
      host: '127.0.0.1',
      port: opts.port,
      webhookSecretFile: join(opts.dir, 'secret'),
      tokenFile: join(opts.dir, 'token'),
      apiUrl: gh.apiUrl,
      replayStore: 'memory',
      statePath: opts.statePath,
      ...opts.github
    }
  }
}
