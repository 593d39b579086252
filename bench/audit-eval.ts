// Access detector evaluation (issue #11, "Evaluation"): the simulated
// cluster's audit stream (bench/audit-sim.ts) through the access detector in
// one process, as `leakwatch audit analyze` runs it (app/audit-analyze.ts's
// analyzeAudit, learning first), then per scenario: detected or not and the
// time to detect (the first matching finding's firstSeen − the scenario's
// start, in event time: with `emit: 'open'` the pipeline alerts at that
// event); false alarms per simulated detection day (findings about no
// scenario), by rule and severity; events per second.
//
//   npm run bench -- --only access-eval [--eval-principals 2000] [--eval-days 7] [--eval-learn-days 3] [--eval-redis]
//   node bench/audit-eval.ts [--principals 2000] [--days 7] [--learn-days 3] [--seed 1] [--redis]
//
// A finding matches a scenario when its principal, user or impersonated user
// is one of the scenario's principals and its window overlaps the scenario's
// span or the six hours after it (the slow-harvest window still holds the
// attack's reads then: a finding about that principal then is about the attack). The configuration is what an operator of this cluster would
// set (docs/access.md): its node and pod networks as `clusterNetworks`, the
// operators that list secrets cluster-wide as `controllers`, its IdP's admin
// group as `adminGroups`; every threshold
// is the default.

import { parseArgs } from 'node:util'
import { Redis } from 'ioredis'
import { analyzeAudit } from '../app/audit-analyze.ts'
import type { AccessConfig } from '../detectors/access/config.ts'
import { accessConfigSchema } from '../detectors/access/config.ts'
import type { AccessFinding } from '../detectors/access/detector.ts'
import type { AccessStore } from '../detectors/access/store.ts'
import { createMemoryAccessStore } from '../detectors/access/store.ts'
import { createRedisAccessStore } from '../detectors/access/store-redis.ts'
import { parse } from '../pipeline/schema.ts'
import { startRedis } from '../test/harness/services.ts'
import type { Scenario, SimEvent, SimOptions } from './audit-sim.ts'
import { simulateAudit } from './audit-sim.ts'
import type { BenchContext, Benchmark } from './run.ts'

const DAY = 86_400_000
// Six hours: the slow-harvest window, which still holds the attack's reads after it ends.
const MATCH_SLACK_MS = 6 * 3_600_000

export const EVAL_CONFIG = {
  enabled: true,
  clusterNetworks: ['10.0.0.0/16', '10.244.0.0/16'],
  // The cluster's administrators come from the IdP's group, as an operator would set it.
  adminGroups: ['system:masters', 'oidc:cluster-admins'],
  controllers: [
    'system:serviceaccount:external-secrets:*',
    'system:serviceaccount:cert-manager:*',
    'system:serviceaccount:argocd:argocd-application-controller'
  ]
}

export interface ScenarioResult {
  id: string
  title: string
  principals: string[]
  start: string
  detected: boolean
  /** Seconds from the scenario's start to the first matching finding's firstSeen. */
  timeToDetectS?: number
  rules: string[]
  expected: string[]
}

export interface EvalResult {
  events: number
  days: number
  detectionDays: number
  population: Record<string, number>
  scenarios: ScenarioResult[]
  detected: number
  findings: number
  falseAlarms: number
  falseAlarmsPerDay: number
  /** Medium and above: what pages someone (low findings are a review queue). */
  alertingFalseAlarmsPerDay: number
  falseAlarmsByRule: Record<string, Record<string, number>>
  /** A few false alarms per rule, to route: principal, window, first event. */
  falseAlarmExamples: Record<string, string[]>
  eventsPerSecond: number
  eventsPerCpuSecond: number
  store: 'memory' | 'redis'
  /** The same cluster without the attacks (`clean: true`): every finding is a false alarm. */
  clean?: {
    events: number
    findings: number
    falseAlarmsPerDay: number
    alertingFalseAlarmsPerDay: number
    falseAlarmsByRule: Record<string, Record<string, number>>
  }
}

export function matches(f: AccessFinding, s: Scenario): boolean {
  const who = [f.principal, f.user, f.impersonatedUser]
  if (!s.principals.some((p) => who.includes(p))) return false
  const first = Date.parse(f.firstSeen)
  const last = Date.parse(f.lastSeen)
  return last >= s.startMs && first <= s.endMs + MATCH_SLACK_MS
}

