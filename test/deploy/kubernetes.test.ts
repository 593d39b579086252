// The Kubernetes deployment, held to the Kubernetes API and to the code it
// runs, without a cluster: every manifest in deploy/kubernetes and every
// object `helm template` renders from deploy/helm/leakwatch (default values
// and variants) is validated against the Kubernetes OpenAPI schemas
// (kubernetes-models), then cross-checked: service accounts exist and the
// agent's is bound to a least-privilege role, config maps and keys exist,
// probed ports exist, mounts name volumes, and the configuration each
// container would load (file + LEAKWATCH_* variables) passes leakwatch's schema.

import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { after, test } from 'node:test'
import { DaemonSet, Deployment } from 'kubernetes-models/apps/v1'
import { Ingress, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1'
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1'
import { ClusterRole, ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1'
import { ConfigMap, Namespace, Service, ServiceAccount } from 'kubernetes-models/v1'
import { parseAllDocuments } from 'yaml'
import { loadConfig } from '../../config/load.ts'
import { helmBinary } from '../support/helm.ts'

const root = resolve(import.meta.dirname, '../..')
const scratch = mkdtempSync(join(tmpdir(), 'lw-deploy-'))
after(() => rmSync(scratch, { recursive: true, force: true }))

// biome-ignore lint/suspicious/noExplicitAny: manifests are walked as plain JSON
type Obj = Record<string, any>

type Model = new (data: Obj) => { validate: () => void }
// Each model's constructor demands its kind's required fields; validate() is what checks them, so take any object.
const MODELS: Record<string, Model> = {
  'v1/Namespace': Namespace,
  'v1/ServiceAccount': ServiceAccount,
  'v1/ConfigMap': ConfigMap,
  'rbac.authorization.k8s.io/v1/ClusterRole': ClusterRole,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': ClusterRoleBinding as unknown as Model,
  'apps/v1/DaemonSet': DaemonSet,
  'apps/v1/Deployment': Deployment,
  'v1/Service': Service,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'networking.k8s.io/v1/Ingress': Ingress
}

function parseDocs(text: string, where: string): Obj[] {
  return parseAllDocuments(text)
    .map((d) => {
      assert.equal(d.errors.length, 0, `${where}: ${d.errors.map((e) => e.message).join('; ')}`)
      return d.toJS() as Obj | null
    })
    .filter((o): o is Obj => o !== null)
}

function render(release: string, namespace: string, values: Obj = {}): Obj[] {
  const file = join(scratch, `${release}-${Object.keys(values).join('-') || 'default'}.yaml`)
  writeFileSync(file, JSON.stringify(values))
  const out = execFileSync(helmBinary(), ['template', release, join(root, 'deploy/helm/leakwatch'), '--namespace', namespace, '--values', file], {
    encoding: 'utf8'
  })
  return parseDocs(out, `helm template ${release}`)
}

const manifests = (): Obj[] =>
  readdirSync(join(root, 'deploy/kubernetes'))
    // The audit policy is the API server's own file, not an object applied to the cluster
    // (test/cluster/audit-collector.test.ts starts the real kube-apiserver with it).
    .filter((f) => f.endsWith('.yaml') && f !== 'audit-policy.yaml')
    .sort()
    .flatMap((f) => parseDocs(readFileSync(join(root, 'deploy/kubernetes', f), 'utf8'), f))

const id = (o: Obj): string => `${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name}`
const workloads = (objs: Obj[]) => objs.filter((o) => o.kind === 'DaemonSet' || o.kind === 'Deployment')

function validateSchemas(objs: Obj[], where: string): void {
  assert.ok(objs.length > 0, `${where}: no objects`)
  for (const o of objs) {
    const Model = MODELS[`${o.apiVersion}/${o.kind}`]
    assert.ok(Model, `${where}: ${o.apiVersion} ${o.kind} is one of the kinds we validate`)
    try {
      new Model(o).validate()
    } catch (err) {
      assert.fail(`${where}: ${id(o)} does not match the Kubernetes OpenAPI schema: ${(err as Error).message}`)
    }
  }
  const ids = objs.map(id)
  assert.equal(new Set(ids).size, ids.length, `${where}: no object twice`)
}

/** What a container would load: the mounted config file and its LEAKWATCH_* variables (secrets stand-ins of the right length). */
function containerConfig(objs: Obj[], w: Obj, c: Obj, where: string) {
  const env: Record<string, string> = {}
  const literal: Record<string, string> = {}
  for (const e of c.env ?? []) {
    if (e.value !== undefined) literal[e.name] = String(e.value)
    else if (e.valueFrom?.fieldRef !== undefined) literal[e.name] = 'node-a'
    else if (e.valueFrom?.secretKeyRef !== undefined) {
      const key = String(e.valueFrom.secretKeyRef.key)
      literal[e.name] = e.name.includes('SLACK_TOKEN') ? `xoxb-${'0'.repeat(40)}` : key.includes('url') ? 'https://hooks.example.test/x' : 'k'.repeat(48)
    }
  }
  // Kubernetes expands $(VAR) from variables defined before; do the same.
  for (const [k, v] of Object.entries(literal)) env[k] = v.replace(/\$\(([A-Z_]+)\)/g, (_, name: string) => literal[name] ?? `$(${name})`)
  const file = env.LEAKWATCH_CONFIG
  assert.ok(file, `${where}: ${c.name} sets LEAKWATCH_CONFIG`)
  const mount = (c.volumeMounts ?? []).find((m: Obj) => file.startsWith(`${m.mountPath}/`))
  assert.ok(mount, `${where}: ${c.name} mounts the directory of ${file}`)
  const vol = w.spec.template.spec.volumes.find((v: Obj) => v.name === mount.name)
  const cm = objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name === vol?.configMap?.name)
  assert.ok(cm, `${where}: ${c.name}'s config volume is a ConfigMap of this deployment`)
  const item = (vol.configMap.items ?? []).find((i: Obj) => `${mount.mountPath}/${i.path}` === file)
  assert.ok(item && item.key in cm.data, `${where}: ConfigMap ${cm.metadata.name} has the key mounted as ${file}`)
  const path = join(scratch, `config-${Math.random().toString(36).slice(2)}.yaml`)
  writeFileSync(path, cm.data[item.key])
  for (const k of Object.keys(env)) if (!k.startsWith('LEAKWATCH_')) delete env[k]
  // Throws on an unknown key or variable, a wrong type, a value out of range.
  return loadConfig({ file: path, env })
}

function crossCheck(objs: Obj[], where: string): void {
  const names = (kind: string, ns?: string) =>
    new Set(objs.filter((o) => o.kind === kind && (ns === undefined || o.metadata.namespace === ns)).map((o) => o.metadata.name))
  for (const w of workloads(objs)) {
    const ns = w.metadata.namespace
    const spec = w.spec.template.spec
    const label = `${where}: ${w.kind} ${w.metadata.name}`
    for (const [k, v] of Object.entries(w.spec.selector.matchLabels))
      assert.equal(w.spec.template.metadata.labels[k], v, `${label}: selector matches the pod labels`)
    assert.ok(names('ServiceAccount', ns).has(spec.serviceAccountName), `${label}: ServiceAccount ${spec.serviceAccountName} exists`)
    const volumes = new Set(spec.volumes.map((v: Obj) => v.name))
    for (const v of spec.volumes) if (v.configMap) assert.ok(names('ConfigMap', ns).has(v.configMap.name), `${label}: ConfigMap ${v.configMap.name} exists`)
    for (const c of spec.containers) {
      for (const m of c.volumeMounts ?? []) assert.ok(volumes.has(m.name), `${label}: mount ${m.name} names a volume`)
      const ports = new Map((c.ports ?? []).map((p: Obj) => [p.name, p.containerPort]))
      for (const probe of [c.livenessProbe, c.readinessProbe]) {
        assert.ok(probe?.httpGet, `${label}: liveness and readiness probes over HTTP`)
        const port = probe.httpGet.port
        assert.ok(typeof port === 'number' ? [...ports.values()].includes(port) : ports.has(port), `${label}: probed port ${port} is a container port`)
      }
      assert.deepEqual([c.livenessProbe.httpGet.path, c.readinessProbe.httpGet.path], ['/healthz', '/readyz'])
      const config = containerConfig(objs, w, c, where)
      assert.equal(ports.get('http'), config.http.port, `${label}: the http port is where leakwatch serves its probes`)
      assert.equal(c.securityContext.readOnlyRootFilesystem, true, `${label}: read-only root filesystem`)
      assert.equal(c.securityContext.allowPrivilegeEscalation, false, `${label}: no privilege escalation`)
      assert.deepEqual(c.securityContext.capabilities.drop, ['ALL'])
      assert.ok(c.resources?.requests?.cpu && c.resources?.requests?.memory && c.resources?.limits?.memory, `${label}: resource requests and limits`)
      const role = c.args[1]
      assert.deepEqual(c.args, ['run', role])
      if (w.kind === 'DaemonSet') {
        assert.equal(role, 'collector')
        assert.deepEqual(c.securityContext.capabilities.add, ['DAC_READ_SEARCH'], `${label}: only the capability to read root-owned logs`)
        const nodeName = c.env.find((e: Obj) => e.name === 'NODE_NAME')
        assert.equal(nodeName?.valueFrom?.fieldRef?.fieldPath, 'spec.nodeName', `${label}: NODE_NAME from the downward API`)
        assert.equal(config.collector.podLogs.mode, 'on')
        assert.equal(config.collector.podLogs.nodeName, 'node-a', `${label}: the collector watches its own node`)
        assert.equal(config.collector.files.enabled, false)
        const mountOf = (path: string) => c.volumeMounts.find((m: Obj) => path === m.mountPath || path.startsWith(`${m.mountPath}/`))
        const logs = mountOf(config.collector.podLogs.path)
        assert.equal(logs?.readOnly, true, `${label}: ${config.collector.podLogs.path} mounted read-only`)
        assert.equal(spec.volumes.find((v: Obj) => v.name === logs.name)?.hostPath?.path, '/var/log/pods')
        const state = mountOf(config.collector.podLogs.checkpointPath)
        assert.ok(state && state.readOnly !== true, `${label}: the checkpoint directory is mounted writable`)
        assert.ok(spec.volumes.find((v: Obj) => v.name === state.name)?.hostPath, `${label}: checkpoints on a hostPath that outlives the pod`)
        assert.ok(spec.serviceAccountName, `${label}: a service account for the informer`)
      } else {
        assert.ok(['detector', 'responder', 'collector'].includes(role))
        assert.equal(spec.securityContext.runAsNonRoot, true, `${label}: non-root`)
        assert.ok(!c.securityContext.capabilities.add, `${label}: no capabilities`)
        assert.ok(!spec.volumes.some((v: Obj) => v.hostPath), `${label}: no hostPath`)
        if (role === 'detector') assert.ok(config.detector.fingerprintKey, `${label}: fingerprint key from the Secret`)
        if (role === 'collector') {
          // A network-facing collector Deployment: no node agent in it, and no API token.
          assert.equal(config.collector.podLogs.mode, 'off', `${label}: no pod-log tailer`)
          assert.equal(config.collector.files.enabled, false)
          assert.equal(spec.automountServiceAccountToken, false, `${label}: no API token`)
        }
      }
    }
  }
  // The agent's account is bound, and to nothing more than reading pods and namespaces.
  const collector = workloads(objs).find((w) => w.kind === 'DaemonSet')
  if (collector !== undefined) {
    const sa = collector.spec.template.spec.serviceAccountName
    const bindings = objs.filter((o) => o.kind === 'ClusterRoleBinding' && o.subjects.some((s: Obj) => s.kind === 'ServiceAccount' && s.name === sa))
    assert.equal(bindings.length, 1, `${where}: the agent's ServiceAccount is bound once`)
    const role = objs.find((o) => o.kind === 'ClusterRole' && o.metadata.name === bindings[0]?.roleRef.name)
    assert.ok(role, `${where}: the bound ClusterRole exists`)
    assert.deepEqual(role.rules, [{ apiGroups: [''], resources: ['pods', 'namespaces'], verbs: ['get', 'list', 'watch'] }], `${where}: least privilege`)
    assert.equal(bindings[0]?.subjects[0].namespace, collector.metadata.namespace)
  }
  for (const o of objs.filter((x) => x.kind === 'ClusterRoleBinding'))
    assert.ok(names('ClusterRole').has(o.roleRef.name), `${where}: ClusterRoleBinding ${o.metadata.name} refers to an existing role`)
}

test('deploy/kubernetes: valid against the Kubernetes OpenAPI schemas, cross-references hold, every config loads', () => {
  const objs = manifests()
  validateSchemas(objs, 'deploy/kubernetes')
  crossCheck(objs, 'deploy/kubernetes')
  assert.deepEqual([...new Set(objs.map((o) => o.kind))].sort(), [
    'ClusterRole',
    'ClusterRoleBinding',
    'ConfigMap',
    'DaemonSet',
    'Deployment',
    'Namespace',
    'ServiceAccount'
  ])
  const ds = objs.find((o) => o.kind === 'DaemonSet')
  assert.deepEqual(ds?.spec.template.spec.tolerations, [{ operator: 'Exists' }], 'the agent runs on every node')
  for (const o of objs) if (o.kind !== 'Namespace' && o.metadata.namespace !== undefined) assert.equal(o.metadata.namespace, 'leakwatch')
})

test('helm template with default values: valid, cross-checked, and the same objects as deploy/kubernetes', () => {
  const objs = render('leakwatch', 'leakwatch')
  validateSchemas(objs, 'chart defaults')
  crossCheck(objs, 'chart defaults')
  const plain = manifests().filter((o) => o.kind !== 'Namespace')
  assert.deepEqual(objs.map(id).sort(), plain.map(id).sort(), 'the chart renders what deploy/kubernetes holds (the namespace is helm --create-namespace)')
  for (const o of plain) {
    const r = objs.find((x) => id(x) === id(o))
    if (o.kind === 'DaemonSet' || o.kind === 'Deployment') {
      const [a, b] = [o.spec.template.spec, r?.spec.template.spec]
      assert.deepEqual(b.containers[0].securityContext, a.containers[0].securityContext, `${id(o)}: same security context`)
      assert.deepEqual(b.containers[0].args, a.containers[0].args)
      assert.deepEqual(b.tolerations, a.tolerations)
      assert.deepEqual(b.containers[0].resources, a.containers[0].resources)
    }
  }
})

test('helm template variants: roles switched off, another release and namespace, Slack and webhook Secrets, Docker nodes, scheduling', () => {
  const variants: Array<[string, string, Obj]> = [
    ['collector-only', 'leakwatch', { detector: { enabled: false }, responder: { enabled: false } }],
    ['no-collector', 'security', { collector: { enabled: false } }],
    [
      'prod',
      'security',
      {
        image: { repository: 'registry.example.test/leakwatch', tag: '9.9.9' },
        kafka: { brokers: ['k1:9092', 'k2:9092'], topicPrefix: 'prod.' },
        collector: {
          dockerContainersPath: '/var/lib/docker/containers',
          excludeNamespaces: ['kube-system'],
          excludePodLabels: ['leakwatch.io/skip=true'],
          tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }],
          nodeSelector: { 'kubernetes.io/os': 'linux' }
        },
        responder: {
          replicas: 3,
          slack: { existingSecret: 'slack', tokenKey: 'bot-token', defaultChannel: '#security' },
          webhook: { existingSecret: 'hooks', urlKey: 'url' }
        },
        config: { collector: { podLogs: { maxInFlightBytes: 33554432 } } }
      }
    ]
  ]
  for (const [release, ns, values] of variants) {
    const where = `chart ${release}`
    const objs = render(release, ns, values)
    validateSchemas(objs, where)
    crossCheck(objs, where)
    for (const o of objs) if (o.metadata.namespace !== undefined) assert.equal(o.metadata.namespace, ns)
    const roles = workloads(objs).map((w) => w.spec.template.spec.containers[0].args[1])
    if (release === 'collector-only') assert.deepEqual(roles, ['collector'])
    if (release === 'no-collector') {
      assert.deepEqual(roles.sort(), ['detector', 'responder'])
      assert.ok(!objs.some((o) => o.kind === 'ClusterRole'), 'no API rights without the agent')
    }
    if (release === 'prod') {
      const ds = objs.find((o) => o.kind === 'DaemonSet')
      const spec = ds?.spec.template.spec
      assert.equal(spec.containers[0].image, 'registry.example.test/leakwatch:9.9.9')
      assert.deepEqual(spec.nodeSelector, { 'kubernetes.io/os': 'linux' })
      assert.ok(spec.volumes.some((v: Obj) => v.hostPath?.path === '/var/lib/docker/containers'))
      const responder = objs.find((o) => o.kind === 'Deployment' && o.metadata.name.endsWith('-responder'))
      assert.equal(responder?.spec.replicas, 3)
      const env = responder?.spec.template.spec.containers[0].env
      assert.deepEqual(env.find((e: Obj) => e.name === 'LEAKWATCH_RESPONDER_SLACK_TOKEN')?.valueFrom.secretKeyRef, { name: 'slack', key: 'bot-token' })
      assert.deepEqual(env.find((e: Obj) => e.name === 'LEAKWATCH_RESPONDER_WEBHOOK_URL')?.valueFrom.secretKeyRef, { name: 'hooks', key: 'url' })
      const cm = objs.find((o) => o.kind === 'ConfigMap')
      const config = containerConfig(objs, ds as Obj, spec.containers[0], where)
      assert.equal(config.kafka.topicPrefix, 'prod.')
      assert.deepEqual(config.collector.podLogs.excludeNamespaces, ['kube-system'])
      assert.equal(config.collector.podLogs.maxInFlightBytes, 33554432, 'extra config merged')
      assert.ok(String(cm?.data['leakwatch.yaml']).includes('#security'))
    }
  }
})

