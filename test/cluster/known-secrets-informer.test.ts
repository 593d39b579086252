// The known-secrets Kubernetes source (detectors/known-secrets/source-kubernetes.ts) against the real
// kube-apiserver (test/harness/kube.ts): Secrets listed in pages, watched with bookmarks and the
// exclusions as server-side selectors, a 410 Gone forced by compacting etcd while the source is cut
// off, a kube-apiserver restart, RBAC (a service account without list on secrets gets a coded error,
// the source-up metric at 0 and retries with backoff until it is granted), and `run all` finding a
// Secret's value in a log. What the source asked the server is read from the server's audit log.
//
// The secrets watch goes to etcd (`--watch-cache-sizes=secrets#0`): with the watch cache on, a watch
// resumed after a short outage is served from the cache's window and etcd compaction has no effect on
// it, so the 410 that compaction causes could not be forced on demand.
//
// Last, Vault's Kubernetes auth (the known-secrets Vault source and the Vault client log in with the pod's
// service-account token) against a real Vault whose TokenReview goes to this API server.

import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { CoreV1Api, KubeConfig, RbacAuthorizationV1Api } from '@kubernetes/client-node'
import { createKnownSecrets } from '../../app/known-secrets.ts'
import { startApp } from '../../app/roles.ts'
import { loadConfig } from '../../config/load.ts'
import { previewOf } from '../../detectors/known-secrets/detector.ts'
import { createKnownSecretIndex } from '../../detectors/known-secrets/index.ts'
import { createKubernetesSource } from '../../detectors/known-secrets/source-kubernetes.ts'
import { createVaultSource } from '../../detectors/known-secrets/source-vault.ts'
import type { createMemoryBus } from '../../pipeline/bus-memory.ts'
import type { LeakwatchError } from '../../pipeline/errors.ts'
import { isLeakwatchError } from '../../pipeline/errors.ts'
import type { Finding } from '../../pipeline/events.ts'
import { TOPICS } from '../../pipeline/events.ts'
import { createFingerprinter } from '../../pipeline/fingerprint.ts'
import { createLogger } from '../../pipeline/log.ts'
import { createMetrics } from '../../pipeline/metrics.ts'
import { createVaultClient } from '../../pipeline/vault-client.ts'
import type { KubeCluster } from '../harness/kube.ts'
import { getKube } from '../harness/kube.ts'
import type { VaultServer } from '../harness/vault.ts'
import { getVault, kvMount, kvPut, vaultAdmin } from '../harness/vault.ts'
import { chunkOf, knownSecretScanner, leaks } from '../support/known-secrets.ts'
import { captureLog } from '../support/log-capture.ts'
import { seededGen } from '../support/seed.ts'
import { waitFor } from '../support/wait.ts'
import { kubeConfigFor } from './kube-config.ts'
import { startPartition } from './partition.ts'

const AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
  - level: Metadata
    resources: [{ group: "", resources: ["secrets"] }]
  - level: None
`
const g = seededGen('g')
const codes = { failed: 'LW_ERR_VAULT_FAILED', rejected: 'LW_ERR_VAULT_REJECTED' } as const
const fingerprinter = createFingerprinter(g.base62(40))
const ofBytes = (b: Uint8Array): string => fingerprinter.ofBytes?.(b) ?? ''
const dir = mkdtempSync(join(tmpdir(), 'lw-known-cluster-'))
const { lines: logLines, logger } = captureLog()
let cluster: KubeCluster
let vault: VaultServer
const admin = new KubeConfig()
let core: CoreV1Api
let rbac: RbacAuthorizationV1Api
let n = 0
// What only a cluster started here has: its audit log (the requests an informer made), etcd, a restart.
const NEEDS_HARNESS = process.env.KUBECONFIG ? 'KUBECONFIG cluster: needs the harness (audit log, etcd, restart)' : false

before(async () => {
  // Vault (for the Kubernetes-auth test) comes up while the API server does.
  ;[cluster, vault] = await Promise.all([getKube({ audit: { policy: AUDIT_POLICY }, apiserverArgs: ['--watch-cache-sizes=secrets#0'] }), getVault()])
  admin.loadFromFile(cluster.kubeconfigPath)
  core = admin.makeApiClient(CoreV1Api)
  rbac = admin.makeApiClient(RbacAuthorizationV1Api)
})
after(() => rmSync(dir, { recursive: true, force: true }))

/** Unique per test and run, so a shared KUBECONFIG cluster or an earlier test never collides. */
function uniq(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${n++}-${g.base62(4).toLowerCase()}`
}

