// Against a real Vault (test/harness/vault.ts; VAULT_ADDR and VAULT_TOKEN for an existing one): the Vault
// rotator (KV v2 versions and check-and-set, leases revoked by id and by prefix, static-role refusals).
// The rotation of a static role that succeeds needs a database: test/e2e/database-rotation.test.ts (real
// PostgreSQL). Kubernetes auth, which needs Vault's TokenReview against a kube-apiserver, is in
// test/cluster/known-secrets-informer.test.ts, on the API server that file starts anyway.
// The first run on a machine builds Vault (minutes, see test/harness/servers/README.md; .ci/run does it first).

import assert from 'node:assert/strict'
import { readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { after, before, test } from 'node:test'
import { isLeakwatchError } from '../../pipeline/errors.ts'
import type { VaultClient } from '../../pipeline/vault-client.ts'
import { createVaultClient } from '../../pipeline/vault-client.ts'
import { createVaultRotator } from '../../responders/vault.ts'
import type { VaultServer } from '../harness/vault.ts'
import { getVault, startVault } from '../harness/vault.ts'
import { incidentOf } from '../responders/fixtures.ts'
import { seededGen } from '../support/seed.ts'

const codes = { failed: 'LW_ERR_VAULT_FAILED', rejected: 'LW_ERR_VAULT_REJECTED' } as const
// Unique per run, so a shared VAULT_ADDR Vault never sees two runs collide.
const run = `leakwatch-vault-${Date.now().toString(36)}-${process.pid}`
const gen = seededGen('vault')

let vault: VaultServer
let client: VaultClient

before(async () => {
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
