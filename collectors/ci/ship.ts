// One CI job's log onto the bus: raw bytes → normalised lines
// (log-lines.ts) → LogChunks of the job's stream → publish, for every CI
// collector and for `ci backfill` with Kafka.
//
// Delivery: `onAcked(line)` is called, in order, once the bus acknowledged
// every line up to `line`; a collector stores it as the job's progress. A
// job resumed after a crash fetches its log again and skips lines up to the
// stored one: chunks may be sent twice around the crash, never skipped, and a
// finding's id (fingerprint, stream, line, column) is the same both times, so
// downstream sees one occurrence.
//
// Memory: up to `maxInFlightBytes` of batches being sent while the next is
// cut (encoded ahead when the publisher can), whatever the log's size.

import type { LogChunk } from '../../pipeline/events.ts'
import { TOPICS } from '../../pipeline/events.ts'
import type { OutRecord, Publish } from '../../pipeline/runner.ts'
import type { ChunkCut } from '../../pipeline/stages.ts'
import { bytesOf, carryOpenBlock, chunkLines, openChunk } from '../chunk-cut.ts'
import type { CiLine } from './log-lines.ts'
import { logLines } from './log-lines.ts'
import type { CiJobMeta, CiLogFormat } from './provider.ts'
import { ciSource, ciStream } from './provider.ts'
import { sendWindow } from './send-window.ts'

export interface ShipOptions {
  format: CiLogFormat
  maxLineBytes: number
  maxChunkLines: number
  maxChunkBytes: number
  /** Bytes of chunks published in one call (several chunks per produce request). */
  maxBatchBytes: number
  /** Bytes published and not yet acknowledged: this over maxBatchBytes is how many sends are on the wire at once. */
  maxInFlightBytes: number
}

export interface ShipDeps {
  publish: Publish
  now?: () => number
  /** In order, after the bus acknowledged every line up to `line`. */
  onAcked?: (line: number, rawBytes: number) => Promise<void> | void
  onMask?: (value: string, line: number) => void
  /** Per line, before it is chunked: labels that start a new chunk when they change (GitHub steps). */
  labelsOf?: (line: CiLine) => Record<string, string> | undefined
  /** Where a full chunk is cut (a private key still open at its end opens the next chunk: ../chunk-cut.ts). */
  cut?: ChunkCut | undefined
}

export interface Shipped {
  lines: number
  bytes: number
  chunks: number
  /** Lines skipped because an earlier attempt had them acknowledged. */
  skipped: number
}

export async function shipJobLog(job: CiJobMeta, bytes: AsyncIterable<Uint8Array>, opts: ShipOptions, deps: ShipDeps, resumeAfterLine = 0): Promise<Shipped> {
  const now = deps.now ?? Date.now
  const stream = ciStream(job)
  const base = ciSource(job)
  const collectedAt = new Date(now()).toISOString()
  let source = base
  let current: LogChunk | undefined
  let per = chunkLines()
  let currentBytes = 0
  let batch: OutRecord[] = []
  let batchBytes = 0
  // The last line whose every piece is in a published batch.
  let batchLastLine = resumeAfterLine
  // Several batches on the wire while the next is cut (a produce round trip with acks=all, not the CPU, bounds one
  // job otherwise); progress is still reported in order, and stops at the first batch that failed.
  const depth = Math.max(1, Math.floor(opts.maxInFlightBytes / opts.maxBatchBytes))
  const sends = sendWindow(deps.publish, { onWire: depth, held: depth - 1 })
  let chunkStart = 0
  const stats: Shipped = { lines: 0, bytes: 0, chunks: 0, skipped: 0 }
  let lastComplete = resumeAfterLine
  let rawEnd = 0

  /**
   * Sends the batch, the chunk being filled closed into it. `midStream`: more lines follow, so a private key still
   * open at that chunk's end stays out of the batch and opens the next chunk (../chunk-cut.ts); progress then stops
   * at the line before it. With the defaults (512 KiB chunks, 768 KiB batches) every other chunk is closed here.
   */
  async function flushBatch(midStream = false): Promise<void> {
    const held = midStream && current !== undefined ? carryOpenBlock(current, per, 0, opts, deps.cut) : undefined
    // The line after the held ones: the next line read, whose number is past the last one taken in.
    const after = { line: batchLastLine + 1, start: rawEnd, end: rawEnd }
    if (held !== undefined) currentBytes -= bytesOf(held)
    closeChunk()
    if (batch.length === 0) return
    const records = batch
    const upTo = batchLastLine - (held?.lines.length ?? 0)
    const raw = held?.starts[0] ?? rawEnd
    batch = []
    batchBytes = 0
    if (held !== undefined) {
      per = held
      current = openChunk({ stream, source, collectedAt }, per, after)
      currentBytes = bytesOf(per)
    }
    await sends.send(records, () => deps.onAcked?.(upTo, raw))
  }

  function closeChunk(): void {
    if (current === undefined) return
    batch.push({ topic: TOPICS.logs, key: stream, value: current })
    batchBytes += currentBytes
    stats.chunks++
    current = undefined
    currentBytes = 0
  }

  let readError: unknown
  // A failed send still waits for what is on the wire, so progress is never reported out of order.
  await sends.run(async () => {
    try {
      await readAll()
    } catch (err) {
      // A download that broke off: what was read is complete lines; sent, it becomes progress to resume from.
      readError = err
    }
    await flushBatch()
  })
  if (readError !== undefined) throw readError
  return stats

  async function readAll(): Promise<void> {
    for await (const lines of logLines(bytes, {
      format: opts.format,
      maxLineBytes: opts.maxLineBytes,
      ...(deps.onMask === undefined ? {} : { onMask: deps.onMask })
    })) {
      for (const l of lines) {
        const labels = deps.labelsOf?.(l)
        if (l.line <= resumeAfterLine) {
          stats.skipped += l.split ? 0 : 1
          chunkStart = l.end
          continue
        }
        if (labels !== undefined) {
          closeChunk()
          source = { ...base, labels: { ...base.labels, ...labels } }
        }
        const size = Buffer.byteLength(l.text) + 1
        if (current === undefined || current.lines.length >= opts.maxChunkLines || currentBytes + size > opts.maxChunkBytes) {
          // The carried lines are in no batch yet: acknowledged progress (batchLastLine) counts them only once the
          // chunk they open is closed into one, which flushBatch does before it sends.
          const carried = current === undefined ? undefined : carryOpenBlock(current, per, size, opts, deps.cut)
          if (carried !== undefined) currentBytes -= bytesOf(carried)
          closeChunk()
          per = carried ?? chunkLines()
          current = openChunk({ stream, source, collectedAt }, per, { line: l.line, start: chunkStart, end: l.end })
          currentBytes = bytesOf(per)
        }
        current.lines.push(l.text)
        per.starts.push(chunkStart)
        per.ends.push(l.end)
        per.sizes.push(size)
        current.offset.end = l.end
        currentBytes += size
        chunkStart = l.end
        rawEnd = l.end
        stats.bytes += size
        // A piece of a split line ends its chunk: lines[i] is line startLine + i in every chunk.
        if (l.split) closeChunk()
        else {
          stats.lines++
          lastComplete = l.line
        }
        batchLastLine = l.split ? lastComplete : l.line
        if (batchBytes + currentBytes >= opts.maxBatchBytes) await flushBatch(true)
      }
    }
  }
}
