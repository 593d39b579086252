// HPKE (RFC 9180), base mode, single shot, for one KEM and KDF:
// DHKEM(X25519, HKDF-SHA256) with HKDF-SHA256, and AES-128-GCM or
// AES-256-GCM. Built on node:crypto rather than a package because the whole
// construction is a page of labelled HKDF calls around primitives Node already
// has, and the RFC's appendix A.1 vectors (test/pipeline/hpke.test.ts) check
// every intermediate value, not only a round trip.

import type { KeyObject } from 'node:crypto'
import { createCipheriv, createDecipheriv, createHmac, createPrivateKey, createPublicKey, diffieHellman } from 'node:crypto'

export const KEM_X25519_HKDF_SHA256 = 0x0020
export const KDF_HKDF_SHA256 = 0x0001
export const AEAD = { 'aes-128-gcm': { id: 0x0001, nk: 16 }, 'aes-256-gcm': { id: 0x0002, nk: 32 } } as const
export type AeadName = keyof typeof AEAD

const NN = 12
const NH = 32
const TAG = 16
const VERSION = Buffer.from('HPKE-v1')

function i2osp(n: number, bytes: number): Buffer {
  const b = Buffer.alloc(bytes)
  b.writeUIntBE(n, 0, bytes)
  return b
}

function hmac(key: Buffer, data: Buffer): Buffer {
  return createHmac('sha256', key).update(data).digest()
}

/** HKDF-Extract (RFC 5869): HMAC(salt, ikm), an empty salt being a zero key of the hash length. */
function extract(salt: Buffer, ikm: Buffer): Buffer {
  return hmac(salt.length === 0 ? Buffer.alloc(NH) : salt, ikm)
}

function expand(prk: Buffer, info: Buffer, length: number): Buffer {
  // node:crypto's hkdf always extracts first; RFC 9180 labels Extract and Expand separately, so
  // Expand is spelled out: T(i) = HMAC(prk, T(i-1) | info | i).
  const out: Buffer[] = []
  let t: Buffer = Buffer.alloc(0)
  for (let i = 1; out.length * NH < length; i++) {
    t = hmac(prk, Buffer.concat([t, info, Buffer.from([i])]))
    out.push(t)
  }
  return Buffer.concat(out).subarray(0, length)
}

function labeledExtract(suite: Buffer, salt: Buffer, label: string, ikm: Buffer): Buffer {
  return extract(salt, Buffer.concat([VERSION, suite, Buffer.from(label), ikm]))
}

function labeledExpand(suite: Buffer, prk: Buffer, label: string, info: Buffer, length: number): Buffer {
  return expand(prk, Buffer.concat([i2osp(length, 2), VERSION, suite, Buffer.from(label), info]), length)
}

const KEM_SUITE = Buffer.concat([Buffer.from('KEM'), i2osp(KEM_X25519_HKDF_SHA256, 2)])

function hpkeSuite(aead: AeadName): Buffer {
  return Buffer.concat([Buffer.from('HPKE'), i2osp(KEM_X25519_HKDF_SHA256, 2), i2osp(KDF_HKDF_SHA256, 2), i2osp(AEAD[aead].id, 2)])
}

const PKCS8_X25519 = Buffer.from('302e020100300506032b656e04220420', 'hex')
const SPKI_X25519 = Buffer.from('302a300506032b656e032100', 'hex')

export function x25519PrivateKey(raw: Buffer): KeyObject {
  return createPrivateKey({ key: Buffer.concat([PKCS8_X25519, raw]), format: 'der', type: 'pkcs8' })
}

export function x25519PublicKey(raw: Buffer): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI_X25519, raw]), format: 'der', type: 'spki' })
}

export function rawPublic(key: KeyObject): Buffer {
  return Buffer.from(key.export({ format: 'der', type: 'spki' })).subarray(SPKI_X25519.length)
}

