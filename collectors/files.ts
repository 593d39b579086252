// Tails every file under a directory: the collector of `leakwatch run all`
// and of hosts that are not Kubernetes nodes. New lines only; positions are
// checkpointed after the bus acknowledged the chunks up to them, so a crash
// replays the unacknowledged tail and never skips. Following files through
// rotation, truncation and deletion is the tailing engine's (tail.ts); this
// file knows what a plain line is and how lines become chunks.

import { readdir } from 'node:fs/promises'
import { join, relative, sep } from 'node:path'
import type { LogChunk } from '../pipeline/events.ts'
import { TOPICS } from '../pipeline/events.ts'
import type { Collector, CollectorDeps } from '../pipeline/stages.ts'
import { bytesOf, carryOpenBlock, chunkLines, holdOpenBlock, openChunk } from './chunk-cut.ts'
import type { FilesConfig } from './files.config.ts'
import type { ReadResult, TailFile } from './tail.ts'
import { createTailer } from './tail.ts'
import { utf8Boundary } from './utf8.ts'

async function walk(root: string, include: RegExp): Promise<string[]> {
  const out: string[] = []
  let entries: import('node:fs').Dirent[]
  try {
    entries = await readdir(root, { recursive: true, withFileTypes: true })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return out
    throw err
  }
  for (const e of entries) {
    if (!e.isFile()) continue
    const abs = join(e.parentPath, e.name)
    const rel = relative(root, abs).split(sep).join('/')
    if (include.test(rel)) out.push(rel)
  }
  return out.sort()
}

export function createFilesCollector(config: FilesConfig, deps: CollectorDeps): Collector {
  const include = new RegExp(config.include)
  const now = deps.now ?? (() => new Date())

  /** Reads complete lines from one file into chunks, without advancing its position. */
  async function readChunks(t: TailFile, budget: number): Promise<ReadResult> {
    const chunks: LogChunk[] = []
    let offset = t.readOffset
    let line = t.readLine
    const buf = Buffer.alloc(Math.min(budget, config.maxChunkBytes))
    // A line never waits for more than one buffer: longer ones are split.
    const maxLine = Math.min(config.maxLineBytes, buf.length)
    let current: LogChunk | undefined
    let per = chunkLines()
    let currentBytes = 0
    while (offset - t.readOffset < budget) {
      const { bytesRead } = await t.fh.read(buf, 0, buf.length, offset)
      if (bytesRead === 0) break
      let consumed = 0
      while (consumed < bytesRead) {
        const nl = buf.indexOf(10, consumed)
        let end: number
        let next: number
        if (nl !== -1 && nl < bytesRead && nl - consumed <= maxLine) {
          end = nl
          next = nl + 1
        } else if (bytesRead - consumed >= maxLine) {
          // An over-long line is split, not dropped: a secret in its tail must still be scanned.
          end = consumed + utf8Boundary(buf.subarray(consumed), maxLine)
          next = end
        } else {
          break // an incomplete last line: wait for its newline
        }
        let text = buf.toString('utf8', consumed, end)
        if (text.endsWith('\r')) text = text.slice(0, -1)
        const bytes = next - consumed
        if (current === undefined || current.lines.length >= config.maxChunkLines || currentBytes + bytes > config.maxChunkBytes) {
          // A private-key block still open at a full chunk's end opens the next chunk instead (chunk-cut.ts).
          const carried = current === undefined ? undefined : carryOpenBlock(current, per, bytes, config, deps.chunkCut)
          per = carried ?? chunkLines()
          const head = { stream: `file/${t.rel}`, source: { type: 'file' as const, path: t.abs }, collectedAt: now().toISOString() }
          current = openChunk(head, per, { line: line + 1, start: offset + consumed, end: offset + consumed })
          currentBytes = bytesOf(per)
          chunks.push(current)
        }
        current.lines.push(text)
        per.starts.push(offset + consumed)
        per.ends.push(offset + next)
        per.sizes.push(bytes)
        current.offset.end = offset + next
        currentBytes += bytes
        consumed = next
        // A piece of a split line ends its chunk, so the next piece starts a chunk of its own with the same
        // line number: lines[i] is line startLine + i, and findings after a long line keep their real numbers.
        if (next === end) current = undefined
        else line++
      }
      if (consumed === 0) break
      offset += consumed
    }
    // A private key still open where this read stopped is read again next cycle, whole with its rest (chunk-cut.ts):
    // not from a file deleted or rotated away, which nothing follows.
    const last = chunks.at(-1)
    if (last !== undefined && last === current && t.goneAt === undefined && t.alias === undefined) {
      const held = holdOpenBlock(last, per, config, deps.chunkCut)
      if (held !== undefined) {
        offset = held.offset
        line -= held.lines
      }
    }
    deps.metrics.linesCollected.inc({ collector: 'files' }, line - t.readLine)
    deps.metrics.bytesCollected.inc({ collector: 'files' }, offset - t.readOffset)
    return { outputs: chunks.map((c) => ({ topic: TOPICS.logs, key: c.stream, value: c })), offset, line }
  }

  const tailer = createTailer(
    {
      name: 'files',
      checkpointPath: config.checkpointPath,
      pollIntervalMs: config.pollIntervalMs,
      readFrom: config.readFrom,
      maxCycleBytes: config.maxChunkBytes * 8,
      minFileBytes: config.maxChunkBytes,
      list: async () => await walk(config.path, include),
      absolute: (rel) => join(config.path, rel),
      read: readChunks
    },
    { publish: deps.publish, logger: deps.logger, metrics: deps.metrics, ...(deps.onCycle === undefined ? {} : { onCycle: deps.onCycle }) }
  )
  return { start: tailer.start, close: tailer.close }
}
