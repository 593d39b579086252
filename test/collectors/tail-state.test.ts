// The tailer's per-file lifecycle, transition by transition, without a file
// system: each test gives the observations the shell would make and checks
// the state and the actions that come out. The whole lifecycle against a
// model of files is tail-model.test.ts.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { FileState, Listed, TailState } from '../../collectors/tail-state.ts'
import {
  acknowledge,
  admit,
  beginCycle,
  createTailState,
  discover,
  endListing,
  follow,
  headToGrow,
  isRewritten,
  letGo,
  locate,
  readDone,
  restore,
  snapshot
} from '../../collectors/tail-state.ts'
import type { CheckpointData } from '../../pipeline/checkpoint.ts'

const listed = (rel: string, ino: number, size: number, rotated = false): Listed => ({ rel, rotated, st: { dev: 1, ino, size } })

/** discover + admit with heads as the test says they hash (`h<bytes>` unless given). */
function arrive(s: TailState<FileState>, f: Listed, firstScan: boolean, heads: Record<number, string> = {}, lines = 0) {
  const d = discover(s, f, firstScan)
  if (d.kind === 'skip') return d
  const seen = new Map(d.headBytes.map((n) => [n, heads[n] ?? `h${n}`]))
  const a = admit(s, f, d, { heads: seen, ...(d.countLines ? { lines } : {}) }, firstScan)
  if (a.kind === 'follow') follow(s, a.file)
  return a
}

test("first run, readFrom 'end': a live file is followed from its end with its lines counted; a rotated copy is history, finished unread", () => {
  const s = createTailState<FileState>('end')
  restore(s, { version: 1, files: {} }, true)
  beginCycle(s)
  const live = arrive(s, listed('0.log', 10, 300), true, {}, 7)
  assert.equal(live.kind, 'follow')
  assert.deepEqual(live.kind === 'follow' && [live.file.offset, live.file.line, live.file.readOffset], [300, 7, 300])
  assert.deepEqual(arrive(s, listed('0.log.1', 11, 500, true), true), { kind: 'close' })
  assert.equal(s.done.get('1:11')?.pos.offset, 500)
  // Not on a later scan: a file that appears after the first scan is read from its start.
  beginCycle(s)
  const later = arrive(s, listed('1.log', 12, 40), false)
  assert.equal(later.kind === 'follow' && later.file.offset, 0)
})

test('after a restart: a rotated copy never seen is read from its start; one finished and unchanged is not opened; one that grew resumes where it was finished', () => {
  const s = createTailState<FileState>('end')
  const finished = { dev: 1, ino: 21, offset: 120, line: 4, head: 'h120', headBytes: 120 }
  restore(s, { version: 1, files: {}, finished: [finished] }, false)
  beginCycle(s)
  const unseen = arrive(s, listed('0.log.2', 20, 80, true), true)
  assert.equal(unseen.kind === 'follow' && unseen.file.offset, 0)
  assert.deepEqual(discover(s, listed('0.log.1', 21, 120, true), true), { kind: 'skip' }, 'unchanged: skipped without opening it')
  const grew = arrive(s, listed('0.log.1', 21, 150, true), true)
  assert.equal(grew.kind, 'follow')
  assert.deepEqual(grew.kind === 'follow' && [grew.file.offset, grew.file.line], [120, 4])
})

test('a position is applied only to the file whose head it recorded: a reused inode starts from 0', () => {
  const s = createTailState<FileState>('beginning')
  restore(s, { version: 1, files: { 'app.log': { dev: 1, ino: 5, offset: 50, line: 2, head: 'old', headBytes: 50 } } }, false)
  beginCycle(s)
  const a = arrive(s, listed('app.log', 5, 90), true, { 50: 'new' })
  assert.equal(a.kind === 'follow' && a.file.offset, 0)
})

test('one file is followed under one name: its other name waits while it is busy', () => {
  const s = createTailState<FileState>('beginning')
  restore(s, { version: 1, files: {} }, false)
  beginCycle(s)
  arrive(s, listed('app.log', 5, 10), true)
  beginCycle(s)
  assert.deepEqual(discover(s, listed('app-1.log', 5, 10), false), { kind: 'skip' })
})

test('truncation: shorter than what was read, or longer with another head; the same size is an unchanged file', () => {
  const t = { readOffset: 100, head: 'h', headBytes: 64 }
  assert.equal(isRewritten(t, 40, undefined), true)
  assert.equal(isRewritten(t, 100, undefined), false)
  assert.equal(isRewritten(t, 180, 'h'), false)
  assert.equal(isRewritten(t, 180, 'other'), true)
  assert.equal(isRewritten({ ...t, headBytes: 0 }, 180, undefined), false, 'no head yet: nothing to compare')
})

