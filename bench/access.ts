// Access detector throughput: audit events per second that one detector
// process handles with its state in the real Redis (issue #11's target:
// 50,000/s), in batches as the Kafka consumer hands them over, and with the
// in-memory store for comparison. The stream is seeded: a cluster of
// `--access-principals` principals (app service accounts, kubelets,
// controllers, people) over one simulated day, a third of the requests secret
// reads, shaped like the real kube-apiserver's events (test/fixtures/audit).
//
//   npm run bench -- --only access [--access-events 300000] [--access-principals 2000]
//
// Two passes per store: cold (every principal's state is loaded from the store
// on its first event: a restarted replica) and warm (a second day through the
// same detector: states cached, saves of the changed ones per batch).

import { parseArgs } from 'node:util'
import { Redis } from 'ioredis'
import type { AuditEvent } from '../detectors/access/audit-event.ts'
import { accessConfigSchema } from '../detectors/access/config.ts'
import { createAccessDetector } from '../detectors/access/detector.ts'
import type { AccessStore } from '../detectors/access/store.ts'
import { createMemoryAccessStore } from '../detectors/access/store.ts'
import { createRedisAccessStore } from '../detectors/access/store-redis.ts'
import { createRng } from '../detectors/gen.ts'
import { parse } from '../pipeline/schema.ts'
import { startRedis } from '../test/harness/services.ts'
import type { BenchContext, Benchmark } from './run.ts'

const DAY = 86_400_000
const BATCH = 1000

export interface AccessBenchOptions {
  events: number
  principals: number
  seed: number
  repeat: number
  log?: (line: string) => void
}

/** `events` events over one day starting at `from`, time-ordered. */
export function accessStream(opts: { events: number; principals: number; seed: number; from: number }): AuditEvent[] {
  const rng = createRng(opts.seed)
  const hex = '0123456789abcdef'
  const nss = Array.from({ length: 60 }, (_, i) => `team-${i}`)
  const users = Array.from({ length: opts.principals }, (_, i) => {
    const r = i % 20
    if (r === 0)
      return {
        name: `system:node:node-${i}`,
        groups: ['system:nodes', 'system:authenticated'],
        ua: 'kubelet/v1.36.3 (linux/amd64) kubernetes/abc',
        ip: `10.0.${i % 250}.${(i >> 8) % 250}`
      }
    if (r === 1)
      return {
        name: `user-${i}@example.com`,
        groups: ['system:authenticated'],
        ua: 'kubectl/v1.36.0 (darwin/arm64) kubernetes/abc',
        ip: `192.168.${i % 250}.7`
      }
    if (i === 2) return { name: 'system:kube-controller-manager', groups: ['system:authenticated'], ua: 'kube-controller-manager/v1.36.3', ip: '10.0.0.10' }
    const ns = nss[i % nss.length] as string
    return {
      name: `system:serviceaccount:${ns}:app-${i}`,
      groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'],
      ua: 'app/1.0 (linux/amd64) kubernetes/abc',
      ip: `10.244.${i % 250}.${(i >> 8) % 250}`
    }
  })
  const out: AuditEvent[] = []
  const step = DAY / opts.events
  for (let i = 0; i < opts.events; i++) {
    const u = users[Math.floor(rng.next() ** 2 * users.length)] ?? users[0]
    if (u === undefined) break
    const t = new Date(opts.from + Math.floor(i * step)).toISOString()
    const home = u.name.startsWith('system:serviceaccount:') ? (u.name.split(':')[2] ?? 'default') : (rng.pick(nss) as string)
    const kind = rng.int(10)
    const [verb, resource, ns, name] =
      kind < 3
        ? ['get', 'secrets', home, `s-${rng.int(8)}`]
        : kind < 4
          ? ['list', 'secrets', home, undefined]
          : kind < 7
            ? ['get', 'configmaps', home, `c-${rng.int(8)}`]
            : ['list', 'pods', home, undefined]
    out.push({
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level: 'Metadata',
      auditID: `${rng.chars(hex, 8)}-${rng.chars(hex, 4)}-4${rng.chars(hex, 3)}-a${rng.chars(hex, 3)}-${rng.chars(hex, 12)}`,
      stage: 'ResponseComplete',
      requestURI: `/api/v1/namespaces/${ns}/${resource}${name === undefined ? '' : `/${name}`}`,
      verb,
      user: { username: u.name, groups: u.groups },
      sourceIPs: [u.ip],
      userAgent: u.ua,
      objectRef: { resource, namespace: ns, ...(name === undefined ? {} : { name }), apiVersion: 'v1' },
      responseStatus: { metadata: {}, code: 200 },
      requestReceivedTimestamp: t,
      stageTimestamp: t,
      annotations: { 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': '' }
    })
  }
  return out
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)] ?? Number.NaN
}

/** CPU seconds the Redis server has used (INFO cpu): its share of the work, which process.cpuUsage() does not see. */
export async function redisCpu(redis: Redis | undefined): Promise<number> {
  if (redis === undefined) return 0
  const info = await redis.info('cpu')
  const get = (k: string) => Number(new RegExp(`^${k}:([0-9.]+)`, 'm').exec(info)?.[1] ?? 0)
  return get('used_cpu_user') + get('used_cpu_sys')
}

