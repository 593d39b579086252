// The look-up alone, over tables built from the parts (no index around
// them): a form is found at every byte offset, on the right line, at the
// right UTF-16 columns; near misses are rejected by the span checks and the
// MAC; every buffer is zeroed after its scan; scanBytes refuses bytes it
// cannot read as aligned words.

import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { createRng } from '../../../detectors/gen.ts'
import { addForm, createFormStore } from '../../../detectors/known-secrets/form-store.ts'
import type { Hit, IndexedValue } from '../../../detectors/known-secrets/index.ts'
import { deriveIndexKeys } from '../../../detectors/known-secrets/index-keys.ts'
import type { IndexTables } from '../../../detectors/known-secrets/lookup.ts'
import { createLookup, SEGMENT, unitsBefore } from '../../../detectors/known-secrets/lookup.ts'
import { addPosting, createPostings, STRIDE } from '../../../detectors/known-secrets/postings.ts'
import { createQgramFilter, filterAdd } from '../../../detectors/known-secrets/qgram-filter.ts'
import { testSeed } from '../../support/seed.ts'

// LEAKWATCH_TEST_SEED replays a run (test/support/seed.ts prints it on failure).
const SEED = testSeed()

function tables(forms: readonly string[]): { ix: IndexTables; values: IndexedValue[] } {
  const keys = deriveIndexKeys(randomBytes(32), 4)
  const store = createFormStore()
  const postings = createPostings()
  const filter = createQgramFilter(keys.kC)
  const values: IndexedValue[] = []
  for (const [i, text] of forms.entries()) {
    values.push({ fingerprint: `fp${i}`, preview: `v${i}`, origins: new Set([`file/${i}`]) })
    const f = addForm(store, keys, i, 0, Buffer.from(text))
    for (let o = 0; o < STRIDE; o++) {
      const t = store.keys[f * STRIDE + o] as number
      if (addPosting(postings, t, f, o, (g) => store.data[g * 4] as number)) filterAdd(filter, t)
    }
  }
  return { ix: { keys, filter, postings, forms: store, values }, values }
}

function hits(ix: IndexTables, lines: string[]): Array<{ line: number; text: string; fp: string }> {
  const out: Array<{ line: number; text: string; fp: string }> = []
  createLookup(ix).scanLines(lines, (line, h: Hit) => out.push({ line, text: (lines[line] ?? '').slice(h.start, h.end), fp: h.value.fingerprint }))
  return out
}

test(`a form is found at every byte offset and on its line; columns count UTF-16 units (seed ${SEED})`, () => {
  const r = createRng(SEED)
  const secret = r.chars('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', 20)
  const short = r.chars('abcdefghijklmnopqrstuvwxyz', 8)
  const { ix } = tables([secret, short])
  for (let pad = 0; pad < 8; pad++) {
    for (const prefix of ['', 'é', '€', '😀', '\ud800']) {
      const lines = ['first line', `${prefix}${'x'.repeat(pad)}${secret} tail`, 'between', `${short}`, '']
      assert.deepEqual(
        hits(ix, lines),
        [
          { line: 1, text: secret, fp: 'fp0' },
          { line: 3, text: short, fp: 'fp1' }
        ],
        `pad ${pad}, prefix ${JSON.stringify(prefix)} (seed ${SEED})`
      )
    }
  }
})

test(`near misses pass the filter but not the checks: a changed byte, a cut form, a form across lines (seed ${SEED})`, () => {
  const r = createRng(SEED + 1)
  const secret = r.chars('abcdefghijklmnopqrstuvwxyz0123456789', 24)
  const { ix } = tables([secret])
  const changed = `${secret.slice(0, 20)}${secret[20] === 'a' ? 'b' : 'a'}${secret.slice(21)}`
  assert.deepEqual(hits(ix, [changed, secret.slice(0, 23), secret.slice(0, 12), secret.slice(12), `${secret.slice(1)}`]), [])
  // Every sample through to the postings: still nothing but the real thing.
  ix.filter.words.fill(-1)
  assert.deepEqual(hits(ix, [changed, `zz${secret}`]), [{ line: 1, text: secret, fp: 'fp0' }])
})

test('the scan buffer is zeroed after each scan; a line longer than a segment gets its own buffer for one scan', () => {
  const secret = randomBytes(18).toString('base64url')
  const { ix } = tables([secret])
  const lookup = createLookup(ix)
  const own = lookup.buffer.bytes
  const found: number[] = []
  lookup.scanLines(['a', `b ${secret}`, 'c'.repeat(SEGMENT), `${'d'.repeat(SEGMENT * 2)}${secret}`], (line) => found.push(line))
  assert.deepEqual(found, [1, 3])
  assert.equal(lookup.buffer.bytes.length, SEGMENT + 8)
  assert.ok(own.every((b) => b === 0))
  assert.ok(lookup.buffer.bytes.every((b) => b === 0))
})

test('scanBytes reads the caller’s bytes in place, zeroes them, and refuses bytes not at offset 0 or without the 8 zero bytes', () => {
  const secret = randomBytes(18).toString('base64url')
  const { ix } = tables([secret])
  const lines = ['one', `two ${secret}`]
  const text = `${lines.join('\n')}\n`
  const n = Buffer.byteLength(text)
  const bytes = Buffer.from(new ArrayBuffer(Math.ceil((n + 8) / 4) * 4))
  bytes.write(text)
  const lookup = createLookup(ix)
  const own = lookup.buffer.bytes
  const found: Array<[number, number, number]> = []
  lookup.scanBytes(bytes, n, [0, 4], lines, (line, h) => found.push([line, h.start, h.end]))
  assert.deepEqual(found, [[1, 4, 4 + secret.length]])
  assert.ok(bytes.every((b) => b === 0))
  assert.equal(lookup.buffer.bytes, own)
  const big = Buffer.from(new ArrayBuffer(64))
  assert.throws(() => lookup.scanBytes(big.subarray(4), 8, [0], ['x'], () => {}), RangeError)
  assert.throws(() => lookup.scanBytes(big, 60, [0], ['x'], () => {}), RangeError)
})

test('unitsBefore: UTF-16 units before a UTF-8 byte offset', () => {
  assert.equal(unitsBefore('abc', 2), 2)
  assert.equal(unitsBefore('éa', 2), 1)
  assert.equal(unitsBefore('€a', 3), 1)
  assert.equal(unitsBefore('😀a', 4), 2)
  assert.equal(unitsBefore('\ud800a', 3), 1)
  assert.equal(unitsBefore('ab', 10), 2)
})
