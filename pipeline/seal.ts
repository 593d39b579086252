// Sealing a secret to the responder. GitHub's revocation API takes the token
// itself, so for those rules (and only those) the detector puts the value on
// the finding — encrypted to the responder's public key, so Kafka, Redis, the
// job queue and every other consumer hold ciphertext only and only the
// process with the private key (mounted from a Secret) can open it.
//
//   lwseal2.x25519.<b64url(enc 32 | ciphertext | tag 16)>
//     HPKE (RFC 9180) base mode: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
//     AES-256-GCM, info "leakwatch seal v2" (pipeline/hpke.ts, checked against
//     the RFC's vectors)
//   lwseal1.rsa.<b64url(wrapped-key length 2 | RSA-OAEP-SHA256(content key) | nonce 12 | ciphertext | tag 16)>
//     for RSA keys, which HPKE has no KEM for
//
// The finding's fingerprint is the additional data in both: a sealed value
// copied onto another incident fails to open instead of revoking the wrong
// token. `lwseal1.x25519` (a hand-made HKDF + AES-GCM scheme before HPKE) is
// still opened, so values sealed by a detector of the previous version and
// still in Kafka or Redis during an upgrade are not lost; it is never written.

import type { KeyObject } from 'node:crypto'
import {
  constants,
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  privateDecrypt,
  publicEncrypt,
  randomBytes
} from 'node:crypto'
import { LeakwatchError } from './errors.ts'
import type { Finding } from './events.ts'
import { open as hpkeOpen, seal as hpkeSeal } from './hpke.ts'

const PREFIX = 'lwseal1'
const INFO = 'leakwatch seal v1'
const HPKE_PREFIX = 'lwseal2'
const HPKE_INFO = Buffer.from('leakwatch seal v2')

export interface Sealer {
  seal: (secret: string, fingerprint: string) => string
}
export interface Opener {
  open: (sealed: string, fingerprint: string) => string
}

function rawX25519(key: KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' }) as { x?: string }
  return Buffer.from(jwk.x ?? '', 'base64url')
}

function gcmSeal(key: Buffer, plain: Buffer, aad: string): Buffer {
  const nonce = randomBytes(12)
  const c = createCipheriv('aes-256-gcm', key, nonce)
  c.setAAD(Buffer.from(aad))
  const ct = Buffer.concat([c.update(plain), c.final()])
  return Buffer.concat([nonce, ct, c.getAuthTag()])
}

function gcmOpen(key: Buffer, box: Buffer, aad: string): Buffer {
  const nonce = box.subarray(0, 12)
  const tag = box.subarray(box.length - 16)
  const d = createDecipheriv('aes-256-gcm', key, nonce)
  d.setAAD(Buffer.from(aad))
  d.setAuthTag(tag)
  return Buffer.concat([d.update(box.subarray(12, box.length - 16)), d.final()])
}

function x25519Key(shared: Buffer, eph: Buffer, recipient: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', shared, Buffer.concat([eph, recipient]), INFO, 32))
}

function keyKind(k: KeyObject): 'x25519' | 'rsa' {
  if (k.asymmetricKeyType === 'x25519') return 'x25519'
  if (k.asymmetricKeyType === 'rsa' || k.asymmetricKeyType === 'rsa-pss') {
    if ((k.asymmetricKeyDetails?.modulusLength ?? 0) < 2048)
      throw new LeakwatchError('LW_ERR_CONFIG_INVALID', 'the sealing RSA key must have at least 2048 bits')
    return 'rsa'
  }
  throw new LeakwatchError('LW_ERR_CONFIG_INVALID', `the sealing key must be X25519 or RSA, not ${k.asymmetricKeyType ?? 'unknown'}`)
}

export function createSealer(publicKeyPem: string): Sealer {
  let pub: KeyObject
  try {
    pub = createPublicKey(publicKeyPem)
  } catch (err) {
    throw new LeakwatchError('LW_ERR_CONFIG_INVALID', 'detector.sealPublicKey is not a PEM public key', { cause: err })
  }
  const kind = keyKind(pub)
  return {
    seal(secret, fingerprint) {
      const plain = Buffer.from(secret, 'utf8')
      if (kind === 'x25519') {
        const s = hpkeSeal('aes-256-gcm', pub, HPKE_INFO, Buffer.from(fingerprint), plain, generateKeyPairSync('x25519'))
        return `${HPKE_PREFIX}.x25519.${Buffer.concat([s.enc, s.ct]).toString('base64url')}`
      }
      const cek = randomBytes(32)
      const wrapped = publicEncrypt({ key: pub, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, cek)
      const len = Buffer.alloc(2)
      len.writeUInt16BE(wrapped.length)
      return `${PREFIX}.rsa.${Buffer.concat([len, wrapped, gcmSeal(cek, plain, fingerprint)]).toString('base64url')}`
    }
  }
}

export function createOpener(privateKeyPem: string): Opener {
  let priv: KeyObject
  try {
    priv = createPrivateKey(privateKeyPem)
  } catch (err) {
    throw new LeakwatchError('LW_ERR_CONFIG_INVALID', 'responder.sealPrivateKey is not a PEM private key', { cause: err })
  }
  const kind = keyKind(priv)
  const recipient = kind === 'x25519' ? rawX25519(createPublicKey(priv)) : Buffer.alloc(0)
  return {
    open(sealed, fingerprint) {
      const [prefix, alg, body = ''] = sealed.split('.')
      const hpke = prefix === HPKE_PREFIX && kind === 'x25519'
      if (!(hpke || prefix === PREFIX) || alg !== kind)
        throw new LeakwatchError('LW_ERR_SEALED_INVALID', `sealed value is not ${kind === 'x25519' ? HPKE_PREFIX : PREFIX}.${kind}`)
      const bytes = Buffer.from(body, 'base64url')
      try {
        if (hpke) return hpkeOpen('aes-256-gcm', priv, bytes.subarray(0, 32), HPKE_INFO, Buffer.from(fingerprint), bytes.subarray(32)).toString('utf8')
        if (kind === 'x25519') {
          const eph = bytes.subarray(0, 32)
          const ephKey = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: eph.toString('base64url') }, format: 'jwk' })
          const shared = diffieHellman({ privateKey: priv, publicKey: ephKey })
          return gcmOpen(x25519Key(shared, eph, recipient), bytes.subarray(32), fingerprint).toString('utf8')
        }
        const len = bytes.readUInt16BE(0)
        const cek = privateDecrypt({ key: priv, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, bytes.subarray(2, 2 + len))
        return gcmOpen(cek, bytes.subarray(2 + len), fingerprint).toString('utf8')
      } catch (err) {
        // Wrong key, tampered box or another incident's value: never retried, never logged beyond this.
        throw new LeakwatchError('LW_ERR_SEALED_INVALID', 'sealed value does not open with responder.sealPrivateKey', { cause: err })
      }
    }
  }
}

/**
 * The detector stage's `seal` hook: findings of rules matching `rules` get `sealed`; every finding
 * leaves as a plain copy, without the engine's hidden plaintext (`reveal` mode) attached.
 */
export function createSealHook(publicKeyPem: string, rules: string, reveal: (f: Finding) => string | undefined): (f: Finding) => Finding {
  const sealer = createSealer(publicKeyPem)
  const re = new RegExp(rules)
  return (f) => {
    const copy = { ...f }
    const secret = re.test(f.rule) ? reveal(f) : undefined
    if (secret !== undefined) copy.sealed = sealer.seal(secret, f.fingerprint)
    return copy
  }
}
