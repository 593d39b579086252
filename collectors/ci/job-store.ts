// The CI collectors' durable work list: the jobs a webhook delivery asked
// for, how far each one's log is acknowledged by the bus, and the jobs done
// recently (so a `workflow_run` and a `workflow_job` delivery of one job, or a
// backfill run twice, scan it once). A delivery is answered only after its
// job is in here, and a job leaves only once its last line was acknowledged:
// a crash at any point resumes the job at its acknowledged line.
//
// One JSON file, rewritten atomically (write-new, fsync, rename) on every
// change: a job's progress moves once per published batch (megabytes), so the
// writes are few. A job's task is the provider's own JSON (metadata, the
// installation, steps), opaque here; it never holds log content.

import { readFile } from 'node:fs/promises'
import { writeFileAtomic } from '../../pipeline/checkpoint.ts'
import { LeakwatchError } from '../../pipeline/errors.ts'

export interface PendingJob<Task = unknown> {
  key: string
  task: Task
  /** Lines acknowledged by the bus (resume after this one). */
  ackedLine: number
  /** Failed attempts so far. */
  attempts: number
  /** Not to be tried before this time (ms since epoch): backoff and Retry-After. */
  notBefore: number
  addedAt: number
}

interface StoreFile {
  version: 1
  pending: PendingJob[]
  /** key → when it was done (ms). */
  done: Record<string, number>
}

export interface JobStore<Task = unknown> {
  /** Queues a job; false (and nothing changes) when it is queued already or was done within `doneTtlMs`. */
  add: (key: string, task: Task) => Promise<boolean>
  progress: (key: string, ackedLine: number) => Promise<void>
  done: (key: string) => Promise<void>
  /** One more failed attempt; tried again from `notBefore`. */
  retryLater: (key: string, notBefore: number) => Promise<PendingJob<Task> | undefined>
  /** Jobs due at `at`, oldest first. */
  due: (at: number) => Array<PendingJob<Task>>
  /** The earliest `notBefore` of the jobs not due yet. */
  nextDue: () => number | undefined
  get: (key: string) => PendingJob<Task> | undefined
  size: () => number
}

export interface JobStoreOptions {
  path: string
  doneTtlMs: number
  maxDone?: number
  now?: () => number
}

export async function openJobStore<Task>(opts: JobStoreOptions): Promise<JobStore<Task>> {
  const now = opts.now ?? Date.now
  const maxDone = opts.maxDone ?? 100_000
  let data: StoreFile = { version: 1, pending: [], done: {} }
  try {
    const parsed = JSON.parse(await readFile(opts.path, 'utf8')) as StoreFile
    if (parsed.version !== 1 || !Array.isArray(parsed.pending) || typeof parsed.done !== 'object') throw new Error('unexpected shape')
    data = parsed
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new LeakwatchError('LW_ERR_CHECKPOINT_IO', `CI job state ${opts.path} is unreadable or corrupt; move it away to start over`, { cause: err })
  }
  const pending = new Map<string, PendingJob<Task>>(data.pending.map((p) => [p.key, p as PendingJob<Task>]))
  const done = new Map<string, number>(Object.entries(data.done))
  // Writes are chained: each one writes the state as it is when it runs, and callers wait for theirs.
  let chain: Promise<void> = Promise.resolve()

  function save(): Promise<void> {
    const run = chain.then(async () => {
      const t = now()
      for (const [k, at] of done) if (t - at > opts.doneTtlMs || done.size > maxDone) done.delete(k)
      const file: StoreFile = { version: 1, pending: [...pending.values()], done: Object.fromEntries(done) }
      await writeFileAtomic(opts.path, JSON.stringify(file), 'CI job state')
    })
    chain = run.catch(() => {})
    return run
  }

  return {
    async add(key, task) {
      const doneAt = done.get(key)
      if (pending.has(key) || (doneAt !== undefined && now() - doneAt <= opts.doneTtlMs)) return false
      const t = now()
      pending.set(key, { key, task, ackedLine: 0, attempts: 0, notBefore: t, addedAt: t })
      try {
        await save()
      } catch (err) {
        pending.delete(key)
        throw err
      }
      return true
    },
    async progress(key, ackedLine) {
      const p = pending.get(key)
      if (p === undefined || ackedLine <= p.ackedLine) return
      p.ackedLine = ackedLine
      await save()
    },
    async done(key) {
      pending.delete(key)
      done.set(key, now())
      await save()
    },
    async retryLater(key, notBefore) {
      const p = pending.get(key)
      if (p === undefined) return undefined
      p.attempts++
      p.notBefore = notBefore
      await save()
      return p
    },
    due(at) {
      return [...pending.values()].filter((p) => p.notBefore <= at).sort((a, b) => a.addedAt - b.addedAt)
    },
    nextDue() {
      let min: number | undefined
      for (const p of pending.values()) if (min === undefined || p.notBefore < min) min = p.notBefore
      return min
    },
    get: (key) => pending.get(key),
    size: () => pending.size
  }
}
