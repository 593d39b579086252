// Kubernetes rotation (responders/kubernetes.ts) against a real kube-apiserver,
// run as the responder's service account with exactly the RBAC that
// deploy/kubernetes/optional/kubernetes-rotation-rbac.yaml ships (a real token
// from the TokenRequest API): generate-and-patch of an opted-in Secret, the
// rollout-restart annotation on the real Deployments, StatefulSets and
// DaemonSets that use it (no controller-manager is needed to see the pod
// template change), and the ExternalSecret force-sync against the published
// ExternalSecret CRD (test/fixtures/crds). These tests replaced the ones that
// ran against a hand-written Kubernetes stand-in in test/responders.

import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type { KubernetesObject, V1DaemonSet, V1Deployment, V1StatefulSet } from '@kubernetes/client-node'
import { AppsV1Api, CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, Watch } from '@kubernetes/client-node'
import { isLeakwatchError } from '../../pipeline/errors.ts'
import { createKubernetesRotator } from '../../responders/kubernetes.ts'
import type { KubeCluster } from '../harness/kube.ts'
import { getKube } from '../harness/kube.ts'
import { gen, incidentOf } from '../responders/fixtures.ts'
import type { Tap } from './rotation-setup.ts'
import { adminConfig, installRotation, RESPONDER_SA, serviceAccountToken, startTap, tokenConfig, workload } from './rotation-setup.ts'

let kube: KubeCluster
let admin: ReturnType<typeof adminConfig>
let tap: Tap
let responderToken: string
const namespaces: string[] = []

before(async () => {
  kube = await getKube()
  admin = adminConfig(kube)
  await installRotation(kube)
  responderToken = await serviceAccountToken(admin, RESPONDER_SA)
  tap = await startTap(admin)
})

after(async () => {
  await tap?.close()
  // A started cluster is thrown away whole (proc.ts's exit hooks); on a KUBECONFIG cluster the namespaces take the objects with them.
  if (kube?.external === true) for (const name of namespaces) await admin.makeApiClient(CoreV1Api).deleteNamespace({ name })
})

/** The responder's view of the cluster: its own token, through the tap. */
function responderConfig() {
  return tokenConfig(tap.url, RESPONDER_SA, responderToken)
}

async function namespace(): Promise<string> {
  const name = `lw-rot-${gen.hex(6)}`
  await admin.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name } } })
  namespaces.push(name)
  return name
}

function knownSecretIncident(ns: string, name: string, key?: string) {
  return incidentOf(gen.password(), { kind: 'known-secret', secretRef: { type: 'kubernetes', namespace: ns, name, ...(key === undefined ? {} : { key }) } })
}

async function createWorkload(ns: string, w: ReturnType<typeof workload>): Promise<void> {
  const apps = admin.makeApiClient(AppsV1Api)
  if (w.kind === 'Deployment') await apps.createNamespacedDeployment({ namespace: ns, body: w as V1Deployment })
  else if (w.kind === 'StatefulSet') await apps.createNamespacedStatefulSet({ namespace: ns, body: w as V1StatefulSet })
  else await apps.createNamespacedDaemonSet({ namespace: ns, body: w as V1DaemonSet })
}

