// The audit collectors against the real kube-apiserver (test/harness/kube.ts),
// started once for this file with deploy/kubernetes/audit-policy.yaml (which
// this also validates: the server refuses to start on a policy it cannot load):
// - its webhook backend posting to the webhook collector over HTTPS, the
//   caller authenticated by client certificate, then (after a restart with
//   another kubeconfig) by bearer token; batches of up to 400 events; its
//   retry of a batch answered 503 while the bus does not acknowledge;
// - its log backend rotated at 1 MB, tailed by the file collector;
// - end to end through the real Kafka and Redis: a ConfigMap created with a
//   generated token becomes an incident naming the object, the field and the
//   principal, and the token is nowhere in Kafka or Redis.
// Needs the global setup (Kafka, Redis).

import assert from 'node:assert/strict'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { after, before, test } from 'node:test'
import { CoreV1Api, KubeConfig, RbacAuthorizationV1Api } from '@kubernetes/client-node'
import type { App } from '../../app/roles.ts'
import { kafkaBusOptions, startApp } from '../../app/roles.ts'
import { auditFileConfigSchema } from '../../collectors/audit/file.config.ts'
import { createAuditFileCollector } from '../../collectors/audit/file.ts'
import { auditWebhookConfigSchema } from '../../collectors/audit/webhook.config.ts'
import type { AuditWebhook } from '../../collectors/audit/webhook.ts'
import { createAuditWebhook } from '../../collectors/audit/webhook.ts'
import { loadConfig } from '../../config/load.ts'
import type { Config } from '../../config/schema.ts'
import type { AuditEvent } from '../../pipeline/audit-decode.ts'
import type { Bus } from '../../pipeline/bus.ts'
import { createKafkaBus } from '../../pipeline/bus-kafka.ts'
import { createCodec } from '../../pipeline/codec.ts'
import { LeakwatchError } from '../../pipeline/errors.ts'
import type { AuditEnvelope, AuditGroup } from '../../pipeline/events.ts'
import { auditEnvelopes, TOPICS } from '../../pipeline/events.ts'
import { createLogger, silentLogger } from '../../pipeline/log.ts'
import { createMetrics } from '../../pipeline/metrics.ts'
import type { OutRecord } from '../../pipeline/runner.ts'
import { createPublisher } from '../../pipeline/runner.ts'
import { parse } from '../../pipeline/schema.ts'
import type { Incident } from '../../responders/incidents.ts'
import { capture, dumpKafka, dumpRedis, forms, uniqueId } from '../e2e/helpers.ts'
import type { KubeCluster } from '../harness/kube.ts'
import { startKube } from '../harness/kube.ts'
import type { Pki } from '../harness/pki.ts'
import { createPki } from '../harness/pki.ts'
import { freePorts } from '../harness/proc.ts'
import type { Services } from '../harness/services.ts'
import { getServices } from '../harness/services.ts'
import { seededGen } from '../support/seed.ts'
import { waitFor } from '../support/wait.ts'

const ROOT = join(import.meta.dirname, '..', '..')
const id = uniqueId()
const g = seededGen('audit-collector')
const ns = `audit-${id}`
const MIN = 60_000

let dir: string
let services: Services
let config: Config
let cluster: KubeCluster
let kc: KubeConfig
let pki: Pki
let bus: Bus
let hook: AuditWebhook
const hookMetrics = createMetrics()
const hookAbort = new AbortController()
let hookRunning: Promise<void> | undefined
const apps: App[] = []
const logOut = capture()
let webhookKubeconfig: string
let webhookUrl: string
let apiserverCert: { certFile: string; keyFile: string }
const token = g.base62(43)

/** What the webhook produced, by `auditID/stage`, and the size of each acknowledged batch. */
const produced = new Map<string, { event: AuditEvent; count: number }>()
const batchSizes: number[] = []
/** Publishes to fail before Kafka sees them: a bus that does not acknowledge. */
const ctl = { failNext: 0, failures: 0 }

function writeWebhookKubeconfig(auth: 'certificate' | 'token'): void {
  const user = auth === 'certificate' ? { 'client-certificate': apiserverCert.certFile, 'client-key': apiserverCert.keyFile } : { token }
  writeFileSync(
    webhookKubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'leakwatch', cluster: { server: webhookUrl, 'certificate-authority': pki.caFile } }],
      users: [{ name: 'kube-apiserver', user }],
      contexts: [{ name: 'leakwatch', context: { cluster: 'leakwatch', user: 'kube-apiserver' } }],
      'current-context': 'leakwatch'
    })
  )
}

