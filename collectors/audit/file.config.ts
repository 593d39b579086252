// Configuration of the audit log file collector (`collector.auditFile`): the
// API server's log backend (`--audit-log-path`), or a provider's export file.
// Kept out of file.ts so that assembling the whole schema loads no code.

import type { Infer } from '../../pipeline/schema.ts'
import * as s from '../../pipeline/schema.ts'
import { AUDIT_STAGES, maxEventsPerRecordSchema, maxRecordBytesSchema } from './webhook.config.ts'

export const auditFileConfigSchema = s.object({
  enabled: s.boolean({
    default: false,
    description: "Tail the API server's audit log (`--audit-log-path`, `--audit-log-format=json`) or an exported audit log."
  }),
  path: s.string({
    default: '/var/log/kubernetes/audit/audit.log',
    description:
      "The file the API server writes. Its rotated copies in the same directory (`audit-<timestamp>.log`, the API server's naming) are read to their end when a rotation happens while we follow it. Lines may also be GKE, EKS or AKS export records (pipeline/audit-decode.ts)."
  }),
  readFrom: s.literal(['end', 'beginning'] as const, {
    default: 'end',
    description:
      'Where to start in the log on the very first start (no checkpoint yet); `beginning` also reads the rotated copies there are. Later starts resume from the checkpoint.'
  }),
  checkpointPath: s.string({
    default: './.leakwatch/audit-checkpoints.json',
    description: 'Checkpoint file (offsets acknowledged by the bus), written atomically.'
  }),
  pollIntervalMs: s.number({ integer: true, min: 10, default: 250, description: 'How often the log is checked for new lines and rotation.' }),
  maxLineBytes: s.number({
    integer: true,
    min: 1024,
    default: 4 * 1024 * 1024,
    description:
      'Longest line read; a longer one (an event of a huge object) is skipped and counted (LW_ERR_AUDIT_INVALID, too-large): a piece of a JSON event is not an event.'
  }),
  maxEventsPerLine: s.number({
    integer: true,
    min: 1,
    default: 10_000,
    description: 'Most events one line may hold (an export record such as an EKS subscription payload or AKS `records[]`).'
  }),
  maxRecordBytes: maxRecordBytesSchema(),
  maxEventsPerRecord: maxEventsPerRecordSchema('of one read of the log'),
  stages: s.array(s.literal(AUDIT_STAGES), {
    default: ['ResponseStarted', 'ResponseComplete', 'Panic'],
    description: 'Stages forwarded to the bus; others are counted and dropped.'
  })
})

export type AuditFileConfig = Infer<typeof auditFileConfigSchema>
