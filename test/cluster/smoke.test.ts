// Against a real API server (test/harness/kube.ts; KUBECONFIG for an existing cluster): the Kubernetes
// calls leakwatch makes are otherwise tested only against stand-ins written here. This file checks the
// harness itself: objects round-trip, RBAC refuses, and audit events reach the log file and a webhook.
// Part of `npm test` (`npm run test:cluster` runs only these). The first run on a machine builds the
// servers (minutes, see build-servers.sh); .ci/run builds them before the tests.

import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import type { IncomingMessage, Server } from 'node:http'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import type { V1Pod } from '@kubernetes/client-node'
import { ApiException, CoreV1Api, KubeConfig, VersionApi } from '@kubernetes/client-node'
import type { KubeCluster } from '../harness/kube.ts'
import { getKube } from '../harness/kube.ts'
import { seededGen } from '../support/seed.ts'

interface AuditEvent {
  verb?: string
  stage?: string
  objectRef?: { resource?: string; namespace?: string; name?: string }
  requestObject?: { data?: Record<string, string> }
}

// The webhook is the API server's own client posting EventList batches, as it would to leakwatch's receiver.
const received: AuditEvent[] = []
const waiters: Array<() => void> = []
let sink: Server | undefined

async function readBody(req: IncomingMessage): Promise<string> {
  let body = ''
  for await (const chunk of req) body += chunk
  return body
}

function startSink(): Promise<string> {
  const server = createServer((req, res) => {
    readBody(req).then(
      (body) => {
        const list = JSON.parse(body) as { kind?: string; items?: AuditEvent[] }
        if (list.kind === 'EventList') received.push(...(list.items ?? []))
        for (const wake of waiters.splice(0)) wake()
        res.writeHead(200).end()
      },
      () => res.writeHead(400).end()
    )
  })
  sink = server
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/audit`))
  })
}

/** Resolves when a posted batch holds a matching event: woken by each POST, no polling. */
async function webhookEvent(match: (e: AuditEvent) => boolean): Promise<AuditEvent> {
  for (;;) {
    const found = received.find(match)
    if (found !== undefined) return found
    await new Promise<void>((wake) => waiters.push(wake))
  }
}

/** The audit log is appended by the server after it answers; read until the event is there or the deadline passes. */
async function logEvent(path: string, match: (e: AuditEvent) => boolean, timeoutMs = 20_000): Promise<AuditEvent> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const events = readFileSync(path, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as AuditEvent)
    const found = events.find(match)
    if (found !== undefined) return found
    if (Date.now() > deadline) assert.fail(`no matching event in ${path} after ${timeoutMs} ms (${events.length} events)`)
    await sleep(50)
  }
}

let cluster: KubeCluster
const kc = new KubeConfig()
// Unique per run, so a shared KUBECONFIG cluster never sees two runs collide.
const ns = `leakwatch-smoke-${Date.now().toString(36)}-${process.pid}`
const gen = seededGen('smoke')

before(async () => {
  cluster = await getKube({ audit: { webhookUrl: await startSink() } })
  kc.loadFromFile(cluster.kubeconfigPath)
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } })
})

after(async () => {
  // A started cluster is thrown away whole; on a KUBECONFIG cluster the namespace takes the objects with it.
  if (cluster?.external) await kc.makeApiClient(CoreV1Api).deleteNamespace({ name: ns })
  await cluster?.stop()
  sink?.close()
})

test('the started server reports the version it was built as', { skip: process.env.KUBECONFIG ? 'KUBECONFIG cluster' : false }, async () => {
  const version = await kc.makeApiClient(VersionApi).getCode()
  assert.equal(version.gitVersion, 'v1.36.3')
})

test('a Secret and a Pod round-trip through the API server', async () => {
  const core = kc.makeApiClient(CoreV1Api)
  const value = gen.base62(40)
  await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'db' }, stringData: { password: value } } })
  const secret = await core.readNamespacedSecret({ namespace: ns, name: 'db' })
  assert.equal(Buffer.from(secret.data?.password ?? '', 'base64').toString(), value)

  const pod: V1Pod = {
    metadata: { name: 'app', labels: { app: 'smoke' } },
    spec: {
      containers: [
        { name: 'app', image: 'registry.invalid/leakwatch/none:0', env: [{ name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }] }
      ]
    }
  }
  await core.createNamespacedPod({ namespace: ns, body: pod })
  const read = await core.readNamespacedPod({ namespace: ns, name: 'app' })
  assert.equal(read.metadata?.labels?.app, 'smoke')
  assert.equal(read.spec?.containers[0]?.env?.[0]?.valueFrom?.secretKeyRef?.name, 'db')
  const listed = await core.listNamespacedPod({ namespace: ns, labelSelector: 'app=smoke' })
  assert.deepEqual(
    listed.items.map((p) => p.metadata?.name),
    ['app']
  )
})

test('a service account without rights is refused list secrets with 403', async () => {
  const core = kc.makeApiClient(CoreV1Api)
  await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'nobody' } } })
  // TokenRequest is served by the API server itself: no controller-manager needed to get a real signed token.
  const { status } = await core.createNamespacedServiceAccountToken({ namespace: ns, name: 'nobody', body: { spec: { audiences: [] } } })
  assert.ok(status?.token)
  const current = kc.getCurrentCluster()
  assert.ok(current)
  const asNobody = new KubeConfig()
  asNobody.loadFromClusterAndUser(current, { name: 'nobody', token: status.token })
  const err = await asNobody
    .makeApiClient(CoreV1Api)
    .listNamespacedSecret({ namespace: ns })
    .then(
      () => undefined,
      (e: unknown) => e
    )
  assert.ok(err instanceof ApiException, `expected an ApiException, got ${String(err)}`)
  assert.equal(err.code, 403)
  assert.match(typeof err.body === 'string' ? err.body : JSON.stringify(err.body), new RegExp(`system:serviceaccount:${ns}:nobody`))
})

test('secret writes appear in the audit log and in webhook EventLists', { skip: process.env.KUBECONFIG ? 'KUBECONFIG cluster' : false }, async () => {
  const core = kc.makeApiClient(CoreV1Api)
  const value = gen.base62(40)
  await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'audited' }, stringData: { token: value } } })
  const isCreate = (e: AuditEvent): boolean =>
    e.verb === 'create' &&
    e.stage === 'ResponseComplete' &&
    e.objectRef?.resource === 'secrets' &&
    e.objectRef.namespace === ns &&
    e.objectRef.name === 'audited'
  const audit = cluster.audit
  assert.ok(audit)
  // RequestResponse level: the request body is in the event with the value, sent as stringData, already
  // merged into base64 `data`. This is the leak leakwatch looks for in audit events.
  const decoded = (e: AuditEvent): string => Buffer.from(e.requestObject?.data?.token ?? '', 'base64').toString()
  assert.equal(decoded(await logEvent(audit.logPath, isCreate)), value)
  assert.equal(decoded(await webhookEvent(isCreate)), value)
})
