// The tailing engine shared by the files and pod-logs collectors: which files
// are followed, where each one stands, and when a position may move. What a
// file's bytes mean (plain lines, CRI, docker json-file) is the collector's
// `read`; this module only guarantees that a position advances after the bus
// acknowledged what was read up to it, so a crash replays and never skips.
//
// A file is followed by its open descriptor, not its name: after a rename
// rotation the old descriptor is drained to EOF before the new file at the
// path is picked up, and a file whose size drops below our offset, or whose
// head changed under us, was truncated in place (copytruncate) and is read
// again from the start. Identity is (dev, ino, sha256 of the head), so a
// reused inode is never taken for the file it replaced.

import { createHash } from 'node:crypto'
import type { Stats } from 'node:fs'
import type { FileHandle } from 'node:fs/promises'
import { access, open, stat } from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import { backoffMs } from '../pipeline/backoff.ts'
import type { CheckpointData, FilePosition } from '../pipeline/checkpoint.ts'
import { loadCheckpoint, saveCheckpoint } from '../pipeline/checkpoint.ts'
import type { Logger } from '../pipeline/log.ts'
import type { Metrics } from '../pipeline/metrics.ts'
import type { OutRecord, Publish } from '../pipeline/runner.ts'

export const HEAD_BYTES = 1024

export interface TailFile extends FilePosition {
  rel: string
  abs: string
  fh: FileHandle
  /** Where the next read starts: ahead of `offset` by what was read and is not acknowledged yet. */
  readOffset: number
  readLine: number
  /** Size at this cycle's stat. */
  size: number
  /** The size at which a read last made no progress (only an incomplete record left); undefined after progress. */
  stuckAt?: number
  /** When the path stopped naming this file while unread bytes were left (ms since epoch). */
  goneAt?: number
}

export interface ReadResult {
  outputs: OutRecord[]
  /** Position after what `outputs` cover; applied only once the bus acknowledged them. */
  offset: number
  line: number
}

export interface TailerOptions {
  /** Label of logs and metrics. */
  name: string
  checkpointPath: string
  pollIntervalMs: number
  readFrom: 'end' | 'beginning'
  /** Bytes read per cycle over all files. */
  maxCycleBytes: number
  /**
   * Bytes read and not yet acknowledged, over all cycles: the next cycle is read while earlier ones are being
   * sent, up to this bound, so memory stays flat however far behind we are. Default: maxCycleBytes (one cycle at a time).
   */
  maxInFlightBytes?: number
  /** Least bytes one file may read in a cycle (must fit the longest record). */
  minFileBytes: number
  /** Paths (relative) that should be followed now. */
  list: () => Promise<string[]>
  absolute: (rel: string) => string
  /** Reads from `t.readOffset` (line `t.readLine`) on, at most about `budget` bytes. */
  read: (t: TailFile, budget: number, files: ReadonlyMap<string, TailFile>) => Promise<ReadResult>
  /** A rotated copy (`0.log.20240101-120000`): followed only to finish a position we hold, let go once drained. */
  isRotated?: (rel: string) => boolean
  /**
   * How long a file whose path is gone (rotated away and deleted) is held open while its unread bytes cannot be
   * delivered; then its unread lines are counted through onLost and it is let go. Undefined: held until drained.
   */
  deletedHoldMs?: number
  onLost?: (t: TailFile, lines: number, bytes: number) => void
  /** Called for each file whose position just advanced (its lines are acknowledged). */
  acknowledged?: (t: TailFile) => void
  /** The checkpoint's extra per-stream line counts: loaded at start, saved with every checkpoint. */
  streams?: Map<string, number>
}

export interface TailerDeps {
  publish: Publish
  logger: Logger
  now?: () => number
  onCycle?: (delivered: number) => void
  /** Where the age of the oldest unacknowledged line is reported (read when scraped, labelled with `name`). */
  metrics?: Pick<Metrics, 'registry' | 'unackedLineAge'>
}

export interface Tailer {
  start: (signal: AbortSignal) => Promise<void>
  close: () => Promise<void>
  /** Files followed now. */
  files: () => ReadonlyMap<string, TailFile>
}

export async function headHash(fh: FileHandle, size: number): Promise<{ head: string; headBytes: number }> {
  const n = Math.min(size, HEAD_BYTES)
  const buf = Buffer.alloc(n)
  if (n > 0) await fh.read(buf, 0, n, 0)
  return { head: createHash('sha256').update(buf).digest('hex'), headBytes: n }
}

