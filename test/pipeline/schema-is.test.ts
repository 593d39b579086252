// `Schema.is`, the allocation-free test the runner applies to every bus record before the full check, must never
// accept what the full check rejects, nor accept a value the full check would change (fill a default into): the
// runner hands an accepted value on as it is. Checked on real kube-apiserver events (test/fixtures/audit) as v1
// and v2 audit records, a log chunk and a finding, each mutated thousands of times at a random place (a key
// dropped, a type changed, a null, an unknown key, an own "__proto__" key as JSON.parse makes it).

import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import type { Rng } from '../../detectors/gen.ts'
import { TOPIC_SCHEMAS, TOPICS } from '../../pipeline/events.ts'
import * as s from '../../pipeline/schema.ts'
import { finding, gen } from '../responders/fixtures.ts'
import { seededRng } from '../support/seed.ts'

const fixtures = new URL('../fixtures/audit/', import.meta.url)
function realEvents(): Record<string, unknown>[] {
  const events: Record<string, unknown>[] = []
  for (const file of ['hand-written-shapes.jsonl', 'kubernetes-rotation.log.jsonl', 'kubernetes-rotation.webhook.jsonl'])
    for (const line of readFileSync(new URL(file, fixtures), 'utf8').split('\n')) {
      if (line.trim() === '') continue
      const v = JSON.parse(line) as { kind?: string; items?: Record<string, unknown>[] }
      if (v.kind === 'EventList') events.push(...(v.items ?? []))
      else events.push(v as Record<string, unknown>)
    }
  return events
}

const events = realEvents()
const envelope = (event: unknown) => ({ v: '1', type: 'audit', cluster: 'prod', receivedAt: '2026-12-06T10:00:00Z', event })
const group = (list: unknown[]) => ({ v: '2', type: 'audit', cluster: 'prod', receivedAt: '2026-12-06T10:00:00Z', events: list })

const MUTANTS: Array<(rng: Rng) => unknown> = [
  () => undefined,
  () => null,
  () => 1,
  () => 1.5,
  () => -1,
  () => '',
  () => 'x',
  () => true,
  () => [],
  () => ['x'],
  () => [1],
  () => ({}),
  () => ({ username: 'x' }),
  () => JSON.parse('{"__proto__":{"x":1}}'),
  (rng) => rng.pick(['1', '2', 'audit', 'log-chunk', 'finding', 'low', 'pattern'])
]

/** A copy of `value` with one place replaced (undefined: the key removed) or one key added. */
function mutate(value: unknown, rng: Rng): unknown {
  const copy = structuredClone(value) as Record<string, unknown>
  // The places: every object key and array slot, the root's parent excluded.
  const places: Array<{ parent: Record<string, unknown> | unknown[]; key: string | number }> = []
  const walk = (v: unknown): void => {
    if (Array.isArray(v))
      v.forEach((x, i) => {
        places.push({ parent: v, key: i })
        walk(x)
      })
    else if (typeof v === 'object' && v !== null)
      for (const [k, x] of Object.entries(v)) {
        places.push({ parent: v as Record<string, unknown>, key: k })
        walk(x)
      }
  }
  walk(copy)
  const at = rng.pick(places)
  const to = rng.pick(MUTANTS)(rng)
  if (rng.chance(0.15) && !Array.isArray(at.parent)) {
    // A key the schema does not describe, next to the picked one; "__proto__" as JSON.parse makes it, an own key.
    Object.defineProperty(at.parent, rng.pick(['extra', '__proto__', 'zz']), { value: to ?? 'x', enumerable: true, configurable: true, writable: true })
  } else if (to === undefined && !Array.isArray(at.parent)) delete at.parent[at.key as string]
  else (at.parent as Record<string | number, unknown>)[at.key] = to
  return copy
}

function agree(topic: string, schema: s.Schema<unknown>, value: unknown, seedNote: string): boolean {
  const is = schema.is?.(value) === true
  const full = s.safeParse(schema, value)
  if (is) {
    assert.ok(full.ok, `${topic}: is() accepted what the full check rejects (${full.ok ? '' : s.formatIssues(full.issues)}) ${seedNote}`)
    assert.deepStrictEqual(full.value, value, `${topic}: is() accepted a value the full check changes ${seedNote}`)
  }
  return is
}

