// Tails every file under a directory: the collector of `leakwatch run all`
// and of hosts that are not Kubernetes nodes. New lines only; positions are
// checkpointed after the bus acknowledged the chunks up to them, so a crash
// replays the unacknowledged tail and never skips.
//
// A file is followed by its open descriptor, not its name: after a rename
// rotation the old descriptor is drained to EOF before the new file at the
// path is picked up, and a file whose size drops below our offset was
// truncated in place (copytruncate) and is read again from the start.

import { createHash } from 'node:crypto'
import type { FileHandle } from 'node:fs/promises'
import { access, open, readdir, stat } from 'node:fs/promises'
import { join, relative, sep } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Config } from '../config/schema.ts'
import type { CheckpointData, FilePosition } from '../pipeline/checkpoint.ts'
import { loadCheckpoint, saveCheckpoint } from '../pipeline/checkpoint.ts'
import type { LogChunk } from '../pipeline/events.ts'
import { TOPICS } from '../pipeline/events.ts'
import type { Logger } from '../pipeline/log.ts'
import type { Metrics } from '../pipeline/metrics.ts'
import type { OutRecord, Publish } from '../pipeline/runner.ts'

export type FilesConfig = Config['collector']['files']

export interface Collector {
  start: (signal: AbortSignal) => Promise<void>
  close: () => Promise<void>
}

export interface CollectorDeps {
  publish: Publish
  logger: Logger
  metrics: Metrics
  now?: () => Date
  /** Called after each cycle whose chunks were acknowledged (tests wait on it). */
  onCycle?: (delivered: number) => void
}

const HEAD_BYTES = 1024

interface Tracked extends FilePosition {
  rel: string
  abs: string
  fh: FileHandle
}

async function headHash(fh: FileHandle, size: number): Promise<{ head: string; headBytes: number }> {
  const n = Math.min(size, HEAD_BYTES)
  const buf = Buffer.alloc(n)
  if (n > 0) await fh.read(buf, 0, n, 0)
  return { head: createHash('sha256').update(buf).digest('hex'), headBytes: n }
}

async function countLines(fh: FileHandle, upTo: number): Promise<number> {
  const buf = Buffer.alloc(1 << 20)
  let lines = 0
  for (let pos = 0; pos < upTo; ) {
    const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, upTo - pos), pos)
    if (bytesRead === 0) break
    for (let i = buf.indexOf(10, 0); i !== -1 && i < bytesRead; i = buf.indexOf(10, i + 1)) lines++
    pos += bytesRead
  }
  return lines
}

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

/** The byte length of the longest prefix of buf[0..limit) that does not split a UTF-8 sequence. */
function utf8Boundary(buf: Buffer, limit: number): number {
  let i = limit
  while (i > 0 && i > limit - 4 && ((buf[i] ?? 0) & 0xc0) === 0x80) i--
  return i > 0 ? i : limit
}

