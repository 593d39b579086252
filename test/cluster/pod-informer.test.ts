// The node agent's pod-metadata informer (collectors/k8s-pods.ts) against the real kube-apiserver
// (test/harness/kube.ts): it lists and watches only this node's pods, enriches log lines, survives a
// 410 Gone forced by compacting etcd while it was cut off, reconnects after the API server restarts,
// and loads only its slim part of @kubernetes/client-node. What it asked the server is read from the
// server's own audit log, not from a stand-in's request list.
//
// The pods watch goes to etcd (`--watch-cache-sizes=pods#0`): with the watch cache on, a watch resumed
// after a short outage is served from the cache's window and etcd compaction has no effect on it, so
// the 410 that compaction causes could not be forced on demand. The restart test shows the cached path.

import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import { after, before, test } from 'node:test'
import { promisify } from 'node:util'
import type { V1Pod } from '@kubernetes/client-node'
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node'
import type { MetadataState } from '../../collectors/k8s-pods.ts'
import { createPodMetadata } from '../../collectors/k8s-pods.ts'
import type { PodLogsConfig } from '../../collectors/pod-logs.config.ts'
import { createPodLogsCollector } from '../../collectors/pod-logs.ts'
import { configSchema } from '../../config/schema.ts'
import type { LogChunk } from '../../pipeline/events.ts'
import { createLogger, silentLogger } from '../../pipeline/log.ts'
import { createMetrics } from '../../pipeline/metrics.ts'
import { parse } from '../../pipeline/schema.ts'
import type { KubeCluster } from '../harness/kube.ts'
import { getKube } from '../harness/kube.ts'
import { seededGen } from '../support/seed.ts'
import { waitFor } from '../support/wait.ts'
import { kubeConfigFor } from './kube-config.ts'
import type { Partition } from './partition.ts'
import { startPartition } from './partition.ts'

const AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
  - level: Metadata
    resources: [{ group: "", resources: ["pods"] }]
  - level: None