const created = (name: string) => (e: AuditEvent) =>
  e.verb === 'create' && e.stage === 'ResponseComplete' && e.objectRef?.resource === 'configmaps' && e.objectRef.namespace === ns && e.objectRef.name === name

function producedWhere(match: (e: AuditEvent) => boolean): Array<{ event: AuditEvent; count: number }> {
  return [...produced.values()].filter((p) => match(p.event))
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lw-audit-collector-'))
  services = await getServices()
  pki = createPki(dir)
  const serverCert = pki.issue('leakwatch-audit', { dns: ['localhost'], ips: ['127.0.0.1'] })
  apiserverCert = pki.issue('kube-apiserver-audit', { client: true })
  const tokenFile = join(dir, 'token')
  writeFileSync(tokenFile, token)
  const [port] = (await freePorts(1)) as [number]
  webhookUrl = `https://127.0.0.1:${port}/audit`
  webhookKubeconfig = join(dir, 'audit-webhook.kubeconfig')
  writeWebhookKubeconfig('certificate')

  config = loadConfig({
    env: {},
    overrides: {
      cluster: 'lab',
      'http.enabled': false,
      'kafka.brokers': services.kafkaBrokers,
      'kafka.payloadKey': `payload-key-${id}-`.padEnd(40, 'y'),
      'kafka.partitions': 3,
      'kafka.topicPrefix': `audit${id}.`,
      'redis.url': services.redisUrl,
      'redis.keyPrefix': `audit${id}`,
      'detector.fingerprintKey': `fp-key-${id}-`.padEnd(40, 'x'),
      'detector.groupId': `detector-${id}`,
      'responder.groupId': `responder-${id}`
    }
  })
  const logger = createLogger({ level: 'debug', destination: logOut })
  // The collector's side of the bus, as `run collector` builds it, behind a switch that can refuse to acknowledge.
  bus = await createKafkaBus(kafkaBusOptions(config, `audit-collector-${id}`, logger), logger)
  const kafka = createPublisher({
    bus,
    codec: createCodec({ payloadKey: config.kafka.payloadKey, compress: config.kafka.compress }),
    metrics: hookMetrics,
    logger
  })
  hook = createAuditWebhook(
    parse(
      auditWebhookConfigSchema,
      {
        enabled: true,
        host: '127.0.0.1',
        port,
        certFile: serverCert.certFile,
        keyFile: serverCert.keyFile,
        clientCaFile: pki.caFile,
        allowedClientNames: ['kube-apiserver-audit'],
        tokenFiles: [tokenFile]
      },
      'LW_ERR_CONFIG_INVALID',
      'webhook'
    ),
    {
      cluster: 'lab',
      logger,
      metrics: hookMetrics,
      publish: async (records: OutRecord[]) => {
        if (ctl.failNext > 0) {
          ctl.failNext--
          ctl.failures++
          throw new LeakwatchError('LW_ERR_KAFKA_UNAVAILABLE', 'injected: the broker does not acknowledge')
        }
        await kafka(records)
        // Events, not records: the webhook seals a principal's events of a batch into one record (v2).
        const envs = records.flatMap((r) => auditEnvelopes(r.value as AuditEnvelope | AuditGroup))
        batchSizes.push(envs.length)
        for (const { event: e } of envs) {
          const k = `${e.auditID}/${e.stage}`
          const had = produced.get(k)
          produced.set(k, { event: e, count: (had?.count ?? 0) + 1 })
        }
      }
    }
  )
  hookRunning = hook.start(hookAbort.signal)
  await hook.listening()

  cluster = await startKube({
    audit: { policy: readFileSync(join(ROOT, 'deploy/kubernetes/audit-policy.yaml'), 'utf8'), webhookUrl, batchMaxWaitMs: 2000 },
    apiserverArgs: [
      // Ours, with the CA and the client credentials (the harness's has neither): a later flag wins.
      `--audit-webhook-config-file=${webhookKubeconfig}`,
      '--audit-webhook-batch-max-size=400',
      '--audit-webhook-initial-backoff=200ms',
      '--audit-log-maxsize=1',
      '--audit-log-maxbackup=20'
    ]
  })
  kc = new KubeConfig()
  kc.loadFromFile(cluster.kubeconfigPath)
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } })
  apps.push(await startApp('responder', config, { logger }))
  apps.push(await startApp('detector', config, { logger }))
})

