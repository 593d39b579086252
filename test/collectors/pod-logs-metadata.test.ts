// What the pod-metadata informer keeps of a pod and the owner workload it
// derives, as pure functions. The informer itself (list and watch scoped to the
// node, enrichment of log lines, 410 Gone, the API server restarting) is tested
// against the real kube-apiserver in test/cluster/pod-informer.test.ts.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { slimPod, workloadOf } from '../../collectors/k8s-pods.ts'
import { deploymentPod, pod } from './pod-logs-apiserver.ts'

const NODE = 'node-1'

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