export function score(findings: readonly AccessFinding[], scenarios: readonly Scenario[], detectionStartMs: number, detectionDays: number) {
  const results: ScenarioResult[] = scenarios.map((s) => {
    const hits = findings.filter((f) => matches(f, s)).sort((a, b) => a.firstSeen.localeCompare(b.firstSeen))
    const first = hits[0]
    return {
      id: s.id,
      title: s.title,
      principals: s.principals,
      start: new Date(s.startMs).toISOString(),
      detected: first !== undefined,
      ...(first === undefined ? {} : { timeToDetectS: Math.max(0, Math.round((Date.parse(first.firstSeen) - s.startMs) / 1000)) }),
      rules: [...new Set(hits.map((f) => `${f.rule}:${f.severity}`))].sort(),
      expected: s.expect
    }
  })
  const fa = findings.filter((f) => Date.parse(f.lastSeen) >= detectionStartMs && !scenarios.some((s) => matches(f, s)))
  const byRule: Record<string, Record<string, number>> = {}
  const examples: Record<string, string[]> = {}
  for (const f of fa) {
    const r = byRule[f.rule] ?? {}
    byRule[f.rule] = r
    r[f.severity] = (r[f.severity] ?? 0) + 1
    const ex = examples[f.rule] ?? []
    examples[f.rule] = ex
    if (ex.length < 3)
      ex.push(
        `${f.severity} ${f.principal} ${f.firstSeen} ${f.evidence.first.verb} ${f.evidence.items.slice(0, 2).join(',')} ua=${f.evidence.first.userAgent ?? ''} ip=${f.evidence.first.sourceIP ?? ''}`
      )
  }
  const alerting = fa.filter((f) => f.severity !== 'low').length
  return {
    scenarios: results,
    detected: results.filter((r) => r.detected).length,
    falseAlarms: fa.length,
    falseAlarmsPerDay: Math.round((fa.length / detectionDays) * 100) / 100,
    alertingFalseAlarmsPerDay: Math.round((alerting / detectionDays) * 100) / 100,
    falseAlarmsByRule: byRule,
    falseAlarmExamples: examples
  }
}

export async function runAuditEval(o: {
  sim: SimOptions
  store?: AccessStore
  storeName?: 'memory' | 'redis'
  config?: Partial<AccessConfig>
  /** Also replay the clean stream (no attacks) and count its findings as false alarms. */
  clean?: boolean
}): Promise<EvalResult> {
  const sim = simulateAudit(o.sim)
  const config = parse(accessConfigSchema, { ...EVAL_CONFIG, ...o.config }, 'LW_ERR_CONFIG_INVALID', 'access')
  const start = o.sim.start ?? Date.parse('2026-11-05T00:00:00Z')
  const learnUntil = start + o.sim.learnDays * DAY
  let events = 0
  // Generating the stream is not the detector's work: its time is measured and taken out.
  let genMs = 0
  let genCpu = 0
  function* timed(): Generator<SimEvent> {
    const it = sim.events()
    for (;;) {
      const t0 = performance.now()
      const c0 = process.cpuUsage()
      const r = it.next()
      const c1 = process.cpuUsage(c0)
      genMs += performance.now() - t0
      genCpu += (c1.user + c1.system) / 1000
      if (r.done === true) return
      events++
      yield r.value
    }
  }
  const findings: AccessFinding[] = []
  const t0 = performance.now()
  const c0 = process.cpuUsage()
  for await (const f of analyzeAudit(timed(), { config, learn: { untilMs: learnUntil }, ...(o.store === undefined ? {} : { store: o.store }) }))
    findings.push(f)
  const c = process.cpuUsage(c0)
  const wall = performance.now() - t0 - genMs
  const cpu = (c.user + c.system) / 1000 - genCpu
  const detectionDays = o.sim.days - o.sim.learnDays
  let clean: EvalResult['clean']
  if (o.clean === true) {
    const cleanSim = simulateAudit({ ...o.sim, attacks: false })
    const cf: AccessFinding[] = []
    let n = 0
    const counted = function* () {
      for (const e of cleanSim.events()) {
        n++
        yield e
      }
    }
    for await (const f of analyzeAudit(counted(), { config, learn: { untilMs: learnUntil } })) cf.push(f)
    const s = score(cf, [], learnUntil, detectionDays)
    clean = {
      events: n,
      findings: cf.length,
      falseAlarmsPerDay: s.falseAlarmsPerDay,
      alertingFalseAlarmsPerDay: s.alertingFalseAlarmsPerDay,
      falseAlarmsByRule: s.falseAlarmsByRule
    }
  }
  return {
    ...(clean === undefined ? {} : { clean }),
    events,
    days: o.sim.days,
    detectionDays,
    population: sim.population,
    ...score(findings, sim.scenarios, learnUntil, detectionDays),
    findings: findings.length,
    eventsPerSecond: Math.round(events / (wall / 1000)),
    eventsPerCpuSecond: Math.round(events / (cpu / 1000)),
    store: o.storeName ?? 'memory'
  }
}