test('a gone file with unread bytes is held from the first time it is seen gone, until the hold expires', () => {
  const t: FileState = { rel: 'a', dev: 1, ino: 3, offset: 10, line: 1, head: '', headBytes: 0, readOffset: 10, readLine: 1, size: 30 }
  const seen = (now: number, path = { dev: 1, ino: 4 }) => locate(t, 30, { path, rotated: false, now, holdMs: 500 })
  assert.deepEqual(seen(1000), { gone: true, rotatedCopy: false, expired: false })
  assert.equal(t.goneAt, 1000)
  assert.equal(seen(1400).expired, false)
  assert.equal(seen(1600).expired, true)
  assert.deepEqual(locate(t, 30, { path: { dev: 1, ino: 3 }, rotated: true, now: 0, holdMs: undefined }), { gone: false, rotatedCopy: true, expired: false })
})

test('a position moves on acknowledgement only; a drained rotated copy is let go, kept as finished in the checkpoint while listed', () => {
  const s = createTailState<FileState>('beginning')
  restore(s, { version: 1, files: {} }, false)
  beginCycle(s)
  arrive(s, listed('0.log.1', 7, 60, true), false)
  const t = s.tracked.get('0.log.1') as FileState
  const r = readDone(t, 60, { offset: 60, line: 3, outputs: 3 }, { gone: false, rotatedCopy: true })
  assert.equal(r.finished, true)
  assert.deepEqual([t.offset, t.readOffset], [0, 60], 'read, not yet acknowledged')
  assert.deepEqual(snapshot(s, undefined).files['0.log.1']?.offset, 0)
  assert.deepEqual(acknowledge([r.advance as NonNullable<typeof r.advance>]), [t])
  assert.equal(t.offset, 60)
  letGo(s, t)
  const cp = snapshot(s, new Map([['k8s/a/b/c', 3]]))
  assert.deepEqual(cp.files, {})
  assert.deepEqual(cp.streams, { 'k8s/a/b/c': 3 })
  assert.deepEqual(
    cp.finished?.map((p) => [p.ino, p.offset, p.line]),
    [[7, 60, 3]]
  )
  // Listed again (unchanged) it stays; a listing without it forgets it.
  endListing(s, ['0.log.1'])
  beginCycle(s)
  assert.deepEqual(discover(s, listed('0.log.1', 7, 60, true), false), { kind: 'skip' })
  endListing(s, ['0.log.1'])
  assert.equal(s.done.size, 1)
  endListing(s, [])
  assert.equal(s.done.size, 0)
})

test('a read that made no progress marks the file stuck at its size; progress clears it', () => {
  const t: FileState = { rel: 'a', dev: 1, ino: 3, offset: 0, line: 0, head: '', headBytes: 0, readOffset: 0, readLine: 0, size: 5 }
  assert.deepEqual(readDone(t, 5, { offset: 0, line: 0, outputs: 0 }, { gone: false, rotatedCopy: false }), { spent: 0, finished: false })
  assert.equal(t.stuckAt, 5)
  readDone(t, 9, { offset: 9, line: 1, outputs: 1 }, { gone: false, rotatedCopy: false })
  assert.equal(t.stuckAt, undefined)
})

test('a read held back (an older file of its stream goes first) neither finishes a gone or rotated file nor marks it stuck', () => {
  const t: FileState = { rel: '0.log', dev: 1, ino: 4, offset: 0, line: 0, head: '', headBytes: 0, readOffset: 0, readLine: 0, size: 50 }
  const held = readDone(t, 50, { offset: 0, line: 0, outputs: 0, held: true }, { gone: true, rotatedCopy: false })
  assert.deepEqual(held, { spent: 0, finished: false }, 'its unread lines keep it followed, and in its place in the stream')
  assert.equal(t.stuckAt, undefined, 'a newer file still waits for it')
  // Read and still nothing (only an incomplete record left): drained as far as it goes, let go.
  assert.equal(readDone(t, 50, { offset: 0, line: 0, outputs: 0 }, { gone: true, rotatedCopy: false }).finished, true)
  assert.equal(t.stuckAt, 50)
})

test('a head taken over fewer bytes than were read grows with the head hashed right after the read', () => {
  const t: FileState = { rel: 'a', dev: 1, ino: 3, offset: 0, line: 0, head: 'empty', headBytes: 0, readOffset: 0, readLine: 0, size: 0 }
  assert.equal(headToGrow(t, 0), undefined)
  assert.equal(headToGrow(t, 300), 300)
  assert.equal(headToGrow(t, 5000), 1024)
  readDone(t, 300, { offset: 300, line: 6, outputs: 6 }, { gone: false, rotatedCopy: false }, { head: 'read', headBytes: 300 })
  assert.deepEqual([t.head, t.headBytes, t.offset], ['read', 300, 0], 'taken at once; the position waits for the acknowledgement')
})