test('a manifest mistake is caught: the schema check and the cross-checks are not vacuous', () => {
  const objs = manifests()
  const ds = structuredClone(objs.find((o) => o.kind === 'DaemonSet') as Obj)
  ds.spec.template.spec.containers[0].ports[0].containerPort = 'http'
  assert.throws(() => validateSchemas([ds], 'broken'), /does not match the Kubernetes OpenAPI schema/)
  const renamed = structuredClone(objs)
  const d = renamed.find((o) => o.kind === 'DaemonSet') as Obj
  d.spec.template.spec.containers[0].livenessProbe.httpGet.port = 'metrics'
  assert.throws(() => crossCheck(renamed, 'broken'), /probed port metrics/)
  const typo = structuredClone(objs)
  const t = typo.find((o) => o.kind === 'DaemonSet') as Obj
  t.spec.template.spec.containers[0].env.push({ name: 'LEAKWATCH_COLLECTOR_POD_LOGS_MODDE', value: 'on' })
  assert.throws(() => crossCheck(typo, 'broken'), /unknown environment variable/)
  assert.ok(existsSync(join(root, 'deploy/helm/leakwatch/Chart.yaml')))
})

test('helm template with Kafka TLS/SASL and Redis TLS/ACL: every credential a file from a mounted Secret, a Kafka user per role', () => {
  const values = {
    kafka: {
      tls: { enabled: true, existingSecret: 'kafka-ca', certKey: 'tls.crt', keyKey: 'tls.key' },
      sasl: { mechanism: 'scram-sha-512', existingSecret: 'kafka-leakwatch' }
    },
    redis: { url: 'rediss://redis.leakwatch.svc:6379', tls: { enabled: true, existingSecret: 'redis-ca' }, auth: { existingSecret: 'redis-leakwatch' } },
    collector: { kafkaSaslSecret: 'kafka-collector' }
  }
  const objs = render('secure', 'security', values)
  validateSchemas(objs, 'chart secure')
  crossCheck(objs, 'chart secure')
  const saslSecrets: Record<string, string> = {}
  for (const w of workloads(objs)) {
    const spec = w.spec.template.spec
    const c = spec.containers[0]
    const role = c.args[1]
    const config = containerConfig(objs, w, c, 'chart secure')
    assert.equal(config.kafka.sasl.mechanism, 'scram-sha-512')
    assert.equal(config.kafka.tls.enabled, true)
    assert.equal(config.kafka.tls.verifyHostname, true)
    assert.equal(config.redis.tls.enabled, true)
    const kafkaFiles = [
      config.kafka.tls.caFile,
      config.kafka.tls.certFile,
      config.kafka.tls.keyFile,
      config.kafka.sasl.usernameFile,
      config.kafka.sasl.passwordFile
    ]
    const redisFiles = [config.redis.tls.caFile, config.redis.usernameFile, config.redis.passwordFile]
    // Only the responder talks to Redis: the other roles do not even mount its credentials.
    const files = role === 'responder' ? [...kafkaFiles, ...redisFiles] : kafkaFiles
    if (role !== 'responder') assert.ok(!spec.volumes.some((v: Obj) => v.name.startsWith('redis-')), `${role}: no Redis Secret`)
    for (const file of files) {
      assert.ok(file, `${role}: every credential is a file`)
      const dir = file.slice(0, file.lastIndexOf('/'))
      const mount = c.volumeMounts.find((m: Obj) => m.mountPath === dir)
      assert.equal(mount?.readOnly, true, `${role}: ${dir} is mounted read-only`)
      const volume = spec.volumes.find((v: Obj) => v.name === mount.name)
      assert.ok(volume?.secret?.secretName, `${role}: ${dir} is a Secret`)
      assert.ok(
        volume.secret.items.some((i: Obj) => `${dir}/${i.path}` === file),
        `${role}: ${file} is a key of Secret ${volume.secret.secretName}`
      )
      if (mount.name === 'kafka-sasl') saslSecrets[role] = volume.secret.secretName
    }
  }
  assert.deepEqual(saslSecrets, { collector: 'kafka-collector', detector: 'kafka-leakwatch', responder: 'kafka-leakwatch' })

  // OAUTHBEARER: the token file, which leakwatch re-reads, so a rotated Secret needs no restart.
  const oauth = render('oauth', 'security', { kafka: { tls: { enabled: true }, sasl: { mechanism: 'oauthbearer', existingSecret: 'kafka-token' } } })
  crossCheck(oauth, 'chart oauth')
  const d = workloads(oauth).find((w) => w.kind === 'Deployment') as Obj
  const config = containerConfig(oauth, d, d.spec.template.spec.containers[0], 'chart oauth')
  assert.equal(config.kafka.sasl.oauthTokenFile, '/var/run/secrets/leakwatch/kafka-sasl/token')
  assert.equal(config.kafka.tls.caFile, undefined, 'TLS without a Secret trusts the system CAs')
  assert.ok(!d.spec.template.spec.volumes.some((v: Obj) => v.name === 'kafka-tls'))

  // SASL without a Secret to read it from is refused when rendering, not at the first pod start.
  assert.throws(
    () => render('nosecret', 'security', { kafka: { sasl: { mechanism: 'plain' } } }),
    /kafka\.sasl\.existingSecret \(or \w+\.kafkaSaslSecret\) is required/
  )
})

