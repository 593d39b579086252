// `leakwatch mask --forward URL`: while a CI step's output is masked in place,
// the same bytes stream to leakwatch's log ingest endpoint
// (collectors/ci/ingest.ts), so the pipeline scans, records and routes what
// the step printed like any collected log.
//
// The step must never fail or stall because of it: an endpoint that is down,
// refuses, or reads slower than the step writes costs one warning on stderr
// and the forward, never the masking, its output or its exit code. What is
// waiting to be sent is bounded (maxBufferedBytes); past it the forward stops.
// The token comes from LEAKWATCH_INGEST_TOKEN, never from the command line
// (where `ps` and CI logs would show it), and no warning names it.
//
// The job's metadata is read from the CI system's own environment (GitHub
// Actions, GitLab CI, Jenkins, Buildkite, CircleCI); parameters in the URL's
// query string win, for any other system.

import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { Writable } from 'node:stream'

export const INGEST_TOKEN_ENV = 'LEAKWATCH_INGEST_TOKEN'

export interface Forwarder {
  write: (data: Buffer | string) => void
  /** Ends the upload and waits (bounded) for the answer; never rejects. */
  end: () => Promise<void>
}

export interface ForwardOptions {
  url: string
  env: NodeJS.ProcessEnv
  stderr: Writable
  /** Bytes accepted and not yet sent before the forward gives up (the step's output is never held back). */
  maxBufferedBytes?: number
  /** How long the end of the upload waits for the endpoint's answer. */
  answerTimeoutMs?: number
}

type Meta = Partial<
  Record<'repository' | 'job' | 'job-id' | 'run-id' | 'attempt' | 'workflow' | 'branch' | 'commit' | 'actor' | 'url' | 'step' | 'system', string>
>

function clean(m: Record<string, string | undefined>): Meta {
  return Object.fromEntries(Object.entries(m).filter(([, v]) => v !== undefined && v !== '')) as Meta
}

