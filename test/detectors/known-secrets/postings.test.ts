// The postings table alone, against a plain Map model: random adds and
// removes (tombstones, reuse, rehashes) keep every chain exact and in
// (offset, length) order, and report when a key appears and goes.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createRng } from '../../../detectors/gen.ts'
import { addPosting, createPostings, forEachKey, headOf, removePosting, STRIDE } from '../../../detectors/known-secrets/postings.ts'
import { testSeed } from '../../support/seed.ts'

// LEAKWATCH_TEST_SEED replays a run (test/support/seed.ts prints it on failure).
const SEED = testSeed()

function chain(p: ReturnType<typeof createPostings>, t: number): Array<[form: number, off: number]> {
  const out: Array<[number, number]> = []
  for (let at = headOf(p, t); at >= 0; at = p.posts[2 * at + 1] as number) {
    const fo = p.posts[2 * at] as number
    out.push([Math.floor(fo / STRIDE), fo % STRIDE])
  }
  return out
}

test(`random adds and removes match a model: chains exact and ordered, new and gone keys reported (seed ${SEED})`, () => {
  const r = createRng(SEED)
  const p = createPostings()
  // A few hundred keys (some 0 and negative), so chains are long and keys come and go.
  const pool = Array.from({ length: 600 }, (_, i) => (i === 0 ? 0 : (r.next() * 2 ** 32) | 0))
  const lengths = new Map<number, number>()
  const model = new Map<number, Array<[number, number]>>()
  const live: Array<{ form: number; t: number; off: number }> = []
  let nextForm = 0
  const lengthOf = (f: number): number => lengths.get(f) ?? 0
  for (let step = 0; step < 20_000; step++) {
    if (live.length > 0 && r.next() < 0.45) {
      const [x] = live.splice(r.int(live.length), 1)
      if (x === undefined) continue
      const c = model.get(x.t) ?? []
      c.splice(
        c.findIndex(([f]) => f === x.form),
        1
      )
      const gone = removePosting(p, x.t, x.form)
      assert.equal(gone, c.length === 0, `step ${step}: key gone (seed ${SEED})`)
      if (c.length === 0) model.delete(x.t)
    } else {
      const form = nextForm++
      const t = pool[r.int(pool.length)] as number
      const off = r.int(STRIDE)
      lengths.set(form, 8 + r.int(40))
      const isNew = !model.has(t)
      const added = addPosting(p, t, form, off, lengthOf)
      assert.equal(added, isNew, `step ${step}: new key (seed ${SEED})`)
      const c = model.get(t) ?? []
      c.push([form, off])
      model.set(t, c)
      live.push({ form, t, off })
    }
  }
  assert.equal(p.count, live.length)
  assert.equal(p.used, model.size)
  assert.ok(p.used * 2 <= 1 << p.bits, 'table over half full')
  const visited: number[] = []
  forEachKey(p, (t) => visited.push(t))
  assert.deepEqual(visited.sort(), [...model.keys()].sort())
  for (const [t, c] of model) {
    const got = chain(p, t)
    assert.deepEqual(
      got.map(([f]) => f).sort((a, b) => a - b),
      c.map(([f]) => f).sort((a, b) => a - b),
      `key ${t} (seed ${SEED})`
    )
    for (let i = 1; i < got.length; i++) {
      const [fa, oa] = got[i - 1] as [number, number]
      const [fb, ob] = got[i] as [number, number]
      assert.ok(oa < ob || (oa === ob && lengthOf(fa) <= lengthOf(fb)), `key ${t}: chain out of (offset, length) order (seed ${SEED})`)
    }
  }
  const absent = pool.find((t) => !model.has(t))
  if (absent !== undefined) assert.equal(headOf(p, absent), -1)
})

test('a key removed and added again reuses its tombstone; posting slots are reused', () => {
  const p = createPostings()
  const len = (): number => 10
  assert.equal(addPosting(p, 7, 0, 0, len), true)
  assert.equal(addPosting(p, 7, 1, 2, len), false)
  assert.deepEqual(chain(p, 7), [
    [0, 0],
    [1, 2]
  ])
  const cap = p.cap
  assert.equal(removePosting(p, 7, 0), false)
  assert.equal(removePosting(p, 7, 1), true)
  assert.equal(headOf(p, 7), -1)
  assert.deepEqual([p.used, p.dead, p.count], [0, 1, 0])
  assert.equal(addPosting(p, 7, 2, 1, len), true)
  assert.deepEqual([p.used, p.dead, p.count, p.cap], [1, 0, 1, cap])
  assert.deepEqual(chain(p, 7), [[2, 1]])
})
