// Full batches and outages of the audit webhook, with a kube-apiserver of its
// own (test/harness/kube.ts) whose audit policy records one thing only — the
// `get` of ConfigMaps in this test's namespace, at Metadata, one event per
// request (ResponseComplete) — so the test knows exactly how many events the
// server has to send. --audit-webhook-batch-max-wait is ten minutes: a batch
// leaves when 400 events (--audit-webhook-batch-max-size) are waiting, never
// on the timer, so the batch sizes do not depend on how fast this machine is.
//
// - 800 reads become two EventLists of exactly 400 events, every event
//   produced to the real Kafka exactly once (read back from the topic);
// - the collector resetting connections (a restart in progress, an overloaded
//   pod): the API server retries the batch after --audit-webhook-initial-backoff
//   (it retries a reset connection, a 5xx with Retry-After, a 429 or a 500) and
//   the batch arrives once;
// - nothing listening (every collector replica down): the API server does not
//   retry a refused connection and drops the batch — its own
//   apiserver_audit_error_total counts the events — which is why
//   docs/audit.md asks for two replicas and a PodDisruptionBudget.
// Needs the global setup (Kafka).

import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { get as httpsGet } from 'node:https'
import type { Server as NetServer } from 'node:net'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node'
import type { AuditWebhookConfig } from '../../collectors/audit/webhook.config.ts'
import { auditWebhookConfigSchema } from '../../collectors/audit/webhook.config.ts'
import type { AuditWebhook } from '../../collectors/audit/webhook.ts'
import { createAuditWebhook } from '../../collectors/audit/webhook.ts'
import type { AuditEvent } from '../../pipeline/audit-decode.ts'
import type { Bus } from '../../pipeline/bus.ts'
import { createKafkaBus } from '../../pipeline/bus-kafka.ts'
import type { Codec } from '../../pipeline/codec.ts'
import { createCodec } from '../../pipeline/codec.ts'
import type { AuditEnvelope, AuditGroup } from '../../pipeline/events.ts'
import { auditEnvelopes, TOPICS } from '../../pipeline/events.ts'
import { silentLogger } from '../../pipeline/log.ts'
import type { Metrics } from '../../pipeline/metrics.ts'
import { createMetrics } from '../../pipeline/metrics.ts'
import type { OutRecord, Publish } from '../../pipeline/runner.ts'
import { createPublisher } from '../../pipeline/runner.ts'
import { parse } from '../../pipeline/schema.ts'
import { dumpKafka, uniqueId } from '../e2e/helpers.ts'
import type { KubeCluster } from '../harness/kube.ts'
import { startKube } from '../harness/kube.ts'
import { createPki } from '../harness/pki.ts'
import { freePorts } from '../harness/proc.ts'
import type { Services } from '../harness/services.ts'
import { getServices } from '../harness/services.ts'
import { waitFor } from '../support/wait.ts'

const id = uniqueId()
const ns = `batch-${id}`
const prefix = `auditbatch${id}.`
const MIN = 60_000

let dir: string
let services: Services
let cluster: KubeCluster
let core: CoreV1Api
let bus: Bus
let codec: Codec
let kafka: Publish
let port: number
let hookConfig: AuditWebhookConfig
const metrics: Metrics = createMetrics()
/** The webhook while it runs; tests stop and start it. */
let hook: { webhook: AuditWebhook; abort: AbortController; running: Promise<void> } | undefined

/** Each acknowledged publish: the events of one answered batch. */
const batches: AuditEvent[][] = []

async function startHook(): Promise<void> {
  const webhook = createAuditWebhook(hookConfig, {
    cluster: 'lab',
    logger: silentLogger(),
    metrics,
    publish: Object.assign(
      async (records: OutRecord[]) => {
        await kafka(records)
        batches.push(records.flatMap((r) => auditEnvelopes(codec.decode(TOPICS.audit, r.encoded as Buffer) as AuditEnvelope | AuditGroup).map((e) => e.event)))
      },
      { encode: kafka.encode }
    ) as Publish
  })
  const abort = new AbortController()
  const running = webhook.start(abort.signal)
  await webhook.listening()
  hook = { webhook, abort, running }
}

