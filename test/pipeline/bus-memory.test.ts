import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Batch } from '../../pipeline/bus.ts'
import { retryDelayMs } from '../../pipeline/bus.ts'
import { createMemoryBus } from '../../pipeline/bus-memory.ts'
import { waitFor } from '../support/wait.ts'

const msgs = (...values: string[]) => values.map((v) => ({ key: v, value: v }))
const values = (batches: Batch[]) => batches.flatMap((b) => b.messages.map((m) => m.value.toString()))

test('send appends with consecutive offsets, keys, headers and Buffer values', async () => {
  const bus = createMemoryBus()
  await bus.send('t', [
    { key: 'k', value: 'a', headers: { h: '1' } },
    { key: null, value: Buffer.from([0, 1]) }
  ])
  const got = bus.messages('t')
  assert.deepEqual(
    got.map((m) => ({ ...m, value: [...m.value] })),
    [
      { topic: 't', partition: 0, offset: '0', key: 'k', value: [...Buffer.from('a')], headers: { h: '1' } },
      { topic: 't', partition: 0, offset: '1', key: null, value: [0, 1], headers: {} }
    ]
  )
  assert.equal(bus.kind, 'memory')
  assert.equal(bus.ready(), true)
  await bus.close()
  assert.equal(bus.ready(), false)
  await assert.rejects(bus.send('t', msgs('late')), /closed/)
})

test('a consumer sees existing messages from the beginning, then new ones, in order and in bounded batches', async () => {
  const bus = createMemoryBus({ maxBatchMessages: 2 })
  await bus.send('t', msgs('a', 'b', 'c'))
  const batches: Batch[] = []
  const c = await bus.consume({
    groupId: 'g',
    topics: ['t'],
    fromBeginning: true,
    handle: async (b) => {
      batches.push(b)
    }
  })
  await waitFor(() => values(batches).length === 3, 'the backlog')
  await bus.send('t', msgs('d'))
  await waitFor(() => values(batches).length === 4, 'the new message')
  await c.stop()
  assert.deepEqual(values(batches), ['a', 'b', 'c', 'd'])
  assert.ok(batches.every((b) => b.messages.length <= 2 && b.topic === 't' && b.partition === 0))
  assert.deepEqual(
    batches.flatMap((b) => b.messages.map((m) => m.offset)),
    ['0', '1', '2', '3']
  )
  await bus.close()
})

test('a new group without fromBeginning starts at the end; groups are independent', async () => {
  const bus = createMemoryBus()
  await bus.send('t', msgs('old'))
  const late: string[] = []
  const early: string[] = []
  const a = await bus.consume({ groupId: 'late', topics: ['t'], fromBeginning: false, handle: async (b) => void late.push(...values([b])) })
  const b = await bus.consume({ groupId: 'early', topics: ['t'], fromBeginning: true, handle: async (x) => void early.push(...values([x])) })
  await bus.send('t', msgs('new'))
  await waitFor(() => late.length === 1 && early.length === 2, 'both groups')
  assert.deepEqual(late, ['new'])
  assert.deepEqual(early, ['old', 'new'])
  await a.stop()
  await b.stop()
  await bus.close()
})

test('a handler that throws gets the same batch again; the offset is committed only once it resolves', async () => {
  const bus = createMemoryBus()
  await bus.send('t', msgs('a', 'b'))
  const seen: string[][] = []
  const retries: number[] = []
  let failures = 2
  const c = await bus.consume({
    groupId: 'g',
    topics: ['t'],
    fromBeginning: true,
    handle: async (b) => {
      seen.push(values([b]))
      if (failures-- > 0) throw new Error('downstream unavailable')
    },
    onRetry: (_err, attempt) => retries.push(attempt)
  })
  await waitFor(() => seen.length === 3, 'two retries and a success')
  await c.stop()
  assert.deepEqual(seen, [
    ['a', 'b'],
    ['a', 'b'],
    ['a', 'b']
  ])
  assert.deepEqual(retries, [1, 2])

  // Same group, new consumer: everything was committed, nothing is handed again.
  const again: string[] = []
  const c2 = await bus.consume({ groupId: 'g', topics: ['t'], fromBeginning: true, handle: async (b) => void again.push(...values([b])) })
  await bus.send('t', msgs('c'))
  await waitFor(() => again.length > 0, 'the next message')
  await c2.stop()
  assert.deepEqual(again, ['c'])
  await bus.close()
})

