// The codec's sealing of small records. Payloads below kafka.compressMinBytes
// are sealed without deflating (a deflate call costs about the same from a few
// hundred bytes to several KB, on the producer and again on the consumer);
// both kinds open the same way, so records written under any threshold stay
// readable. Nonces come from a pool filled 4,096 at a time: none repeats.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createCodec } from '../../pipeline/codec.ts'
import { TOPICS } from '../../pipeline/events.ts'
import { seededGen } from '../support/seed.ts'

const g = seededGen('codec-threshold')
const key = g.base62(40)
const DEFLATED = 1

/** A JSON value of about `n` bytes that deflates well (an audit event's repetitive keys). */
const value = (n: number) => ({ items: Array.from({ length: Math.ceil(n / 40) }, (_, i) => ({ kind: 'Event', verb: 'get', i })) })

test('below compressMinBytes a payload is sealed as it is; above it, deflated; every one opens with any threshold', () => {
  const at2k = createCodec({ payloadKey: key, compress: true, compressMinBytes: 2048 })
  const at0 = createCodec({ payloadKey: key, compress: true, compressMinBytes: 0 })
  const small = value(1200)
  const large = value(6000)
  assert.ok(JSON.stringify(small).length > 512 && JSON.stringify(small).length < 2048)
  const smallPlain = at2k.encode(TOPICS.audit, small)
  const smallDeflated = at0.encode(TOPICS.audit, small)
  const largeDeflated = at2k.encode(TOPICS.audit, large)
  assert.equal((smallPlain[1] ?? 0) & DEFLATED, 0)
  assert.equal((smallDeflated[1] ?? 0) & DEFLATED, DEFLATED)
  assert.equal((largeDeflated[1] ?? 0) & DEFLATED, DEFLATED)
  assert.ok(smallDeflated.length < smallPlain.length)
  assert.ok(largeDeflated.length < JSON.stringify(large).length / 2)
  // Still sealed: the plaintext is not in the record.
  assert.ok(!smallPlain.includes(Buffer.from('"verb":"get"')))
  for (const c of [at2k, at0, createCodec({ payloadKey: key, compress: false })]) {
    assert.deepEqual(c.decode(TOPICS.audit, smallPlain), small)
    assert.deepEqual(c.decode(TOPICS.audit, smallDeflated), small)
    assert.deepEqual(c.decode(TOPICS.audit, largeDeflated), large)
  }
})

test('every sealed record has its own nonce, across refills of the nonce pool (4,096 a draw)', () => {
  const codec = createCodec({ payloadKey: key, compress: true })
  const seen = new Set<string>()
  const n = 10_000
  for (let i = 0; i < n; i++) {
    const r = codec.encode(TOPICS.audit, { i })
    // v2 layout: 'L' | flags | keyId(4) | salt(16) | nonce(12) | …
    seen.add(r.subarray(22, 34).toString('hex'))
    if (i % 997 === 0) assert.deepEqual(codec.decode(TOPICS.audit, r), { i })
  }
  assert.equal(seen.size, n)
})