async function stopHook(): Promise<void> {
  if (hook === undefined) return
  hook.abort.abort()
  await hook.webhook.close()
  await hook.running
  hook = undefined
}

/** `n` reads of ConfigMaps that do not exist: each is one audit event under this file's policy. */
async function reads(tag: string, n: number): Promise<void> {
  for (let i = 0; i < n; i += 50)
    await Promise.all(
      Array.from({ length: Math.min(50, n - i) }, (_, j) =>
        core.readNamespacedConfigMap({ namespace: ns, name: `${tag}-${i + j}` }).then(
          () => assert.fail('no such ConfigMap'),
          (err: unknown) => assert.equal((err as { code?: number }).code, 404)
        )
      )
    )
}

const tagged = (tag: string) => (e: AuditEvent) => (e.objectRef?.name ?? '').startsWith(`${tag}-`)

/** The events of `tag` on the audit topic in Kafka, by auditID/stage, with how many times each is there. */
async function inKafka(tag: string): Promise<Map<string, number>> {
  const out = new Map<string, number>()
  for (const m of await dumpKafka(services.kafkaBrokers, prefix)) {
    if (m.topic !== TOPICS.audit || m.value === null) continue
    for (const { event: e } of auditEnvelopes(codec.decode(TOPICS.audit, m.value) as AuditEnvelope | AuditGroup)) {
      if (!tagged(tag)(e)) continue
      const k = `${e.auditID}/${e.stage}`
      out.set(k, (out.get(k) ?? 0) + 1)
    }
  }
  return out
}

/** The API server's own count of audit events its webhook backend failed to deliver. */
function apiserverAuditErrors(): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpsGet(
      `${cluster.server}/metrics`,
      { headers: { authorization: `Bearer ${cluster.token}` }, ca: Buffer.from(cluster.caData, 'base64') },
      (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (c: string) => {
          text += c
        })
        res.on('end', () => {
          let n = 0
          for (const line of text.split('\n'))
            if (line.startsWith('apiserver_audit_error_total{') && line.includes('plugin="webhook"')) n += Number(line.slice(line.lastIndexOf(' ') + 1))
          resolve(n)
        })
      }
    )
    req.on('error', reject)
  })
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lw-audit-batch-'))
  services = await getServices()
  const pki = createPki(dir)
  const serverCert = pki.issue('leakwatch-audit', { ips: ['127.0.0.1'] })
  const client = pki.issue('kube-apiserver-audit', { client: true })
  ;[port] = (await freePorts(1)) as [number]
  const kubeconfig = join(dir, 'audit-webhook.kubeconfig')
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'leakwatch', cluster: { server: `https://127.0.0.1:${port}/audit`, 'certificate-authority': pki.caFile } }],
      users: [{ name: 'kube-apiserver', user: { 'client-certificate': client.certFile, 'client-key': client.keyFile } }],
      contexts: [{ name: 'leakwatch', context: { cluster: 'leakwatch', user: 'kube-apiserver' } }],
      'current-context': 'leakwatch'
    })
  )
  const payloadKey = `payload-key-${id}-`.padEnd(40, 'y')
  codec = createCodec({ payloadKey, compress: true })
  bus = await createKafkaBus(
    {
      brokers: services.kafkaBrokers,
      clientId: `audit-batch-${id}`,
      topics: Object.values(TOPICS),
      topicPrefix: prefix,
      partitions: 3,
      replicationFactor: 1,
      sessionTimeoutMs: 30_000,
      connectionTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      maxBytesPerPartition: 10 * 1024 * 1024
    },
    silentLogger()
  )
  kafka = createPublisher({ bus, codec: createCodec({ payloadKey, compress: true }), metrics, logger: silentLogger() })
  hookConfig = parse(
    auditWebhookConfigSchema,
    {
      enabled: true,
      host: '127.0.0.1',
      port,
      certFile: serverCert.certFile,
      keyFile: serverCert.keyFile,
      clientCaFile: pki.caFile,
      allowedClientNames: ['kube-apiserver-audit']
    },
    'LW_ERR_CONFIG_INVALID',
    'webhook'
  )
  await startHook()
  const policy = [
    'apiVersion: audit.k8s.io/v1',
    'kind: Policy',
    'omitStages: ["RequestReceived"]',
    'rules:',
    '  - level: Metadata',
    `    namespaces: ["${ns}"]`,
    '    verbs: ["get"]',
    '    resources: [{ group: "", resources: ["configmaps"] }]',
    '  - level: None',
    ''
  ].join('\n')
  cluster = await startKube({
    audit: { policy, webhookUrl: `https://127.0.0.1:${port}/audit`, batchMaxWaitMs: 600_000 },
    apiserverArgs: [
      `--audit-webhook-config-file=${kubeconfig}`,
      '--audit-webhook-batch-max-size=400',
      '--audit-webhook-initial-backoff=1s',
      // Batches are sent as soon as they are full; the default throttle (10/s, burst 15) never holds one here.
      '--audit-webhook-batch-throttle-qps=50'
    ]
  })
  const kc = new KubeConfig()
  kc.loadFromFile(cluster.kubeconfigPath)
  core = kc.makeApiClient(CoreV1Api)
  await core.createNamespace({ body: { metadata: { name: ns } } })
})

