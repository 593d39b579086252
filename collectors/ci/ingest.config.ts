// Configuration of the CI log ingest endpoint (`collector.ciIngest`): any CI
// system (Jenkins, Buildkite, CircleCI, a `leakwatch mask --forward` step)
// posts a job's log here. Kept apart from the endpoint so the schema loads no code.

import type { Infer } from '../../pipeline/schema.ts'
import * as s from '../../pipeline/schema.ts'

export const ciIngestConfigSchema = s.object({
  enabled: s.boolean({ default: false, description: 'Serve POST /api/v1/ci/logs, an authenticated endpoint that takes a CI job’s log as a text stream.' }),
  host: s.string({ default: '0.0.0.0', description: 'Address the ingest endpoint listens on.' }),
  port: s.number({ integer: true, min: 0, max: 65535, default: 9472, description: 'Port of the ingest endpoint; 0 picks a free port.' }),
  tokens: s.array(s.string({ minLength: 32 }), {
    default: [],
    description: 'Bearer tokens accepted (32+ characters each; two while rotating). CI systems send one in `Authorization: Bearer`.'
  }),
  tokensFile: s.optional(s.string({ description: 'File with one accepted token per line (a mounted Secret); added to `tokens`.' })),
  maxBodyBytes: s.number({
    integer: true,
    min: 1024,
    default: 1024 * 1024 * 1024,
    description: 'Largest log one request may send; past it the request is answered 413 (what came before it is delivered).'
  }),
  maxLineBytes: s.number({ integer: true, min: 1024, default: 256 * 1024, description: 'Longest line; longer lines are sent in pieces, never dropped.' }),
  maxChunkLines: s.number({ integer: true, min: 1, default: 1000, description: 'Most lines in one LogChunk.' }),
  maxChunkBytes: s.number({ integer: true, min: 1024, default: 512 * 1024, description: 'Most bytes in one LogChunk.' }),
  concurrency: s.number({
    integer: true,
    min: 1,
    max: 1024,
    default: 64,
    description: 'Logs streamed in at once; a request past this is answered 503 with Retry-After.'
  }),
  idleTimeoutMs: s.number({
    integer: true,
    min: 1000,
    default: 5 * 60 * 1000,
    description: 'A request that sends nothing for this long is ended (a CI step may print nothing for minutes; a stalled one is cut).'
  })
})

export type CiIngestConfig = Infer<typeof ciIngestConfigSchema>