`
const TS = '2025-01-01T00:00:00.000000000Z'
const run = promisify(execFile)
const gen = seededGen('pod-informer')
const root = mkdtempSync(join(tmpdir(), 'lw-pod-informer-'))
let cluster: KubeCluster
const admin = new KubeConfig()
let core: CoreV1Api
let n = 0
// What only a cluster started here has: its audit log (the requests an informer made), etcd, a restart.
const NEEDS_HARNESS = process.env.KUBECONFIG ? 'KUBECONFIG cluster: needs the harness (audit log, etcd, restart)' : false

before(async () => {
  cluster = await getKube({ audit: { policy: AUDIT_POLICY }, apiserverArgs: ['--watch-cache-sizes=pods#0'] })
  admin.loadFromFile(cluster.kubeconfigPath)
  core = admin.makeApiClient(CoreV1Api)
})
after(() => rmSync(root, { recursive: true, force: true }))

/** A namespace and node name of the test's own, so the tests of this file (and of a shared cluster) never see each other's pods. */
async function scope(): Promise<{ ns: string; node: string }> {
  const id = `${Date.now().toString(36)}-${n++}-${gen.base62(4).toLowerCase()}`
  const ns = `lw-pods-${id}`
  await core.createNamespace({ body: { metadata: { name: ns } } })
  return { ns, node: `node-${id}` }
}

function podBody(opts: {
  name: string
  node: string
  labels?: Record<string, string>
  annotations?: Record<string, string>
  owner?: { kind: string; name: string }
}): V1Pod {
  return {
    metadata: {
      name: opts.name,
      labels: opts.labels ?? {},
      annotations: opts.annotations ?? {},
      ...(opts.owner === undefined
        ? {}
        : {
            ownerReferences: [
              // The owner need not exist: without a controller-manager no garbage collector deletes the orphan.
              { apiVersion: 'apps/v1', kind: opts.owner.kind, name: opts.owner.name, uid: '00000000-0000-0000-0000-000000000001', controller: true }
            ]
          })
    },
    // spec.nodeName set at creation stands in for the scheduler's binding; no kubelet runs it.
    spec: { nodeName: opts.node, containers: [{ name: 'app', image: 'registry.invalid/leakwatch/none:0' }] }
  }
}

async function createPod(ns: string, body: V1Pod): Promise<string> {
  const created = await core.createNamespacedPod({ namespace: ns, body })
  return created.metadata?.uid ?? ''
}

/** Read-modify-write of a pod's metadata (labels and annotations are mutable on a running pod). */
async function updatePod(ns: string, name: string, change: (p: V1Pod) => void): Promise<void> {
  const p = await core.readNamespacedPod({ namespace: ns, name })
  change(p)
  await core.replaceNamespacedPod({ namespace: ns, name, body: p })
}

interface AuditEvent {
  verb?: string
  requestURI?: string
  user?: { username?: string }
}

/** The pod list and watch requests the server saw with this field selector, in order (the audit log is the server's own record). */
function podRequests(fieldSelector: string): { lists: URLSearchParams[]; watches: URLSearchParams[] } {
  const audit = cluster.audit
  assert.ok(audit, 'the cluster writes an audit log')
  const events = readFileSync(audit.logPath, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as AuditEvent)
  const lists: URLSearchParams[] = []
  const watches: URLSearchParams[] = []
  for (const e of events) {
    const url = new URL(e.requestURI ?? '/', 'https://x')
    if (url.pathname !== '/api/v1/pods' || url.searchParams.get('fieldSelector') !== fieldSelector) continue
    if (e.verb === 'list') lists.push(url.searchParams)
    else if (e.verb === 'watch') watches.push(url.searchParams)
  }
  return { lists, watches }
}

function setup(t: TestContext, node: string, kubeConfig: KubeConfig, overrides: Record<string, unknown> = {}, clock?: () => number) {
  const pods = join(root, `w${n++}`, 'pods')
  mkdirSync(pods, { recursive: true })
  const config = {
    ...parse(configSchema, {}, 'LW_ERR_CONFIG_INVALID', 'test').collector.podLogs,
    mode: 'on',
    path: pods,
    nodeName: node,
    checkpointPath: join(pods, '..', 'state.json'),
    pollIntervalMs: 10,
    discoveryIntervalMs: 10,
    flushIntervalMs: 0,
    ...overrides
  } as PodLogsConfig
  const states: MetadataState[] = []
  const logLines: string[] = []
  const logger = createLogger({
    level: 'debug',
    destination: {
      write(line: string) {
        logLines.push(line)
      }
    } as unknown as NodeJS.WritableStream
  })
  const metadata = createPodMetadata(
    { nodeName: node, deletedRetentionMs: 60_000, maxRetryDelayMs: 200 },
    { kubeConfig, logger, onState: (s) => states.push(s), ...(clock === undefined ? {} : { now: clock }) }
  )
  const chunks: LogChunk[] = []
  const collector = createPodLogsCollector(config, {
    publish: async (records) => {
      for (const r of records) chunks.push(structuredClone(r.value as LogChunk))
    },
    logger: silentLogger(),
    metrics: createMetrics(),
    metadata
  })
  const running = collector.start(new AbortController().signal)
  t.after(async () => {
    await collector.close()
    await running
  })
  const write = (ns: string, name: string, uid: string, container: string, lines: string[]) => {
    const dir = join(pods, `${ns}_${name}_${uid}`, container)
    mkdirSync(dir, { recursive: true })
    appendFileSync(join(dir, '0.log'), lines.map((l) => `${TS} stdout F ${l}\n`).join(''))
  }
  const of = (stream: string) => chunks.filter((c) => c.stream === stream)
  return { write, chunks, of, states, metadata, logLines }
}

test('lines are enriched from a node-scoped informer; static pods through their mirror; annotations over the watch take effect', {
  skip: NEEDS_HARNESS
}, async (t) => {
  const { ns, node } = await scope()
  const apiName = 'api-5d8f7c9b4-x2x7q'
  const apiUid = await createPod(
    ns,
    podBody({ name: apiName, node, labels: { app: 'api', 'pod-template-hash': '5d8f7c9b4' }, owner: { kind: 'ReplicaSet', name: 'api-5d8f7c9b4' } })
  )
  const etcdName = `etcd-${node}`
  await createPod(
    ns,
    podBody({
      name: etcdName,
      node,
      labels: { component: 'etcd' },
      annotations: { 'kubernetes.io/config.mirror': 'cfg-hash-1' },
      owner: { kind: 'Node', name: node }
    })
  )
  const otherUid = await createPod(ns, podBody({ name: 'elsewhere', node: `${node}-2`, labels: { app: 'x' } }))
  const s = setup(t, node, kubeConfigFor(admin, undefined))
  t.after(() => s.metadata.stop())
  await waitFor(() => s.metadata.state() === 'synced', 'the informer to sync', 10_000)
  await waitFor(() => podRequests(`spec.nodeName=${node}`).watches.length > 0, 'the watch in the audit log', 10_000)
  const seen = podRequests(`spec.nodeName=${node}`)
  assert.equal(seen.lists[0]?.get('fieldSelector'), `spec.nodeName=${node}`, 'lists only this node')
  assert.equal(seen.watches[0]?.get('fieldSelector'), `spec.nodeName=${node}`, 'watches only this node')
  assert.equal(s.metadata.lookup(ns, 'elsewhere', otherUid), undefined, "another node's pods are not cached")

  s.write(ns, apiName, apiUid, 'app', ['api one', 'api two'])
  s.write(ns, etcdName, 'cfg-hash-1', 'etcd', ['etcd one'])
  await waitFor(() => s.chunks.reduce((a, c) => a + c.lines.length, 0) >= 3, '3 lines', 10_000)
  const api1 = s.of(`k8s/${ns}/${apiName}/app`)[0]
  assert.equal(api1?.source.workload, 'Deployment/api')
  assert.deepEqual(api1?.source.labels, { app: 'api', 'pod-template-hash': '5d8f7c9b4' })
  assert.equal(api1?.source.node, node)
  const etcd = s.of(`k8s/${ns}/${etcdName}/etcd`)[0]
  assert.equal(etcd?.source.workload, `Node/${node}`, 'the static pod found through its mirror pod')
  assert.equal(etcd?.source.podUid, 'cfg-hash-1', 'the uid of the path is kept')

  // A pod that appears later arrives over the watch; its exclusion annotation is honoured from its first line.
  const batchUid = await createPod(ns, podBody({ name: 'batch', node, annotations: { 'leakwatch.io/exclude': 'true' } }))
  const webUid = await createPod(ns, podBody({ name: 'web', node, labels: { app: 'web' }, owner: { kind: 'StatefulSet', name: 'web' } }))
  s.write(ns, 'batch', batchUid, 'app', ['batch output'])
  s.write(ns, 'web', webUid, 'app', ['web one'])
  await waitFor(() => s.of(`k8s/${ns}/web/app`).length > 0, 'the new pod', 10_000)
  assert.equal(s.of(`k8s/${ns}/web/app`)[0]?.source.workload, 'StatefulSet/web')
  // A MODIFIED event excludes a container of a running pod: its later lines are not read.
  await updatePod(ns, 'web', (p) => {
    p.metadata = { ...p.metadata, annotations: { ...p.metadata?.annotations, 'leakwatch.io/exclude-containers': 'app' } }
  })
  await waitFor(() => s.metadata.lookup(ns, 'web', webUid)?.annotations['leakwatch.io/exclude-containers'] === 'app', 'the update', 10_000)
  s.write(ns, 'web', webUid, 'app', ['web two'])
  s.write(ns, apiName, apiUid, 'app', ['api three'])
  await waitFor(() => s.of(`k8s/${ns}/${apiName}/app`).flatMap((c) => c.lines).length === 3, 'api three', 10_000)
  assert.deepEqual(
    s.of(`k8s/${ns}/web/app`).flatMap((c) => c.lines),
    ['web one']
  )
  assert.equal(s.of(`k8s/${ns}/batch/app`).length, 0)
})

test("a pod bound to this node after it was created (the scheduler's Binding) arrives over the watch; one deleted is kept for its retention", async (t) => {
  const { ns, node } = await scope()
  // Created unscheduled, as a Deployment's pods are: no nodeName, so not this node's yet.
  const pending = await core.createNamespacedPod({
    namespace: ns,
    body: { metadata: { name: 'late', labels: { app: 'late' } }, spec: { containers: [{ name: 'app', image: 'registry.invalid/leakwatch/none:0' }] } }
  })
  const uid = pending.metadata?.uid ?? ''
  let clock = Date.now()
  const s = setup(t, node, kubeConfigFor(admin, undefined), {}, () => clock)
  t.after(() => s.metadata.stop())
  await waitFor(() => s.metadata.state() === 'synced', 'the informer to sync', 10_000)
  assert.equal(s.metadata.lookup(ns, 'late', uid), undefined, "an unscheduled pod is no node's")
  // What the scheduler does: POST pods/binding. The pod starts to match spec.nodeName=<node> and the watch sends it.
  await core.createNamespacedPodBinding({
    namespace: ns,
    name: 'late',
    body: { metadata: { name: 'late' }, target: { apiVersion: 'v1', kind: 'Node', name: node } }
  })
  await waitFor(() => s.metadata.lookup(ns, 'late', uid)?.node === node, 'the bound pod', 10_000)
  assert.deepEqual(s.metadata.lookup(ns, 'late', uid)?.labels, { app: 'late' })
  await core.deleteNamespacedPod({ namespace: ns, name: 'late', gracePeriodSeconds: 0 })
  await waitFor(
    () => {
      clock += 61_000
      return s.metadata.lookup(ns, 'late', uid) === undefined
    },
    'the deleted pod to be forgotten after its retention',
    10_000
  )
})

test('stopped while its first list is in flight, the informer opens no watch afterwards', { skip: NEEDS_HARNESS }, async () => {
  const { ns, node } = await scope()
  const firstUid = await createPod(ns, podBody({ name: 'first', node }))
  const stopped = createPodMetadata(
    { nodeName: node, deletedRetentionMs: 60_000, maxRetryDelayMs: 200 },
    { kubeConfig: kubeConfigFor(admin, undefined), logger: silentLogger() }
  )
  stopped.start()
  await stopped.stop()
  // The list was already sent; its answer may still be cached. A watch opened after stop() would then cache `later`.
  await waitFor(() => stopped.lookup(ns, 'first', firstUid) !== undefined, 'the in-flight list to be answered', 10_000)
  // Cluster-wide (no field selector), so the audit log tells its requests from the stopped informer's.
  const witness = createPodMetadata(
    { nodeName: undefined, deletedRetentionMs: 60_000, maxRetryDelayMs: 200 },
    { kubeConfig: kubeConfigFor(admin, undefined), logger: silentLogger() }
  )
  try {
    witness.start()
    await waitFor(() => witness.state() === 'synced', 'a running informer to sync', 10_000)
    const laterUid = await createPod(ns, podBody({ name: 'later', node }))
    // A running watch sees it; the stopped informer, watching nothing, must not.
    await waitFor(() => witness.lookup(ns, 'later', laterUid) !== undefined, 'a running informer to see the new pod', 10_000)
    assert.equal(stopped.lookup(ns, 'later', laterUid), undefined, 'the stopped informer cached a pod created after stop()')
    const asked = podRequests(`spec.nodeName=${node}`)
    assert.equal(asked.lists.length, 1)
    assert.equal(asked.watches.length, 0, 'the stopped informer opened a watch')
  } finally {
    await witness.stop()
  }
})

test('cut off while pods change and etcd is compacted: the resumed watch gets 410 Gone, the informer lists again, nothing lost or left over', {
  skip: NEEDS_HARNESS
}, async (t) => {
  const { ns, node } = await scope()
  const aUid = await createPod(ns, podBody({ name: 'a', node, labels: { app: 'a' } }))
  const goneUid = await createPod(ns, podBody({ name: 'gone', node, labels: { app: 'gone' } }))
  let clock = Date.now()
  const partition: Partition = await startPartition(cluster.server)
  t.after(() => partition.close())
  const s = setup(
    t,
    node,
    kubeConfigFor(admin, undefined, partition.server),
    { metadata: { enabled: true, waitMs: 60_000, deletedRetentionMs: 60_000 } },
    () => clock
  )
  t.after(() => s.metadata.stop())
  await waitFor(() => s.metadata.state() === 'synced', 'the informer to sync', 10_000)
  const selector = `spec.nodeName=${node}`
  await waitFor(() => podRequests(selector).watches.length > 0, 'the watch to open', 10_000)
  const listsBefore = podRequests(selector).lists.length

  await partition.cut()
  await waitFor(() => s.metadata.state() === 'unavailable', 'the outage to be noticed', 15_000)
  // Without the API server a new pod's lines are not held back (waitMs is a minute here): path metadata only.
  s.write(ns, 'c', 'uid-c', 'app', ['c one'])
  await waitFor(() => s.of(`k8s/${ns}/c/app`).length > 0, "pod c's line", 10_000)
  assert.equal(s.of(`k8s/${ns}/c/app`)[0]?.source.labels, undefined)
  assert.equal(s.of(`k8s/${ns}/c/app`)[0]?.source.namespace, ns)
  // The cache kept what it had: pod a is still enriched during the outage.
  s.write(ns, 'a', aUid, 'app', ['a one'])
  await waitFor(() => s.of(`k8s/${ns}/a/app`).length > 0, "pod a's line", 10_000)
  assert.deepEqual(s.of(`k8s/${ns}/a/app`)[0]?.source.labels, { app: 'a' })

  // Meanwhile, on the server: a pod added, one relabelled, one deleted; then the history the informer would resume from is compacted away.
  const bUid = await createPod(ns, podBody({ name: 'b', node, labels: { app: 'b' } }))
  await updatePod(ns, 'a', (p) => {
    p.metadata = { ...p.metadata, labels: { app: 'a', tier: 'web' } }
  })
  await core.deleteNamespacedPod({ namespace: ns, name: 'gone', gracePeriodSeconds: 0 })
  const compactedAt = await cluster.compactEtcd?.()
  assert.ok(compactedAt !== undefined, 'the harness can compact etcd')
  await partition.resume()

  await waitFor(() => s.metadata.state() === 'synced', 'the informer to recover', 20_000)
  await waitFor(() => s.metadata.lookup(ns, 'b', bUid) !== undefined, 'pod b from the new list', 10_000)
  assert.ok(podRequests(selector).lists.length > listsBefore, 'listed again')
  assert.ok(
    s.logLines.some((l) => l.includes('"code":410') && l.includes('pod watch expired')),
    'the 410 Gone was seen and logged'
  )
  assert.deepEqual(s.metadata.lookup(ns, 'a', aUid)?.labels, { app: 'a', tier: 'web' }, 'the relabel made during the outage')
  // The deleted pod is kept for its last lines, then forgotten; the others stay.
  assert.equal(s.metadata.lookup(ns, 'gone', goneUid)?.name, 'gone')
  clock += 61_000
  s.metadata.lookup(ns, 'x', 'x')
  assert.equal(s.metadata.lookup(ns, 'gone', goneUid), undefined, 'the pod deleted during the outage is forgotten after its retention')
  assert.equal(s.metadata.lookup(ns, 'a', aUid)?.name, 'a')
  assert.equal(s.metadata.lookup(ns, 'b', bUid)?.name, 'b')
  assert.deepEqual(s.states.slice(-2), ['unavailable', 'synced'])
})

test('the API server restarting: the informer reports it unavailable, keeps its cache, reconnects and follows new pods', {
  skip: process.env.KUBECONFIG ? 'KUBECONFIG cluster' : false
}, async (t) => {
  const { ns, node } = await scope()
  const aUid = await createPod(ns, podBody({ name: 'a', node, labels: { app: 'a' } }))
  const s = setup(t, node, kubeConfigFor(admin, undefined))
  t.after(() => s.metadata.stop())
  await waitFor(() => s.metadata.state() === 'synced', 'the informer to sync', 10_000)
  const restart = cluster.restartApiserver
  assert.ok(restart, 'the harness can restart kube-apiserver')
  await restart({
    whileDown: async () => {
      await waitFor(() => s.metadata.state() === 'unavailable', 'the outage to be noticed', 15_000)
      assert.deepEqual(s.metadata.lookup(ns, 'a', aUid)?.labels, { app: 'a' }, 'the cache is kept while the server is down')
    }
  })
  await waitFor(() => s.metadata.state() === 'synced', 'the informer to reconnect', 30_000)
  const bUid = await createPod(ns, podBody({ name: 'b', node, labels: { app: 'b' } }))
  await waitFor(() => s.metadata.lookup(ns, 'b', bUid) !== undefined, 'a pod created after the restart', 15_000)
  assert.deepEqual(s.metadata.lookup(ns, 'a', aUid)?.labels, { app: 'a' })
  assert.deepEqual(s.states.slice(-2), ['unavailable', 'synced'])
})

interface ChildReport {
  states: string[]
  info: { labels: Record<string, string>; workload?: string; node?: string } | null
  loaded: string[]
}

async function child(kubeconfigPath: string, node: string, lookup: string): Promise<ChildReport> {
  const { stdout } = await run(process.execPath, [join(import.meta.dirname, '../collectors/k8s-client-child.ts')], {
    env: { PATH: process.env.PATH ?? '', KUBECONFIG_PATH: kubeconfigPath, NODE_NAME: node, LOOKUP: lookup }
  })
  return JSON.parse(stdout) as ChildReport
}

test('the informer syncs through the slim client: KubeConfig, Watch and ListWatch without the generated models and APIs', { skip: NEEDS_HARNESS }, async () => {
  const { ns, node } = await scope()
  const name = 'api-5d8f7c9b4-x2x7q'
  const uid = await createPod(
    ns,
    podBody({ name, node, labels: { app: 'api', 'pod-template-hash': '5d8f7c9b4' }, owner: { kind: 'ReplicaSet', name: 'api-5d8f7c9b4' } })
  )
  const ok = await child(cluster.kubeconfigPath, node, `${ns}/${name}/${uid}`)
  assert.deepEqual(ok.states, ['synced'])
  assert.equal(ok.info?.workload, 'Deployment/api')
  assert.deepEqual(ok.info?.labels, { app: 'api', 'pod-template-hash': '5d8f7c9b4' })
  await waitFor(() => podRequests(`spec.nodeName=${node}`).watches.length > 0, 'the watch in the audit log', 10_000)
  const seen = podRequests(`spec.nodeName=${node}`)
  assert.equal(seen.lists[0]?.get('fieldSelector'), `spec.nodeName=${node}`)
  assert.equal(seen.watches[0]?.get('fieldSelector'), `spec.nodeName=${node}`)
  for (const f of ['dist/config.js', 'dist/cache.js', 'dist/watch.js'])
    assert.ok(
      ok.loaded.some((l) => l.endsWith(f)),
      `${f} is loaded`
    )
  const heavy = ok.loaded.filter((l) => /\/dist\/(index\.js|serializer\.js|api\.js|gen\/(index\.js|models\/|apis\/|types\/))/.test(l))
  assert.deepEqual(heavy, [], 'no generated model or API class, no package index')

  // A token the API server does not accept: the real 401.
  const refusedConfig = join(root, 'kubeconfig-refused.json')
  const cfg = JSON.parse(readFileSync(cluster.kubeconfigPath, 'utf8')) as { users: Array<{ user: { token?: string } }> }
  for (const u of cfg.users) u.user = { token: gen.base62(32) }
  writeFileSync(refusedConfig, JSON.stringify(cfg), { mode: 0o600 })
  const refused = await child(refusedConfig, node, `${ns}/${name}/${uid}`)
  assert.deepEqual(refused.states, ['unavailable'], 'a refused list is the API server being unavailable')
  assert.equal(refused.info, null)
})
