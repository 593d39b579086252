// Responder actions run as jobs with ids derived from the incident, so the
// same action enqueued twice (a replayed finding) runs once. BullMQ on Redis
// for the clustered roles; an in-process queue with the same retry semantics
// for `run all`.
//
// Three ways a job comes back later:
// - a retriable failure: retried after an exponential backoff with jitter (or
//   exactly the peer's Retry-After), and dead-lettered after its last attempt;
// - a deferral (`JobDeferred`): "not now" — a rate limit, a lock held by another
//   job of the same incident — moves the job back to waiting for that long
//   without using up an attempt;
// - a non-retriable failure: failed at once, kept in the dead-letter list.
// Dead letters are jobs kept after they stopped being retried; an operator
// lists and re-runs them through the incidents API.

import { setTimeout as sleep } from 'node:timers/promises'
import type { ConnectionOptions, Job } from 'bullmq'
import { DelayedError, Queue, UnrecoverableError, Worker } from 'bullmq'
import { backoffMs } from './backoff.ts'
import { isRetriable } from './errors.ts'
import type { Logger } from './log.ts'

export interface JobContext {
  id: string
  name: string
  attempt: number
  maxAttempts: number
}
export type JobHandler = (data: Record<string, unknown>, ctx: JobContext) => Promise<string>
export type JobOutcome = 'succeeded' | 'retrying' | 'failed' | 'dead-lettered'

export interface JobSpec {
  attempts: number
  /** First retry delay; doubles each attempt, plus up to 25% jitter. */
  backoffMs: number
  /** Ceiling of one retry delay (a Retry-After above it is still honoured). */
  maxBackoffMs?: number
}

export interface JobOptions extends JobSpec {
  concurrency: number
  /** Per job name: Slack jobs keep retrying through an outage far longer than a webhook. */
  perName?: Record<string, JobSpec>
}

export interface JobEvents {
  /** After every attempt: its outcome and the handler's detail (or error message). Its failures are logged, never retried. */
  onOutcome?: (ctx: JobContext, outcome: JobOutcome, detail: string, data: Record<string, unknown>) => void | Promise<void>
  /** A job was added to or taken from the dead letters (for a gauge). */
  onDeadLettersChanged?: () => void
}

export interface DeadLetter {
  id: string
  name: string
  data: Record<string, unknown>
  attempts: number
  reason: string
  failedAt: string
}

export interface Jobs {
  /** Enqueue once: a second add with the same id is a no-op. */
  add: (name: string, id: string, data: Record<string, unknown>, opts?: { delayMs?: number }) => Promise<void>
  /** Jobs that stopped being retried (exhausted or rejected), newest first. */
  deadLetters: (limit?: number) => Promise<DeadLetter[]>
  deadLetterCount: () => Promise<number>
  /** Runs a dead-lettered job again with a fresh set of attempts; false when there is no such dead letter. */
  retryDeadLetter: (id: string) => Promise<boolean>
  close: () => Promise<void>
}

/** Thrown by a handler: run me again in `delayMs`, this attempt does not count. */
export class JobDeferred extends Error {
  readonly delayMs: number
  constructor(delayMs: number, reason: string) {
    super(reason)
    this.name = 'JobDeferred'
    this.delayMs = Math.max(1, Math.ceil(delayMs))
  }
}

/** The peer said when to come back (HTTP Retry-After, Slack's `ratelimited`): carried on the error. */
function retryAfterMs(err: unknown): number | undefined {
  const e = err as { retryAfterMs?: unknown; details?: { retryAfterMs?: unknown } }
  const v = e?.details?.retryAfterMs ?? e?.retryAfterMs
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined
}

/**
 * Delay before attempt `attempt + 1`. Exponential with up to 25% jitter on top, so replicas retrying the
 * same endpoint after an outage spread out instead of arriving together; never below the base, so a test
 * (or an operator) can rely on "at least backoffMs·2^(n-1)". A Retry-After wins, with the same jitter.
 */
