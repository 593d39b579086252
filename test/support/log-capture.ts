// A leakwatch logger whose lines the test reads back: what an operator would
// see (codes, reasons) and what must never be there (a secret's value).

import { Writable } from 'node:stream'
import { createLogger } from '../../pipeline/log.ts'

export function captureLog(level: 'debug' | 'info' = 'debug'): { lines: string[]; logger: ReturnType<typeof createLogger> } {
  const lines: string[] = []
  const logger = createLogger({
    level,
    destination: new Writable({
      write(c: Buffer, _e, cb) {
        lines.push(c.toString())
        cb()
      }
    })
  })
  return { lines, logger }
}
