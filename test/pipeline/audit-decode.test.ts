import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { auditDecodeReason, decodeAudit } from '../../pipeline/audit-decode.ts'
import { FLATTENED_ANNOTATION, MAX_AUDIT_NESTING } from '../../pipeline/audit-nesting.ts'
import { isLeakwatchError } from '../../pipeline/errors.ts'
import { falcoEvents, handWrittenEvents } from '../support/audit-samples.ts'
import { seededRng } from '../support/seed.ts'

const FIX = join(import.meta.dirname, '..', 'fixtures', 'audit')
const PROV = join(FIX, 'providers')

function lines(path: string): string[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
}

const logEvents = lines(join(FIX, 'kubernetes-rotation.log.jsonl')).map((l) => JSON.parse(l) as { auditID: string; stage: string; verb: string })

function reasonOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (err) {
    assert.ok(isLeakwatchError(err, 'LW_ERR_AUDIT_INVALID'), `expected LW_ERR_AUDIT_INVALID, got ${String(err)}`)
    return auditDecodeReason(err)
  }
  assert.fail('expected a throw')
}

test('the real log backend: one v1 Event per line, every field kept', () => {
  for (const [i, line] of lines(join(FIX, 'kubernetes-rotation.log.jsonl')).entries()) {
    const d = decodeAudit(line)
    assert.equal(d.shape, 'event')
    assert.equal(d.events.length, 1)
    assert.deepEqual(d.events[0], JSON.parse(line), `line ${i + 1}`)
  }
})

test('the real webhook backend: an EventList per body, the same events in the same order', () => {
  const got = lines(join(FIX, 'kubernetes-rotation.webhook.jsonl')).flatMap((body) => {
    const d = decodeAudit(body)
    assert.equal(d.shape, 'event-list')
    assert.deepEqual(d.rejected, [])
    return d.events
  })
  assert.deepEqual(
    got.map((e) => `${e.auditID}/${e.stage}`),
    logEvents.map((e) => `${e.auditID}/${e.stage}`)
  )
  for (const e of got) {
    assert.equal(e.apiVersion, 'audit.k8s.io/v1')
    assert.equal(e.kind, 'Event')
  }
})

test("v1beta1 and apiVersion-less events (ours on Falco's shapes, and Falco's own when present) decode to v1, nothing else changed", () => {
  const own = handWrittenEvents()
  const falco = falcoEvents()
  const versions = new Map<string, number>()
  const levels = new Set<unknown>()
  const stages = new Set<unknown>()
  for (const [i, { at, line }] of [...own, ...falco].entries()) {
    const raw = JSON.parse(line) as Record<string, unknown>
    if (i < own.length) {
      const v = String(raw.apiVersion ?? 'none')
      versions.set(v, (versions.get(v) ?? 0) + 1)
      levels.add(raw.level)
      stages.add(raw.stage)
    }
    const d = decodeAudit(line)
    assert.equal(d.shape, 'event', at)
    assert.equal(d.events.length, 1, at)
    // The v1 event is the line without v1beta1's ObjectMeta and timestamp; these lines all carry both v1 times.
    const { metadata: _m, timestamp: _t, ...v1 } = raw
    assert.deepEqual(d.events[0], { ...v1, apiVersion: 'audit.k8s.io/v1' }, at)
  }
  // The variety the conversion is for is really in our fixture.
  assert.ok(
    (versions.get('audit.k8s.io/v1beta1') ?? 0) >= 5 && (versions.get('none') ?? 0) >= 5 && (versions.get('audit.k8s.io/v1') ?? 0) >= 3,
    JSON.stringify([...versions])
  )
  assert.deepEqual([...levels].sort(), ['Metadata', 'Request', 'RequestResponse'])
  assert.deepEqual([...stages].sort(), ['ResponseComplete', 'ResponseStarted'])
  if (falco.length > 0) {
    assert.ok(falco.length >= 40, `${falco.length} events in the shared Falco samples`)
    assert.ok(falco.some(({ line }) => line.includes('"audit.k8s.io/v1beta1"')))
  }
})

