// Both informers against kube-apiserver as a cluster runs it, with the watch cache on (the other two
// informer files serve pods and secrets from etcd to force 410 through compaction): a node cut off from
// the control plane across a kube-apiserver restart comes back with a resourceVersion older than the new
// watch cache, gets the real 410 Gone ("too old resource version") and lists again, catching up on what
// changed meanwhile; and the pod informer without RBAC on pods says what to grant and retries with backoff.

import assert from 'node:assert/strict'
import { before, test } from 'node:test'
import type { V1Pod } from '@kubernetes/client-node'
import { CoreV1Api, KubeConfig, RbacAuthorizationV1Api } from '@kubernetes/client-node'
import { createPodMetadata } from '../../collectors/k8s-pods.ts'
import { createKnownSecretDetector, previewOf } from '../../detectors/known-secrets/detector.ts'
import { createKnownSecretIndex } from '../../detectors/known-secrets/index.ts'
import { createKubernetesSource } from '../../detectors/known-secrets/source-kubernetes.ts'
import { createFingerprinter } from '../../pipeline/fingerprint.ts'
import type { KubeCluster } from '../harness/kube.ts'
import { getKube } from '../harness/kube.ts'
import { chunkOf } from '../support/known-secrets.ts'
import { captureLog } from '../support/log-capture.ts'
import { seededGen } from '../support/seed.ts'
import { waitFor } from '../support/wait.ts'
import { kubeConfigFor } from './kube-config.ts'
import { startPartition } from './partition.ts'

const g = seededGen('watch-cache')
const fingerprinter = createFingerprinter(g.base62(40))
let cluster: KubeCluster
const admin = new KubeConfig()
let core: CoreV1Api
let rbac: RbacAuthorizationV1Api
let n = 0

before(async () => {
  cluster = await getKube()
  admin.loadFromFile(cluster.kubeconfigPath)
  core = admin.makeApiClient(CoreV1Api)
  rbac = admin.makeApiClient(RbacAuthorizationV1Api)
})