async function namespace(name: string): Promise<string> {
  await core.createNamespace({ body: { metadata: { name } } })
  return name
}

/** Creates or replaces a Secret; values in plain text, stored base64'd byte for byte. */
async function upsert(
  ns: string,
  name: string,
  values: Record<string, string | Buffer>,
  extra: { type?: string; labels?: Record<string, string> } = {}
): Promise<void> {
  const body = {
    metadata: { name, ...(extra.labels === undefined ? {} : { labels: extra.labels }) },
    type: extra.type ?? 'Opaque',
    data: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Buffer.from(v).toString('base64')]))
  }
  const exists = await core.readNamespacedSecret({ namespace: ns, name }).then(
    () => true,
    () => false
  )
  if (exists) await core.replaceNamespacedSecret({ namespace: ns, name, body })
  else await core.createNamespacedSecret({ namespace: ns, body })
}

async function remove(ns: string, name: string): Promise<void> {
  await core.deleteNamespacedSecret({ namespace: ns, name })
}

/** A service account with a real token (TokenRequest), and what it may do on secrets: cluster-wide, in one namespace, or nothing. */
async function serviceAccount(ns: string, name: string, grant: 'cluster' | 'none'): Promise<string> {
  await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name } } })
  if (grant === 'cluster') await grantSecrets(ns, name)
  const { status } = await core.createNamespacedServiceAccountToken({ namespace: ns, name, body: { spec: { audiences: [] } } })
  assert.ok(status?.token)
  return status.token
}