test('helm template with the network collectors: own Deployments off the node agent, secrets as files, Redis dedup, PDB, NetworkPolicy, TLS Ingress', () => {
  const values = {
    redis: { auth: { existingSecret: 'redis-leakwatch' } },
    auditWebhook: { enabled: true, clusterIP: '10.96.0.50' },
    ciCollector: {
      enabled: true,
      gitlab: { enabled: true, url: 'https://gitlab.example.test' },
      github: { enabled: true, appId: '123456' },
      ingest: { enabled: true },
      ingress: { enabled: true, className: 'nginx', host: 'hooks.example.test', tlsSecret: 'hooks-tls' }
    },
    // What an operator might put in the shared config: it must not start the hooks on every node.
    config: { collector: { github: { enabled: true }, gitlab: { enabled: true }, ciIngest: { enabled: true }, auditWebhook: { enabled: true } } }
  }
  const where = 'chart network collectors'
  const objs = render('lwn', 'leakwatch', values)
  validateSchemas(objs, where)
  crossCheck(objs, where)
  const byName = (kind: string, suffix: string) => objs.find((o) => o.kind === kind && o.metadata.name.endsWith(suffix)) as Obj
  const loaded = (w: Obj) => containerConfig(objs, w, w.spec.template.spec.containers[0], where)

  const agent = loaded(objs.find((o) => o.kind === 'DaemonSet') as Obj)
  assert.deepEqual(
    [agent.collector.gitlab.enabled, agent.collector.ciIngest.enabled, agent.collector.auditWebhook.enabled],
    [false, false, false],
    'the node agent never enables a network collector'
  )

  const ci = byName('Deployment', '-ci-collector')
  const ciSpec = ci.spec.template.spec
  const c = ciSpec.containers[0]
  const config = loaded(ci)
  assert.equal(ci.spec.replicas, 2)
  assert.deepEqual([config.collector.gitlab.enabled, config.collector.ciIngest.enabled, config.collector.auditWebhook.enabled], [true, true, false])
  assert.equal(config.collector.gitlab.url, 'https://gitlab.example.test')
  assert.equal(config.collector.gitlab.deliveries, 'redis', 'replicas share taken deliveries')
  // Secrets: files of the Secret's volume, never a variable.
  const secretDir = c.volumeMounts.find((m: Obj) => m.name === 'ci-secrets')
  assert.equal(ciSpec.volumes.find((v: Obj) => v.name === 'ci-secrets')?.secret?.secretName, 'leakwatch-ci')
  for (const file of [config.collector.gitlab.tokenFile, config.collector.gitlab.webhookTokenFile, config.collector.ciIngest.tokensFile])
    assert.ok(String(file).startsWith(`${secretDir.mountPath}/`), `${file} is in the mounted Secret`)
  assert.deepEqual(
    c.env.filter((e: Obj) => e.valueFrom?.secretKeyRef !== undefined).map((e: Obj) => e.name),
    ['LEAKWATCH_KAFKA_PAYLOAD_KEY'],
    'no CI secret in a variable'
  )
  assert.equal(config.redis.passwordFile, '/var/run/secrets/leakwatch/redis-auth/password')
  assert.ok(
    c.volumeMounts.some((m: Obj) => config.redis.passwordFile?.startsWith(`${m.mountPath}/`)),
    'the Redis password is mounted'
  )
  // Its own account, no token, bound to nothing.
  const sa = objs.find((o) => o.kind === 'ServiceAccount' && o.metadata.name === ciSpec.serviceAccountName) as Obj
  assert.equal(sa.metadata.name, 'lwn-leakwatch-ci')
  assert.equal(sa.automountServiceAccountToken, false)
  assert.ok(!objs.some((o) => /Binding$/.test(o.kind) && o.subjects.some((s: Obj) => s.name === sa.metadata.name)), 'no grant')
  // The Service, the PodDisruptionBudget and the NetworkPolicy select these pods, on exactly the hook ports.
  const hookPorts = [config.collector.github.port, config.collector.gitlab.port, config.collector.ciIngest.port]
  assert.deepEqual(hookPorts, [9470, 9471, 9472])
  const selects = (sel: Obj) => Object.entries(sel).every(([k, v]) => ci.spec.template.metadata.labels[k] === v)
  const svc = byName('Service', '-ci-collector')
  assert.ok(selects(svc.spec.selector))
  assert.deepEqual(
    svc.spec.ports.map((p: Obj) => [p.port, c.ports.find((q: Obj) => q.name === p.targetPort)?.containerPort]),
    hookPorts.map((p) => [p, p])
  )
  const pdb = byName('PodDisruptionBudget', '-ci-collector')
  assert.ok(selects(pdb.spec.selector.matchLabels))
  assert.equal(pdb.spec.minAvailable, 1)
  const np = byName('NetworkPolicy', '-ci-collector')
  assert.ok(selects(np.spec.podSelector.matchLabels))
  assert.deepEqual(np.spec.policyTypes, ['Ingress'])
  assert.deepEqual(
    np.spec.ingress.flatMap((r: Obj) => r.ports.map((p: Obj) => p.port)),
    [...hookPorts, config.http.port]
  )
  const ing = byName('Ingress', '-ci-collector')
  assert.deepEqual(ing.spec.tls, [{ hosts: ['hooks.example.test'], secretName: 'hooks-tls' }])
  assert.deepEqual(
    ing.spec.rules[0].http.paths.map((p: Obj) => [p.path, p.backend.service.name, p.backend.service.port.name]),
    [
      ['/webhooks/github', svc.metadata.name, 'github'],
      ['/hooks/gitlab', svc.metadata.name, 'gitlab'],
      ['/api/v1/ci/logs', svc.metadata.name, 'ingest']
    ]
  )

  const audit = byName('Deployment', '-audit-webhook')
  const auditConfig = loaded(audit)
  assert.deepEqual(
    [auditConfig.collector.auditWebhook.enabled, auditConfig.collector.gitlab.enabled, auditConfig.collector.ciIngest.enabled],
    [true, false, false]
  )
  assert.deepEqual(auditConfig.collector.auditWebhook.allowedClientNames, ['kube-apiserver-audit'])
  const tlsDir = audit.spec.template.spec.containers[0].volumeMounts.find((m: Obj) => m.name === 'audit-tls')
  for (const f of ['certFile', 'keyFile', 'clientCaFile'] as const)
    assert.ok(String(auditConfig.collector.auditWebhook[f]).startsWith(`${tlsDir.mountPath}/`), f)
  assert.equal(byName('Service', '-audit-webhook').spec.clusterIP, '10.96.0.50')
  assert.deepEqual(
    byName('NetworkPolicy', '-audit-webhook').spec.ingress.flatMap((r: Obj) => r.ports.map((p: Obj) => p.port)),
    [auditConfig.collector.auditWebhook.port, config.http.port]
  )
  assert.equal(audit.spec.template.spec.serviceAccountName, 'lwn-leakwatch')

  // A hook must not go out over plain HTTP, nor a CI Deployment run with nothing in it.
  assert.throws(
    () => render('lwx', 'leakwatch', { ciCollector: { enabled: true, ingest: { enabled: true }, ingress: { enabled: true, host: 'h.example.test' } } }),
    /tlsSecret/
  )
  assert.throws(() => render('lwy', 'leakwatch', { ciCollector: { enabled: true } }), /at least one/)
})