test('stopping mid-failure leaves the batch uncommitted: the next consumer of the group gets it', async () => {
  const bus = createMemoryBus()
  await bus.send('t', msgs('a'))
  let attempts = 0
  const c = await bus.consume({
    groupId: 'g',
    topics: ['t'],
    fromBeginning: true,
    handle: async () => {
      attempts++
      throw new Error('broken')
    }
  })
  await waitFor(() => attempts >= 1, 'a failed attempt')
  await c.stop()
  const got: string[] = []
  const c2 = await bus.consume({ groupId: 'g', topics: ['t'], fromBeginning: false, handle: async (b) => void got.push(...values([b])) })
  await waitFor(() => got.length === 1, 'the redelivery')
  await c2.stop()
  assert.deepEqual(got, ['a'])
  await bus.close()
})

test('one consumer can follow several topics', async () => {
  const bus = createMemoryBus()
  const got: string[] = []
  const c = await bus.consume({ groupId: 'g', topics: ['x', 'y'], fromBeginning: true, handle: async (b) => void got.push(`${b.topic}:${values([b])}`) })
  await bus.send('x', msgs('1'))
  await bus.send('y', msgs('2'))
  await waitFor(() => got.length === 2, 'both topics')
  await c.stop()
  assert.deepEqual(got.sort(), ['x:1', 'y:2'])
  await bus.close()
})

test('close stops idle consumers', async () => {
  const bus = createMemoryBus()
  let handled = 0
  await bus.consume({ groupId: 'g', topics: ['t'], fromBeginning: true, handle: async () => void handled++ })
  await bus.close()
  assert.equal(handled, 0)
})

test('retention drops only what every group has consumed', async () => {
  const bus = createMemoryBus({ retainMessages: 2 })
  const got: string[] = []
  let block = true
  let refused = 0
  const c = await bus.consume({
    groupId: 'g',
    topics: ['t'],
    fromBeginning: true,
    handle: async (b) => {
      if (block) {
        refused++
        throw new Error('not yet')
      }
      got.push(...values([b]))
    }
  })
  await bus.send('t', msgs('a', 'b', 'c', 'd'))
  await waitFor(() => refused >= 1, 'a refused batch')
  assert.equal(bus.messages('t').length, 4, 'unconsumed messages are kept past the limit')
  block = false
  await waitFor(() => got.length === 4, 'the consumer to catch up')
  await c.stop()
  assert.deepEqual(got, ['a', 'b', 'c', 'd'])
  assert.deepEqual(
    bus.messages('t').map((m) => m.offset),
    ['2', '3'],
    'consumed messages beyond the limit are dropped, offsets keep counting'
  )
  await bus.close()
})

test('retention also bounds topics that no group consumes (actions, dead letters in `run all`)', async () => {
  const bus = createMemoryBus({ retainMessages: 3 })
  for (let i = 0; i < 10; i++) await bus.send('leakwatch.actions.v1', msgs(String(i)))
  assert.deepEqual(
    bus.messages('leakwatch.actions.v1').map((m) => m.value.toString()),
    ['7', '8', '9']
  )
  assert.deepEqual(
    bus.messages('leakwatch.actions.v1').map((m) => m.offset),
    ['7', '8', '9']
  )
  await bus.close()
})

test('retryDelayMs is jittered below an exponential, capped ceiling', () => {
  for (let attempt = 0; attempt < 30; attempt++) {
    for (let i = 0; i < 20; i++) {
      const d = retryDelayMs(attempt, 100, 2000)
      assert.ok(Number.isInteger(d) && d >= 0 && d < Math.min(2000, 100 * 2 ** attempt), `attempt ${attempt}: ${d}`)
    }
  }
})
