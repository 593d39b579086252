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
// again from the start. The lifecycle of each file (discovered, followed,
// rewound, gone, let go, finished) and what it means for the checkpoint are
// tail-state.ts's pure transitions; here is the I/O around them: stats,
// reads, the bus, the checkpoint file, and the order in which they happen.

import { createHash } from 'node:crypto'
import { access, open, stat } from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import { backoffMs } from '../pipeline/backoff.ts'
import type { CheckpointData } from '../pipeline/checkpoint.ts'
import { loadCheckpoint, saveCheckpoint } from '../pipeline/checkpoint.ts'
import type { Logger } from '../pipeline/log.ts'
import type { Metrics } from '../pipeline/metrics.ts'
import type { OutRecord, Publish } from '../pipeline/runner.ts'
import type { Advance, Discovery, FileId, FileState, Listed, TailState } from './tail-state.ts'
import {
  acknowledge,
  admit,
  beginCycle,
  createTailState,
  discover,
  endListing,
  follow,
  HEAD_BYTES,
  headToGrow,
  idOf,
  isRewritten,
  letGo,
  locate,
  needsHeadCheck,
  readDone,
  restore,
  rewind,
  snapshot,
  voidReads
} from './tail-state.ts'

/** What the engine needs of an open file (a node FileHandle is one). */
export interface TailHandle {
  read: (buffer: Buffer, offset: number, length: number, position: number) => Promise<{ bytesRead: number }>
  /** The open file's own identity and size (fstat), whatever its path names by now. */
  stat: () => Promise<FileId & { size: number }>
  close: () => Promise<void>
}

/** The file system as the engine uses it; tests put a model in its place. */
export interface TailIo {
  /** Follows symlinks; rejects when the path names nothing. */
  stat: (path: string) => Promise<FileId & { size: number }>
  open: (path: string) => Promise<TailHandle>
  exists: (path: string) => Promise<boolean>
  loadCheckpoint: (path: string) => Promise<CheckpointData>
  saveCheckpoint: (path: string, data: CheckpointData) => Promise<void>
}

export const nodeIo: TailIo = {
  stat: async (path) => await stat(path),
  open: async (path) => await open(path, 'r'),
  exists: async (path) =>
    await access(path).then(
      () => true,
      () => false
    ),
  loadCheckpoint,
  saveCheckpoint
}

export interface TailFile extends FileState {
  abs: string
  fh: TailHandle
  /** The name a listing shows this file under while it is followed under the name it was rotated away from. */
  alias?: string
}

export interface ReadResult {
  outputs: OutRecord[]
  /** Position after what `outputs` cover; applied only once the bus acknowledged them. */
  offset: number
  line: number
  /** Not read now on purpose (an older file of its stream goes first, or metadata or a fuller chunk is awaited): not drained. */
  held?: boolean
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
  /** Default: the node file system. */
  io?: TailIo
  /** Where the age of the oldest unacknowledged line is reported (read when scraped, labelled with `name`). */
  metrics?: Pick<Metrics, 'registry' | 'unackedLineAge'>
}

export interface Tailer {
  start: (signal: AbortSignal) => Promise<void>
  close: () => Promise<void>
  /** Files followed now. */
  files: () => ReadonlyMap<string, TailFile>
}

export async function headHash(fh: TailHandle, size: number): Promise<{ head: string; headBytes: number }> {
  const n = Math.min(size, HEAD_BYTES)
  const buf = Buffer.alloc(n)
  if (n > 0) await fh.read(buf, 0, n, 0)
  return { head: createHash('sha256').update(buf).digest('hex'), headBytes: n }
}

