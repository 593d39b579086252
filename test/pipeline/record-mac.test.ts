import assert from 'node:assert/strict'
import { test } from 'node:test'
import { TOPICS } from '../../pipeline/events.ts'
import { createRecordMac, MAC_HEADER, MAC_KEY_HEADER } from '../../pipeline/record-mac.ts'
import { seededGen } from '../support/seed.ts'

const gen = seededGen('gen')
const value = Buffer.from('{"v":"1","type":"finding"}')

function unauthenticated(fn: () => void, message: RegExp): void {
  assert.throws(fn, (err: unknown) => (err as { code?: string }).code === 'LW_ERR_RECORD_UNAUTHENTICATED' && message.test((err as Error).message))
}

test('known answer: the MAC and key id of a fixed secret, topic, key and value', () => {
  // Derived independently with Python's standard library (hmac, hashlib, struct):
  //   K   = HKDF-SHA256(ikm=b'k'*40, salt=b'' (= 32 zero bytes), info=b'leakwatch record mac v1', L=32)
  //         i.e. PRK = HMAC(b'\0'*32, ikm); K = HMAC(PRK, info + b'\x01')
  //   kid = sha256(K)[:4].hex()
  //   mac = HMAC-SHA256(K, b'lwmac1\0' + u32be(len(topic)) + topic + b'\x01' + u32be(len(key)) + key + value),
  //         base64url without padding
  const mac = createRecordMac(Buffer.from('k'.repeat(40)))
  const headers = mac.sign(TOPICS.findings, 'fp-1', value)
  assert.deepEqual(headers, { [MAC_KEY_HEADER]: '3f21f336', [MAC_HEADER]: 'yhQOiwR4VKhqabGUJe83yu5c7v0dUk0sA5SjTuWSnnk' })
  assert.equal(mac.keyId, '3f21f336')
})

test('a signed finding verifies; changing its value, key or topic, or dropping the MAC, does not', () => {
  const mac = createRecordMac(Buffer.from(gen.base62(40)))
  const headers = mac.sign(TOPICS.findings, 'fp', value)
  assert.ok(headers !== undefined)
  mac.verify(TOPICS.findings, 'fp', value, headers)
  unauthenticated(() => mac.verify(TOPICS.findings, 'fp', Buffer.from('{"v":"1","type":"finding","x":1}'), headers), /does not match its MAC/)
  unauthenticated(() => mac.verify(TOPICS.findings, 'other', value, headers), /does not match/)
  unauthenticated(() => mac.verify(TOPICS.findings, null, value, headers), /does not match/)
  unauthenticated(() => mac.verify(TOPICS.actions, 'fp', value, headers), /does not match/)
  unauthenticated(() => mac.verify(TOPICS.findings, 'fp', value, {}), /carries no MAC/)
  unauthenticated(() => mac.verify(TOPICS.findings, 'fp', value, { ...headers, [MAC_HEADER]: 'short' }), /does not match/)
})

test('topics that cause no action are neither signed nor checked', () => {
  const mac = createRecordMac(undefined)
  assert.equal(mac.sign(TOPICS.logs, 'k', value), undefined)
  mac.verify(TOPICS.logs, 'k', value, {})
  mac.verify(TOPICS.deadLetter, 'k', value, {})
})

test('rotation: a verifier accepts its own key and the keys listed to verify, chosen by key id; a stranger is refused', () => {
  const [oldKey, newKey, stranger] = [gen.base62(40), gen.base62(40), gen.base62(40)].map((k) => Buffer.from(k))
  assert.ok(oldKey !== undefined && newKey !== undefined && stranger !== undefined)
  const oldDetector = createRecordMac(oldKey)
  const newDetector = createRecordMac(newKey)
  // Step 1 of a rotation: responders still sign with the old key and accept the new one too.
  const responder = createRecordMac(oldKey, [newKey])
  for (const d of [oldDetector, newDetector]) {
    const h = d.sign(TOPICS.findings, 'fp', value)
    assert.ok(h !== undefined)
    responder.verify(TOPICS.findings, 'fp', value, h)
  }
  const forged = createRecordMac(stranger).sign(TOPICS.findings, 'fp', value)
  assert.ok(forged !== undefined)
  unauthenticated(() => responder.verify(TOPICS.findings, 'fp', value, forged), /unknown key id [0-9a-f]{8} \(check kafka.recordKey/)
  // A forger who copies a known key id still needs the key.
  unauthenticated(() => responder.verify(TOPICS.findings, 'fp', value, { ...forged, [MAC_KEY_HEADER]: oldDetector.keyId }), /does not match/)
  // Nothing about a key shows in what a refusal says.
  try {
    responder.verify(TOPICS.findings, 'fp', value, forged)
  } catch (err) {
    for (const k of [oldKey, newKey, stranger]) assert.equal((err as Error).message.includes(k.toString()), false)
  }
})
