// Responder actions run as jobs with ids derived from the incident, so the
// same action enqueued twice (a replayed finding) runs once. BullMQ on Redis
// for the clustered roles; an in-process queue with the same retry semantics
// for `run all`.

import { setTimeout as sleep } from 'node:timers/promises'
import type { ConnectionOptions, Job } from 'bullmq'
import { Queue, UnrecoverableError, Worker } from 'bullmq'
import { isRetriable } from './errors.ts'
import type { Logger } from './log.ts'

export interface JobContext {
  id: string
  name: string
  attempt: number
  maxAttempts: number
}
export type JobHandler = (data: Record<string, unknown>, ctx: JobContext) => Promise<string>

export interface JobOptions {
  attempts: number
  backoffMs: number
  concurrency: number
}

export interface JobEvents {
  /** After every attempt: its outcome and the handler's detail (or error message). */
  onOutcome?: (ctx: JobContext, outcome: 'succeeded' | 'retrying' | 'failed' | 'dead-lettered', detail: string) => void | Promise<void>
}

export interface Jobs {
  /** Enqueue once: a second add with the same id is a no-op. */
  add: (name: string, id: string, data: Record<string, unknown>) => Promise<void>
  close: () => Promise<void>
}

function classify(err: unknown, attempt: number, max: number): 'retrying' | 'failed' | 'dead-lettered' {
  if (!isRetriable(err)) return 'failed'
  return attempt >= max ? 'dead-lettered' : 'retrying'
}

function message(err: unknown): string {
  const e = err as { code?: string; message?: string }
  return [e.code, e.message].filter(Boolean).join(': ') || String(err)
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
  const queue = new Queue(queueName, {
    connection,
    prefix: `${prefix}:bull`,
    defaultJobOptions: {
      attempts: opts.attempts,
      backoff: { type: 'exponential', delay: opts.backoffMs },
      // Keep finished jobs for a week so a re-add with the same id stays a no-op.
      removeOnComplete: { age: 7 * 24 * 3600 },
      removeOnFail: { age: 30 * 24 * 3600 }
    }
  })
  const worker = new Worker(
    queueName,
    async (job: Job) => {
      const handler = handlers[job.name]
      const ctx: JobContext = { id: job.id ?? '', name: job.name, attempt: job.attemptsMade + 1, maxAttempts: job.opts.attempts ?? 1 }
      if (handler === undefined) throw new UnrecoverableError(`no handler for job ${job.name}`)
      try {
        const detail = await handler(job.data as Record<string, unknown>, ctx)
        await opts.onOutcome?.(ctx, 'succeeded', detail)
        return detail
      } catch (err) {
        const outcome = classify(err, ctx.attempt, ctx.maxAttempts)
        await opts.onOutcome?.(ctx, outcome, message(err))
        if (outcome === 'failed') throw new UnrecoverableError(message(err))
        throw err
      }
    },
    { connection, prefix: `${prefix}:bull`, concurrency: opts.concurrency }
  )
  worker.on('error', (err) => logger.warn({ code: (err as { code?: string }).code, reason: err.message }, 'job worker error'))
  await queue.waitUntilReady()
  await worker.waitUntilReady()
  return {
    async add(name, id, data) {
      await queue.add(name, data, { jobId: id })
    },
    async close() {
      await worker.close()
      await queue.close()
    }
  }
}

/** The in-process queue of `run all`: same ids, attempts and backoff; gone with the process. */
export function createMemoryJobs(handlers: Record<string, JobHandler>, opts: JobOptions & JobEvents, logger: Logger): Jobs {
  const seen = new Set<string>()
  const running = new Set<Promise<void>>()
  let active = 0
  const waiting: Array<() => void> = []
  let closed = false
  // Aborted by close(): a backoff can be minutes long and must not hold up shutdown.
  const closing = new AbortController()

  // A failure to record an outcome (the bus is down) must not be taken for a failure of the action: that
  // would run a webhook that already succeeded a second time.
  async function report(ctx: JobContext, outcome: 'succeeded' | 'retrying' | 'failed' | 'dead-lettered', detail: string): Promise<void> {
    try {
      await opts.onOutcome?.(ctx, outcome, detail)
    } catch (err) {
      logger.warn({ job: ctx.id, outcome, reason: message(err) }, 'job outcome not recorded')
    }
  }

  async function run(name: string, id: string, data: Record<string, unknown>): Promise<void> {
    while (active >= opts.concurrency) await new Promise<void>((resolve) => waiting.push(resolve))
    active++
    try {
      for (let attempt = 1; attempt <= opts.attempts && !closed; attempt++) {
        const ctx: JobContext = { id, name, attempt, maxAttempts: opts.attempts }
        const handler = handlers[name]
        if (handler === undefined) {
          await report(ctx, 'failed', `no handler for job ${name}`)
          return
        }
        let detail: string
        try {
          detail = await handler(data, ctx)
        } catch (err) {
          const outcome = classify(err, attempt, opts.attempts)
          await report(ctx, outcome, message(err))
          if (outcome !== 'retrying') return
          await sleep(opts.backoffMs * 2 ** (attempt - 1), undefined, { signal: closing.signal }).catch(() => {})
          continue
        }
        await report(ctx, 'succeeded', detail)
        return
      }
    } catch (err) {
      logger.error({ job: name, reason: message(err) }, 'job crashed')
    } finally {
      active--
      waiting.shift()?.()
    }
  }

  return {
    async add(name, id, data) {
      if (seen.has(id) || closed) return
      seen.add(id)
      const p = run(name, id, data)
      running.add(p)
      void p.finally(() => running.delete(p))
    },
    async close() {
      closed = true
      closing.abort()
      await Promise.all(running)
    }
  }
}