test('v1beta1: timestamp and metadata.creationTimestamp become the request and stage times', () => {
  const e = decodeAudit(
    JSON.stringify({
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1beta1',
      metadata: { creationTimestamp: '2018-10-26T09:51:20Z' },
      timestamp: '2018-10-26T09:51:20Z',
      level: 'Metadata',
      auditID: 'a1',
      stage: 'ResponseComplete',
      verb: 'get',
      user: { username: 'u' }
    })
  ).events[0]
  assert.equal(e?.requestReceivedTimestamp, '2018-10-26T09:51:20Z')
  assert.equal(e?.stageTimestamp, '2018-10-26T09:51:20Z')
  assert.equal(e?.apiVersion, 'audit.k8s.io/v1')
})

test('EKS: the subscription-filter payload, Logs Insights rows and the S3 export lines yield the same events', () => {
  const sub = decodeAudit(readFileSync(join(PROV, 'eks-subscription.json'), 'utf8'))
  assert.equal(sub.shape, 'eks-subscription')
  assert.equal(sub.cluster, 'prod-eu')
  assert.deepEqual(sub.rejected, [])
  const want = [logEvents[3], logEvents[16], logEvents[19]].map((e) => e?.auditID)
  assert.deepEqual(
    sub.events.map((e) => e.auditID),
    want
  )
  const insights = lines(join(PROV, 'eks-insights.jsonl')).map((l) => decodeAudit(l))
  assert.deepEqual(
    insights.map((d) => d.events[0]?.auditID),
    want
  )
  assert.ok(insights.every((d) => d.shape === 'eks' && d.cluster === 'prod-eu'))
  const s3 = lines(join(PROV, 'eks-s3-export.log')).map((l) => decodeAudit(l))
  assert.deepEqual(
    s3.map((d) => d.events[0]?.auditID),
    want
  )
  assert.deepEqual(s3[1]?.events[0], sub.events[1])
})

test("EKS: CloudWatch's control message carries no events; another control-plane stream's lines are rejected as not-audit", () => {
  const ctl = decodeAudit(readFileSync(join(PROV, 'eks-control.json'), 'utf8'))
  assert.deepEqual(ctl.events, [])
  assert.deepEqual(ctl.rejected, [])
  const auth = decodeAudit(readFileSync(join(PROV, 'eks-authenticator.json'), 'utf8'))
  assert.deepEqual(auth.events, [])
  assert.deepEqual(
    auth.rejected.map((r) => r.reason),
    ['not-audit']
  )
})

test('AKS: records[] with the event as escaped JSON in properties.log; other categories rejected, the rest kept', () => {
  const d = decodeAudit(readFileSync(join(PROV, 'aks-records.json'), 'utf8'))
  assert.equal(d.shape, 'aks')
  assert.equal(d.cluster, 'AKS-PROD')
  assert.deepEqual(
    d.events.map((e) => e.auditID),
    [logEvents[3], logEvents[16], logEvents[19]].map((e) => e?.auditID)
  )
  assert.deepEqual(
    d.rejected.map((r) => [r.index, r.reason]),
    [[1, 'not-audit']]
  )
  assert.ok(!d.rejected[0]?.message.includes('trace.go'), 'the rejected log line is not quoted')
  for (const l of lines(join(PROV, 'aks-storage.jsonl'))) assert.equal(decodeAudit(l).events.length, 1)
})

test('GKE: a Cloud Logging AuditLog entry maps to an Event (auditID, user, verb, objectRef, status, objects, annotations)', () => {
  const [create, denied, exec] = lines(join(PROV, 'gke.jsonl')).map((l) => decodeAudit(l))
  assert.equal(create?.shape, 'gke')
  assert.equal(create?.cluster, 'gke-prod')
  const c = create?.events[0]
  assert.ok(c !== undefined)
  assert.equal(c?.auditID, '9c1d3a7e-5f2b-4c8e-a1d6-3e7b9f0c2a41')
  assert.equal(c?.verb, 'create')
  assert.equal(c?.stage, 'ResponseComplete')
  assert.equal(c?.level, 'RequestResponse')
  assert.deepEqual(c?.user, { username: 'dev@acme.example' })
  assert.deepEqual(c?.sourceIPs, ['203.0.113.24'])
  assert.deepEqual(c?.objectRef, { apiVersion: 'v1', namespace: 'shop', resource: 'configmaps', name: 'app-config' })
  assert.deepEqual(c?.responseStatus, { metadata: {}, code: 200 })
  assert.equal((c.responseObject as Record<string, unknown>)['@type'], undefined, "Cloud Logging's @type is not part of the object")
  assert.deepEqual((c.requestObject as { data: unknown }).data, { LOG_LEVEL: 'info', FEATURE_FLAGS: 'checkout-v2' })
  assert.equal(c?.annotations?.['authorization.k8s.io/decision'], 'allow')
  const d = denied?.events[0]
  assert.equal(d?.level, 'Metadata')
  assert.deepEqual(d?.responseStatus, { metadata: {}, code: 403, message: 'PERMISSION_DENIED' })
  assert.equal(d?.userAgent, 'curl/8.5.0')
  assert.deepEqual(exec?.events[0]?.objectRef, { apiVersion: 'v1', namespace: 'payments', resource: 'pods', name: 'db-0', subresource: 'exec' })
  assert.equal(exec?.events[0]?.verb, 'create')
  const push = decodeAudit(readFileSync(join(PROV, 'gke-pubsub-push.json'), 'utf8'))
  assert.equal(push.shape, 'gke-pubsub')
  assert.deepEqual(push.events[0], c)
  assert.equal(
    reasonOf(() => decodeAudit(readFileSync(join(PROV, 'gke-container-api.json'), 'utf8'))),
    'not-audit'
  )
})

