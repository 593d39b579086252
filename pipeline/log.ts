// pino, with redaction as a second line of defence: the first is that no code
// path logs a line of scanned input or a secret value at all. The paths below
// cover the places a value could slip in by accident (a config object, an HTTP
// header, an error carrying a request).

import type { DestinationStream, Logger as PinoLogger } from 'pino'
import { pino } from 'pino'

export type Logger = PinoLogger

export const REDACT_PATHS = [
  'secret',
  '*.secret',
  'value',
  '*.value',
  'password',
  '*.password',
  'token',
  '*.token',
  'fingerprintKey',
  '*.fingerprintKey',
  'signingSecret',
  '*.signingSecret',
  'secrets',
  '*.secrets',
  'line',
  '*.line',
  'lines',
  '*.lines',
  'raw',
  '*.raw',
  'headers.authorization',
  '*.headers.authorization',
  'headers.cookie',
  '*.headers.cookie',
  'config.kafka.sasl',
  'config.redis.url'
]

export interface LoggerOptions {
  level: string
  name?: string
  /** Where to write; defaults to stdout. Tests pass a capturing stream. */
  destination?: DestinationStream
}

export function createLogger(opts: LoggerOptions): Logger {
  const options = {
    level: opts.level,
    name: opts.name ?? 'leakwatch',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { pid: process.pid },
    serializers: { err: pino.stdSerializers.err }
  }
  return opts.destination === undefined ? pino(options) : pino(options, opts.destination)
}

/** A logger that writes nowhere, for library use and tests that do not inspect logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' })
}