test('a Secret opted in with leakwatch.io/rotate: generate gets a new value, then every workload using it is restarted', async () => {
  const ns = await namespace()
  const core = admin.makeApiClient(CoreV1Api)
  const apps = admin.makeApiClient(AppsV1Api)
  const old = gen.password()
  await core.createNamespacedSecret({
    namespace: ns,
    body: {
      metadata: {
        name: 'db',
        annotations: { 'leakwatch.io/rotate': 'generate', 'leakwatch.io/rotate-length': '40', 'leakwatch.io/rotate-charset': 'hex' }
      },
      data: { password: Buffer.from(old).toString('base64'), user: Buffer.from('app').toString('base64') }
    }
  })
  await createWorkload(
    ns,
    workload('Deployment', 'api', { containers: [{ name: 'app', env: [{ name: 'DB', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }] }] })
  )
  await createWorkload(ns, workload('Deployment', 'unrelated', { containers: [{ name: 'app' }] }))
  await createWorkload(ns, workload('StatefulSet', 'worker', { containers: [{ name: 'w', envFrom: [{ secretRef: { name: 'db' } }] }] }))
  await createWorkload(
    ns,
    workload('DaemonSet', 'agent', { volumes: [{ name: 'v', projected: { sources: [{ secret: { name: 'db' } }] } }], containers: [{ name: 'a' }] })
  )
  const generationsBefore = (await apps.readNamespacedDeployment({ namespace: ns, name: 'api' })).metadata?.generation
  const at = new Date('2025-06-01T12:00:00.000Z')
  const r = createKubernetesRotator(responderConfig(), { restartWorkloads: true, now: () => at })
  const detail = await r.rotate(knownSecretIncident(ns, 'db', 'password'))
  assert.equal(detail, 'generated a new password for Secret db; restarted Deployment/api, StatefulSet/worker, DaemonSet/agent')
  const secret = await core.readNamespacedSecret({ namespace: ns, name: 'db' })
  const value = Buffer.from(String(secret?.data?.password), 'base64').toString('utf8')
  assert.match(value, /^[0-9a-f]{40}$/)
  assert.notEqual(value, old)
  assert.equal(Buffer.from(String(secret?.data?.user), 'base64').toString(), 'app', 'other keys are kept')
  assert.equal(secret?.metadata?.annotations?.['leakwatch.io/rotated-at'], at.toISOString())
  // The opt-in annotations are kept: the patch merged into them rather than replacing the map.
  assert.equal(secret?.metadata?.annotations?.['leakwatch.io/rotate'], 'generate')
  const restartedAt = async (kind: string, name: string): Promise<string | undefined> => {
    const w =
      kind === 'deployments'
        ? await apps.readNamespacedDeployment({ namespace: ns, name })
        : kind === 'statefulsets'
          ? await apps.readNamespacedStatefulSet({ namespace: ns, name })
          : await apps.readNamespacedDaemonSet({ namespace: ns, name })
    return w.spec?.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt']
  }
  for (const [plural, name] of [
    ['deployments', 'api'],
    ['statefulsets', 'worker'],
    ['daemonsets', 'agent']
  ] as const)
    assert.equal(await restartedAt(plural, name), at.toISOString())
  assert.equal((await apps.readNamespacedDeployment({ namespace: ns, name: 'unrelated' })).spec?.template.metadata?.annotations, undefined)
  // A changed pod template is a new rollout for the Deployment controller: the API server bumped the generation.
  const generationAfter = (await apps.readNamespacedDeployment({ namespace: ns, name: 'api' })).metadata?.generation
  assert.equal(generationAfter, (generationsBefore ?? 0) + 1)
  const ours = tap.requests.filter((p) => p.method === 'PATCH' && p.path.includes(`/namespaces/${ns}/`))
  assert.equal(ours.length, 4, 'the Secret and three workloads')
  assert.ok(
    ours.every((p) => p.contentType === 'application/strategic-merge-patch+json'),
    'built-in kinds are patched with strategic merge'
  )
  assert.equal(JSON.stringify(ours).includes(old), false)
})

