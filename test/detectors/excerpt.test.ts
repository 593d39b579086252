// A finding's context: every secret on the line masked, the line cut to a
// readable length around the finding.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { clipAround, maskSpans, maskText } from '../../detectors/excerpt.ts'
import { createRng } from '../../detectors/gen.ts'
import { mask } from '../../pipeline/fingerprint.ts'

const SEED = 20261208
const B62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

test('every span is masked, in whatever order the spans come', () => {
  const rng = createRng(SEED)
  const a = rng.chars(B62, 30)
  const b = rng.chars(B62, 12)
  const line = `user=${a} pass=${b} done`
  const spans: Array<[number, number]> = [
    [line.indexOf(b), line.indexOf(b) + b.length],
    [5, 5 + a.length]
  ]
  const out = maskSpans(line, spans)
  assert.equal(out, `user=${mask(a)} pass=${mask(b)} done`, `seed ${SEED}`)
  assert.equal(out.includes(a) || out.includes(b), false)
})

test('a span that overlaps one already masked is skipped', () => {
  assert.equal(
    maskSpans('k=abcdefghijkl end', [
      [2, 14],
      [5, 9]
    ]),
    `k=${mask('abcdefghijkl')} end`
  )
  assert.equal(maskSpans('no spans', []), 'no spans')
})

test('clipAround keeps a short text and cuts a long one around the focus, marking the cuts', () => {
  assert.equal(clipAround('short', 2, 10), 'short')
  const text = `${'a'.repeat(50)}FOCUS${'b'.repeat(50)}`
  const out = clipAround(text, 50, 20)
  assert.equal(out, `…${text.slice(40, 60)}…`)
  assert.equal(clipAround(text, 0, 20), `${text.slice(0, 20)}…`, 'no leading mark at the start')
  assert.equal(clipAround(text, 105, 20), `…${text.slice(85)}`, 'no trailing mark at the end')
})

test('spans that overlap partly are masked as one: no part of either is shown', () => {
  const rng = createRng(SEED + 1)
  const a = rng.chars(B62, 30)
  const line = `k=${a} end`
  const out = maskSpans(line, [
    [2, 20],
    [10, 2 + a.length]
  ])
  assert.equal(out, `k=${mask(a)} end`, `seed ${SEED + 1}`)
})

test('maskText maps a column of the line to the masked text', () => {
  const rng = createRng(SEED + 2)
  const a = rng.chars(B62, 30)
  const line = `k=${a} end`
  const m = maskText(line, [[2, 2 + a.length]])
  assert.equal(m.text.slice(m.at(2 + a.length + 1)), 'end', `seed ${SEED + 2}`)
  assert.equal(m.at(1), 1)
  assert.equal(m.at(5), 2)
})