async function pass(store: AccessStore, day1: AuditEvent[], day2: AuditEvent[], learnUntilMs: number, redis?: Redis) {
  const config = parse(accessConfigSchema, { enabled: true }, 'LW_ERR_CONFIG_INVALID', 'access')
  const d = createAccessDetector(config, { store, emit: 'open', learnUntilMs })
  let findings = 0
  const cpu = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1e6
  const r0 = await redisCpu(redis)
  const c0 = process.cpuUsage()
  const t0 = performance.now()
  for (let i = 0; i < day1.length; i += BATCH) findings += (await d.process(day1.slice(i, i + BATCH))).length
  const t1 = performance.now()
  const c1 = process.cpuUsage()
  const r1 = await redisCpu(redis)
  for (let i = 0; i < day2.length; i += BATCH) findings += (await d.process(day2.slice(i, i + BATCH))).length
  await d.flush()
  const t2 = performance.now()
  const c2 = process.cpuUsage()
  const r2 = await redisCpu(redis)
  return {
    coldRedisCpuSeconds: r1 - r0,
    warmRedisCpuSeconds: r2 - r1,
    // Both processes' CPU: what the detector and its Redis cost together per event.
    coldPerCpuSecondWithRedis: day1.length / (cpu(c1) - cpu(c0) + r1 - r0),
    warmPerCpuSecondWithRedis: day2.length / (cpu(c2) - cpu(c1) + r2 - r1),
    coldPerSecond: day1.length / ((t1 - t0) / 1000),
    coldPerCpuSecond: day1.length / (cpu(c1) - cpu(c0)),
    warmPerSecond: day2.length / ((t2 - t1) / 1000),
    // Per second of this process's CPU (the Redis server's is not counted): what one core would do on a quiet machine.
    warmPerCpuSecond: day2.length / (cpu(c2) - cpu(c1)),
    findings,
    principals: d.stats().principals
  }
}

export async function runAccessBench(opts: AccessBenchOptions) {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`))
  const from = Date.parse('2026-11-02T00:00:00Z')
  const day1 = accessStream({ events: opts.events, principals: opts.principals, seed: opts.seed, from })
  const day2 = accessStream({ events: opts.events, principals: opts.principals, seed: opts.seed + 1, from: from + DAY })
  const started = process.env.REDIS_URL ? undefined : await startRedis()
  const url = process.env.REDIS_URL ?? started?.url ?? ''
  const redis = new Redis(url)
  const results: Record<string, Array<Awaited<ReturnType<typeof pass>>>> = { redis: [], memory: [] }
  try {
    for (let r = 0; r < opts.repeat; r++) {
      const prefix = `lw-bench-access-${process.pid}-${r}:`
      results.redis?.push(await pass(createRedisAccessStore(redis, { prefix }), day1, day2, from + DAY / 2, redis))
      results.memory?.push(await pass(createMemoryAccessStore(), day1, day2, from + DAY / 2))
      const keys = await redis.keys(`${prefix}*`)
      for (let i = 0; i < keys.length; i += 1000) await redis.del(...keys.slice(i, i + 1000))
      log(`access: run ${r + 1}/${opts.repeat} redis ${Math.round(results.redis?.at(-1)?.warmPerSecond ?? 0)}/s warm`)
    }
  } finally {
    await redis.quit()
    await started?.stop()
  }
  const summary = (xs: Array<Awaited<ReturnType<typeof pass>>>) => ({
    coldEventsPerSecond: Math.round(median(xs.map((x) => x.coldPerSecond))),
    coldEventsPerCpuSecond: Math.round(median(xs.map((x) => x.coldPerCpuSecond))),
    warmEventsPerSecond: Math.round(median(xs.map((x) => x.warmPerSecond))),
    warmEventsPerCpuSecond: Math.round(median(xs.map((x) => x.warmPerCpuSecond))),
    coldEventsPerCpuSecondWithRedis: Math.round(median(xs.map((x) => x.coldPerCpuSecondWithRedis))),
    warmEventsPerCpuSecondWithRedis: Math.round(median(xs.map((x) => x.warmPerCpuSecondWithRedis))),
    findings: xs[0]?.findings,
    principals: xs[0]?.principals
  })
  return {
    events: opts.events * 2,
    principalsConfigured: opts.principals,
    batch: BATCH,
    repeat: opts.repeat,
    redis: summary(results.redis ?? []),
    memory: summary(results.memory ?? [])
  }
}

export const benchmark: Benchmark = {
  name: 'access',
  description: 'access detector: audit events/s of one process with state in Redis (cold and warm), and in memory',
  options: {
    'access-events': { type: 'string', default: '200000' },
    'access-principals': { type: 'string', default: '2000' }
  },
  async run(ctx: BenchContext) {
    const r = await runAccessBench({
      events: Number(ctx.flags['access-events']),
      principals: Number(ctx.flags['access-principals']),
      seed: Number(ctx.flags.seed),
      repeat: Number(ctx.flags.repeat),
      log: ctx.log
    })
    process.stdout.write(`${JSON.stringify({ benchmark: 'access', command: ctx.command, ...r }, null, 2)}\n`)
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      events: { type: 'string', default: '200000' },
      principals: { type: 'string', default: '2000' },
      seed: { type: 'string', default: '20250601' },
      repeat: { type: 'string', default: '3' }
    }
  })
  const r = await runAccessBench({
    events: Number(values.events),
    principals: Number(values.principals),
    seed: Number(values.seed),
    repeat: Number(values.repeat)
  })
  process.stdout.write(`${JSON.stringify(r, null, 2)}\n`)
  process.exit(0)
}