/** Newlines in [from, upTo) of a file. */
export async function countLines(fh: FileHandle, from: number, upTo: number): Promise<number> {
  const buf = Buffer.alloc(Math.min(1 << 20, Math.max(1, upTo - from)))
  let lines = 0
  for (let pos = from; pos < upTo; ) {
    const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, upTo - pos), pos)
    if (bytesRead === 0) break
    for (let i = buf.indexOf(10, 0); i !== -1 && i < bytesRead; i = buf.indexOf(10, i + 1)) lines++
    pos += bytesRead
  }
  return lines
}

/** The byte length of the longest prefix of buf[0..limit) that does not split a UTF-8 sequence. */
export function utf8Boundary(buf: Buffer, limit: number): number {
  let i = limit
  while (i > 0 && i > limit - 4 && ((buf[i] ?? 0) & 0xc0) === 0x80) i--
  return i > 0 ? i : limit
}

interface Advance {
  t: TailFile
  offset: number
  line: number
}

/** One cycle's reads: sent as one, and only once it is acknowledged do its files' positions move. */
interface Batch {
  outputs: OutRecord[]
  advance: Advance[]
  bytes: number
  /** When it was read (ms since epoch). */
  at: number
}

const idOf = (st: { dev: number; ino: number }): string => `${st.dev}:${st.ino}`

function position(t: FilePosition): FilePosition {
  return { dev: t.dev, ino: t.ino, offset: t.offset, line: t.line, head: t.head, headBytes: t.headBytes }
}

