// The records that cross the bus, one schema each, versioned with `v` so a
// consumer can refuse (dead-letter) a shape it does not know instead of
// misreading it. Validation happens once, at the bus boundary (runner.ts).

import type { Infer } from './schema.ts'
import * as s from './schema.ts'

export const TOPICS = {
  logs: 'leakwatch.logs.v1',
  audit: 'leakwatch.audit.v1',
  findings: 'leakwatch.findings.v1',
  actions: 'leakwatch.actions.v1',
  deadLetter: 'leakwatch.dead-letter.v1'
} as const

export type Topic = (typeof TOPICS)[keyof typeof TOPICS]

const labels = s.record(s.string(), { description: 'Key/value metadata (pod labels, CI attributes).' })

/** Where a stream comes from, as much as the collector knows. Never contains log content. */
export const sourceSchema = s.object({
  type: s.literal(['file', 'k8s', 'ci', 'stdin', 'audit'] as const),
  path: s.optional(s.string({ description: 'File path on the collector host.' })),
  node: s.optional(s.string()),
  cluster: s.optional(s.string()),
  namespace: s.optional(s.string()),
  pod: s.optional(s.string()),
  podUid: s.optional(s.string()),
  container: s.optional(s.string()),
  workload: s.optional(s.string({ description: 'Owner workload as kind/name, e.g. Deployment/api.' })),
  labels: s.optional(labels),
  provider: s.optional(s.string({ description: 'CI provider: github, gitlab, generic.' })),
  repository: s.optional(s.string()),
  job: s.optional(s.string()),
  url: s.optional(s.string()),
  // Audit events: the object written and who wrote it. Names and paths only, never a value.
  object: s.optional(s.string({ description: 'Audit: the object of the event as `Kind namespace/name`, e.g. `ConfigMap shop/app-config`.' })),
  field: s.optional(
    s.string({
      description:
        'Audit: where in the object a finding is, e.g. `data.DB_URL`, `spec.containers[0].env[2].value`, `metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"] → data.DB_URL`.'
    })
  ),
  principal: s.optional(s.string({ description: 'Audit: the authenticated user of the request (user.username).' })),
  impersonatedUser: s.optional(s.string({ description: 'Audit: the user the principal acted as (impersonatedUser.username).' })),
  verb: s.optional(s.string({ description: 'Audit: the request verb (create, update, patch, …).' })),
  auditID: s.optional(s.string({ description: 'Audit: the auditID of the event.' }))
})
export type Source = Infer<typeof sourceSchema>

/**
 * A batch of consecutive lines of one stream. Kafka carries chunks, not lines:
 * a chunk per few hundred lines keeps the broker's per-message overhead low.
 * `startLine` is the 1-based number of lines[0] in the stream; together with
 * `offset.start` it makes every finding's position replay-stable.
 */
export const logChunkSchema = s.object({
  v: s.literal(['1'] as const),
  type: s.literal(['log-chunk'] as const),
  stream: s.string({ minLength: 1, description: 'Stream id: k8s/<ns>/<pod>/<container>, ci/<provider>/<repo>/<job>, file/<path>.' }),
  source: sourceSchema,
  startLine: s.number({ integer: true, min: 1 }),
  offset: s.object({
    start: s.number({ integer: true, min: 0, description: 'Byte offset of the first line in the source file.' }),
    end: s.number({ integer: true, min: 0, description: 'Byte offset just after the last line.' })
  }),
  lines: s.array(s.string(), { minItems: 1 }),
  collectedAt: s.string()
})
export type LogChunk = Infer<typeof logChunkSchema>

