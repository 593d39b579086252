// The audit webhook endpoint in process: authentication, bounds, coded 400s,
// stages, deduplication and the 503 that makes the API server retry. The real
// API server posting to it is test/cluster/audit-collector.test.ts.

import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import type { IncomingHttpHeaders } from 'node:http'
import { request } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import { after, test } from 'node:test'
import type { AuditWebhookConfig } from '../../collectors/audit/webhook.config.ts'
import { auditWebhookConfigSchema } from '../../collectors/audit/webhook.config.ts'
import { createAuditWebhook } from '../../collectors/audit/webhook.ts'
import { createMemoryBus } from '../../pipeline/bus-memory.ts'
import { createCodec } from '../../pipeline/codec.ts'
import { isLeakwatchError } from '../../pipeline/errors.ts'
import type { AuditEnvelope, AuditGroup } from '../../pipeline/events.ts'
import { auditEnvelopes, auditRecordSchema, TOPICS } from '../../pipeline/events.ts'
import { createLogger } from '../../pipeline/log.ts'
import { createMetrics } from '../../pipeline/metrics.ts'
import type { OutRecord } from '../../pipeline/runner.ts'
import { createPublisher } from '../../pipeline/runner.ts'
import { parse, safeParse } from '../../pipeline/schema.ts'
import { capture } from '../e2e/helpers.ts'
import { createPki } from '../harness/pki.ts'
import { seededGen } from '../support/seed.ts'

const dir = mkdtempSync(join(tmpdir(), 'lw-audit-webhook-'))
after(() => rmSync(dir, { recursive: true, force: true }))
const pki = createPki(dir)
const serverCert = pki.issue('audit-endpoint', { dns: ['localhost'], ips: ['127.0.0.1'] })
const apiserverCert = pki.issue('kube-apiserver-audit', { client: true })
const otherCert = pki.issue('someone-else', { client: true })
const gen = seededGen('audit-webhook')
const token = gen.base62(43)
const tokenFile = join(dir, 'token')
writeFileSync(tokenFile, `${token}\n`)

const FIX = join(import.meta.dirname, '..', 'fixtures', 'audit')
const batches = readFileSync(join(FIX, 'kubernetes-rotation.webhook.jsonl'), 'utf8').split('\n').filter(Boolean)
const logLines = readFileSync(join(FIX, 'kubernetes-rotation.log.jsonl'), 'utf8').split('\n').filter(Boolean)

function config(overrides: Record<string, unknown> = {}): AuditWebhookConfig {
  return parse(
    auditWebhookConfigSchema,
    {
      enabled: true,
      host: '127.0.0.1',
      port: 0,
      certFile: serverCert.certFile,
      keyFile: serverCert.keyFile,
      clientCaFile: pki.caFile,
      allowedClientNames: ['kube-apiserver-audit'],
      tokenFiles: [tokenFile],
      ...overrides
    },
    'LW_ERR_CONFIG_INVALID',
    'test config'
  )
}

interface Run {
  port: number
  produced: OutRecord[]
  state: { fail: boolean; publishes: number }
  metrics: ReturnType<typeof createMetrics>
  logs: () => string
}

/** The events of produced records, in record order (a v2 record holds several of one principal). */
function sentEvents(records: OutRecord[]): AuditEnvelope[] {
  return records.flatMap((r) => auditEnvelopes(r.value as AuditEnvelope | AuditGroup))
}

/** The bus's partitionOf for these tests: two partitions, by the name's length (the fixture's principals fall in both). */
const partitionOf = (principal: string): number => principal.length % 2

