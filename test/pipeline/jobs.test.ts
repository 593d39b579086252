import assert from 'node:assert/strict'
import { test } from 'node:test'
import { LeakwatchError } from '../../pipeline/errors.ts'
import type { JobContext, JobHandler } from '../../pipeline/jobs.ts'
import { createMemoryJobs } from '../../pipeline/jobs.ts'
import { silentLogger } from '../../pipeline/log.ts'
import { waitFor } from '../support/wait.ts'

interface Outcome {
  id: string
  attempt: number
  outcome: string
  detail: string
  at: number
}

function recorder() {
  const outcomes: Outcome[] = []
  return {
    outcomes,
    onOutcome: (ctx: JobContext, outcome: string, detail: string) => {
      outcomes.push({ id: ctx.id, attempt: ctx.attempt, outcome, detail, at: performance.now() })
    }
  }
}

test('the same id enqueued twice runs once', async () => {
  const calls: Array<{ data: Record<string, unknown>; ctx: JobContext }> = []
  const r = recorder()
  const jobs = createMemoryJobs(
    {
      webhook: async (data, ctx) => {
        calls.push({ data, ctx })
        return 'HTTP 204'
      }
    },
    { attempts: 3, backoffMs: 10, concurrency: 2, onOutcome: r.onOutcome },
    silentLogger()
  )
  await jobs.add('webhook', 'webhook-abc-opened', { n: 1 })
  await jobs.add('webhook', 'webhook-abc-opened', { n: 2 })
  await jobs.add('webhook', 'webhook-def-opened', { n: 3 })
  await waitFor(() => r.outcomes.length === 2, 'two outcomes')
  await jobs.close()
  assert.deepEqual(
    calls.map((c) => c.data).sort((a, b) => Number(a.n) - Number(b.n)),
    [{ n: 1 }, { n: 3 }]
  )
  const abc = calls.find((c) => c.ctx.id === 'webhook-abc-opened')?.ctx
  assert.deepEqual(abc, { id: 'webhook-abc-opened', name: 'webhook', attempt: 1, maxAttempts: 3 })
  assert.deepEqual(r.outcomes.map((o) => [o.id, o.outcome, o.detail]).sort(), [
    ['webhook-abc-opened', 'succeeded', 'HTTP 204'],
    ['webhook-def-opened', 'succeeded', 'HTTP 204']
  ])
})

test('a retriable failure is retried with exponential backoff, then succeeds', async () => {
  const r = recorder()
  const starts: number[] = []
  const jobs = createMemoryJobs(
    {
      webhook: async (_data, ctx) => {
        starts.push(performance.now())
        if (ctx.attempt < 3) throw new LeakwatchError('LW_ERR_WEBHOOK_FAILED', 'answered HTTP 503')
        return 'HTTP 200'
      }
    },
    { attempts: 5, backoffMs: 40, concurrency: 1, onOutcome: r.onOutcome },
    silentLogger()
  )
  await jobs.add('webhook', 'j1', {})
  await waitFor(() => r.outcomes.some((o) => o.outcome === 'succeeded'), 'success')
  await jobs.close()
  assert.deepEqual(
    r.outcomes.map((o) => [o.attempt, o.outcome, o.detail]),
    [
      [1, 'retrying', 'LW_ERR_WEBHOOK_FAILED: answered HTTP 503'],
      [2, 'retrying', 'LW_ERR_WEBHOOK_FAILED: answered HTTP 503'],
      [3, 'succeeded', 'HTTP 200']
    ]
  )
  const [s1 = 0, s2 = 0, s3 = 0] = starts
  // Timers may fire a millisecond early; the second delay doubles the first.
  assert.ok(s2 - s1 >= 38, `first backoff ${s2 - s1} ms`)
  assert.ok(s3 - s2 >= 78, `second backoff ${s3 - s2} ms`)
})

test('a non-retriable failure (webhook rejected) is not retried', async () => {
  const r = recorder()
  let calls = 0
  const jobs = createMemoryJobs(
    {
      webhook: async () => {
        calls++
        throw new LeakwatchError('LW_ERR_WEBHOOK_REJECTED', 'answered HTTP 400')
      }
    },
    { attempts: 5, backoffMs: 10, concurrency: 1, onOutcome: r.onOutcome },
    silentLogger()
  )
  await jobs.add('webhook', 'j1', {})
  await waitFor(() => r.outcomes.length === 1, 'the outcome')
  await jobs.close()
  assert.equal(calls, 1)
  assert.deepEqual(
    r.outcomes.map((o) => [o.attempt, o.outcome, o.detail]),
    [[1, 'failed', 'LW_ERR_WEBHOOK_REJECTED: answered HTTP 400']]
  )
})

