// How records are written to the bus. Log chunks and audit events are the
// cluster's raw output — the very lines that hold leaked credentials — so on
// those topics (and the dead-letter topic, which holds their rejects) the
// payload is sealed with AES-256-GCM: Kafka's disks, its replicas and anyone
// with read access to the topic see ciphertext only. Findings and actions hold
// no secret and stay plain JSON so SIEMs can consume them (they carry a MAC in
// their headers instead, record-mac.ts).
//
// Sealed layout (v2, written): 'L' | flags | keyId(4) | salt(16) | nonce(12) | ciphertext | tag(16),
// flags bit0 = deflated before sealing, bit1 = sealed, bit2 = session key. The
// AES key is not the master key but a session key, HKDF-SHA256(master secret,
// salt, "leakwatch payload v2"), with a random salt per codec (producer
// session) that is renewed every SESSION_RECORDS records. Random 96-bit nonces
// under one key must stay well below 2^32 messages (NIST SP 800-38D); at
// 20,000 chunks/s one long-lived key passes that within days, a session key
// never gets near it (2^24 records: nonce collision odds about 2^-49). The
// salt travels in the record, so any holder of the master secret opens it.
// keyId = SHA-256(HKDF(master, "", "leakwatch payload v1"))[0..4] names the
// master key, so `kafka.payloadKey` can be rotated: a decoder holds several
// (`kafka.payloadDecryptKeys`) and picks one by id.
//
// v1 (read only, what leakwatch wrote before): 'L' | flags | keyId(4) |
// nonce(12) | ciphertext | tag(16) with the key HKDF(master, "", "leakwatch
// payload v1") itself. Still opened so records in flight survive an upgrade;
// upgrade the roles that decode (detectors) before those that seal
// (collectors), since an older detector cannot open v2.
//
// The header (magic, flags, keyId, and in v2 the salt) and the topic name are
// the additional authenticated data: a sealed record cannot be replayed into
// another topic, and a flipped flag bit fails authentication instead of
// changing how the body is read.

import type { KeyObject } from 'node:crypto'
import { createCipheriv, createDecipheriv, createHash, createSecretKey, hkdfSync, randomBytes, randomFillSync } from 'node:crypto'
import { deflateRawSync, inflateRawSync, constants as zc } from 'node:zlib'
import { LeakwatchError } from './errors.ts'
import { TOPICS } from './events.ts'
import type { RecordMac } from './record-mac.ts'
import { createRecordMac } from './record-mac.ts'

const MAGIC = 0x4c
const DEFLATED = 1
const SEALED = 2
const SESSION = 4
const SALT_BYTES = 16
/** Records sealed under one session key before a new salt is drawn. */
export const SESSION_RECORDS = 2 ** 24
/** Session keys a decoder keeps (one per producer session it reads). */
const SESSION_KEYS_CACHED = 4096
const SEALED_TOPICS: ReadonlySet<string> = new Set([TOPICS.logs, TOPICS.audit, TOPICS.deadLetter])

interface MasterKey {
  secret: Buffer
  /** The v1 record key, HKDF(secret, "", "leakwatch payload v1"). */
  v1: Buffer
  id: Buffer
}

function masterKey(secret: Buffer): MasterKey {
  const v1 = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'leakwatch payload v1', 32))
  return { secret, v1, id: createHash('sha256').update(v1).digest().subarray(0, 4) }
}

/** The AES-256-GCM key of one producer session. */
export function sessionKey(secret: Buffer, salt: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, salt, 'leakwatch payload v2', 32))
}

/** Seals one body (v2 layout); exported for the known-answer test, which fixes salt and nonce. */
export function sealV2(p: { key: Buffer | KeyObject; keyId: Buffer; salt: Buffer; nonce: Buffer; flags: number; topic: string; body: Buffer }): Buffer {
  const header = v2Header(p.flags, p.keyId, p.salt)
  return seal(p.key, header, aad(header, p.topic), p.nonce, p.body)
}

function v2Header(flags: number, keyId: Buffer, salt: Buffer): Buffer {
  return Buffer.concat([Buffer.from([MAGIC, flags | SEALED | SESSION]), keyId, salt])
}