test('malformed input: coded reasons, no content quoted', () => {
  const secretish = 'hunter2-do-not-echo'
  const cases: Array<[string, string]> = [
    [`{"kind":"EventList","items":[`, 'not-json'],
    [`[1,2]`, 'not-an-object'],
    [`"${secretish}"`, 'not-an-object'],
    [`{"hello":"${secretish}"}`, 'unknown-shape'],
    [`{"kind":"EventList","apiVersion":"audit.k8s.io/v1alpha1","items":[]}`, 'unsupported-version'],
    [`{"kind":"Event","auditID":"x","stage":"ResponseComplete","verb":"get","user":"${secretish}"}`, 'invalid-event'],
    [`{"kind":"EventList","items":{}}`, 'unknown-shape']
  ]
  for (const [body, reason] of cases) {
    try {
      decodeAudit(body)
      assert.fail(`accepted ${body}`)
    } catch (err) {
      assert.equal(auditDecodeReason(err), reason, body)
      assert.ok(!(err as Error).message.includes(secretish), (err as Error).message)
    }
  }
})

test('bounds: body size (bytes, not UTF-16 units) and events per body, checked before any item is read', () => {
  const item = JSON.parse(lines(join(FIX, 'kubernetes-rotation.log.jsonl'))[0] ?? '') as unknown
  const body = JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: [item, item, item] })
  assert.equal(decodeAudit(body, { maxEvents: 3 }).events.length, 3)
  assert.equal(
    reasonOf(() => decodeAudit(body, { maxEvents: 2 })),
    'too-many-events'
  )
  const bytes = Buffer.byteLength(body)
  assert.equal(decodeAudit(body, { maxBytes: bytes }).events.length, 3)
  assert.equal(
    reasonOf(() => decodeAudit(body, { maxBytes: bytes - 1 })),
    'too-large'
  )
  // 'é' is one UTF-16 unit and two bytes.
  const wide = JSON.stringify({ kind: 'EventList', items: [], pad: 'é'.repeat(100) })
  assert.equal(
    reasonOf(() => decodeAudit(wide, { maxBytes: wide.length + 10 })),
    'too-large'
  )
})

test('an EventList keeps its valid items when one is not an event', () => {
  const good = JSON.parse(lines(join(FIX, 'kubernetes-rotation.log.jsonl'))[0] ?? '') as Record<string, unknown>
  const body = JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: [good, { auditID: 'x' }, 7, { ...good, auditID: 'y' }] })
  const d = decodeAudit(body)
  assert.deepEqual(
    d.events.map((e) => e.auditID),
    [good.auditID, 'y']
  )
  assert.deepEqual(
    d.rejected.map((r) => [r.index, r.reason]),
    [
      [1, 'invalid-event'],
      [2, 'not-an-object']
    ]
  )
})