after(async () => {
  for (const a of apps.reverse()) await a.stop().catch(() => {})
  hookAbort.abort()
  await hook?.close()
  await hookRunning
  await bus?.close()
  await cluster?.stop()
  await rm(dir, { recursive: true, force: true })
})

test('a ConfigMap created with a token becomes an incident naming the object, the field and the principal; the token is nowhere in Kafka or Redis', async () => {
  const secret = g.githubToken('ghp_')
  // The admin acting as a CI service account allowed to edit the namespace: the event names both.
  // A Role of its own: the aggregated ClusterRole "edit" gets its rules from the controller-manager, which is not running.
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api)
  await rbac.createNamespacedRole({
    namespace: ns,
    body: { metadata: { name: 'deployer' }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['create', 'get'] }] }
  })
  await rbac.createNamespacedRoleBinding({
    namespace: ns,
    body: {
      metadata: { name: 'deployer' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'deployer' },
      subjects: [{ kind: 'ServiceAccount', name: 'deployer', namespace: ns }]
    }
  })
  const asDeployer = new KubeConfig()
  const current = kc.getCurrentCluster()
  assert.ok(current)
  asDeployer.loadFromClusterAndUser(current, { name: 'admin-as-deployer', token: cluster.token, impersonateUser: `system:serviceaccount:${ns}:deployer` })
  await asDeployer.makeApiClient(CoreV1Api).createNamespacedConfigMap({
    namespace: ns,
    body: { metadata: { name: 'app-config' }, data: { LOG_LEVEL: 'info', GITHUB_TOKEN: secret } }
  })
  const object = `ConfigMap ${ns}/app-config`
  let incident: Incident | undefined
  await waitFor(
    async () => {
      incident = (await apps[0]?.incidents.list())?.find((i) => i.locations.some((l) => l.object === object))
      return incident !== undefined
    },
    'the incident of the ConfigMap',
    MIN,
    100
  )
  assert.ok(incident)
  assert.equal(incident.rule, 'github-pat-classic')
  assert.equal(incident.cluster, 'lab')
  const where = incident.locations.find((l) => l.object === object)
  assert.equal(where?.field, 'data.GITHUB_TOKEN')
  assert.equal(where?.principal, 'leakwatch-admin')
  assert.equal(where?.impersonatedUser, `system:serviceaccount:${ns}:deployer`)
  assert.equal(where?.verb, 'create')
  assert.equal(where?.namespace, ns)
  assert.equal(incident.occurrences, 1, 'request, response and a retried delivery are one occurrence')
  // The event itself went through the bus sealed, and nothing leakwatch wrote holds the value.
  const kafka = await dumpKafka(services.kafkaBrokers, config.kafka.topicPrefix)
  assert.ok(kafka.some((m) => m.topic === TOPICS.audit))
  const redis = await dumpRedis(services.redisUrl, config.redis.keyPrefix)
  const written = [...kafka.map((m) => `${m.key?.toString('latin1')} ${m.value?.toString('latin1')} ${m.headers}`), redis, logOut.text()].join('\n')
  for (const form of forms(secret)) assert.ok(!written.includes(form), 'no plaintext in Kafka, Redis or the logs')
})

test('batches from the real webhook backend: at most 400 events each (--audit-webhook-batch-max-size), every event produced exactly once', async () => {
  const core = kc.makeApiClient(CoreV1Api)
  const n = 450
  const before = batchSizes.length
  const t0 = performance.now()
  // Reads of names that do not exist: answered without a write, so they come faster than the server's batch wait.
  for (let i = 0; i < n; i += 75)
    await Promise.all(
      Array.from({ length: Math.min(75, n - i) }, (_, j) =>
        core.readNamespacedConfigMap({ namespace: ns, name: `batch-${i + j}` }).then(
          () => assert.fail('no such ConfigMap'),
          (err: unknown) => assert.equal((err as { code?: number }).code, 404)
        )
      )
    )
  const createMs = performance.now() - t0
  const mine = (e: AuditEvent) => e.verb === 'get' && e.objectRef?.namespace === ns && (e.objectRef.name ?? '').startsWith('batch-')
  await waitFor(() => producedWhere(mine).length >= n, `${n} events`, MIN, 50)
  const got = producedWhere(mine)
  assert.equal(got.length, n)
  assert.ok(
    got.every((p) => p.count === 1),
    'none twice'
  )
  const sizes = batchSizes.slice(before)
  process.stderr.write(`[audit] ${n} reads in ${Math.round(createMs)} ms; webhook batches: ${sizes.join(', ')}\n`)
  assert.ok(Math.max(...sizes) <= 400, `largest batch ${Math.max(...sizes)}`)
  // The server batches for up to 2 s: when the reads took less, the first full batch is exactly 400.
  if (createMs < 1500) assert.equal(Math.max(...sizes), 400)
})

