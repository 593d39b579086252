// One finding per secret per place: which of the hits that overlapping
// windows, decoded views and several rules make of one value is kept, and
// where a hit found in a decoded view points in its line.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createRng } from '../../detectors/gen.ts'
import type { Hit, HitRule } from '../../detectors/hits.ts'
import { distinctHits, place } from '../../detectors/hits.ts'

const SEED = 20261209
const B62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

const pattern: HitRule = { rule: { kind: 'pattern' }, index: 5 }
const patternFallback: HitRule = { rule: { kind: 'pattern', fallback: true }, index: 1 }
const generic: HitRule = { rule: { kind: 'generic' }, index: 0 }
const genericFallback: HitRule = { rule: { kind: 'generic', fallback: true }, index: 2 }

function hit(compiled: HitRule, lineIndex: number, start: number, secret: string, more: Partial<Hit> = {}): Hit {
  const end = start + secret.length
  return { compiled, lineIndex, start, end, endLineIndex: lineIndex, endColumn: end + 1, secret, ...more }
}

test('the same secret found twice in one place (overlapping windows) is one hit', () => {
  const secret = createRng(SEED).chars(B62, 20)
  const kept = distinctHits([hit(pattern, 0, 10, secret), hit(pattern, 0, 10, secret)])
  assert.equal(kept.length, 1, `seed ${SEED}`)
})

test('of the rules matching one span, pattern beats generic and a catch-all yields within its kind', () => {
  const secret = createRng(SEED + 1).chars(B62, 24)
  const all = [hit(genericFallback, 0, 4, secret), hit(generic, 0, 4, secret), hit(patternFallback, 0, 4, secret), hit(pattern, 0, 4, secret)]
  assert.equal(distinctHits([...all])[0]?.compiled, pattern, `seed ${SEED + 1}`)
  assert.equal(distinctHits(all.slice(0, 3))[0]?.compiled, patternFallback)
  assert.equal(distinctHits(all.slice(0, 2))[0]?.compiled, generic)
  // Between rules of one rank, the first registered wins.
  const first: HitRule = { rule: { kind: 'pattern' }, index: 0 }
  assert.equal(distinctHits([hit(pattern, 0, 4, secret), hit(first, 0, 4, secret)])[0]?.compiled, first)
})

test('overlapping spans on one line keep the earlier; other lines and disjoint spans are kept, in line and column order', () => {
  const rng = createRng(SEED + 2)
  const [a, b, c, d] = [rng.chars(B62, 20), rng.chars(B62, 20), rng.chars(B62, 20), rng.chars(B62, 20)]
  const kept = distinctHits([hit(pattern, 1, 0, c), hit(pattern, 0, 30, d), hit(generic, 0, 5, b), hit(pattern, 0, 0, a)])
  assert.deepEqual(
    kept.map((h) => [h.lineIndex, h.start, h.secret]),
    [
      [0, 0, a],
      [0, 30, d],
      [1, 0, c]
    ],
    `seed ${SEED + 2}`
  )
})

test('a value cut at a JSON escape yields to the decoded view’s reading of the same place', () => {
  const rng = createRng(SEED + 3)
  const whole = rng.chars(B62, 16)
  const cut = hit(generic, 0, 9, whole.slice(0, 8), { cut: true, end: 9 + whole.length })
  const viaJson = hit(generic, 0, 9, whole, { via: 'json' })
  assert.deepEqual(distinctHits([cut, viaJson]), [viaJson], `seed ${SEED + 3}`)
})

test('an unlocated view hit is kept only when it adds a value another rule did not find on the line', () => {
  const rng = createRng(SEED + 4)
  const onLine = rng.chars(B62, 20)
  const other = rng.chars(B62, 20)
  const raw = hit(pattern, 0, 0, onLine)
  const unlocated = (compiled: HitRule, secret: string): Hit =>
    hit(compiled, 0, 0, secret, { via: 'base64', viewText: `x=${secret}`, viewStart: 2, viewEnd: 22, end: 40 })
  assert.deepEqual(distinctHits([unlocated(pattern, other), raw]), [raw], 'the same rule again, read another way')
  assert.equal(distinctHits([unlocated(generic, other), raw]).length, 2, `seed ${SEED + 4}: another rule, another value`)
  assert.deepEqual(distinctHits([unlocated(generic, onLine), raw]), [raw], 'the same value')
})

test('place points a view hit at the escaped form of its secret in the line', () => {
  const secret = `${createRng(SEED + 5).chars(B62, 12)}/+&`
  const encoded = encodeURIComponent(secret)
  const line = `GET /login?next=%2F&token=${encoded} HTTP/1.1`
  const view = { via: 'url', start: line.indexOf('token='), end: line.indexOf(' HTTP') }
  const h = place([line], hit(generic, 0, 6, secret), `token=${secret}`, view)
  const at = line.indexOf(encoded)
  assert.deepEqual([h.start, h.end, h.endColumn, h.via, h.viewText], [at, at + encoded.length, at + encoded.length + 1, 'url', undefined], `seed ${SEED + 5}`)
})

test("place points a view hit at its escaped form written with lower-case hex, through the view's column map", () => {
  // A Snowflake URL's `…%1a…` (cri shape file, seed 7246, line 18551): encodeURIComponent writes `%1A`, and the hit
  // left unplaced was a second finding beside the format rule's on the same span.
  const secret = `${createRng(SEED + 7).chars(B62, 10)}\x1a${createRng(SEED + 8).chars(B62, 3)}`
  const written = encodeURIComponent(secret).toLowerCase()
  const line = `url=snowflake://loader:${written}@acme/raw`
  const text = `url=snowflake://loader:${secret}@acme/raw`
  const from = line.indexOf(written)
  // The URL view's map: each decoded character's column in the line (the escape's three characters map to one).
  const cols = [...Array(from).keys(), ...[...secret].map((c, i) => from + (c === '\x1a' ? 10 : i < 10 ? i : i + 2)), from + written.length]
  const view = { via: 'url', start: 0, end: line.length, toLine: (col: number) => cols[col] ?? line.length }
  const h = place([line], hit(generic, 0, text.indexOf(secret), secret), text, view)
  assert.deepEqual([h.start, h.end, h.viewText], [from, from + written.length, undefined], `seed ${SEED + 7}`)
})

test('place points a view hit it cannot find in the line at the whole encoded span, keeping the view to show', () => {
  const secret = createRng(SEED + 6).chars(B62, 20)
  const encoded = Buffer.from(`pw=${secret}`).toString('base64')
  const line = `env ${encoded} end`
  const view = { via: 'base64', start: 4, end: 4 + encoded.length }
  const h = place([line], hit(generic, 0, 3, secret), `pw=${secret}`, view)
  assert.deepEqual(
    [h.start, h.end, h.endColumn, h.viewText, h.viewStart, h.viewEnd],
    [4, 4 + encoded.length, 5 + encoded.length, `pw=${secret}`, 3, 3 + secret.length],
    `seed ${SEED + 6}`
  )
  const onLine = hit(generic, 0, 3, secret)
  assert.equal(place([line], onLine, line, undefined), onLine, 'a hit on the line itself is returned as it is')
})
