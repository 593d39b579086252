// The CI provider contract, shared by every CI collector (GitHub Actions,
// GitLab, generic ingest) and by `leakwatch ci backfill`.
//
// Contract (kept stable: other collectors build on it):
// - A provider names a finished job by its metadata, `CiJobMeta`: who ran what,
//   where, and how to link to one line of its log. Nothing in it is log content.
// - `listJobs` yields the jobs of one repository/project that finished since a
//   time, newest runs first, for backfill; it pages and is rate-limit aware.
// - `fetchLog` opens one job's log as a stream of raw bytes (as the provider
//   serves it: timestamps, ANSI codes, CRLF and all; collectors/ci/log-lines.ts
//   normalises). It retries by itself while the log is not there yet (404 right
//   after completion) and on 429/5xx/secondary rate limits, honouring
//   Retry-After and the rate-limit reset (pipeline/backoff.ts), and fails with
//   LW_ERR_CI_FETCH_FAILED (retriable: gave up for now) or
//   LW_ERR_CI_FETCH_REJECTED (not retriable: 401/403/410, the log is gone).
//   A log is fetched from its start: resuming is done by skipping lines whose
//   chunks Kafka already acknowledged (`ciStream` + line numbers make finding
//   ids stable, so a replay duplicates nothing downstream).
// - Credentials never appear in errors, logs or metadata; a redirect to another
//   host is followed without the provider's Authorization header.

import type { Source } from '../../pipeline/events.ts'
import type { CiLine } from './log-lines.ts'

export const CI_PROVIDERS = ['github', 'gitlab', 'generic'] as const
export type CiProviderName = (typeof CI_PROVIDERS)[number]

/** What a finished job is, as far as findings need to say it. Values come from the provider's API or webhook. */
export interface CiJobMeta {
  provider: CiProviderName
  /** `owner/name` (GitHub), the project's full path (GitLab). */
  repository: string
  /** Workflow name (GitHub) or pipeline name/id (GitLab). */
  workflow: string
  /** The job's display name. */
  job: string
  /** The provider's job id: unique per attempt, so it names the stream. */
  jobId: string
  /** Workflow run id (GitHub) or pipeline id (GitLab). */
  runId: string
  /** 1 for the first attempt; a re-run counts up. */
  runAttempt: number
  branch?: string
  commit?: string
  /** Who triggered the run (login or username). */
  actor?: string
  /** The job's page. */
  url: string
  /** When the job finished (ISO 8601), when known. */
  completedAt?: string
  /** success, failure, cancelled, … as the provider says it. */
  conclusion?: string
  /** The page of one line of the log, as the provider's UI numbers lines (collectors/ci/log-lines.ts). */
  lineUrl: (line: number) => string
}

/** The dialect of a provider's raw log, for the normaliser. */
export type CiLogFormat = 'github' | 'gitlab' | 'plain'

export interface CiProvider {
  readonly name: CiProviderName
  readonly logFormat: CiLogFormat
  /** Jobs of `repository` that completed at or after `since`, newest runs first. */
  listJobs: (repository: string, since: Date, signal?: AbortSignal) => AsyncIterable<CiJobMeta>
  /** The raw log bytes of one job, retrying while it is not available yet (see the contract above). */
  fetchLog: (job: CiJobMeta, signal?: AbortSignal) => Promise<AsyncIterable<Uint8Array>>
  /**
   * Optional: a per-job observer of the normalised lines, for providers whose line links depend on what the log
   * says (GitHub's steps). It returns labels for a line that starts a new part (a chunk boundary), and it is what
   * makes `job.lineUrl` precise: call it on every line, in order, before using lineUrl.
   */
  observeLines?: (job: CiJobMeta) => ((line: CiLine) => Record<string, string> | undefined) | undefined
}

/** The bus stream of a job's log: `ci/<provider>/<repository>/<jobId>`, the topic key and part of every finding id. */
export function ciStream(job: Pick<CiJobMeta, 'provider' | 'repository' | 'jobId'>): string {
  return `ci/${job.provider}/${job.repository}/${job.jobId}`
}

/** The LogChunk source of a job: the metadata the schema has fields for, the rest as labels. */
export function ciSource(job: CiJobMeta): Source {
  const labels: Record<string, string> = {
    workflow: job.workflow,
    jobId: job.jobId,
    runId: job.runId,
    runAttempt: String(job.runAttempt)
  }
  if (job.branch !== undefined) labels.branch = job.branch
  if (job.commit !== undefined) labels.commit = job.commit
  if (job.actor !== undefined) labels.actor = job.actor
  if (job.conclusion !== undefined) labels.conclusion = job.conclusion
  return { type: 'ci', provider: job.provider, repository: job.repository, job: job.job, url: job.url, labels }
}

/** Metadata that survives JSON (state files, queues): everything but `lineUrl`, which the provider rebuilds. */
export type CiJobRecord = Omit<CiJobMeta, 'lineUrl'>

export function jobRecord(job: CiJobMeta): CiJobRecord {
  const { lineUrl: _drop, ...rest } = job
  return rest
}
