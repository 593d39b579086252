// A full chunk is cut before a block still open at its end (detectors/open-block.ts, which app/ wires in as the
// collectors' ChunkCut): a private key, an env var's name line before its value line, a pretty-printed JWK's
// member lines, a hex dump's rows. The detector reads a block from its header to its END line within one chunk,
// and a block cut in two was reported from its first part only (a partial body, whose fingerprint matches no
// known secret) or, when that part was short, not at all: cut by count and size, one 30-line RSA key in ~30
// (1,000-line chunks).

import type { LogChunk } from '../pipeline/events.ts'
import type { ChunkCut } from '../pipeline/stages.ts'

/** Per line of a chunk being filled: where it starts and ends in its source, and its bytes as the chunk's limit counts them. */
export interface ChunkLines {
  lines: string[]
  starts: number[]
  ends: number[]
  sizes: number[]
}

export function chunkLines(): ChunkLines {
  return { lines: [], starts: [], ends: [], sizes: [] }
}

/** The bytes of `per`'s lines, as the chunk's limit counts them. */
export function bytesOf(per: ChunkLines): number {
  let n = 0
  for (const s of per.sizes) n += s
  return n
}

interface Limits {
  maxChunkLines: number
  maxChunkBytes: number
}

/** Where `cut` cuts `lines` (full before a line of `next` bytes): an index inside them, or -1 (at their end). */
export function cutIndex(cut: ChunkCut | undefined, lines: readonly string[], sizes: readonly number[], next: number, limits: Limits): number {
  const at = cut === undefined ? -1 : cut(lines, sizes, next, limits.maxChunkLines, limits.maxChunkBytes)
  return at > 0 && at < lines.length ? at : -1
}

/**
 * A chunk holding `per`'s lines (carried from the chunk before, or none yet), before the line numbered `next.line`,
 * which spans `next.start` to `next.end` in its source: lines[i] is line startLine + i.
 */
export function openChunk(
  head: Pick<LogChunk, 'stream' | 'source' | 'collectedAt'>,
  per: ChunkLines,
  next: { line: number; start: number; end: number }
): LogChunk {
  return {
    v: '1',
    type: 'log-chunk',
    stream: head.stream,
    source: head.source,
    startLine: next.line - per.lines.length,
    offset: { start: per.starts[0] ?? next.start, end: next.end },
    lines: per.lines,
    collectedAt: head.collectedAt
  }
}

/**
 * The lines of `chunk` from `at` on, taken off it. The chunk's offsets end with its last line left: a pod log's
 * merged partial records can end out of order, so the furthest end.
 */
function takeFrom(chunk: LogChunk, per: ChunkLines, at: number): ChunkLines {
  const taken = { lines: chunk.lines.splice(at), starts: per.starts.splice(at), ends: per.ends.splice(at), sizes: per.sizes.splice(at) }
  let end = chunk.offset.start
  for (const e of per.ends) end = Math.max(end, e)
  chunk.offset.end = end
  return taken
}

/**
 * Takes the lines of an open block off `chunk` (full before a line of `next` bytes) and returns them, to open
 * the next chunk; undefined when `cut` keeps them (none is open, or it would not fit a chunk with that line).
 */
export function carryOpenBlock(chunk: LogChunk, per: ChunkLines, next: number, limits: Limits, cut: ChunkCut | undefined): ChunkLines | undefined {
  const at = cutIndex(cut, chunk.lines, per.sizes, next, limits)
  return at < 0 ? undefined : takeFrom(chunk, per, at)
}

/**
 * At the end of a read its file may go on after (the cycle's byte budget was spent, or its writer is still
 * writing): the lines of a block still open at the end of `chunk`, the read's last, are taken off it and read
 * again next cycle, with the rest of the block. Returns where to read from next and how many lines were taken.
 * Not when the block starts the chunk, so every read delivers something; nor when a line left ends past where
 * the taken ones start (a pod log's merged partial records: reading from there again would repeat it).
 */
export function holdOpenBlock(chunk: LogChunk, per: ChunkLines, limits: Limits, cut: ChunkCut | undefined): { offset: number; lines: number } | undefined {
  const at = cutIndex(cut, chunk.lines, per.sizes, 0, limits)
  if (at < 0) return undefined
  let from = Number.POSITIVE_INFINITY
  for (let i = at; i < per.starts.length; i++) from = Math.min(from, per.starts[i] ?? from)
  for (let i = 0; i < at; i++) if ((per.ends[i] ?? 0) > from) return undefined
  return { offset: from, lines: takeFrom(chunk, per, at).lines.length }
}
