// The whole configuration schema, assembled from the schemas each component
// keeps beside itself (`collectors/*.config.ts`, `detectors/config.ts`,
// `responders/config.ts`, the bus, Redis and HTTP endpoint in `pipeline/`). Every
// option has its description, default and unit in its name; the configuration
// reference in docs/ and the environment variable names are generated from
// this one tree (`leakwatch config docs`). The section names under
// `collector` are the names in app/registry.ts.

import { auditFileConfigSchema } from '../collectors/audit/file.config.ts'
import { auditWebhookConfigSchema } from '../collectors/audit/webhook.config.ts'
import { githubCollectorConfigSchema } from '../collectors/ci/github.config.ts'
import { gitlabConfigSchema } from '../collectors/ci/gitlab.config.ts'
import { ciIngestConfigSchema } from '../collectors/ci/ingest.config.ts'
import { filesConfigSchema } from '../collectors/files.config.ts'
import { podLogsConfigSchema } from '../collectors/pod-logs.config.ts'
import { detectorConfigSchema } from '../detectors/config.ts'
import { kafkaConfigSchema } from '../pipeline/bus-kafka.config.ts'
import { httpConfigSchema } from '../pipeline/http.config.ts'
import { redisConfigSchema } from '../pipeline/redis.config.ts'
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
  http: httpConfigSchema,
  kafka: kafkaConfigSchema,
  redis: redisConfigSchema,
  collector: s.object({
    auditFile: auditFileConfigSchema,
    auditWebhook: auditWebhookConfigSchema,
    ciIngest: ciIngestConfigSchema,
    files: filesConfigSchema,
    github: githubCollectorConfigSchema,
    gitlab: gitlabConfigSchema,
    podLogs: podLogsConfigSchema
  }),
  detector: detectorConfigSchema,
  responder: responderConfigSchema
})

export type Config = Infer<typeof configSchema>
