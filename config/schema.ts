// The configuration schema: every option with its description, default and
// unit in its name. The README's configuration reference and the environment
// variable names are generated from this one tree (`leakwatch config docs`).

import { knownSecretsConfigSchema } from '../detectors/known-secrets/config.ts'
import type { Infer } from '../pipeline/schema.ts'
import * as s from '../pipeline/schema.ts'
import { responderConfigSchema } from '../responders/config.ts'

export const configSchema = s.object({
  cluster: s.string({ default: 'default', description: 'Name of this cluster, attached to every record and incident.' }),
  log: s.object({
    level: s.literal(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const, {
      default: 'info',
      description: "Log level of leakwatch's own JSON logs."
    })
  }),
  http: s.object({
    host: s.string({ default: '0.0.0.0', description: 'Address of the /metrics, /healthz and /readyz endpoint.' }),
    port: s.number({
      integer: true,
      min: 0,
      max: 65535,
      default: 9464,
      description: 'Port of the /metrics, /healthz and /readyz endpoint; 0 picks a free port.'
    }),
    enabled: s.boolean({ default: true, description: 'Serve metrics and health endpoints.' })
  }),
  kafka: s.object({
    brokers: s.array(s.string(), { default: ['localhost:9092'], description: 'Bootstrap brokers, host:port.' }),
    clientId: s.string({ default: 'leakwatch', description: 'Kafka client id (shows in broker logs and quotas).' }),
    topicPrefix: s.string({
      default: '',
      pattern: /^[A-Za-z0-9._-]*$/,
      description: 'Prepended to every topic name (e.g. `prod-eu.`), so several installations can share one Kafka cluster.'
    }),
    partitions: s.number({ integer: true, min: 1, default: 6, description: 'Partitions of topics leakwatch creates when they are missing.' }),
    replicationFactor: s.number({ integer: true, min: -1, default: -1, description: 'Replication factor of created topics; -1 uses the broker default.' }),
    compress: s.boolean({
      default: true,
      description: 'Deflate record payloads before sealing (log chunks shrink ~5x); Kafka-level compression would see only ciphertext.'
    }),
    payloadKey: s.optional(
      s.string({
        minLength: 32,
        description:
          'Secret (32+ characters) from which the AES-256-GCM key sealing log and audit records on Kafka is derived. Must be the same on every role (collectors seal, detectors open, every Kafka role checks it is set).'
      })
    ),
    sessionTimeoutMs: s.number({ integer: true, min: 6000, default: 30_000, description: 'Consumer group session timeout.' }),
    connectionTimeoutMs: s.number({ integer: true, min: 100, default: 3000, description: 'Timeout of one broker connection attempt.' }),
    requestTimeoutMs: s.number({ integer: true, min: 100, default: 30_000, description: 'Timeout of one Kafka request.' }),
    maxBytesPerPartition: s.number({ integer: true, min: 1024, default: 4 * 1024 * 1024, description: 'Most bytes fetched per partition per consumer fetch.' })
  }),
  redis: s.object({
    url: s.string({ default: 'redis://localhost:6379', description: 'Redis URL (redis:// or rediss://) for incidents and BullMQ jobs.' }),
    keyPrefix: s.string({ default: 'lw', description: 'Prefix of every Redis key leakwatch writes.' })
  }),
  collector: s.object({
    files: s.object({
      enabled: s.boolean({ default: true, description: 'Tail the files of `path`.' }),
      path: s.string({ default: './demo/logs', description: 'Directory whose files are tailed (recursively).' }),
      include: s.string({ default: '\\.log$', description: "Regular expression a file's path relative to `path` must match." }),
      readFrom: s.literal(['end', 'beginning'] as const, {
        default: 'end',
        description:
          'Where to start in the files that exist when the collector first starts (no checkpoint file yet); files that appear later, including while the collector was stopped, are read from the beginning.'
      }),
      checkpointPath: s.string({
        default: './.leakwatch/checkpoints.json',
        description: 'Checkpoint file (offsets acknowledged by the bus), written atomically.'
      }),
      pollIntervalMs: s.number({ integer: true, min: 10, default: 250, description: 'How often files are checked for new data and new files.' }),
      maxLineBytes: s.number({
        integer: true,
        min: 256,
        default: 256 * 1024,
        description: 'Longer lines are split into pieces of at most this many bytes (never dropped: a secret in the tail is still scanned).'
      }),
      maxChunkLines: s.number({ integer: true, min: 1, default: 500, description: 'Most lines in one LogChunk.' }),
      maxChunkBytes: s.number({ integer: true, min: 1024, default: 512 * 1024, description: 'Most bytes in one LogChunk.' })
    }),
    podLogs: s.object({
      mode: s.literal(['auto', 'on', 'off'] as const, {
        default: 'auto',
        description:
          'Tail the Kubernetes container logs under `path`. `auto`: on for `run collector` when `path` exists (a Kubernetes node), off for `run all`.'
      }),
      path: s.string({ default: '/var/log/pods', description: "The kubelet's pod log directory: <namespace>_<pod>_<uid>/<container>/<restart>.log." }),
      nodeName: s.optional(
        s.string({ description: "This node's name (the DaemonSet sets it from spec.nodeName): pod metadata is watched for this node only." })
      ),
      readFrom: s.literal(['end', 'beginning'] as const, {
        default: 'beginning',
        description:
          'Where to start in the log files that exist when the collector first starts on a node (no checkpoint yet). `beginning` finds leaks already on the node, rotated copies included, oldest first; kubelet caps each file (10 MiB by default). After that, any file new to the checkpoint is read from its start.'
      }),
      checkpointPath: s.string({
        default: './.leakwatch/pod-logs-checkpoints.json',
        description: 'Checkpoint file (offsets acknowledged by Kafka), written atomically; on a node, a hostPath that outlives the pod.'
      }),
      pollIntervalMs: s.number({ integer: true, min: 10, default: 250, description: 'How often followed files are checked for new data.' }),
      discoveryIntervalMs: s.number({
        integer: true,
        min: 10,
        default: 1000,
        description: 'How often the directory is listed for new pods, containers and restarts.'
      }),
      flushIntervalMs: s.number({
        integer: true,
        min: 0,
        default: 1000,
        description: 'Longest a written line waits for more lines to fill its chunk, so quiet pods still send few large messages.'
      }),
      maxLineBytes: s.number({
        integer: true,
        min: 1024,
        default: 256 * 1024,
        description: 'Bound on a line merged from CRI partial (P) records or docker 16 KiB pieces; longer lines are sent in pieces, never dropped.'
      }),
      maxChunkLines: s.number({ integer: true, min: 1, default: 1000, description: 'Most lines in one LogChunk.' }),
      maxChunkBytes: s.number({ integer: true, min: 1024, default: 512 * 1024, description: 'Most bytes in one LogChunk.' }),
      maxInFlightBytes: s.number({
        integer: true,
        min: 64 * 1024,
        default: 16 * 1024 * 1024,
        description: 'Most log bytes read and not yet acknowledged by Kafka; reading pauses at this bound while Kafka is slow or down, so memory stays flat.'
      }),
      rotatedHoldMs: s.number({
        integer: true,
        min: 0,
        default: 15 * 60 * 1000,
        description:
          'How long a rotated and deleted log file is held open while Kafka cannot take its unread lines; after that they are counted in leakwatch_lines_lost_total.'
      }),
      includeNamespaces: s.array(s.string(), { default: [], description: 'Only these namespaces (empty: all).' }),
      excludeNamespaces: s.array(s.string(), { default: [], description: 'Never these namespaces.' }),
      includePodLabels: s.array(s.string(), {
        default: [],
        description: 'Only pods matching one of these label selectors (`key=value`, `key!=value`, `key`, `!key`; comma = and). Empty: all.'
      }),
      excludePodLabels: s.array(s.string(), { default: [], description: 'Never pods matching one of these label selectors.' }),
      metadata: s.object({
        enabled: s.boolean({
          default: true,
          description:
            'Enrich with labels and owner workload from the API server (pod informer on this node); needs get/list/watch on pods. Off: path metadata only, annotation and label selection off.'
        }),
        kubeconfigPath: s.optional(s.string({ description: 'Kubeconfig file; unset: in-cluster service account, else KUBECONFIG or ~/.kube/config.' })),
        waitMs: s.number({
          integer: true,
          min: 0,
          default: 3000,
          description: 'How long the files of a pod not yet in the cache wait for its metadata (and exclusion annotations) before being read without.'
        }),
        deletedRetentionMs: s.number({
          integer: true,
          min: 0,
          default: 10 * 60 * 1000,
          description: "How long a deleted pod's metadata is kept for the lines it wrote last."
        })
      })
    })
  }),
  detector: s.object({
    groupId: s.string({ default: 'leakwatch-detector', description: 'Kafka consumer group of the detector role.' }),
    fingerprintKey: s.optional(
      s.string({
        minLength: 32,
        description:
          'Key of the HMAC-SHA256 fingerprints (32+ characters). Required for `run detector`; without it `scan` and `run all` use a random per-process key, so fingerprints do not match across runs.'
      })
    ),
    maxContextChars: s.number({ integer: true, min: 40, default: 240, description: 'Masked context kept around a finding.' }),
    sealPublicKey: s.optional(
      s.string({
        description:
          "PEM public key (X25519 or RSA 2048+) of the responder: findings of `sealRules` carry the secret sealed to it, for revocation APIs that need the value (GitHub's). Unset = nothing is sealed."
      })
    ),
    sealRules: s.string({
      default: '^github-',
      description: 'Regular expression on rule ids whose findings carry the sealed secret (when `sealPublicKey` is set).'
    }),
    allow: s.object({
      secrets: s.array(s.string(), {
        default: [],
        description: 'RE2 patterns; a secret matching one is not a finding (known test values). In the environment, a JSON array when a pattern holds a comma.'
      }),
      lines: s.array(s.string(), {
        default: [],
        description: 'RE2 patterns; no finding on a line matching one (a line holding `leakwatch:allow` is always skipped).'
      }),
      streams: s.array(s.string(), {
        default: [],
        description:
          'RE2 patterns on stream ids (`k8s/<ns>/<pod>/<container>`, `ci/<provider>/<repo>/<job>`, `file/<path>` from the collector, `file:<path>` and `stdin` from `scan`); matching streams are not scanned.'
      })
    }),
    knownSecrets: knownSecretsConfigSchema
  }),
  responder: responderConfigSchema
})

export type Config = Infer<typeof configSchema>