/** The table docs/benchmarks.md shows. */
export function table(r: EvalResult): string {
  const rows = r.scenarios.map(
    (s) =>
      `| ${s.id} | ${s.detected ? 'yes' : '**no**'} | ${s.timeToDetectS === undefined ? '–' : `${s.timeToDetectS} s`} | ${s.rules.join(', ') || '–'} | ${s.expected.join(', ')} |`
  )
  const fa = Object.entries(r.falseAlarmsByRule)
    .sort((a, b) => Object.values(b[1]).reduce((x, y) => x + y, 0) - Object.values(a[1]).reduce((x, y) => x + y, 0))
    .map(
      ([rule, sev]) =>
        `| ${rule} | ${Object.entries(sev)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')} | ${(Object.values(sev).reduce((x, y) => x + y, 0) / r.detectionDays).toFixed(2)} |`
    )
  return [
    '| scenario | detected | time to detect | rules that fired (rule:severity) | expected |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
    `false alarms (findings about no scenario): ${r.falseAlarms} over ${r.detectionDays} detection days = ${r.falseAlarmsPerDay}/day (medium and above: ${r.alertingFalseAlarmsPerDay}/day)`,
    ...(r.clean === undefined
      ? []
      : [
          `on the clean stream (no attacks, ${r.clean.events} events): ${r.clean.findings} findings = ${r.clean.falseAlarmsPerDay}/day (medium and above: ${r.clean.alertingFalseAlarmsPerDay}/day)`
        ]),
    '',
    '| rule | false alarms by severity | per day |',
    '| --- | --- | --- |',
    ...fa
  ].join('\n')
}

async function withStores(sim: SimOptions, redis: boolean, log: (l: string) => void): Promise<EvalResult[]> {
  const out: EvalResult[] = []
  log(`access-eval: ${sim.principals} principals, ${sim.days} days (${sim.learnDays} learning), seed ${sim.seed}, in-memory store`)
  out.push(await runAuditEval({ sim, store: createMemoryAccessStore(), storeName: 'memory', clean: true }))
  if (redis) {
    const started = process.env.REDIS_URL ? undefined : await startRedis()
    const client = new Redis(process.env.REDIS_URL ?? started?.url ?? '')
    const prefix = `lw-bench-access-eval-${process.pid}:`
    try {
      log('access-eval: the same stream with the Redis store')
      out.push(await runAuditEval({ sim, store: createRedisAccessStore(client, { prefix }), storeName: 'redis' }))
      const keys = await client.keys(`${prefix}*`)
      for (let i = 0; i < keys.length; i += 1000) await client.del(...keys.slice(i, i + 1000))
    } finally {
      await client.quit()
      await started?.stop()
    }
  }
  return out
}

function report(results: EvalResult[], command: string): void {
  const [first] = results
  if (first === undefined) return
  process.stdout.write(
    `${JSON.stringify(
      {
        benchmark: 'access-eval',
        command,
        ...first,
        throughput: results.map((r) => ({ store: r.store, events: r.events, eventsPerSecond: r.eventsPerSecond, eventsPerCpuSecond: r.eventsPerCpuSecond }))
      },
      null,
      2
    )}\n\n${table(first)}\n${results
      .slice(1)
      .map(
        (r) =>
          `\nthe same stream with the ${r.store} store: ${r.detected}/${r.scenarios.length} detected, ${r.falseAlarmsPerDay} false alarms/day, ${r.findings} findings; time to detect ${
            r.scenarios.every((x, i) => x.timeToDetectS === first.scenarios[i]?.timeToDetectS) ? 'the same' : 'differs'
          } as in memory\n`
      )
      .join('')}`
  )
}

export const benchmark: Benchmark = {
  name: 'access-eval',
  description: 'access detector on a simulated cluster: attack scenarios detected, time to detect, false alarms per day, events/s',
  options: {
    'eval-principals': { type: 'string', default: '2000' },
    'eval-days': { type: 'string', default: '7' },
    'eval-learn-days': { type: 'string', default: '3' },
    'eval-redis': { type: 'boolean', default: false }
  },
  async run(ctx: BenchContext) {
    const sim: SimOptions = {
      seed: Number(ctx.flags.seed),
      principals: Number(ctx.flags['eval-principals']),
      days: Number(ctx.flags['eval-days']),
      learnDays: Number(ctx.flags['eval-learn-days'])
    }
    report(await withStores(sim, ctx.flags['eval-redis'] === true, ctx.log), ctx.command)
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      principals: { type: 'string', default: '2000' },
      days: { type: 'string', default: '7' },
      'learn-days': { type: 'string', default: '3' },
      seed: { type: 'string', default: '20250601' },
      redis: { type: 'boolean', default: false }
    }
  })
  const sim: SimOptions = {
    seed: Number(values.seed),
    principals: Number(values.principals),
    days: Number(values.days),
    learnDays: Number(values['learn-days'])
  }
  report(await withStores(sim, values.redis === true, (l) => process.stderr.write(`${l}\n`)), ['node bench/audit-eval.ts', ...process.argv.slice(2)].join(' '))
  process.exit(0)
}
