// The CI collectors' send window: how many sends are on the wire, when the
// caller may cut the next batch, acknowledgements in order, and nothing sent
// or acknowledged after a failure. Every publish is a promise the test
// settles itself, so each state is reached by an event, not by waiting.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sendWindow } from '../../../collectors/ci/send-window.ts'
import type { OutRecord, Publish } from '../../../pipeline/runner.ts'

function gatedPublish() {
  const calls: Array<{ n: number; resolve: () => void; reject: (err: Error) => void }> = []
  const publish: Publish = (records: OutRecord[]) =>
    new Promise<void>((resolve, reject) => {
      calls.push({ n: Number(records[0]?.key), resolve, reject })
    })
  return { publish, calls }
}

const batch = (n: number): OutRecord[] => [{ topic: 't', key: String(n), value: n }]
/** Every promise callback queued so far has run (no I/O, no timers involved). */
const settled = () => new Promise((resolve) => setImmediate(resolve))

test('onWire 3, held 2: three sends on the wire, send returns while two are unacknowledged, acknowledgements in order', async () => {
  const { publish, calls } = gatedPublish()
  const w = sendWindow(publish, { onWire: 3, held: 2 })
  const acked: number[] = []
  let returned = 0
  const work = w.run(async () => {
    for (let n = 1; n <= 5; n++) {
      await w.send(batch(n), () => void acked.push(n))
      returned = n
    }
  })
  await settled()
  assert.deepEqual(
    calls.map((c) => c.n),
    [1, 2, 3]
  )
  assert.equal(returned, 2, 'the third send waits for the first acknowledgement')
  calls[2]?.resolve()
  calls[1]?.resolve()
  await settled()
  assert.deepEqual(acked, [], 'nothing is acknowledged before the first')
  calls[0]?.resolve()
  await settled()
  assert.deepEqual(acked, [1, 2, 3])
  assert.equal(calls.length, 5, 'the first acknowledgement made room for two more')
  for (const c of calls.slice(3)) c.resolve()
  await work
  assert.deepEqual(acked, [1, 2, 3, 4, 5])
})

test('onWire 1, held 1: the next send starts only once the one before is acknowledged; a failure stops everything after it', async () => {
  const { publish, calls } = gatedPublish()
  const w = sendWindow(publish, { onWire: 1, held: 1 })
  const acked: number[] = []
  const work = w.run(async () => {
    for (let n = 1; n <= 4; n++) await w.send(batch(n), () => void acked.push(n))
  })
  await settled()
  assert.deepEqual(
    calls.map((c) => c.n),
    [1]
  )
  calls[0]?.resolve()
  await settled()
  assert.deepEqual(
    calls.map((c) => c.n),
    [1, 2]
  )
  assert.deepEqual(acked, [1])
  calls[1]?.reject(new Error('broker gone'))
  await assert.rejects(work, /broker gone/)
  assert.deepEqual(acked, [1])
  assert.equal(calls.length, 2, 'nothing is sent after a failed send')
})

test("run: the work's own error wins, after every send settled", async () => {
  const { publish, calls } = gatedPublish()
  const w = sendWindow(publish, { onWire: 2, held: 1 })
  let finished = false
  const work = w
    .run(async () => {
      await w.send(batch(1))
      throw new Error('download broke off')
    })
    .finally(() => {
      finished = true
    })
  await settled()
  assert.equal(finished, false, 'run waits for the send on the wire')
  calls[0]?.resolve()
  await assert.rejects(work, /download broke off/)
})