async function start(t: TestContext, overrides: Record<string, unknown> = {}): Promise<Run> {
  const produced: OutRecord[] = []
  const state = { fail: false, publishes: 0 }
  const metrics = createMetrics()
  const out = capture()
  const hook = createAuditWebhook(config(overrides), {
    cluster: 'test-cluster',
    publish: Object.assign(
      async (records: OutRecord[]) => {
        state.publishes++
        if (state.fail) throw new Error('broker not acknowledging')
        produced.push(...records)
      },
      { partitionOf: (_topic: string, key: string) => partitionOf(key) }
    ),
    logger: createLogger({ level: 'debug', destination: out }),
    metrics,
    now: () => new Date('2026-12-06T12:00:00.000Z')
  })
  const ac = new AbortController()
  const running = hook.start(ac.signal)
  t.after(async () => {
    ac.abort()
    await hook.close()
    await running
  })
  return { port: await hook.listening(), produced, state, metrics, logs: () => out.text() }
}

interface Reply {
  status: number
  headers: IncomingHttpHeaders
  body: string
}

function post(
  port: number,
  body: string | Buffer,
  opts: { cert?: { certFile: string; keyFile: string }; token?: string; path?: string; method?: string; chunked?: boolean } = {}
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { 'content-type': 'application/json' }
    if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`
    if (opts.chunked !== true) headers['content-length'] = Buffer.byteLength(body)
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: opts.path ?? '/audit',
        method: opts.method ?? 'POST',
        ca: readFileSync(pki.caFile),
        servername: 'localhost',
        headers,
        ...(opts.cert === undefined ? {} : { cert: readFileSync(opts.cert.certFile), key: readFileSync(opts.cert.keyFile) })
      },
      (res) => {
        let text = ''
        res.on('data', (c: Buffer) => {
          text += c.toString()
        })
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }))
      }
    )
    req.on('error', reject)
    req.end(body)
  })
}

test('an EventList from the allowed client certificate is produced whole, the principals of a partition a record, keyed by the first, as valid records', async (t) => {
  const r = await start(t)
  let events = 0
  for (const body of batches) {
    const reply = await post(r.port, body, { cert: apiserverCert })
    assert.equal(reply.status, 200, reply.body)
    events += (JSON.parse(body) as { items: unknown[] }).items.length
  }
  assert.equal(sentEvents(r.produced).length, events)
  assert.ok(r.produced.length < events, 'events share a record')
  assert.ok(
    r.produced.some((rec) => (rec.value as AuditGroup).v === '2'),
    'the fixture batches hold several events of one principal'
  )
  for (const rec of r.produced) {
    assert.equal(rec.topic, TOPICS.audit)
    assert.ok(safeParse(auditRecordSchema, rec.value).ok)
    const envs = auditEnvelopes(rec.value as AuditEnvelope | AuditGroup)
    // A record holds the events of one partition's principals, keyed by the first of them.
    assert.equal(rec.key, envs[0]?.event.user.username)
    for (const env of envs) {
      assert.equal(partitionOf(env.event.user.username ?? ''), partitionOf(rec.key ?? ''))
      assert.equal(env.cluster, 'test-cluster')
      assert.equal(env.receivedAt, '2026-12-06T12:00:00.000Z')
    }
  }
  // Each principal's events in the order the API server sent them (the access detector's windows rely on it).
  const byPrincipal = (ids: Array<{ user: string; id: string }>) => {
    const m = new Map<string, string[]>()
    for (const x of ids) m.set(x.user, [...(m.get(x.user) ?? []), x.id])
    return Object.fromEntries([...m].sort(([a], [b]) => a.localeCompare(b)))
  }
  assert.deepEqual(
    byPrincipal(sentEvents(r.produced).map((e) => ({ user: e.event.user.username ?? '', id: e.event.auditID }))),
    byPrincipal(logLines.map((l) => JSON.parse(l) as { auditID: string; user: { username: string } }).map((e) => ({ user: e.user.username, id: e.auditID })))
  )
  assert.match(r.metrics.registry.render(), /leakwatch_audit_events_total\{collector="webhook",outcome="produced"\} 20/)
})

test('one batch of several principals: the principals of one partition share a record, in the order they were sent', async (t) => {
  const r = await start(t)
  // The real API server's events of the fixture's three principals, as one EventList.
  const items = logLines.map((l) => JSON.parse(l) as { auditID: string; user: { username: string } })
  const reply = await post(r.port, JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', metadata: {}, items }), { cert: apiserverCert })
  assert.equal(reply.status, 200, reply.body)
  const principals = new Set(items.map((e) => e.user.username))
  const partitions = new Set([...principals].map(partitionOf))
  assert.ok(partitions.size < principals.size, 'the fixture has two principals of one partition')
  assert.equal(r.produced.length, partitions.size, 'a record per partition')
  for (const rec of r.produced) {
    const envs = auditEnvelopes(rec.value as AuditEnvelope | AuditGroup)
    assert.equal(rec.key, envs[0]?.event.user.username)
    assert.deepEqual(
      envs.map((e) => e.event.auditID),
      items.filter((e) => partitionOf(e.user.username) === partitionOf(rec.key ?? '')).map((e) => e.auditID),
      'the partition’s events, in the order sent'
    )
  }
})
test('authentication: a token works, a wrong token, another CN or nothing is 401 and nothing is produced', async (t) => {
  const r = await start(t)
  const body = batches[0] ?? ''
  assert.equal((await post(r.port, body, { token })).status, 200)
  const n = r.produced.length
  const wrong = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`
  for (const opts of [{ token: wrong }, { cert: otherCert }, {}, { token: `${token}x` }]) {
    const reply = await post(r.port, body, opts)
    assert.equal(reply.status, 401, JSON.stringify(Object.keys(opts)))
  }
  assert.equal(r.produced.length, n)
  assert.ok(!r.logs().includes(token) && !r.logs().includes(wrong), 'no token in the logs')
  assert.match(r.metrics.registry.render(), /leakwatch_audit_webhook_requests_total\{code="401"\} 4/)
})

