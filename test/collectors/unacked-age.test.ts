import assert from 'node:assert/strict'
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import type { ReadResult, TailFile } from '../../collectors/tail.ts'
import { createTailer } from '../../collectors/tail.ts'
import { silentLogger } from '../../pipeline/log.ts'
import { createMetrics } from '../../pipeline/metrics.ts'
import { waitFor } from '../support/wait.ts'

const root = mkdtempSync(join(tmpdir(), 'lw-unacked-'))
after(() => rmSync(root, { recursive: true, force: true }))

// Reads whole lines from readOffset; one record per read.
async function read(t: TailFile, budget: number): Promise<ReadResult> {
  const buf = Buffer.alloc(Math.max(0, Math.min(budget, t.size - t.readOffset)))
  if (buf.length > 0) await t.fh.read(buf, 0, buf.length, t.readOffset)
  const end = buf.lastIndexOf(10) + 1
  const lines = buf.subarray(0, end).toString('utf8').split('\n').length - 1
  return {
    outputs: end > 0 ? [{ topic: 't', key: null, value: buf.subarray(0, end).toString('utf8') }] : [],
    offset: t.readOffset + end,
    line: t.readLine + lines
  }
}

const age = (text: string): number | undefined => {
  const m = /^leakwatch_collector_unacked_age_seconds\{collector="test"\} (\S+)$/m.exec(text)
  return m?.[1] === undefined ? undefined : Number(m[1])
}

test('the age of the oldest unacknowledged line grows while the bus does not acknowledge, across failed sends, and is 0 once acknowledged', async () => {
  const dir = mkdtempSync(join(root, 'w'))
  appendFileSync(join(dir, 'a.log'), 'one\ntwo\n')
  let clock = 1_000_000
  const metrics = createMetrics()
  let mode: 'hold' | 'fail' | 'ack' = 'hold'
  let release: (() => void) | undefined
  let sends = 0
  let acked = 0
  const tailer = createTailer(
    {
      name: 'test',
      checkpointPath: join(dir, 'state.json'),
      pollIntervalMs: 5,
      readFrom: 'beginning',
      maxCycleBytes: 1 << 16,
      minFileBytes: 1024,
      list: async () => ['a.log'],
      absolute: (rel) => join(dir, rel),
      read
    },
    {
      logger: silentLogger(),
      now: () => clock,
      metrics,
      publish: async () => {
        sends++
        if (mode === 'hold') await new Promise<void>((resolve) => (release = resolve))
        if (mode === 'fail') throw new Error('bus not acknowledging')
        acked++
      }
    }
  )
  const ac = new AbortController()
  const running = tailer.start(ac.signal)
  try {
    assert.equal(age(metrics.registry.render()), 0, 'nothing read yet')
    await waitFor(() => release !== undefined, 'the first send')
    clock += 30_000
    assert.equal(age(metrics.registry.render()), 30)
    // The send fails and the lines are read again: the age counts from the first read, not the retry.
    mode = 'fail'
    release?.()
    await waitFor(() => sends >= 3, 'retried sends')
    clock += 15_000
    assert.equal(age(metrics.registry.render()), 45)
    mode = 'ack'
    await waitFor(() => acked > 0 && age(metrics.registry.render()) === 0, 'the lines acknowledged')
  } finally {
    ac.abort()
    release?.()
    await running
    await tailer.close()
  }
  assert.equal(age(metrics.registry.render()), undefined, 'a stopped tailer reports no age')
})
