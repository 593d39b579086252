// Secrets written into Kubernetes objects, found in audit events: the finding
// names the object, the field (through last-applied-configuration too) and
// the principal, once per value, and never carries the value.

import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { childPath, eventLine, spanAt, writeEvent } from '../../detectors/audit-fields.ts'
import { auditScan, createDetectorStage } from '../../detectors/detector-stage.ts'
import { BUILTIN_RULES } from '../../detectors/rules/registry.ts'
import { createSecretDetector } from '../../detectors/secrets.ts'
import { decodeAudit } from '../../pipeline/audit-decode.ts'
import type { AuditEnvelope, Finding } from '../../pipeline/events.ts'
import { findingSchema, TOPICS } from '../../pipeline/events.ts'
import { createFingerprinter } from '../../pipeline/fingerprint.ts'
import { createMetrics } from '../../pipeline/metrics.ts'
import { safeParse } from '../../pipeline/schema.ts'
import { FALCO_SAMPLES, falcoEvents, handWrittenEvents } from '../support/audit-samples.ts'
import { seededGen, seededRng } from '../support/seed.ts'

const g = seededGen('audit-fields')
const fingerprinter = createFingerprinter(g.base62(40))
const stage = createDetectorStage(
  { groupId: 'g' },
  { detectors: [createSecretDetector({ rules: BUILTIN_RULES, fingerprinter, maxContextChars: 300 })], metrics: createMetrics() }
)
let offset = 0

function envelope(event: Record<string, unknown>): AuditEnvelope {
  const d = decodeAudit(
    JSON.stringify({
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level: 'RequestResponse',
      auditID: `a-${offset}`,
      stage: 'ResponseComplete',
      verb: 'create',
      user: { username: 'dev@acme.example', groups: ['system:authenticated'] },
      ...event
    })
  )
  const e = d.events[0]
  assert.ok(e)
  return { v: '1', type: 'audit', cluster: 'prod', receivedAt: '2026-12-06T12:00:00.000Z', event: e }
}

async function scan(event: Record<string, unknown>): Promise<Finding[]> {
  const out = await stage.process([{ topic: TOPICS.audit, partition: 0, offset: String(offset++), key: null, value: envelope(event) }])
  return out.map((o) => {
    assert.ok(safeParse(findingSchema, o.value).ok)
    return o.value as Finding
  })
}

test('paths: identifiers dotted, other keys bracketed; every string of the line is mapped', () => {
  assert.equal(childPath('data', 'DB_URL'), 'data.DB_URL')
  assert.equal(childPath('data', 'app.conf'), 'data["app.conf"]')
  assert.equal(childPath('', 'spec'), 'spec')
  const ev = { a: { 'b.c': ['x', { d: 'y' }] }, n: 1 }
  const w = writeEvent(ev)
  assert.deepEqual(JSON.parse(w.line), ev)
  const at = (s: string): string | undefined => spanAt(w.spans, w.line.indexOf(s))?.path
  assert.equal(at('"x"'), 'a["b.c"][0]')
  assert.equal(at('"y"'), 'a["b.c"][1].d')
  assert.equal(at('"d"'), 'a["b.c"][1].d')
  assert.equal(spanAt(w.spans, w.line.indexOf('1}')), undefined)
})

test("a token in a ConfigMap's data: object, field and principal; request, response and last-applied copies are one finding", async () => {
  const token = g.githubToken('ghp_')
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app-config', namespace: 'shop' }, data: { GITHUB_TOKEN: token, LOG_LEVEL: 'info' } }
  const lastApplied = `${JSON.stringify(cm)}\n`
  const withAnnotation = { ...cm, metadata: { ...cm.metadata, annotations: { 'kubectl.kubernetes.io/last-applied-configuration': lastApplied } } }
  const found = await scan({
    objectRef: { resource: 'configmaps', namespace: 'shop', name: 'app-config', apiVersion: 'v1' },
    requestObject: withAnnotation,
    responseObject: {
      ...withAnnotation,
      metadata: { ...withAnnotation.metadata, uid: 'u', managedFields: [{ manager: 'kubectl', fieldsV1: { 'f:data': {} } }] }
    },
    impersonatedUser: { username: 'system:serviceaccount:ci:deployer' }
  })
  assert.equal(found.length, 1, JSON.stringify(found.map((f) => f.source.field)))
  const f = found[0] as Finding
  assert.equal(f.source.object, 'ConfigMap shop/app-config')
  assert.equal(f.source.field, 'data.GITHUB_TOKEN')
  assert.equal(f.source.principal, 'dev@acme.example')
  assert.equal(f.source.impersonatedUser, 'system:serviceaccount:ci:deployer')
  assert.equal(f.source.verb, 'create')
  assert.equal(f.source.namespace, 'shop')
  assert.equal(f.stream, 'audit/prod/configmaps/shop/app-config')
  assert.ok(!JSON.stringify(f).includes(token), 'no plaintext in the finding')
})