function uniq(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${n++}-${g.base62(4).toLowerCase()}`
}

function podBody(name: string, node: string, labels: Record<string, string>): V1Pod {
  return { metadata: { name, labels }, spec: { nodeName: node, containers: [{ name: 'app', image: 'registry.invalid/leakwatch/none:0' }] } }
}

function secretBody(name: string, value: string) {
  return { metadata: { name }, data: { v: Buffer.from(value).toString('base64') } }
}

test('cut off across a kube-apiserver restart: both informers get 410 Gone from the new watch cache, list again and catch up', {
  skip: process.env.KUBECONFIG ? 'KUBECONFIG cluster' : false
}, async (t) => {
  const ns = uniq('lw-cache')
  await core.createNamespace({ body: { metadata: { name: ns } } })
  const node = uniq('node')
  const a = await core.createNamespacedPod({ namespace: ns, body: podBody('a', node, { app: 'a' }) })
  const gone = await core.createNamespacedPod({ namespace: ns, body: podBody('gone', node, { app: 'gone' }) })
  const oldValue = g.base62(24)
  await core.createNamespacedSecret({ namespace: ns, body: secretBody('s', oldValue) })

  const partition = await startPartition(cluster.server)
  t.after(() => partition.close())
  const podLog = captureLog()
  let clock = Date.now()
  const pods = createPodMetadata(
    { nodeName: node, deletedRetentionMs: 1000, maxRetryDelayMs: 300 },
    { kubeConfig: kubeConfigFor(admin, undefined, partition.server), logger: podLog.logger, now: () => clock }
  )
  t.after(() => pods.stop())
  const secretLog = captureLog()
  const index = createKnownSecretIndex({ fingerprint: (b) => fingerprinter.ofBytes?.(b) ?? '', preview: previewOf })
  const detector = createKnownSecretDetector({ index, maxContextChars: 200 })
  const source = createKubernetesSource(
    { namespaces: [ns], excludeNamespaces: [], excludeLabels: [], excludeTypes: [], excludeKeys: [], maxRetryDelayMs: 300 },
    { kubeConfig: kubeConfigFor(admin, undefined, partition.server), index, logger: secretLog.logger }
  )
  t.after(() => source.stop())
  pods.start()
  source.start()
  await waitFor(() => pods.state() === 'synced', 'the pod informer to sync', 10_000)
  assert.equal(await source.synced(10_000), true)
  assert.equal(detector.detect(chunkOf(`v=${oldValue}`)).length, 1)

  await partition.cut()
  await waitFor(() => pods.state() === 'unavailable' && source.state() === 'unavailable', 'both informers to notice', 15_000)
  // While the node is cut off: a pod added, one relabelled, one deleted; a Secret's value replaced.
  const b = await core.createNamespacedPod({ namespace: ns, body: podBody('b', node, { app: 'b' }) })
  const readA = await core.readNamespacedPod({ namespace: ns, name: 'a' })
  readA.metadata = { ...readA.metadata, labels: { app: 'a', tier: 'web' } }
  await core.replaceNamespacedPod({ namespace: ns, name: 'a', body: readA })
  await core.deleteNamespacedPod({ namespace: ns, name: 'gone', gracePeriodSeconds: 0 })
  const newValue = g.base62(24)
  await core.replaceNamespacedSecret({ namespace: ns, name: 's', body: secretBody('s', newValue) })
  const restart = cluster.restartApiserver
  assert.ok(restart, 'the harness can restart kube-apiserver')
  await restart()
  await partition.resume()

  await waitFor(() => pods.state() === 'synced' && source.state() === 'synced', 'both informers to recover', 30_000)
  await waitFor(() => pods.lookup(ns, 'b', b.metadata?.uid ?? '') !== undefined, 'pod b', 10_000)
  await waitFor(() => detector.detect(chunkOf(`v=${newValue}`)).length === 1, 'the new value', 10_000)
  assert.equal(detector.detect(chunkOf(`v=${oldValue}`)).length, 0, 'the replaced value is forgotten')
  assert.deepEqual(pods.lookup(ns, 'a', a.metadata?.uid ?? '')?.labels, { app: 'a', tier: 'web' })
  clock += 2000
  pods.lookup(ns, 'x', 'x')
  assert.equal(pods.lookup(ns, 'gone', gone.metadata?.uid ?? ''), undefined, 'the pod deleted meanwhile is forgotten after its retention')
  // The new watch cache starts at the current revision: both resumed watches were too old for it.
  assert.ok(
    podLog.lines.some((l) => l.includes('pod watch expired')),
    'the pod informer saw 410 Gone'
  )
  assert.ok(
    secretLog.lines.some((l) => l.includes('Secrets watch expired')),
    'the Secrets informer saw 410 Gone'
  )
})

test('the pod informer without RBAC on pods: says what to grant, retries with backoff, and syncs once granted', async (t) => {
  const ns = uniq('lw-podrbac')
  await core.createNamespace({ body: { metadata: { name: ns } } })
  const node = uniq('node')
  const p = await core.createNamespacedPod({ namespace: ns, body: podBody('p', node, { app: 'p' }) })
  await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'agent' } } })
  const { status } = await core.createNamespacedServiceAccountToken({ namespace: ns, name: 'agent', body: { spec: { audiences: [] } } })
  assert.ok(status?.token)
  const log = captureLog()
  const pods = createPodMetadata(
    { nodeName: node, deletedRetentionMs: 60_000, maxRetryDelayMs: 30_000 },
    { kubeConfig: kubeConfigFor(admin, status.token), logger: log.logger }
  )
  t.after(() => pods.stop())
  pods.start()
  type Logged = { level: number; code?: number; retryInMs?: number; msg: string }
  const refusals = (): Logged[] => log.lines.map((l) => JSON.parse(l) as Logged).filter((l) => l.code === 403)
  await waitFor(() => refusals().length >= 3, 'three refused attempts', 15_000)
  const [first, second, third] = refusals()
  assert.match(first?.msg ?? '', /refused to list\/watch pods \(403 Forbidden: the service account needs get, list and watch on pods\)/)
  assert.equal(first?.level, 40, 'a warning')
  assert.deepEqual([first?.retryInMs, second?.retryInMs, third?.retryInMs], [1000, 2000, 4000])
  assert.equal(pods.state(), 'unavailable')

  const role = `${ns}-pods`
  await rbac.createClusterRole({ body: { metadata: { name: role }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }] } })
  await rbac.createClusterRoleBinding({
    body: {
      metadata: { name: role },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
      subjects: [{ kind: 'ServiceAccount', name: 'agent', namespace: ns }]
    }
  })
  await waitFor(() => pods.state() === 'synced', 'the informer to sync once granted', 20_000)
  assert.deepEqual(pods.lookup(ns, 'p', p.metadata?.uid ?? '')?.labels, { app: 'p' })
})