/** header | nonce | ciphertext | tag, written into one buffer (the concatenations cost as much as the cipher on a 1 KB record). */
function seal(key: Buffer | KeyObject, header: Buffer, additional: Buffer, nonce: Buffer, body: Buffer): Buffer {
  const cipher = createCipheriv('aes-256-gcm', key, nonce)
  cipher.setAAD(additional)
  const ct = cipher.update(body)
  const last = cipher.final()
  const out = Buffer.allocUnsafe(header.length + nonce.length + ct.length + last.length + 16)
  let at = header.copy(out, 0)
  at += nonce.copy(out, at)
  at += ct.copy(out, at)
  at += last.copy(out, at)
  cipher.getAuthTag().copy(out, at)
  return out
}

const NONCES_PER_FILL = 4096
/** Producer sessions whose header a decoder recognises without deriving anything (several collector replicas write one partition). */
const RECENT_HEADERS = 8

interface Opened {
  topic: string
  header: Buffer
  key: KeyObject
  aad: Buffer
}

export interface CodecOptions {
  /** Secret from which the sealing key is derived; undefined = random (single process only). */
  payloadKey: string | undefined
  compress: boolean
  /**
   * Smallest payload deflated (with `compress`; `kafka.compressMinBytes`). Deflating costs a fixed ~20 µs a call up
   * to several KB (zlib's per-call set-up, on the producer and again on the consumer), which was most of the cost of
   * a lone 1.2 KB audit event; default 512 (what the codec did before the option).
   */
  compressMinBytes?: number | undefined
  /**
   * Secret that authenticates records that can cause an action (record-mac.ts); undefined derives one from
   * `payloadKey` (or, without one, uses a random one like the payload key).
   */
  recordKey?: string | undefined
  /** More record keys whose MACs are accepted, while one is rotated. */
  recordVerifyKeys?: string[] | undefined
  /** More payload keys records are opened with (never sealed with), while `payloadKey` is rotated. */
  payloadDecryptKeys?: string[] | undefined
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
  const compressMinBytes = opts.compressMinBytes ?? 512
  const master = masterKey(secret)
  // Opening: the sealing key and the keys being rotated, by key id (a collision of ids only costs a failed open).
  const masters = new Map<string, MasterKey>()
  for (const k of [...(opts.payloadDecryptKeys ?? []).map((d) => masterKey(Buffer.from(d, 'utf8'))), master]) masters.set(k.id.toString('hex'), k)
  // Without a record key of its own, the MAC key comes from the payload secret under another HKDF label.
  const recordMac = createRecordMac(
    opts.recordKey === undefined ? secret : Buffer.from(opts.recordKey, 'utf8'),
    (opts.recordVerifyKeys ?? []).map((k) => Buffer.from(k, 'utf8'))
  )

  // Keys as KeyObjects: a raw Buffer key is imported again by every createCipheriv, which cost as much as sealing
  // a 1 KB audit event (bench/audit-webhook-load.ts profile).
  let session: { salt: Buffer; key: KeyObject | undefined; left: number } = { salt: Buffer.alloc(0), key: undefined, left: 0 }
  // The session's header and additional data per (flags, topic): they change only with the salt.
  let headers = new Map<string, { header: Buffer; aad: Buffer }>()
  // Nonces drawn from the CSPRNG 4,096 at a time: one randomBytes call per record cost more than its AES-GCM.
  const nonces = Buffer.allocUnsafe(12 * NONCES_PER_FILL)
  let nonceAt = nonces.length
  function nonce(): Buffer {
    if (nonceAt === nonces.length) {
      randomFillSync(nonces)
      nonceAt = 0
    }
    // Copied into the record by seal() before the next one is drawn; each is used once.
    const n = nonces.subarray(nonceAt, nonceAt + 12)
    nonceAt += 12
    return n
  }
  const opened = new Map<string, KeyObject>()
  const v1Keys = new Map<MasterKey, KeyObject>()
  // The headers opened last, with their key and additional data: a consumer reads runs of records of the same few
  // producer sessions, and naming the session (hex of key id and salt, a Map lookup) and concatenating the additional
  // data cost about as much per record as the AES-GCM of a small one. Compared byte for byte, so a header not seen
  // before goes the full way.
  const recent: Opened[] = []
  function recentOf(topic: string, bytes: Buffer, headerBytes: number): Opened | undefined {
    for (const r of recent) if (r.topic === topic && r.header.length === headerBytes && bytes.compare(r.header, 0, headerBytes, 0, headerBytes) === 0) return r
    return undefined
  }