/** Newlines in [from, upTo) of a file. */
export async function countLines(fh: TailHandle, from: number, upTo: number): Promise<number> {
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

/** One cycle's reads: sent as one, and only once it is acknowledged do its files' positions move. */
interface Batch {
  outputs: OutRecord[]
  advance: Advance<TailFile>[]
  bytes: number
  /** When it was read (ms since epoch). */
  at: number
}

/**
 * The engine stepped by hand: createTailer's loop calls `cycle` and sleeps between cycles; the model test calls
 * `cycle` itself, between the changes it makes to the files, with no timer involved.
 */
export interface TailerCore {
  state: TailState<TailFile>
  /** Loads the checkpoint (or notes there is none). */
  restore: () => Promise<void>
  /** One pass over the files: reads what the in-flight bound allows and queues it for the bus; returns bytes read. */
  cycle: (firstScan: boolean) => Promise<number>
  /** Every batch acknowledged (or the bus failed) and the checkpoint written; throws the bus's failure. */
  drain: () => Promise<void>
  /** Nothing more is sent; what is being sent is let finish. */
  stop: () => void
  /** Closes every followed file. */
  closeFiles: () => Promise<void>
  /** When the oldest line read and not yet acknowledged was read (ms since epoch); undefined when none is. */
  unackedSince: () => number | undefined
}

export function createTailerCore(opts: TailerOptions, deps: TailerDeps): TailerCore {
  const log = deps.logger.child({ collector: opts.name })
  const now = deps.now ?? Date.now
  const io = deps.io ?? nodeIo
  const state = createTailState<TailFile>(opts.readFrom)
  const tracked = state.tracked
  // Round-robin start, so that with a cycle budget smaller than the backlog every file gets its turn.
  let startAt = 0
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
    let st: FileId & { size: number }
    try {
      st = await io.stat(abs)
    } catch {
      return // gone between listing and now
    }
    const rotated = opts.isRotated?.(rel) === true
    let listed: Listed = { rel, rotated, st }
    // Looked at before it is opened, so that a copy already finished or drained under its old name is not opened.
    let d = discover(state, listed, firstScan)
    if (skipped(listed, d)) return
    let fh: TailHandle
    try {
      fh = await io.open(abs)
    } catch (err) {
      log.warn({ file: rel, code: (err as NodeJS.ErrnoException).code }, 'cannot open file')
      return
    }
    // The path named another file by the time it was opened (rotated between the stat and the open, the new file
    // already created): the file followed is the one held, by its own identity and size. Followed under the
    // identity of the file it replaced, its lines were read again when that file's id was met under its rotated
    // name (the audit log's rotation test delivered one event twice).
    const held = await fh.stat().catch(() => undefined)
    if (held === undefined) {
      await fh.close().catch(() => {})
      return
    }
    if (held.dev !== st.dev || held.ino !== st.ino) {
      st = { dev: held.dev, ino: held.ino, size: held.size }
      listed = { rel, rotated, st }
      d = discover(state, listed, firstScan)
      if (skipped(listed, d)) {
        await fh.close().catch(() => {})
        return
      }
    }
    const heads = new Map<number, string>()
    for (const n of d.headBytes) heads.set(n, (await headHash(fh, n)).head)
    const a = admit(state, listed, d, { heads, ...(d.countLines ? { lines: await countLines(fh, 0, st.size) } : {}) }, firstScan)
    if (a.kind === 'close') {
      await fh.close().catch(() => {})
      return
    }
    follow(state, { ...a.file, abs, fh })
  }

  /** Whether discovery passed over a listed file (the shell then does not open it, or closes it). */
  function skipped(listed: Listed, d: Discovery): d is Extract<Discovery, { kind: 'skip' }> {
    if (d.kind !== 'skip') return false
    // Followed under its old name: its new one tells a reader where it stands among the other rotated copies.
    const id = idOf(listed.st)
    if (listed.rotated && state.busy.has(id)) for (const t of tracked.values()) if (t.rel !== listed.rel && idOf(t) === id) t.alias = listed.rel
    return true
  }

  async function release(t: TailFile): Promise<void> {
    await t.fh.close().catch(() => {})
    letGo(state, t)
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
          await io.saveCheckpoint(opts.checkpointPath, snapshot(state, opts.streams))
        } while (saveAgain)
      } finally {
        saving = undefined
      }
    })()
    return await saving
  }

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

  /** Nothing after a failed batch is sent: everything is read again from the acknowledged positions. */
  function voidPending(): void {
    for (const b of pending.splice(0)) inFlight -= b.bytes
    voidReads(state)
  }

  // Sends batches one after the other, oldest first: the bus sees them in read order, a failed batch is never
  // followed by a later one (no line overtakes another, none is sent twice by the pipeline itself), and
  // positions move only past what was acknowledged.
  function startPump(): void {
    if (pump !== undefined || pending.length === 0) return
    if (failure !== undefined || stop.signal.aborted) {
      // Not sent (the bus failed while this was read, or we are stopping). Checked here, not only in the loop
      // below: an async body that never awaits runs its finally before `pump` is assigned, which left `pump`
      // set for good and drain() awaiting it in an endless microtask loop (model test seed 13).
      voidPending()
      wake()
      return
    }
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
          for (const t of acknowledge(b.advance)) opts.acknowledged?.(t)
          wake()
          // The next batch goes out while this checkpoint is written.
          const saved = persist().then(
            () => deps.onCycle?.(b.outputs.length),
            (err: unknown) => {
              const e = err as { code?: string; message?: string }
              log.warn({ code: e.code, reason: e.message }, 'checkpoint not written; retried with the next acknowledgement')
            }
          )
          if (pending.length === 0) await saved
        }
      } finally {
        if (failure !== undefined || stop.signal.aborted) voidPending()
        pump = undefined
        wake()
      }
    })()
  }

  async function cycle(firstScan: boolean): Promise<number> {
    if (failure !== undefined) await drain()
    beginCycle(state)
    const listed = await opts.list()
    for (const rel of listed) {
      if (!tracked.has(rel)) await track(rel, firstScan)
    }
    endListing(state, listed)
    const outputs: OutRecord[] = []
    const advance: Advance<TailFile>[] = []
    const finished: TailFile[] = []
    let changed = false
    const files = [...tracked.values()]
    const perFile = Math.max(opts.minFileBytes, Math.floor(opts.maxCycleBytes / Math.max(1, files.length)))
    let spent = 0
    startAt = files.length === 0 ? 0 : startAt % files.length
    await room(opts.maxCycleBytes)
    const cycleEpoch = epoch
    // Sizes first, so a read that looks at other files (pod-logs orders a container's files) sees them current;
    // and after room(), which may wait for acknowledgements while files change: a file truncated and rewritten
    // meanwhile, checked against its size from before, was not taken for truncated (model test seed 100238).
    const sizes = new Map<TailFile, number>()
    const measure = async (t: TailFile): Promise<void> => {
      t.size = (await t.fh.stat()).size
      sizes.set(t, t.size)
    }
    for (const t of files) await measure(t)
    // A drain() below waits for acknowledgements too: the files after it are measured again.
    let stale = false
    for (let i = 0; i < files.length; i++) {
      const t = files[(startAt + i) % files.length] as TailFile
      if (stale) await measure(t)
      let size = sizes.get(t) ?? t.size
      // Taken before the await: an acknowledgement may grow the head meanwhile.
      const was = { readOffset: t.readOffset, head: t.head, headBytes: t.headBytes }
      if (isRewritten(was, size, needsHeadCheck(was, size) ? (await headHash(t.fh, was.headBytes)).head : undefined)) {
        // What is in flight for the old content settles first, so no acknowledgement lands on the new one.
        await drain()
        stale = true
        log.info({ file: t.rel }, 'file truncated; reading from the start')
        rewind(t, await headHash(t.fh, size))
        changed = true
      }
      const pathNow = await io.stat(t.abs).catch(() => undefined)
      const where = locate(t, size, { path: pathNow, rotated: opts.isRotated?.(t.rel) === true, now: now(), holdMs: opts.deletedHoldMs })
      if (where.gone || where.rotatedCopy) {
        // Drained to its size now, not the one measured before its path moved on: lines written between that
        // measure and the rotation would otherwise be left behind when the file is let go, and the new file
        // would be read before them (and take their line numbers).
        const grown = (await t.fh.stat()).size
        if (grown > size) {
          size = grown
          t.size = grown
          sizes.set(t, grown)
        }
      }
      if (where.expired) {
        await drain()
        stale = true
        // Held as long as we promised; what is still unread is counted, not silently dropped.
        const lines = await countLines(t.fh, t.offset, size)
        opts.onLost?.(t, lines, size - t.offset)
        log.warn({ file: t.rel, lines, bytes: size - t.offset }, 'rotated file let go before its unread lines could be delivered')
        finished.push(t)
        continue
      }
      if (spent >= opts.maxCycleBytes) continue
      const r = await opts.read(t, perFile, tracked)
      const grow = headToGrow(t, r.offset)
      const head = grow === undefined ? undefined : await headHash(t.fh, grow)
      // The bus failed while this was read: positions went back to the acknowledged ones, so this read is void.
      if (epoch !== cycleEpoch) await drain()
      // Encoded now, so what waits for the bus is the compact payload, not the lines it was made of.
      const encoded = r.outputs.length > 0 && deps.publish.encode !== undefined ? deps.publish.encode(r.outputs) : r.outputs
      for (const o of encoded) outputs.push(o)
      const done = readDone(t, size, { offset: r.offset, line: r.line, outputs: r.outputs.length, held: r.held === true }, where, head)
      spent += done.spent
      if (done.advance !== undefined) advance.push(done.advance)
      if (done.finished) finished.push(t)
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
      for (const t of finished) await release(t)
      changed = true
    }
    if (changed || firstScan) {
      await drain()
      await persist()
    }
    return spent
  }

  return {
    state,
    async restore() {
      const firstRun = !(await io.exists(opts.checkpointPath))
      const data = await io.loadCheckpoint(opts.checkpointPath)
      restore(state, data, firstRun)
      if (opts.streams !== undefined) for (const [k, v] of Object.entries(data.streams ?? {})) opts.streams.set(k, v)
    },
    cycle,
    drain,
    stop: () => stop.abort(),
    async closeFiles() {
      for (const t of tracked.values()) await t.fh.close().catch(() => {})
      tracked.clear()
    },
    unackedSince: () => unackedSince
  }
}

