// Built-in rotations against the stand-ins: Kubernetes (ExternalSecret
// force-sync, generate-and-patch, rollout restart, with the patch content types
// the API server accepts), Vault (static role, leases, KV v2) and GitHub
// revocation of a token sealed to the responder's key.

import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import { after, before, test } from 'node:test'
import { KubeConfig } from '@kubernetes/client-node'
import { isLeakwatchError } from '../../pipeline/errors.ts'
import { findingSchema } from '../../pipeline/events.ts'
import { safeParse } from '../../pipeline/schema.ts'
import { createOpener, createSealer, createSealHook } from '../../pipeline/seal.ts'
import { createGithubRevoker } from '../../responders/github.ts'
import { createKubernetesRotator, usesSecret } from '../../responders/kubernetes.ts'
import { createVaultRotator } from '../../responders/vault.ts'
import { finding, gen, incidentOf } from './fixtures.ts'
import { startGithub, startKubernetes, startVault } from './standins.ts'

const K8S_TOKEN = gen.base62(40)
let k8s: Awaited<ReturnType<typeof startKubernetes>>

before(async () => {
  k8s = await startKubernetes(K8S_TOKEN)
})
after(async () => {
  await k8s.close()
})

function kubeConfig(): KubeConfig {
  const kc = new KubeConfig()
  kc.loadFromOptions({
    clusters: [{ name: 'test', server: k8s.url, skipTLSVerify: true }],
    users: [{ name: 'leakwatch', token: K8S_TOKEN }],
    contexts: [{ name: 'test', cluster: 'test', user: 'leakwatch' }],
    currentContext: 'test'
  })
  return kc
}

function workload(kind: string, ns: string, name: string, podSpec: Record<string, unknown>) {
  return { apiVersion: 'apps/v1', kind, metadata: { name, namespace: ns }, spec: { template: { metadata: {}, spec: podSpec } } }
}

function knownSecretIncident(ns: string, name: string, key?: string) {
  return incidentOf(gen.password(), { kind: 'known-secret', secretRef: { type: 'kubernetes', namespace: ns, name, ...(key === undefined ? {} : { key }) } })
}

test('a Secret opted in with leakwatch.io/rotate: generate gets a new value, then every workload using it is restarted', async () => {
  const ns = `ns-${gen.hex(6)}`
  const old = gen.password()
  k8s.put('core', 'secrets', {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: 'db',
      namespace: ns,
      annotations: { 'leakwatch.io/rotate': 'generate', 'leakwatch.io/rotate-length': '40', 'leakwatch.io/rotate-charset': 'hex' }
    },
    data: { password: Buffer.from(old).toString('base64'), user: Buffer.from('app').toString('base64') }
  })
  k8s.put(
    'apps',
    'deployments',
    workload('Deployment', ns, 'api', { containers: [{ name: 'app', env: [{ name: 'DB', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }] }] })
  )
  k8s.put('apps', 'deployments', workload('Deployment', ns, 'unrelated', { containers: [{ name: 'app' }] }))
  k8s.put('apps', 'statefulsets', workload('StatefulSet', ns, 'worker', { containers: [{ name: 'w', envFrom: [{ secretRef: { name: 'db' } }] }] }))
  k8s.put(
    'apps',
    'daemonsets',
    workload('DaemonSet', ns, 'agent', { volumes: [{ name: 'v', projected: { sources: [{ secret: { name: 'db' } }] } }], containers: [{ name: 'a' }] })
  )
  const at = new Date('2025-06-01T12:00:00.000Z')
  const r = createKubernetesRotator(kubeConfig(), { restartWorkloads: true, now: () => at })
  const detail = await r.rotate(knownSecretIncident(ns, 'db', 'password'))
  assert.equal(detail, 'generated a new password for Secret db; restarted Deployment/api, StatefulSet/worker, DaemonSet/agent')
  const secret = k8s.get('core', 'secrets', ns, 'db')
  const value = Buffer.from(String(secret?.data?.password), 'base64').toString('utf8')
  assert.match(value, /^[0-9a-f]{40}$/)
  assert.notEqual(value, old)
  assert.equal(Buffer.from(String(secret?.data?.user), 'base64').toString(), 'app', 'other keys are kept')
  assert.equal(secret?.metadata.annotations['leakwatch.io/rotated-at'], at.toISOString())
  for (const [plural, name] of [
    ['deployments', 'api'],
    ['statefulsets', 'worker'],
    ['daemonsets', 'agent']
  ] as const)
    assert.equal(k8s.get('apps', plural, ns, name)?.spec.template.metadata.annotations['kubectl.kubernetes.io/restartedAt'], at.toISOString())
  assert.equal(k8s.get('apps', 'deployments', ns, 'unrelated')?.spec.template.metadata.annotations, undefined)
  const ours = k8s.patches.filter((p) => p.path.includes(`/namespaces/${ns}/`))
  assert.ok(
    ours.every((p) => p.contentType === 'application/strategic-merge-patch+json'),
    'built-in kinds are patched with strategic merge'
  )
  assert.equal(JSON.stringify(ours).includes(old), false)
})