test('deploy/kubernetes/optional: the CI collectors and the audit webhook load their configuration, off the node agent, secrets as files, no token', () => {
  const optional = ['ci-collectors.yaml', 'audit-webhook.yaml'].flatMap((f) => parseDocs(readFileSync(join(root, 'deploy/kubernetes/optional', f), 'utf8'), f))
  // The shared ConfigMap as an operator might extend it: the hooks configured there must still stay off on every node.
  const objs = structuredClone([...manifests(), ...optional])
  const cm = objs.find((o) => o.kind === 'ConfigMap') as Obj
  cm.data['leakwatch.yaml'] = cm.data['leakwatch.yaml'].replace(
    /^ {2}files:\n/m,
    '  gitlab:\n    enabled: true\n  ciIngest:\n    enabled: true\n  auditWebhook:\n    enabled: true\n  files:\n'
  )
  assert.match(cm.data['leakwatch.yaml'], /ciIngest:/, 'the test config enables the hooks')
  const where = 'deploy/kubernetes/optional'
  validateSchemas(objs, where)
  crossCheck(objs, where)
  const byName = (kind: string, name: string) => objs.find((o) => o.kind === kind && o.metadata.name === name) as Obj
  const loaded = (w: Obj) => containerConfig(objs, w, w.spec.template.spec.containers[0], where)
  const agent = loaded(byName('DaemonSet', 'leakwatch-collector'))
  assert.deepEqual([agent.collector.gitlab.enabled, agent.collector.ciIngest.enabled, agent.collector.auditWebhook.enabled], [false, false, false])

  const ci = byName('Deployment', 'leakwatch-ci-collector')
  const spec = ci.spec.template.spec
  const c = spec.containers[0]
  const config = loaded(ci)
  assert.equal(ci.spec.replicas, 2)
  assert.deepEqual([config.collector.gitlab.enabled, config.collector.ciIngest.enabled, config.collector.auditWebhook.enabled], [true, true, false])
  assert.equal(config.collector.gitlab.deliveries, 'redis')
  const dir = c.volumeMounts.find((m: Obj) => m.name === 'ci-secrets').mountPath
  assert.equal(spec.volumes.find((v: Obj) => v.name === 'ci-secrets').secret.secretName, 'leakwatch-ci')
  for (const file of [config.collector.gitlab.tokenFile, config.collector.gitlab.webhookTokenFile, config.collector.ciIngest.tokensFile])
    assert.ok(String(file).startsWith(`${dir}/`), `${file} is in the mounted Secret`)
  assert.deepEqual(
    c.env.filter((e: Obj) => e.valueFrom?.secretKeyRef !== undefined).map((e: Obj) => e.name),
    ['LEAKWATCH_KAFKA_PAYLOAD_KEY']
  )
  // The Redis credentials the ConfigMap's commented redis section points at are mounted (optional Secrets).
  for (const name of ['redis-tls', 'redis-auth'])
    assert.ok(
      c.volumeMounts.some((m: Obj) => m.name === name && m.mountPath === `/var/run/secrets/leakwatch/${name}`),
      name
    )
  assert.equal(spec.serviceAccountName, 'leakwatch-ci')
  assert.equal(spec.automountServiceAccountToken, false)
  assert.equal(byName('ServiceAccount', 'leakwatch-ci').automountServiceAccountToken, false)
  assert.ok(!objs.some((o) => /Binding$/.test(o.kind) && o.subjects.some((s: Obj) => s.name === 'leakwatch-ci')), 'no grant')
  const labels = ci.spec.template.metadata.labels
  const selects = (sel: Obj) => Object.entries(sel).every(([k, v]) => labels[k] === v)
  const svc = byName('Service', 'leakwatch-ci-collector')
  assert.ok(selects(svc.spec.selector))
  const containerPort = (name: string) => c.ports.find((p: Obj) => p.name === name)?.containerPort
  assert.deepEqual(
    svc.spec.ports.map((p: Obj) => [p.port, containerPort(p.targetPort)]),
    [
      [9470, 9470],
      [config.collector.gitlab.port, config.collector.gitlab.port],
      [config.collector.ciIngest.port, config.collector.ciIngest.port]
    ]
  )
  assert.ok(selects(byName('PodDisruptionBudget', 'leakwatch-ci-collector').spec.selector.matchLabels))
  const np = byName('NetworkPolicy', 'leakwatch-ci-collector')
  assert.ok(selects(np.spec.podSelector.matchLabels))
  assert.deepEqual(
    np.spec.ingress.flatMap((r: Obj) => r.ports.map((p: Obj) => p.port)),
    [9470, 9471, 9472, config.http.port]
  )

  const audit = byName('Deployment', 'leakwatch-audit-webhook')
  const auditConfig = loaded(audit)
  assert.deepEqual(
    [
      auditConfig.collector.auditWebhook.enabled,
      auditConfig.collector.gitlab.enabled,
      auditConfig.collector.ciIngest.enabled,
      auditConfig.collector.podLogs.mode
    ],
    [true, false, false, 'off']
  )
  assert.equal(audit.spec.template.spec.automountServiceAccountToken, false)
  assert.deepEqual(
    byName('NetworkPolicy', 'leakwatch-audit-webhook').spec.ingress.flatMap((r: Obj) => r.ports.map((p: Obj) => p.port)),
    [auditConfig.collector.auditWebhook.port, config.http.port]
  )
})
