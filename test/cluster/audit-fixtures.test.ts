// The audit fixtures (test/fixtures/audit, written by its capture.ts against a
// real kube-apiserver) hold what the README says they hold, and no value.

import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'

const dir = join(import.meta.dirname, '../fixtures/audit')
const PLACEHOLDER = Buffer.from('<redacted by capture.ts>').toString('base64')

interface AuditEvent {
  kind: string
  stage: string
  verb: string
  user: { username: string }
  objectRef: { resource: string; apiGroup?: string; name?: string }
  responseStatus: { code: number }
  requestObject?: Record<string, unknown>
  responseObject?: Record<string, unknown>
}

const lines = (file: string): unknown[] =>
  readFileSync(join(dir, file), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))

const summary = (e: AuditEvent): string =>
  `${e.user.username.replace('system:serviceaccount:leakwatch:', '')} ${e.verb} ${e.objectRef.resource}${e.objectRef.name ? `/${e.objectRef.name}` : ''} ${e.responseStatus.code}`

const EXPECTED = [
  'leakwatch-responder get secrets/db 200',
  'leakwatch-responder patch secrets/db 200',
  'leakwatch-responder list deployments 200',
  'leakwatch-responder patch deployments/api 200',
  'leakwatch-responder list statefulsets 200',
  'leakwatch-responder patch statefulsets/worker 200',
  'leakwatch-responder list daemonsets 200',
  'leakwatch-responder patch daemonsets/agent 200',
  'leakwatch-responder get secrets/stripe 200',
  'leakwatch-responder patch externalsecrets/stripe 200',
  'leakwatch-responder get secrets/stripe 200',
  'leakwatch-responder list deployments 200',
  'leakwatch-responder patch deployments/billing 200',
  'leakwatch-responder list statefulsets 200',
  'leakwatch-responder list daemonsets 200',
  'leakwatch-detector get secrets/db 200',
  'leakwatch-detector list secrets 200',
  'leakwatch-responder list secrets 403',
  'leakwatch get secrets/db 403'
]

/** The operations in order; the number of polling reads of the ExternalSecret's Secret depends on timing, so repeats are folded. */
function operations(events: AuditEvent[]): string[] {
  const out: string[] = []
  for (const e of events) {
    const s = summary(e)
    if (s !== out.at(-1) || !s.includes('get secrets/stripe')) out.push(s)
  }
  return out
}

test('the log fixture holds the rotation, the reads and the refusals, as real ResponseComplete events', () => {
  const events = lines('kubernetes-rotation.log.jsonl') as AuditEvent[]
  assert.ok(events.every((e) => e.kind === 'Event' && e.stage === 'ResponseComplete'))
  assert.deepEqual(operations(events), EXPECTED)
})

test('the webhook fixture holds the same events as EventList batches', () => {
  const batches = lines('kubernetes-rotation.webhook.jsonl') as Array<{ kind: string; apiVersion: string; items: AuditEvent[] }>
  assert.ok(batches.every((b) => b.kind === 'EventList' && b.apiVersion === 'audit.k8s.io/v1'))
  assert.deepEqual(operations(batches.flatMap((b) => b.items)), EXPECTED)
})

test('every Secret value in the fixtures is the placeholder', () => {
  const values: string[] = []
  const walk = (o: unknown): void => {
    if (o === null || typeof o !== 'object') return
    const r = o as Record<string, unknown>
    for (const field of ['data', 'stringData']) if (r[field] !== null && typeof r[field] === 'object') values.push(...Object.values(r[field] as object))
    if (Array.isArray(r.items)) for (const i of r.items) walk(i)
  }
  const events = [
    ...(lines('kubernetes-rotation.log.jsonl') as AuditEvent[]),
    ...(lines('kubernetes-rotation.webhook.jsonl') as Array<{ items: AuditEvent[] }>).flatMap((b) => b.items)
  ]
  for (const e of events.filter((x) => x.objectRef.resource === 'secrets')) {
    walk(e.requestObject)
    walk(e.responseObject)
  }
  assert.ok(values.length >= 10, `${values.length} values`)
  assert.deepEqual(new Set(values), new Set([PLACEHOLDER]))
})