test('linear work: a 10,000-event list and a deeply nested object decode without blowing up', () => {
  const good = JSON.parse(lines(join(FIX, 'kubernetes-rotation.log.jsonl'))[2] ?? '') as Record<string, unknown>
  const items = Array.from({ length: 10_000 }, (_, i) => ({ ...good, auditID: `id-${i}` }))
  const body = JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items })
  const t0 = performance.now()
  const d = decodeAudit(body, { maxBytes: body.length + 1 })
  assert.equal(d.events.length, 10_000)
  // Generous: this guards against quadratic work, not a benchmark (the machine is shared).
  assert.ok(performance.now() - t0 < 20_000)
  const deep = `{"kind":"Event","auditID":"d","stage":"ResponseComplete","verb":"get","user":{},"requestObject":${'['.repeat(5000)}${']'.repeat(5000)}}`
  assert.equal(decodeAudit(deep).events.length, 1)
})

test('an object nested deeper than JSON.stringify can write (the API server accepts 10,000 levels) is flattened below MAX_AUDIT_NESTING, every leaf kept', () => {
  const depth = 9_000
  const leaf = 'the-leaf-value'
  const deep = `{"kind":"Event","auditID":"d","stage":"ResponseComplete","verb":"create","user":{"username":"u"},"requestObject":{"spec":${'{"a":['.repeat(depth)}{"v":"${leaf}","n":1}${']}'.repeat(depth)}}}`
  // Without the bound the codec's JSON.stringify of this event throws RangeError and the whole batch fails.
  const [e] = decodeAudit(deep, { maxBytes: deep.length + 1 }).events
  assert.ok(e !== undefined)
  const written = JSON.stringify(e)
  assert.ok(written.includes(leaf))
  assert.equal(e.annotations?.[FLATTENED_ANNOTATION], 'requestObject')
  // The kept levels are untouched; the flattened subtree holds each leaf once, under the end of its path.
  let node: unknown = (e.requestObject as { spec: unknown }).spec
  let levels = 1
  while (typeof node === 'object' && node !== null && 'a' in node) {
    node = (node as { a: unknown[] }).a[0]
    levels += 2
  }
  assert.ok(levels < MAX_AUDIT_NESTING && levels > MAX_AUDIT_NESTING - 4, `kept ${levels} levels`)
  const flat = Object.entries(node as Record<string, unknown>)
  assert.deepEqual(
    flat.map(([, v]) => v),
    [leaf, 1]
  )
  for (const [k] of flat) assert.ok(k.length <= 257 && /\.a\[0\]\.[vn]$/.test(k), k)
  // Shallow objects (every fixture) are not touched: see 'the real log backend' above.
  const shallow = decodeAudit('{"kind":"Event","auditID":"s","stage":"ResponseComplete","verb":"get","user":{},"requestObject":{"a":{"b":[1,{"c":"d"}]}}}')
    .events[0]
  assert.deepEqual(shallow?.requestObject, { a: { b: [1, { c: 'd' }] } })
  assert.equal(shallow?.annotations, undefined)
})

test('mutated bodies (seeded): every outcome is events or LW_ERR_AUDIT_INVALID, never another error', () => {
  const r = seededRng('audit-decode-mutations')
  const seeds = [
    ...lines(join(FIX, 'kubernetes-rotation.webhook.jsonl')).slice(0, 2),
    ...readdirSync(PROV).map((f) => readFileSync(join(PROV, f), 'utf8').split('\n')[0] ?? '')
  ]
  const pieces = [
    '{',
    '}',
    '[',
    ']',
    '"',
    ',',
    ':',
    'null',
    '"kind":"EventList"',
    '"items":',
    '"protoPayload":{}',
    '"records":[',
    '\\u0000',
    '"@message":"{',
    '"logEvents":[{"message":1}]',
    'é'
  ]
  let invalid = 0
  for (let i = 0; i < 3000; i++) {
    let s = r.pick(seeds)
    for (let k = 1 + r.int(4); k > 0; k--) {
      const at = r.int(s.length + 1)
      const op = r.int(3)
      if (op === 0) s = s.slice(0, at)
      else if (op === 1) s = s.slice(0, at) + r.pick(pieces) + s.slice(at)
      else s = s.slice(0, at) + s.slice(at + 1 + r.int(20))
    }
    try {
      const d = decodeAudit(s, { maxEvents: 1000 })
      for (const e of d.events) assert.equal(e.apiVersion, 'audit.k8s.io/v1')
    } catch (err) {
      assert.ok(isLeakwatchError(err, 'LW_ERR_AUDIT_INVALID'), `case ${i}: ${String(err)}`)
      invalid++
    }
  }
  assert.ok(invalid > 100, `${invalid} refused`)
})