/** DeriveKeyPair of DHKEM(X25519): the RFC's vectors are given from `ikm`, and so are deterministic tests. */
export function deriveKeyPair(ikm: Buffer): { privateKey: KeyObject; publicKey: KeyObject; raw: Buffer } {
  const prk = labeledExtract(KEM_SUITE, Buffer.alloc(0), 'dkp_prk', ikm)
  const raw = labeledExpand(KEM_SUITE, prk, 'sk', Buffer.alloc(0), 32)
  const privateKey = x25519PrivateKey(raw)
  return { privateKey, publicKey: createPublicKey(privateKey), raw }
}

function sharedSecret(dh: Buffer, enc: Buffer, pkRm: Buffer): Buffer {
  const prk = labeledExtract(KEM_SUITE, Buffer.alloc(0), 'eae_prk', dh)
  return labeledExpand(KEM_SUITE, prk, 'shared_secret', Buffer.concat([enc, pkRm]), 32)
}

export interface Schedule {
  keyScheduleContext: Buffer
  secret: Buffer
  key: Buffer
  baseNonce: Buffer
  exporterSecret: Buffer
}

/** KeySchedule for mode_base (no PSK). Exported so the test can check each intermediate value. */
export function keySchedule(aead: AeadName, shared: Buffer, info: Buffer): Schedule {
  const suite = hpkeSuite(aead)
  const pskIdHash = labeledExtract(suite, Buffer.alloc(0), 'psk_id_hash', Buffer.alloc(0))
  const infoHash = labeledExtract(suite, Buffer.alloc(0), 'info_hash', info)
  const keyScheduleContext = Buffer.concat([Buffer.from([0x00]), pskIdHash, infoHash])
  const secret = labeledExtract(suite, shared, 'secret', Buffer.alloc(0))
  return {
    keyScheduleContext,
    secret,
    key: labeledExpand(suite, secret, 'key', keyScheduleContext, AEAD[aead].nk),
    baseNonce: labeledExpand(suite, secret, 'base_nonce', keyScheduleContext, NN),
    exporterSecret: labeledExpand(suite, secret, 'exp', keyScheduleContext, NH)
  }
}

export interface Sealed {
  /** The encapsulated key: the ephemeral public key, 32 bytes. */
  enc: Buffer
  /** Ciphertext and tag. */
  ct: Buffer
  sharedSecret: Buffer
}

/**
 * SetupBaseS + Seal of one message (sequence number 0, so the nonce is the base nonce). `ephemeral`
 * is for the RFC's vectors only; in use a fresh X25519 key pair is drawn by the caller.
 */
export function seal(
  aead: AeadName,
  recipient: KeyObject,
  info: Buffer,
  aad: Buffer,
  plaintext: Buffer,
  ephemeral: { privateKey: KeyObject; publicKey: KeyObject }
): Sealed {
  const enc = rawPublic(ephemeral.publicKey)
  const dh = diffieHellman({ privateKey: ephemeral.privateKey, publicKey: recipient })
  const shared = sharedSecret(dh, enc, rawPublic(recipient))
  const s = keySchedule(aead, shared, info)
  const c = createCipheriv(aead, s.key, s.baseNonce)
  c.setAAD(aad)
  const ct = Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()])
  return { enc, ct, sharedSecret: shared }
}

/** SetupBaseR + Open of one message; throws when the tag does not verify. */
export function open(aead: AeadName, recipient: KeyObject, enc: Buffer, info: Buffer, aad: Buffer, ct: Buffer): Buffer {
  if (enc.length !== 32 || ct.length < TAG) throw new RangeError('malformed HPKE message')
  const dh = diffieHellman({ privateKey: recipient, publicKey: x25519PublicKey(enc) })
  const shared = sharedSecret(dh, enc, rawPublic(createPublicKey(recipient)))
  const s = keySchedule(aead, shared, info)
  const d = createDecipheriv(aead, s.key, s.baseNonce)
  d.setAAD(aad)
  d.setAuthTag(ct.subarray(ct.length - TAG))
  return Buffer.concat([d.update(ct.subarray(0, ct.length - TAG)), d.final()])
}
