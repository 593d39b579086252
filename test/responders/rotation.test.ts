// GitHub revocation of a token sealed to the responder's key, against the
// GitHub stand-in (a SaaS that cannot run here). Vault rotation runs against a
// real Vault in test/cluster/vault.test.ts and, for a database static role,
// end to end in test/e2e/database-rotation.test.ts; Kubernetes rotation against
// a real kube-apiserver in test/cluster/rotation.test.ts; only its pure
// pod-spec matcher is tested here.

import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import { test } from 'node:test'
import { isLeakwatchError } from '../../pipeline/errors.ts'
import { findingSchema } from '../../pipeline/events.ts'
import { safeParse } from '../../pipeline/schema.ts'
import { createOpener, createSealer, createSealHook } from '../../pipeline/seal.ts'
import { createGithubRevoker } from '../../responders/github.ts'
import { usesSecret } from '../../responders/kubernetes.ts'
import { finding, gen, incidentOf } from './fixtures.ts'
import { startGithub } from './standins.ts'

test('usesSecret sees volumes, projected volumes, env, envFrom, init containers and image pull secrets', () => {
  assert.equal(usesSecret({ containers: [{ name: 'a' }], imagePullSecrets: [{ name: 's' }] }, 's'), true)
  assert.equal(usesSecret({ containers: [{ name: 'a' }], initContainers: [{ name: 'i', envFrom: [{ secretRef: { name: 's' } }] }] }, 's'), true)
  assert.equal(usesSecret({ containers: [{ name: 'a', env: [{ name: 'X', value: 's' }] }] }, 's'), false)
  assert.equal(usesSecret(undefined, 's'), false)
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
