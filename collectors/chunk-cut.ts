// A full chunk is cut before a private-key block still open at its end (detectors/open-block.ts, which app/ wires
// in as the collectors' ChunkCut): the detector
// reads a block from its header to its END line within one chunk, and a block cut in two was reported from its
// first part only (a partial body, whose fingerprint matches no known secret) or, when that part was short,
// not at all. A collector cutting chunks by count and size cut one key in every ~30 (a 30-line RSA key in
// 1,000-line chunks).

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

/**
 * Takes the lines of an open block off `chunk` (full before a line of `next` bytes) and returns them, to open
 * the next chunk; undefined when `cut` keeps them (none is open, or it would not fit a chunk with that line). The chunk's
 * offsets end with its last line left: a pod log's merged partial records can end out of order, so the furthest end.
 */
export function carryOpenBlock(
  chunk: LogChunk,
  per: ChunkLines,
  next: number,
  limits: { maxChunkLines: number; maxChunkBytes: number },
  cut: ChunkCut | undefined
): ChunkLines | undefined {
  const at = cut === undefined ? -1 : cut(chunk.lines, per.sizes, next, limits.maxChunkLines, limits.maxChunkBytes)
  if (at <= 0 || at >= chunk.lines.length) return undefined
  const carried = { lines: chunk.lines.splice(at), starts: per.starts.splice(at), ends: per.ends.splice(at), sizes: per.sizes.splice(at) }
  chunk.offset.end = Math.max(chunk.offset.start, ...per.ends)
  return carried
}