test('a Secret owned by an ExternalSecret is force-synced with a JSON merge patch, and workloads restart after the operator rewrote it', async () => {
  const ns = await namespace()
  const core = admin.makeApiClient(CoreV1Api)
  const custom = admin.makeApiClient(CustomObjectsApi)
  const es = (await custom.createNamespacedCustomObject({
    group: 'external-secrets.io',
    version: 'v1',
    namespace: ns,
    plural: 'externalsecrets',
    body: {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: { name: 'stripe-es' },
      spec: {
        refreshInterval: '1h',
        secretStoreRef: { kind: 'SecretStore', name: 'vault' },
        target: { name: 'stripe' },
        dataFrom: [{ extract: { key: 'stripe' } }]
      }
    }
  })) as KubernetesObject
  assert.ok(es.metadata?.uid)
  await core.createNamespacedSecret({
    namespace: ns,
    body: {
      metadata: {
        name: 'stripe',
        ownerReferences: [{ apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', name: 'stripe-es', uid: es.metadata.uid, controller: true }]
      },
      data: { key: Buffer.from(gen.password()).toString('base64') }
    }
  })
  await createWorkload(ns, workload('Deployment', 'billing', { volumes: [{ name: 's', secret: { secretName: 'stripe' } }], containers: [{ name: 'b' }] }))

  // The operator's part, played through a real watch: on the force-sync annotation, it rewrites the target Secret.
  const timeline: string[] = []
  let rewritten = false
  const operator = await new Watch(admin).watch(
    `/apis/external-secrets.io/v1/namespaces/${ns}/externalsecrets`,
    {},
    (phase, obj: KubernetesObject) => {
      if (phase !== 'MODIFIED' || rewritten || obj.metadata?.annotations?.['force-sync'] === undefined) return
      rewritten = true
      core
        .patchNamespacedSecret(
          { namespace: ns, name: 'stripe', body: { data: { synced: Buffer.from(`from-store-${gen.hex(8)}`).toString('base64') } } },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch)
        )
        .then(() => timeline.push('operator rewrote the Secret'))
    },
    () => {}
  )
  try {
    const tapped = tap.requests.length
    const r = createKubernetesRotator(responderConfig(), { restartWorkloads: true, syncWaitMs: 5000 })
    const detail = await r.rotate(knownSecretIncident(ns, 'stripe'))
    assert.equal(detail, 'force-synced ExternalSecret stripe-es; restarted Deployment/billing')
    const esPatch = tap.requests.find((p) => p.method === 'PATCH' && p.path.endsWith(`/namespaces/${ns}/externalsecrets/stripe-es`))
    assert.ok(esPatch !== undefined)
    assert.equal(esPatch.contentType, 'application/merge-patch+json', 'custom resources take merge patch, not strategic merge')
    assert.match(String((esPatch.body as { metadata: { annotations: Record<string, string> } }).metadata.annotations['force-sync']), /^\d+$/)
    assert.ok((await core.readNamespacedSecret({ namespace: ns, name: 'stripe' })).data?.synced !== undefined, 'the operator rewrote the Secret')
    // Stored by the real server, under the published schema.
    const stored = (await custom.getNamespacedCustomObject({
      group: 'external-secrets.io',
      version: 'v1',
      namespace: ns,
      plural: 'externalsecrets',
      name: 'stripe-es'
    })) as KubernetesObject
    assert.match(String(stored.metadata?.annotations?.['force-sync']), /^\d+$/)
    // The restart came after the rewrite, never into the leaked value.
    const restart = tap.requests.slice(tapped).findIndex((p) => p.method === 'PATCH' && p.path.endsWith(`/namespaces/${ns}/deployments/billing`))
    assert.ok(restart >= 0)
    assert.deepEqual(timeline, ['operator rewrote the Secret'])
  } finally {
    operator.abort()
  }
})

test('a Secret whose owner reference still names external-secrets.io/v1beta1, which the CRD no longer serves, is force-synced through v1', async () => {
  const ns = await namespace()
  const custom = admin.makeApiClient(CustomObjectsApi)
  const coords = { group: 'external-secrets.io', version: 'v1', namespace: ns, plural: 'externalsecrets' }
  const es = (await custom.createNamespacedCustomObject({
    ...coords,
    body: { apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name: 'legacy' }, spec: { target: { name: 'legacy' } } }
  })) as KubernetesObject
  await admin.makeApiClient(CoreV1Api).createNamespacedSecret({
    namespace: ns,
    body: {
      metadata: {
        name: 'legacy',
        // As an External Secrets release that served v1beta1 wrote it; owner references are not rewritten on upgrade.
        ownerReferences: [{ apiVersion: 'external-secrets.io/v1beta1', kind: 'ExternalSecret', name: 'legacy', uid: es.metadata?.uid ?? '', controller: true }]
      },
      data: { key: Buffer.from(gen.password()).toString('base64') }
    }
  })
  // What an operator does when the store still holds the same value: a no-op write, which keeps the resourceVersion.
  const core = admin.makeApiClient(CoreV1Api)
  const same = await core.readNamespacedSecret({ namespace: ns, name: 'legacy' })
  const noop = await core.patchNamespacedSecret(
    { namespace: ns, name: 'legacy', body: { data: same.data } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch)
  )
  assert.equal(noop.metadata?.resourceVersion, same.metadata?.resourceVersion)
  const tapped = tap.requests.length
  // No rewrite comes: the rotator waits syncWaitMs, goes on, and says the value may still be the leaked one.
  const r = createKubernetesRotator(responderConfig(), { restartWorkloads: false, syncWaitMs: 300 })
  assert.equal(
    await r.rotate(knownSecretIncident(ns, 'legacy')),
    'force-synced ExternalSecret legacy (the Secret was not rewritten within 300 ms: its store may still hold the leaked value)'
  )
  assert.deepEqual(
    tap.requests
      .slice(tapped)
      .filter((p) => p.method === 'PATCH')
      .map((p) => `${p.path.split('/')[3]} ${p.status}`),
    ['v1beta1 404', 'v1 200']
  )
  const stored = (await custom.getNamespacedCustomObject({ ...coords, name: 'legacy' })) as KubernetesObject
  assert.match(String(stored.metadata?.annotations?.['force-sync']), /^\d+$/)
})

