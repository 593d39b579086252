// The access evaluation's simulator and scorer (bench/audit-sim.ts,
// bench/audit-eval.ts) must not rot silently: the stream is the same for a
// seed, every event is one the audit decoder accepts as the API server's, and
// a small cluster's injected stolen token is found by the access detector
// while the same cluster without the attack gives no finding about it.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { analyzeAudit } from '../../app/audit-analyze.ts'
import { EVAL_CONFIG, runAuditEval, score } from '../../bench/audit-eval.ts'
import type { SimOptions } from '../../bench/audit-sim.ts'
import { simulateAudit } from '../../bench/audit-sim.ts'
import { accessConfigSchema } from '../../detectors/access/config.ts'
import type { AccessFinding } from '../../detectors/access/detector.ts'
import { decodeAudit } from '../../pipeline/audit-decode.ts'
import { auditEventSchema } from '../../pipeline/events.ts'
import { parse } from '../../pipeline/schema.ts'
import { subSeed } from '../support/seed.ts'

const DAY = 86_400_000
const small = (seed: number, attacks = true): SimOptions => ({ seed, principals: 80, days: 4, learnDays: 3, attacks })

test('the stream is the same for a seed and differs for another', () => {
  const seed = subSeed('determinism')
  const a = [...simulateAudit({ ...small(seed), days: 1 }).events()].map((e) => JSON.stringify(e))
  const b = [...simulateAudit({ ...small(seed), days: 1 }).events()].map((e) => JSON.stringify(e))
  const c = [...simulateAudit({ ...small(seed + 1), days: 1 }).events()].slice(0, 100)
  assert.ok(a.length > 1000, `a day of 80 principals is ${a.length} events`)
  assert.deepEqual(a, b)
  assert.notDeepEqual(
    a.slice(0, 100),
    c.map((e) => JSON.stringify(e))
  )
})

test('every event is an audit.k8s.io/v1 Event as the decoder and the schema take it, in time order', () => {
  const sim = simulateAudit(small(subSeed('shapes')))
  let last = ''
  const stages = new Set<string>()
  let n = 0
  for (const e of sim.events()) {
    n++
    parse(auditEventSchema, e, 'LW_ERR_CONFIG_INVALID', 'event')
    if (n % 50 === 0) {
      const d = decodeAudit(JSON.stringify(e))
      assert.equal(d.events.length, 1)
      assert.deepEqual(d.rejected, [])
    }
    assert.equal(e.apiVersion, 'audit.k8s.io/v1')
    assert.ok(e.stageTimestamp !== undefined && e.stageTimestamp >= last, `out of order at ${e.stageTimestamp}`)
    last = e.stageTimestamp
    stages.add(e.stage)
    // The level of secrets is Metadata: no body of a Secret, ever.
    if (e.objectRef?.resource === 'secrets') assert.equal(e.requestObject ?? e.responseObject, undefined)
  }
  assert.deepEqual([...stages].sort(), ['ResponseComplete', 'ResponseStarted'])
  assert.equal(sim.scenarios.length, 9)
  for (const s of sim.scenarios) assert.ok(s.startMs >= Date.parse('2026-11-05T00:00:00Z') + 3 * DAY, `${s.id} starts in the learning period`)
})

test('a small cluster: the stolen token is detected, and the clean stream has no finding about it', async () => {
  const seed = subSeed('detect')
  const r = await runAuditEval({ sim: small(seed) })
  const stolen = r.scenarios.find((s) => s.id === 'stolen-token')
  assert.ok(stolen?.detected, `stolen-token not detected (seed ${seed}): ${JSON.stringify(r.scenarios)}`)
  assert.ok((stolen.timeToDetectS ?? Number.POSITIVE_INFINITY) < 600)
  assert.ok(r.eventsPerSecond > 0)

  const attacked = simulateAudit(small(seed))
  const clean = simulateAudit(small(seed, false))
  assert.equal(clean.scenarios.length, 0)
  const config = parse(accessConfigSchema, EVAL_CONFIG, 'LW_ERR_CONFIG_INVALID', 'access')
  const learnEnd = Date.parse('2026-11-05T00:00:00Z') + 3 * DAY
  const findings: AccessFinding[] = []
  for await (const f of analyzeAudit(clean.events(), { config, learn: { untilMs: learnEnd } })) findings.push(f)
  const s = score(findings, attacked.scenarios, learnEnd, 1)
  assert.equal(s.scenarios.find((x) => x.id === 'stolen-token')?.detected, false, 'a finding about the stolen token without the attack')
})

test('every pod’s token is minted by its kubelet: the CI deployers’ while they are idle, the new debug pod’s just before it reads', () => {
  const sim = simulateAudit({ ...small(subSeed('tokens')), days: 4 })
  const minted = new Map<string, number>()
  const firstRequest = new Map<string, number>()
  for (const e of sim.events()) {
    const t = Date.parse(e.stageTimestamp ?? '')
    const o = e.objectRef
    if (o?.resource === 'serviceaccounts' && o.subresource === 'token' && e.user.username?.startsWith('system:node:') === true) {
      const sa = `system:serviceaccount:${o.namespace}:${o.name}`
      if (!minted.has(sa)) minted.set(sa, t)
    }
    const u = e.user.username ?? ''
    if (u.startsWith('system:serviceaccount:') && !firstRequest.has(u)) firstRequest.set(u, t)
  }
  const deployers = [...minted.keys()].filter((sa) => sa.startsWith('system:serviceaccount:ci:deployer-'))
  assert.ok(deployers.length >= 2, `deployers' tokens minted: ${deployers.length}`)
  for (const d of deployers) assert.ok((minted.get(d) ?? 0) < Date.parse('2026-11-05T01:00:00Z'), `${d} first minted at ${minted.get(d)}`)
  const debug = 'system:serviceaccount:default:debug-tools'
  const gap = (firstRequest.get(debug) ?? 0) - (minted.get(debug) ?? 0)
  assert.ok(gap > 0 && gap < 60_000, `debug-tools minted ${gap} ms before its first request`)
})
