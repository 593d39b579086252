// The sources of known values: Vault (KV v2, token auth) against a real Vault
// (test/harness/vault.ts; Kubernetes auth, which needs a kube-apiserver for
// Vault's TokenReview, is in test/cluster/known-secrets-informer.test.ts), and a file reloaded
// on change. Each test checks the index follows creates, updates and deletes, and that a value
// is found in every way it leaks. The Kubernetes Secrets source is tested
// against the real kube-apiserver in test/cluster/known-secrets-informer.test.ts.

import assert from 'node:assert/strict'
import { mkdtemp, rm, symlink, unlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { previewOf } from '../../../detectors/known-secrets/detector.ts'
import { createKnownSecretIndex } from '../../../detectors/known-secrets/index.ts'
import { createFileSource } from '../../../detectors/known-secrets/source-file.ts'
import { createVaultSource } from '../../../detectors/known-secrets/source-vault.ts'
import { createFingerprinter } from '../../../pipeline/fingerprint.ts'
import type { VaultServer } from '../../harness/vault.ts'
import { getVault, kvMount, kvPut, scopedToken, vaultAdmin } from '../../harness/vault.ts'
import { knownSecretScanner, leaks } from '../../support/known-secrets.ts'
import { captureLog } from '../../support/log-capture.ts'
import { seededGen } from '../../support/seed.ts'
import { waitFor } from '../../support/wait.ts'

const g = seededGen('g')
const fingerprinter = createFingerprinter(g.base62(40))
const ofBytes = (b: Uint8Array): string => fingerprinter.ofBytes?.(b) ?? ''
let dir: string
let vault: VaultServer
const { lines: logLines, logger } = captureLog()

before(async () => {
  ;[dir, vault] = await Promise.all([mkdtemp(join(tmpdir(), 'lw-known-')), getVault()])
})
after(async () => {
  await rm(dir, { recursive: true, force: true })
})

const setup = () => knownSecretScanner(ofBytes)

test('Vault KV v2 (real Vault, token auth): recursive paths, refresh follows updates and deletes, a refused read keeps the index', async () => {
  const admin = vaultAdmin(vault)
  const mount = await kvMount(admin, 'lw-src')
  // The source's token may read this mount and nothing else; the policy is what the test takes away later.
  const policy = `${mount}-read`
  const grant = (caps: string, list: string) =>
    admin.request('PUT', `sys/policies/acl/${policy}`, {
      body: { policy: `path "${mount}/data/*" { capabilities = [${caps}] }\npath "${mount}/metadata/*" { capabilities = [${list}] }` }
    })
  await grant('"read"', '"list"')
  const token = await scopedToken(admin, [policy], '10m')
  const { index, scan } = setup()
  const one = g.password()
  const two = g.base62(32)
  const nested = g.base62(28)
  const ignored = g.base62(30)
  await kvPut(admin, mount, 'app/db', { password: one, port: 5432, user: 'app' })
  await kvPut(admin, mount, 'app/api', { key: two })
  await kvPut(admin, mount, 'team/x/deep', { token: nested })
  await kvPut(admin, mount, 'other/ignored', { token: ignored })
  const skipped: string[] = []
  const source = createVaultSource(
    { address: vault.address, mount, paths: ['app/', 'team/'], auth: { method: 'token', token }, refreshIntervalMs: 60_000, timeoutMs: 5000 },
    { index, logger, onSkip: (r) => skipped.push(r) }
  )
  try {
    source.start()
    assert.equal(await source.synced(10_000), true)
    for (const [how, line] of Object.entries(leaks(one))) {
      const found = scan(line)
      assert.equal(found.length, 1, `${how}: ${line}`)
      assert.deepEqual(found[0]?.origin, { source: 'vault', mount, path: 'app/db', field: 'password' })
      assert.deepEqual(found[0]?.secretRef, { type: 'vault', name: `${mount}/app/db`, key: 'password' })
    }
    assert.equal(scan(two).length, 1)
    assert.equal(scan(nested).length, 1, 'team/ is listed recursively down to team/x/deep')
    assert.equal(scan(ignored).length, 0, 'a path not configured is not read')
    // Vault keeps JSON types: the port is a number (not text), the user too short to index.
    assert.deepEqual(skipped.sort(), ['not-text', 'too-short'])

    // Vault refuses the token (403): the refresh fails and the index keeps what it had.
    await grant('"deny"', '"deny"')
    await source.refresh()
    assert.equal(scan(one).length, 1, 'kept through a failed refresh')
    assert.equal(source.state(), 'unavailable')
    // Allowed again: an update and a delete are followed.
    await grant('"read"', '"list"')
    const changed = g.password()
    await kvPut(admin, mount, 'app/db', { password: changed })
    await admin.request('DELETE', `${mount}/metadata/app/api`)
    await source.refresh()
    assert.equal(source.state(), 'synced')
    assert.equal(scan(changed).length, 1)
    assert.equal(scan(one).length, 0)
    assert.equal(scan(two).length, 0)
    assert.equal(scan(nested).length, 1)
  } finally {
    await source.stop()
    await admin.request('DELETE', `sys/mounts/${mount}`)
    await admin.request('DELETE', `sys/policies/acl/${policy}`)
  }
})

test('Vault: a token Vault does not know leaves the source unavailable; a file and a mounted-Secret directory are reloaded on change', async () => {
  const admin = vaultAdmin(vault)
  const kv = await kvMount(admin, 'lw-src')
  const { index, scan } = setup()
  const v = g.base62(26)
  await kvPut(admin, kv, 'ci/deploy', { token: v })
  const good = createVaultSource(
    { address: vault.address, mount: kv, paths: ['ci/deploy'], auth: { method: 'token', token: vault.token }, refreshIntervalMs: 60_000, timeoutMs: 5000 },
    { index, logger }
  )
  await good.refresh()
  assert.equal(scan(v).length, 1)
  const bad = createVaultSource(
    {
      address: vault.address,
      mount: kv,
      paths: ['ci/deploy'],
      auth: { method: 'token', token: `hvs.${g.base62(24)}` },
      refreshIntervalMs: 60_000,
      timeoutMs: 5000
    },
    { index: createKnownSecretIndex({ fingerprint: ofBytes, preview: previewOf }), logger }
  )
  await bad.refresh()
  assert.equal(bad.state(), 'unavailable')
  assert.ok(
    logLines.some((l) => l.includes('LW_ERR_KNOWN_SECRETS_SOURCE') && l.includes('HTTP 403')),
    'the refusal is logged with its code and status'
  )
  await admin.request('DELETE', `sys/mounts/${kv}`)

  const file = join(dir, 'values.txt')
  const [f1, f2, f3] = [g.password(), g.base62(20), g.base62(22)]
  await writeFile(file, `# known values\n${f1}\r\n\n${f2}\nshort\n`)
  const fs = createFileSource({ path: file, pollIntervalMs: 20 }, { index, logger })
  fs.start()
  try {
    assert.equal(await fs.synced(2000), true)
    assert.deepEqual(scan(`p=${f1}`)[0]?.origin, { source: 'file', name: 'values.txt:2' })
    assert.equal(scan(f2).length, 1)
    await writeFile(file, `${f3}\n${f2}\n`)
    await waitFor(() => scan(f3).length === 1 && scan(f1).length === 0, 'the file to be reloaded')
    assert.equal(scan(f2).length, 1)
  } finally {
    await fs.stop()
  }

  // A Secret mounted as a volume: one file per key, updated by swapping the ..data link.
  const mount = join(dir, 'mounted')
  const [d1, d2] = [g.base62(24), g.base62(24)]
  const { mkdir } = await import('node:fs/promises')
  await mkdir(join(mount, '..v1'), { recursive: true })
  await writeFile(join(mount, '..v1', 'token'), d1)
  await symlink('..v1', join(mount, '..data'))
  await symlink('..data/token', join(mount, 'token'))
  const ds = createFileSource({ path: mount, pollIntervalMs: 20 }, { index, logger })
  ds.start()
  try {
    assert.equal(await ds.synced(2000), true)
    assert.deepEqual(scan(d1)[0]?.origin, { source: 'file', name: 'mounted/token' })
    await mkdir(join(mount, '..v2'))
    await writeFile(join(mount, '..v2', 'token'), d2)
    await symlink('..v2', join(mount, '..data_tmp'))
    const { rename } = await import('node:fs/promises')
    await rename(join(mount, '..data_tmp'), join(mount, '..data'))
    await waitFor(() => scan(d2).length === 1 && scan(d1).length === 0, 'the mounted Secret to be reloaded')
    await unlink(join(mount, 'token'))
    await waitFor(() => scan(d2).length === 0, 'a removed key to be forgotten')
  } finally {
    await ds.stop()
  }
})
