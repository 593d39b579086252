// Configuration of the audit webhook collector (`collector.auditWebhook`): the
// HTTPS endpoint the API server's audit webhook backend posts EventLists to.
// Kept out of webhook.ts so that assembling the whole schema loads no code.

import type { Infer } from '../../pipeline/schema.ts'
import * as s from '../../pipeline/schema.ts'

export const AUDIT_STAGES = ['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic'] as const

/** `maxRecordBytes` of both audit collectors. */
export function maxRecordBytesSchema() {
  return s.number({
    integer: true,
    min: 64 * 1024,
    default: 1_000_000,
    description:
      "Largest sealed record produced (keep it under the brokers' message.max.bytes, 1 MiB by default): an event over it is produced without its request and response objects, annotated `leakwatch.io/truncated` and counted, rather than failing its batch."
  })
}

/** Both collectors group a principal's events into v2 records; `of` says what one record's events come from. */
export function maxEventsPerRecordSchema(of: string) {
  return s.number({
    integer: true,
    min: 1,
    max: 1000,
    default: 100,
    description: `Most events (${of}; of the principals whose keys go to one partition) sealed into one Kafka record (a v2 record; detectors read both shapes). 1 writes one event a record (v1), which detectors older than v2 records need: upgrade the detectors first. A record over \`maxRecordBytes\` is split.`
  })
}

export const auditWebhookConfigSchema = s.object({
  enabled: s.boolean({
    default: false,
    description: "Serve the endpoint of the API server's audit webhook backend (`--audit-webhook-config-file`); run it in a Deployment, not on every node."
  }),
  host: s.string({ default: '0.0.0.0', description: 'Address to listen on.' }),
  port: s.number({ integer: true, min: 0, max: 65_535, default: 8443, description: 'HTTPS port (0: any free port).' }),
  path: s.string({ default: '/audit', description: "The request path the API server posts to (the path of the webhook kubeconfig's `server`)." }),
  certFile: s.optional(s.string({ description: "PEM file of the endpoint's serving certificate (required when enabled)." })),
  keyFile: s.optional(s.string({ description: 'PEM file of the private key of `certFile`.' })),
  clientCaFile: s.optional(
    s.string({
      description:
        "PEM file of the CA that signs the API server's client certificate (the webhook kubeconfig's `client-certificate`): a caller presenting a certificate of this CA, whose CN or DNS SAN is in `allowedClientNames`, is authenticated."
    })
  ),
  allowedClientNames: s.array(s.string({ minLength: 1 }), {
    default: [],
    description: 'CNs or DNS SANs of the client certificates accepted; empty accepts any certificate of `clientCaFile` (logged as a warning at start).'
  }),
  tokenFiles: s.array(s.string(), {
    default: [],
    description:
      "Files each holding one bearer token (the webhook kubeconfig's `token`) that authenticates the caller, compared in constant time; several during a rotation."
  }),
  allowUnauthenticated: s.boolean({
    default: false,
    description:
      'Accept batches from anyone who can reach the port. Only for a port no one else can reach (a sidecar on localhost); logged as a warning at every start. Without it, `clientCaFile` or `tokenFiles` is required.'
  }),
  maxBodyBytes: s.number({
    integer: true,
    min: 1024,
    default: 16 * 1024 * 1024,
    description:
      'Largest batch body accepted; larger ones are answered 413 (the API server drops that batch: keep it above `--audit-webhook-truncate-max-batch-size`, or turn truncation on).'
  }),
  maxEventsPerBatch: s.number({
    integer: true,
    min: 1,
    default: 10_000,
    description: 'Most events one body may hold (the API server sends `--audit-webhook-batch-max-size`, 400 by default).'
  }),
  maxRecordBytes: maxRecordBytesSchema(),
  maxEventsPerRecord: maxEventsPerRecordSchema('of one batch'),
  stages: s.array(s.literal(AUDIT_STAGES), {
    default: ['ResponseStarted', 'ResponseComplete', 'Panic'],
    description:
      'Stages forwarded to the bus; others are counted and dropped. RequestReceived repeats what ResponseComplete says; ResponseStarted is the only event of a long-running watch until it ends.'
  }),
  dedupEntries: s.number({
    integer: true,
    min: 0,
    default: 100_000,
    description:
      "auditIDs remembered, each with the stages produced, to drop the API server's re-sent events (a batch retried after a lost answer); 0 turns deduplication off. Per process: duplicates across replicas get the same finding ids downstream."
  }),
  produceTimeoutMs: s.number({
    integer: true,
    min: 100,
    default: 10_000,
    description:
      "How long a batch waits for Kafka's acknowledgement before it is answered 503 (the API server retries it); keep it under the API server's webhook timeout (30 s). A produce that completes later is remembered, so the retry is a duplicate."
  }),
  requestTimeoutMs: s.number({
    integer: true,
    min: 1000,
    default: 30_000,
    description: 'A request must be received completely within this time (slow senders are cut off).'
  })
})

export type AuditWebhookConfig = Infer<typeof auditWebhookConfigSchema>