/** The job as the CI system running this step describes it in its environment. */
export function ciMetadata(env: NodeJS.ProcessEnv): Meta {
  if (env.GITHUB_ACTIONS === 'true') {
    const server = env.GITHUB_SERVER_URL ?? 'https://github.com'
    return clean({
      system: 'github-actions',
      repository: env.GITHUB_REPOSITORY,
      workflow: env.GITHUB_WORKFLOW,
      job: env.GITHUB_JOB,
      'job-id': env.GITHUB_RUN_ID === undefined ? undefined : `${env.GITHUB_RUN_ID}-${env.GITHUB_JOB ?? 'job'}`,
      'run-id': env.GITHUB_RUN_ID,
      attempt: env.GITHUB_RUN_ATTEMPT,
      branch: env.GITHUB_HEAD_REF || env.GITHUB_REF_NAME,
      commit: env.GITHUB_SHA,
      actor: env.GITHUB_ACTOR,
      url:
        env.GITHUB_REPOSITORY === undefined || env.GITHUB_RUN_ID === undefined
          ? undefined
          : `${server}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
    })
  }
  if (env.GITLAB_CI === 'true')
    return clean({
      system: 'gitlab-ci',
      repository: env.CI_PROJECT_PATH,
      workflow: env.CI_PIPELINE_NAME,
      job: env.CI_JOB_NAME,
      'job-id': env.CI_JOB_ID,
      'run-id': env.CI_PIPELINE_ID,
      branch: env.CI_COMMIT_REF_NAME,
      commit: env.CI_COMMIT_SHA,
      actor: env.GITLAB_USER_LOGIN,
      url: env.CI_JOB_URL
    })
  if (env.BUILDKITE === 'true')
    return clean({
      system: 'buildkite',
      repository: env.BUILDKITE_PIPELINE_SLUG === undefined ? undefined : `${env.BUILDKITE_ORGANIZATION_SLUG ?? 'buildkite'}/${env.BUILDKITE_PIPELINE_SLUG}`,
      job: env.BUILDKITE_LABEL,
      'job-id': env.BUILDKITE_JOB_ID,
      'run-id': env.BUILDKITE_BUILD_ID,
      branch: env.BUILDKITE_BRANCH,
      commit: env.BUILDKITE_COMMIT,
      actor: env.BUILDKITE_BUILD_CREATOR,
      url: env.BUILDKITE_BUILD_URL
    })
  if (env.CIRCLECI === 'true')
    return clean({
      system: 'circleci',
      repository: env.CIRCLE_PROJECT_REPONAME === undefined ? undefined : `${env.CIRCLE_PROJECT_USERNAME ?? 'circleci'}/${env.CIRCLE_PROJECT_REPONAME}`,
      job: env.CIRCLE_JOB,
      'job-id': env.CIRCLE_WORKFLOW_JOB_ID ?? env.CIRCLE_BUILD_NUM,
      'run-id': env.CIRCLE_WORKFLOW_ID,
      branch: env.CIRCLE_BRANCH,
      commit: env.CIRCLE_SHA1,
      actor: env.CIRCLE_USERNAME,
      url: env.CIRCLE_BUILD_URL
    })
  if (env.JENKINS_URL !== undefined)
    return clean({
      system: 'jenkins',
      repository: env.JOB_NAME?.replace(/[^A-Za-z0-9._~/-]/g, '-'),
      job: env.JOB_NAME,
      'job-id': env.BUILD_NUMBER === undefined ? undefined : `build-${env.BUILD_NUMBER}`,
      branch: env.GIT_BRANCH ?? env.BRANCH_NAME,
      commit: env.GIT_COMMIT,
      url: env.BUILD_URL
    })
  return {}
}

const noop: Forwarder = { write: () => {}, end: async () => {} }

export function createForwarder(opts: ForwardOptions): Forwarder {
  const warn = (what: string): void => {
    opts.stderr.write(`leakwatch mask: warning: ${what}; masking goes on without forwarding\n`)
  }
  let url: URL
  try {
    url = new URL(opts.url)
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)')
  } catch {
    warn('--forward is not an http(s) URL')
    return noop
  }
  const where = url.origin
  const token = opts.env[INGEST_TOKEN_ENV]
  if (token === undefined || token === '') {
    warn(`${INGEST_TOKEN_ENV} is not set`)
    return noop
  }
  const meta: Meta = { step: `mask-${Date.now().toString(36)}-${process.pid}`, ...ciMetadata(opts.env) }
  if (opts.env.LEAKWATCH_STEP !== undefined && /^[A-Za-z0-9._:~-]{1,128}$/.test(opts.env.LEAKWATCH_STEP)) meta.step = opts.env.LEAKWATCH_STEP
  const headers: Record<string, string> = { authorization: `Bearer ${token}`, 'content-type': 'text/plain; charset=utf-8' }
  for (const [k, v] of Object.entries(meta)) if (v !== undefined && !url.searchParams.has(k)) headers[`x-leakwatch-${k}`] = v
  if (
    (headers['x-leakwatch-repository'] === undefined && !url.searchParams.has('repository')) ||
    (headers['x-leakwatch-job-id'] === undefined && !url.searchParams.has('job-id'))
  ) {
    warn('no CI job found in the environment: add ?repository=…&job-id=… to the --forward URL')
    return noop
  }
  const maxBuffered = opts.maxBufferedBytes ?? 8 * 1024 * 1024
  let failed = false
  let settle: (() => void) | undefined
  const answered = new Promise<void>((resolve) => {
    settle = resolve
  })
  const fail = (what: string): void => {
    if (failed) return
    failed = true
    warn(`forwarding to ${where} ${what}`)
    req.destroy()
    settle?.()
  }
  const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, { method: 'POST', headers })
  req.on('error', (err: NodeJS.ErrnoException) => fail(`failed (${err.code ?? err.name})`))
  req.on('response', (res) => {
    let body = ''
    res.setEncoding('utf8')
    res.on('data', (c: string) => {
      if (body.length < 4096) body += c
    })
    res.on('end', () => {
      if (res.statusCode !== 202) {
        let code = ''
        try {
          code = String((JSON.parse(body) as { code?: unknown }).code ?? '')
        } catch {}
        fail(`was refused: HTTP ${res.statusCode}${/^LW_ERR_[A-Z_]+$/.test(code) ? ` ${code}` : ''}`)
      }
      settle?.()
    })
  })
  return {
    write(data) {
      if (failed) return
      if (req.writableLength > maxBuffered) {
        fail(`stopped: the endpoint reads slower than the step writes (over ${maxBuffered} bytes waiting)`)
        return
      }
      req.write(data)
    },
    async end() {
      if (failed) return
      req.end()
      const timeoutMs = opts.answerTimeoutMs ?? 30_000
      let timer: NodeJS.Timeout | undefined
      await Promise.race([
        answered,
        new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            fail(`did not answer within ${timeoutMs} ms`)
            resolve()
          }, timeoutMs)
        })
      ])
      clearTimeout(timer)
    }
  }
}