test('only in last-applied-configuration: the annotation and the inner path are named', async () => {
  const token = g.githubToken('ghp_')
  const applied = JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    spec: { template: { spec: { containers: [{ name: 'api', env: [{ name: 'X', value: token }] }] } } }
  })
  const found = await scan({
    verb: 'patch',
    objectRef: { resource: 'deployments', apiGroup: 'apps', namespace: 'shop', name: 'api', apiVersion: 'v1' },
    requestObject: { metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': applied } } }
  })
  assert.equal(found.length, 1)
  assert.equal(
    found[0]?.source.field,
    'metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"] → spec.template.spec.containers[0].env[0].value'
  )
  assert.equal(found[0]?.source.object, 'deployments shop/api')
  assert.equal(found[0]?.source.verb, 'patch')
})

test("a Pod's env: the container and env index; a CRD's spec; a Secret's own data is not reported", async () => {
  const key = `AKIA${g.chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16)}`
  const pod = await scan({
    user: { username: 'system:serviceaccount:kube-system:replicaset-controller' },
    objectRef: { resource: 'pods', namespace: 'shop', apiVersion: 'v1' },
    requestObject: {
      kind: 'Pod',
      metadata: { name: 'api-7f9c', namespace: 'shop' },
      spec: {
        containers: [
          { name: 'sidecar', env: [] },
          {
            name: 'api',
            env: [
              { name: 'A', value: '1' },
              { name: 'B', value: '2' },
              { name: 'AWS_ACCESS_KEY_ID', value: key }
            ]
          }
        ]
      }
    }
  })
  const aws = pod.find((f) => f.rule.startsWith('aws'))
  assert.ok(aws, JSON.stringify(pod.map((f) => f.rule)))
  assert.equal(aws.source.field, 'spec.containers[1].env[2].value')
  assert.equal(aws.source.object, 'Pod shop/api-7f9c')
  assert.equal(aws.source.principal, 'system:serviceaccount:kube-system:replicaset-controller')
  const token = g.githubToken('ghp_')
  const crd = await scan({
    objectRef: { resource: 'widgets', apiGroup: 'example.com', namespace: 'shop', name: 'w1', apiVersion: 'v1' },
    requestObject: { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w1' }, spec: { auth: { token } } }
  })
  assert.equal(crd[0]?.source.field, 'spec.auth.token')
  assert.equal(crd[0]?.source.object, 'Widget shop/w1')
  const secret = await scan({
    objectRef: { resource: 'secrets', namespace: 'shop', name: 's', apiVersion: 'v1' },
    requestObject: { kind: 'Secret', stringData: { token } }
  })
  assert.deepEqual(secret, [])
})

test("a Deployment's env holding a password a person picked in plain text: the env var's value is named, once, and never carried", async () => {
  // No format to recognise: only the env var's name says what the value is (kubernetes-env-credential).
  const pw = `${g.base62(6)}#${g.digits(3)}${g.base62(4)}`
  const deploy = await scan({
    objectRef: { resource: 'deployments', namespace: 'shop', name: 'api', apiGroup: 'apps', apiVersion: 'v1' },
    requestObject: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'api', namespace: 'shop' },
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: 'api',
                env: [
                  { name: 'LOG_LEVEL', value: 'info' },
                  { name: 'DB_PASSWORD', value: pw },
                  { name: 'DB_USER_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }
                ]
              }
            ]
          }
        }
      }
    }
  })
  const found = deploy.filter((f) => f.rule === 'kubernetes-env-credential')
  assert.equal(found.length, 1, JSON.stringify(deploy.map((f) => f.rule)))
  assert.equal(found[0]?.source.field, 'spec.template.spec.containers[0].env[1].value')
  assert.ok(!JSON.stringify(deploy).includes(pw), 'the password leaked into a finding')
})

test("ConfigMaps with AWS keys in a file-like value, v1beta1 and no apiVersion (ours on Falco's shapes, Falco's own when present): the field is named", async () => {
  // The fixtures hold placeholders where the keys go: each run puts keys generated from the format there.
  const cases = [
    ...handWrittenEvents()
      .filter(({ line }) => line.includes('<aws-access-key-id>'))
      .map(({ at, line }) => ({ at, line, id: '<aws-access-key-id>', secret: '<aws-secret-access-key>' })),
    ...(existsSync(FALCO_SAMPLES)
      ? [
          {
            at: 'create_configmap_sensitive_values.json:1',
            line: readFileSync(join(FALCO_SAMPLES, 'create_configmap_sensitive_values.json'), 'utf8').split('\n')[0] ?? '',
            id: 'MY-ID',
            secret: 'MY-KEY'
          }
        ]
      : [])
  ]
  const got: string[] = []
  for (const c of cases) {
    const key = `AKIA${g.chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16)}`
    const secret = g.chars('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+', 40)
    const raw = JSON.parse(c.line.replaceAll(c.id, key).replaceAll(c.secret, secret)) as Record<string, unknown>
    const found = await scan(raw)
    // The request and response objects both hold the key: one finding.
    const ids = found.filter((f) => f.rule === 'aws-access-key-id')
    assert.equal(ids.length, 1, `${c.at}: ${JSON.stringify(found.map((f) => [f.rule, f.source.field]))}`)
    const f = ids[0] as Finding
    assert.equal(f.source.principal, (raw.user as { username: string }).username, c.at)
    assert.equal(f.source.verb, 'create', c.at)
    for (const v of [key, secret]) assert.ok(!JSON.stringify(found).includes(v), `${c.at}: no plaintext in the findings`)
    got.push(`${f.source.object} ${f.source.field}`)
  }
  assert.deepEqual(got, [
    'ConfigMap ledger/exporter-settings data["storage.ini"]',
    'ConfigMap ledger/exporter-settings-v2 data["credentials.conf"]',
    ...(existsSync(FALCO_SAMPLES) ? ['ConfigMap default/my-config data["access.properties"]'] : [])
  ])
})

