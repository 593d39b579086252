// The saved state document is written from kept parts (each baseline bucket's
// text, each window's text without building an object): the text must be what
// serialising the whole state again gives, however many saves came between.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { AuditEvent } from '../../../detectors/access/audit-event.ts'
import { accessConfigSchema } from '../../../detectors/access/config.ts'
import { createAccessDetector } from '../../../detectors/access/detector.ts'
import { createMemoryAccessStore } from '../../../detectors/access/store.ts'
import { windowJson } from '../../../detectors/access/windows.ts'
import { parse } from '../../../pipeline/schema.ts'
import { seededRng } from '../../support/seed.ts'
import { background, H, M, makeEvents, T0 } from './stream.ts'

test('a window is written as JSON.stringify of it as an object, hostile item names included', () => {
  const rng = seededRng('window-json')
  // Quotes, backslashes, control characters, lone surrogates, a prototype's name: what JSON must escape or keep.
  const odd = ['"', '\\', '\n', '\u0001', '\ud800', '\udfff', '__proto__', 'é', '/', ' ']
  for (let round = 0; round < 200; round++) {
    const w = new Map<string, number>()
    const n = rng.int(30)
    for (let i = 0; i < n; i++) {
      const key = `${rng.chars('abc-', 1 + rng.int(6))}${rng.pick(odd)}/${rng.chars('xyz0', 1 + rng.int(6))}${rng.chance(0.3) ? rng.pick(odd) : ''}`
      w.set(key, T0 + rng.int(1_000_000))
    }
    assert.equal(windowJson(w), JSON.stringify(Object.fromEntries(w)))
  }
  assert.equal(windowJson(new Map()), '{}')
  // Names like integers come first in an object; read back, the window is the same either way.
  const numeric = new Map([
    ['b', 2],
    ['123', 1],
    ['a', 3]
  ])
  assert.deepEqual(Object.entries(JSON.parse(windowJson(numeric))), Object.entries(JSON.parse(JSON.stringify(Object.fromEntries(numeric)))))
})

test('states saved after every batch are the text one save at the end writes (kept parts follow every change)', async () => {
  const config = parse(accessConfigSchema, { enabled: true }, 'LW_ERR_CONFIG_INVALID', 'access')
  const rng = seededRng('state-json')
  const ev = makeEvents(rng)
  // Learning then detection: hours roll (buckets fold), windows fill and expire, findings open and close.
  const learnUntil = T0 + 2 * 24 * H
  const extra: AuditEvent[] = Array.from({ length: 40 }, (_, i) =>
    ev({ t: learnUntil + 5 * H + i * 7 * M, user: 'system:serviceaccount:shop:api', verb: 'get', resource: 'secrets', ns: `ns-${i % 9}`, name: `s${i}` })
  )
  const events = [...background(rng, ev, 3), ...extra].sort((a, b) => Date.parse(a.stageTimestamp ?? '') - Date.parse(b.stageTimestamp ?? ''))
  const run = async (saveIntervalMs: number) => {
    const store = createMemoryAccessStore()
    const d = createAccessDetector(config, { store, emit: 'close', learnUntilMs: learnUntil, saveIntervalMs, clock: () => 0 })
    for (let i = 0; i < events.length; i += 40) await d.process(events.slice(i, i + 40))
    await d.flush()
    const principals = [...new Set(events.map((e) => e.user.username ?? ''))]
    const loaded = await store.load(principals)
    return new Map(principals.map((p) => [p, loaded.get(p)?.core]))
  }
  const everyBatch = await run(0)
  const atEnd = await run(Number.POSITIVE_INFINITY)
  assert.ok(everyBatch.size >= 5)
  let folded = 0
  for (const [p, core] of everyBatch) {
    assert.ok(core !== undefined, p)
    assert.equal(core, atEnd.get(p), p)
    const doc = JSON.parse(core) as { buckets: Record<string, unknown> }
    if (Object.keys(doc.buckets).length > 1) folded++
    assert.equal(JSON.stringify(doc), core, `${p}: the document is what serialising it gives`)
  }
  // Controllers and kubelets' named reads keep no rate baseline; the apps and people do.
  assert.ok(folded >= 1, `${folded} principals with baselines`)
})
