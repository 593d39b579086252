// The tailing engine's per-file lifecycle as a state machine, apart from the
// I/O that feeds it (tail.ts). A path is listed and its file discovered; it is
// followed (read ahead of what the bus acknowledged), may be truncated in place
// and read again from its start, may lose its path (renamed by a rotation, or
// deleted) and is then drained and let go; a file let go is remembered as
// finished while a listing still shows it, so a rotated copy is neither read
// twice nor, when it grows late, missed. Every transition here is a function of
// the state and an observation the shell made (a stat, the hash of a file's
// head, a read's result, an acknowledgement, the clock): it updates the state
// in place and returns what the shell must do. Nothing here does I/O or reads
// a clock, so the lifecycle can be run against a model of a file system
// (test/collectors/tail-model.test.ts).
//
// Identity is (dev, ino, sha256 of the head): a position is applied to a file
// only if the file's first `headBytes` bytes still hash to what they did, so a
// reused inode is never taken for the file it replaced.

import type { CheckpointData, FilePosition } from '../pipeline/checkpoint.ts'

export const HEAD_BYTES = 1024

export interface FileId {
  dev: number
  ino: number
}

export const idOf = (st: FileId): string => `${st.dev}:${st.ino}`

/** A followed file as the lifecycle sees it; the shell's TailFile adds the open handle. */
export interface FileState extends FilePosition {
  rel: string
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

export interface Finished {
  pos: FilePosition
  /** The listing the file was last seen in (or let go after). */
  gen: number
}

export interface TailState<F extends FileState> {
  readFrom: 'end' | 'beginning'
  /** Followed files by path. */
  tracked: Map<string, F>
  /**
   * No checkpoint file at start means this collector never ran here: only then does `readFrom: end` apply. After
   * a restart, a file missing from the checkpoint appeared while we were down and is read from its start, or its
   * first lines (often a config dump) would be skipped.
   */
  firstRun: boolean
  /** The positions by path of the checkpoint last loaded or written. */
  checkpointFiles: Record<string, FilePosition>
  /**
   * Files let go (read to their end, or skipped as history) by dev:ino, saved with the checkpoint. A file renamed
   * to a name that is also listed is picked up where it was left; a rotated copy that is one of them is not read
   * again, after a restart too, unless it grew (the runtime wrote its last lines before reopening the new file);
   * and one that is none of them is a file we never saw (written and rotated while we were down or between two
   * listings), read from its start. An entry lives while a listing still shows its file.
   */
  done: Map<string, Finished>
  /**
   * Positions of the checkpoint loaded at start (and the ones it carried over as `moved`) by dev:ino, until their
   * file is followed or finished again, or a second listing did not show it: a file renamed while we were down
   * resumes under its new name, also when the first listing missed that name (renamed between the listing and our
   * look at the old name) and checkpoints were written before a later listing showed it. Apart from `done`: these
   * were not read to an end, and are applied only where the file's head still matches.
   */
  saved: Map<string, Finished>
  generation: number
  lastListing: readonly string[] | undefined
  /** dev:ino of the files tracked this cycle, so that one file is never followed under two names. */
  busy: Set<string>
}

export function createTailState<F extends FileState>(readFrom: 'end' | 'beginning'): TailState<F> {
  return {
    readFrom,
    tracked: new Map(),
    firstRun: true,
    checkpointFiles: {},
    saved: new Map(),
    done: new Map(),
    generation: 0,
    lastListing: undefined,
    busy: new Set()
  }
}

export function position(t: FilePosition): FilePosition {
  return { dev: t.dev, ino: t.ino, offset: t.offset, line: t.line, head: t.head, headBytes: t.headBytes }
}

/** Start: the checkpoint found (or none, `firstRun`). */
export function restore<F extends FileState>(s: TailState<F>, data: CheckpointData, firstRun: boolean): void {
  s.firstRun = firstRun
  s.checkpointFiles = data.files
  // Carried over as `moved` already: kept through this run's first listing only (gen -1), so that positions of files
  // gone for good do not pile up in a collector that keeps restarting before its second listing.
  s.saved = new Map()
  for (const p of data.moved ?? []) s.saved.set(idOf(p), { pos: p, gen: -1 })
  for (const p of Object.values(data.files)) s.saved.set(idOf(p), { pos: p, gen: 0 })
  // Finished copies likewise: one the first listing shows is refreshed (discover) and kept; one it does not show
  // is gone, and kept no longer, or a collector crash-looping before its second listing would carry every copy
  // it ever finished.
  for (const p of data.finished ?? []) s.done.set(idOf(p), { pos: p, gen: -1 })
}

/** A cycle starts: the files followed now are busy, their other names are not followed. */
export function beginCycle<F extends FileState>(s: TailState<F>): void {
  s.busy.clear()
  for (const t of s.tracked.values()) s.busy.add(idOf(t))
}

export interface Listed {
  rel: string
  /** A rotated copy (`0.log.20240101-120000`): followed only to finish it. */
  rotated: boolean
  /** What the path names now (stat). */
  st: FileId & { size: number }
}

export type Discovery =
  | { kind: 'skip' }
  /** Open the file and hash its head over each of `headBytes` (and count its lines if `countLines`), then call admit(). */
  | { kind: 'probe'; candidates: FilePosition[]; headBytes: number[]; countLines: boolean }

/** A listed path that is not followed: whether it is worth opening, and what to look at once it is. */
export function discover<F extends FileState>(s: TailState<F>, f: Listed, firstScan: boolean): Discovery {
  const { rel, rotated, st } = f
  const id = idOf(st)
  // A rotated file under its new name while its old entry is still draining it; taken over once that one lets go.
  if (s.busy.has(id)) return { kind: 'skip' }
  const finished = s.done.get(id)
  // A rotated copy we finished, unchanged since: not even opened.
  if (rotated && finished?.pos.offset === st.size) {
    finished.gen = s.generation
    return { kind: 'skip' }
  }
  const candidates = [s.checkpointFiles[rel], s.saved.get(id)?.pos, finished?.pos].filter(
    (k): k is FilePosition => k !== undefined && k.ino === st.ino && k.dev === st.dev
  )
  const headBytes = [...new Set([...candidates.map((k) => k.headBytes), Math.min(st.size, HEAD_BYTES)])]
  return { kind: 'probe', candidates, headBytes, countLines: !rotated && startsAtEnd(s, rel, firstScan) }
}

function startsAtEnd<F extends FileState>(s: TailState<F>, rel: string, firstScan: boolean): boolean {
  return firstScan && s.firstRun && s.checkpointFiles[rel] === undefined && s.readFrom === 'end'
}

export interface Probed {
  /** sha256 of the file's first n bytes, for each n discover() asked for. */
  heads: ReadonlyMap<number, string>
  /** Newlines in the whole file, when discover() asked for them. */
  lines?: number
}

export type Admission =
  /** Not followed (a finished or historical rotated copy): close the file. */
  | { kind: 'close' }
  /** Follow from `file` (the shell adds its handle and calls follow()). */
  | { kind: 'follow'; file: FileState }

export function admit<F extends FileState>(
  s: TailState<F>,
  f: Listed,
  probe: Extract<Discovery, { kind: 'probe' }>,
  seen: Probed,
  firstScan: boolean
): Admission {
  const { rel, rotated, st } = f
  const pos = probe.candidates.find((k) => seen.heads.get(k.headBytes) === k.head && st.size >= k.offset)
  const headBytes = Math.min(st.size, HEAD_BYTES)
  const whole = { head: seen.heads.get(headBytes) ?? '', headBytes }
  if (rotated) {
    // On the first start with readFrom `end`, rotated copies are history like the rest; otherwise a copy is
    // passed over only when we read it to its end before.
    const history = pos === undefined && firstScan && s.firstRun && s.readFrom === 'end'
    if (history || (pos !== undefined && pos.offset >= st.size)) {
      s.saved.delete(idOf(st))
      s.done.set(idOf(st), { pos: pos ?? { dev: st.dev, ino: st.ino, offset: st.size, line: 0, ...whole }, gen: s.generation })
      return { kind: 'close' }
    }
  }
  let from = pos
  if (from === undefined) {
    const atEnd = startsAtEnd(s, rel, firstScan)
    from = { dev: st.dev, ino: st.ino, offset: atEnd ? st.size : 0, line: atEnd ? (seen.lines ?? 0) : 0, ...whole }
  }
  return { kind: 'follow', file: { ...from, rel, size: st.size, readOffset: from.offset, readLine: from.line } }
}

export function follow<F extends FileState>(s: TailState<F>, t: F): void {
  s.tracked.set(t.rel, t)
  s.busy.add(idOf(t))
  s.saved.delete(idOf(t))
}

/** After the listing's paths were discovered: a new listing forgets finished files it no longer shows. */
export function endListing<F extends FileState>(s: TailState<F>, listed: readonly string[]): void {
  if (listed === s.lastListing) return
  s.lastListing = listed
  for (const [id, f] of s.done) if (f.gen < s.generation) s.done.delete(id)
  for (const [id, f] of s.saved) if (f.gen < s.generation) s.saved.delete(id)
  s.generation++
}

/** Whether the file's head must be hashed (over its `headBytes`) to tell an append from a rewrite. */
export function needsHeadCheck(t: Pick<FileState, 'readOffset' | 'headBytes'>, size: number): boolean {
  return size > t.readOffset && t.headBytes > 0
}

/**
 * Truncated in place (copytruncate): shorter than what we read, or, when the writer got past our offset before
 * we looked, no longer starting with the bytes it started with. `was` is the file as it stood before the head
 * was hashed (an acknowledgement may grow the head meanwhile); `headNow` the hash over `was.headBytes`.
 */
export function isRewritten(was: Pick<FileState, 'readOffset' | 'head' | 'headBytes'>, size: number, headNow: string | undefined): boolean {
  return size < was.readOffset || (needsHeadCheck(was, size) && headNow !== undefined && headNow !== was.head)
}

/** Read again from the start, with the head hashed over min(size, HEAD_BYTES). The shell drained first. */
export function rewind(t: FileState, head: { head: string; headBytes: number }): void {
  Object.assign(t, { offset: 0, line: 0, readOffset: 0, readLine: 0, ...head })
}

export interface PathSeen {
  /** What the file's path names now; undefined when nothing. */
  path: FileId | undefined
  rotated: boolean
  now: number
  /** TailerOptions.deletedHoldMs. */
  holdMs: number | undefined
}

export interface Whereabouts {
  /** The path names another file or nothing: drained, this one is let go. */
  gone: boolean
  /** Still at a rotated copy's name: drained, let go too. */
  rotatedCopy: boolean
  /** Gone with unread bytes for longer than the hold: its unread lines are lost, it is let go now. */
  expired: boolean
}

export function locate(t: FileState, size: number, seen: PathSeen): Whereabouts {
  const gone = seen.path === undefined || seen.path.ino !== t.ino || seen.path.dev !== t.dev
  let expired = false
  if (gone && t.offset < size) {
    t.goneAt ??= seen.now
    expired = seen.holdMs !== undefined && seen.now - t.goneAt > seen.holdMs
  }
  return { gone, rotatedCopy: !gone && seen.rotated, expired }
}

export interface Advance<F extends FileState = FileState> {
  t: F
  offset: number
  line: number
}

/**
 * Over how many bytes to hash the head after a read that reached `offset`, when the file's head was taken over
 * fewer (the file was (nearly) empty): a short head cannot tell a rewrite from an append. Hashed right after the
 * read and taken at once, not when the bus acknowledges the read: a file truncated and rewritten past `offset`
 * before the acknowledgement would otherwise lend its new head to the old position (model test seed 166), or, with
 * no head at all yet, be read on from the old offset (seed 102154). The head is over bytes we read, acknowledged or
 * not: an identity of the content, which a checkpoint may pair with a smaller offset.
 */
export function headToGrow(t: Pick<FileState, 'headBytes'>, offset: number): number | undefined {
  return t.headBytes < HEAD_BYTES && offset > t.headBytes ? Math.min(offset, HEAD_BYTES) : undefined
}

export interface ReadDone<F extends FileState> {
  /** Bytes the read moved over. */
  spent: number
  /** What the position becomes once the read's outputs are acknowledged. */
  advance?: Advance<F>
  /** Drained and its path gone or rotated: let go once everything read from it is acknowledged. */
  finished: boolean
}

/**
 * A read from `t.readOffset` returned `r` (size: this cycle's stat; head: hashed after it, over headToGrow()'s bytes).
 * `held`: the reader did not read this file now (it waits for an older file of the same stream, or for metadata),
 * so no output does not mean drained.
 */
export function readDone<F extends FileState>(
  t: F,
  size: number,
  r: { offset: number; line: number; outputs: number; held?: boolean },
  where: Pick<Whereabouts, 'gone' | 'rotatedCopy'>,
  head?: { head: string; headBytes: number }
): ReadDone<F> {
  const spent = r.offset - t.readOffset
  // Stuck means read and unable to go on, which a newer file of its stream need not wait for; held is not stuck: a
  // file held for an older one and taken as stuck let the newest file go first (pod-logs-order.test.ts).
  if (r.offset !== t.readOffset) delete t.stuckAt
  else if (r.held !== true) t.stuckAt = size
  const moved = r.offset !== t.readOffset || r.line !== t.readLine
  t.readOffset = r.offset
  t.readLine = r.line
  if (head !== undefined && head.headBytes > t.headBytes) Object.assign(t, head)
  // Drained: if the path now names another file (rotation) or nothing (deletion), let this one go. No output from
  // a read that was made is drained too (only an incomplete record is left); from a read held back it is not: a
  // file let go with unread lines loses its place in its stream's order, and a newer file of the stream would
  // take the line numbers of those lines (pod-logs-order.test.ts).
  const finished = (r.offset === size || (r.outputs === 0 && r.held !== true)) && (where.gone || where.rotatedCopy)
  return moved ? { spent, advance: { t, offset: r.offset, line: r.line }, finished } : { spent, finished }
}

/** The bus acknowledged a batch: its files' positions move to where its reads ended; returns the files that moved. */
export function acknowledge<F extends FileState>(advance: readonly Advance<F>[]): F[] {
  const moved: F[] = []
  for (const a of advance) {
    if (a.offset === a.t.offset && a.line === a.t.line) continue
    a.t.offset = a.offset
    a.t.line = a.line
    moved.push(a.t)
  }
  return moved
}

/** The bus failed: nothing after the failed batch was sent, so everything is read again from the acknowledged positions. */
export function voidReads<F extends FileState>(s: TailState<F>): void {
  for (const t of s.tracked.values()) {
    t.readOffset = t.offset
    t.readLine = t.line
  }
}

/** Everything read from `t` is acknowledged and its path is gone or rotated: no longer followed, remembered as finished. */
export function letGo<F extends FileState>(s: TailState<F>, t: F): void {
  s.tracked.delete(t.rel)
  s.done.set(idOf(t), { pos: position(t), gen: s.generation })
}

/** The checkpoint to write now: the acknowledged positions of the files followed, the finished ones, the streams. */
export function snapshot<F extends FileState>(s: TailState<F>, streams: ReadonlyMap<string, number> | undefined): CheckpointData {
  const files: Record<string, FilePosition> = {}
  for (const t of s.tracked.values()) files[t.rel] = position(t)
  s.checkpointFiles = files
  const data: CheckpointData = { version: 1, files }
  if (streams !== undefined && streams.size > 0) data.streams = Object.fromEntries(streams)
  if (s.done.size > 0) data.finished = [...s.done.values()].map((f) => f.pos)
  if (s.saved.size > 0) data.moved = [...s.saved.values()].map((f) => f.pos)
  return data
}
