// The detector stage: log chunks and audit events through both detectors,
// one finding per leaked value, and audit events of Secrets themselves not
// reported as leaks of their own values.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { auditChunk, createDetectorStage } from '../../detectors/detector-stage.ts'
import { createKnownSecretDetector, previewOf } from '../../detectors/known-secrets/detector.ts'
import { createKnownSecretIndex } from '../../detectors/known-secrets/index.ts'
import { BUILTIN_RULES } from '../../detectors/rules/registry.ts'
import { createSecretDetector } from '../../detectors/secrets.ts'
import { decodeAudit } from '../../pipeline/audit-decode.ts'
import type { AuditEnvelope, Finding, LogChunk } from '../../pipeline/events.ts'
import { auditEnvelopeSchema, findingSchema, TOPICS } from '../../pipeline/events.ts'
import { createFingerprinter } from '../../pipeline/fingerprint.ts'
import { createMetrics } from '../../pipeline/metrics.ts'
import type { InRecord } from '../../pipeline/runner.ts'
import { safeParse } from '../../pipeline/schema.ts'
import { seededGen } from '../support/seed.ts'

const g = seededGen('g')
const fingerprinter = createFingerprinter(g.base62(40))

function setup() {
  const index = createKnownSecretIndex({ fingerprint: (b) => fingerprinter.ofBytes?.(b) ?? '', preview: previewOf })
  const engine = createSecretDetector({ rules: BUILTIN_RULES, fingerprinter, maxContextChars: 300 })
  const known = createKnownSecretDetector({ index, maxContextChars: 300 })
  const metrics = createMetrics()
  const stage = createDetectorStage({ groupId: 'g' }, { detectors: [engine, known], metrics })
  return { index, stage, metrics }
}

let offset = 0
function record(topic: string, value: unknown): InRecord {
  return { topic, partition: 0, offset: String(offset++), key: null, value }
}

function audit(event: Record<string, unknown>): AuditEnvelope {
  const env = {
    v: '1',
    type: 'audit',
    cluster: 'prod-eu',
    receivedAt: new Date(0).toISOString(),
    event: {
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level: 'RequestResponse',
      auditID: crypto.randomUUID(),
      stage: 'ResponseComplete',
      verb: 'create',
      user: { username: 'alice@example.com', groups: ['system:authenticated'] },
      ...event
    }
  }
  const r = safeParse(auditEnvelopeSchema, env)
  assert.ok(r.ok)
  return r.value
}

function chunk(lines: string[]): LogChunk {
  return {
    v: '1',
    type: 'log-chunk',
    stream: 'k8s/app/api/api',
    source: { type: 'k8s', namespace: 'app' },
    startLine: 1,
    offset: { start: 0, end: 0 },
    lines,
    collectedAt: ''
  }
}

const findings = async (stage: ReturnType<typeof setup>['stage'], ...records: InRecord[]): Promise<Finding[]> =>
  (await stage.process(records)).map((o) => {
    assert.equal(o.topic, TOPICS.findings)
    assert.ok(safeParse(findingSchema, o.value).ok)
    return o.value as Finding
  })

test('the stage consumes logs and audit events', () => {
  assert.deepEqual(setup().stage.topics, [TOPICS.logs, TOPICS.audit])
})