export function createFilesCollector(config: FilesConfig, deps: CollectorDeps): Collector {
  const log = deps.logger.child({ collector: 'files' })
  const include = new RegExp(config.include)
  const now = deps.now ?? (() => new Date())
  const tracked = new Map<string, Tracked>()
  let checkpoint: CheckpointData = { version: 1, files: {} }
  // No checkpoint file at start means this collector never ran here: only then does `readFrom: end`
  // apply. After a restart, a file missing from the checkpoint appeared while we were down and is
  // read from its start, or its first lines (often a config dump) would be skipped.
  let firstRun = true
  // Files let go last cycle because their path now names another file, by dev:ino: if the rotation
  // renamed one to a name that `include` also matches, it is picked up where it was left, not re-read.
  let retired = new Map<string, FilePosition>()
  // dev:ino of the files tracked this cycle, so that one file is never followed under two names.
  const busy = new Set<string>()
  let loop: Promise<void> | undefined
  const stop = new AbortController()

  async function track(rel: string, firstScan: boolean): Promise<void> {
    const abs = join(config.path, rel)
    let fh: FileHandle
    try {
      fh = await open(abs, 'r')
    } catch (err) {
      log.warn({ file: rel, code: (err as NodeJS.ErrnoException).code }, 'cannot open file')
      return
    }
    const st = await fh.stat()
    const id = `${st.dev}:${st.ino}`
    if (busy.has(id)) {
      // A rotated file under its new name while its old entry is still draining it; taken over once that one lets go.
      await fh.close().catch(() => {})
      return
    }
    const saved = checkpoint.files[rel]
    let position: FilePosition | undefined
    for (const known of [saved, retired.get(id)]) {
      if (known === undefined || known.ino !== st.ino || known.dev !== st.dev) continue
      const { head } = await headHash(fh, known.headBytes)
      if (head === known.head && st.size >= known.offset) {
        position = known
        break
      }
    }
    if (position === undefined) {
      const startAtEnd = firstScan && firstRun && saved === undefined && config.readFrom === 'end'
      position = {
        dev: st.dev,
        ino: st.ino,
        offset: startAtEnd ? st.size : 0,
        line: startAtEnd ? await countLines(fh, st.size) : 0,
        ...(await headHash(fh, st.size))
      }
    }
    tracked.set(rel, { ...position, rel, abs, fh })
    busy.add(id)
  }

  /** Reads complete lines from one file into chunks, without advancing its position. */
  async function readChunks(t: Tracked, budget: number): Promise<{ chunks: LogChunk[]; offset: number; line: number }> {
    const chunks: LogChunk[] = []
    let offset = t.offset
    let line = t.line
    const buf = Buffer.alloc(Math.min(budget, config.maxChunkBytes))
    // A line never waits for more than one buffer: longer ones are split.
    const maxLine = Math.min(config.maxLineBytes, buf.length)
    let current: LogChunk | undefined
    let currentBytes = 0
    while (offset - t.offset < budget) {
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
          current = {
            v: '1',
            type: 'log-chunk',
            stream: `file/${t.rel}`,
            source: { type: 'file', path: t.abs },
            startLine: line + 1,
            offset: { start: offset + consumed, end: offset + consumed },
            lines: [],
            collectedAt: now().toISOString()
          }
          currentBytes = 0
          chunks.push(current)
        }
        current.lines.push(text)
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
    deps.metrics.linesCollected.inc({ collector: 'files' }, line - t.line)
    deps.metrics.bytesCollected.inc({ collector: 'files' }, offset - t.offset)
    return { chunks, offset, line }
  }

  async function cycle(firstScan: boolean): Promise<number> {
    busy.clear()
    for (const t of tracked.values()) busy.add(`${t.dev}:${t.ino}`)
    for (const rel of await walk(config.path, include)) {
      if (!tracked.has(rel)) await track(rel, firstScan)
    }
    retired = new Map()
    const outputs: OutRecord[] = []
    const advance: Array<{ t: Tracked; offset: number; line: number }> = []
    const finished: Tracked[] = []
    // Bound the bytes in flight per cycle: memory stays flat however far behind we are.
    const budgetPerFile = Math.max(config.maxChunkBytes, Math.floor((config.maxChunkBytes * 8) / Math.max(1, tracked.size)))
    for (const t of tracked.values()) {
      const st = await t.fh.stat()
      // Truncated in place (copytruncate): shorter than what we read, or, when the writer got past our
      // offset before we looked, no longer starting with the bytes it started with.
      const rewritten = st.size < t.offset || (st.size > t.offset && t.headBytes > 0 && (await headHash(t.fh, t.headBytes)).head !== t.head)
      if (rewritten) {
        log.info({ file: t.rel }, 'file truncated; reading from the start')
        Object.assign(t, { offset: 0, line: 0, ...(await headHash(t.fh, st.size)) })
      }
      const r = await readChunks(t, budgetPerFile)
      for (const c of r.chunks) outputs.push({ topic: TOPICS.logs, key: c.stream, value: c })
      advance.push({ t, offset: r.offset, line: r.line })
      if (r.offset === st.size || r.chunks.length === 0) {
        // Drained: if the path now names another file (rotation) or nothing (deletion), let this one go.
        const current = await stat(t.abs).catch(() => undefined)
        if (current === undefined || current.ino !== t.ino || current.dev !== t.dev) finished.push(t)
      }
    }
    if (outputs.length > 0) await deps.publish(outputs)
    let changed = outputs.length > 0
    for (const a of advance) {
      a.t.offset = a.offset
      a.t.line = a.line
      // Grow the file's identity with what was read: a head taken while the file was (nearly) empty
      // could not tell a rewrite from an append.
      if (a.t.headBytes < HEAD_BYTES && a.offset > a.t.headBytes) Object.assign(a.t, await headHash(a.t.fh, a.offset))
    }
    for (const t of finished) {
      await t.fh.close().catch(() => {})
      tracked.delete(t.rel)
      retired.set(`${t.dev}:${t.ino}`, { dev: t.dev, ino: t.ino, offset: t.offset, line: t.line, head: t.head, headBytes: t.headBytes })
      changed = true
    }
    if (changed || firstScan) {
      const files: Record<string, FilePosition> = {}
      for (const t of tracked.values()) files[t.rel] = { dev: t.dev, ino: t.ino, offset: t.offset, line: t.line, head: t.head, headBytes: t.headBytes }
      checkpoint = { version: 1, files }
      await saveCheckpoint(config.checkpointPath, checkpoint)
    }
    return outputs.length
  }

  return {
    async start(signal: AbortSignal): Promise<void> {
      firstRun = await access(config.checkpointPath).then(
        () => false,
        () => true
      )
      checkpoint = await loadCheckpoint(config.checkpointPath)
      const onAbort = (): void => stop.abort()
      signal.addEventListener('abort', onAbort, { once: true })
      loop = (async () => {
        let first = true
        let failures = 0
        while (!stop.signal.aborted) {
          let delivered = 0
          try {
            delivered = await cycle(first)
            first = false
            failures = 0
            deps.onCycle?.(delivered)
          } catch (err) {
            failures++
            const e = err as { code?: string; message?: string }
            log.warn({ code: e.code, reason: e.message, failures }, 'collection cycle failed; positions not advanced, retrying')
          }
          // Keep reading without pause while there is a backlog; back off while the bus fails.
          const delay = failures > 0 ? Math.min(30_000, config.pollIntervalMs * 2 ** failures) : delivered > 0 ? 0 : config.pollIntervalMs
          if (delay > 0) await sleep(delay, undefined, { signal: stop.signal }).catch(() => {})
        }
      })()
      await loop
      signal.removeEventListener('abort', onAbort)
    },

    async close(): Promise<void> {
      stop.abort()
      await loop
      for (const t of tracked.values()) await t.fh.close().catch(() => {})
      tracked.clear()
    }
  }
}