export function createTailer(opts: TailerOptions, deps: TailerDeps): Tailer {
  const log = deps.logger.child({ collector: opts.name })
  const core = createTailerCore(opts, deps)
  const now = deps.now ?? Date.now
  const stop = new AbortController()
  let loop: Promise<void> | undefined

  return {
    files: () => core.state.tracked,

    async start(signal: AbortSignal): Promise<void> {
      const label = { collector: opts.name }
      const unreport = deps.metrics?.registry.collect(() => {
        const since = core.unackedSince()
        deps.metrics?.unackedLineAge.set(since === undefined ? 0 : Math.max(0, now() - since) / 1000, label)
      })
      await core.restore()
      const onAbort = (): void => {
        stop.abort()
        core.stop()
      }
      signal.addEventListener('abort', onAbort, { once: true })
      loop = (async () => {
        let first = true
        let failures = 0
        while (!stop.signal.aborted) {
          let read = 0
          try {
            read = await core.cycle(first)
            first = false
            // Nothing new: wait for what is in flight, so each onCycle means all that was read is acknowledged.
            if (read === 0) {
              await core.drain()
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
        await core.drain().catch(() => {})
      })()
      await loop
      signal.removeEventListener('abort', onAbort)
      unreport?.()
      deps.metrics?.unackedLineAge.clear(label)
    },

    async close(): Promise<void> {
      stop.abort()
      core.stop()
      await loop
      await core.closeFiles()
    }
  }
}
