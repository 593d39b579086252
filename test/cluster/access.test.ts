// The access detector on the real kube-apiserver's audit log: a service
// account that only ever read its own namespace's secret, and one granted
// cluster-wide secret reads that lists every secret. The log the API server
// wrote is replayed through `leakwatch audit analyze` and through the
// detector stage with its state in the real Redis; both name the principal
// that listed, and its findings become one incident keyed by principal.

import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, test } from 'node:test'
import type { KubeConfig } from '@kubernetes/client-node'
import { CoreV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node'
import { Redis } from 'ioredis'
import { accessConfigSchema } from '../../detectors/access/config.ts'
import { createAccessStage } from '../../detectors/access/stage.ts'
import { createDetectorStage } from '../../detectors/detector-stage.ts'
import type { AuditEnvelope, Finding } from '../../pipeline/events.ts'
import { findingSchema, TOPICS } from '../../pipeline/events.ts'
import { createFingerprinter } from '../../pipeline/fingerprint.ts'
import { silentLogger } from '../../pipeline/log.ts'
import { createMetrics } from '../../pipeline/metrics.ts'
import { parse, safeParse } from '../../pipeline/schema.ts'
import { createMemoryIncidentStore } from '../../responders/incidents.ts'
import type { KubeCluster } from '../harness/kube.ts'
import { getKube } from '../harness/kube.ts'
import { getServices } from '../harness/services.ts'
import { cli, repo } from '../support/cli.ts'
import { waitFor } from '../support/wait.ts'
import { adminConfig, tokenConfig } from './rotation-setup.ts'

// Secrets, configmaps and token requests at Metadata (no value in the log), RBAC with its bodies.
const POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
  - level: Metadata
    resources:
      - group: ""
        resources: ["secrets", "configmaps", "serviceaccounts/token"]
  - level: Request
    resources:
      - group: "rbac.authorization.k8s.io"
  - level: Metadata
`

const LISTER = 'system:serviceaccount:ci:deployer'
const APP = 'system:serviceaccount:shop:api'
let kube: KubeCluster
let admin: KubeConfig
const redisClients: Redis[] = []

// biome-ignore lint/suspicious/noExplicitAny: audit events are read as plain JSON here
type J = any
const logEvents = (): J[] =>
  readFileSync(kube.audit?.logPath ?? '', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))

async function token(ns: string, sa: string): Promise<string> {
  const { status } = await admin
    .makeApiClient(CoreV1Api)
    .createNamespacedServiceAccountToken({ namespace: ns, name: sa, body: { spec: { audiences: [], expirationSeconds: 3600 } } })
  if (status?.token === undefined) throw new Error('no token')
  return status.token
}

let learnUntil = 0
let listAuditID = ''

before(async () => {
  kube = await getKube({ audit: { policy: POLICY } })
  if (kube.audit === undefined) return
  admin = adminConfig(kube)
  const core = admin.makeApiClient(CoreV1Api)
  const rbac = admin.makeApiClient(RbacAuthorizationV1Api)
  for (const ns of ['ci', 'shop', 'payments']) await core.createNamespace({ body: { metadata: { name: ns } } })
  await core.createNamespacedServiceAccount({ namespace: 'ci', body: { metadata: { name: 'deployer' } } })
  await core.createNamespacedServiceAccount({ namespace: 'shop', body: { metadata: { name: 'api' } } })
  // Values are only ever placeholders: the policy keeps them out of the log anyway.
  await core.createNamespacedSecret({ namespace: 'shop', body: { metadata: { name: 'db' }, stringData: { password: 'placeholder' } } })
  await core.createNamespacedSecret({ namespace: 'payments', body: { metadata: { name: 'stripe' }, stringData: { key: 'placeholder' } } })
  await rbac.createNamespacedRole({
    namespace: 'shop',
    body: { metadata: { name: 'db-reader' }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }] }
  })
  await rbac.createNamespacedRoleBinding({
    namespace: 'shop',
    body: {
      metadata: { name: 'api-db' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'db-reader' },
      subjects: [{ kind: 'ServiceAccount', name: 'api', namespace: 'shop' }]
    }
  })
  await rbac.createClusterRole({ body: { metadata: { name: 'secret-lister' }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['list'] }] } })
  await rbac.createClusterRoleBinding({
    body: {
      metadata: { name: 'deployer-secrets' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'secret-lister' },
      subjects: [{ kind: 'ServiceAccount', name: 'deployer', namespace: 'ci' }]
    }
  })
  // Learning: the app reads its own secret.
  const app = tokenConfig(kube.server, 'api', await token('shop', 'api')).makeApiClient(CoreV1Api)
  for (let i = 0; i < 3; i++) await app.readNamespacedSecret({ namespace: 'shop', name: 'db' })
  const deployerToken = await token('ci', 'deployer')
  await waitFor(
    () => logEvents().filter((e) => e.user.username === APP && e.objectRef?.resource === 'secrets').length === 3,
    'the app’s reads in the audit log',
    15_000,
    50
  )
  learnUntil = Math.max(...logEvents().map((e) => Date.parse(e.stageTimestamp))) + 1
  await waitFor(() => Date.now() > learnUntil + 1, 'a millisecond after learning', 1000, 1)
  // Detection: the deployer lists every secret in the cluster.
  await tokenConfig(kube.server, 'deployer', deployerToken).makeApiClient(CoreV1Api).listSecretForAllNamespaces()
  await waitFor(
    () => logEvents().some((e) => e.user.username === LISTER && e.verb === 'list' && e.objectRef?.resource === 'secrets'),
    'the list in the audit log',
    15_000,
    50
  )
  listAuditID = logEvents().find((e) => e.user.username === LISTER && e.verb === 'list').auditID
})

after(async () => {
  await Promise.all(redisClients.map((r) => r.quit()))
})

test('audit analyze on the real audit log names the service account that listed secrets cluster-wide', {
  skip: process.env.KUBECONFIG ? 'needs its own API server' : false
}, async () => {
  const first = Math.min(...logEvents().map((e) => Date.parse(e.stageTimestamp)))
  const r = await cli(['audit', 'analyze', kube.audit?.logPath ?? '', '--learn', `${learnUntil - first}ms`, '--format', 'json'], { cwd: repo })
  assert.equal(r.code, 1, r.stderr)
  const found = JSON.parse(r.stdout) as J[]
  const list = found.find((f) => f.rule === 'access-cluster-wide-secret-list')
  assert.ok(list, r.stdout)
  assert.equal(list.principal, LISTER)
  assert.equal(list.serviceAccount, 'ci/deployer')
  assert.equal(list.namespace, undefined)
  assert.deepEqual(list.auditIDs, [listAuditID])
  // The app's learned reads and the admin's setup are not findings.
  assert.deepEqual(
    found.filter((f) => f.principal === APP),
    []
  )
})

test('the detector stage with Redis state: the real events become an access finding and one incident for the principal', {
  skip: process.env.KUBECONFIG ? 'needs its own API server' : false
}, async () => {
  const client = new Redis((await getServices()).redisUrl)
  redisClients.push(client)
  const config = parse(accessConfigSchema, { enabled: true }, 'LW_ERR_CONFIG_INVALID', 'access')
  const fingerprinter = createFingerprinter('k'.repeat(32))
  const access = createAccessStage(config, {
    fingerprinter,
    logger: silentLogger(),
    maxContextChars: 240,
    redis: { client, keyPrefix: `lw-test-${process.pid}` },
    learnUntilMs: learnUntil
  })
  const stage = createDetectorStage({ groupId: 'g' }, { detectors: [access], metrics: createMetrics(), audit: [access.audit] })
  const envs: AuditEnvelope[] = logEvents().map((event) => ({ v: '1', type: 'audit', cluster: 'kind-test', receivedAt: event.stageTimestamp, event }))
  const out = await stage.process(
    envs.map((value, i) => ({ topic: TOPICS.audit, partition: 0, offset: String(i), key: value.event.user.username ?? null, value }))
  )
  const findings = out.map((o) => {
    assert.equal(o.topic, TOPICS.findings)
    const v = safeParse(findingSchema, o.value)
    assert.ok(v.ok, JSON.stringify(v))
    return v.value
  })
  const list = findings.find((f) => f.rule === 'access-cluster-wide-secret-list') as Finding
  assert.ok(list, findings.map((f) => f.rule).join(' '))
  assert.equal(list.kind, 'access')
  assert.equal(list.access?.principal, LISTER)
  assert.equal(list.preview, LISTER)
  assert.equal(list.source.cluster, 'kind-test')
  const store = createMemoryIncidentStore()
  const ctx = {
    cluster: 'kind-test',
    severity: list.severity,
    route: { channel: undefined, owner: undefined },
    rotation: { mode: 'alert' as const, actions: [] },
    maxLocations: 10,
    reopenOn: []
  }
  const u = await store.record(list, ctx)
  assert.equal(u.created, true)
  assert.equal(u.incident.rule, 'access-cluster-wide-secret-list')
  // The same anomaly by the same principal later is the same incident (keyed by rule and principal), not a new one.
  const again = await store.record({ ...list, id: `${list.id}-2` }, ctx)
  assert.equal(again.created, false)
  assert.equal(again.incident.occurrences, 2)
})