test('no authentication configured is refused at start; allowUnauthenticated is an explicit, logged choice', async (t) => {
  assert.throws(
    () =>
      createAuditWebhook(config({ clientCaFile: undefined, tokenFiles: [] }), {
        cluster: 'c',
        publish: async () => {},
        logger: createLogger({ level: 'silent' }),
        metrics: createMetrics()
      }),
    (err: unknown) => isLeakwatchError(err, 'LW_ERR_CONFIG_INVALID') && /allowUnauthenticated/.test((err as Error).message)
  )
  const r = await start(t, { tokenFiles: [], allowUnauthenticated: true })
  assert.match(r.logs(), /UNAUTHENTICATED/)
  assert.equal((await post(r.port, batches[0] ?? '')).status, 200)
})

test('bounds: a body over maxBodyBytes is 413, declared or streamed; too many events is 400 too-many-events', async (t) => {
  const r = await start(t, { maxBodyBytes: 8192, maxEventsPerBatch: 3 })
  const big = batches.find((b) => b.length > 8192) ?? ''
  assert.ok(big.length > 8192)
  const declared = await post(r.port, big, { cert: apiserverCert })
  assert.equal(declared.status, 413)
  assert.equal(JSON.parse(declared.body).reason, 'too-large')
  const streamed = await post(r.port, big, { cert: apiserverCert, chunked: true }).catch((err: unknown) => err as Error)
  // The connection is closed after the answer; a client may see the 413 or the reset, never a 200.
  if (!(streamed instanceof Error)) assert.equal(streamed.status, 413)
  const items = logLines.slice(2, 6).map((l) => {
    const e = JSON.parse(l) as Record<string, unknown>
    delete e.responseObject
    delete e.requestObject
    return e
  })
  const four = JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', metadata: {}, items })
  assert.ok(four.length < 8192)
  const tooMany = await post(r.port, four, { cert: apiserverCert })
  assert.equal(tooMany.status, 400)
  assert.equal(JSON.parse(tooMany.body).reason, 'too-many-events')
  assert.equal(r.produced.length, 0)
})

