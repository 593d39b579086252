// Findings can make the responder rotate credentials and restart workloads,
// so whoever can write to the findings topic must not be able to forge one.
// Every record on a topic whose records can cause an action carries an
// HMAC-SHA256 of its producer in two headers (the value stays plain JSON for
// SIEMs): `lw-mac-key`, the id of the key, and `lw-mac`, the MAC. The
// consumer checks it before the record reaches a stage; a record without a
// valid MAC is dead-lettered (LW_ERR_RECORD_UNAUTHENTICATED).
//
// MAC = HMAC-SHA256(K, "lwmac1" 0x00 | u32 len(topic) | topic | u8 hasKey |
// u32 len(key) | key | value), K = HKDF-SHA256(secret, salt = "", info =
// "leakwatch record mac v1", 32 bytes), key id = hex of the first 4 bytes of
// SHA-256(K). The topic and the Kafka key are covered, so a genuine finding
// cannot be moved to another topic or re-keyed onto another partition's
// incident. Replaying a genuine record unchanged is possible and harmless:
// the responder is idempotent per finding id.
//
// Rotation: verifiers accept their signing key and every `kafka.recordVerifyKeys`
// entry, chosen by the key id header, so detectors can switch to a new key
// while responders still accept the old one for the records in flight.

import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto'
import { LeakwatchError } from './errors.ts'
import { TOPICS } from './events.ts'

/** Topics whose records can cause an action (findings), or report one (actions, for consumers that act on them). */
export const AUTHENTICATED_TOPICS: ReadonlySet<string> = new Set([TOPICS.findings, TOPICS.actions])
export const MAC_HEADER = 'lw-mac'
export const MAC_KEY_HEADER = 'lw-mac-key'

export interface RecordMac {
  /** The headers that authenticate a record, or undefined on a topic that needs none. */
  sign: (topic: string, key: string | null, value: Buffer) => Record<string, string> | undefined
  /** Throws LW_ERR_RECORD_UNAUTHENTICATED unless the record carries a valid MAC (on topics that need one). */
  verify: (topic: string, key: string | null, value: Buffer, headers: Record<string, string>) => void
  readonly keyId: string
}

interface MacKey {
  id: string
  key: Buffer
}

function deriveMacKey(secret: Buffer): MacKey {
  const key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'leakwatch record mac v1', 32))
  return { id: createHash('sha256').update(key).digest().subarray(0, 4).toString('hex'), key }
}

function mac(k: MacKey, topic: string, key: string | null, value: Buffer): Buffer {
  const t = Buffer.from(topic, 'utf8')
  const kb = Buffer.from(key ?? '', 'utf8')
  const head = Buffer.alloc(4 + 1 + 4)
  head.writeUInt32BE(t.length, 0)
  head.writeUInt8(key === null ? 0 : 1, 4)
  head.writeUInt32BE(kb.length, 5)
  return createHmac('sha256', k.key).update('lwmac1\u0000').update(head.subarray(0, 4)).update(t).update(head.subarray(4)).update(kb).update(value).digest()
}

/**
 * @param signing the secret records are signed with (and verified against); undefined = random, for one process.
 * @param verifying more secrets whose MACs are accepted (keys being rotated out or in).
 */
export function createRecordMac(signing: Buffer | undefined, verifying: Buffer[] = []): RecordMac {
  const signer = deriveMacKey(signing ?? randomBytes(32))
  const byId = new Map<string, MacKey>([[signer.id, signer]])
  for (const v of verifying) {
    const k = deriveMacKey(v)
    byId.set(k.id, k)
  }
  return {
    keyId: signer.id,
    sign(topic, key, value) {
      if (!AUTHENTICATED_TOPICS.has(topic)) return undefined
      return { [MAC_KEY_HEADER]: signer.id, [MAC_HEADER]: mac(signer, topic, key, value).toString('base64url') }
    },
    verify(topic, key, value, headers) {
      if (!AUTHENTICATED_TOPICS.has(topic)) return
      const id = headers[MAC_KEY_HEADER]
      const given = headers[MAC_HEADER]
      if (id === undefined || given === undefined) throw new LeakwatchError('LW_ERR_RECORD_UNAUTHENTICATED', `record on ${topic} carries no MAC`)
      const k = byId.get(id)
      if (k === undefined)
        throw new LeakwatchError(
          'LW_ERR_RECORD_UNAUTHENTICATED',
          `record on ${topic} is signed with an unknown key id ${id.slice(0, 8)} (check kafka.recordKey and kafka.recordVerifyKeys)`
        )
      const want = mac(k, topic, key, value)
      const got = Buffer.from(given, 'base64url')
      if (got.length !== want.length || !timingSafeEqual(got, want))
        throw new LeakwatchError('LW_ERR_RECORD_UNAUTHENTICATED', `record on ${topic} does not match its MAC`)
    }
  }
}
