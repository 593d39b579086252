// The form store alone: what a form is kept as (length, span checks, MAC,
// q-gram keys, value id; never its bytes), ids reused after removal, and a
// removed form leaving zeros.

import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { addForm, createFormStore, FORM, formKey, formLength, formStoreBytes, HEAD, removeForm } from '../../../detectors/known-secrets/form-store.ts'
import { deriveIndexKeys, HMAC_BYTES, qgramKey, spanCheck, verifyMac } from '../../../detectors/known-secrets/index-keys.ts'
import { STRIDE } from '../../../detectors/known-secrets/postings.ts'

const keys = deriveIndexKeys(randomBytes(32), 4)

function allBytes(s: ReturnType<typeof createFormStore>): Buffer {
  return Buffer.concat([s.data, s.kind, s.keys, s.mac].map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength)))
}

test('a form is kept as its length, span checks, MAC, q-gram keys and value id, never its bytes', () => {
  const s = createFormStore()
  const forms = Array.from({ length: 100 }, (_, i) => Buffer.from(randomBytes(6 + (i % 30)).toString('base64url')))
  const ids = forms.map((b, i) => addForm(s, keys, 1000 + i, i % 5, b))
  assert.equal(new Set(ids).size, 100)
  assert.equal(s.count, 100)
  for (const [i, b] of forms.entries()) {
    const f = ids[i] as number
    assert.equal(formLength(s, f), b.length)
    assert.equal(s.data[f * FORM + 1], spanCheck(keys, b, Math.min(b.length, HEAD)))
    assert.equal(s.data[f * FORM + 2], spanCheck(keys, b, b.length))
    assert.equal(s.data[f * FORM + 3], 1000 + i)
    assert.equal(s.kind[f], i % 5)
    assert.deepEqual(Buffer.from(s.mac.subarray(f * HMAC_BYTES, (f + 1) * HMAC_BYTES)), verifyMac(keys, b))
    for (let o = 0; o < STRIDE; o++) assert.equal(formKey(s, f, o), qgramKey(keys, b, o))
  }
  const stored = allBytes(s)
  for (const b of forms) assert.equal(stored.indexOf(b.subarray(0, 6)), -1, 'a form’s bytes are in the store')
  assert.equal(formStoreBytes(s), stored.length)
})

test('removed forms leave zeros and their ids are reused; the store grows by doubling', () => {
  const s = createFormStore()
  const f = Array.from({ length: 64 }, () => addForm(s, keys, 1, 0, Buffer.from(randomBytes(12).toString('hex'))))
  assert.equal(s.cap, 64)
  removeForm(s, f[10] as number)
  removeForm(s, f[20] as number)
  assert.equal(s.count, 62)
  for (const g of [f[10], f[20]] as number[]) {
    assert.ok(s.data.subarray(g * FORM, (g + 1) * FORM).every((x) => x === 0))
    assert.ok(s.keys.subarray(g * STRIDE, (g + 1) * STRIDE).every((x) => x === 0))
    assert.ok(s.mac.subarray(g * HMAC_BYTES, (g + 1) * HMAC_BYTES).every((x) => x === 0))
  }
  const again = [addForm(s, keys, 2, 0, Buffer.from('0123456789ab')), addForm(s, keys, 2, 0, Buffer.from('ba9876543210'))]
  assert.deepEqual(again.sort(), [f[10], f[20]].sort())
  assert.equal(s.cap, 64)
  addForm(s, keys, 3, 0, Buffer.from('one-more-form'))
  assert.equal(s.cap, 128)
})