/** An audit.k8s.io/v1 Event with the fields leakwatch relies on checked; the rest passes through. */
export const auditEventSchema = s.object(
  {
    kind: s.optional(s.string()),
    apiVersion: s.optional(s.string()),
    level: s.optional(s.string()),
    auditID: s.string({ minLength: 1 }),
    stage: s.string(),
    requestURI: s.optional(s.string()),
    verb: s.string(),
    user: s.object(
      {
        username: s.optional(s.string()),
        uid: s.optional(s.string()),
        groups: s.optional(s.array(s.string())),
        extra: s.optional(s.unknownValue())
      },
      { allowUnknown: true }
    ),
    impersonatedUser: s.optional(s.unknownValue()),
    sourceIPs: s.optional(s.array(s.string())),
    userAgent: s.optional(s.string()),
    objectRef: s.optional(
      s.object(
        {
          resource: s.optional(s.string()),
          namespace: s.optional(s.string()),
          name: s.optional(s.string()),
          uid: s.optional(s.string()),
          apiGroup: s.optional(s.string()),
          apiVersion: s.optional(s.string()),
          resourceVersion: s.optional(s.string()),
          subresource: s.optional(s.string())
        },
        { allowUnknown: true }
      )
    ),
    responseStatus: s.optional(s.unknownValue()),
    requestObject: s.optional(s.unknownValue()),
    responseObject: s.optional(s.unknownValue()),
    requestReceivedTimestamp: s.optional(s.string()),
    stageTimestamp: s.optional(s.string()),
    annotations: s.optional(s.record(s.string()))
  },
  { allowUnknown: true }
)

export const auditEnvelopeSchema = s.object({
  v: s.literal(['1'] as const),
  type: s.literal(['audit'] as const),
  cluster: s.string(),
  receivedAt: s.string(),
  event: auditEventSchema
})
export type AuditEnvelope = Infer<typeof auditEnvelopeSchema>

/**
 * Several events in one record, of the principals whose keys go to one partition (the record's key is the first
 * event's principal; records.ts), in the order the API server sent them:
 * what the webhook collector writes. Sealing (deflate + AES-GCM) and producing cost per record, not per byte,
 * and a Metadata event is ~1.2 KB, so one record per event spent most of the collector's CPU on per-call
 * overhead. v1 (one event) is still read: Kafka may hold it, and the file collector writes it.
 */
export const auditGroupSchema = s.object({
  v: s.literal(['2'] as const),
  type: s.literal(['audit'] as const),
  cluster: s.string(),
  receivedAt: s.string(),
  events: s.array(auditEventSchema, { minItems: 1 })
})
export type AuditGroup = Infer<typeof auditGroupSchema>

/** A record of leakwatch.audit.v1: v1 (one event) or v2 (a group), told apart by `v`. */
export const auditRecordSchema: s.Schema<AuditEnvelope | AuditGroup> = {
  ...auditEnvelopeSchema,
  check: (value, path, issues) =>
    typeof value === 'object' && value !== null && (value as { v?: unknown }).v === '2'
      ? auditGroupSchema.check(value, path, issues)
      : auditEnvelopeSchema.check(value, path, issues),
  is: (value) =>
    typeof value === 'object' && value !== null && (value as { v?: unknown }).v === '2'
      ? auditGroupSchema.is?.(value) === true
      : auditEnvelopeSchema.is?.(value) === true
}

/** The events of an audit record as one-event envelopes, in order (a v1 record is its own envelope). */
export function auditEnvelopes(record: AuditEnvelope | AuditGroup): AuditEnvelope[] {
  if (record.v === '1') return [record]
  const { cluster, receivedAt } = record
  return record.events.map((event) => ({ v: '1', type: 'audit', cluster, receivedAt, event }))
}

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const
export type Severity = (typeof SEVERITIES)[number]

export const FINDING_KINDS = ['pattern', 'generic', 'known-secret', 'access'] as const

/**
 * What a detector found. It never carries the secret: `fingerprint` is a keyed
 * HMAC of the value (same value, same fingerprint, across streams and
 * restarts), `preview` and `context` are masked.
 */