test('a job that keeps failing is dead-lettered after its last attempt', async () => {
  const r = recorder()
  let calls = 0
  const jobs = createMemoryJobs(
    {
      webhook: async () => {
        calls++
        throw new Error('ECONNREFUSED')
      }
    },
    { attempts: 3, backoffMs: 5, concurrency: 1, onOutcome: r.onOutcome },
    silentLogger()
  )
  await jobs.add('webhook', 'j1', {})
  await waitFor(() => r.outcomes.length === 3, 'three outcomes')
  await jobs.close()
  assert.equal(calls, 3)
  assert.deepEqual(
    r.outcomes.map((o) => o.outcome),
    ['retrying', 'retrying', 'dead-lettered']
  )
  assert.equal(r.outcomes[2]?.detail, 'ECONNREFUSED')
})

test('a job without a handler fails at once instead of being retried', async () => {
  const r = recorder()
  const jobs = createMemoryJobs({}, { attempts: 4, backoffMs: 5, concurrency: 1, onOutcome: r.onOutcome }, silentLogger())
  await jobs.add('slack', 'j1', {})
  await waitFor(() => r.outcomes.length > 0, 'the outcome')
  await jobs.close()
  assert.deepEqual(
    r.outcomes.map((o) => [o.attempt, o.outcome]),
    [[1, 'failed']]
  )
  assert.match(r.outcomes[0]?.detail ?? '', /no handler for job slack/)
})

test('no more than `concurrency` jobs run at once', async () => {
  let running = 0
  let peak = 0
  let done = 0
  const release: Array<() => void> = []
  const handler: JobHandler = async () => {
    running++
    peak = Math.max(peak, running)
    await new Promise<void>((resolve) => release.push(resolve))
    running--
    done++
    return 'ok'
  }
  const jobs = createMemoryJobs({ h: handler }, { attempts: 1, backoffMs: 5, concurrency: 2 }, silentLogger())
  for (let i = 0; i < 5; i++) await jobs.add('h', `j${i}`, {})
  while (done < 5) {
    await waitFor(() => release.length > 0, 'a running job')
    assert.ok(running <= 2)
    release.shift()?.()
    await waitFor(() => running < 2 || release.length > 0, 'progress')
  }
  await jobs.close()
  assert.equal(peak, 2)
  assert.equal(done, 5)
})

test('close does not wait out a long backoff, and later adds are ignored', async () => {
  const r = recorder()
  let calls = 0
  const jobs = createMemoryJobs(
    {
      webhook: async () => {
        calls++
        throw new LeakwatchError('LW_ERR_WEBHOOK_FAILED', 'answered HTTP 503')
      }
    },
    { attempts: 5, backoffMs: 60_000, concurrency: 1, onOutcome: r.onOutcome },
    silentLogger()
  )
  await jobs.add('webhook', 'j1', {})
  await waitFor(() => r.outcomes.length === 1, 'the first attempt')
  const started = performance.now()
  await jobs.close()
  assert.ok(performance.now() - started < 1000, `close took ${Math.round(performance.now() - started)} ms`)
  await jobs.add('webhook', 'j2', {})
  assert.equal(calls, 1)
})

test('a throwing onOutcome hook does not crash the queue or stop other jobs', async () => {
  const ran: string[] = []
  const jobs = createMemoryJobs(
    {
      h: async (_d, ctx) => {
        ran.push(ctx.id)
        return 'ok'
      }
    },
    {
      attempts: 1,
      backoffMs: 5,
      concurrency: 1,
      onOutcome: () => {
        throw new Error('bus down')
      }
    },
    silentLogger()
  )
  await jobs.add('h', 'a', {})
  await jobs.add('h', 'b', {})
  await waitFor(() => ran.length === 2, 'both jobs')
  await jobs.close()
  assert.deepEqual(ran, ['a', 'b'])
})

test('an outcome that cannot be recorded once does not make a succeeded action run again', async () => {
  let calls = 0
  let hookFailures = 1
  const recorded: string[] = []
  const jobs = createMemoryJobs(
    {
      webhook: async () => {
        calls++
        return 'HTTP 200'
      }
    },
    {
      attempts: 3,
      backoffMs: 5,
      concurrency: 1,
      onOutcome: (_ctx, outcome) => {
        if (hookFailures-- > 0) throw new Error('bus not acknowledging')
        recorded.push(outcome)
      }
    },
    silentLogger()
  )
  await jobs.add('webhook', 'j1', {})
  await jobs.add('webhook', 'j2', {})
  await waitFor(() => calls === 2 && recorded.length === 1, 'both jobs')
  await jobs.close()
  assert.equal(calls, 2, 'each action ran once')
  assert.deepEqual(recorded, ['succeeded'])
})
