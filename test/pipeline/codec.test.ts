import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createCodec, SESSION_RECORDS, sealV2, sessionKey } from '../../pipeline/codec.ts'
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

test('a decoder that already opened a producer session’s records still refuses every tampered record of it', () => {
  // The decoder remembers the headers it opened (key and additional data); that must not skip authentication.
  const producer = createCodec({ payloadKey: KEY, compress: true, compressMinBytes: 64 })
  const consumer = createCodec({ payloadKey: KEY, compress: false })
  const genuine = producer.encode(TOPICS.audit, logChunk(Array.from({ length: 20 }, (_, i) => `line ${i}`)))
  const next = producer.encode(TOPICS.audit, logChunk(['y']))
  assert.deepEqual(consumer.decode(TOPICS.audit, genuine), logChunk(Array.from({ length: 20 }, (_, i) => `line ${i}`)))
  for (let i = 0; i < next.length; i++) {
    const tampered = Buffer.from(next)
    tampered[i] = (tampered[i] ?? 0) ^ 0x01
    invalid(() => consumer.decode(TOPICS.audit, tampered))
  }
  invalid(() => consumer.decode(TOPICS.logs, next), /failed authentication/)
  invalid(() => consumer.decode(TOPICS.audit, next.subarray(0, 30)), /truncated/)
  assert.deepEqual(consumer.decode(TOPICS.audit, next), logChunk(['y']))
})

test('records of many producer sessions interleaved all open (more sessions than the decoder remembers headers of)', () => {
  const producers = Array.from({ length: 20 }, () => createCodec({ payloadKey: KEY, compress: false }))
  const consumer = createCodec({ payloadKey: KEY, compress: false })
  for (let round = 0; round < 3; round++)
    for (const [i, p] of producers.entries())
      assert.deepEqual(consumer.decode(TOPICS.audit, p.encode(TOPICS.audit, logChunk([`${round}/${i}`]))), logChunk([`${round}/${i}`]))
})

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

// Known answers, computed once with Python's `cryptography` 48 (pip install cryptography), independently of
// this code:
//   from cryptography.hazmat.primitives.kdf.hkdf import HKDF; from cryptography.hazmat.primitives import hashes
//   from cryptography.hazmat.primitives.ciphers.aead import AESGCM; import hashlib
//   hkdf = lambda ikm, salt, info: HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(ikm)
//   secret = b'm'*40; salt = bytes(range(16)); nonce = bytes(range(0xa0, 0xac))
//   topic = b'leakwatch.logs.v1'; body = b'{"lines":["hello"]}'
//   kid = hashlib.sha256(hkdf(secret, None, b'leakwatch payload v1')).digest()[:4]
//   sk = hkdf(secret, salt, b'leakwatch payload v2')
//   v2 = header + nonce + AESGCM(sk).encrypt(nonce, body, header + topic), header = bytes([0x4c, 0x06]) + kid + salt
//   v1 = h1 + nonce + AESGCM(hkdf(secret, None, b'leakwatch payload v1')).encrypt(nonce, body, h1 + topic),
//        h1 = bytes([0x4c, 0x02]) + kid
const KAT = {
  secret: 'm'.repeat(40),
  salt: Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex'),
  nonce: Buffer.from('a0a1a2a3a4a5a6a7a8a9aaab', 'hex'),
  body: Buffer.from('{"lines":["hello"]}'),
  keyId: Buffer.from('1c1c94bb', 'hex'),
  sessionKey: '0994f04bcfe5da33208c5c579af3edf7103d6b6a4145045ffa665395d130a084',
  v2: '4c061c1c94bb000102030405060708090a0b0c0d0e0fa0a1a2a3a4a5a6a7a8a9aaabf0dae6bec7265df55603ce2cf06a8726e1c1273ee09fc214e6089641e7ea3e433a3771',
  v1: '4c021c1c94bba0a1a2a3a4a5a6a7a8a9aaab0f61f9e0022cc023c9be381ac220bf7fd8f3e9108818bbf1fb8a133c692d5b73853eba'
}

test('known answer: session key derivation and the v2 sealed layout', () => {
  const key = sessionKey(Buffer.from(KAT.secret), KAT.salt)
  assert.equal(key.toString('hex'), KAT.sessionKey)
  const sealed = sealV2({ key, keyId: KAT.keyId, salt: KAT.salt, nonce: KAT.nonce, flags: 0, topic: TOPICS.logs, body: KAT.body })
  assert.equal(sealed.toString('hex'), KAT.v2)
  const codec = createCodec({ payloadKey: KAT.secret, compress: false })
  assert.deepEqual(codec.decodeBytes(TOPICS.logs, sealed), KAT.body)
  // What the codec writes has the same layout: magic, flags with the session bit, the same key id.
  const mine = codec.encodeBytes(TOPICS.logs, KAT.body)
  assert.deepEqual(mine.subarray(0, 6), Buffer.from(KAT.v2.slice(0, 12), 'hex'))
  assert.equal(mine.length, sealed.length)
})

test('records in the previous format (v1, one long-lived key) are still read, so records in flight survive an upgrade', () => {
  const codec = createCodec({ payloadKey: KAT.secret, compress: true })
  assert.deepEqual(codec.decodeBytes(TOPICS.logs, Buffer.from(KAT.v1, 'hex')), KAT.body)
  invalid(() => codec.decodeBytes(TOPICS.audit, Buffer.from(KAT.v1, 'hex')), /failed authentication/)
  invalid(() => createCodec({ payloadKey: KEY, compress: false }).decodeBytes(TOPICS.logs, Buffer.from(KAT.v1, 'hex')), /another payload key/)
})

test('one session key per codec (a random salt in each record), renewed after SESSION_RECORDS records', () => {
  const a = createCodec({ payloadKey: KEY, compress: false })
  const b = createCodec({ payloadKey: KEY, compress: false })
  const salt = (bytes: Buffer) => bytes.subarray(6, 22).toString('hex')
  const a1 = a.encode(TOPICS.logs, logChunk(['x']))
  assert.equal(salt(a.encode(TOPICS.logs, logChunk(['x']))), salt(a1), 'one session, one salt')
  assert.notEqual(salt(b.encode(TOPICS.logs, logChunk(['x']))), salt(a1), 'another producer session, another salt')
  assert.equal(SESSION_RECORDS, 2 ** 24)
})

test('payload key rotation: a decoder with the old key in payloadDecryptKeys opens records of both keys', () => {
  const oldKey = gen.base62(40)
  const newKey = gen.base62(40)
  const oldCollector = createCodec({ payloadKey: oldKey, compress: true })
  const newCollector = createCodec({ payloadKey: newKey, compress: true })
  // Mid-rotation: the detector seals (dead letters) with the new key and still opens the old one's records.
  const detector = createCodec({ payloadKey: newKey, compress: false, payloadDecryptKeys: [oldKey] })
  const value = logChunk(['hello'])
  assert.deepEqual(detector.decode(TOPICS.logs, oldCollector.encode(TOPICS.logs, value)), value)
  assert.deepEqual(detector.decode(TOPICS.logs, newCollector.encode(TOPICS.logs, value)), value)
  // Step one of a rotation: detectors learn the new key before any collector seals with it.
  const learning = createCodec({ payloadKey: oldKey, compress: false, payloadDecryptKeys: [newKey] })
  assert.deepEqual(learning.decode(TOPICS.logs, newCollector.encode(TOPICS.logs, value)), value)
  invalid(() => createCodec({ payloadKey: newKey, compress: false }).decode(TOPICS.logs, oldCollector.encode(TOPICS.logs, value)), /another payload key/)
})
