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

interface Limits {
  maxChunkLines: number
  maxChunkBytes: number
}

/** Where `cut` cuts `chunk` (full before a line of `next` bytes): an index inside it, or -1. */
function cutAt(chunk: LogChunk, per: ChunkLines, next: number, limits: Limits, cut: ChunkCut | undefined): number {
  const at = cut === undefined ? -1 : cut(chunk.lines, per.sizes, next, limits.maxChunkLines, limits.maxChunkBytes)
  return at > 0 && at < chunk.lines.length ? at : -1
}

/**
 * The lines of `chunk` from `at` on, taken off it. The chunk's offsets end with its last line left: a pod log's
 * merged partial records can end out of order, so the furthest end.
 */
function takeFrom(chunk: LogChunk, per: ChunkLines, at: number): ChunkLines {
  const taken = { lines: chunk.lines.splice(at), starts: per.starts.splice(at), ends: per.ends.splice(at), sizes: per.sizes.splice(at) }
  chunk.offset.end = Math.max(chunk.offset.start, ...per.ends)
  return taken
}

/**
 * Takes the lines of an open block off `chunk` (full before a line of `next` bytes) and returns them, to open
 * the next chunk; undefined when `cut` keeps them (none is open, or it would not fit a chunk with that line).
 */
export function carryOpenBlock(chunk: LogChunk, per: ChunkLines, next: number, limits: Limits, cut: ChunkCut | undefined): ChunkLines | undefined {
  const at = cutAt(chunk, per, next, limits, cut)
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
  const at = cutAt(chunk, per, 0, limits, cut)
  if (at < 0) return undefined
  const from = Math.min(...per.starts.slice(at))
  if (Math.max(...per.ends.slice(0, at)) > from) return undefined
  return { offset: from, lines: takeFrom(chunk, per, at).lines.length }
}
