// The sources of known values: Vault (KV v2, token and Kubernetes auth) against
// a stand-in that speaks its wire format, and a file reloaded on change. Each
// test checks the index follows creates, updates and deletes, and that a value
// is found in every way it leaks. The Kubernetes Secrets source is tested
// against the real kube-apiserver in test/cluster/known-secrets-informer.test.ts.

import assert from 'node:assert/strict'
import { mkdtemp, rm, symlink, unlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { after, before, test } from 'node:test'
import { createKnownSecretDetector, previewOf } from '../../../detectors/known-secrets/detector.ts'
import { createKnownSecretIndex } from '../../../detectors/known-secrets/index.ts'
import { createFileSource } from '../../../detectors/known-secrets/source-file.ts'
import { createVaultSource } from '../../../detectors/known-secrets/source-vault.ts'
import type { LogChunk } from '../../../pipeline/events.ts'
import { createFingerprinter } from '../../../pipeline/fingerprint.ts'
import { createLogger } from '../../../pipeline/log.ts'
import { seededGen } from '../../support/seed.ts'
import { waitFor } from '../../support/wait.ts'
import { startVault } from './standins.ts'

const g = seededGen('g')
const fingerprinter = createFingerprinter(g.base62(40))
const ofBytes = (b: Uint8Array): string => fingerprinter.ofBytes?.(b) ?? ''
let dir: string
const logLines: string[] = []
const logger = createLogger({
  level: 'debug',
  destination: new Writable({
    write(c: Buffer, _e, cb) {
      logLines.push(c.toString())
      cb()
    }
  })
})

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lw-known-'))
})
after(async () => {
  await rm(dir, { recursive: true, force: true })
})

function setup() {
  const index = createKnownSecretIndex({ fingerprint: ofBytes, preview: previewOf })
  const detector = createKnownSecretDetector({ index, maxContextChars: 300 })
  const scan = (...lines: string[]) =>
    detector.detect({
      v: '1',
      type: 'log-chunk',
      stream: 'k8s/app/api/api',
      source: { type: 'k8s' },
      startLine: 1,
      offset: { start: 0, end: 0 },
      lines,
      collectedAt: new Date().toISOString()
    } satisfies LogChunk)
  return { index, scan }
}

/** The ways a value leaks that issue 4 names, each as a log line. */
function leaks(value: string): Record<string, string> {
  return {
    raw: `login ok user=app password=${value}`,
    base64: `data: {"password": "${Buffer.from(value).toString('base64')}"}`,
    urlEncoded: `GET /login?user=app&pass=${encodeURIComponent(value)} 200`,
    jsonEscaped: JSON.stringify({ level: 'debug', config: JSON.stringify({ password: value }) }),
    url: `connecting to postgres://app:${encodeURIComponent(value)}@db.prod:5432/app?sslmode=require`
  }
}

test('Vault KV v2: token and Kubernetes auth, recursive paths, refresh follows updates and deletes, failures keep the index', async () => {
  const jwt = g.base62(60)
  const vault = await startVault({ rootToken: `hvs.${g.base62(24)}`, kubernetes: { role: 'leakwatch', jwt } })
  const jwtFile = join(dir, 'sa-token')
  await writeFile(jwtFile, `${jwt}\n`)
  const { index, scan } = setup()
  const one = g.password()
  const two = g.base62(32)
  const nested = g.base62(28)
  vault.put('secret/app/db', { password: one, port: 5432, user: 'app' })
  vault.put('secret/app/api', { key: two })
  vault.put('secret/team/x/deep', { token: nested })
  vault.put('secret/other/ignored', { token: g.base62(30) })
  const skipped: string[] = []
  const source = createVaultSource(
    {
      address: vault.url,
      mount: 'secret',
      paths: ['app/', 'team/'],
      auth: { method: 'kubernetes', role: 'leakwatch', authMount: 'kubernetes', jwtPath: jwtFile },
      refreshIntervalMs: 60_000,
      timeoutMs: 2000
    },
    { index, logger, onSkip: (r) => skipped.push(r) }
  )
  try {
    source.start()
    assert.equal(await source.synced(5000), true)
    for (const [how, line] of Object.entries(leaks(one))) {
      const found = scan(line)
      assert.equal(found.length, 1, `${how}: ${line}`)
      assert.deepEqual(found[0]?.origin, { source: 'vault', mount: 'secret', path: 'app/db', field: 'password' })
      assert.deepEqual(found[0]?.secretRef, { type: 'vault', name: 'secret/app/db', key: 'password' })
    }
    assert.equal(scan(two).length, 1)
    assert.equal(scan(nested).length, 1)
    assert.deepEqual(skipped.sort(), ['not-text', 'too-short'])
    assert.equal(vault.logins(), 1)
    const login = vault.requests.find((r) => r.path === '/v1/auth/kubernetes/login')
    assert.deepEqual(JSON.parse(login?.body ?? '{}'), { role: 'leakwatch', jwt })
    assert.ok(vault.requests.some((r) => r.method === 'GET' && r.query.list === 'true' && r.path === '/v1/secret/metadata/team/x/'))

    // Vault down: the refresh fails and the index keeps what it had.
    const closed = vault.url
    vault.revokeAll()
    await source.refresh()
    assert.equal(scan(one).length, 1, 'kept through a failed refresh')
    assert.equal(source.state(), 'unavailable')
    // Back: the token is renewed by a new login, an update and a delete are followed.
    const changed = g.password()
    vault.put('secret/app/db', { password: changed })
    vault.remove('secret/app/api')
    await source.refresh()
    assert.equal(vault.logins(), 2)
    assert.equal(source.state(), 'synced')
    assert.equal(scan(changed).length, 1)
    assert.equal(scan(one).length, 0)
    assert.equal(scan(two).length, 0)
    assert.ok(closed.startsWith('http://127.0.0.1'))
  } finally {
    await source.stop()
    await vault.close()
  }
})

test('Vault token auth sends the token; a file and a mounted-Secret directory are reloaded on change', async () => {
  const root = `hvs.${g.base62(24)}`
  const vault = await startVault({ rootToken: root })
  const { index, scan } = setup()
  const v = g.base62(26)
  vault.put('kv/ci/deploy', { token: v })
  const vs = createVaultSource(
    { address: vault.url, mount: 'kv', paths: ['ci/deploy'], auth: { method: 'token', token: root }, refreshIntervalMs: 60_000, timeoutMs: 2000 },
    { index, logger }
  )
  await vs.refresh()
  assert.equal(scan(v).length, 1)
  assert.ok(vault.requests.every((r) => r.headers['x-vault-token'] === root))
  await vault.close()

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