test("a known value leaked into a ConfigMap, a Pod env and an annotation is found in the audit events; the Secret's own writes are not", async () => {
  const { index, stage } = setup()
  const pw = g.password()
  index.set({ source: 'kubernetes', namespace: 'shop', name: 'db', key: 'password' }, Buffer.from(pw))
  const secretRef = { resource: 'secrets', namespace: 'shop', name: 'db', apiVersion: 'v1' }
  const events = {
    configMap: audit({
      objectRef: { resource: 'configmaps', namespace: 'shop', name: 'app-config', apiVersion: 'v1' },
      requestObject: { kind: 'ConfigMap', metadata: { name: 'app-config' }, data: { DATABASE_URL: `postgres://shop:${encodeURIComponent(pw)}@db:5432/shop` } }
    }),
    podEnv: audit({
      user: { username: 'system:serviceaccount:kube-system:replicaset-controller' },
      objectRef: { resource: 'pods', namespace: 'shop', name: 'api-7f9c', apiVersion: 'v1' },
      requestObject: { kind: 'Pod', spec: { containers: [{ name: 'api', env: [{ name: 'DB_PASSWORD', value: pw }] }] } }
    }),
    annotation: audit({
      verb: 'patch',
      objectRef: { resource: 'deployments', apiGroup: 'apps', namespace: 'shop', name: 'api', apiVersion: 'v1' },
      requestObject: { metadata: { annotations: { 'debug/last-login': `user=shop pass=${pw}` } } }
    }),
    // The Secret itself, created and read back at RequestResponse level: its value belongs there.
    secretCreate: audit({
      objectRef: secretRef,
      requestObject: { kind: 'Secret', data: { password: Buffer.from(pw).toString('base64') } },
      responseObject: { kind: 'Secret', data: { password: Buffer.from(pw).toString('base64') } }
    }),
    secretList: audit({ verb: 'list', objectRef: { resource: 'secrets', namespace: 'shop' }, responseObject: { items: [{ stringData: { password: pw } }] } }),
    // The same request's first stage: the ResponseComplete above carries the same objects.
    received: audit({
      stage: 'RequestReceived',
      objectRef: { resource: 'configmaps', namespace: 'shop', name: 'x' },
      requestObject: { data: { p: pw } }
    })
  }
  const found = await findings(stage, ...Object.values(events).map((e) => record(TOPICS.audit, e)))
  assert.equal(found.length, 3, JSON.stringify(found.map((f) => f.title)))
  for (const f of found) {
    assert.equal(f.kind, 'known-secret')
    assert.equal(f.source.type, 'audit')
    assert.equal(f.source.cluster, 'prod-eu')
    assert.equal(f.source.namespace, 'shop')
    assert.match(f.stream, /^audit\/prod-eu\//)
    assert.deepEqual(f.secretRef, { type: 'kubernetes', namespace: 'shop', name: 'db', key: 'password' })
    assert.ok(!f.context.includes(pw))
  }
  assert.equal(new Set(found.map((f) => f.id)).size, 3, 'events at the same column of one principal still have their own ids')
  // A replay yields the same ids (the responders count an id once).
  const again = await findings(stage, ...Object.values(events).map((e) => record(TOPICS.audit, e)))
  assert.deepEqual(
    again.map((f) => f.id),
    found.map((f) => f.id)
  )
  // The rest of a Secret's event is still scanned: a value pasted into its request URI is a leak.
  const uri = audit({ verb: 'get', objectRef: secretRef, requestURI: `/api/v1/namespaces/shop/secrets/db?note=${encodeURIComponent(pw)}` })
  assert.equal((await findings(stage, record(TOPICS.audit, uri))).length, 1)
})

test('a value leaked at the bottom of an object nested 9,000 deep is found; the event neither fails the batch nor hides the others', async () => {
  const { index, stage } = setup()
  const pw = g.password()
  index.set({ source: 'kubernetes', namespace: 'shop', name: 'db', key: 'password' }, Buffer.from(pw))
  const depth = 9_000
  const body = `{"kind":"Event","auditID":"deep","stage":"ResponseComplete","verb":"create","user":{"username":"mallory"},"objectRef":{"resource":"widgets","apiGroup":"example.com","namespace":"shop","name":"w"},"requestObject":{"spec":${'{"a":['.repeat(depth)}{"password":${JSON.stringify(pw)}}${']}'.repeat(depth)}}}`
  const [deep] = decodeAudit(body, { maxBytes: body.length + 1 }).events
  assert.ok(deep !== undefined)
  const shallow = audit({
    objectRef: { resource: 'configmaps', namespace: 'shop', name: 'app-config', apiVersion: 'v1' },
    requestObject: { kind: 'ConfigMap', data: { DB_PASSWORD: pw } }
  })
  const found = await findings(stage, record(TOPICS.audit, audit({ ...deep })), record(TOPICS.audit, shallow))
  assert.equal(found.length, 2, JSON.stringify(found.map((f) => f.stream)))
  assert.deepEqual(found.map((f) => f.stream).sort(), ['audit/prod-eu/configmaps/shop/app-config', 'audit/prod-eu/widgets/shop/w'])
  for (const f of found) assert.ok(!JSON.stringify(f).includes(pw))
})

test('tokens that legitimately cross the API (TokenRequest responses, TokenReviews) are not pattern findings', async () => {
  const { stage } = setup()
  const jwt = `eyJhbGciOiJSUzI1NiIsImtpZCI6IiJ9.${Buffer.from(JSON.stringify({ iss: 'https://kubernetes.default.svc', sub: 'system:serviceaccount:a:b' })).toString('base64url')}.${g.base62(86)}`
  const tokenRequest = audit({
    objectRef: { resource: 'serviceaccounts', subresource: 'token', namespace: 'a', name: 'b', apiVersion: 'v1' },
    responseObject: { kind: 'TokenRequest', status: { token: jwt } }
  })
  const review = audit({
    objectRef: { resource: 'tokenreviews', apiGroup: 'authentication.k8s.io', apiVersion: 'v1' },
    requestObject: { spec: { token: jwt } }
  })
  assert.equal((await findings(stage, record(TOPICS.audit, tokenRequest), record(TOPICS.audit, review))).length, 0)
  // The same token in a ConfigMap is a leak.
  const cm = audit({ objectRef: { resource: 'configmaps', namespace: 'a', name: 'c' }, requestObject: { data: { token: jwt } } })
  assert.ok((await findings(stage, record(TOPICS.audit, cm))).length >= 1)
  assert.equal(auditChunk(audit({ stage: 'RequestReceived' })), undefined)
})

test('log chunks: a known value that a format rule also matches is one finding, counted once in metrics', async () => {
  const { index, stage, metrics } = setup()
  const token = g.githubToken('ghp_')
  index.set({ source: 'vault', mount: 'secret', path: 'ci/github', field: 'token' }, Buffer.from(token))
  const other = g.githubToken('ghp_')
  const found = await findings(stage, record(TOPICS.logs, chunk([`token=${token}`, `token=${other}`])))
  assert.equal(found.length, 2)
  const [k, p] = [...found].sort((a, b) => a.location.line - b.location.line)
  assert.equal(k?.kind, 'known-secret')
  assert.ok(k?.alsoMatched?.some((r) => r.startsWith('github')))
  assert.deepEqual(k?.origin, { source: 'vault', mount: 'secret', path: 'ci/github', field: 'token' })
  assert.equal(p?.kind, 'pattern')
  assert.equal(metrics.findings.get({ rule: 'known-secret', severity: 'high' }), 1)
})