test("a list response: the finding names the item's own object", async () => {
  const token = g.githubToken('ghp_')
  const item = (name: string, data: Record<string, string>) => ({ metadata: { name, namespace: 'shop' }, data })
  const found = await scan({
    verb: 'list',
    user: { username: 'system:serviceaccount:tools:reader' },
    objectRef: { resource: 'configmaps', namespace: 'shop', apiVersion: 'v1' },
    responseObject: { kind: 'ConfigMapList', apiVersion: 'v1', items: [item('a', { X: '1' }), item('b', {}), item('c', { TOKEN: token })] }
  })
  assert.equal(found.length, 1)
  assert.equal(found[0]?.source.object, 'ConfigMap shop/c')
  assert.equal(found[0]?.source.field, 'items[2].data.TOKEN')
  assert.equal(found[0]?.source.verb, 'list')
})

test('the line without spans is the line with them: every fixture event, its objects reordered and annotated, and random objects', () => {
  const fixtures = join(import.meta.dirname, '..', 'fixtures', 'audit')
  const lines = [
    ...readdirSync(fixtures)
      .filter((f) => f.endsWith('.jsonl'))
      .flatMap((f) => readFileSync(join(fixtures, f), 'utf8').split('\n')),
    ...falcoEvents().map((s) => s.line)
  ].filter((l) => l.trim().startsWith('{'))
  assert.ok(lines.length > 50, `${lines.length} fixture events`)
  const events: Array<Record<string, unknown>> = lines.map((l) => JSON.parse(l) as Record<string, unknown>)
  // The shapes writeEvent writes differently from JSON.stringify, each on its own.
  const cm = { kind: 'ConfigMap', metadata: { name: 'a', namespace: 'b' }, data: { k: 'v' } }
  events.push(
    { requestObject: cm },
    { requestObject: { ...cm, metadata: { ...cm.metadata, managedFields: [{ manager: 'kubectl' }] } } },
    { requestObject: { ...cm, metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(cm) } } } },
    { requestObject: { metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': 'not json' } } } },
    { requestObject: { metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': ['in', 'a list'] } } } },
    { '2': 'integer keys first', metadata: { x: 1 }, '1': ['é', '\u2028', '\ud800', null, 1.5e300, -0, true] },
    { a: Object.create(null) as Record<string, unknown>, b: [undefined, { c: undefined }] }
  )
  const rng = seededRng('audit-fields-line')
  const keys = ['metadata', 'managedFields', 'annotations', 'kubectl.kubernetes.io/last-applied-configuration', 'data', 'spec', 'a.b', '0', '"q"', 'é']
  const value = (depth: number): unknown => {
    const r = rng.int(depth > 3 ? 4 : 6)
    if (r === 0) return rng.pick(['', 'x', '{"data":{"k":"v"}}', '\n"\\', '\u0000'])
    if (r === 1) return rng.pick([0, -1.25, 1e21, true, false, null])
    if (r === 2) return JSON.stringify({ metadata: { name: 'n' }, data: { k: 'v' } })
    if (r === 3) return rng.pick(['s', 'metadata'])
    if (r === 4) return Array.from({ length: rng.int(4) }, () => value(depth + 1))
    const o: Record<string, unknown> = {}
    for (let i = rng.int(5); i > 0; i--) o[rng.pick(keys)] = value(depth + 1)
    return o
  }
  for (let i = 0; i < 3000; i++) events.push({ objectRef: { resource: 'configmaps' }, requestObject: value(0) })
  for (const [i, e] of events.entries()) assert.equal(eventLine(e), writeEvent(e).line, `event ${i}`)
})

test('the spans of a scanned event are there when a finding asks for them, and map the line that was scanned', () => {
  const cm = { kind: 'ConfigMap', metadata: { name: 'app', namespace: 'shop' }, data: { KEY: 'value' } }
  const s = auditScan(envelope({ objectRef: { resource: 'configmaps', namespace: 'shop', name: 'app' }, requestObject: cm }))
  assert.ok(s)
  const line = s.chunk.lines[0] ?? ''
  assert.equal(spanAt(s.spans, line.indexOf('"value"'))?.path, 'requestObject.data.KEY')
  assert.equal(spanAt(s.spans, line.lastIndexOf('"shop"'))?.path, 'requestObject.metadata.namespace')
})
