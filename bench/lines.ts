// Reads a corpus file as the collectors do: big sequential reads, split at
// newlines, handed on in batches of lines. Sync reads keep the measured
// process free of event-loop and stream overhead that the pipeline does not
// pay per line either (its collectors read large blocks too).

import { closeSync, openSync, readSync } from 'node:fs'

const READ_BYTES = 1 << 20

export interface LineBatch {
  lines: string[]
  /** 1-based number of lines[0] in the file. */
  startLine: number
  /** UTF-8 bytes of the batch including its newlines. */
  bytes: number
}

export function* lineBatches(path: string, maxLines: number): Generator<LineBatch> {
  const fd = openSync(path, 'r')
  const buf = Buffer.allocUnsafe(READ_BYTES)
  // Bytes after the last newline of a read: kept as bytes so a UTF-8 sequence cut by the read is decoded whole.
  let rest: Buffer = Buffer.alloc(0)
  let batch: string[] = []
  let batchBytes = 0
  let next = 1
  const take = (text: string): LineBatch[] => {
    const out: LineBatch[] = []
    for (const line of text.split('\n')) {
      batch.push(line)
      batchBytes += line.length + 1 // ASCII corpus; a multi-byte line only skews the per-batch figure, not the total
      if (batch.length >= maxLines) {
        out.push({ lines: batch, startLine: next, bytes: batchBytes })
        next += batch.length
        batch = []
        batchBytes = 0
      }
    }
    return out
  }
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, READ_BYTES, null)
      if (n === 0) break
      const nl = buf.lastIndexOf(10, n - 1)
      if (nl < 0) {
        rest = Buffer.concat([rest, buf.subarray(0, n)])
        continue
      }
      const head = rest.length === 0 ? buf.subarray(0, nl) : Buffer.concat([rest, buf.subarray(0, nl)])
      rest = Buffer.from(buf.subarray(nl + 1, n))
      yield* take(head.toString('utf8'))
    }
    if (rest.length > 0) yield* take(rest.toString('utf8'))
    if (batch.length > 0) yield { lines: batch, startLine: next, bytes: batchBytes }
  } finally {
    closeSync(fd)
  }
}
