// `leakwatch audit analyze` as an incident responder runs it: audit log files
// (plain, gzip, EventList lines, a pretty-printed EventList), learning first,
// then the findings in each format, with the fields the issue requires. Real
// shapes: the kube-apiserver's own log (test/fixtures/audit), our hand-written
// events on the shapes of Falco's public trace files, and those files
// themselves, read in place, when ../shared/samples/k8s-audit is there.

import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { test } from 'node:test'
import { gzipSync } from 'node:zlib'
import { analyzeAudit, decodeInput, parseLearn } from '../../app/audit-analyze.ts'
import type { AuditEvent } from '../../detectors/access/audit-event.ts'
import { accessConfigSchema } from '../../detectors/access/config.ts'
import { parse } from '../../pipeline/schema.ts'
import { background, H, makeEvents, T0 } from '../detectors/access/stream.ts'
import { type AuditSample, falcoEvents, handWrittenEvents } from '../support/audit-samples.ts'
import { cli, repo } from '../support/cli.ts'
import { checkSarif } from '../support/sarif.ts'
import { seededRng } from '../support/seed.ts'

const dir = mkdtempSync(join(tmpdir(), 'leakwatch-audit-analyze-'))
const SA = 'system:serviceaccount:ci:deployer'

/** Four days of background, then on day 4 a new service account lists every secret. */
function log(): AuditEvent[] {
  const rng = seededRng('log')
  const ev = makeEvents(rng)
  const events = background(rng, ev, 4)
  events.push(ev({ t: T0 + 3 * 24 * H + 20 * H, user: SA, verb: 'list', resource: 'secrets', ua: 'kubectl/v1.36.0', ip: '10.244.9.9' }))
  return events.sort((a, b) => (a.stageTimestamp ?? '').localeCompare(b.stageTimestamp ?? ''))
}

const events = log()
const half = Math.floor(events.length / 2)
// Rotated files: the older one gzipped, given after the newer one on the command line.
const older = join(dir, 'audit-1.log.gz')
const newer = join(dir, 'audit.log')
writeFileSync(
  older,
  gzipSync(
    events
      .slice(0, half)
      .map((e) => JSON.stringify(e))
      .join('\n')
  )
)
// The newer file as the webhook would batch it: EventList lines, and a line that is not an event.
const lists: string[] = []
for (let i = half; i < events.length; i += 100)
  lists.push(JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: events.slice(i, i + 100) }))
writeFileSync(newer, `${lists.join('\n')}\n{"hello":"world"}\nnot json\n`)

test('files in any order, gzip and EventList lines: the new service account listing secrets is the one finding', async () => {
  const r = await cli(['audit', 'analyze', newer, older, '--learn', '3d', '--format', 'json'], { cwd: repo })
  assert.equal(r.code, 1, r.stderr)
  const found = JSON.parse(r.stdout) as Array<Record<string, unknown>>
  assert.deepEqual(
    found.map((f) => `${f.rule} ${f.principal}`),
    // kubectl with a service account's token: also the stolen-token signal (no clusterNetworks configured).
    [`access-cluster-wide-secret-list ${SA}`, `access-new-source-network ${SA}`, `access-new-user-agent ${SA}`]
  )
  const f = found[0] as Record<string, unknown>
  for (const k of ['rule', 'severity', 'principal', 'firstSeen', 'lastSeen', 'auditIDs'] as const)
    assert.ok(k === 'auditIDs' ? Array.isArray(f.auditIDs) && f.auditIDs.length > 0 : typeof f[k] === 'string', k)
  assert.ok(!Number.isNaN(Date.parse(f.firstSeen as string)))
  assert.match(r.stderr, new RegExp(`${events.length} events .*skipped: 1 unknown-shape, 1 not-json`))
})

test('jsonl has one finding a line with auditIDs at the top; sarif is valid SARIF; text names the principal', async () => {
  const jsonl = await cli(['audit', 'analyze', older, newer, '--learn', '0.75', '--format', 'jsonl'], { cwd: repo })
  const lines = jsonl.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>)
  assert.ok(lines.length >= 1)
  for (const l of lines) assert.ok(Array.isArray(l.auditIDs) && typeof l.principal === 'string' && typeof l.rule === 'string')
  const sarif = await cli(['audit', 'analyze', older, newer, '--format', 'sarif'], { cwd: repo })
  assert.deepEqual(checkSarif(JSON.parse(sarif.stdout)), [])
  assert.match(sarif.stdout, /access-cluster-wide-secret-list/)
  const text = await cli(['audit', 'analyze', older, newer], { cwd: repo })
  assert.match(text.stdout, new RegExp(`HIGH {2}access-cluster-wide-secret-list {2}${SA}`))
})

