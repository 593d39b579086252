import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createCodec } from '../../pipeline/codec.ts'
import { isLeakwatchError } from '../../pipeline/errors.ts'
import { TOPICS } from '../../pipeline/events.ts'
import { seededGen } from '../support/seed.ts'

const gen = seededGen('gen')
const KEY = gen.base62(40)

function logChunk(lines: string[]) {
  return {
    v: '1',
    type: 'log-chunk',
    stream: 'file/app.log',
    source: { type: 'file', path: '/var/log/app.log' },
    startLine: 1,
    offset: { start: 0, end: 100 },
    lines,
    collectedAt: '2025-01-01T00:00:00.000Z'
  }
}

function invalid(fn: () => unknown, message?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isLeakwatchError(err, 'LW_ERR_RECORD_INVALID'), `expected LW_ERR_RECORD_INVALID, got ${String(err)}`)
    if (message !== undefined) assert.match(err.message, message)
    return true
  })
}

const sealedTopics = [TOPICS.logs, TOPICS.audit, TOPICS.deadLetter]

for (const compress of [false, true]) {
  test(`sealed topics round-trip and hide the plaintext (compress=${compress})`, () => {
    const codec = createCodec({ payloadKey: KEY, compress })
    const secret = gen.githubToken('ghp_')
    // Large enough to be deflated when compression is on.
    const value = logChunk([`GITHUB_TOKEN=${secret}`, ...Array.from({ length: 50 }, (_, i) => `line ${i} of ordinary output`)])
    for (const topic of sealedTopics) {
      const bytes = codec.encode(topic, value)
      assert.equal(bytes[0], 0x4c)
      assert.equal((bytes[1] ?? 0) & 2, 2, 'sealed flag')
      assert.equal((bytes[1] ?? 0) & 1, compress ? 1 : 0, 'deflated flag')
      assert.equal(bytes.includes(secret), false)
      assert.equal(bytes.includes(Buffer.from(secret.slice(4, 20))), false)
      assert.equal(bytes.includes('ordinary output'), false)
      assert.deepEqual(codec.decode(topic, bytes), value)
    }
  })
}

test('a fresh nonce per record: the same value never encodes to the same bytes', () => {
  const codec = createCodec({ payloadKey: KEY, compress: false })
  const a = codec.encode(TOPICS.logs, logChunk(['x']))
  const b = codec.encode(TOPICS.logs, logChunk(['x']))
  assert.notDeepEqual(a, b)
})

test('two codecs with the same payload key interoperate (collector and detector in different processes)', () => {
  const collector = createCodec({ payloadKey: KEY, compress: true })
  const detector = createCodec({ payloadKey: KEY, compress: false })
  const value = logChunk(['hello'])
  assert.deepEqual(detector.decode(TOPICS.logs, collector.encode(TOPICS.logs, value)), value)
  assert.equal(collector.ephemeral, false)
  assert.equal(createCodec({ payloadKey: undefined, compress: false }).ephemeral, true)
})

for (const compress of [false, true]) {
  test(`plain topics carry the JSON byte for byte, so a SIEM or kcat can read them (compress=${compress})`, () => {
    const codec = createCodec({ payloadKey: KEY, compress })
    const finding = { v: '1', type: 'finding', preview: 'ghp_********ab', context: 'x'.repeat(2000) }
    for (const topic of [TOPICS.findings, TOPICS.actions]) {
      const bytes = codec.encode(topic, finding)
      assert.equal(bytes.toString('utf8'), JSON.stringify(finding))
      assert.deepEqual(codec.decode(topic, bytes), finding)
    }
  })
}

test('plain JSON from a foreign producer is accepted on plain topics only', () => {
  const codec = createCodec({ payloadKey: KEY, compress: false })
  const foreign = Buffer.from(JSON.stringify({ v: '1', type: 'finding' }))
  assert.deepEqual(codec.decode(TOPICS.findings, foreign), { v: '1', type: 'finding' })
  invalid(() => codec.decode(TOPICS.logs, foreign), /is not sealed/)
  invalid(() => codec.decode(TOPICS.findings, Buffer.from('{not json')), /not valid JSON/)
  invalid(() => codec.decode(TOPICS.logs, Buffer.alloc(0)), /is not sealed/)
})

test('a record that claims to be unsealed on a sealed topic is refused', () => {
  const codec = createCodec({ payloadKey: KEY, compress: false })
  const plain = codec.encode(TOPICS.findings, logChunk(['x']))
  invalid(() => codec.decode(TOPICS.logs, plain), /is not sealed/)
})

test('a record sealed with another key is refused with a hint', () => {
  const a = createCodec({ payloadKey: KEY, compress: false })
  const b = createCodec({ payloadKey: gen.base62(40), compress: false })
  invalid(() => b.decode(TOPICS.logs, a.encode(TOPICS.logs, logChunk(['x']))), /another payload key/)
  // Two ephemeral codecs are two different keys.
  const e1 = createCodec({ payloadKey: undefined, compress: false })
  const e2 = createCodec({ payloadKey: undefined, compress: false })
  invalid(() => e2.decode(TOPICS.audit, e1.encode(TOPICS.audit, { a: 1 })))
})

test('a sealed record replayed into another topic fails authentication (topic is the AAD)', () => {
  const codec = createCodec({ payloadKey: KEY, compress: false })
  const bytes = codec.encode(TOPICS.logs, logChunk(['x']))
  invalid(() => codec.decode(TOPICS.audit, bytes), /failed authentication/)
  invalid(() => codec.decode(TOPICS.deadLetter, bytes), /failed authentication/)
  invalid(() => codec.decode(TOPICS.findings, bytes), /failed authentication/)
})

for (const compress of [false, true]) {
  test(`flipping any single byte of a sealed record makes it invalid (compress=${compress})`, () => {
    const codec = createCodec({ payloadKey: KEY, compress })
    const bytes = codec.encode(TOPICS.logs, logChunk(Array.from({ length: 40 }, (_, i) => `line ${i}`)))
    assert.equal((bytes[1] ?? 0) & 1, compress ? 1 : 0)
    for (let i = 0; i < bytes.length; i++) {
      for (const mask of [0x01, 0x80]) {
        const tampered = Buffer.from(bytes)
        tampered[i] = (tampered[i] ?? 0) ^ mask
        invalid(() => codec.decode(TOPICS.logs, tampered))
      }
    }
  })
}

test('truncated sealed records are invalid', () => {
  const codec = createCodec({ payloadKey: KEY, compress: false })
  const bytes = codec.encode(TOPICS.logs, logChunk(['x']))
  invalid(() => codec.decode(TOPICS.logs, bytes.subarray(0, 20)), /truncated/)
  invalid(() => codec.decode(TOPICS.logs, bytes.subarray(0, bytes.length - 1)), /failed authentication/)
})

test('encodeBytes/decodeBytes carry arbitrary bytes (dead-letter copies of rejected records)', () => {
  const codec = createCodec({ payloadKey: KEY, compress: true })
  const raw = Buffer.from([0, 1, 2, 255, 0x4c, 2, ...Buffer.from('not json at all')])
  const sealed = codec.encodeBytes(TOPICS.deadLetter, raw)
  assert.deepEqual(codec.decodeBytes(TOPICS.deadLetter, sealed), raw)
  assert.equal(sealed.includes(Buffer.from('not json at all')), false)
})