test('a Secret owned by an ExternalSecret is force-synced with a JSON merge patch, and workloads restart after the operator rewrote it', async () => {
  const ns = `ns-${gen.hex(6)}`
  k8s.put('core', 'secrets', {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: 'stripe',
      namespace: ns,
      ownerReferences: [{ apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', name: 'stripe-es', uid: 'u1' }]
    },
    data: { key: Buffer.from(gen.password()).toString('base64') }
  })
  k8s.put('external-secrets.io', 'externalsecrets', {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    metadata: { name: 'stripe-es', namespace: ns },
    spec: { target: { name: 'stripe' } }
  })
  k8s.put(
    'apps',
    'deployments',
    workload('Deployment', ns, 'billing', { volumes: [{ name: 's', secret: { secretName: 'stripe' } }], containers: [{ name: 'b' }] })
  )
  const r = createKubernetesRotator(kubeConfig(), { restartWorkloads: true, syncWaitMs: 5000 })
  const detail = await r.rotate(knownSecretIncident(ns, 'stripe'))
  assert.equal(detail, 'force-synced ExternalSecret stripe-es; restarted Deployment/billing')
  const es = k8s.patches.find((p) => p.path.endsWith(`/namespaces/${ns}/externalsecrets/stripe-es`))
  assert.ok(es !== undefined)
  assert.equal(es.contentType, 'application/merge-patch+json', 'custom resources take merge patch, not strategic merge')
  assert.match(String((es.body as { metadata: { annotations: Record<string, string> } }).metadata.annotations['force-sync']), /^\d+$/)
  assert.ok(k8s.get('core', 'secrets', ns, 'stripe')?.data.synced !== undefined, 'the stand-in operator rewrote the Secret')
})

test('Kubernetes rotation refuses what it cannot rotate, and maps API errors to retriable or not', async () => {
  const ns = `ns-${gen.hex(6)}`
  k8s.put('core', 'secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'plain', namespace: ns }, data: { a: 'YQ==' } })
  const r = createKubernetesRotator(kubeConfig(), { restartWorkloads: true })
  await assert.rejects(
    r.rotate(knownSecretIncident(ns, 'plain')),
    (e: unknown) => isLeakwatchError(e, 'LW_ERR_ACTION_UNSUPPORTED') && /neither owned/.test(e.message)
  )
  await assert.rejects(r.rotate(incidentOf(gen.password())), (e: unknown) => isLeakwatchError(e, 'LW_ERR_ACTION_UNSUPPORTED'))
  await assert.rejects(r.rotate(knownSecretIncident(ns, 'missing')), (e: unknown) => isLeakwatchError(e, 'LW_ERR_KUBERNETES_REJECTED') && !e.retriable)
  const bad = new KubeConfig()
  bad.loadFromOptions({
    clusters: [{ name: 't', server: k8s.url, skipTLSVerify: true }],
    users: [{ name: 'u', token: 'wrong' }],
    contexts: [{ name: 't', cluster: 't', user: 'u' }],
    currentContext: 't'
  })
  await assert.rejects(createKubernetesRotator(bad, { restartWorkloads: false }).rotate(knownSecretIncident(ns, 'plain')), (e: unknown) =>
    isLeakwatchError(e, 'LW_ERR_KUBERNETES_REJECTED')
  )
})

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