test('a checkpointed file renamed while we were down and missed by the first listing resumes from its position when a later listing shows it, across a checkpoint written meanwhile', () => {
  const s = createTailState<FileState>('beginning')
  const pos = { dev: 1, ino: 30, offset: 600, line: 60, head: 'h1024', headBytes: 1024 }
  restore(s, { version: 1, files: { '0.log': pos } }, false)
  // First listing: 0.log already names the new file (the old one was renamed between the listing and the look).
  beginCycle(s)
  const live = arrive(s, listed('0.log', 31, 50), true)
  assert.equal(live.kind === 'follow' && live.file.offset, 0)
  endListing(s, ['0.log'])
  // The checkpoint written now carries the position on; a restart from it would still find it.
  const saved = snapshot(s, undefined)
  assert.deepEqual(saved.moved, [pos])
  const again = createTailState<FileState>('beginning')
  restore(again, saved, false)
  assert.deepEqual(again.saved.get('1:30')?.pos, pos)
  // The next listing shows the old file under its rotated name: read on from where it was.
  beginCycle(s)
  const copy = arrive(s, listed('0.log.20250101-000001', 30, 900, true), false)
  assert.deepEqual(copy.kind === 'follow' && [copy.file.offset, copy.file.line], [600, 60])
  endListing(s, ['0.log', '0.log.20250101-000001'])
  assert.equal(snapshot(s, undefined).moved, undefined, 'claimed: no longer carried')
})

test('a checkpointed position whose file no second listing shows is dropped', () => {
  const s = createTailState<FileState>('beginning')
  restore(s, { version: 1, files: { 'gone.log': { dev: 1, ino: 40, offset: 10, line: 1, head: 'h10', headBytes: 10 } } }, false)
  endListing(s, [])
  assert.equal(s.saved.size, 1, 'kept through the first listing')
  endListing(s, ['other.log'])
  assert.equal(s.saved.size, 0)
})

/**
 * A collector crash-looping before its second listing: six runs, each restored from the previous run's
 * checkpoint, one cycle of `run` (its first listing), a checkpoint written, a crash; `measure` of each checkpoint.
 */
function crashLoop(run: (s: TailState<FileState>, n: number) => void, measure: (data: CheckpointData) => number): number[] {
  let data: CheckpointData = { version: 1, files: {} }
  const sizes: number[] = []
  for (let n = 0; n < 6; n++) {
    const s = createTailState<FileState>('beginning')
    restore(s, data, false)
    beginCycle(s)
    run(s, n)
    data = snapshot(s, undefined)
    sizes.push(measure(data))
  }
  return sizes
}

test('moved positions are carried over one restart, not for ever: a collector restarting before its second listing keeps a bounded checkpoint', () => {
  // Each run's first listing shows none of the checkpoint's files (all gone).
  const sizes = crashLoop(
    (s, run) => {
      // This run follows one file of its own, gone by the next run.
      const own = arrive(s, listed(`run${run}.log`, 100 + run, 50), true)
      assert.equal(own.kind, 'follow')
      endListing(s, [`run${run}.log`])
    },
    (data) => data.moved?.length ?? 0
  )
  assert.deepEqual(sizes, [0, 1, 1, 1, 1, 1], "the previous run's file only")
})

test('finished copies are carried over a restart while a listing shows them, not for ever: a collector crash-looping before its second listing keeps a bounded checkpoint', () => {
  // Each run's first listing shows this run's own rotated copy and the previous run's (older ones are deleted by the
  // kubelet); the copy is read to its end and let go.
  const sizes = crashLoop(
    (s, run) => {
      const copies = run === 0 ? [] : [listed(`0.log.run${run - 1}`, 200 + run - 1, 50, true)]
      // The previous run's copy, finished then and unchanged: skipped, not read again.
      for (const c of copies) assert.equal(arrive(s, c, true).kind, 'skip', `run ${run}: a finished copy is not read again`)
      const own = arrive(s, listed(`0.log.run${run}`, 200 + run, 50, true), true)
      assert.equal(own.kind, 'follow')
      endListing(s, [...copies.map((c) => c.rel), `0.log.run${run}`])
      if (own.kind === 'follow') {
        acknowledge([{ t: own.file, offset: 50, line: 5 }])
        letGo(s, own.file)
      }
    },
    (data) => data.finished?.length ?? 0
  )
  assert.deepEqual(sizes, [1, 2, 2, 2, 2, 2], "this run's copy and the previous run's, which the listing still showed")
})
