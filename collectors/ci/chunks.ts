// From a CI job's normalised lines (collectors/ci/log-lines.ts) to LogChunks on
// `leakwatch.logs.v1`: one chunk on the wire while the next is cut, and no
// more, so a slow or absent broker holds back the reader (backpressure)
// instead of memory filling up; acknowledgements come in order, and the
// caller learns a job is delivered only when every line of it is.
//
// A chunk's lines are consecutive line numbers from `startLine`. A line the
// runner split (GitLab's `+` continuation, same number) is joined back while
// it fits `maxLineBytes`, so a secret cut by the runner is one string again;
// past that bound the next piece starts a new chunk at the same number, so
// positions still name the line the provider's UI shows.

import type { LogChunk, Source } from '../../pipeline/events.ts'
import { TOPICS } from '../../pipeline/events.ts'
import type { Publish } from '../../pipeline/runner.ts'
import type { ChunkCut } from '../../pipeline/stages.ts'
import { cutIndex } from '../chunk-cut.ts'
import type { CiLine } from './log-lines.ts'
import { sendWindow } from './send-window.ts'

export interface ChunkLimits {
  maxChunkLines: number
  maxChunkBytes: number
  maxLineBytes: number
}

export interface Delivered {
  lines: number
  bytes: number
  chunks: number
}

/**
 * Publishes `batches` as chunks of `stream`; resolves once Kafka acknowledged the last one. `skipThrough` drops
 * lines whose raw end offset is at or before it (a resumed job whose head Kafka already has).
 */
export async function publishLines(
  batches: AsyncIterable<CiLine[]>,
  stream: string,
  source: Source,
  limits: ChunkLimits,
  deps: { publish: Publish; now?: () => Date; onChunk?: (endOffset: number, lines: number) => void; cut?: ChunkCut | undefined },
  skipThrough = -1
): Promise<Delivered> {
  const now = deps.now ?? (() => new Date())
  const done: Delivered = { lines: 0, bytes: 0, chunks: 0 }
  let lines: string[] = []
  // Per line taken in: its bytes and its raw end offset, for a cut before a block still open (chunk-cut.ts).
  let sizes: number[] = []
  let ends: number[] = []
  let bytes = 0
  let startLine = 1
  let startOffset = 0
  let lastNumber = 0
  let lastEnd = 0
  // Whether the last line taken in may still grow by a continuation piece.
  let lastOpen = false
  // Encoded now, sent once the chunk before it is acknowledged: one chunk on the wire while the next is cut,
  // acknowledgements in order, and never more than two chunks held. A failed send fails here, at the next cut, or
  // at the end; nothing after it is sent.
  const sends = sendWindow(deps.publish, { onWire: 1, held: 1 })

  /** Sends the lines taken in, or those before `keep`, the first of the lines that open the next chunk. */
  async function flush(keep = lines.length): Promise<void> {
    if (lines.length === 0) return
    const end = keep < lines.length ? (ends[keep - 1] ?? lastEnd) : lastEnd
    const chunk: LogChunk = {
      v: '1',
      type: 'log-chunk',
      stream,
      source,
      startLine,
      offset: { start: startOffset, end },
      lines: lines.slice(0, keep),
      collectedAt: now().toISOString()
    }
    const n = keep
    lines = lines.slice(keep)
    sizes = sizes.slice(keep)
    ends = ends.slice(keep)
    bytes = sizes.reduce((a, b) => a + b, 0)
    startLine += n
    startOffset = end
    await sends.send([{ topic: TOPICS.logs, key: stream, value: chunk }], () => {
      done.chunks++
      done.lines += n
      deps.onChunk?.(chunk.offset.end, n)
    })
  }

  // Whatever happened, nothing is left sending behind the caller's back.
  await sends.run(async () => {
    for await (const batch of batches) {
      for (const l of batch) {
        const size = Buffer.byteLength(l.text)
        const prevEnd = lastEnd
        if (l.end <= skipThrough) {
          lastEnd = l.end
          lastNumber = l.line
          continue
        }
        done.bytes += size
        const sameLine = l.line === lastNumber && lines.length > 0
        if (sameLine && lastOpen) {
          const last = lines.length - 1
          const joined = (lines[last] ?? '') + l.text
          if (Buffer.byteLength(joined) <= limits.maxLineBytes) {
            lines[last] = joined
            sizes[last] = (sizes[last] ?? 0) + size
            ends[last] = l.end
            bytes += size
            lastEnd = l.end
            lastOpen = l.split
            continue
          }
        }
        const gap = lines.length > 0 && !sameLine && l.line !== lastNumber + 1
        const full = lines.length >= limits.maxChunkLines || (lines.length > 0 && bytes + size > limits.maxChunkBytes)
        if (sameLine || gap) await flush()
        else if (full) {
          // A private-key block still open at a full chunk's end opens the next chunk instead (chunk-cut.ts).
          const at = cutIndex(deps.cut, lines, sizes, size, limits)
          await flush(at < 0 ? lines.length : at)
        }
        if (lines.length === 0) {
          startLine = l.line
          startOffset = prevEnd
        }
        lines.push(l.text)
        sizes.push(size)
        ends.push(l.end)
        bytes += size
        lastNumber = l.line
        lastEnd = l.end
        lastOpen = l.split
      }
    }
    await flush()
  })
  return done
}
