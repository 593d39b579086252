// RFC 9180 appendix A.1.1: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
// AES-128-GCM, base mode — the specification's published values (facts, not
// code, taken from the RFC). Matching every intermediate value rules out an
// implementation that agrees with itself but derives the wrong key; the
// AES-256-GCM suite leakwatch seals with shares everything but the key length.

import assert from 'node:assert/strict'
import { createCipheriv, diffieHellman, generateKeyPairSync, hkdfSync } from 'node:crypto'
import { test } from 'node:test'
import { isLeakwatchError } from '../../pipeline/errors.ts'
import { deriveKeyPair, keySchedule, open, rawPublic, seal } from '../../pipeline/hpke.ts'
import { createOpener, createSealer } from '../../pipeline/seal.ts'
import { seededGen } from '../support/seed.ts'

const h = (s: string): Buffer => Buffer.from(s, 'hex')
const A11 = {
  info: h('4f6465206f6e2061204772656369616e2055726e'),
  ikmE: h('7268600d403fce431561aef583ee1613527cff655c1343f29812e66706df3234'),
  pkEm: '37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431',
  skEm: '52c4a758a802cd8b936eceea314432798d5baf2d7e9235dc084ab1b9cfa2f736',
  ikmR: h('6db9df30aa07dd42ee5e8181afdb977e538f5e1fec8a06223f33f7013e525037'),
  pkRm: '3948cfe0ad1ddb695d780e59077195da6c56506b027329794ab02bca80815c4d',
  skRm: '4612c550263fc8ad58375df3f557aac531d26850903e55a9f23f21d8534e8ac8',
  sharedSecret: 'fe0e18c9f024ce43799ae393c7e8fe8fce9d218875e8227b0187c04e7d2ea1fc',
  keyScheduleContext: '00725611c9d98c07c03f60095cd32d400d8347d45ed67097bbad50fc56da742d07cb6cffde367bb0565ba28bb02c90744a20f5ef37f30523526106f637abb05449',
  secret: '12fff91991e93b48de37e7daddb52981084bd8aa64289c3788471d9a9712f397',
  key: '4531685d41d65f03dc48f6b8302c05b0',
  baseNonce: '56d890e5accaaf011cff4b7d',
  exporterSecret: '45ff1c2e220db587171952c0592d5f5ebe103f1561a2614e38f2ffd47e99e3f8',
  pt: h('4265617574792069732074727574682c20747275746820626561757479'),
  aad0: h('436f756e742d30'),
  ct0: 'f938558b5d72f1a23810b4be2ab4f84331acc02fc97babc53a52ae8218a355a96d8770ac83d07bea87e13c512a'
}

test('DeriveKeyPair gives the RFC key pairs', () => {
  const e = deriveKeyPair(A11.ikmE)
  assert.equal(e.raw.toString('hex'), A11.skEm)
  assert.equal(rawPublic(e.publicKey).toString('hex'), A11.pkEm)
  const r = deriveKeyPair(A11.ikmR)
  assert.equal(r.raw.toString('hex'), A11.skRm)
  assert.equal(rawPublic(r.publicKey).toString('hex'), A11.pkRm)
})

test('encapsulation, key schedule and the first sealed message match A.1.1; the recipient opens it', () => {
  const e = deriveKeyPair(A11.ikmE)
  const r = deriveKeyPair(A11.ikmR)
  const s = seal('aes-128-gcm', r.publicKey, A11.info, A11.aad0, A11.pt, e)
  assert.equal(s.enc.toString('hex'), A11.pkEm)
  assert.equal(s.sharedSecret.toString('hex'), A11.sharedSecret)
  const k = keySchedule('aes-128-gcm', s.sharedSecret, A11.info)
  assert.equal(k.keyScheduleContext.toString('hex'), A11.keyScheduleContext)
  assert.equal(k.secret.toString('hex'), A11.secret)
  assert.equal(k.key.toString('hex'), A11.key)
  assert.equal(k.baseNonce.toString('hex'), A11.baseNonce)
  assert.equal(k.exporterSecret.toString('hex'), A11.exporterSecret)
  assert.equal(s.ct.toString('hex'), A11.ct0)
  assert.deepEqual(open('aes-128-gcm', r.privateKey, s.enc, A11.info, A11.aad0, s.ct), A11.pt)
})

test('a changed byte of enc, ciphertext, info or aad does not open', () => {
  const e = deriveKeyPair(A11.ikmE)
  const r = deriveKeyPair(A11.ikmR)
  const s = seal('aes-256-gcm', r.publicKey, A11.info, A11.aad0, A11.pt, e)
  assert.deepEqual(open('aes-256-gcm', r.privateKey, s.enc, A11.info, A11.aad0, s.ct), A11.pt)
  const flip = (b: Buffer, i: number): Buffer => {
    const c = Buffer.from(b)
    c[i] = (c[i] ?? 0) ^ 1
    return c
  }
  assert.throws(() => open('aes-256-gcm', r.privateKey, flip(s.enc, 3), A11.info, A11.aad0, s.ct))
  assert.throws(() => open('aes-256-gcm', r.privateKey, s.enc, A11.info, A11.aad0, flip(s.ct, 5)))
  assert.throws(() => open('aes-256-gcm', r.privateKey, s.enc, flip(A11.info, 0), A11.aad0, s.ct))
  assert.throws(() => open('aes-256-gcm', r.privateKey, s.enc, A11.info, flip(A11.aad0, 0), s.ct))
  assert.throws(() => open('aes-128-gcm', r.privateKey, s.enc, A11.info, A11.aad0, s.ct), 'another suite')
})

test('the sealer writes HPKE for X25519 keys, and a value sealed by the previous version (lwseal1.x25519) still opens', () => {
  const keys = generateKeyPairSync('x25519')
  const pub = keys.publicKey.export({ type: 'spki', format: 'pem' }).toString()
  const priv = keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  const gen = seededGen('sealed')
  const secret = gen.githubToken('ghp_')
  const fp = gen.hex(64)
  const v2 = createSealer(pub).seal(secret, fp)
  assert.match(v2, /^lwseal2\.x25519\./)
  assert.equal(createOpener(priv).open(v2, fp), secret)
  // The previous construction, rebuilt here from its description: HKDF-SHA256 over X25519(ephemeral,
  // recipient) with salt ephemeral|recipient and info "leakwatch seal v1", AES-256-GCM, fingerprint as AAD.
  const eph = generateKeyPairSync('x25519')
  const ephRaw = rawPublic(eph.publicKey)
  const shared = diffieHellman({ privateKey: eph.privateKey, publicKey: keys.publicKey })
  const key = Buffer.from(hkdfSync('sha256', shared, Buffer.concat([ephRaw, rawPublic(keys.publicKey)]), 'leakwatch seal v1', 32))
  const nonce = Buffer.alloc(12, 7)
  const c = createCipheriv('aes-256-gcm', key, nonce)
  c.setAAD(Buffer.from(fp))
  const box = Buffer.concat([ephRaw, nonce, c.update(secret), c.final(), c.getAuthTag()])
  assert.equal(createOpener(priv).open(`lwseal1.x25519.${box.toString('base64url')}`, fp), secret)
  assert.throws(
    () => createOpener(priv).open(v2, gen.hex(64)),
    (e: unknown) => isLeakwatchError(e, 'LW_ERR_SEALED_INVALID')
  )
})
