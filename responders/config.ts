// The responder's part of the configuration schema (config/schema.ts mounts
// it at `responder`). Kept next to the code that reads it because it is most
// of the tree: incidents, severity, routing, rotation policy, Slack, webhooks,
// Kubernetes, Vault, GitHub and the incidents API.
//
// Lists of rules (severity, routes, rotation policy) are tried in order and
// share one `match` shape; each field of a match must hold, an absent field
// matches anything.

import type { Infer } from '../pipeline/schema.ts'
import * as s from '../pipeline/schema.ts'
import { ciOwnersConfigSchema } from './ci-owners.config.ts'

const SEVERITY = ['low', 'medium', 'high', 'critical'] as const

export const matchSchema = s.object({
  rule: s.optional(s.string({ description: 'Regular expression on the rule id (e.g. `^github-`).' })),
  kind: s.optional(s.array(s.literal(['pattern', 'generic', 'known-secret', 'access'] as const), { description: 'Finding kinds.' })),
  namespace: s.optional(s.string({ description: 'Regular expression on the Kubernetes namespace where the secret was first seen.' })),
  repository: s.optional(s.string({ description: 'Regular expression on the CI repository (owner/name).' })),
  stream: s.optional(s.string({ description: 'Regular expression on the stream id (k8s/<ns>/<pod>/<container>, ci/<provider>/<repo>/<job>, file/<path>).' })),
  labels: s.optional(s.record(s.string(), { description: 'Pod or CI labels that must all be present with these values.' })),
  minSeverity: s.optional(s.literal(SEVERITY, { description: 'Only incidents of at least this (effective) severity.' }))
})
export type Match = Infer<typeof matchSchema>

export const ROTATION_ACTIONS = ['webhook', 'kubernetes', 'vault-rotate-role', 'vault-revoke-lease', 'vault-kv-generate', 'github-revoke'] as const
export type RotationActionType = (typeof ROTATION_ACTIONS)[number]

export const rotationActionSchema = s.object({
  type: s.literal(ROTATION_ACTIONS, { description: 'What to do.' }),
  endpoint: s.optional(s.string({ description: 'webhook: name of a `responder.webhookEndpoints` entry; unset = `responder.webhook`.' })),
  mount: s.optional(s.string({ description: 'vault-*: secrets engine mount (`database`, `secret`).' })),
  role: s.optional(
    s.string({ description: 'vault-rotate-role: static role name; unset = the role of a known-secret finding read from `<mount>/static-creds/<role>`.' })
  ),
  leasePrefix: s.optional(
    s.string({ description: 'vault-revoke-lease: revoke every lease under this prefix (e.g. `database/creds/app`) when the incident names no lease id.' })
  ),
  path: s.optional(s.string({ description: 'vault-kv-generate: KV v2 secret path under the mount.' })),
  key: s.optional(s.string({ description: 'vault-kv-generate: key inside the KV secret that receives the new value.' })),
  lengthChars: s.optional(s.number({ integer: true, min: 16, max: 4096, description: 'vault-kv-generate: length of the generated value.' }))
})
export type RotationAction = Infer<typeof rotationActionSchema>

const webhookEndpointFields = {
  timeoutMs: s.number({ integer: true, min: 100, default: 10_000, description: 'Timeout of one webhook request.' }),
  secrets: s.array(s.string({ pattern: /^whsec_[A-Za-z0-9+/=]{24,}$/ }), {
    default: [],
    maxItems: 2,
    description:
      'Standard Webhooks signing secrets (`whsec_` + base64 of 24+ random bytes). Two during a rotation of the signing key: both sign, the receiver accepts either. Empty = unsigned.'
  })
}

