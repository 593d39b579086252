// detectors/gen.ts: seeded generators replay their values; both the seeded and the crypto path
// draw bytes the same way, so the seeded path's uniformity and checksum are the crypto path's too.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { crc32 } from 'node:zlib'
import { ALPHABETS, createGen, type Gen, toBase62 } from '../../detectors/gen.ts'

const draw = (g: Gen): string[] => [g.base62(40), g.hex(16), g.digits(9), g.githubToken('ghp_'), g.password(), g.pemBody(33), g.chars('xyz', 50)]

test('one seed gives the same values, another seed and no seed give others', () => {
  assert.deepEqual(draw(createGen(7)), draw(createGen(7)))
  assert.deepEqual(draw(createGen(0)), draw(createGen(0)))
  assert.notDeepEqual(draw(createGen(7)), draw(createGen(8)))
  assert.notDeepEqual(draw(createGen()), draw(createGen()))
})

test('every character of an alphabet is about equally likely', () => {
  // 62 does not divide 256: without the redraw, the first 8 characters would come 5/4 as often as the rest.
  for (const g of [createGen(20261206), createGen(1)]) {
    const per = 2000
    const counts = new Map<string, number>()
    for (const c of g.base62(62 * per)) counts.set(c, (counts.get(c) ?? 0) + 1)
    assert.equal(counts.size, 62)
    // Chi-square, 61 degrees of freedom: above 120 has a chance of about 1e-5 for a uniform source.
    const chi = [...counts.values()].reduce((a, n) => a + (n - per) ** 2 / per, 0)
    assert.ok(chi < 120, `chi-square ${chi.toFixed(1)}`)
  }
})

test('githubToken keeps its CRC32 checksum when seeded', () => {
  const g = createGen(3)
  for (let i = 0; i < 1000; i++) {
    const t = g.githubToken('ghp_')
    const body = t.slice(4, 34)
    assert.match(body, /^[0-9A-Za-z]{30}$/)
    assert.equal(t.slice(34), toBase62(crc32(body), 6))
  }
})

test('passwords and PEM bodies keep their shapes when seeded', () => {
  const g = createGen(5)
  for (let i = 0; i < 1000; i++) assert.match(g.password(), /^[A-Z][a-z]+[1-9]\d{3}[!#%*+][0-9A-Za-z]{4}$/)
  for (const n of [1, 2, 3, 4, 5, 48, 97]) assert.equal(Buffer.from(g.pemBody(n), 'base64').length, n)
  assert.throws(() => g.chars('', 1), RangeError)
  assert.equal(g.chars(ALPHABETS.digits, 0), '')
})