after(async () => {
  await stopHook()
  await bus?.close()
  await cluster?.stop()
  await rm(dir, { recursive: true, force: true })
})

test('800 reads arrive as two EventLists of exactly 400 events, each event in Kafka exactly once', async () => {
  const from = batches.length
  await reads('full', 800)
  await waitFor(() => batches.slice(from).flat().filter(tagged('full')).length >= 800, '800 events from the webhook', MIN, 50)
  const sizes = batches.slice(from).map((b) => b.length)
  assert.deepEqual(sizes, [400, 400], 'two full batches, nothing else')
  const got = await inKafka('full')
  assert.equal(got.size, 800)
  assert.ok(
    [...got.values()].every((n) => n === 1),
    'each (auditID, stage) once'
  )
})

test('the collector resetting connections: the API server retries the batch after its backoff, and it arrives once', async () => {
  await stopHook()
  // What a client sees from a pod being restarted or overloaded: the connection accepted, then reset.
  const resets: number[] = []
  const reset: NetServer = createServer((s) => {
    resets.push(performance.now())
    s.resetAndDestroy()
  })
  await new Promise<void>((resolve) => reset.listen(port, '127.0.0.1', resolve))
  const from = batches.length
  await reads('reset', 400)
  await waitFor(() => resets.length >= 1, 'the API server to try the batch', MIN, 20)
  await new Promise<void>((resolve) => reset.close(() => resolve()))
  await startHook()
  await waitFor(() => batches.slice(from).flat().filter(tagged('reset')).length >= 400, 'the retried batch', MIN, 50)
  assert.deepEqual(
    batches.slice(from).map((b) => b.length),
    [400]
  )
  const got = await inKafka('reset')
  assert.equal(got.size, 400)
  assert.ok([...got.values()].every((n) => n === 1))
})

test('nothing listening: the API server does not retry a refused connection and drops the batch (it counts it in apiserver_audit_error_total)', async () => {
  await stopHook()
  const errors = await apiserverAuditErrors()
  await reads('refused', 400)
  await waitFor(async () => (await apiserverAuditErrors()) >= errors + 400, 'the API server to give the batch up', MIN, 100)
  await startHook()
  const from = batches.length
  await reads('after', 400)
  await waitFor(() => batches.slice(from).flat().filter(tagged('after')).length >= 400, 'the next batch', MIN, 50)
  assert.equal(batches.flat().filter(tagged('refused')).length, 0, 'the refused batch never arrives')
  assert.equal((await inKafka('refused')).size, 0)
})