test('a malformed body is 400 with a coded reason and a metric; nothing of it is echoed or logged', async (t) => {
  const r = await start(t)
  const secret = `sk_live_${gen.base62(24)}`
  const cases: Array<[string, string]> = [
    [`{"kind":"EventList","items":[{"password":"${secret}"`, 'not-json'],
    [`{"password":"${secret}"}`, 'unknown-shape'],
    [`{"kind":"EventList","apiVersion":"audit.k8s.io/v1alpha1","items":[]}`, 'unsupported-version']
  ]
  for (const [body, reason] of cases) {
    const reply = await post(r.port, body, { cert: apiserverCert })
    assert.equal(reply.status, 400)
    const j = JSON.parse(reply.body) as { code: string; reason: string }
    assert.equal(j.code, 'LW_ERR_AUDIT_INVALID')
    assert.equal(j.reason, reason)
    assert.ok(!reply.body.includes(secret))
    assert.match(r.metrics.registry.render(), new RegExp(`leakwatch_audit_invalid_total\\{collector="webhook",reason="${reason}"\\} 1`))
  }
  // An item that is not an event is counted; the others are produced.
  const good = JSON.parse(logLines[0] ?? '') as unknown
  const mixed = JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: [good, { note: secret }] })
  const reply = await post(r.port, mixed, { cert: apiserverCert })
  assert.equal(reply.status, 200)
  assert.deepEqual(JSON.parse(reply.body), { accepted: 1, duplicates: 0, dropped: 0, rejected: 1 })
  assert.equal(sentEvents(r.produced).length, 1)
  assert.ok(!r.logs().includes(secret), 'no content in the logs')
  assert.equal((await post(r.port, '{}', { cert: apiserverCert, path: '/other' })).status, 404)
  assert.equal((await post(r.port, '', { cert: apiserverCert, method: 'GET' })).status, 405)
})

test('stages: RequestReceived is counted and dropped; ResponseStarted, ResponseComplete and Panic are forwarded', async (t) => {
  const r = await start(t)
  const base = JSON.parse(logLines[2] ?? '') as Record<string, unknown>
  const items = ['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic'].map((stage) => ({ ...base, stage }))
  const reply = await post(r.port, JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items }), { cert: apiserverCert })
  assert.deepEqual(JSON.parse(reply.body), { accepted: 3, duplicates: 0, dropped: 1, rejected: 0 })
  assert.deepEqual(
    sentEvents(r.produced).map((e) => e.event.stage),
    ['ResponseStarted', 'ResponseComplete', 'Panic']
  )
  assert.match(r.metrics.registry.render(), /outcome="stage-dropped"\} 1/)
})

test('Kafka not acknowledging → 503 and nothing remembered; the retry is produced whole; a re-sent batch is a duplicate', async (t) => {
  const r = await start(t)
  const body = batches[1] ?? ''
  const n = (JSON.parse(body) as { items: unknown[] }).items.length
  r.state.fail = true
  const failed = await post(r.port, body, { cert: apiserverCert })
  assert.equal(failed.status, 503)
  assert.equal(JSON.parse(failed.body).code, 'LW_ERR_KAFKA_UNAVAILABLE')
  r.state.fail = false
  const retried = await post(r.port, body, { cert: apiserverCert })
  assert.equal(retried.status, 200)
  assert.equal(JSON.parse(retried.body).accepted, n, 'a failed batch is not taken for a duplicate')
  assert.equal(sentEvents(r.produced).length, n)
  const again = await post(r.port, body, { cert: apiserverCert })
  assert.deepEqual(JSON.parse(again.body), { accepted: 0, duplicates: n, dropped: 0, rejected: 0 })
  assert.equal(sentEvents(r.produced).length, n)
  assert.equal(r.state.publishes, 2, 'a batch of duplicates is answered without a produce')
})

test('provider envelopes are accepted on the same endpoint (an EKS subscription payload names its cluster)', async (t) => {
  const r = await start(t)
  const sub = readFileSync(join(FIX, 'providers', 'eks-subscription.json'), 'utf8')
  const reply = await post(r.port, sub, { cert: apiserverCert })
  assert.equal(reply.status, 200)
  assert.equal(JSON.parse(reply.body).accepted, 3)
  assert.ok(sentEvents(r.produced).every((e) => e.cluster === 'prod-eu'))
})