/** The detector's rights on secrets (as deploy/ grants them): get, list, watch, cluster-wide. */
async function grantSecrets(ns: string, name: string): Promise<void> {
  const role = `${ns}-${name}-secrets`
  await rbac.createClusterRole({ body: { metadata: { name: role }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'] }] } })
  await rbac.createClusterRoleBinding({
    body: {
      metadata: { name: role },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
      subjects: [{ kind: 'ServiceAccount', name, namespace: ns }]
    }
  })
}

function kubeconfigFile(token: string): string {
  const path = join(dir, `kubeconfig-${n++}.json`)
  const cfg = JSON.parse(readFileSync(cluster.kubeconfigPath, 'utf8')) as { users: Array<{ user: Record<string, unknown> }> }
  for (const u of cfg.users) u.user = { token }
  writeFileSync(path, JSON.stringify(cfg), { mode: 0o600 })
  return path
}

interface AuditEvent {
  verb?: string
  requestURI?: string
  user?: { username?: string }
  responseStatus?: { code?: number }
}

/** The secrets requests the server saw from `username`, in order. */
function requestsOf(username: string): Array<{ verb: string; path: string; query: Record<string, string>; code: number | undefined }> {
  const audit = cluster.audit
  assert.ok(audit, 'the cluster writes an audit log')
  return readFileSync(audit.logPath, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as AuditEvent)
    .filter((e) => e.user?.username === username)
    .map((e) => {
      const url = new URL(e.requestURI ?? '/', 'https://x')
      return { verb: e.verb ?? '', path: url.pathname, query: Object.fromEntries(url.searchParams), code: e.responseStatus?.code }
    })
}

const setup = () => knownSecretScanner(ofBytes)

// First in the file: it watches every namespace and counts what it skipped, so no other test's Secrets may exist yet.
test('Kubernetes Secrets: listed, watched, updated and deleted in the index within seconds; exclusions honoured', { skip: NEEDS_HARNESS }, async () => {
  const home = await namespace(uniq('lw-sa'))
  const token = await serviceAccount(home, 'detector', 'cluster')
  const prod = await namespace(uniq('prod'))
  const bulk = await namespace(uniq('bulk'))
  const app = await namespace(uniq('app'))
  const { index, scan } = setup()
  const skipped: string[] = []
  const states: string[] = []
  const pw = `${g.password()}"\\`
  const pem = `-----BEGIN PRIVATE KEY-----\n${g.pemBody(48)}\n${g.pemBody(48)}\n-----END PRIVATE KEY-----\n`
  const hidden = { helm: g.base62(24), label: g.base62(24), ns: g.base62(24), crt: g.pemBody(48) }
  await upsert(prod, 'db', { password: `${pw}\n`, username: 'app', host: 'db.prod.svc.cluster.local' })
  await upsert(prod, 'tls', { 'tls.key': pem, 'tls.crt': hidden.crt }, { type: 'kubernetes.io/tls' })
  await upsert(prod, 'release', { release: hidden.helm }, { type: 'helm.sh/release.v1' })
  await upsert(prod, 'ignored', { token: hidden.label }, { labels: { 'leakwatch.io/ignore': 'true' } })
  await upsert('kube-system', uniq('boot'), { token: hidden.ns })
  for (let i = 0; i < 7; i++) await upsert(bulk, `s${i}`, { value: g.base62(20) })
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
    { kubeConfig: kubeConfigFor(admin, token), index, logger, onSkip: (r) => skipped.push(r), onState: (s) => states.push(s) }
  )
  try {
    source.start()
    assert.equal(await source.synced(10_000), true)
    assert.equal(states.at(-1), 'synced')
    // The password leaked every way issue 4 lists, and a line of the PEM key inside a JSON string.
    for (const [how, line] of Object.entries(leaks(pw))) {
      const found = scan(line)
      assert.equal(found.length, 1, `${how}: ${line}`)
      assert.deepEqual(found[0]?.origin, { source: 'kubernetes', namespace: prod, name: 'db', key: 'password' })
      assert.equal(found[0]?.fingerprint, fingerprinter.of(pw))
    }
    assert.equal(scan(JSON.stringify({ msg: 'loaded key', key: pem })).length >= 1, true, 'a PEM key split across a JSON string')
    assert.equal(scan(JSON.stringify({ msg: 'loaded key', key: pem }))[0]?.origin?.name, 'tls')
    for (const [what, v] of Object.entries(hidden)) assert.equal(scan(`x ${v} y`).length, 0, `${what} is excluded`)
    assert.deepEqual(skipped.sort(), ['excluded-key', 'hostname', 'too-short'])
    assert.equal(index.keys(`kubernetes/${bulk}/`).length, 7, 'every page of the list was read')

    // Create, update, delete: followed through the watch.
    const next = g.password()
    const created = g.base62(30)
    await upsert(app, 'api', { apiKey: created })
    await waitFor(() => scan(created).length === 1, 'a created Secret to be indexed')
    await upsert(prod, 'db', { password: next })
    await waitFor(() => scan(next).length === 1 && scan(pw).length === 0, 'an updated value to replace the old one')
    await remove(prod, 'db')
    await waitFor(() => scan(next).length === 0, "a deleted Secret's value to be forgotten")
    assert.equal(scan(...Object.values(leaks(next))).length, 0)

    // Every watch asked for bookmarks and resumed from a resourceVersion, with the exclusions as selectors.
    const user = `system:serviceaccount:${home}:detector`
    await waitFor(() => requestsOf(user).some((r) => r.verb === 'watch'), 'the watch in the audit log', 10_000)
    const requests = requestsOf(user)
    const watches = requests.filter((r) => r.verb === 'watch')
    assert.ok(watches.length >= 1)
    for (const w of watches) {
      assert.equal(w.query.allowWatchBookmarks, 'true')
      assert.match(w.query.resourceVersion ?? '', /^\d+$/)
      assert.equal(w.query.fieldSelector, 'type!=helm.sh/release.v1')
      assert.equal(w.query.labelSelector, '!leakwatch.io/ignore')
    }
    assert.ok(requests.some((r) => r.verb === 'list' && r.query.limit === '4' && r.query.continue !== undefined))
  } finally {
    await source.stop()
  }
})

test('Kubernetes Secrets: cut off while Secrets change and etcd is compacted, the resumed watch gets 410 Gone and a relist catches up; an API server restart is recovered from', {
  skip: NEEDS_HARNESS
}, async () => {
  const home = await namespace(uniq('lw-sa'))
  const token = await serviceAccount(home, 'detector', 'cluster')
  const user = `system:serviceaccount:${home}:detector`
  const app = await namespace(uniq('app'))
  const partition = await startPartition(cluster.server)
  const { index, scan } = setup()
  const a = g.base62(24)
  const b = g.base62(24)
  await upsert(app, 'a', { v: a })
  await upsert(app, 'b', { v: b })
  const source = createKubernetesSource(
    { namespaces: [app], excludeNamespaces: [], excludeLabels: [], excludeTypes: [], excludeKeys: [], maxRetryDelayMs: 300 },
    { kubeConfig: kubeConfigFor(admin, token, partition.server), index, logger }
  )
  const watching = () => requestsOf(user).filter((r) => r.verb === 'watch').length
  const lists = () => requestsOf(user).filter((r) => r.verb === 'list').length
  try {
    source.start()
    assert.equal(await source.synced(10_000), true)
    await waitFor(() => watching() >= 1, 'the watch to open', 10_000)
    for (const round of ['first', 'second'] as const) {
      // Changes made while the source is cut off and history compacted: only a relist can see them.
      const listed = lists()
      const gone = logLines.filter((l) => l.includes('Secrets watch expired')).length
      await partition.cut()
      await waitFor(() => source.state() === 'unavailable', `the outage to be noticed (${round})`, 15_000)
      const c = g.base62(24)
      await upsert(app, `c-${round}`, { v: c })
      await remove(app, round === 'first' ? 'a' : 'b')
      assert.ok((await cluster.compactEtcd?.()) !== undefined, 'the harness can compact etcd')
      const watches = watching()
      await partition.resume()
      await waitFor(() => scan(c).length === 1, `a relist after 410 (${round})`, 15_000)
      await waitFor(() => scan(round === 'first' ? a : b).length === 0, `a Secret deleted during the outage to be forgotten (${round})`, 10_000)
      await waitFor(() => lists() > listed, 'the relist in the audit log', 10_000)
      assert.ok(logLines.filter((l) => l.includes('Secrets watch expired') && l.includes('"code":410')).length > gone, 'the 410 Gone was seen and logged')
      assert.ok(
        requestsOf(user).every((r) => r.path.startsWith(`/api/v1/namespaces/${app}/`)),
        'only the selected namespace'
      )
      await waitFor(() => watching() > watches && source.state() === 'synced', 'the watch to reopen', 15_000)
    }
    // The API server restarting: the source reports it, retries with backoff and keeps its index meanwhile.
    const restart = cluster.restartApiserver
    if (restart !== undefined) {
      const kept = g.base62(24)
      await upsert(app, 'kept', { v: kept })
      await waitFor(() => scan(kept).length === 1, 'a Secret indexed before the restart')
      await restart({
        whileDown: async () => {
          await waitFor(() => source.state() === 'unavailable', 'the restart to be noticed', 15_000)
          assert.equal(scan(kept).length, 1, 'the index is kept while the server is down')
        }
      })
      const d = g.base62(24)
      await upsert(app, 'd', { v: d })
      await waitFor(() => scan(d).length === 1, 'recovery after the restart', 30_000)
      assert.equal(source.state(), 'synced')
      assert.ok(logLines.some((l) => l.includes('cannot list/watch Secrets')))
    }
  } finally {
    await source.stop()
    await partition.close()
  }
})

test('Kubernetes Secrets: a Secret labelled to be ignored after it was indexed leaves the index (the server-side selector sends DELETED), and comes back when the label goes', async () => {
  const home = await namespace(uniq('lw-sa'))
  const token = await serviceAccount(home, 'detector', 'cluster')
  const app = await namespace(uniq('app'))
  const { index, scan } = setup()
  const value = g.base62(24)
  await upsert(app, 'db', { v: value })
  const source = createKubernetesSource(
    { namespaces: [app], excludeNamespaces: [], excludeLabels: ['leakwatch.io/ignore'], excludeTypes: [], excludeKeys: [], maxRetryDelayMs: 300 },
    { kubeConfig: kubeConfigFor(admin, token), index, logger }
  )
  try {
    source.start()
    assert.equal(await source.synced(10_000), true)
    assert.equal(scan(value).length, 1)
    await upsert(app, 'db', { v: value }, { labels: { 'leakwatch.io/ignore': 'true' } })
    await waitFor(() => scan(value).length === 0, 'the ignored Secret to leave the index', 10_000)
    assert.deepEqual(index.keys(`kubernetes/${app}/`), [])
    await upsert(app, 'db', { v: value })
    await waitFor(() => scan(value).length === 1, 'the Secret to come back without the label', 10_000)
  } finally {
    await source.stop()
  }
})

test('Kubernetes Secrets: stopped while its first list is in flight, the source opens no watch afterwards', { skip: NEEDS_HARNESS }, async () => {
  const home = await namespace(uniq('lw-sa'))
  const token = await serviceAccount(home, 'detector', 'cluster')
  const app = await namespace(uniq('app'))
  const before = g.base62(24)
  await upsert(app, 'before', { v: before })
  const stopped = setup()
  const source = createKubernetesSource(
    { namespaces: [app], excludeNamespaces: [], excludeLabels: [], excludeTypes: [], excludeKeys: [], maxRetryDelayMs: 300 },
    { kubeConfig: kubeConfigFor(admin, token), index: stopped.index, logger }
  )
  source.start()
  await source.stop()
  // The list was already sent; its answer may still be indexed. A watch opened after stop() would then index `after`.
  await waitFor(() => stopped.scan(before).length === 1, 'the in-flight list to be answered', 10_000)
  // As the admin, so the audit log tells its requests from the stopped source's.
  const witness = setup()
  const running = createKubernetesSource(
    { namespaces: [app], excludeNamespaces: [], excludeLabels: [], excludeTypes: [], excludeKeys: [], maxRetryDelayMs: 300 },
    { kubeConfig: kubeConfigFor(admin, undefined), index: witness.index, logger }
  )
  try {
    running.start()
    assert.equal(await running.synced(10_000), true)
    const after = g.base62(24)
    await upsert(app, 'after', { v: after })
    // A running watch sees it; the stopped source, watching nothing, must not.
    await waitFor(() => witness.scan(after).length === 1, 'a running source to see the new Secret', 10_000)
    assert.equal(stopped.scan(after).length, 0, 'the stopped source indexed a Secret created after stop()')
    const asked = requestsOf(`system:serviceaccount:${home}:detector`)
    assert.equal(asked.filter((r) => r.verb === 'list').length, 1)
    assert.equal(asked.filter((r) => r.verb === 'watch').length, 0, 'the stopped source opened a watch')
  } finally {
    await running.stop()
  }
})

test('RBAC: without list on secrets the source gets a coded 403 error, the source-up metric stays 0, it retries with backoff, and it syncs once granted', async () => {
  const home = await namespace(uniq('lw-sa'))
  const token = await serviceAccount(home, 'nobody', 'none')
  const app = await namespace(uniq('app'))
  const value = g.password()
  await upsert(app, 'db', { password: value })
  const metrics = createMetrics()
  const { lines, logger } = captureLog('info')
  const config = loadConfig({
    env: {},
    overrides: {
      'detector.knownSecrets.kubernetes.enabled': true,
      'detector.knownSecrets.kubernetes.kubeconfigPath': kubeconfigFile(token),
      'detector.knownSecrets.syncTimeoutMs': 0
    }
  })
  const known = createKnownSecrets(config.detector.knownSecrets, {
    fingerprinter,
    metrics,
    maxContextChars: 300,
    logger
  })
  assert.ok(known)
  type Logged = { level: number; code?: string; status?: number; namespace?: string; retryInMs?: number; reason?: string; msg: string }
  const refusals = (): Logged[] => lines.map((l) => JSON.parse(l) as Logged).filter((l) => l.code === 'LW_ERR_KNOWN_SECRETS_SOURCE' && l.status === 403)
  try {
    // start() does not throw and does not wait: a refused source is a degraded detector, not a crash loop.
    await known.start()
    await waitFor(() => refusals().length >= 3, 'three refused attempts', 15_000)
    const [first, second, third] = refusals()
    assert.match(first?.msg ?? '', /cannot list\/watch Secrets in all namespaces \(403 Forbidden: the service account needs get, list and watch on secrets\)/)
    assert.match(first?.reason ?? '', new RegExp(`system:serviceaccount:${home}:nobody.*cannot list resource "secrets"`))
    assert.equal(first?.level, 40, 'a warning')
    // Backoff (pipeline/backoff.ts, no jitter here): each retry waits twice as long as the one before.
    assert.deepEqual([first?.retryInMs, second?.retryInMs, third?.retryInMs], [500, 1000, 2000])
    assert.equal(metrics.knownSecretsSourceUp.get({ source: 'kubernetes' }), 0)
    assert.equal(known.detector.detect(chunkOf(`password=${value}`)).length, 0)

    // Granted while running: the next retry lists, and the source is up without a restart.
    await grantSecrets(home, 'nobody')
    await waitFor(() => metrics.knownSecretsSourceUp.get({ source: 'kubernetes' }) === 1, 'the source to come up once granted', 20_000)
    await waitFor(() => known.detector.detect(chunkOf(`password=${value}`)).length === 1, 'the value to be indexed', 10_000)
  } finally {
    await known.stop()
  }
})

/** What a source error looks like to a caller of createKubernetesSource: a LeakwatchError with the code and details. */
test('RBAC: the error handed to onError is a LeakwatchError with its code, status and namespace', async () => {
  const home = await namespace(uniq('lw-sa'))
  const token = await serviceAccount(home, 'nobody', 'none')
  const errors: LeakwatchError[] = []
  const { index } = setup()
  const source = createKubernetesSource(
    { namespaces: [home], excludeNamespaces: [], excludeLabels: [], excludeTypes: [], excludeKeys: [], maxRetryDelayMs: 400 },
    { kubeConfig: kubeConfigFor(admin, token), index, logger, onError: (e) => errors.push(e) }
  )
  try {
    source.start()
    await waitFor(() => errors.length >= 2, 'two refused attempts', 10_000)
    const [e] = errors
    assert.equal(e?.name, 'LeakwatchError')
    assert.equal(e?.code, 'LW_ERR_KNOWN_SECRETS_SOURCE')
    assert.equal(e?.retriable, true)
    assert.equal(e?.details?.status, 403)
    assert.equal(e?.details?.namespace, home)
    assert.match(e?.message ?? '', new RegExp(`cannot list/watch Secrets in namespace ${home} \\(403 Forbidden`))
    assert.equal(source.state(), 'unavailable')
    assert.equal(await source.synced(0), false)
  } finally {
    await source.stop()
  }
})

test('run all with known secrets from a file and the Kubernetes API: one known-secret incident per leaked value, no plaintext on the bus', async () => {
  const home = await namespace(uniq('lw-sa'))
  const token = await serviceAccount(home, 'detector', 'cluster')
  const shop = await namespace(uniq('shop'))
  const k8sValue = g.password()
  await upsert(shop, 'db', { password: k8sValue, user: 'shop' })
  const fileValue = `${g.base62(6)} ${g.base62(6)}`
  const work = join(dir, uniq('run-all'))
  mkdirSync(work)
  writeFileSync(join(work, 'values.txt'), `${fileValue}\nchangeme\n`)
  const logs = join(work, 'logs')
  mkdirSync(logs)
  writeFileSync(
    join(logs, 'api.log'),
    `starting\nconnecting as shop with ${k8sValue}\nretry: postgres://shop:${encodeURIComponent(k8sValue)}@db/shop\nbackup key ${Buffer.from(fileValue).toString('base64')}\n`
  )
  const config = loadConfig({
    env: {},
    overrides: {
      'http.enabled': false,
      'log.level': 'silent',
      'responder.console': false,
      'collector.files.path': logs,
      'collector.files.readFrom': 'beginning',
      'collector.files.pollIntervalMs': 20,
      'collector.files.checkpointPath': join(work, 'checkpoints.json'),
      'detector.knownSecrets.file.enabled': true,
      'detector.knownSecrets.file.path': join(work, 'values.txt'),
      'detector.knownSecrets.kubernetes.enabled': true,
      'detector.knownSecrets.kubernetes.namespaces': [shop],
      'detector.knownSecrets.kubernetes.kubeconfigPath': kubeconfigFile(token)
    }
  })
  const app = await startApp('all', config, { logger: createLogger({ level: 'silent' }) })
  try {
    const bus = app.bus as ReturnType<typeof createMemoryBus>
    const findings = (): Finding[] => bus.messages(TOPICS.findings).map((m) => JSON.parse(m.value.toString('utf8')) as Finding)
    await waitFor(() => findings().length >= 3, 'three findings on the bus', 10_000)
    const all = findings()
    for (const m of bus.messages(TOPICS.findings)) {
      const text = m.value.toString('utf8')
      assert.ok(!text.includes(k8sValue) && !text.includes(fileValue) && !text.includes(encodeURIComponent(k8sValue)))
    }
    assert.deepEqual(all.map((f) => f.kind).sort(), ['known-secret', 'known-secret', 'known-secret'])
    assert.deepEqual(
      all.filter((f) => f.origin?.source === 'kubernetes').map((f) => f.location.line),
      [2, 3]
    )
    await waitFor(async () => (await app.incidents.list()).length === 2, 'two incidents: one per value')
    const metrics = app.metrics
    assert.equal(metrics.knownSecretsIndexed.get({ source: 'kubernetes' }), 1)
    assert.equal(metrics.knownSecretsIndexed.get({ source: 'file' }), 1)
    assert.equal(metrics.knownSecretsSkipped.get({ source: 'kubernetes', reason: 'too-short' }), 1)
    assert.equal(metrics.knownSecretsSkipped.get({ source: 'file', reason: 'common' }), 1)
    assert.equal(metrics.knownSecretsSourceUp.get({ source: 'kubernetes' }), 1)
  } finally {
    await app.stop()
  }
})

test('Kubernetes auth: Vault checks the pod’s service-account token with the real API server; one login reused, again at two thirds of the lease and after a revoke; the known-secrets source logs in the same way', {
  skip: process.env.KUBECONFIG ? 'KUBECONFIG cluster: the harness knows no token and CA to give Vault for its TokenReview' : false
}, async () => {
  const k = cluster
  const client = vaultAdmin(vault)
  const run = uniq('lw-vault')
  const ns = run
  await core.createNamespace({ body: { metadata: { name: ns } } })
  await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'leakwatch' } } })
  await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'other' } } })
  const saToken = async (name: string): Promise<string> => {
    const { status } = await core.createNamespacedServiceAccountToken({ namespace: ns, name, body: { spec: { audiences: [], expirationSeconds: 3600 } } })
    return status?.token ?? ''
  }
  const [jwt, otherJwt] = await Promise.all([saToken('leakwatch'), saToken('other')])

  const authMount = `${run}-k8s`
  const kv = await kvMount(client, 'lw-vault-kv')
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
  const value = g.password()
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
  {
    const jwtPath = join(dir, `${run}-token`)
    writeFileSync(jwtPath, `${jwt}\n`)
    const fingerprinter = createFingerprinter(g.base62(40))
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
  }
  if (k.external) await core.deleteNamespace({ name: ns })
  if (vault.external) {
    await client.request('DELETE', `sys/auth/${authMount}`)
    await client.request('DELETE', `sys/mounts/${kv}`)
  }
})
