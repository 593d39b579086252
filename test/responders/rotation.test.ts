// Built-in rotations against the stand-ins: Vault (static role, leases, KV v2)
// and GitHub revocation of a token sealed to the responder's key. Kubernetes
// rotation runs against a real kube-apiserver in test/cluster/rotation.test.ts;
// only its pure pod-spec matcher is tested here.

import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import { test } from 'node:test'
import { isLeakwatchError } from '../../pipeline/errors.ts'
import { findingSchema } from '../../pipeline/events.ts'
import { safeParse } from '../../pipeline/schema.ts'
import { createOpener, createSealer, createSealHook } from '../../pipeline/seal.ts'
import { createGithubRevoker } from '../../responders/github.ts'
import { usesSecret } from '../../responders/kubernetes.ts'
import { createVaultRotator } from '../../responders/vault.ts'
import { finding, gen, incidentOf } from './fixtures.ts'
import { startGithub, startVault } from './standins.ts'

test('usesSecret sees volumes, projected volumes, env, envFrom, init containers and image pull secrets', () => {
  assert.equal(usesSecret({ containers: [{ name: 'a' }], imagePullSecrets: [{ name: 's' }] }, 's'), true)
  assert.equal(usesSecret({ containers: [{ name: 'a' }], initContainers: [{ name: 'i', envFrom: [{ secretRef: { name: 's' } }] }] }, 's'), true)
  assert.equal(usesSecret({ containers: [{ name: 'a', env: [{ name: 'X', value: 's' }] }] }, 's'), false)
  assert.equal(usesSecret(undefined, 's'), false)
})

test('Vault: rotate a static role, revoke a lease or a prefix, write a new KV v2 version keeping other keys', async () => {
  const token = gen.base62(26)
  const vault = await startVault(token)
  try {
    const v = createVaultRotator({ address: vault.url, token, timeoutMs: 2000 })
    const inc = incidentOf(gen.password())
    assert.equal(await v.run({ type: 'vault-rotate-role', mount: 'database', role: 'payments' }, inc), 'rotated static role database/payments')
    await assert.rejects(
      v.run({ type: 'vault-rotate-role', mount: 'database', role: 'unknown' }, inc),
      (e: unknown) => isLeakwatchError(e, 'LW_ERR_VAULT_REJECTED') && /no static role/.test(e.message)
    )
    const leased = incidentOf(gen.password(), { secretRef: { type: 'vault', leaseId: 'database/creds/ro/abc123' } })
    assert.equal(await v.run({ type: 'vault-revoke-lease' }, leased), 'revoked lease database/creds/ro/abc123')
    assert.equal(await v.run({ type: 'vault-revoke-lease', leasePrefix: 'database/creds/ro' }, inc), 'revoked every lease under database/creds/ro')
    vault.kv.set('secret/payments/api', { version: 3, data: { user: 'app', password: 'leaked' } })
    assert.equal(
      await v.run({ type: 'vault-kv-generate', mount: 'secret', path: 'payments/api', key: 'password', lengthChars: 24 }, inc),
      'wrote version 4 of secret/payments/api with a new password'
    )
    const now = vault.kv.get('secret/payments/api')
    assert.equal(now?.data.user, 'app')
    assert.match(String(now?.data.password), /^[A-Za-z0-9]{24}$/)
    assert.deepEqual(
      vault.calls.filter((c) => c.method === 'POST' && c.path === 'secret/data/payments/api').map((c) => (c.body as { options: unknown }).options),
      [{ cas: 3 }]
    )
    // A known-secret incident names the value as the known-secrets detector does (`<mount>/<path>`, field as key).
    const known = incidentOf(gen.password(), { kind: 'known-secret', secretRef: { type: 'vault', name: 'secret/payments/api', key: 'password' } })
    assert.equal(await v.run({ type: 'vault-kv-generate', mount: 'secret' }, known), 'wrote version 5 of secret/payments/api with a new password')
    await assert.rejects(
      createVaultRotator({ address: vault.url, token: 'nope', timeoutMs: 2000 }).run({ type: 'vault-rotate-role', mount: 'database', role: 'x' }, inc),
      (e: unknown) => isLeakwatchError(e, 'LW_ERR_VAULT_REJECTED')
    )
    await assert.rejects(v.run({ type: 'vault-rotate-role' }, inc), (e: unknown) => isLeakwatchError(e, 'LW_ERR_ACTION_UNSUPPORTED'))
  } finally {
    await vault.close()
  }
})

