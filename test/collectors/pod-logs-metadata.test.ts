// Pod metadata through the real @kubernetes/client-node informer against a
// stand-in API server on 127.0.0.1 speaking the list/watch wire format:
// enrichment (labels, owner workload, node), static pods found through their
// mirror pod, selection by annotation arriving over the watch, 410 Gone
// re-lists, and the API server going away and coming back.

import assert from 'node:assert/strict'
import { appendFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import { after, test } from 'node:test'
import { KubeConfig } from '@kubernetes/client-node'
import type { MetadataState } from '../../collectors/k8s-pods.ts'
import { createPodMetadata, slimPod, workloadOf } from '../../collectors/k8s-pods.ts'
import type { PodLogsConfig } from '../../collectors/pod-logs.config.ts'
import { createPodLogsCollector } from '../../collectors/pod-logs.ts'
import { configSchema } from '../../config/schema.ts'
import type { LogChunk } from '../../pipeline/events.ts'
import { silentLogger } from '../../pipeline/log.ts'
import { createMetrics } from '../../pipeline/metrics.ts'
import { parse } from '../../pipeline/schema.ts'
import { waitFor } from '../support/wait.ts'
import type { StandInApiServer } from './pod-logs-apiserver.ts'
import { deploymentPod, pod, startStandInApiServer } from './pod-logs-apiserver.ts'

const root = mkdtempSync(join(tmpdir(), 'lw-pods-meta-'))
after(() => rmSync(root, { recursive: true, force: true }))
let n = 0

const TS = '2025-01-01T00:00:00.000000000Z'
const NODE = 'node-1'

function kubeConfig(server: string): KubeConfig {
  const kc = new KubeConfig()
  kc.loadFromOptions({
    clusters: [{ name: 'stand-in', server, skipTLSVerify: true }],
    users: [{ name: 'agent' }],
    contexts: [{ name: 'stand-in', cluster: 'stand-in', user: 'agent' }],
    currentContext: 'stand-in'
  })
  return kc
}

function setup(t: TestContext, api: StandInApiServer, overrides: Record<string, unknown> = {}) {
  const pods = join(root, `w${n++}`, 'pods')
  mkdirSync(pods, { recursive: true })
  const config = {
    ...parse(configSchema, {}, 'LW_ERR_CONFIG_INVALID', 'test').collector.podLogs,
    mode: 'on',
    path: pods,
    nodeName: NODE,
    checkpointPath: join(pods, '..', 'state.json'),
    pollIntervalMs: 10,
    discoveryIntervalMs: 10,
    flushIntervalMs: 0,
    ...overrides
  } as PodLogsConfig
  const states: MetadataState[] = []
  const metadata = createPodMetadata(
    { nodeName: NODE, deletedRetentionMs: 60_000, maxRetryDelayMs: 200 },
    { kubeConfig: kubeConfig(api.url), logger: silentLogger(), onState: (s) => states.push(s) }
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
  return { write, chunks, of, states, metadata }
}

test('owner workloads: a Deployment through its ReplicaSet, StatefulSet, DaemonSet, Job, a static pod, a bare pod', () => {
  const p = (kind: string, name: string, labels: Record<string, string> = {}) =>
    pod({ namespace: 'x', name: 'p', uid: 'u', node: NODE, labels, owner: { kind, name } })
  assert.equal(workloadOf(p('ReplicaSet', 'api-5d8f7c9b4', { 'pod-template-hash': '5d8f7c9b4' })), 'Deployment/api')
  assert.equal(workloadOf(p('ReplicaSet', 'standalone')), 'ReplicaSet/standalone')
  assert.equal(workloadOf(p('StatefulSet', 'db')), 'StatefulSet/db')
  assert.equal(workloadOf(p('DaemonSet', 'agent')), 'DaemonSet/agent')
  assert.equal(workloadOf(p('Job', 'migrate')), 'Job/migrate')
  assert.equal(workloadOf(p('Node', NODE)), `Node/${NODE}`)
  assert.equal(workloadOf(pod({ namespace: 'x', name: 'p', uid: 'u', node: NODE })), undefined)
})

test('the informer keeps of a pod only what enrichment and ListWatch read', () => {
  const full = deploymentPod(NODE, { 'leakwatch.io/exclude-containers': 'sidecar' })
  full.metadata = { ...full.metadata, resourceVersion: '42', managedFields: [{ manager: 'kubelet', operation: 'Update' }] }
  full.status = { phase: 'Running', podIP: '10.0.0.1' }
  const slim = slimPod(full)
  assert.deepEqual(slim, {
    metadata: {
      namespace: 'shop',
      name: 'api-5d8f7c9b4-x2x7q',
      uid: 'uid-api',
      resourceVersion: '42',
      labels: full.metadata.labels,
      annotations: full.metadata.annotations,
      ownerReferences: full.metadata.ownerReferences
    },
    spec: { nodeName: NODE, containers: [] }
  })
  assert.equal(workloadOf(slim), 'Deployment/api')
})

test('lines are enriched from a node-scoped informer; static pods through their mirror; annotations over the watch take effect', async (t) => {
  const api = await startStandInApiServer([
    deploymentPod(NODE),
    pod({
      namespace: 'kube-system',
      name: `etcd-${NODE}`,
      uid: 'mirror-uid',
      node: NODE,
      labels: { component: 'etcd' },
      annotations: { 'kubernetes.io/config.mirror': 'cfg-hash-1' },
      owner: { kind: 'Node', name: NODE }
    }),
    pod({ namespace: 'shop', name: 'elsewhere', uid: 'uid-other-node', node: 'node-2', labels: { app: 'x' } })
  ])
  t.after(() => api.stop())
  const s = setup(t, api)
  await waitFor(() => s.metadata.state() === 'synced', 'the informer to sync', 10_000)
  assert.equal(api.lists[0]?.get('fieldSelector'), `spec.nodeName=${NODE}`, 'lists only this node')
  assert.equal(api.watches[0]?.get('fieldSelector'), `spec.nodeName=${NODE}`, 'watches only this node')
  assert.equal(s.metadata.lookup('shop', 'elsewhere', 'uid-other-node'), undefined, "another node's pods are not cached")

  s.write('shop', 'api-5d8f7c9b4-x2x7q', 'uid-api', 'app', ['api one', 'api two'])
  s.write('kube-system', `etcd-${NODE}`, 'cfg-hash-1', 'etcd', ['etcd one'])
  await waitFor(() => s.chunks.reduce((a, c) => a + c.lines.length, 0) >= 3, '3 lines', 10_000)
  const api1 = s.of('k8s/shop/api-5d8f7c9b4-x2x7q/app')[0]
  assert.equal(api1?.source.workload, 'Deployment/api')
  assert.deepEqual(api1?.source.labels, { app: 'api', 'pod-template-hash': '5d8f7c9b4' })
  assert.equal(api1?.source.node, NODE)
  const etcd = s.of(`k8s/kube-system/etcd-${NODE}/etcd`)[0]
  assert.equal(etcd?.source.workload, `Node/${NODE}`, 'the static pod found through its mirror pod')
  assert.equal(etcd?.source.podUid, 'cfg-hash-1', 'the uid of the path is kept')

  // A pod that appears later arrives over the watch; its exclusion annotation is honoured from its first line.
  api.add(pod({ namespace: 'shop', name: 'batch', uid: 'uid-batch', node: NODE, annotations: { 'leakwatch.io/exclude': 'true' } }))
  api.add(pod({ namespace: 'shop', name: 'web', uid: 'uid-web', node: NODE, labels: { app: 'web' }, owner: { kind: 'StatefulSet', name: 'web' } }))
  s.write('shop', 'batch', 'uid-batch', 'app', ['batch output'])
  s.write('shop', 'web', 'uid-web', 'app', ['web one'])
  await waitFor(() => s.of('k8s/shop/web/app').length > 0, 'the new pod', 10_000)
  assert.equal(s.of('k8s/shop/web/app')[0]?.source.workload, 'StatefulSet/web')
  // A MODIFIED event excludes a container of a running pod: its later lines are not read.
  api.modify(
    pod({ namespace: 'shop', name: 'web', uid: 'uid-web', node: NODE, labels: { app: 'web' }, annotations: { 'leakwatch.io/exclude-containers': 'app' } })
  )
  await waitFor(() => s.metadata.lookup('shop', 'web', 'uid-web')?.annotations['leakwatch.io/exclude-containers'] === 'app', 'the update', 10_000)
  s.write('shop', 'web', 'uid-web', 'app', ['web two'])
  s.write('shop', 'api-5d8f7c9b4-x2x7q', 'uid-api', 'app', ['api three'])
  await waitFor(() => s.of('k8s/shop/api-5d8f7c9b4-x2x7q/app').flatMap((c) => c.lines).length === 3, 'api three', 10_000)
  assert.deepEqual(
    s.of('k8s/shop/web/app').flatMap((c) => c.lines),
    ['web one']
  )
  assert.equal(s.of('k8s/shop/batch/app').length, 0)
})

test('410 Gone on the watch makes the informer list again; an unreachable API server degrades to path metadata and recovers', async (t) => {
  const api = await startStandInApiServer([pod({ namespace: 'shop', name: 'a', uid: 'uid-a', node: NODE, labels: { app: 'a' } })])
  t.after(() => api.stop())
  const s = setup(t, api, { metadata: { enabled: true, waitMs: 60_000, deletedRetentionMs: 60_000 } })
  await waitFor(() => s.metadata.state() === 'synced', 'the informer to sync', 10_000)
  const listsBefore = api.lists.length
  api.compact()
  api.add(pod({ namespace: 'shop', name: 'b', uid: 'uid-b', node: NODE, labels: { app: 'b' } }))
  await waitFor(() => api.lists.length > listsBefore, 'a new list after 410 Gone', 10_000)
  await waitFor(() => s.metadata.lookup('shop', 'b', 'uid-b') !== undefined, 'pod b from the new list', 10_000)

  await api.stop()
  await waitFor(() => s.metadata.state() === 'unavailable', 'the outage to be noticed', 15_000)
  // Without the API server a new pod's lines are not held back (waitMs is a minute here): path metadata only.
  s.write('shop', 'c', 'uid-c', 'app', ['c one'])
  await waitFor(() => s.of('k8s/shop/c/app').length > 0, "pod c's line", 10_000)
  assert.equal(s.of('k8s/shop/c/app')[0]?.source.labels, undefined)
  assert.equal(s.of('k8s/shop/c/app')[0]?.source.namespace, 'shop')
  // The cache kept what it had: pod a is still enriched during the outage.
  s.write('shop', 'a', 'uid-a', 'app', ['a one'])
  await waitFor(() => s.of('k8s/shop/a/app').length > 0, "pod a's line", 10_000)
  assert.deepEqual(s.of('k8s/shop/a/app')[0]?.source.labels, { app: 'a' })

  await api.start()
  await waitFor(() => s.metadata.state() === 'synced', 'the informer to recover', 15_000)
  assert.deepEqual(s.states.slice(-2), ['unavailable', 'synced'])
})
