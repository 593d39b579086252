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

function bytesOf(lines: readonly string[]): number {
  let n = lines.length
  for (const l of lines) n += l.length
  return n
}

export function* lineBatches(path: string, maxLines: number): Generator<LineBatch> {
  const fd = openSync(path, 'r')
  // Bytes after the last newline of a read stay bytes, so a UTF-8 sequence cut by the read is decoded whole.
  let buf = Buffer.allocUnsafe(READ_BYTES)
  let batch: string[] = []
  let next = 1
  // Whole batches are cut out of the split with slice; only the lines of an unfinished batch are
  // carried one by one. Byte counts are the text's length (an ASCII corpus; a multi-byte line only
  // skews the per-batch figure, not the total).
  const take = (text: string): LineBatch[] => {
    const out: LineBatch[] = []
    const parts = text.split('\n')
    let at = 0
    if (batch.length > 0) {
      at = Math.min(parts.length, maxLines - batch.length)
      for (let i = 0; i < at; i++) batch.push(parts[i] as string)
      if (batch.length < maxLines) return out
      out.push({ lines: batch, startLine: next, bytes: bytesOf(batch) })
      next += batch.length
      batch = []
    }
    for (; at + maxLines <= parts.length; at += maxLines) {
      const lines = parts.slice(at, at + maxLines)
      out.push({ lines, startLine: next, bytes: bytesOf(lines) })
      next += lines.length
    }
    batch = parts.slice(at)
    return out
  }
  try {
    // The tail of each read (a line not yet complete) moves to the front of the buffer and the next
    // read lands after it: no copy of the whole block per read.
    let kept = 0
    for (;;) {
      if (kept === buf.length) buf = Buffer.concat([buf, Buffer.allocUnsafe(buf.length)]) // a line longer than the buffer
      const n = kept + readSync(fd, buf, kept, buf.length - kept, null)
      if (n === kept) break
      const nl = buf.lastIndexOf(10, n - 1)
      if (nl < 0) {
        kept = n
        continue
      }
      yield* take(buf.toString('utf8', 0, nl))
      buf.copy(buf, 0, nl + 1, n)
      kept = n - nl - 1
    }
    if (kept > 0) yield* take(buf.toString('utf8', 0, kept))
    if (batch.length > 0) yield { lines: batch, startLine: next, bytes: bytesOf(batch) }
  } finally {
    closeSync(fd)
  }
}