export function retryDelayMs(attempt: number, spec: JobSpec, err: unknown, random: () => number = Math.random): number {
  const policy = { baseMs: spec.backoffMs, maxMs: spec.maxBackoffMs ?? Number.POSITIVE_INFINITY, jitter: 'over' } as const
  const after = retryAfterMs(err)
  // A Retry-After is the floor instead of the exponential: attempt 1 with its delay as the base.
  if (after !== undefined) return backoffMs(1, { ...policy, baseMs: after, maxMs: Number.POSITIVE_INFINITY }, random)
  return backoffMs(attempt, policy, random)
}

function classify(err: unknown, attempt: number, max: number): 'retrying' | 'failed' | 'dead-lettered' {
  if (!isRetriable(err)) return 'failed'
  return attempt >= max ? 'dead-lettered' : 'retrying'
}

function message(err: unknown): string {
  const e = err as { code?: string; message?: string }
  return [e.code, e.message].filter(Boolean).join(': ') || String(err)
}

function specFor(opts: JobOptions, name: string): JobSpec {
  return opts.perName?.[name] ?? opts
}

/** A failure to record an outcome (the bus is down) must not be taken for a failure of the action: that would run a webhook that already succeeded a second time. */
function reporter(opts: JobEvents, logger: Logger) {
  return async (ctx: JobContext, outcome: JobOutcome, detail: string, data: Record<string, unknown>): Promise<void> => {
    try {
      await opts.onOutcome?.(ctx, outcome, detail, data)
    } catch (err) {
      logger.warn({ job: ctx.id, outcome, reason: message(err) }, 'job outcome not recorded')
    }
  }
}

/** BullMQ queue and worker in one; job ids must not contain ':' (BullMQ reserves it). */
export async function createBullJobs(
  connection: ConnectionOptions,
  prefix: string,
  handlers: Record<string, JobHandler>,
  opts: JobOptions & JobEvents,
  logger: Logger
): Promise<Jobs> {
  const queueName = 'actions'
  const report = reporter(opts, logger)
  const queue = new Queue(queueName, {
    connection,
    prefix: `${prefix}:bull`,
    defaultJobOptions: {
      // Keep finished jobs for a week so a re-add with the same id stays a no-op; failed ones are the dead letters.
      removeOnComplete: { age: 7 * 24 * 3600 },
      removeOnFail: { age: 30 * 24 * 3600 }
    }
  })
  const worker = new Worker(
    queueName,
    async (job: Job, token?: string) => {
      const handler = handlers[job.name]
      const data = job.data as Record<string, unknown>
      const ctx: JobContext = { id: job.id ?? '', name: job.name, attempt: job.attemptsMade + 1, maxAttempts: job.opts.attempts ?? 1 }
      if (handler === undefined) {
        await report(ctx, 'failed', `no handler for job ${job.name}`, data)
        throw new UnrecoverableError(`no handler for job ${job.name}`)
      }
      let detail: string
      try {
        detail = await handler(data, ctx)
      } catch (err) {
        if (err instanceof JobDeferred) {
          // Back to delayed without counting an attempt: a rate limit is not a failure.
          await job.moveToDelayed(Date.now() + err.delayMs, token)
          throw new DelayedError(err.message)
        }
        const outcome = classify(err, ctx.attempt, ctx.maxAttempts)
        await report(ctx, outcome, message(err), data)
        if (outcome === 'failed') throw new UnrecoverableError(message(err))
        throw err
      }
      await report(ctx, 'succeeded', detail, data)
      return detail
    },
    {
      connection,
      prefix: `${prefix}:bull`,
      concurrency: opts.concurrency,
      settings: { backoffStrategy: (attemptsMade, _type, err, job) => retryDelayMs(attemptsMade, specFor(opts, job?.name ?? ''), err) }
    }
  )
  worker.on('error', (err) => logger.warn({ code: (err as { code?: string }).code, reason: err.message }, 'job worker error'))
  // 'failed' fires once the job is in the failed set for good (not between retries, not on a deferral).
  worker.on('failed', (job) => {
    if (job !== undefined && job.finishedOn !== undefined) opts.onDeadLettersChanged?.()
  })
  await queue.waitUntilReady()
  await worker.waitUntilReady()
  return {
    async add(name, id, data, addOpts = {}) {
      const spec = specFor(opts, name)
      await queue.add(name, data, {
        jobId: id,
        attempts: spec.attempts,
        backoff: { type: 'leakwatch' },
        ...(addOpts.delayMs === undefined || addOpts.delayMs <= 0 ? {} : { delay: addOpts.delayMs })
      })
    },
    async deadLetters(limit = 100) {
      const failed = await queue.getFailed(0, limit - 1)
      return failed.map((j) => ({
        id: j.id ?? '',
        name: j.name,
        data: j.data as Record<string, unknown>,
        attempts: j.attemptsMade,
        reason: j.failedReason,
        failedAt: new Date(j.finishedOn ?? 0).toISOString()
      }))
    },
    async deadLetterCount() {
      return await queue.getFailedCount()
    },
    async retryDeadLetter(id) {
      const job = await queue.getJob(id)
      if (job === undefined || !(await job.isFailed())) return false
      await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true })
      opts.onDeadLettersChanged?.()
      return true
    },
    async close() {
      await worker.close()
      await queue.close()
    }
  }
}