test('the real API server refuses a strategic merge patch on the ExternalSecret (why the force-sync uses merge patch)', async () => {
  const ns = await namespace()
  const custom = admin.makeApiClient(CustomObjectsApi)
  const coords = { group: 'external-secrets.io', version: 'v1', namespace: ns, plural: 'externalsecrets' }
  await custom.createNamespacedCustomObject({
    ...coords,
    body: { apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name: 'x' }, spec: { target: { name: 'x' } } }
  })
  const err = await custom
    .patchNamespacedCustomObject(
      { ...coords, name: 'x', body: { metadata: { annotations: { 'force-sync': '1' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch)
    )
    .then(
      () => undefined,
      (e: unknown) => e
    )
  assert.equal((err as { code?: number } | undefined)?.code, 415)
})

test('Kubernetes rotation refuses what it cannot rotate, and maps API errors to retriable or not', async () => {
  const ns = await namespace()
  await admin.makeApiClient(CoreV1Api).createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'plain' }, data: { a: 'YQ==' } } })
  const r = createKubernetesRotator(responderConfig(), { restartWorkloads: true })
  await assert.rejects(
    r.rotate(knownSecretIncident(ns, 'plain')),
    (e: unknown) => isLeakwatchError(e, 'LW_ERR_ACTION_UNSUPPORTED') && /neither owned/.test(e.message)
  )
  await assert.rejects(r.rotate(incidentOf(gen.password())), (e: unknown) => isLeakwatchError(e, 'LW_ERR_ACTION_UNSUPPORTED'))
  await assert.rejects(r.rotate(knownSecretIncident(ns, 'missing')), (e: unknown) => isLeakwatchError(e, 'LW_ERR_KUBERNETES_REJECTED') && !e.retriable)
  const bad = tokenConfig(tap.url, 'u', 'wrong')
  await assert.rejects(createKubernetesRotator(bad, { restartWorkloads: false }).rotate(knownSecretIncident(ns, 'plain')), (e: unknown) =>
    isLeakwatchError(e, 'LW_ERR_KUBERNETES_REJECTED')
  )
})