  function encodeBytes(topic: string, plain: Buffer): Buffer {
    // Unsealed topics carry plain JSON, byte for byte, so any consumer (a SIEM, kcat) can read them.
    if (!SEALED_TOPICS.has(topic)) return plain
    let key = session.key
    if (session.left === 0 || key === undefined) {
      const salt = randomBytes(SALT_BYTES)
      key = createSecretKey(sessionKey(secret, salt))
      session = { salt, key, left: SESSION_RECORDS }
      headers = new Map()
    }
    session.left--
    // A deflate call costs about the same from a few hundred bytes to several KB: worth it on larger payloads only.
    const deflate = opts.compress && plain.length > compressMinBytes
    const body = deflate ? deflateRawSync(plain, { level: zc.Z_BEST_SPEED }) : plain
    const flags = deflate ? DEFLATED : 0
    const id = `${flags}\u0000${topic}`
    let h = headers.get(id)
    if (h === undefined) {
      const header = v2Header(flags, master.id, session.salt)
      h = { header, aad: aad(header, topic) }
      headers.set(id, h)
    }
    return seal(key, h.header, h.aad, nonce(), body)
  }

  function keyFor(topic: string, flags: number, body: Buffer): { key: KeyObject; headerBytes: number } {
    const v2 = (flags & SESSION) !== 0
    const headerBytes = 2 + 4 + (v2 ? SALT_BYTES : 0)
    if (body.length < headerBytes - 2 + 12 + 16) throw new LeakwatchError('LW_ERR_RECORD_INVALID', `sealed record on ${topic} is truncated`)
    const m = masters.get(body.subarray(0, 4).toString('hex'))
    if (m === undefined)
      throw new LeakwatchError(
        'LW_ERR_RECORD_INVALID',
        `record on ${topic} was sealed with another payload key (check kafka.payloadKey and kafka.payloadDecryptKeys on every role)`
      )
    if (!v2) {
      let key = v1Keys.get(m)
      if (key === undefined) {
        key = createSecretKey(m.v1)
        v1Keys.set(m, key)
      }
      return { key, headerBytes }
    }
    const salt = body.subarray(4, 4 + SALT_BYTES)
    const cacheKey = `${m.id.toString('hex')}${salt.toString('hex')}`
    let key = opened.get(cacheKey)
    if (key === undefined) {
      if (opened.size >= SESSION_KEYS_CACHED) opened.clear()
      key = createSecretKey(sessionKey(m.secret, salt))
      opened.set(cacheKey, key)
    }
    return { key, headerBytes }
  }

  function decodeBytes(topic: string, bytes: Buffer): Buffer {
    if (bytes.length < 2 || bytes[0] !== MAGIC) {
      // Plain JSON from a foreign producer is accepted on unsealed topics only.
      if (!SEALED_TOPICS.has(topic)) return bytes
      throw new LeakwatchError('LW_ERR_RECORD_INVALID', `record on ${topic} is not sealed`)
    }
    const flags = bytes[1] ?? 0
    // A view costs an object: the sealed path makes the ones it needs, not this one.
    let body: Buffer
    if ((flags & SEALED) !== 0) {
      const headerBytes = 2 + 4 + ((flags & SESSION) !== 0 ? SALT_BYTES : 0)
      const seen = bytes.length >= headerBytes + 12 + 16 ? recentOf(topic, bytes, headerBytes) : undefined
      let fresh: Opened | undefined
      if (seen === undefined) {
        const header = Buffer.from(bytes.subarray(0, headerBytes))
        fresh = { topic, header, key: keyFor(topic, flags, bytes.subarray(2)).key, aad: aad(header, topic) }
      }
      const known = seen ?? (fresh as Opened)
      const decipher = createDecipheriv('aes-256-gcm', known.key, bytes.subarray(headerBytes, headerBytes + 12))
      decipher.setAAD(known.aad)
      decipher.setAuthTag(bytes.subarray(bytes.length - 16))
      try {
        const head = decipher.update(bytes.subarray(headerBytes + 12, bytes.length - 16))
        const tail = decipher.final()
        // GCM's final() authenticates and returns nothing: no copy of the plaintext for it.
        body = tail.length === 0 ? head : Buffer.concat([head, tail])
      } catch (err) {
        throw new LeakwatchError('LW_ERR_RECORD_INVALID', `sealed record on ${topic} failed authentication`, { cause: err })
      }
      // Remembered only once a record under it opened: forged headers must not push out the genuine ones.
      if (fresh !== undefined) {
        if (recent.length >= RECENT_HEADERS) recent.pop()
        recent.unshift(fresh)
      }
    } else if (SEALED_TOPICS.has(topic)) {
      throw new LeakwatchError('LW_ERR_RECORD_INVALID', `record on ${topic} is not sealed`)
    } else body = bytes.subarray(2)
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
