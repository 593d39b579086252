// Configuration of the GitHub Actions collector (`collector.github`). Kept out
// of the collector's code so that assembling the whole schema loads none of it.

import type { Infer } from '../../pipeline/schema.ts'
import * as s from '../../pipeline/schema.ts'

export const githubCollectorConfigSchema = s.object({
  enabled: s.boolean({
    default: false,
    description: "Receive `workflow_job`/`workflow_run` webhooks and scan each completed job's log (see docs/ci.md). Runs in `run all` and `run collector`."
  }),
  host: s.string({ default: '0.0.0.0', description: 'Address the webhook endpoint listens on.' }),
  port: s.number({ integer: true, min: 0, max: 65535, default: 9470, description: 'Port of the webhook endpoint (0: any free port).' }),
  path: s.string({ default: '/webhooks/github', description: 'URL path GitHub delivers to; other paths answer 404.' }),
  webhookSecretFile: s.optional(
    s.string({
      description:
        "File holding the webhook secret (a mounted Secret key); one secret per line, so a new one can be added before GitHub's is changed. Required when enabled."
    })
  ),
  apiUrl: s.string({
    default: 'https://api.github.com',
    description: 'GitHub REST API base URL; GitHub Enterprise Server: `https://<host>/api/v3`.'
  }),
  webUrl: s.optional(s.string({ description: 'Web UI origin for job links when it cannot be derived from `apiUrl`.' })),
  tokenFile: s.optional(s.string({ description: 'File holding a token with `actions:read` on the repositories (instead of a GitHub App).' })),
  app: s.object({
    id: s.optional(s.string({ description: 'GitHub App id (or client id), the JWT issuer.' })),
    privateKeyFile: s.optional(s.string({ description: "File holding the App's private key (PEM)." })),
    installationId: s.optional(
      s.string({
        pattern: /^[1-9][0-9]{0,18}$/,
        description:
          "Installation id to use when a delivery names none; unset: the delivery's, else the repository's (`GET /repos/{owner}/{repo}/installation`)."
      })
    )
  }),
  repositories: s.array(s.string(), { default: [], description: 'Only these repositories (`owner/name`); empty: every repository that delivers.' }),
  maxBodyBytes: s.number({ integer: true, min: 1024, default: 25 * 1024 * 1024, description: 'Largest webhook body taken (GitHub caps payloads at 25 MB).' }),
  maxDeliveryAgeMs: s.number({
    integer: true,
    min: 1000,
    default: 72 * 3600 * 1000,
    description: 'Deliveries whose event is older are refused as stale; delivery ids are remembered this long, so a replay within it is refused.'
  }),
  replayStore: s.literal(['auto', 'memory', 'redis'] as const, {
    default: 'auto',
    description:
      'Where delivery ids are remembered: `redis` (the `redis` section; replicas share it), `memory` (one process). `auto`: redis for `run collector`, memory for `run all`.'
  }),
  statePath: s.string({
    default: './.leakwatch/ci-github-jobs.json',
    description: 'Queued jobs and how far each log is acknowledged by Kafka, written atomically; a restart resumes them.'
  }),
  concurrency: s.number({ integer: true, min: 1, max: 64, default: 2, description: 'Job logs fetched and streamed at once.' }),
  attempts: s.number({
    integer: true,
    min: 1,
    default: 12,
    description: 'Attempts of one job (fetch failures, rate limits, Kafka outages) before it is given up and counted as failed.'
  }),
  api: s.object({
    notReadyMaxMs: s.number({
      integer: true,
      min: 0,
      default: 5 * 60 * 1000,
      description: 'How long a job log answered 404 right after completion is asked for again, with backoff, before the attempt fails.'
    }),
    retryBaseMs: s.number({ integer: true, min: 1, default: 1000, description: 'First retry delay of an API call; doubles per failure.' }),
    retryMaxMs: s.number({ integer: true, min: 1, default: 60_000, description: 'Ceiling of one retry delay.' }),
    attempts: s.number({ integer: true, min: 1, default: 6, description: 'Attempts of one API call on 5xx, 429 and network errors.' }),
    secondaryRateLimitWaitMs: s.number({
      integer: true,
      min: 0,
      default: 60_000,
      description: 'Wait after a secondary rate limit that names no Retry-After (GitHub asks for at least a minute).'
    }),
    maxRateLimitWaitMs: s.number({
      integer: true,
      min: 0,
      default: 15 * 60 * 1000,
      description: 'Longest wait held inside one attempt; a longer Retry-After or rate-limit reset reschedules the job instead.'
    }),
    timeoutMs: s.number({ integer: true, min: 100, default: 30_000, description: 'Timeout of one API call (headers; the log body streams after).' })
  }),
  doneTtlMs: s.number({
    integer: true,
    min: 0,
    default: 7 * 24 * 3600 * 1000,
    description: 'How long a scanned job is remembered, so another delivery of it is not scanned again.'
  }),
  maxLineBytes: s.number({
    integer: true,
    min: 1024,
    default: 256 * 1024,
    description: 'Bound on one log line; longer lines are sent in pieces, never dropped.'
  }),
  maxChunkLines: s.number({ integer: true, min: 1, default: 1000, description: 'Most lines in one LogChunk.' }),
  maxChunkBytes: s.number({ integer: true, min: 1024, default: 512 * 1024, description: 'Most bytes in one LogChunk.' }),
  maxBatchBytes: s.number({
    integer: true,
    min: 1024,
    max: 900 * 1024,
    default: 768 * 1024,
    description:
      "Log bytes per produce request. A job's chunks share a key, so one request is one record batch on one partition: it must stay under the broker's `message.max.bytes` (1 MiB by default) even when the lines do not compress."
  }),
  maxInFlightBytes: s.number({
    integer: true,
    min: 1024,
    default: 4 * 1024 * 1024,
    description:
      "Log bytes of one job sent and not yet acknowledged by Kafka (in batches of maxBatchBytes); a job's memory stays near this, and more of it hides the produce round trip."
  })
})

export type GithubCollectorConfig = Infer<typeof githubCollectorConfigSchema>
