// pipeline/fifo.ts: bounded maps and sets, oldest forgotten first, against a plain model; and constant
// work per operation at capacity, where a Map used as its own queue was O(capacity) per eviction.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { FifoMap, FifoSet } from '../../pipeline/fifo.ts'
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
  s.clear()
  assert.equal(s.size, 0)
  assert.deepEqual([...s.keys()], [])
})

test('at capacity, work stays constant per operation: ten times the evictions cost about ten times the time', () => {
  const capacity = 50_000
  // Half of the adds are deleted again before they age out (a watch's ResponseStarted, then its ResponseComplete).
  const run = (n: number): number => {
    const s = new FifoSet<string>(capacity)
    for (let i = 0; i < capacity; i++) s.add(`warm-${i}`)
    const t0 = process.cpuUsage()
    for (let i = 0; i < n; i++) {
      s.add(`id-${i}`)
      if (i % 2 === 1) s.delete(`id-${i - 1}`)
    }
    const d = process.cpuUsage(t0)
    return d.user + d.system
  }
  // The least of three runs each: a collection or a neighbour's burst only ever adds time.
  const least = (n: number): number => Math.min(run(n), run(n), run(n))
  const small = Math.max(least(20_000), 1000)
  const large = least(200_000)
  // A Map as its own queue: 40x here (each eviction walks the deleted entries); this class: about 10x.
  assert.ok(large < small * 25, `200,000 adds took ${large} µs, 20,000 took ${small} µs`)
})
