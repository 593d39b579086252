// How records are written to the bus. Log chunks and audit events are the
// cluster's raw output — the very lines that hold leaked credentials — so on
// those topics (and the dead-letter topic, which holds their rejects) the
// payload is sealed with AES-256-GCM: Kafka's disks, its replicas and anyone
// with read access to the topic see ciphertext only. Findings and actions hold
// no secret and stay plain JSON so SIEMs can consume them.
//
// Sealed layout: 'L' | flags | keyId(4) | nonce(12) | ciphertext | tag(16),
// flags bit0 = deflated before sealing, bit1 = sealed. Other topics: JSON. The header (magic,
// flags, keyId) and the topic name are the additional authenticated data: a
// sealed record cannot be replayed into another topic, and a flipped flag bit
// fails authentication instead of changing how the body is read.

import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto'
import { deflateRawSync, inflateRawSync, constants as zc } from 'node:zlib'
import { LeakwatchError } from './errors.ts'
import { TOPICS } from './events.ts'
import type { RecordMac } from './record-mac.ts'
import { createRecordMac } from './record-mac.ts'

const MAGIC = 0x4c
const DEFLATED = 1
const SEALED = 2
const SEALED_TOPICS: ReadonlySet<string> = new Set([TOPICS.logs, TOPICS.audit, TOPICS.deadLetter])

export interface CodecOptions {
  /** Secret from which the sealing key is derived; undefined = random (single process only). */
  payloadKey: string | undefined
  compress: boolean
  /**
   * Secret that authenticates records that can cause an action (record-mac.ts); undefined derives one from
   * `payloadKey` (or, without one, uses a random one like the payload key).
   */
  recordKey?: string | undefined
  /** More record keys whose MACs are accepted, while one is rotated. */
  recordVerifyKeys?: string[] | undefined
}

export interface Codec {
  encode: (topic: string, value: unknown) => Buffer
  /** Seals raw bytes (a rejected record on its way to the dead-letter topic). */
  encodeBytes: (topic: string, bytes: Buffer) => Buffer
  decode: (topic: string, bytes: Buffer) => unknown
  decodeBytes: (topic: string, bytes: Buffer) => Buffer
  /** Headers authenticating an encoded record (record-mac.ts), undefined on topics that need none. */
  sign: RecordMac['sign']
  /** Throws LW_ERR_RECORD_UNAUTHENTICATED unless a record that needs a MAC carries a valid one. */
  verify: RecordMac['verify']
  readonly ephemeral: boolean
}

function aad(header: Buffer, topic: string): Buffer {
  return Buffer.concat([header, Buffer.from(topic)])
}

export function createCodec(opts: CodecOptions): Codec {
  const secret = opts.payloadKey === undefined ? randomBytes(32) : Buffer.from(opts.payloadKey, 'utf8')
  const key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'leakwatch payload v1', 32))
  const keyId = createHash('sha256').update(key).digest().subarray(0, 4)
  // Without a record key of its own, the MAC key comes from the payload secret under another HKDF label.
  const recordMac = createRecordMac(
    opts.recordKey === undefined ? secret : Buffer.from(opts.recordKey, 'utf8'),
    (opts.recordVerifyKeys ?? []).map((k) => Buffer.from(k, 'utf8'))
  )

  function encodeBytes(topic: string, plain: Buffer): Buffer {
    // Unsealed topics carry plain JSON, byte for byte, so any consumer (a SIEM, kcat) can read them.
    if (!SEALED_TOPICS.has(topic)) return plain
    // Below ~512 bytes deflate saves little and costs a call; chunks are far larger.
    const deflate = opts.compress && plain.length > 512
    const body = deflate ? deflateRawSync(plain, { level: zc.Z_BEST_SPEED }) : plain
    const flags = (deflate ? DEFLATED : 0) | SEALED
    const header = Buffer.concat([Buffer.from([MAGIC, flags]), keyId])
    const nonce = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', key, nonce)
    cipher.setAAD(aad(header, topic))
    const ct = Buffer.concat([cipher.update(body), cipher.final()])
    return Buffer.concat([header, nonce, ct, cipher.getAuthTag()])
  }

  function decodeBytes(topic: string, bytes: Buffer): Buffer {
    if (bytes.length < 2 || bytes[0] !== MAGIC) {
      // Plain JSON from a foreign producer is accepted on unsealed topics only.
      if (!SEALED_TOPICS.has(topic)) return bytes
      throw new LeakwatchError('LW_ERR_RECORD_INVALID', `record on ${topic} is not sealed`)
    }
    const flags = bytes[1] ?? 0
    let body = bytes.subarray(2)
    if ((flags & SEALED) !== 0) {
      if (body.length < 4 + 12 + 16) throw new LeakwatchError('LW_ERR_RECORD_INVALID', `sealed record on ${topic} is truncated`)
      if (!body.subarray(0, 4).equals(keyId))
        throw new LeakwatchError('LW_ERR_RECORD_INVALID', `record on ${topic} was sealed with another payload key (check kafka.payloadKey on every role)`)
      const decipher = createDecipheriv('aes-256-gcm', key, body.subarray(4, 16))
      decipher.setAAD(aad(bytes.subarray(0, 6), topic))
      decipher.setAuthTag(body.subarray(body.length - 16))
      try {
        body = Buffer.concat([decipher.update(body.subarray(16, body.length - 16)), decipher.final()])
      } catch (err) {
        throw new LeakwatchError('LW_ERR_RECORD_INVALID', `sealed record on ${topic} failed authentication`, { cause: err })
      }
    } else if (SEALED_TOPICS.has(topic)) {
      throw new LeakwatchError('LW_ERR_RECORD_INVALID', `record on ${topic} is not sealed`)
    }
    if ((flags & DEFLATED) !== 0) {
      try {
        body = inflateRawSync(body, { maxOutputLength: 64 * 1024 * 1024 })
      } catch (err) {
        throw new LeakwatchError('LW_ERR_RECORD_INVALID', `record on ${topic} does not inflate`, { cause: err })
      }
    }
    return body
  }

  return {
    ephemeral: opts.payloadKey === undefined,
    sign: recordMac.sign,
    verify: recordMac.verify,
    encode: (topic, value) => encodeBytes(topic, Buffer.from(JSON.stringify(value))),
    encodeBytes,
    decodeBytes,
    decode(topic, bytes) {
      const body = decodeBytes(topic, bytes)
      try {
        return JSON.parse(body.toString('utf8'))
      } catch (err) {
        throw new LeakwatchError('LW_ERR_RECORD_INVALID', `record on ${topic} is not valid JSON`, { cause: err })
      }
    }
  }
}
