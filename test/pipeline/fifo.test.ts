// pipeline/fifo.ts: bounded maps and sets, oldest forgotten first, against a plain model; and constant
// work per operation at capacity, where a Map used as its own queue was O(capacity) per eviction.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { FifoMap, FifoSet } from '../../pipeline/fifo.ts'
import { leastCpuMs } from '../support/cost.ts'
import { seededRng } from '../support/seed.ts'

test('FifoMap against a model: set, set again, touch, delete, eviction order, keys() oldest first', () => {
  const rng = seededRng('fifo-model')
  for (const capacity of [0, 1, 2, 5, 40]) {
    const m = new FifoMap<string, number>(capacity)
    // The model: keys oldest first, and their values.
    let order: string[] = []
    const values = new Map<string, number>()
    for (let step = 0; step < 5000; step++) {
      const key = `k${rng.int(capacity * 2 + 3)}`
      const what = rng.int(10)
      const where = `capacity ${capacity}, step ${step}`
      if (what < 2) {
        assert.equal(m.delete(key), values.delete(key), where)
        order = order.filter((k) => k !== key)
      } else {
        const touch = what === 2
        const evicted = m.set(key, step, touch)
        let expected: string | undefined
        if (capacity > 0) {
          if (values.has(key)) {
            if (touch) order = [...order.filter((k) => k !== key), key]
          } else {
            order.push(key)
            if (order.length > capacity) {
              expected = order.shift()
              values.delete(expected as string)
            }
          }
          values.set(key, step)
        }
        assert.equal(evicted, expected, `${where}: evicted`)
      }
      assert.equal(m.size, order.length, where)
      assert.deepEqual([...m.keys()], order, `${where}: order`)
      for (const k of order) assert.equal(m.get(k), values.get(k), `${where}: ${k}`)
      assert.equal(m.has(key), values.has(key), where)
    }
  }
})

test('FifoSet keeps a key held in its place and reports what it forgot', () => {
  const s = new FifoSet<string>(2)
  assert.equal(s.add('a'), undefined)
  assert.equal(s.add('b'), undefined)
  assert.equal(s.add('a'), undefined, 'held already')
  assert.equal(s.add('c'), 'a', 'the first added goes first, even though added again')
  assert.deepEqual([...s.keys()], ['b', 'c'])
  assert.ok(s.delete('b') && !s.has('b'))
  assert.equal(s.add('d'), undefined)
  assert.equal(s.size, 2)
})

test('cost: an eviction does not grow with the capacity: 100,000 adds at 16x the capacity take far less than 16x the time', () => {
  const at = (capacity: number): number => {
    // Kept at capacity, so every add evicts; half of the adds are deleted again before they age out (a watch's
    // ResponseStarted, then its ResponseComplete), leaving holes at the front.
    const s = new FifoSet<string>(capacity)
    for (let i = 0; i < capacity; i++) s.add(`warm-${i}`)
    let next = 0
    // CPU time of this thread, least of three runs after a warm-up (test/support/cost.ts).
    return leastCpuMs(() => {
      for (let i = 0; i < 100_000; i++, next++) {
        s.add(`id-${next}`)
        if (next % 2 === 1) s.delete(`id-${next - 1}`)
      }
    })
  }
  const t1 = at(4_000)
  const t16 = at(64_000)
  // A Set used as its own queue (`s.delete(s.values().next().value)`) walks the holes on every eviction: 8x here.
  // This class: 2-2.6x (a larger table misses the caches more).
  assert.ok(t16 < Math.max(t1, 5) * 4, `capacity 4,000: ${t1.toFixed(1)} ms, 64,000: ${t16.toFixed(1)} ms`)
})
