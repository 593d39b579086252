// A log chunk of stdin lines for detector tests: the lines and the number of the first, nothing else that varies.

import type { LogChunk } from '../../pipeline/events.ts'

export function stdinChunk(lines: string[], startLine: number, stream = 'file:app.log'): LogChunk {
  return {
    v: '1',
    type: 'log-chunk',
    stream,
    source: { type: 'stdin' },
    startLine,
    offset: { start: 0, end: 0 },
    lines,
    collectedAt: new Date(0).toISOString()
  }
}
