// Configuration of the files collector (`collector.files`). Kept out of files.ts so that
// assembling the whole schema (config/schema.ts) loads no collector code.

import type { Infer } from '../pipeline/schema.ts'
import * as s from '../pipeline/schema.ts'

export const filesConfigSchema = s.object({
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
})

export type FilesConfig = Infer<typeof filesConfigSchema>
