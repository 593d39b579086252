// Configuration of the GitLab CI collector (`collector.gitlab`). Kept out of the
// collector so that assembling the whole schema loads no collector code.

import type { Infer } from '../../pipeline/schema.ts'
import * as s from '../../pipeline/schema.ts'

export const gitlabConfigSchema = s.object({
  enabled: s.boolean({ default: false, description: 'Receive GitLab job events and scan every finished job’s log.' }),
  url: s.string({
    default: 'https://gitlab.com',
    pattern: /^https?:\/\/[^\s]+$/,
    description: 'Base URL of GitLab (self-managed: your instance); the REST API is under <url>/api/v4.'
  }),
  token: s.optional(s.string({ minLength: 1, description: 'API token with read_api on the projects (a project, group or personal access token).' })),
  tokenFile: s.optional(s.string({ description: 'File holding the API token (a mounted Secret); wins over `token`.' })),
  tokenHeader: s.literal(['private-token', 'bearer'] as const, {
    default: 'private-token',
    description: 'How the API token is sent: `PRIVATE-TOKEN` header (access tokens) or `Authorization: Bearer` (OAuth tokens).'
  }),
  webhookToken: s.optional(
    s.string({ minLength: 16, description: 'The secret token set on the GitLab webhook (`X-Gitlab-Token`), 16+ characters. Required.' })
  ),
  webhookTokenFile: s.optional(s.string({ description: 'File holding the webhook secret token; wins over `webhookToken`.' })),
  host: s.string({ default: '0.0.0.0', description: 'Address the webhook endpoint listens on.' }),
  port: s.number({ integer: true, min: 0, max: 65535, default: 9471, description: 'Port of the webhook endpoint (POST /hooks/gitlab); 0 picks a free port.' }),
  maxBodyBytes: s.number({
    integer: true,
    min: 1024,
    default: 1024 * 1024,
    description: 'Largest job-event body accepted; larger ones are answered 413 and counted.'
  }),
  replayTtlMs: s.number({
    integer: true,
    min: 1000,
    default: 24 * 60 * 60 * 1000,
    description:
      'How long a delivery (`Idempotency-Key`, else `X-Gitlab-Event-UUID`) and a finished job are remembered, so a redelivered event is processed once.'
  }),
  deliveries: s.literal(['auto', 'memory', 'redis'] as const, {
    default: 'auto',
    description:
      'Where taken deliveries and pending jobs are remembered: `redis` (the `redis` section) lets replicas share them and a restart resume; `memory` is this process only. `auto`: redis for `run collector`, memory for `run all`.'
  }),
  traceReadyTimeoutMs: s.number({
    integer: true,
    min: 0,
    default: 10 * 60 * 1000,
    description: 'How long the job log is asked for again while GitLab does not serve it yet (404 or empty right after the job finished).'
  }),
  retryBaseMs: s.number({ integer: true, min: 1, default: 1000, description: 'First delay before asking the API again (doubles up to retryMaxMs).' }),
  retryMaxMs: s.number({ integer: true, min: 1, default: 60_000, description: 'Longest delay between two tries.' }),
  timeoutMs: s.number({ integer: true, min: 100, default: 30_000, description: 'Time limit of one API request, the whole log download included.' }),
  concurrency: s.number({ integer: true, min: 1, max: 64, default: 4, description: 'Job logs fetched at once.' }),
  maxQueuedJobs: s.number({
    integer: true,
    min: 1,
    default: 10_000,
    description: 'Finished jobs waiting for their log to be fetched; beyond this, events are answered 503 so GitLab retries them.'
  }),
  maxLineBytes: s.number({ integer: true, min: 1024, default: 256 * 1024, description: 'Longest log line; longer lines are sent in pieces, never dropped.' }),
  maxChunkLines: s.number({ integer: true, min: 1, default: 1000, description: 'Most lines in one LogChunk.' }),
  maxChunkBytes: s.number({ integer: true, min: 1024, default: 512 * 1024, description: 'Most bytes in one LogChunk.' })
})

export type GitlabConfig = Infer<typeof gitlabConfigSchema>
