// The q-gram prefilter alone: no false negatives, ever (added, grown,
// rebuilt, keys forgotten), a false-positive rate near what its size
// promises, and rebuilds that shrink it once keys went.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createRng } from '../../../detectors/gen.ts'
import {
  BITS_PER_KEY,
  createQgramFilter,
  filterAdd,
  filterForget,
  filterFull,
  filterMayHave,
  filterRebuild
} from '../../../detectors/known-secrets/qgram-filter.ts'
import { testSeed } from '../../support/seed.ts'

// LEAKWATCH_TEST_SEED replays a run (test/support/seed.ts prints it on failure).
const SEED = testSeed()
const kC = 0x2545f491 | 1

/** Distinct random 32-bit keys. */
function keys(seed: number, n: number): number[] {
  const r = createRng(seed)
  const out = new Set<number>()
  while (out.size < n) out.add((r.next() * 2 ** 32) | 0)
  return [...out]
}

/** Adds keys as the index does: a rebuild from all keys when full, else the key's bits. */
function fill(ks: readonly number[]) {
  const f = createQgramFilter(kC)
  const held: number[] = []
  for (const t of ks) {
    held.push(t)
    if (filterFull(f, held.length)) filterRebuild(f, held.length, (visit) => held.forEach(visit))
    else filterAdd(f, t)
  }
  return { f, held }
}

test(`every added key passes, through growth; unrelated keys mostly do not (seed ${SEED})`, () => {
  const ks = keys(SEED, 40_000)
  const { f } = fill(ks)
  for (const t of ks) assert.ok(filterMayHave(f, t), `key ${t} missed (seed ${SEED})`)
  // Sized to 16–32 bits per key: the word count is a power of two at or above 16 bits per key.
  assert.ok(f.words.length * 32 >= ks.length * BITS_PER_KEY && f.words.length * 32 < 2 * ks.length * BITS_PER_KEY, `${f.words.length} words`)
  const held = new Set(ks)
  const probes = keys(SEED + 1, 100_000).filter((t) => !held.has(t))
  const passed = probes.filter((t) => filterMayHave(f, t)).length
  // Three bits in one word at 16–32 bits per key: well under 1 in 100 (about 1 in 500 at 24 bits).
  assert.ok(passed / probes.length < 0.01, `false-positive rate ${passed / probes.length} (seed ${SEED})`)
})

test(`forgotten keys keep their bits until enough went; the rebuild keeps the rest and shrinks the filter (seed ${SEED})`, () => {
  const ks = keys(SEED + 2, 20_000)
  const { f, held } = fill(ks)
  const big = f.words.length
  let left = held.length
  let rebuilds = 0
  for (let i = 0; i < 15_000; i++) {
    held.pop()
    left--
    const before = f.words
    filterForget(f, left, (visit) => held.forEach(visit))
    if (f.words !== before) rebuilds++
  }
  assert.ok(rebuilds >= 1, 'no rebuild after 15,000 of 20,000 keys went')
  assert.ok(f.words.length < big, `still ${f.words.length} words of ${big}`)
  assert.ok(f.stale <= Math.max(4096, left))
  for (const t of held) assert.ok(filterMayHave(f, t), `key ${t} lost by a rebuild (seed ${SEED})`)
})
