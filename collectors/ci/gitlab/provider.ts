// GitLab as a CiProvider (collectors/ci/provider.ts): a finished job's metadata
// from a job event (`X-Gitlab-Event: Job Hook`) or from the Jobs API, and its
// log from the trace endpoint. The job event is checked field by field against
// GitLab's documented payload ("Webhook events → Job events"); a payload that
// lacks what a finding must name is refused rather than guessed.

import type { CiJobMeta, CiProvider } from '../provider.ts'
import type { GitlabApi, GitlabJob, GitlabProject } from './api.ts'

/** The statuses after which a job writes no more log. */
export const FINISHED = new Set(['success', 'failed', 'canceled'])

/** The parts of a job event leakwatch reads (GitLab sends more). */
export interface GitlabJobEvent {
  object_kind: 'build'
  ref?: string
  tag?: boolean
  sha?: string
  build_id: number
  build_name: string
  build_stage?: string
  build_status: string
  build_finished_at?: string | null
  retries_count?: number
  pipeline_id: number
  project_id: number
  project_name?: string
  user?: { username?: string; name?: string } | null
  commit?: { name?: string | null; sha?: string }
  project?: { id?: number; web_url?: string; path_with_namespace?: string }
}

export type HookVerdict = { job: CiJobMeta; projectId: number } | { ignore: string } | { invalid: string }

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined
}

function int(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined
}

/** The line anchor of GitLab's job page (`#L<n>`, numbered as log-lines.ts numbers lines). */
export function gitlabLineUrl(url: string): (line: number) => string {
  return (line) => `${url}#L${line}`
}

/** A finished job of a job event, or why the event is not one to act on. `baseUrl` builds the job page when the project has no web_url. */
export function jobFromHook(body: unknown, baseUrl: string): HookVerdict {
  if (!isObject(body)) return { invalid: 'the body is not a JSON object' }
  if (body.object_kind !== 'build') return { ignore: `object_kind ${String(body.object_kind).slice(0, 32)}` }
  const status = str(body.build_status)
  if (status === undefined) return { invalid: 'build_status missing' }
  if (!FINISHED.has(status)) return { ignore: `build_status ${status.slice(0, 32)}` }
  const jobId = int(body.build_id)
  const pipelineId = int(body.pipeline_id)
  const projectId = int(body.project_id)
  const name = str(body.build_name)
  if (jobId === undefined || pipelineId === undefined || projectId === undefined || name === undefined)
    return { invalid: 'build_id, build_name, pipeline_id and project_id are required' }
  const project = isObject(body.project) ? body.project : {}
  const repository = str(project.path_with_namespace) ?? str(body.project_name)
  if (repository === undefined) return { invalid: 'project.path_with_namespace missing' }
  const web = str(project.web_url) ?? `${baseUrl.replace(/\/+$/, '')}/${repository}`
  const url = `${web.replace(/\/+$/, '')}/-/jobs/${jobId}`
  const user = isObject(body.user) ? body.user : {}
  const commit = isObject(body.commit) ? body.commit : {}
  const actor = str(user.username) ?? str(user.name)
  const sha = str(body.sha) ?? str(commit.sha)
  const ref = str(body.ref)
  const finished = str(body.build_finished_at)
  const retries = int(body.retries_count) ?? 0
  const job: CiJobMeta = {
    provider: 'gitlab',
    repository,
    workflow: str(commit.name) ?? `pipeline ${pipelineId}`,
    job: name,
    jobId: String(jobId),
    runId: String(pipelineId),
    runAttempt: retries + 1,
    url,
    conclusion: status,
    lineUrl: gitlabLineUrl(url),
    ...(ref !== undefined && body.tag !== true ? { branch: ref } : {}),
    ...(sha === undefined ? {} : { commit: sha }),
    ...(actor === undefined ? {} : { actor }),
    ...(finished === undefined ? {} : { completedAt: finished })
  }
  return { job, projectId }
}

/** A job as the Jobs API lists it, in the project `project`. */
export function jobFromApi(j: GitlabJob, project: GitlabProject): CiJobMeta {
  const actor = j.user?.username ?? j.user?.name ?? undefined
  const sha = j.pipeline?.sha ?? j.commit?.id
  return {
    provider: 'gitlab',
    repository: project.path_with_namespace,
    workflow: j.pipeline === undefined ? 'pipeline' : `pipeline ${j.pipeline.id}`,
    job: j.name,
    jobId: String(j.id),
    runId: j.pipeline === undefined ? '' : String(j.pipeline.id),
    runAttempt: 1,
    url: j.web_url,
    conclusion: j.status,
    lineUrl: gitlabLineUrl(j.web_url),
    ...(j.ref !== undefined && j.tag !== true ? { branch: j.ref } : {}),
    ...(sha === undefined ? {} : { commit: sha }),
    ...(actor === undefined ? {} : { actor }),
    ...(j.finished_at == null ? {} : { completedAt: j.finished_at })
  }
}

/** `ci backfill --provider gitlab --project ID`: `repository` is the project's id or full path. */
export function createGitlabProvider(api: GitlabApi): CiProvider {
  return {
    name: 'gitlab',
    logFormat: 'gitlab',
    async *listJobs(repository, since, signal) {
      const project = await api.project(repository, signal)
      for await (const j of api.jobs(project.id, since, signal)) yield jobFromApi(j, project)
    },
    fetchLog: (job, signal) => api.trace(job.repository, job.jobId, signal)
  }
}