test('the fast test accepts every real audit record, log chunk and finding unchanged', () => {
  assert.ok(events.length >= 40, 'the fixtures hold the real API server events')
  const audit = TOPIC_SCHEMAS[TOPICS.audit] as s.Schema<unknown>
  for (const e of events) {
    assert.equal(agree('audit v1', audit, envelope(e), ''), true, `a real event is accepted without the full check: ${String(e.auditID)}`)
  }
  assert.equal(agree('audit v2', audit, group(events), ''), true)
  const chunk = {
    v: '1',
    type: 'log-chunk',
    stream: 'k8s/a/b/c',
    source: { type: 'k8s', namespace: 'a', pod: 'b', container: 'c' },
    startLine: 1,
    offset: { start: 0, end: 5 },
    lines: ['hello'],
    collectedAt: '2026-12-06T10:00:00Z'
  }
  assert.equal(s.safeParse(TOPIC_SCHEMAS[TOPICS.logs] as s.Schema<unknown>, chunk).ok, true)
  assert.equal(agree('logs', TOPIC_SCHEMAS[TOPICS.logs] as s.Schema<unknown>, chunk, ''), true)
  const f = JSON.parse(JSON.stringify(finding(gen.githubToken('ghp_'), 'k8s/prod/api/app', 1, '2026-12-06T10:00:00Z')))
  assert.equal(agree('findings', TOPIC_SCHEMAS[TOPICS.findings] as s.Schema<unknown>, f, ''), true)
})

test('the fast test never accepts a mutated record the full check rejects or would change', () => {
  const rng = seededRng('schema-is mutations')
  const audit = TOPIC_SCHEMAS[TOPICS.audit] as s.Schema<unknown>
  const findingsSchema = TOPIC_SCHEMAS[TOPICS.findings] as s.Schema<unknown>
  let rejected = 0
  let slow = 0
  for (let i = 0; i < 6000; i++) {
    const base =
      i % 3 === 0
        ? envelope(rng.pick(events))
        : i % 3 === 1
          ? group([rng.pick(events), rng.pick(events), rng.pick(events)])
          : JSON.parse(JSON.stringify(finding(gen.githubToken('ghp_'), 'k8s/prod/api/app', 1 + rng.int(9), '2026-12-06T10:00:00Z')))
    const schema = i % 3 === 2 ? findingsSchema : audit
    const m = mutate(base, rng)
    const is = agree(i % 3 === 2 ? 'findings' : 'audit', schema, m, `(mutation ${i})`)
    const full = s.safeParse(schema, m)
    if (!full.ok) rejected++
    else if (!is) {
      slow++
      // Going the full way is right only where the full check fills something in (an event without \`user\` gets {}).
      assert.notDeepStrictEqual(full.value, m, `mutation ${i}: a valid record the full check leaves as it is was not accepted fast`)
    }
  }
  assert.ok(rejected > 1000, `the mutations reach checked fields (${rejected} rejected)`)
  assert.ok(slow < 300, `${slow} valid records went the slow way`)
})

test('a value a default must be filled into, or with a foreign prototype, goes the full way', () => {
  const withDefault = s.object({ port: s.number({ default: 8080 }), name: s.optional(s.string()) })
  assert.equal(withDefault.is?.({}), false)
  assert.equal(withDefault.is?.({ port: 1 }), true)
  const strict = s.object({ a: s.string() })
  assert.equal(strict.is?.({ a: 'x', b: 1 }), false, 'an unknown key is an error in a strict object')
  assert.equal(strict.is?.(Object.assign(Object.create({ polluted: true }) as object, { a: 'x' })), false)
  assert.equal(s.array(s.optional(s.string())).is?.([undefined]), false, 'a hole is dropped by the full check')
  assert.equal(s.record(s.string()).is?.({ a: 'x', b: 2 }), false)
  assert.equal(s.string({ minLength: 1 }).is?.(''), false)
  assert.equal(s.number({ integer: true }).is?.(1.5), false)
  assert.equal(s.number().is?.(Number.NaN), false)
})
