// The sources of known values against stand-ins that speak the real wire
// formats: a Kubernetes API server (list + chunked watch, bookmarks, 410
// Gone) and Vault (KV v2, token and Kubernetes auth); and a file reloaded on
// change. Each test checks the index follows creates, updates and deletes,
// and that a value is found in every way it leaks.

import assert from 'node:assert/strict'
import { mkdtemp, rm, symlink, unlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { after, before, test } from 'node:test'
import { KubeConfig } from '@kubernetes/client-node'
import { createKnownSecretDetector, previewOf } from '../../../detectors/known-secrets/detector.ts'
import { createKnownSecretIndex } from '../../../detectors/known-secrets/index.ts'
import { createFileSource } from '../../../detectors/known-secrets/source-file.ts'
import { createKubernetesSource } from '../../../detectors/known-secrets/source-kubernetes.ts'
import { createVaultSource } from '../../../detectors/known-secrets/source-vault.ts'
import type { LogChunk } from '../../../pipeline/events.ts'
import { createFingerprinter } from '../../../pipeline/fingerprint.ts'
import { createLogger } from '../../../pipeline/log.ts'
import { seededGen } from '../../support/seed.ts'
import { waitFor } from '../../support/wait.ts'
import { startKubeApi, startVault } from './standins.ts'

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

function kubeConfig(server: string, token: string): KubeConfig {
  const kc = new KubeConfig()
  kc.loadFromOptions({
    clusters: [{ name: 'standin', server, skipTLSVerify: true }],
    users: [{ name: 'leakwatch', token }],
    contexts: [{ name: 'standin', cluster: 'standin', user: 'leakwatch' }],
    currentContext: 'standin'
  })
  return kc
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

test('Kubernetes Secrets: listed, watched, updated and deleted in the index within seconds; exclusions honoured', async () => {
  const token = g.base62(32)
  const api = await startKubeApi({ token })
  const { index, scan } = setup()
  const skipped: string[] = []
  const states: string[] = []
  const pw = `${g.password()}"\\`
  const pem = `-----BEGIN PRIVATE KEY-----\n${g.pemBody(48)}\n${g.pemBody(48)}\n-----END PRIVATE KEY-----\n`
  const hidden = { helm: g.base62(24), label: g.base62(24), ns: g.base62(24), crt: g.pemBody(48) }
  api.upsert('prod', 'db', { password: `${pw}\n`, username: 'app', host: 'db.prod.svc.cluster.local' })
  api.upsert('prod', 'tls', { 'tls.key': pem, 'tls.crt': hidden.crt }, { type: 'kubernetes.io/tls' })
  api.upsert('prod', 'release', { release: hidden.helm }, { type: 'helm.sh/release.v1' })
  api.upsert('prod', 'ignored', { token: hidden.label }, { labels: { 'leakwatch.io/ignore': 'true' } })
  api.upsert('kube-system', 'boot', { token: hidden.ns })
  for (let i = 0; i < 7; i++) api.upsert('bulk', `s${i}`, { value: g.base62(20) })
  const source = createKubernetesSource(
    {
      namespaces: [],
      excludeNamespaces: ['kube-system'],
      excludeLabels: ['leakwatch.io/ignore'],
      excludeTypes: ['helm.sh/release.v1'],
      excludeKeys: ['ca.crt', 'tls.crt', 'namespace'],
      maxRetryDelayMs: 500,
      pageSize: 4
    },
    { kubeConfig: kubeConfig(api.url, token), index, logger, onSkip: (r) => skipped.push(r), onState: (s) => states.push(s) }
  )
  try {
    source.start()
    assert.equal(await source.synced(5000), true)
    assert.equal(states.at(-1), 'synced')
    // The password leaked every way issue 4 lists, and a line of the PEM key inside a JSON string.
    for (const [how, line] of Object.entries(leaks(pw))) {
      const found = scan(line)
      assert.equal(found.length, 1, `${how}: ${line}`)
      assert.deepEqual(found[0]?.origin, { source: 'kubernetes', namespace: 'prod', name: 'db', key: 'password' })
      assert.equal(found[0]?.fingerprint, fingerprinter.of(pw))
    }
    assert.equal(scan(JSON.stringify({ msg: 'loaded key', key: pem })).length >= 1, true, 'a PEM key split across a JSON string')
    assert.equal(scan(JSON.stringify({ msg: 'loaded key', key: pem }))[0]?.origin?.name, 'tls')
    for (const [what, v] of Object.entries(hidden)) assert.equal(scan(`x ${v} y`).length, 0, `${what} is excluded`)
    assert.deepEqual(skipped.sort(), ['excluded-key', 'hostname', 'too-short'])
    assert.equal(index.keys('kubernetes/bulk/').length, 7, 'every page of the list was read')

    // Create, update, delete: followed through the watch.
    const next = g.password()
    const created = g.base62(30)
    api.upsert('app', 'api', { apiKey: created })
    await waitFor(() => scan(created).length === 1, 'a created Secret to be indexed')
    api.upsert('prod', 'db', { password: next })
    await waitFor(() => scan(next).length === 1 && scan(pw).length === 0, 'an updated value to replace the old one')
    api.remove('prod', 'db')
    await waitFor(() => scan(next).length === 0, "a deleted Secret's value to be forgotten")
    assert.equal(scan(...Object.values(leaks(next))).length, 0)

    // Every watch asked for bookmarks and resumed from a resourceVersion, with the exclusions as selectors.
    const watches = api.requests.filter((r) => r.query.watch !== undefined)
    assert.ok(watches.length >= 1)
    for (const w of watches) {
      assert.equal(w.query.allowWatchBookmarks, 'true')
      assert.match(w.query.resourceVersion ?? '', /^\d+$/)
      assert.equal(w.query.fieldSelector, 'type!=helm.sh/release.v1')
      assert.equal(w.query.labelSelector, '!leakwatch.io/ignore')
    }
    assert.ok(api.requests.some((r) => r.query.watch === undefined && r.query.limit === '4' && r.query.continue !== undefined))
  } finally {
    await source.stop()
    await api.close()
  }
})

test('Kubernetes Secrets: 410 Gone (as a watch ERROR event and as HTTP 410) forces a relist that catches up; errors back off and recover', async () => {
  const token = g.base62(32)
  const api = await startKubeApi({ token })
  const { index, scan } = setup()
  const a = g.base62(24)
  const b = g.base62(24)
  api.upsert('app', 'a', { v: a })
  api.upsert('app', 'b', { v: b })
  const source = createKubernetesSource(
    { namespaces: ['app'], excludeNamespaces: [], excludeLabels: [], excludeTypes: [], excludeKeys: [], maxRetryDelayMs: 300 },
    { kubeConfig: kubeConfig(api.url, token), index, logger }
  )
  try {
    source.start()
    assert.equal(await source.synced(5000), true)
    await waitFor(() => api.watchers().length === 1, 'the watch to open')
    for (const as of ['event', 'http'] as const) {
      // Changes made while the watch is down and history compacted: only a relist can see them.
      const lists = api.requests.filter((r) => r.query.watch === undefined).length
      api.cutWatches()
      const c = g.base62(24)
      api.upsert('app', `c-${as}`, { v: c })
      api.remove('app', as === 'event' ? 'a' : 'b')
      api.compact(as)
      await waitFor(() => scan(c).length === 1, `a relist after 410 (${as})`, 10_000)
      await waitFor(() => scan(as === 'event' ? a : b).length === 0, `a Secret deleted during the outage to be forgotten (${as})`, 10_000)
      assert.ok(api.requests.filter((r) => r.query.watch === undefined).length > lists, 'relisted')
      assert.ok(
        api.requests.every((r) => r.path.startsWith('/api/v1/namespaces/app/')),
        'only the selected namespace'
      )
      await waitFor(() => api.watchers().length === 1, 'the watch to reopen')
    }
    // The API server failing for a while: the source retries with backoff and keeps its index meanwhile.
    const d = g.base62(24)
    api.failNext(3, 503)
    api.cutWatches()
    api.upsert('app', 'd', { v: d })
    await waitFor(() => scan(d).length === 1, 'recovery after 503s', 15_000)
    assert.ok(logLines.some((l) => l.includes('cannot list/watch Secrets')))
  } finally {
    await source.stop()
    await api.close()
  }
})

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