test('an event whose sealed record would exceed maxRecordBytes is produced without its objects, annotated and counted; its batch goes through', async (t) => {
  const bus = createMemoryBus()
  const codec = createCodec({ payloadKey: gen.base62(40), compress: true })
  const metrics = createMetrics()
  const publish = createPublisher({ bus, codec, metrics, logger: createLogger({ level: 'silent' }) })
  const hook = createAuditWebhook(config({ maxRecordBytes: 256 * 1024 }), { cluster: 'c', publish, logger: createLogger({ level: 'silent' }), metrics })
  const ac = new AbortController()
  const running = hook.start(ac.signal)
  t.after(async () => {
    ac.abort()
    await hook.close()
    await running
  })
  const port = await hook.listening()
  const small = JSON.parse(logLines[2] ?? '') as Record<string, unknown>
  // Random text does not deflate: 600 KB in the request and again in the response.
  const blob = gen.base62(600_000)
  const big = {
    ...small,
    auditID: 'big-one',
    verb: 'create',
    objectRef: { resource: 'configmaps', namespace: 'shop', name: 'huge', apiVersion: 'v1' },
    requestObject: { kind: 'ConfigMap', data: { blob } },
    responseObject: { kind: 'ConfigMap', data: { blob } }
  }
  const reply = await post(port, JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: [small, big] }), { cert: apiserverCert })
  assert.equal(reply.status, 200)
  assert.equal(JSON.parse(reply.body).accepted, 2)
  const sent = bus.messages(TOPICS.audit).map((msg) => (codec.decode(TOPICS.audit, msg.value as Buffer) as AuditEnvelope).event)
  assert.deepEqual(
    sent.map((e) => e.auditID),
    [small.auditID, 'big-one']
  )
  const cut = sent[1]
  assert.equal(cut?.requestObject, undefined)
  assert.equal(cut?.responseObject, undefined)
  assert.match(cut?.annotations?.['leakwatch.io/truncated'] ?? '', /dropped/)
  assert.notEqual(sent[0]?.responseObject, undefined, 'the other event keeps its objects')
  assert.ok(bus.messages(TOPICS.audit).every((msg) => (msg.value as Buffer).length <= 256 * 1024))
  assert.match(metrics.registry.render(), /leakwatch_audit_events_total\{collector="webhook",outcome="truncated"\} 1/)
})

test('Kafka slower than produceTimeoutMs: 503 for the API server to retry; once the late produce lands, the retry is a duplicate', async (t) => {
  let release: () => void = () => {}
  const held = new Promise<void>((resolve) => {
    release = resolve
  })
  const produced: OutRecord[] = []
  const metrics = createMetrics()
  const hook = createAuditWebhook(config({ produceTimeoutMs: 200 }), {
    cluster: 'c',
    publish: async (records) => {
      await held
      produced.push(...records)
    },
    logger: createLogger({ level: 'silent' }),
    metrics
  })
  const ac = new AbortController()
  const running = hook.start(ac.signal)
  t.after(async () => {
    ac.abort()
    await hook.close()
    await running
  })
  const port = await hook.listening()
  const body = batches[5] ?? ''
  const n = (JSON.parse(body) as { items: unknown[] }).items.length
  const slow = await post(port, body, { cert: apiserverCert })
  assert.equal(slow.status, 503)
  assert.equal(slow.headers['retry-after'], '1')
  release()
  await held
  await new Promise<void>((resolve) => setImmediate(resolve))
  assert.equal(sentEvents(produced).length, n)
  const retry = await post(port, body, { cert: apiserverCert })
  assert.deepEqual(JSON.parse(retry.body), { accepted: 0, duplicates: n, dropped: 0, rejected: 0 })
})