export const findingSchema = s.object({
  v: s.literal(['1'] as const),
  type: s.literal(['finding'] as const),
  id: s.string({ minLength: 1, description: 'Derived from fingerprint, stream and position: a replay yields the same id.' }),
  fingerprint: s.string({ pattern: /^[0-9a-f]{64}$/ }),
  rule: s.string(),
  title: s.string(),
  kind: s.literal(FINDING_KINDS),
  severity: s.literal(SEVERITIES),
  confidence: s.literal(['low', 'medium', 'high'] as const),
  confidenceScore: s.optional(
    s.number({ min: 0, max: 1, description: "The rule's measured precision on independent data (detectors/rules/confidence.json), when measured." })
  ),
  stream: s.string(),
  source: sourceSchema,
  location: s.object({
    line: s.number({ integer: true, min: 1 }),
    column: s.number({ integer: true, min: 1 }),
    endLine: s.number({ integer: true, min: 1 }),
    endColumn: s.number({ integer: true, min: 1 }),
    offset: s.optional(s.number({ integer: true, min: 0, description: 'Byte offset of the line in the source file, when known.' }))
  }),
  preview: s.string({ description: 'Masked secret, e.g. ghp_********.' }),
  context: s.string({ description: 'The line with the secret masked, truncated.' }),
  detectedAt: s.string(),
  verified: s.optional(s.boolean({ description: 'The detector confirmed the credential is live (raises severity).' })),
  secretRef: s.optional(
    s.object({
      type: s.literal(['kubernetes', 'vault'] as const),
      namespace: s.optional(s.string()),
      name: s.optional(s.string({ description: 'Secret name, or Vault path.' })),
      key: s.optional(s.string()),
      leaseId: s.optional(s.string({ description: 'Vault lease of a dynamic secret.' }))
    })
  ),
  origin: s.optional(
    s.object({
      source: s.literal(['kubernetes', 'vault', 'file'] as const, { description: 'Where the leaked known-secret value is kept.' }),
      namespace: s.optional(s.string()),
      name: s.optional(s.string({ description: 'Secret name, or the file of values.' })),
      key: s.optional(s.string({ description: 'Key in the Secret data.' })),
      mount: s.optional(s.string({ description: 'Vault KV v2 mount.' })),
      path: s.optional(s.string({ description: 'Vault secret path.' })),
      field: s.optional(s.string({ description: 'Field of the Vault secret.' }))
    })
  ),
  alsoMatched: s.optional(
    s.array(s.string(), { description: 'Rules whose finding of the same value was folded into this known-secret finding (one finding per value).' })
  ),
  access: s.optional(
    s.object(
      {
        principal: s.string({ description: 'The username the access finding is about (service accounts as system:serviceaccount:<ns>:<name>).' }),
        principalKind: s.string(),
        user: s.string({ description: 'The authenticated user who sent the requests.' }),
        impersonatedUser: s.optional(s.string()),
        namespace: s.optional(s.string()),
        firstSeen: s.string(),
        lastSeen: s.string(),
        score: s.number(),
        baseline: s.record(s.unknownValue()),
        evidence: s.unknownValue({ description: 'Counts, first and last event, auditIDs, items (detectors/access/detector.ts).' })
      },
      { allowUnknown: true, description: 'Set on kind `access`: the principal, window, score, baseline and evidence; no secret value is ever part of it.' }
    )
  ),
  sealed: s.optional(
    s.string({
      // Only ever ciphertext: the envelope's shape is checked at the bus boundary, so a plaintext value put here is refused.
      pattern: /^lwseal[12]\.(x25519|rsa)\.[A-Za-z0-9_-]{40,}$/,
      description: "The secret sealed to the responder's public key (pipeline/seal.ts), set only for rules whose rotation needs the value."
    })
  )
})
export type Finding = Infer<typeof findingSchema>

export const actionRecordSchema = s.object({
  v: s.literal(['1'] as const),
  type: s.literal(['action'] as const),
  id: s.string({ description: 'The job id: stable across retries of the same action.' }),
  fingerprint: s.string(),
  action: s.string({ description: 'webhook, slack, k8s-restart, vault-rotate, …' }),
  outcome: s.literal(['succeeded', 'failed', 'retrying', 'dead-lettered'] as const),
  attempt: s.number({ integer: true, min: 1 }),
  detail: s.string(),
  at: s.string()
})
export type ActionRecord = Infer<typeof actionRecordSchema>

export const TOPIC_SCHEMAS = {
  [TOPICS.logs]: logChunkSchema,
  [TOPICS.audit]: auditRecordSchema,
  [TOPICS.findings]: findingSchema,
  [TOPICS.actions]: actionRecordSchema
} as const