test('stdin, and usage errors', async () => {
  const r = await cli(['audit', 'analyze', '-', '--learn', '3d', '--format', 'jsonl'], { cwd: repo, stdin: events.map((e) => JSON.stringify(e)).join('\n') })
  assert.equal(r.code, 1, r.stderr)
  assert.match(r.stdout, /access-cluster-wide-secret-list/)
  const frac = await cli(['audit', 'analyze', '-', '--learn', '0.5'], { cwd: repo, stdin: '' })
  assert.equal(frac.code, 2)
  const short = await cli(['audit', 'analyze', join(repo, 'test/fixtures/audit/kubernetes-rotation.log.jsonl')], { cwd: repo })
  assert.equal(short.code, 0)
  assert.match(short.stderr, /every event is within the learning period/)
  const missing = await cli(['audit', 'analyze', join(dir, 'nope.log')], { cwd: repo })
  assert.equal(missing.code, 2)
  assert.match(missing.stderr, /LW_ERR_SCAN_INPUT/)
  assert.throws(() => parseLearn('3 days'), /--learn/)
  assert.deepEqual(parseLearn('90m'), { durationMs: 90 * 60_000 })
  assert.deepEqual(parseLearn('0.25'), { fraction: 0.25 })
})

test('the real kube-apiserver log: reads by the responder and detector service accounts become findings naming them', async () => {
  const config = parse(accessConfigSchema, {}, 'LW_ERR_CONFIG_INVALID', 'access')
  const stats = { lines: 0, events: 0, rejected: new Map<string, number>() }
  const input = Readable.from([readFileSync(join(repo, 'test/fixtures/audit/kubernetes-rotation.log.jsonl'))])
  const found = []
  for await (const f of analyzeAudit(decodeInput(input, stats), { config, learn: { untilMs: 0 } })) found.push(f)
  assert.equal(stats.events, 20)
  const got = new Set(found.map((f) => `${f.rule} ${f.principal} ${f.namespace ?? ''}`))
  assert.ok(got.has('access-first-seen-namespace system:serviceaccount:leakwatch:leakwatch-detector payments'), [...got].join('\n'))
  assert.ok(got.has('access-first-seen-namespace system:serviceaccount:leakwatch:leakwatch-responder payments'), [...got].join('\n'))
  // The webhook batches of the same run decode to the same events.
  const web = { lines: 0, events: 0, rejected: new Map<string, number>() }
  for await (const _ of decodeInput(Readable.from([readFileSync(join(repo, 'test/fixtures/audit/kubernetes-rotation.webhook.jsonl'))]), web));
  assert.equal(web.events, stats.events)
})

/** The lines as one input, decoded as the CLI reads a file, then analysed in time order with no learning period. */
async function analyzeLines(samples: readonly AuditSample[]) {
  const config = parse(accessConfigSchema, {}, 'LW_ERR_CONFIG_INVALID', 'access')
  const stats = { lines: 0, events: 0, rejected: new Map<string, number>() }
  const decoded: AuditEvent[] = []
  for await (const e of decodeInput(Readable.from([Buffer.from(samples.map((s) => s.line).join('\n'))]), stats)) decoded.push(e)
  assert.equal(stats.rejected.size, 0, JSON.stringify([...stats.rejected]))
  assert.equal(stats.events, samples.length)
  decoded.sort((a, b) => (a.stageTimestamp ?? '').localeCompare(b.stageTimestamp ?? ''))
  const found = []
  for await (const f of analyzeAudit(decoded, { config, learn: { untilMs: 0 } })) found.push(f)
  return found
}

test("audit traces on Falco's shapes (v1, v1beta1, no apiVersion; Falco's own when present): exec, attach and RBAC grants are reported, and only those", async () => {
  const own = handWrittenEvents()
  const found = await analyzeLines(own)
  const auditID = (needle: string): string => {
    const hit = own.filter((s) => s.line.includes(needle))
    assert.equal(hit.length, 1, needle)
    return (JSON.parse(hit[0]?.line ?? '{}') as { auditID: string }).auditID
  }
  assert.deepEqual(
    found
      .filter((f) => f.rule === 'access-pod-exec' || f.rule === 'access-rbac-secret-grant')
      .map((f) => `${f.rule} ${f.severity} ${f.principal} ${f.evidence.items.join(', ')} ${f.auditIDs.join(',')}`)
      .sort(),
    [
      // Into a pod whose create (earlier in the log) mounted a Secret.
      `access-pod-exec high priya.raman@corp.example ledger/reconciler-6b7f9d4c8-w4zqk (mounts secrets) ${auditID('"subresource":"exec"')}`,
      `access-pod-exec medium tomas.novak@corp.example orders/checkout-0 ${auditID('"subresource":"attach"')}`,
      // A binding to a role the same log created with secret reads; to cluster-admin; a patch that adds secrets to a bound role.
      // Not reported: deploy-bot's binding to a role without secrets, the role creates, the deletes.
      `access-rbac-secret-grant medium deploy-bot ClusterRole:metrics-reader now grants secrets ${auditID('"verb":"patch"')}`,
      `access-rbac-secret-grant medium priya.raman@corp.example ClusterRoleBinding:ledger-auditor-sre → ClusterRole:ledger-auditor ${auditID('"name":"ledger-auditor-sre","resource"')}`,
      `access-rbac-secret-grant medium system:serviceaccount:platform:gitops-sync ClusterRoleBinding:gitops-sync-admin → ClusterRole:cluster-admin ${auditID('"name":"gitops-sync-admin","resource"')}`
    ]
  )
  const falco = falcoEvents()
  if (falco.length > 0) {
    const rules = new Set((await analyzeLines(falco)).map((f) => f.rule))
    assert.ok(rules.has('access-pod-exec') && rules.has('access-rbac-secret-grant'), [...rules].join(' '))
  }
})