for (const kind of ['x25519', 'rsa'] as const) {
  test(`a GitHub token sealed by the detector (${kind}) is opened only by the responder and revoked through the credentials API`, async () => {
    const keys =
      kind === 'x25519'
        ? generateKeyPairSync('x25519', { publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } })
        : generateKeyPairSync('rsa', {
            modulusLength: 2048,
            publicKeyEncoding: { type: 'spki', format: 'pem' },
            privateKeyEncoding: { type: 'pkcs8', format: 'pem' }
          })
    const token = gen.githubToken('ghp_')
    const f = finding(token, 'ci/github/acme/api/build', 4, new Date().toISOString())
    // The detector side: the engine's plaintext goes through the hook and out sealed; other rules are untouched.
    const hook = createSealHook(keys.publicKey, '^github-', (x) => (x === f ? token : undefined))
    const sealed = hook(f)
    // X25519 keys seal with HPKE (lwseal2); RSA keys, which HPKE has no KEM for, with RSA-OAEP (lwseal1).
    assert.ok(sealed.sealed?.startsWith(`${kind === 'x25519' ? 'lwseal2' : 'lwseal1'}.${kind}.`))
    assert.equal(JSON.stringify(sealed).includes(token), false)
    assert.equal(safeParse(findingSchema, sealed).ok, true)
    assert.equal(safeParse(findingSchema, { ...f, sealed: token }).ok, false, 'a plaintext value is refused at the bus boundary')
    assert.equal(hook({ ...f, rule: 'aws-access-key' }).sealed, undefined)

    const github = await startGithub()
    try {
      const store = new Map([[f.fingerprint, sealed.sealed as string]])
      const revoker = createGithubRevoker(
        { apiUrl: github.url, timeoutMs: 2000 },
        { opener: createOpener(keys.privateKey), sealed: async (fp) => store.get(fp) }
      )
      const inc = incidentOf(token)
      assert.match(await revoker.revoke(inc), /GitHub accepted revocation of ghp_\*+.. \(HTTP 202\)/)
      assert.deepEqual(github.revoked, [token])
      // The sealed value is bound to its fingerprint: moved onto another incident, it does not open.
      store.set(incidentOf(gen.githubToken('ghp_')).fingerprint, sealed.sealed as string)
      const other = incidentOf(gen.githubToken('ghp_'))
      store.set(other.fingerprint, sealed.sealed as string)
      await assert.rejects(revoker.revoke(other), (e: unknown) => isLeakwatchError(e, 'LW_ERR_SEALED_INVALID') && !e.message.includes(token))
      const wrongKey = generateKeyPairSync('x25519', {
        privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
        publicKeyEncoding: { type: 'spki', format: 'pem' }
      })
      await assert.rejects(
        createGithubRevoker({ apiUrl: github.url, timeoutMs: 2000 }, { opener: createOpener(wrongKey.privateKey), sealed: async () => sealed.sealed }).revoke(
          inc
        ),
        (e: unknown) => isLeakwatchError(e, 'LW_ERR_SEALED_INVALID')
      )
      assert.equal(github.revoked.length, 1)
    } finally {
      await github.close()
    }
  })
}

test('sealing refuses keys that are neither X25519 nor RSA of 2048+ bits', () => {
  const ec = generateKeyPairSync('ec', {
    namedCurve: 'P-256',
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' }
  })
  assert.throws(
    () => createSealer(ec.publicKey),
    (e: unknown) => isLeakwatchError(e, 'LW_ERR_CONFIG_INVALID')
  )
  assert.throws(
    () => createSealer('not a key'),
    (e: unknown) => isLeakwatchError(e, 'LW_ERR_CONFIG_INVALID')
  )
})
