import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { test } from 'node:test'
import { createFingerprinter, mask, stableId } from '../../pipeline/fingerprint.ts'
import { seededGen } from '../support/seed.ts'

const gen = seededGen('gen')

test('fingerprints are keyed HMAC-SHA256: same key same value, different key different value', () => {
  const key = gen.base62(40)
  const secret = gen.password()
  const a = createFingerprinter(key)
  const b = createFingerprinter(key)
  const other = createFingerprinter(gen.base62(40))
  assert.match(a.of(secret), /^[0-9a-f]{64}$/)
  assert.equal(a.of(secret), b.of(secret))
  assert.equal(a.of(secret), createHmac('sha256', key).update(secret).digest('hex'))
  assert.notEqual(a.of(secret), other.of(secret))
  assert.notEqual(a.of(secret), a.of(`${secret}x`))
  assert.equal(a.ephemeral, false)
})

test('without a key the fingerprinter is ephemeral: fingerprints differ between processes', () => {
  const secret = gen.password()
  const a = createFingerprinter(undefined)
  const b = createFingerprinter(undefined)
  assert.equal(a.ephemeral, true)
  assert.equal(a.of(secret), a.of(secret))
  assert.notEqual(a.of(secret), b.of(secret))
})

test('mask keeps at most a sixth of the value, a fixed run of asterisks and two trailing characters of long values', () => {
  const token = gen.githubToken('ghp_')
  const m = mask(token)
  assert.equal(m, `ghp_********${token.slice(-2)}`)
  assert.equal(m.includes(token.slice(4, 12)), false)

  for (const len of [1, 5, 6, 11, 12, 23, 24, 40, 100]) {
    const v = gen.base62(len)
    const out = mask(v)
    const head = out.slice(0, out.indexOf('*'))
    const tail = out.slice(out.lastIndexOf('*') + 1)
    assert.ok(out.includes('********'), `${len}: has the fixed asterisk run`)
    assert.ok(head.length <= Math.floor(len / 6) && head.length <= 4, `${len}: head ${head.length} too long`)
    assert.equal(tail.length, len >= 24 ? 2 : 0, `${len}: tail`)
    assert.ok(head.length + tail.length <= Math.max(2, len / 4), `${len}: reveals too much`)
    assert.equal(out.length, head.length + 8 + tail.length, 'the length of the value is not revealed')
  }
  assert.equal(mask(''), '********')
  assert.equal(mask('short'), '********')
})

test('mask counts characters, not UTF-16 units, so it never splits a surrogate pair', () => {
  const v = `${'🔑'.repeat(30)}`
  const out = mask(v)
  assert.equal(out, `🔑🔑🔑🔑********🔑🔑`)
  assert.equal(out.isWellFormed(), true)
})

test('stableId is deterministic, 32 hex characters, and separates its parts', () => {
  assert.match(stableId('a', 1), /^[0-9a-f]{32}$/)
  assert.equal(stableId('fp', 'file/app.log', 10), stableId('fp', 'file/app.log', 10))
  assert.notEqual(stableId('fp', 'file/app.log', 10), stableId('fp', 'file/app.log', 11))
  assert.notEqual(stableId('ab', 'c'), stableId('a', 'bc'))
  assert.equal(stableId(1), stableId('1'), 'numbers and their decimal text are the same part')
})
