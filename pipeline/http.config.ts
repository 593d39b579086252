// Configuration of the metrics and health endpoint (`http`).

import type { Infer } from './schema.ts'
import * as s from './schema.ts'

export const httpConfigSchema = s.object({
  host: s.string({ default: '0.0.0.0', description: 'Address of the /metrics, /healthz and /readyz endpoint.' }),
  port: s.number({
    integer: true,
    min: 0,
    max: 65535,
    default: 9464,
    description: 'Port of the /metrics, /healthz and /readyz endpoint; 0 picks a free port.'
  }),
  enabled: s.boolean({ default: true, description: 'Serve metrics and health endpoints.' })
})

export type HttpConfig = Infer<typeof httpConfigSchema>