export function createTailer(opts: TailerOptions, deps: TailerDeps): Tailer {
  const log = deps.logger.child({ collector: opts.name })
  const now = deps.now ?? Date.now
  const tracked = new Map<string, TailFile>()
  let checkpoint: CheckpointData = { version: 1, files: {} }
  // Positions of the checkpoint loaded at start by dev:ino: a file renamed while we were down resumes under its new name.
  let saved = new Map<string, FilePosition>()
  // No checkpoint file at start means this collector never ran here: only then does `readFrom: end`
  // apply. After a restart, a file missing from the checkpoint appeared while we were down and is
  // read from its start, or its first lines (often a config dump) would be skipped.
  let firstRun = true
  // dev:ino of the files tracked this cycle, so that one file is never followed under two names.
  const busy = new Set<string>()
  // Files let go (read to their end, or skipped as history) by dev:ino, saved with the checkpoint. A file
  // renamed to a name that is also listed is picked up where it was left; a rotated copy that is one of them
  // is not read again, after a restart too, unless it grew (the runtime wrote its last lines before
  // reopening the new file); and one that is none of them is a file we never saw (written and rotated while
  // we were down or between two listings), read from its start. An entry lives while a listing still shows
  // its file: `gen` is the listing it was last seen in (or let go after).
  const done = new Map<string, { pos: FilePosition; gen: number }>()
  let generation = 0
  let lastListing: readonly string[] | undefined
  // Round-robin start, so that with a cycle budget smaller than the backlog every file gets its turn.
  let startAt = 0
  let loop: Promise<void> | undefined
  const stop = new AbortController()
  const maxInFlight = Math.max(opts.maxCycleBytes, opts.maxInFlightBytes ?? opts.maxCycleBytes)
  // Read and not yet acknowledged, oldest first; pending[0] is the one on the wire.
  const pending: Batch[] = []
  let inFlight = 0
  // When the oldest line read and not acknowledged was read: kept across a failed send (its lines are read
  // again, later), so a collector that cannot ship shows an age that grows.
  let unackedSince: number | undefined
  let pump: Promise<void> | undefined
  // The bus's failure, held until the loop takes it (drain); `epoch` counts them, so a read that overlapped one is void.
  let failure: unknown
  let epoch = 0
  const acked: Array<() => void> = []
  let saving: Promise<void> | undefined
  let saveAgain = false

  async function track(rel: string, firstScan: boolean): Promise<void> {
    const abs = opts.absolute(rel)
    const rotated = opts.isRotated?.(rel) === true
    let st: Stats
    try {
      st = await stat(abs)
    } catch {
      return // gone between listing and now
    }
    const id = idOf(st)
    // A rotated file under its new name while its old entry is still draining it; taken over once that one lets go.
    if (busy.has(id)) return
    const finished = done.get(id)
    // A rotated copy we finished, unchanged since: not even opened.
    if (rotated && finished?.pos.offset === st.size) {
      finished.gen = generation
      return
    }
    const candidates = [checkpoint.files[rel], saved.get(id), finished?.pos].filter(
      (k): k is FilePosition => k !== undefined && k.ino === st.ino && k.dev === st.dev
    )
    let fh: FileHandle
    try {
      fh = await open(abs, 'r')
    } catch (err) {
      log.warn({ file: rel, code: (err as NodeJS.ErrnoException).code }, 'cannot open file')
      return
    }
    let pos: FilePosition | undefined
    for (const known of candidates) {
      const { head } = await headHash(fh, known.headBytes)
      if (head === known.head && st.size >= known.offset) {
        pos = known
        break
      }
    }
    if (rotated) {
      // On the first start with readFrom `end`, rotated copies are history like the rest; otherwise a copy is
      // passed over only when we read it to its end before.
      const history = pos === undefined && firstScan && firstRun && opts.readFrom === 'end'
      if (history || (pos !== undefined && pos.offset >= st.size)) {
        done.set(id, {
          pos: pos ?? { dev: st.dev, ino: st.ino, offset: st.size, line: 0, ...(await headHash(fh, st.size)) },
          gen: generation
        })
        await fh.close().catch(() => {})
        return
      }
    }
    if (pos === undefined) {
      const startAtEnd = firstScan && firstRun && checkpoint.files[rel] === undefined && opts.readFrom === 'end'
      pos = {
        dev: st.dev,
        ino: st.ino,
        offset: startAtEnd ? st.size : 0,
        line: startAtEnd ? await countLines(fh, 0, st.size) : 0,
        ...(await headHash(fh, st.size))
      }
    }
    tracked.set(rel, { ...pos, rel, abs, fh, size: st.size, readOffset: pos.offset, readLine: pos.line })
    busy.add(id)
  }

  async function letGo(t: TailFile): Promise<void> {
    await t.fh.close().catch(() => {})
    tracked.delete(t.rel)
    done.set(idOf(t), { pos: position(t), gen: generation })
  }

  async function persist(): Promise<void> {
    // Coalesced: a save asked for while one is being written runs once more after it, with the newest positions.
    if (saving !== undefined) {
      saveAgain = true
      return await saving
    }
    saving = (async () => {
      try {
        do {
          saveAgain = false
          const files: Record<string, FilePosition> = {}
          for (const t of tracked.values()) files[t.rel] = position(t)
          checkpoint = { version: 1, files }
          if (opts.streams !== undefined && opts.streams.size > 0) checkpoint.streams = Object.fromEntries(opts.streams)
          if (done.size > 0) checkpoint.finished = [...done.values()].map((f) => f.pos)
          await saveCheckpoint(opts.checkpointPath, checkpoint)
          saved = new Map()
        } while (saveAgain)
      } finally {
        saving = undefined
      }
    })()
    return await saving
  }

  /** Every batch acknowledged (or the bus failed) and the checkpoint written; throws the bus's failure. */
  async function drain(): Promise<void> {
    while (pump !== undefined) await pump
    if (saving !== undefined) await saving
    if (failure !== undefined) {
      const err = failure
      failure = undefined
      throw err
    }
  }

  /** Waits until fewer than `bytes` read bytes are unacknowledged, so memory is bounded by configuration, not input rate. */
  async function room(bytes: number): Promise<void> {
    while (pending.length > 0 && inFlight + bytes > maxInFlight && failure === undefined) {
      await new Promise<void>((resolve) => acked.push(resolve))
    }
    if (failure !== undefined) await drain()
  }

  function wake(): void {
    for (const resolve of acked.splice(0)) resolve()
  }

  // Sends batches one after the other, oldest first: the bus sees them in read order, a failed batch is never
  // followed by a later one (no line overtakes another, none is sent twice by the pipeline itself), and
  // positions move only past what was acknowledged.
  function startPump(): void {
    if (pump !== undefined || pending.length === 0) return
    pump = (async () => {
      try {
        while (pending.length > 0 && failure === undefined && !stop.signal.aborted) {
          const b = pending[0] as Batch
          try {
            if (b.outputs.length > 0) await deps.publish(b.outputs)
          } catch (err) {
            failure = err
            epoch++
            break
          }
          pending.shift()
          inFlight -= b.bytes
          unackedSince = pending.find((p) => p.outputs.length > 0)?.at
          const grown: TailFile[] = []
          for (const a of b.advance) {
            if (a.offset === a.t.offset && a.line === a.t.line) continue
            a.t.offset = a.offset
            a.t.line = a.line
            opts.acknowledged?.(a.t)
            if (a.t.headBytes < HEAD_BYTES && a.offset > a.t.headBytes) grown.push(a.t)
          }
          wake()
          // Grow each file's identity with what was acknowledged: a head taken while the file was (nearly)
          // empty could not tell a rewrite from an append.
          for (const t of grown) if (tracked.get(t.rel) === t) Object.assign(t, await headHash(t.fh, t.offset))
          // The next batch goes out while this checkpoint is written.
          const written = persist().then(
            () => deps.onCycle?.(b.outputs.length),
            (err: unknown) => {
              const e = err as { code?: string; message?: string }
              log.warn({ code: e.code, reason: e.message }, 'checkpoint not written; retried with the next acknowledgement')
            }
          )
          if (pending.length === 0) await written
        }
      } finally {
        if (failure !== undefined || stop.signal.aborted) {
          // Nothing after the failed batch was sent: read it all again from the acknowledged positions.
          for (const b of pending.splice(0)) inFlight -= b.bytes
          for (const t of tracked.values()) {
            t.readOffset = t.offset
            t.readLine = t.line
          }
        }
        pump = undefined
        wake()
      }
    })()
  }

  /** One pass over the files: reads what the in-flight bound allows and queues it for the bus; returns bytes read. */
  async function cycle(firstScan: boolean): Promise<number> {
    if (failure !== undefined) await drain()
    busy.clear()
    for (const t of tracked.values()) busy.add(idOf(t))
    const listed = await opts.list()
    for (const rel of listed) {
      if (!tracked.has(rel)) await track(rel, firstScan)
    }
    if (listed !== lastListing) {
      // A new listing: finished files it no longer shows are gone (or renamed out of what we follow).
      lastListing = listed
      for (const [id, f] of done) if (f.gen < generation) done.delete(id)
      generation++
    }
    const outputs: OutRecord[] = []
    const advance: Advance[] = []
    const finished: TailFile[] = []
    let changed = false
    const files = [...tracked.values()]
    const perFile = Math.max(opts.minFileBytes, Math.floor(opts.maxCycleBytes / Math.max(1, files.length)))
    let spent = 0
    startAt = files.length === 0 ? 0 : startAt % files.length
    // Sizes first, so a read that looks at other files (pod-logs orders a container's files) sees them current.
    const sizes = new Map<TailFile, number>()
    for (const t of files) {
      t.size = (await t.fh.stat()).size
      sizes.set(t, t.size)
    }
    await room(opts.maxCycleBytes)
    const cycleEpoch = epoch
    for (let i = 0; i < files.length; i++) {
      const t = files[(startAt + i) % files.length] as TailFile
      const st = { size: sizes.get(t) ?? t.size }
      // Truncated in place (copytruncate): shorter than what we read, or, when the writer got past our
      // offset before we looked, no longer starting with the bytes it started with. The head is taken
      // before the await: an acknowledgement may grow it meanwhile.
      const { head, headBytes } = t
      const rewritten = st.size < t.readOffset || (st.size > t.readOffset && headBytes > 0 && (await headHash(t.fh, headBytes)).head !== head)
      if (rewritten) {
        // What is in flight for the old content settles first, so no acknowledgement lands on the new one.
        await drain()
        log.info({ file: t.rel }, 'file truncated; reading from the start')
        Object.assign(t, { offset: 0, line: 0, readOffset: 0, readLine: 0, ...(await headHash(t.fh, st.size)) })
        changed = true
      }
      const pathNow = await stat(t.abs).catch(() => undefined)
      const gone = pathNow === undefined || pathNow.ino !== t.ino || pathNow.dev !== t.dev
      const rotatedCopy = !gone && opts.isRotated?.(t.rel) === true
      if (gone && t.offset < st.size) {
        t.goneAt ??= now()
        if (opts.deletedHoldMs !== undefined && now() - t.goneAt > opts.deletedHoldMs) {
          await drain()
          // Held as long as we promised; what is still unread is counted, not silently dropped.
          const lines = await countLines(t.fh, t.offset, st.size)
          opts.onLost?.(t, lines, st.size - t.offset)
          log.warn({ file: t.rel, lines, bytes: st.size - t.offset }, 'rotated file let go before its unread lines could be delivered')
          finished.push(t)
          continue
        }
      }
      if (spent >= opts.maxCycleBytes) continue
      const r = await opts.read(t, perFile, tracked)
      // The bus failed while this was read: positions went back to the acknowledged ones, so this read is void.
      if (epoch !== cycleEpoch) await drain()
      spent += r.offset - t.readOffset
      if (r.offset === t.readOffset) t.stuckAt = st.size
      else delete t.stuckAt
      // Encoded now, so what waits for the bus is the compact payload, not the lines it was made of.
      const encoded = r.outputs.length > 0 && deps.publish.encode !== undefined ? deps.publish.encode(r.outputs) : r.outputs
      for (const o of encoded) outputs.push(o)
      if (r.offset !== t.readOffset || r.line !== t.readLine) advance.push({ t, offset: r.offset, line: r.line })
      t.readOffset = r.offset
      t.readLine = r.line
      // Drained: if the path now names another file (rotation) or nothing (deletion), let this one go.
      if ((r.offset === st.size || r.outputs.length === 0) && (gone || rotatedCopy)) finished.push(t)
    }
    startAt++
    if (outputs.length > 0) {
      pending.push({ outputs, advance, bytes: spent, at: now() })
      unackedSince ??= now()
      inFlight += spent
      startPump()
    } else if (advance.length > 0) {
      // Moved without output (an excluded container skipped): nothing to acknowledge, but it moves in order.
      pending.push({ outputs, advance, bytes: 0, at: now() })
      startPump()
    }
    if (finished.length > 0) {
      // A file is let go only once everything read from it is acknowledged.
      await drain()
      for (const t of finished) await letGo(t)
      changed = true
    }
    if (changed || firstScan) {
      await drain()
      await persist()
    }
    return spent
  }

  return {
    files: () => tracked,

    async start(signal: AbortSignal): Promise<void> {
      const label = { collector: opts.name }
      const unreport = deps.metrics?.registry.collect(() =>
        deps.metrics?.unackedLineAge.set(unackedSince === undefined ? 0 : Math.max(0, now() - unackedSince) / 1000, label)
      )
      firstRun = await access(opts.checkpointPath).then(
        () => false,
        () => true
      )
      checkpoint = await loadCheckpoint(opts.checkpointPath)
      saved = new Map(Object.values(checkpoint.files).map((p) => [idOf(p), p]))
      for (const p of checkpoint.finished ?? []) done.set(idOf(p), { pos: p, gen: 0 })
      if (opts.streams !== undefined) for (const [k, v] of Object.entries(checkpoint.streams ?? {})) opts.streams.set(k, v)
      const onAbort = (): void => stop.abort()
      signal.addEventListener('abort', onAbort, { once: true })
      loop = (async () => {
        let first = true
        let failures = 0
        while (!stop.signal.aborted) {
          let read = 0
          try {
            read = await cycle(first)
            first = false
            // Nothing new: wait for what is in flight, so each onCycle means all that was read is acknowledged.
            if (read === 0) {
              await drain()
              deps.onCycle?.(0)
            }
            failures = 0
          } catch (err) {
            failures++
            const e = err as { code?: string; message?: string }
            log.warn({ code: e.code, reason: e.message, failures }, 'collection cycle failed; positions not advanced, retrying')
          }
          // Keep reading without pause while there is a backlog; back off while the bus fails.
          const delay =
            failures > 0 ? backoffMs(failures + 1, { baseMs: opts.pollIntervalMs, maxMs: 30_000, jitter: 'none' }) : read > 0 ? 0 : opts.pollIntervalMs
          if (delay > 0) await sleep(delay, undefined, { signal: stop.signal }).catch(() => {})
        }
        // Stopping: what is being sent is let finish (its positions are then saved); nothing new is sent.
        await drain().catch(() => {})
      })()
      await loop
      signal.removeEventListener('abort', onAbort)
      unreport?.()
      deps.metrics?.unackedLineAge.clear(label)
    },

    async close(): Promise<void> {
      stop.abort()
      await loop
      for (const t of tracked.values()) await t.fh.close().catch(() => {})
      tracked.clear()
    }
  }
}