test('an incident naming a key the Secret does not have is refused, and the Secret is left as it was', async () => {
  const ns = await namespace()
  const core = admin.makeApiClient(CoreV1Api)
  const data = { token: Buffer.from(gen.password()).toString('base64'), user: Buffer.from('app').toString('base64') }
  await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'db', annotations: { 'leakwatch.io/rotate': 'generate' } }, data } })
  const r = createKubernetesRotator(responderConfig(), { restartWorkloads: true })
  await assert.rejects(
    r.rotate(knownSecretIncident(ns, 'db', 'password')),
    (e: unknown) => isLeakwatchError(e, 'LW_ERR_ACTION_UNSUPPORTED') && /has no key password/.test(e.message)
  )
  await assert.rejects(
    r.rotate(knownSecretIncident(ns, 'db')),
    (e: unknown) => isLeakwatchError(e, 'LW_ERR_ACTION_UNSUPPORTED') && /several keys/.test(e.message)
  )
  assert.deepEqual((await core.readNamespacedSecret({ namespace: ns, name: 'db' })).data, data)
})

test('a service account without the rotation RBAC is refused (403), not retried', async () => {
  const ns = await namespace()
  await admin.makeApiClient(CoreV1Api).createNamespacedSecret({
    namespace: ns,
    body: { metadata: { name: 'db', annotations: { 'leakwatch.io/rotate': 'generate' } }, data: { password: Buffer.from(gen.password()).toString('base64') } }
  })
  // The detector's and responder's shared account (deploy/kubernetes/rbac.yaml) has no API rights at all.
  await admin
    .makeApiClient(CoreV1Api)
    .createNamespacedServiceAccount({ namespace: 'leakwatch', body: { metadata: { name: 'leakwatch' } } })
    .catch((e: unknown) => {
      if ((e as { code?: number }).code !== 409) throw e
    })
  const token = await serviceAccountToken(admin, 'leakwatch')
  const r = createKubernetesRotator(tokenConfig(tap.url, 'leakwatch', token), { restartWorkloads: true })
  await assert.rejects(
    r.rotate(knownSecretIncident(ns, 'db', 'password')),
    (e: unknown) => isLeakwatchError(e, 'LW_ERR_KUBERNETES_REJECTED') && !e.retriable && /HTTP 403/.test(e.message)
  )
})

test('a concurrent edit between read and patch is a real 409: retriable, and the other edit is not overwritten', async () => {
  const ns = await namespace()
  const core = admin.makeApiClient(CoreV1Api)
  await core.createNamespacedSecret({
    namespace: ns,
    body: { metadata: { name: 'db', annotations: { 'leakwatch.io/rotate': 'generate' } }, data: { password: Buffer.from(gen.password()).toString('base64') } }
  })
  const theirs = Buffer.from(gen.password()).toString('base64')
  tap.before = async (req) => {
    if (req.method !== 'PATCH' || !req.path.endsWith(`/namespaces/${ns}/secrets/db`)) return
    tap.before = undefined
    await core.patchNamespacedSecret(
      { namespace: ns, name: 'db', body: { data: { password: theirs } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch)
    )
  }
  try {
    const r = createKubernetesRotator(responderConfig(), { restartWorkloads: true })
    await assert.rejects(
      r.rotate(knownSecretIncident(ns, 'db', 'password')),
      (e: unknown) => isLeakwatchError(e, 'LW_ERR_KUBERNETES_FAILED') && e.retriable && /HTTP 409/.test(e.message)
    )
  } finally {
    tap.before = undefined
  }
  assert.equal((await core.readNamespacedSecret({ namespace: ns, name: 'db' })).data?.password, theirs)
})

test('an immutable Secret cannot be regenerated: the real 422 is not retried', async () => {
  const ns = await namespace()
  await admin.makeApiClient(CoreV1Api).createNamespacedSecret({
    namespace: ns,
    body: {
      metadata: { name: 'frozen', annotations: { 'leakwatch.io/rotate': 'generate' } },
      immutable: true,
      data: { password: Buffer.from(gen.password()).toString('base64') }
    }
  })
  const r = createKubernetesRotator(responderConfig(), { restartWorkloads: true })
  await assert.rejects(
    r.rotate(knownSecretIncident(ns, 'frozen', 'password')),
    (e: unknown) => isLeakwatchError(e, 'LW_ERR_KUBERNETES_REJECTED') && !e.retriable && /HTTP 422/.test(e.message)
  )
})
