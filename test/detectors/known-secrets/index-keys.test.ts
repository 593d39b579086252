// The index's keyed hashes alone: one key gives the same hashes, another
// different ones; the q-gram key of a value's bytes is what a scan computes
// from the aligned word; the span check extends over a prefix as the probe
// relies on.

import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { createRng } from '../../../detectors/gen.ts'
import { deriveIndexKeys, FNV_PRIME, fmix, HMAC_BYTES, qgramKey, spanCheck, valueId, verifyMac } from '../../../detectors/known-secrets/index-keys.ts'
import { testSeed } from '../../support/seed.ts'

// LEAKWATCH_TEST_SEED replays a run (test/support/seed.ts prints it on failure).
const SEED = testSeed()

test('keys are derived from the index key: same key, same hashes; another key, other hashes', () => {
  const key = randomBytes(32)
  const a = deriveIndexKeys(key, 4)
  const b = deriveIndexKeys(Buffer.from(key), 4)
  const c = deriveIndexKeys(randomBytes(32), 4)
  const v = Buffer.from(randomBytes(24).toString('base64'))
  assert.equal(valueId(a, v), valueId(b, v))
  assert.notEqual(valueId(a, v), valueId(c, v))
  assert.match(valueId(a, v), /^[0-9a-f]{64}$/)
  assert.deepEqual(verifyMac(a, v), verifyMac(b, v))
  assert.equal(verifyMac(a, v).length, HMAC_BYTES)
  assert.notDeepEqual(verifyMac(a, v), verifyMac(c, v))
  assert.deepEqual([a.kA, a.kC, a.checkSeed], [b.kA, b.kC, b.checkSeed])
  assert.equal(a.kA & 1, 1)
  assert.equal(a.kC & 1, 1)
})

test(`a value's q-gram key equals the scan's, from the aligned word, for q = 4 and 3 (seed ${SEED})`, () => {
  const r = createRng(SEED)
  for (const q of [4, 3]) {
    const k = deriveIndexKeys(randomBytes(32), q)
    const text = Buffer.from(new ArrayBuffer(64))
    for (let i = 0; i < 60; i++) text[i] = 0x21 + r.int(94)
    const words = new Int32Array(text.buffer)
    for (let w = 0; w < 15; w++) {
      const scan = Math.imul((words[w] as number) & k.qMask, k.kA)
      assert.equal(qgramKey(k, text, 4 * w), scan, `q ${q}, word ${w} (seed ${SEED})`)
    }
    if (q === 3) {
      // The fourth byte is not part of a 3-gram.
      const other = Buffer.from(text)
      other[3] = (other[3] as number) ^ 0x40
      assert.equal(qgramKey(k, other, 0), qgramKey(k, text, 0))
    }
    // A value shorter than 4 bytes past o reads zeros, as the scan does past the text.
    assert.equal(qgramKey(k, Buffer.from('ab'), 0), qgramKey(k, Buffer.from('ab\0\0'), 0))
  }
})

test(`the span check of a prefix extends to the longer span, as the probe's running hash does (seed ${SEED})`, () => {
  const r = createRng(SEED + 1)
  const k = deriveIndexKeys(randomBytes(32), 4)
  const b = Buffer.from(Array.from({ length: 80 }, () => r.int(256)))
  let h = k.checkSeed
  for (let len = 1; len <= b.length; len++) {
    h = Math.imul(h ^ (b[len - 1] as number), FNV_PRIME)
    assert.equal(fmix(h ^ len) | 0, spanCheck(k, b, len), `length ${len} (seed ${SEED})`)
  }
  assert.notEqual(spanCheck(k, b, 16), spanCheck(deriveIndexKeys(randomBytes(32), 4), b, 16))
})