test('the bus not acknowledging: answered 503, the API server retries the batch, and it arrives once', async () => {
  const failures = ctl.failures
  ctl.failNext = 2
  await kc.makeApiClient(CoreV1Api).createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'retried' }, data: { k: 'v' } } })
  await waitFor(() => producedWhere(created('retried')).length === 1, 'the retried event', MIN, 50)
  assert.equal(ctl.failures - failures, 2, 'two answers of 503 before the retry went through')
  assert.equal(producedWhere(created('retried'))[0]?.count, 1)
  assert.match(hookMetrics.registry.render(), /leakwatch_audit_webhook_requests_total\{code="503"\} 2/)
})

test('the log backend rotated at 1 MB: the file collector follows audit.log through rotation, every event once', async (t) => {
  const audit = cluster.audit
  assert.ok(audit)
  // By auditID and stage, the delivery contract's identity: a client's retry of a create is a second
  // event with its own auditID (a 409), not a duplicate delivery, and is told apart here.
  const events = new Map<string, number>()
  const names = new Map<string, Set<number>>()
  const collector = createAuditFileCollector(
    parse(
      auditFileConfigSchema,
      { enabled: true, path: audit.logPath, readFrom: 'beginning', pollIntervalMs: 20, checkpointPath: join(dir, 'audit-file-checkpoints.json') },
      'LW_ERR_CONFIG_INVALID',
      'file'
    ),
    {
      cluster: 'lab',
      logger: silentLogger(),
      metrics: createMetrics(),
      publish: async (records) => {
        for (const { event: e } of records.flatMap((r) => auditEnvelopes(r.value as AuditEnvelope | AuditGroup))) {
          if (e.verb === 'create' && e.objectRef?.namespace === ns && (e.objectRef.name ?? '').startsWith('big-')) {
            const key = `${e.auditID}/${e.stage}`
            events.set(key, (events.get(key) ?? 0) + 1)
            const codes = names.get(e.objectRef.name ?? '') ?? new Set<number>()
            codes.add((e.responseStatus as { code?: number } | undefined)?.code ?? 0)
            names.set(e.objectRef.name ?? '', codes)
          }
        }
      }
    }
  )
  const ac = new AbortController()
  const running = collector.start(ac.signal)
  t.after(async () => {
    ac.abort()
    await collector.close()
    await running
  })
  const core = kc.makeApiClient(CoreV1Api)
  // Each create is logged with request and response (~2 × 200 KB): over 1 MB every three.
  const n = 12
  for (let i = 0; i < n; i++)
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: `big-${i}` }, data: { blob: g.base62(200_000) } } })
  const createdAll = (): boolean => [...names.values()].filter((codes) => codes.has(201)).length >= n
  await waitFor(createdAll, `${n} successful create events from the log`, MIN, 50)
  assert.deepEqual(
    [...events.entries()].filter(([, count]) => count !== 1),
    [],
    'every event (auditID/stage) delivered once'
  )
  const rotated = readdirSync(dirname(audit.logPath)).filter((f) => f.startsWith('audit-') && f.endsWith('.log'))
  assert.ok(rotated.length >= 2, `rotated copies: ${rotated.join(', ')}`)
})

test('a bearer token instead of a client certificate (the API server restarted with the other kubeconfig)', async () => {
  assert.ok(cluster.restartApiserver)
  await cluster.restartApiserver({
    whileDown: async () => {
      writeWebhookKubeconfig('token')
    }
  })
  const before = Number(/leakwatch_audit_webhook_requests_total\{code="401"\} (\d+)/.exec(hookMetrics.registry.render())?.[1] ?? 0)
  await kc.makeApiClient(CoreV1Api).createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'via-token' }, data: { k: 'v' } } })
  await waitFor(() => producedWhere(created('via-token')).length === 1, 'the event sent with the token', MIN, 50)
  const after = Number(/leakwatch_audit_webhook_requests_total\{code="401"\} (\d+)/.exec(hookMetrics.registry.render())?.[1] ?? 0)
  assert.equal(after, before, 'no request refused')
})
