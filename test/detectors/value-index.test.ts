// The value index (secrets.ts createValueIndex) says where known values stand in
// a text: every context and every masked line relies on it to hide a value that
// no rule found there. It skips the positions whose hash no value has (a
// filter of counts), so values that come and go, repeat, or share a slot must
// still be found exactly where a plain search finds them.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createValueIndex } from '../../detectors/secrets.ts'
import { seededRng } from '../support/seed.ts'

const rng = seededRng('value-index')

/** Every [start, end) where one of `values` stands in `text`, in the index's order (by start, then as found). */
function naive(values: ReadonlySet<string>, text: string): string[] {
  const out: string[] = []
  for (let p = 0; p < text.length; p++) for (const v of values) if (text.startsWith(v, p)) out.push(`${p}:${p + v.length}`)
  return out.sort()
}

test('find reports every place of every value held, after adds, repeats and deletes', () => {
  // A small alphabet so that values overlap, repeat inside texts and share hash slots.
  const alphabet = 'abcAB01-'
  for (let round = 0; round < 40; round++) {
    const key = 2 + rng.int(7)
    const index = createValueIndex(key)
    const held = new Set<string>()
    const pool = Array.from({ length: 30 + rng.int(300) }, () => rng.chars(alphabet, key + rng.int(6)))
    for (let step = 0; step < 400; step++) {
      const v = rng.pick(pool)
      if (rng.chance(0.65)) {
        index.add(v)
        held.add(v)
      } else {
        index.delete(v)
        held.delete(v)
      }
      if (step % 20 !== 0) continue
      const text = rng.chars(alphabet, rng.int(200)) + (held.size > 0 ? rng.pick([...held]) : '') + rng.chars(alphabet, rng.int(20))
      const got = index
        .find(text)
        .map(([s, e]) => `${s}:${e}`)
        .sort()
      assert.deepEqual(got, naive(held, text), `round ${round} step ${step} key ${key}`)
    }
  }
})

test('a value added twice and deleted once is gone; values shorter than the key are never held', () => {
  const index = createValueIndex(8)
  const v = 'Zq3xK9pL0wR7'
  index.add(v)
  index.add(v)
  assert.deepEqual(index.find(`x ${v} y`), [[2, 2 + v.length]])
  index.delete(v)
  assert.deepEqual(index.find(`x ${v} y`), [])
  index.add('short')
  assert.deepEqual(index.find('a short text'), [])
})

test('non-BMP and non-ASCII values, and more values than filter slots, each deleted down to none: found exactly where a plain search finds them', () => {
  // Surrogate halves count as characters of the key as they do in a plain search; 6,000 values share the
  // filter's 4,096 slots, and deleting every value of a slot but one must keep that one.
  const alphabet = 'aé🔑Ωb1'
  const key = 3
  const index = createValueIndex(key)
  const held = new Set<string>()
  const pool = new Set<string>()
  while (pool.size < 6000) pool.add(rng.chars(alphabet, key + rng.int(5)))
  for (const v of pool) {
    index.add(v)
    held.add(v)
  }
  const values = [...pool]
  for (let step = 0; step < 60; step++) {
    for (let i = 0; i < 100; i++) {
      const v = rng.pick(values)
      index.delete(v)
      held.delete(v)
    }
    const text = rng.chars(alphabet, rng.int(120)) + (held.size > 0 ? rng.pick([...held]) : '') + rng.chars(alphabet, rng.int(10))
    const got = index
      .find(text)
      .map(([s, e]) => `${s}:${e}`)
      .sort()
    assert.deepEqual(got, naive(held, text), `step ${step}`)
  }
})
