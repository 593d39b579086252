// The webhook's memory of produced (auditID, stage) pairs (collectors/audit/dedup.ts): bounded, oldest
// forgotten first, stages of one ID apart (its constant work at capacity: test/pipeline/fifo.test.ts).

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createSeen } from '../../collectors/audit/dedup.ts'
import { seededRng } from '../support/seed.ts'

test('stages of one auditID are remembered apart; capacity 0 remembers nothing', () => {
  const s = createSeen(10)
  s.add('a', 1)
  assert.ok(s.has('a', 1))
  assert.ok(!s.has('a', 4), 'another stage of a seen ID is new')
  s.add('a', 4)
  assert.ok(s.has('a', 1) && s.has('a', 4))
  assert.equal(s.size, 1)
  const none = createSeen(0)
  none.add('a', 1)
  assert.ok(!none.has('a', 1))
  assert.equal(none.size, 0)
})

test('at capacity the ID added or given a stage longest ago goes first, against a plain model', () => {
  const rng = seededRng('audit-dedup')
  for (const capacity of [1, 3, 17]) {
    const s = createSeen(capacity)
    const model: string[] = []
    const bits = new Map<string, number>()
    for (let i = 0; i < 2000; i++) {
      // Mostly new IDs, some repeats of recent ones (a retried batch), some another stage of one.
      const id = rng.chance(0.7) || model.length === 0 ? `id-${i}` : rng.pick(model)
      const bit = rng.chance(0.5) ? 4 : 2
      // A new stage of an ID held makes it the newest (a watch's ResponseComplete long after its ResponseStarted).
      const at = model.indexOf(id)
      if (at >= 0) model.splice(at, 1)
      model.push(id)
      if (model.length > capacity) bits.delete(model.shift() as string)
      bits.set(id, (bits.get(id) ?? 0) | bit)
      s.add(id, bit)
      assert.equal(s.size, model.length, `capacity ${capacity}, step ${i}`)
      for (const [k, b] of bits) for (const x of [2, 4]) assert.equal(s.has(k, x), (b & x) !== 0, `capacity ${capacity}, step ${i}: ${k} ${x}`)
    }
  }
})