/** The in-process queue of `run all`: same ids, attempts, backoff and deferral; gone with the process. */
export function createMemoryJobs(handlers: Record<string, JobHandler>, opts: JobOptions & JobEvents, logger: Logger): Jobs {
  const seen = new Set<string>()
  const running = new Set<Promise<void>>()
  const dead = new Map<string, DeadLetter>()
  const report = reporter(opts, logger)
  let active = 0
  const waiting: Array<() => void> = []
  let closed = false
  // Aborted by close(): a backoff can be minutes long and must not hold up shutdown.
  const closing = new AbortController()
  const pause = async (ms: number): Promise<void> => {
    await sleep(ms, undefined, { signal: closing.signal }).catch(() => {})
  }

  async function run(name: string, id: string, data: Record<string, unknown>, delayMs: number): Promise<void> {
    if (delayMs > 0) await pause(delayMs)
    const spec = specFor(opts, name)
    let attempt = 1
    while (attempt <= spec.attempts && !closed) {
      while (active >= opts.concurrency) await new Promise<void>((resolve) => waiting.push(resolve))
      active++
      let wait = 0
      try {
        const ctx: JobContext = { id, name, attempt, maxAttempts: spec.attempts }
        const handler = handlers[name]
        if (handler === undefined) {
          await report(ctx, 'failed', `no handler for job ${name}`, data)
          dead.set(id, { id, name, data, attempts: attempt, reason: `no handler for job ${name}`, failedAt: new Date().toISOString() })
          opts.onDeadLettersChanged?.()
          return
        }
        try {
          const detail = await handler(data, ctx)
          await report(ctx, 'succeeded', detail, data)
          return
        } catch (err) {
          if (err instanceof JobDeferred) {
            wait = err.delayMs
            continue
          }
          const outcome = classify(err, attempt, spec.attempts)
          await report(ctx, outcome, message(err), data)
          if (outcome !== 'retrying') {
            dead.set(id, { id, name, data, attempts: attempt, reason: message(err), failedAt: new Date().toISOString() })
            opts.onDeadLettersChanged?.()
            return
          }
          wait = retryDelayMs(attempt, spec, err)
          attempt++
        }
      } catch (err) {
        logger.error({ job: name, reason: message(err) }, 'job crashed')
        return
      } finally {
        // The slot is free while this job waits out its backoff or deferral.
        active--
        waiting.shift()?.()
        if (wait > 0) await pause(wait)
      }
    }
  }

  function start(name: string, id: string, data: Record<string, unknown>, delayMs: number): void {
    const p = run(name, id, data, delayMs)
    running.add(p)
    void p.finally(() => running.delete(p))
  }

  return {
    async add(name, id, data, addOpts = {}) {
      if (seen.has(id) || closed) return
      seen.add(id)
      start(name, id, data, addOpts.delayMs ?? 0)
    },
    async deadLetters(limit = 100) {
      return [...dead.values()].reverse().slice(0, limit)
    },
    async deadLetterCount() {
      return dead.size
    },
    async retryDeadLetter(id) {
      const d = dead.get(id)
      if (d === undefined || closed) return false
      dead.delete(id)
      opts.onDeadLettersChanged?.()
      start(d.name, d.id, d.data, 0)
      return true
    },
    async close() {
      closed = true
      closing.abort()
      await Promise.all(running)
    }
  }
}
