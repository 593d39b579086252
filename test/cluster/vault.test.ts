// Against a real Vault (test/harness/vault.ts; VAULT_ADDR and VAULT_TOKEN for an existing one): the Vault
// rotator (KV v2 versions and check-and-set, leases revoked by id and by prefix, static-role errors) and
// Kubernetes auth — the Vault client's login, re-login and the known-secrets Vault source — with Vault's
// TokenReview against the real kube-apiserver (test/harness/kube.ts), started alongside Vault. The rotation
// of a static role that succeeds needs a database: test/e2e/database-rotation.test.ts (real PostgreSQL).
// The first run on a machine builds Vault (minutes, see test/harness/servers/README.md; .ci/run does it first).

import assert from 'node:assert/strict'
import { readdirSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { CoreV1Api } from '@kubernetes/client-node'
import { previewOf } from '../../detectors/known-secrets/detector.ts'
import { createKnownSecretIndex } from '../../detectors/known-secrets/index.ts'
import { createVaultSource } from '../../detectors/known-secrets/source-vault.ts'
import { isLeakwatchError } from '../../pipeline/errors.ts'
import { createFingerprinter } from '../../pipeline/fingerprint.ts'
import { createLogger } from '../../pipeline/log.ts'
import type { VaultClient } from '../../pipeline/vault-client.ts'
import { createVaultClient } from '../../pipeline/vault-client.ts'
import { createVaultRotator } from '../../responders/vault.ts'
import type { KubeCluster } from '../harness/kube.ts'
import { getKube } from '../harness/kube.ts'
import type { VaultServer } from '../harness/vault.ts'
import { getVault, kvMount, kvPut, startVault } from '../harness/vault.ts'
import { incidentOf } from '../responders/fixtures.ts'
import { seededGen } from '../support/seed.ts'
import { adminConfig } from './rotation-setup.ts'

const codes = { failed: 'LW_ERR_VAULT_FAILED', rejected: 'LW_ERR_VAULT_REJECTED' } as const
// Unique per run, so a shared VAULT_ADDR Vault never sees two runs collide.
const run = `leakwatch-vault-${Date.now().toString(36)}-${process.pid}`
const gen = seededGen('vault')

let vault: VaultServer
let client: VaultClient
// Only the Kubernetes auth test needs the API server: it starts now and comes up while the other tests run.
let kube: Promise<KubeCluster>

before(async () => {
  kube = getKube()
  kube.catch(() => {}) // awaited (and reported) by the test that needs it
  vault = await getVault()
  client = createVaultClient({ address: vault.address, auth: { method: 'token', token: vault.token }, timeoutMs: 5000, codes })
  // Its own KV v2 mount rather than the dev server's secret/: works the same on a VAULT_ADDR Vault.
  await client.request('POST', `sys/mounts/${run}`, { body: { type: 'kv', options: { version: '2' } } })
})

after(async () => {
  if (vault?.external) await client.request('DELETE', `sys/mounts/${run}`)
  await vault?.stop()
})

async function readKv(path: string): Promise<{ data: Record<string, string>; version: number }> {
  const got = (await client.request('GET', `${run}/data/${path}`)).json as { data: { data: Record<string, string>; metadata: { version: number } } }
  return { data: got.data.data, version: got.data.metadata.version }
}

test('the started server is the Vault version it was built from', { skip: process.env.VAULT_ADDR ? 'VAULT_ADDR Vault' : false }, async () => {
  const status = (await client.request('GET', 'sys/seal-status')).json
  assert.equal(status.version, '1.21.4')
  assert.equal(status.sealed, false)
})

test('KV v2: writes make versions, the rotator writes a new one keeping the other keys, a stale check-and-set is refused', async () => {
  const leaked = gen.password()
  await client.request('POST', `${run}/data/payments/api`, { body: { data: { user: 'app', password: leaked } } })
  await client.request('POST', `${run}/data/payments/api`, { body: { options: { cas: 1 }, data: { user: 'app', password: leaked } } })
  assert.deepEqual(await readKv('payments/api'), { data: { user: 'app', password: leaked }, version: 2 })

  const rotator = createVaultRotator({ address: vault.address, token: vault.token, timeoutMs: 5000 })
  const inc = incidentOf(leaked)
  assert.equal(
    await rotator.run({ type: 'vault-kv-generate', mount: run, path: 'payments/api', key: 'password', lengthChars: 24 }, inc),
    `wrote version 3 of ${run}/payments/api with a new password`
  )
  const now = await readKv('payments/api')
  assert.equal(now.version, 3)
  assert.equal(now.data.user, 'app')
  assert.match(now.data.password ?? '', /^[A-Za-z0-9]{24}$/)
  // The old value is still readable as version 2: rotation in KV means a new version, not erasure.
  const v2 = (await client.request('GET', `${run}/data/payments/api?version=2`)).json as { data: { data: Record<string, string> } }
  assert.equal(v2.data.data.password, leaked)

  // A writer that read version 2 (before the rotation) loses: Vault's check-and-set, which the rotator relies on.
  await assert.rejects(
    client.request('POST', `${run}/data/payments/api`, { body: { options: { cas: 2 }, data: { password: leaked } } }),
    (e: unknown) => isLeakwatchError(e, 'LW_ERR_VAULT_REJECTED') && e.details?.status === 400 && /check-and-set/.test(e.message)
  )

  // A known-secret incident names the value as the known-secrets detector does (`<mount>/<path>`, field as key).
  const known = incidentOf(gen.password(), { kind: 'known-secret', secretRef: { type: 'vault', name: `${run}/payments/api`, key: 'password' } })
  assert.equal(await rotator.run({ type: 'vault-kv-generate', mount: run }, known), `wrote version 4 of ${run}/payments/api with a new password`)
  // A path that does not exist yet is created at version 1 (check-and-set 0).
  assert.equal(
    await rotator.run({ type: 'vault-kv-generate', mount: run, path: 'payments/new', key: 'token' }, inc),
    `wrote version 1 of ${run}/payments/new with a new token`
  )
})

test('leases: the rotator revokes one by id and the rest by prefix; a revoked token is refused', async () => {
  // Token leases: every token made through a token role is a lease under auth/token/create/<role>/,
  // a prefix of this run's own, so revoking it touches nothing else on a shared Vault.
  await client.request('POST', `auth/token/roles/${run}`, { body: { allowed_policies: ['default'], token_explicit_max_ttl: '1h' } })
  const tokens: string[] = []
  for (let i = 0; i < 3; i++) {
    const created = (await client.request('POST', `auth/token/create/${run}`, { body: { policies: ['default'], ttl: '30m' } })).json as {
      auth: { client_token: string; lease_duration: number }
    }
    assert.ok(created.auth.lease_duration > 0)
    tokens.push(created.auth.client_token)
  }
  const prefix = `auth/token/create/${run}`
  const leases = async (): Promise<string[]> =>
    (
      ((await client.request('GET', `sys/leases/lookup/${prefix}/?list=true`, { accept: [404] })).json as { data?: { keys?: string[] } }).data?.keys ?? []
    ).sort()
  const ids = await leases()
  assert.equal(ids.length, 3)
  const alive = async (token: string): Promise<boolean> => {
    const as = createVaultClient({ address: vault.address, auth: { method: 'token', token }, timeoutMs: 5000, codes })
    const r = await as.request('GET', 'auth/token/lookup-self', { accept: [403] })
    return r.status === 200
  }
  assert.deepEqual(await Promise.all(tokens.map(alive)), [true, true, true])

  const rotator = createVaultRotator({ address: vault.address, token: vault.token, timeoutMs: 5000 })
  const first = `${prefix}/${ids[0]}`
  const leased = incidentOf(gen.password(), { secretRef: { type: 'vault', leaseId: first } })
  assert.equal(await rotator.run({ type: 'vault-revoke-lease' }, leased), `revoked lease ${first}`)
  assert.deepEqual(await leases(), ids.slice(1))
  assert.equal((await Promise.all(tokens.map(alive))).filter(Boolean).length, 2)

  assert.equal(await rotator.run({ type: 'vault-revoke-lease', leasePrefix: prefix }, incidentOf(gen.password())), `revoked every lease under ${prefix}`)
  assert.deepEqual(await leases(), [])
  assert.deepEqual(await Promise.all(tokens.map(alive)), [false, false, false])
})

test('a Vault that exits at start fails with the tail of its log, and leaves no files', {
  skip: process.env.VAULT_ADDR ? 'VAULT_ADDR Vault' : false
}, async () => {
  const leftovers = (): string[] => readdirSync(tmpdir()).filter((f) => f.startsWith('leakwatch-vault-'))
  const existing = new Set(leftovers())
  await assert.rejects(startVault({ args: ['-no-such-flag'] }), (err: Error) => {
    assert.match(err.message, /vault did not start: process exited with code 1/)
    assert.match(err.message, /--- tail of .*vault\.log ---\n[\s\S]*no-such-flag/)
    return true
  })
  assert.deepEqual(
    leftovers().filter((f) => !existing.has(f)),
    []
  )
})

test('static roles: the rotator names Vault’s refusal of an unknown role (400, final), of an unknown token (403), and needs mount and role', async () => {
  const mount = `${run}-db`
  await client.request('POST', `sys/mounts/${mount}`, { body: { type: 'database' } })
  const rotator = createVaultRotator({ address: vault.address, token: vault.token, timeoutMs: 5000 })
  const inc = incidentOf(gen.password())
  await assert.rejects(
    rotator.run({ type: 'vault-rotate-role', mount, role: 'unknown' }, inc),
    (e: unknown) =>
      isLeakwatchError(e, 'LW_ERR_VAULT_REJECTED') &&
      !e.retriable &&
      e.details?.status === 400 &&
      /rotate-role\/unknown: HTTP 400 \(no static role/.test(e.message)
  )
  await assert.rejects(
    createVaultRotator({ address: vault.address, token: `hvs.${gen.base62(24)}`, timeoutMs: 5000 }).run({ type: 'vault-rotate-role', mount, role: 'x' }, inc),
    (e: unknown) => isLeakwatchError(e, 'LW_ERR_VAULT_REJECTED') && e.details?.status === 403 && /permission denied/.test(e.message)
  )
  await assert.rejects(rotator.run({ type: 'vault-rotate-role', mount }, inc), (e: unknown) => isLeakwatchError(e, 'LW_ERR_ACTION_UNSUPPORTED'))
  if (vault.external) await client.request('DELETE', `sys/mounts/${mount}`)
})

test('Kubernetes auth: Vault checks the pod’s service-account token with the real API server; one login reused, again at two thirds of the lease and after a revoke; the known-secrets source logs in the same way', {
  skip: process.env.KUBECONFIG ? 'KUBECONFIG cluster: the harness knows no token and CA to give Vault for its TokenReview' : false
}, async () => {
  const k = await kube
  const admin = adminConfig(k)
  const core = admin.makeApiClient(CoreV1Api)
  const ns = `lw-vault-${gen.hex(6)}`
  await core.createNamespace({ body: { metadata: { name: ns } } })
  await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'leakwatch' } } })
  await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'other' } } })
  const saToken = async (name: string): Promise<string> => {
    const { status } = await core.createNamespacedServiceAccountToken({ namespace: ns, name, body: { spec: { audiences: [], expirationSeconds: 3600 } } })
    return status?.token ?? ''
  }
  const [jwt, otherJwt] = await Promise.all([saToken('leakwatch'), saToken('other')])

  const authMount = `${run}-k8s`
  const kv = await kvMount(client, `${run}-kv`)
  await client.request('POST', `sys/auth/${authMount}`, { body: { type: 'kubernetes' } })
  await client.request('POST', `auth/${authMount}/config`, {
    body: {
      kubernetes_host: k.server,
      kubernetes_ca_cert: Buffer.from(k.caData, 'base64').toString('utf8'),
      // The admin token may create TokenReviews; Vault is not in a pod, so it has no token of its own to use.
      token_reviewer_jwt: k.token,
      disable_local_ca_jwt: true
    }
  })
  await client.request('PUT', `sys/policies/acl/${kv}-read`, {
    body: { policy: `path "${kv}/data/*" { capabilities = ["read"] }\npath "${kv}/metadata/*" { capabilities = ["list"] }` }
  })
  await client.request('POST', `auth/${authMount}/role/leakwatch`, {
    body: { bound_service_account_names: ['leakwatch'], bound_service_account_namespaces: [ns], policies: [`${kv}-read`], token_ttl: 3600 }
  })
  const value = gen.password()
  await kvPut(client, kv, 'app/db', { password: value })

  // Each login reads the JWT file once: the reads count the logins.
  let now = 1_000_000
  let reads = 0
  const auth = { method: 'kubernetes', role: 'leakwatch', authMount, jwtPath: '/var/run/secrets/kubernetes.io/serviceaccount/token' } as const
  const deps = {
    now: () => now,
    readFile: async (p: string) => {
      assert.equal(p, auth.jwtPath)
      reads++
      return `${jwt}\n`
    }
  }
  const c = createVaultClient({ address: vault.address, auth, timeoutMs: 5000, codes }, deps)
  const read = async (): Promise<string> => ((await c.request('GET', `${kv}/data/app/db`)).json as { data: { data: { password: string } } }).data.data.password
  assert.equal(await read(), value)
  assert.equal(await read(), value)
  assert.equal(reads, 1, 'one login for both requests')
  // The lease is the role's 3600 s: past 2400 s the client logs in again before the request.
  now += 2_401_000
  await read()
  assert.equal(reads, 2)
  // Every token of this auth mount revoked: the next request is refused once, the one after logs in again.
  await client.request('PUT', `sys/leases/revoke-prefix/auth/${authMount}/login`)
  await assert.rejects(read(), (e: unknown) => isLeakwatchError(e, 'LW_ERR_VAULT_REJECTED') && e.details?.status === 403)
  assert.equal(await read(), value)
  assert.equal(reads, 3)

  // Vault's own verdicts: a service account the role is not bound to, and a role that does not exist.
  const other = createVaultClient({ address: vault.address, auth, timeoutMs: 5000, codes }, { readFile: async () => otherJwt })
  await assert.rejects(
    other.request('GET', `${kv}/data/app/db`),
    (e: unknown) =>
      isLeakwatchError(e, 'LW_ERR_VAULT_REJECTED') &&
      e.details?.status === 403 &&
      new RegExp(`auth/${authMount}/login: HTTP 403`).test(e.message) &&
      !e.message.includes(otherJwt)
  )
  const noRole = createVaultClient({ address: vault.address, auth: { ...auth, role: 'nope' }, timeoutMs: 5000, codes }, deps)
  await assert.rejects(
    noRole.request('GET', `${kv}/data/app/db`),
    (e: unknown) => isLeakwatchError(e, 'LW_ERR_VAULT_REJECTED') && /login: HTTP 400 \(invalid role name/.test(e.message) && !e.message.includes(jwt)
  )

  // The known-secrets source, configured as a pod would be: the JWT from its file.
  const dir = await mkdtemp(join(tmpdir(), 'lw-vault-k8s-'))
  try {
    const jwtPath = join(dir, 'token')
    await writeFile(jwtPath, `${jwt}\n`)
    const fingerprinter = createFingerprinter(gen.base62(40))
    const index = createKnownSecretIndex({ fingerprint: (b) => fingerprinter.ofBytes?.(b) ?? '', preview: previewOf })
    const source = createVaultSource(
      { address: vault.address, mount: kv, paths: ['app/'], auth: { ...auth, jwtPath }, refreshIntervalMs: 60_000, timeoutMs: 5000 },
      { index, logger: createLogger({ level: 'silent' }) }
    )
    await source.refresh()
    assert.equal(source.state(), 'synced')
    assert.equal(index.stats().values, 1)
    await client.request('PUT', `sys/leases/revoke-prefix/auth/${authMount}/login`)
    // Refused once (the index is kept), then a new login.
    await source.refresh()
    assert.equal(source.state(), 'unavailable')
    assert.equal(index.stats().values, 1)
    await source.refresh()
    assert.equal(source.state(), 'synced')
    await source.stop()
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
  if (k.external) await core.deleteNamespace({ name: ns })
  if (vault.external) {
    await client.request('DELETE', `sys/auth/${authMount}`)
    await client.request('DELETE', `sys/mounts/${kv}`)
  }
})
