// Configuration of the Kafka bus (`kafka`), shared by every clustered role.

import type { Infer } from './schema.ts'
import * as s from './schema.ts'
import { tlsConfigSchema } from './tls.config.ts'

export const kafkaConfigSchema = s.object({
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
  compressMinBytes: s.number({
    integer: true,
    min: 0,
    default: 2048,
    description:
      'Smallest payload deflated (with `compress`). Deflating costs ~20 µs a call whatever the size up to several KB, on the producer and again on the consumer: a lone 1.2 KB audit event paid more for it than for everything else; a payload below this is sealed as it is.'
  }),
  payloadKey: s.optional(
    s.string({
      minLength: 32,
      description:
        'Secret (32+ characters) from which the AES-256-GCM keys sealing log and audit records on Kafka are derived (a fresh key per producer session, HKDF-SHA256 with a random salt carried in each record). Must be the same on every role (collectors seal, detectors open, every Kafka role checks it is set).'
    })
  ),
  payloadDecryptKeys: s.array(s.string({ minLength: 32 }), {
    default: [],
    description:
      'More payload keys records are opened with, never sealed with, for rotation: add the new key here on every role, then make it `payloadKey` everywhere and move the old one here until the records sealed with it are consumed.'
  }),
  recordKey: s.optional(
    s.string({
      minLength: 32,
      description:
        'Secret (32+ characters) with which detectors sign findings (HMAC-SHA256 in the `lw-mac` header) and responders verify them before acting; a finding without a valid MAC is dead-lettered. Set it on detectors and responders only: unset, the key is derived from `kafka.payloadKey`, which collectors on every node hold too.'
    })
  ),
  recordVerifyKeys: s.array(s.string({ minLength: 32 }), {
    default: [],
    description:
      "More record keys whose MACs are accepted, for rotation: add the new key here on responders, switch `kafka.recordKey` on detectors, then make it the responders' `recordKey` once the findings signed with the old one are consumed."
  }),
  maxPoisonBatchRetries: s.number({
    integer: true,
    min: 0,
    default: 5,
    description:
      'Retries of a consumed batch whose stage keeps throwing an uncoded error (a bug some record trips) before the batch is bisected and the records that throw are dead-lettered (`LW_ERR_RECORD_POISON`); coded transient errors (Kafka or Redis unavailable) are retried without limit. Applies to the in-process bus too.'
  }),
  sessionTimeoutMs: s.number({ integer: true, min: 6000, default: 30_000, description: 'Consumer group session timeout.' }),
  connectionTimeoutMs: s.number({ integer: true, min: 100, default: 3000, description: 'Timeout of one broker connection attempt.' }),
  requestTimeoutMs: s.number({ integer: true, min: 100, default: 30_000, description: 'Timeout of one Kafka request.' }),
  maxBytesPerPartition: s.number({ integer: true, min: 1024, default: 4 * 1024 * 1024, description: 'Most bytes fetched per partition per consumer fetch.' }),
  // Paths, not values: a Kubernetes Secret is mounted as files, and a value in the config would sit in a ConfigMap.
  tls: tlsConfigSchema('kafka', 'the brokers', 'Connect to the brokers over TLS (a `SSL` or `SASL_SSL` listener).'),
  sasl: s.object({
    mechanism: s.literal(['none', 'plain', 'scram-sha-256', 'scram-sha-512', 'oauthbearer'] as const, {
      default: 'none',
      description: 'SASL mechanism of the listener; `none` connects without SASL. Use SASL only with `kafka.tls.enabled` unless the network is trusted.'
    }),
    username: s.optional(s.string({ description: 'SASL user (plain, scram-sha-256/512); or `kafka.sasl.usernameFile`.' })),
    usernameFile: s.optional(s.string({ description: 'File holding the SASL user, read at start (a mounted Secret key); wins over `kafka.sasl.username`.' })),
    passwordFile: s.optional(
      s.string({
        description: 'File holding the SASL password (plain, scram-sha-256/512), read at start; the password is never logged and has no config value.'
      })
    ),
    oauthTokenFile: s.optional(
      s.string({
        description:
          'File holding the OAUTHBEARER token (a JWT), re-read at every (re)authentication so a sidecar or projected token can rotate it without a restart.'
      })
    )
  })
})

export type KafkaConfig = Infer<typeof kafkaConfigSchema>