export const responderConfigSchema = s.object({
  groupId: s.string({ default: 'leakwatch-responder', description: 'Kafka consumer group of the responder role.' }),
  console: s.boolean({ default: true, description: 'Print each new incident to stdout (masked).' }),
  concurrency: s.number({ integer: true, min: 1, default: 4, description: 'Jobs run at once by one responder.' }),
  incidentRetentionMs: s.number({
    integer: true,
    min: 60_000,
    default: 90 * 24 * 3600 * 1000,
    description: 'How long an incident without new occurrences or changes is kept (resolved ones too: a regression is recognised within this window).'
  }),
  maxOccurrenceIdsPerIncident: s.number({
    integer: true,
    min: 100,
    default: 10_000,
    description: 'Finding ids remembered per incident to ignore replays; the oldest are forgotten beyond this.'
  }),
  maxLocationsPerIncident: s.number({
    integer: true,
    min: 1,
    default: 20,
    description: 'Distinct places (streams) listed on an incident; beyond this only the counts grow.'
  }),
  reopenOn: s.array(s.literal(['rotated', 'false_positive', 'wont_fix', 'used_in_tests'] as const), {
    default: ['rotated'],
    description: 'Resolutions after which a new occurrence reopens the incident as a regression (a false positive seen again is not news).'
  }),
  severity: s.object({
    productionNamespaces: s.string({
      default: '^(prod|production)($|-)',
      description: 'Regular expression on namespaces whose leaks are raised one severity level.'
    }),
    knownSecretRaise: s.number({
      integer: true,
      min: 0,
      max: 3,
      default: 1,
      description: "Levels a known-secret finding (the cluster's own Secret leaked) is raised by."
    }),
    rules: s.array(
      s.object({
        match: matchSchema,
        severity: s.optional(s.literal(SEVERITY, { description: 'Set the severity.' })),
        raiseBy: s.optional(s.number({ integer: true, min: -3, max: 3, description: 'Raise (or lower) by levels.' }))
      }),
      { default: [], description: 'Severity overrides applied in order after the built-in raises: `{match, severity | raiseBy}`.' }
    )
  }),
  api: s.object({
    enabled: s.boolean({ default: false, description: 'Serve the incidents API, the Slack interactivity endpoint and webhook callbacks.' }),
    host: s.string({ default: '0.0.0.0', description: 'Address of the incidents API.' }),
    port: s.number({ integer: true, min: 0, max: 65535, default: 8080, description: 'Port of the incidents API; 0 picks a free port.' }),
    tokens: s.array(s.string({ minLength: 32 }), {
      default: [],
      description: 'Bearer tokens accepted by /api/v1 (32+ characters each; several so they can be rotated). Required when the API is enabled.'
    }),
    publicUrl: s.optional(
      s.string({
        pattern: /^https?:\/\//,
        description: 'Base URL under which webhook endpoints reach this API (for the callback URL sent with 202-style rotations).'
      })
    )
  }),
  webhook: s.object({
    url: s.optional(
      s.string({ pattern: /^https?:\/\//, description: 'Default endpoint: receives `incident.opened` events and rotation requests without a named endpoint.' })
    ),
    notify: s.boolean({ default: true, description: 'Send `incident.opened` to `url` for each new incident (rotation requests are sent regardless).' }),
    ...webhookEndpointFields,
    attempts: s.number({ integer: true, min: 1, default: 8, description: 'Attempts before a webhook or rotation job is dead-lettered.' }),
    backoffMs: s.number({ integer: true, min: 10, default: 1000, description: 'First retry delay; doubles each attempt, plus up to 25% jitter.' }),
    maxBackoffMs: s.number({
      integer: true,
      min: 10,
      default: 15 * 60_000,
      description: 'Ceiling of one retry delay (a longer Retry-After is still honoured).'
    })
  }),
  webhookEndpoints: s.array(
    s.object({
      name: s.string({ pattern: /^[a-z0-9-]+$/, description: 'Referenced by rotation actions (`endpoint`).' }),
      url: s.string({ pattern: /^https?:\/\//, description: 'Endpoint URL.' }),
      ...webhookEndpointFields
    }),
    { default: [], description: 'More rotation endpoints, each with its own signing secrets: `{name, url, secrets, timeoutMs}`.' }
  ),
  slack: s.object({
    token: s.optional(s.string({ pattern: /^xox[bp]-/, description: 'Bot token (`xoxb-…`) with the `chat:write` scope. Unset = no Slack.' })),
    signingSecret: s.optional(s.string({ minLength: 16, description: "The Slack app's signing secret: verifies button clicks on /slack/interactions." })),
    apiUrl: s.string({ default: 'https://slack.com/api/', pattern: /^https?:\/\//, description: 'Slack Web API base URL (a proxy or a test stand-in).' }),
    defaultChannel: s.optional(s.string({ description: 'Channel id (C…) of incidents no route matches. Unset = such incidents are not posted.' })),
    routes: s.array(
      s.object({
        match: matchSchema,
        channel: s.string({ description: 'Channel id.' }),
        owner: s.optional(s.string({ description: 'Owning team shown on the message (e.g. `@payments-oncall`).' }))
      }),
      { default: [], description: 'Routing by namespace, labels, repository and severity, first match wins: `{match, channel, owner}`.' }
    ),
    channelIntervalMs: s.number({
      integer: true,
      min: 0,
      default: 1100,
      description: "Least time between two messages in one channel (Slack allows about one per second per channel); jobs wait their turn, they don't fail."
    }),
    coalesceMs: s.number({
      integer: true,
      min: 0,
      default: 3000,
      description: 'Occurrences arriving within this window are folded into one message update.'
    }),
    timeoutMs: s.number({ integer: true, min: 100, default: 10_000, description: 'Timeout of one Slack API call.' }),
    attempts: s.number({
      integer: true,
      min: 1,
      default: 60,
      description:
        'Attempts of a Slack job before it is dead-lettered; with `maxBackoffMs` this is how long an outage can last without losing an alert (default: over 4 hours).'
    }),
    backoffMs: s.number({ integer: true, min: 10, default: 1000, description: 'First retry delay of a Slack job after an error; doubles each attempt.' }),
    maxBackoffMs: s.number({ integer: true, min: 10, default: 5 * 60_000, description: 'Ceiling of one Slack retry delay.' })
  }),
  ciOwners: ciOwnersConfigSchema,
  rotation: s.object({
    defaultMode: s.literal(['auto', 'button', 'alert'] as const, {
      default: 'button',
      description: 'For incidents no policy entry matches: rotate automatically, offer a Rotate now button, or only alert.'
    }),
    minConfidence: s.literal(['low', 'medium', 'high'] as const, {
      default: 'high',
      description:
        "Lowest finding confidence that rotates automatically: an `auto` plan for a finding below it offers the Rotate now button instead. Confidence is the rule's measured precision on independent data (docs/detection.md#confidence)."
    }),
    generic: s.literal(['auto', 'button', 'alert'] as const, {
      default: 'alert',
      description:
        'The most rotation does for a generic finding (a value next to a secret-ish name, not a recognised format): by default it alerts and does not rotate, whatever the policy entry says.'
    }),
    policy: s.array(
      s.object({
        match: matchSchema,
        mode: s.literal(['auto', 'button', 'alert'] as const, { description: 'auto, button or alert.' }),
        actions: s.array(rotationActionSchema, { default: [], description: 'What rotation does, in order.' })
      }),
      { default: [], description: 'Rotation policy, first match wins: `{match, mode, actions}`.' }
    )
  }),
  kubernetes: s.object({
    enabled: s.boolean({ default: false, description: 'Allow Kubernetes rotation actions (in-cluster service account, or `kubeconfig`).' }),
    kubeconfig: s.optional(s.string({ description: 'Path of a kubeconfig file; unset = in-cluster configuration.' })),
    restartWorkloads: s.boolean({ default: true, description: 'Rollout-restart the Deployments, StatefulSets and DaemonSets that use a rotated Secret.' })
  }),
  vault: s.object({
    address: s.optional(s.string({ pattern: /^https?:\/\//, description: 'Vault address. Unset = no Vault actions.' })),
    token: s.optional(s.string({ description: 'Vault token with the policies the configured actions need.' })),
    namespace: s.optional(s.string({ description: 'Vault Enterprise namespace (X-Vault-Namespace).' })),
    timeoutMs: s.number({ integer: true, min: 100, default: 10_000, description: 'Timeout of one Vault request.' })
  }),
  github: s.object({
    apiUrl: s.string({ default: 'https://api.github.com', pattern: /^https?:\/\//, description: 'GitHub REST API base URL.' }),
    timeoutMs: s.number({ integer: true, min: 100, default: 10_000, description: 'Timeout of one GitHub request.' })
  }),
  sealPrivateKey: s.optional(
    s.string({
      description:
        'PEM private key (X25519 or RSA) that opens secrets the detector sealed for revocation (`detector.sealPublicKey` is its public half); mount it from a Secret.'
    })
  )
})

export type ResponderConfig = Infer<typeof responderConfigSchema>
