// A seeded simulator of a Kubernetes cluster's audit stream, for evaluating the
// access detector (issue #11, "Evaluation"): days of audit.k8s.io/v1 Events in
// time order, with attack scenarios injected after the learning period, each
// labelled with its principals and time span.
//
// The shapes are those the real kube-apiserver v1.36.3 writes (calibrated on
// test/fixtures/audit/*.jsonl, captured from it, and on the public Falco audit
// samples): `user.uid` and the bound token's `extra` (credential-id, pod and
// node) for service accounts, the `authorization.k8s.io/decision|reason`
// annotations in the server's wording, a 403's `Status` with `reason:
// Forbidden`, the kubelet's secret reads as name-selected `list` + `watch`
// (the Node authorizer's shape, with `objectRef.name` from the field
// selector), a watch as `ResponseStarted` then `ResponseComplete` under one
// auditID, exec as `create pods/exec` answered 101. The policy simulated is
// the one docs/access.md asks for: secrets and token requests at `Metadata`,
// pods and RBAC at `RequestResponse`; leases and events are left out, as most
// policies drop them.
//
// The cluster: kube-controller-manager (its per-controller service accounts),
// the scheduler, kubelets, operators that list secrets cluster-wide
// (external-secrets, cert-manager, Argo CD), application service accounts
// spread over team namespaces (prod and staging), one CI deployer per team,
// and people (developers, SREs with an on-call rotation, admins, new hires).
// Every pod's service-account token is requested by its node's kubelet every
// ~48 minutes (the projected token's refresh), the CI deployers' pods
// included, whether or not they deploy that day.
// Rhythm: a diurnal and weekly curve for people and user-facing apps, deploy
// bursts on weekday working hours (new pods land on other nodes, so a
// workload's source /24 changes: pods take their node's pod CIDR), controller
// and kubelet watch re-lists every 5–10 minutes.
//
//   node bench/audit-sim.ts --principals 2000 --days 7 --seed 1 > audit.jsonl
//   node app/... audit analyze audit.jsonl --learn 3d
//
// The stream never holds a secret value: the level of secrets is Metadata.

import { parseArgs } from 'node:util'
import { createRng, type Rng } from '../detectors/gen.ts'
import type { auditEventSchema } from '../pipeline/events.ts'
import type { Infer } from '../pipeline/schema.ts'

export type SimEvent = Infer<typeof auditEventSchema>

const MIN = 60_000
const HOUR = 3_600_000
const DAY = 86_400_000
const VERSION = 'v1.36.3'
const COMMIT = 'a1b2c3d'

export interface SimOptions {
  seed: number
  principals: number
  days: number
  /** Learning days: no scenario starts before their end. */
  learnDays: number
  /** Start of the stream (ms); default a Thursday 00:00 UTC, so the detection days hold a weekend and weekdays. */
  start?: number
  /** Inject the attack scenarios (false: the clean stream). */
  attacks?: boolean
  /** Minutes between a controller's watch re-lists (the reflectors' 5–10 minutes). */
  watchMinutes?: [number, number]
  /**
   * Minutes between a kubelet's re-watch of one mounted secret. The real kubelet re-lists every 5–10 minutes, which
   * makes these the bulk of a real log (~70 % here); the default 30–60 keeps a 2,000-principal week within the
   * benchmark's CPU budget. The detector returns early on a kubelet's named read, so they weigh on throughput only.
   */
  kubeletWatchMinutes?: [number, number]
}

export interface Scenario {
  id: string
  title: string
  /** Findings about any of these principals (as the finding's principal, user or impersonated user) in the span detect it. */
  principals: string[]
  startMs: number
  endMs: number
  /** The rules one would expect to fire: informational, detection is any finding. */
  expect: string[]
}

interface Actor {
  username: string
  uid: string
  groups: string[]
  extra?: Record<string, string[]>
  ua: string
  /** Source IP, by time (pods move between nodes). */
  ip: () => string
}

interface Res {
  resource: string
  ns?: string
  name?: string
  sub?: string
  group?: string
  version?: string
  query?: string
}

type Emit = (t: number, a: Actor, verb: string, r: Res, o?: EmitOpts) => void

interface EmitOpts {
  code?: number
  reason?: string
  level?: string
  requestObject?: unknown
  responseObject?: unknown
  impersonate?: { username: string; groups: string[] }
  /** A watch: ResponseStarted at t, ResponseComplete when it ends. */
  watchMs?: number
}

const HEX = '0123456789abcdef'
const hex8 = (rng: Rng) => rng.int(0x100000000).toString(16).padStart(8, '0')
function uuid(rng: Rng): string {
  const b = hex8(rng)
  const c = hex8(rng)
  return `${hex8(rng)}-${b.slice(0, 4)}-4${b.slice(5)}-${HEX[8 + (c.charCodeAt(0) & 3)]}${c.slice(1, 4)}-${c.slice(4)}${hex8(rng)}`
}

function iso(t: number): string {
  // The server writes microseconds.
  return `${new Date(t).toISOString().slice(0, -1)}${String(Math.floor((t * 1000) % 1000)).padStart(3, '0')}Z`
}

function uri(r: Res, verb: string): string {
  const base = r.group === undefined || r.group === '' ? `/api/${r.version ?? 'v1'}` : `/apis/${r.group}/${r.version ?? 'v1'}`
  const ns = r.ns === undefined ? '' : `/namespaces/${r.ns}`
  // A named list or watch selects by field: the name is not in the path.
  const named = r.name !== undefined && verb !== 'list' && verb !== 'watch'
  const path = `${base}${ns}/${r.resource}${named ? `/${r.name}` : ''}${r.sub === undefined ? '' : `/${r.sub}`}`
  return r.query === undefined ? path : `${path}?${r.query}`
}

/** Working-hours weight of a local hour (UTC here) and weekday: 0 at night, 1 at the busiest hour. */
function diurnal(t: number): number {
  const d = new Date(t)
  const h = d.getUTCHours() + d.getUTCMinutes() / 60
  const wd = d.getUTCDay()
  const weekend = wd === 0 || wd === 6
  const day = h < 7 || h > 20 ? 0.03 : Math.sin(((h - 7) / 13) * Math.PI) ** 2
  return weekend ? day * 0.12 : day
}

const isWorkday = (t: number) => {
  const wd = new Date(t).getUTCDay()
  return wd !== 0 && wd !== 6
}

/** Poisson arrivals at `perHour` × weight(t) in [from, to). */
function arrivals(rng: Rng, from: number, to: number, perHour: number, weight: (t: number) => number = () => 1): number[] {
  const out: number[] = []
  if (perHour <= 0) return out
  // Thinning with the maximum weight 1.
  let t = from
  for (;;) {
    t += (-Math.log(1 - rng.next()) / perHour) * HOUR
    if (t >= to) return out
    if (rng.next() < weight(t)) out.push(Math.floor(t))
  }
}

/** Periodic events every `periodMs` ± 10 %, phase-shifted per actor, in [from, to). */
function periodic(rng: Rng, from: number, to: number, periodMs: number, phase: number): number[] {
  const out: number[] = []
  let t = from - ((from - phase) % periodMs) + periodMs * (rng.next() * 0.2 - 0.1)
  while (t < to) {
    if (t >= from) out.push(Math.floor(t))
    t += periodMs * (0.9 + rng.next() * 0.2)
  }
  return out
}

interface Team {
  name: string
  namespaces: string[]
  apps: App[]
  deployer: Actor
  /** The node of the deployer's pod: its kubelet refreshes the pod's token. */
  deployerNode: number
  deploysPerDay: number
}

interface App {
  sa: string
  ns: string
  actor: Actor
  secrets: string[]
  /** Secret reads per hour through the API (0: mounts only). */
  readsPerHour: number
  lists: boolean
  userFacing: boolean
  client: string
  nodes: number[]
  mountsSecrets: boolean
  pod: string
}

interface Person {
  actor: Actor
  team: Team
  role: 'dev' | 'sre' | 'admin'
  /** New hire: first request after this time. */
  joinsAt: number
  oncall: boolean
  homeIp: string
}

const CONTROLLERS = [
  'attachdetach-controller',
  'certificate-controller',
  'clusterrole-aggregation-controller',
  'cronjob-controller',
  'daemon-set-controller',
  'deployment-controller',
  'disruption-controller',
  'endpoint-controller',
  'endpointslice-controller',
  'ephemeral-volume-controller',
  'generic-garbage-collector',
  'horizontal-pod-autoscaler',
  'job-controller',
  'namespace-controller',
  'node-controller',
  'persistent-volume-binder',
  'pod-garbage-collector',
  'pvc-protection-controller',
  'replicaset-controller',
  'resourcequota-controller',
  'root-ca-cert-publisher',
  'service-account-controller',
  'statefulset-controller',
  'ttl-controller'
]

const TEAM_NAMES = [
  'payments',
  'billing',
  'checkout',
  'search',
  'catalog',
  'identity',
  'orders',
  'shipping',
  'ledger',
  'fraud',
  'notifications',
  'reporting',
  'pricing',
  'inventory',
  'support',
  'growth',
  'ml',
  'data',
  'media',
  'partners'
]
const APP_NAMES = ['api', 'worker', 'web', 'consumer', 'scheduler', 'gateway', 'cache-warmer', 'indexer', 'exporter', 'sync', 'cron', 'admin']
const CLIENTS = [
  'Go-http-client/2.0',
  `kubernetes-client-javascript/2.0.1`,
  'OpenAPI-Generator/31.0.0/python',
  'fabric8-kubernetes-client/6.13.4',
  `app/${VERSION} (linux/amd64) kubernetes/${COMMIT}`
]
const HUMAN_UAS = [
  `kubectl/v1.36.1 (darwin/arm64) kubernetes/${COMMIT}`,
  `kubectl/v1.35.4 (linux/amd64) kubernetes/${COMMIT}`,
  `kubectl/v1.36.0 (windows/amd64) kubernetes/${COMMIT}`,
  'k9s/v0.40.5 (darwin/arm64) kubernetes/unknown'
]

/** The simulated stream, in time order, chunk by chunk, with its scenarios (known up front). */
export function simulateAudit(opts: SimOptions): { scenarios: Scenario[]; events: () => Generator<SimEvent>; population: Record<string, number> } {
  const rng = createRng(opts.seed)
  const start = opts.start ?? Date.parse('2026-11-05T00:00:00Z') // a Thursday
  const end = start + opts.days * DAY
  const learnEnd = start + opts.learnDays * DAY
  const [wMin, wMax] = opts.watchMinutes ?? [5, 10]
  const [kMin, kMax] = opts.kubeletWatchMinutes ?? [30, 60]
  const N = Math.max(60, opts.principals)

  const mkActor = (username: string, groups: string[], ua: string, ip: () => string, extra?: Record<string, string[]>): Actor => ({
    username,
    uid: uuid(rng),
    groups,
    ua,
    ip,
    ...(extra === undefined ? {} : { extra })
  })

  // Nodes: 10.0.<n/250>.<n%250>, pod CIDR 10.244.<n>.0/24.
  const nodeCount = Math.max(3, Math.round(N * 0.06))
  const nodeName = (n: number) => `ip-10-0-${n >> 8}-${n & 255}.ec2.internal`
  const nodeIp = (n: number) => `10.0.${(n >> 8) + 1}.${n & 255}`
  const podIp = (n: number, salt: number) => `10.244.${n}.${(salt % 250) + 2}`
  const kubelets = Array.from({ length: nodeCount }, (_, n) =>
    mkActor(`system:node:${nodeName(n)}`, ['system:nodes', 'system:authenticated'], `kubelet/${VERSION} (linux/amd64) kubernetes/${COMMIT}`, () => nodeIp(n))
  )
  const controlPlane = '10.0.0.10'
  const kcm = mkActor(
    'system:kube-controller-manager',
    ['system:authenticated'],
    `kube-controller-manager/${VERSION} (linux/amd64) kubernetes/${COMMIT}/leader-election`,
    () => controlPlane
  )
  const controllers = CONTROLLERS.map((c) =>
    mkActor(
      `system:serviceaccount:kube-system:${c}`,
      ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'],
      `kube-controller-manager/${VERSION} (linux/amd64) kubernetes/${COMMIT}/${c}`,
      () => controlPlane
    )
  )
  const scheduler = mkActor(
    'system:kube-scheduler',
    ['system:authenticated'],
    `kube-scheduler/${VERSION} (linux/amd64) kubernetes/${COMMIT}/scheduler`,
    () => controlPlane
  )

  const saExtra = (pod: string, node: number): Record<string, string[]> => ({
    'authentication.kubernetes.io/credential-id': [`JTI=${uuid(rng)}`],
    'authentication.kubernetes.io/node-name': [nodeName(node)],
    'authentication.kubernetes.io/node-uid': [uuid(rng)],
    'authentication.kubernetes.io/pod-name': [pod],
    'authentication.kubernetes.io/pod-uid': [uuid(rng)]
  })
  const saGroups = (ns: string) => ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated']
  const sa = (ns: string, name: string, ua: string, node: number) => {
    const pod = `${name}-${rng.chars('bcdfghjklmnpqrstvwxz2456789', 10)}-${rng.chars('bcdfghjklmnpqrstvwxz2456789', 5)}`
    const salt = rng.int(250)
    return mkActor(`system:serviceaccount:${ns}:${name}`, saGroups(ns), ua, () => podIp(node, salt), saExtra(pod, node))
  }
  // external-secrets sends client-go's default agent: its binary is /bin/external-secrets (its Dockerfile), no version stamped.
  const operators = [
    sa('external-secrets', 'external-secrets', 'external-secrets/v0.0.0 (linux/amd64) kubernetes/$Format', 1),
    sa('cert-manager', 'cert-manager', `cert-manager-controller/v1.17.1 (linux/amd64) cert-manager/${COMMIT}`, 2),
    sa('argocd', 'argocd-application-controller', 'argocd-application-controller/v3.0.6 (linux/amd64)', 0)
  ]

  // Teams, their namespaces and apps.
  const teamCount = Math.max(2, Math.round(N / 40))
  const peopleCount = Math.max(6, Math.round(N * 0.08))
  const appCount = Math.max(10, N - nodeCount - controllers.length - 3 - operators.length - teamCount - peopleCount)
  const teams: Team[] = Array.from({ length: teamCount }, (_, i) => {
    const name = `${TEAM_NAMES[i % TEAM_NAMES.length]}${i >= TEAM_NAMES.length ? `-${Math.floor(i / TEAM_NAMES.length) + 1}` : ''}`
    const deployerNode = rng.int(nodeCount)
    return {
      name,
      namespaces: [`${name}-prod`, `${name}-staging`],
      apps: [],
      deployer: sa('ci', `deployer-${name}`, `kubectl/v1.36.0 (linux/amd64) kubernetes/${COMMIT}`, deployerNode),
      deployerNode,
      deploysPerDay: 1 + rng.int(6)
    }
  })
  const apps: App[] = []
  for (let i = 0; i < appCount; i++) {
    const team = teams[i % teamCount] as Team
    const ns = team.namespaces[rng.chance(0.55) ? 0 : 1] as string
    const base = APP_NAMES[Math.floor(i / teamCount) % APP_NAMES.length] as string
    const name = i / teamCount >= APP_NAMES.length ? `${base}-${Math.floor(i / teamCount / APP_NAMES.length) + 1}` : base
    const client = rng.pick(CLIENTS)
    const nodes = [rng.int(nodeCount), rng.int(nodeCount)]
    const actor = sa(ns, name, client, nodes[0] as number)
    const salt = rng.int(250)
    // The pod is on one of the app's nodes, which change on deploys.
    actor.ip = () => podIp(nodes[0] as number, salt)
    const reads = rng.chance(0.35)
    const app: App = {
      sa: actor.username,
      ns,
      actor,
      secrets: Array.from({ length: 1 + rng.int(4) }, (_, k) => `${name}-${['db', 'tls', 'api-key', 'config'][k]}`),
      readsPerHour: reads ? ([0.5, 1, 2, 6, 12, 30][rng.int(6)] ?? 1) : 0,
      lists: rng.chance(0.08),
      userFacing: rng.chance(0.5),
      client,
      nodes,
      mountsSecrets: rng.chance(0.7),
      pod: actor.extra?.['authentication.kubernetes.io/pod-name']?.[0] ?? name
    }
    team.apps.push(app)
    apps.push(app)
  }
  const office = (k: number) => `203.0.113.${k % 250}`
  const people: Person[] = Array.from({ length: peopleCount }, (_, i) => {
    const team = teams[i % teamCount] as Team
    const role = i < Math.max(2, Math.round(peopleCount * 0.05)) ? 'admin' : i % 5 === 0 ? 'sre' : 'dev'
    const name = `${['alex', 'sam', 'kim', 'lee', 'jo', 'ana', 'max', 'eli', 'ren', 'ola'][i % 10]}.${team.name}${i}@corp.example`
    const groups = [`oidc:${team.name}`, ...(role === 'dev' ? [] : ['oidc:sre']), ...(role === 'admin' ? ['oidc:cluster-admins'] : []), 'system:authenticated']
    const homeIp = `198.51.100.${i % 250}`
    const officeIp = office(rng.int(250))
    const p: Person = {
      actor: mkActor(name, groups, rng.pick(HUMAN_UAS), () => officeIp),
      team,
      role,
      // 2 % join during the detection days.
      joinsAt: rng.chance(0.02) ? learnEnd + rng.int(opts.days - opts.learnDays) * DAY + 9 * HOUR : start,
      oncall: role !== 'dev',
      homeIp
    }
    return p
  })
  const admins = people.filter((p) => p.role === 'admin')
  const sres = people.filter((p) => p.role === 'sre')

  // Scenarios (after learning): principals picked from the population, or new.
  const scenarios: Scenario[] = []
  const attacks: Array<(from: number, to: number, r: Rng, emit: Emit) => void> = []
  const detectDays = opts.days - opts.learnDays
  const at = (dayOff: number, hour: number) => learnEnd + (dayOff % Math.max(1, detectDays)) * DAY + hour * HOUR
  const addScenario = (s: Scenario, run: (from: number, to: number, r: Rng, emit: Emit) => void) => {
    scenarios.push(s)
    attacks.push((from, to, r, emit) => {
      if (s.endMs < from || s.startMs >= to) return
      run(Math.max(from, s.startMs), Math.min(to, s.endMs + 1), r, emit)
    })
  }
  const inSpan = (ts: number[], from: number, to: number) => ts.filter((t) => t >= from && t < to)
  const pickApp = (k: number, pred: (a: App) => boolean = () => true) => apps.filter(pred)[k] ?? (apps[k] as App)
  const allNs = teams.flatMap((t) => t.namespaces)
  if (opts.attacks !== false && detectDays > 0) {
    // 1. A stolen service-account token used from outside: curl from a public address.
    const victim = pickApp(3, (a) => a.readsPerHour > 0 && a.ns.endsWith('-prod'))
    const thief: Actor = { ...victim.actor, ua: 'curl/8.11.1', ip: () => '45.155.205.17' }
    const s1 = at(0, 2.3)
    addScenario(
      {
        id: 'stolen-token',
        title: `${victim.sa} token used from curl off-cluster`,
        principals: [victim.sa],
        startMs: s1,
        endMs: s1 + 20 * MIN,
        expect: ['new-source-network', 'new-user-agent']
      },
      (from, to, r, emit) => {
        for (const t of inSpan([s1, s1 + 40_000, s1 + 95_000, s1 + 8 * MIN, s1 + 20 * MIN], from, to))
          emit(t, thief, t === s1 + 40_000 ? 'list' : 'get', {
            resource: 'secrets',
            ns: victim.ns,
            ...(t === s1 + 40_000 ? {} : { name: r.pick(victim.secrets) })
          })
      }
    )
    // 2. Enumeration of every namespace's secrets from inside a compromised pod.
    const enumr = pickApp(10, (a) => a.readsPerHour > 0)
    const s2 = at(1, 14.2)
    addScenario(
      {
        id: 'enumeration',
        title: `${enumr.sa} lists the secrets of every namespace`,
        principals: [enumr.sa],
        startMs: s2,
        endMs: s2 + allNs.length * 3000,
        expect: ['secret-enumeration', 'first-seen-namespace']
      },
      (from, to, _r, emit) => {
        allNs.forEach((ns, k) => {
          const t = s2 + k * 3000
          if (t >= from && t < to) emit(t, enumr.actor, 'list', { resource: 'secrets', ns })
        })
      }
    )
    // 3. Slow harvesting: a CI deployer's token reads one distinct secret every ~12 minutes for 8 hours, in its own namespaces.
    const slowTeam = teams[2 % teamCount] as Team
    const harvest = slowTeam.apps.flatMap((a) => a.secrets.map((s) => `${a.ns}/${s}`)).slice(0, 40)
    const s3 = at(2, 1)
    addScenario(
      {
        id: 'slow-harvest',
        title: `${slowTeam.deployer.username} reads ${harvest.length} secrets, one every ~12 min`,
        principals: [slowTeam.deployer.username],
        startMs: s3,
        endMs: s3 + harvest.length * 12 * MIN,
        expect: ['slow-secret-harvest', 'first-seen-secret']
      },
      (from, to, r, emit) => {
        harvest.forEach((item, k) => {
          const t = s3 + k * 12 * MIN + r.int(60_000)
          const [ns, name] = item.split('/') as [string, string]
          if (t >= from && t < to) emit(t, slowTeam.deployer, 'get', { resource: 'secrets', ns, name })
        })
      }
    )
    // 4. A principal never seen before reads prod secrets.
    const fresh = sa('default', 'debug-tools', 'OpenAPI-Generator/31.0.0/python', 5 % nodeCount)
    const s4 = at(1, 3.5)
    const prod = allNs.filter((n) => n.endsWith('-prod')).slice(0, 4)
    addScenario(
      {
        id: 'new-principal-prod',
        title: `new ${fresh.username} reads secrets in ${prod.length} prod namespaces`,
        principals: [fresh.username],
        startMs: s4,
        endMs: s4 + 15 * MIN,
        expect: ['first-seen-namespace']
      },
      (from, to, _r, emit) => {
        prod.forEach((ns, k) => {
          const t = s4 + k * 3 * MIN
          if (t >= from && t < to) emit(t, fresh, 'get', { resource: 'secrets', ns, name: `${ns.replace(/-prod$/, '')}-db` })
        })
      }
    )
    // Its pod started half a minute before it reads: the kubelet minted the pod's token (before the scenario's span).
    attacks.push((from, to, _r, emit) => {
      const tMint = s4 - 30_000
      if (tMint >= from && tMint < to)
        emit(
          tMint,
          kubelets[5 % nodeCount] as Actor,
          'create',
          { resource: 'serviceaccounts', ns: 'default', name: 'debug-tools', sub: 'token' },
          { code: 201 }
        )
    })
    // 5. Denied-read burst: an app probing other namespaces' secrets, all forbidden.
    const prober = pickApp(20)
    const s5 = at(0, 11)
    addScenario(
      {
        id: 'denied-burst',
        title: `${prober.sa} gets 30 forbidden secrets in 3 minutes`,
        principals: [prober.sa],
        startMs: s5,
        endMs: s5 + 30 * 6000,
        expect: ['denied-secret-reads']
      },
      (from, to, _r, emit) => {
        for (let k = 0; k < 30; k++) {
          const t = s5 + k * 6000
          const ns = allNs[k % allNs.length] as string
          if (t >= from && t < to) emit(t, prober.actor, 'get', { resource: 'secrets', ns, name: 'db' }, { code: 403 })
        }
      }
    )
    // 6. Anonymous access to secrets from outside.
    const anon: Actor = { username: 'system:anonymous', uid: '', groups: ['system:unauthenticated'], ua: 'python-requests/2.32.3', ip: () => '45.155.205.99' }
    const s6 = at(2, 4)
    addScenario(
      {
        id: 'anonymous',
        title: 'system:anonymous lists and gets secrets',
        principals: ['system:anonymous'],
        startMs: s6,
        endMs: s6 + 2 * MIN,
        expect: ['anonymous-secret-access']
      },
      (from, to, _r, emit) => {
        for (const [k, ns] of ['kube-system', 'default', 'payments-prod'].entries()) {
          const t = s6 + k * 40_000
          if (t >= from && t < to) emit(t, anon, k === 0 ? 'list' : 'get', { resource: 'secrets', ns, ...(k === 0 ? {} : { name: 'db' }) }, { code: 403 })
        }
      }
    )
    // 7. Exec into a pod that mounts secrets, by a developer who never execs; the pod was created during the stream.
    const execApp = pickApp(5, (a) => a.mountsSecrets && a.ns.endsWith('-prod'))
    const execer = people.find((p) => p.role === 'dev' && p.joinsAt === start) ?? (people[0] as Person)
    const s7 = at(3, 15.5)
    const execPod = `${execApp.sa.split(':')[3]}-exec-target`
    addScenario(
      {
        id: 'pod-exec',
        title: `${execer.actor.username} execs into ${execApp.ns}/${execPod} (mounts secrets)`,
        principals: [execer.actor.username],
        startMs: s7,
        endMs: s7 + 10 * MIN,
        expect: ['pod-exec']
      },
      (from, to, _r, emit) => {
        if (s7 >= from && s7 < to)
          emit(
            s7,
            execer.actor,
            'create',
            { resource: 'pods', ns: execApp.ns, name: execPod, sub: 'exec', query: 'command=sh&container=app&stdin=true&stdout=true&tty=true' },
            { code: 101, watchMs: 10 * MIN, level: 'Request' }
          )
      }
    )
    // The pod it execs into was rolled out two hours before: its create (RequestResponse) says it mounts secrets.
    const tCreate = s7 - 2 * HOUR
    attacks.push((from, to, _r, emit) => {
      const rs = controllers.find((c) => c.username.endsWith(':replicaset-controller')) as Actor
      if (tCreate >= from && tCreate < to) emitPodCreate(emit, tCreate, rs, execApp, execPod)
    })
    // 8. Token request and RBAC escalation, then reads: a developer's credential binds cluster-admin to a new service account, mints its token, and the account reads secrets.
    const escal = people.find((p) => p.role === 'dev' && p !== execer && p.joinsAt === start) ?? (people[1] as Person)
    const backdoor = sa('kube-system', 'metrics-helper', 'curl/8.11.1', 7 % nodeCount)
    backdoor.ip = () => '45.155.205.17'
    const s8 = at(2, 22)
    addScenario(
      {
        id: 'rbac-escalation',
        title: `${escal.actor.username} binds cluster-admin to ${backdoor.username}, requests its token; it reads secrets`,
        principals: [escal.actor.username, backdoor.username],
        startMs: s8,
        endMs: s8 + 30 * MIN,
        expect: ['rbac-secret-grant', 'token-request', 'secret-read-after-grant']
      },
      (from, to, r, emit) => {
        const steps: Array<[number, () => void]> = [
          [
            s8,
            () =>
              emit(
                s8,
                escal.actor,
                'create',
                { resource: 'serviceaccounts', ns: 'kube-system' },
                {
                  code: 201,
                  level: 'RequestResponse',
                  requestObject: { kind: 'ServiceAccount', apiVersion: 'v1', metadata: { name: 'metrics-helper', namespace: 'kube-system' } }
                }
              )
          ],
          [
            s8 + 30_000,
            () =>
              emit(
                s8 + 30_000,
                escal.actor,
                'create',
                { resource: 'clusterrolebindings', group: 'rbac.authorization.k8s.io' },
                {
                  code: 201,
                  level: 'RequestResponse',
                  requestObject: {
                    kind: 'ClusterRoleBinding',
                    apiVersion: 'rbac.authorization.k8s.io/v1',
                    metadata: { name: 'metrics-helper' },
                    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
                    subjects: [{ kind: 'ServiceAccount', name: 'metrics-helper', namespace: 'kube-system' }]
                  }
                }
              )
          ],
          [
            s8 + 60_000,
            () =>
              emit(s8 + 60_000, escal.actor, 'create', { resource: 'serviceaccounts', ns: 'kube-system', name: 'metrics-helper', sub: 'token' }, { code: 201 })
          ]
        ]
        for (let k = 0; k < 12; k++) {
          const t = s8 + 5 * MIN + k * 2 * MIN
          const ns = allNs[r.int(allNs.length)] as string
          steps.push([t, () => emit(t, backdoor, 'get', { resource: 'secrets', ns, name: `${ns.replace(/-(prod|staging)$/, '')}-db` })])
        }
        for (const [t, f] of steps) if (t >= from && t < to) f()
      }
    )
    // 9. Impersonation: an SRE who never impersonates acts as the argocd controller to read secrets.
    const imp = sres.find((p) => p !== execer && p !== escal) ?? (people[2] as Person)
    const target = operators[2] as Actor
    const s9 = at(3, 2)
    addScenario(
      {
        id: 'impersonation',
        title: `${imp.actor.username} impersonates ${target.username} and reads secrets`,
        principals: [imp.actor.username, target.username],
        startMs: s9,
        endMs: s9 + 10 * MIN,
        expect: ['impersonation']
      },
      (from, to, _r, emit) => {
        for (let k = 0; k < 5; k++) {
          const t = s9 + k * 2 * MIN
          const ns = allNs[k] as string
          if (t >= from && t < to)
            emit(t, imp.actor, 'get', { resource: 'secrets', ns, name: 'db' }, { impersonate: { username: target.username, groups: target.groups } })
        }
      }
    )
  }

  function emitPodCreate(emit: Emit, t: number, by: Actor, app: App, name: string): void {
    const spec = {
      serviceAccountName: app.sa.split(':')[3],
      containers: [
        { name: 'app', image: `registry.corp.example/${app.ns}/app:1.0`, ...(app.mountsSecrets ? { envFrom: [{ secretRef: { name: app.secrets[0] } }] } : {}) }
      ],
      volumes: app.mountsSecrets ? [{ name: 'creds', secret: { secretName: app.secrets[0], defaultMode: 420 } }] : []
    }
    emit(
      t,
      by,
      'create',
      { resource: 'pods', ns: app.ns },
      {
        code: 201,
        level: 'RequestResponse',
        requestObject: { kind: 'Pod', apiVersion: 'v1', metadata: { generateName: `${name.replace(/-[^-]+$/, '')}-`, namespace: app.ns }, spec },
        responseObject: { kind: 'Pod', apiVersion: 'v1', metadata: { name, namespace: app.ns, uid: uuid(rng) }, spec }
      }
    )
  }

  /**
   * The clean cluster's events in [from, to). `more` draws and emits what was added to the simulation later (the CI
   * deployers' pod tokens), from a random stream of its own, so that the rest of the stream stays as it was for a seed.
   */
  function clean(from: number, to: number, r: Rng, emit: Emit, more: { r: Rng; emit: Emit }): void {
    // Controllers: cluster-wide secret watches (re-listed by their reflectors), service-account token secrets, pod creates on deploys.
    for (const c of [kcm, ...controllers, ...operators]) {
      const watchesSecrets =
        c === kcm ||
        operators.includes(c) ||
        ['service-account-controller', 'namespace-controller', 'generic-garbage-collector', 'resourcequota-controller'].some((x) => c.username.endsWith(x))
      for (const t of periodic(r, from, to, (wMin + (wMax - wMin) * r.next()) * MIN, c.uid.charCodeAt(0) * 1000)) {
        if (watchesSecrets)
          emit(
            t,
            c,
            'watch',
            { resource: 'secrets', query: `allowWatchBookmarks=true&resourceVersion=${r.int(1e7)}&timeout=${wMin}m&timeoutSeconds=${wMin * 60}&watch=true` },
            { watchMs: wMin * MIN }
          )
        emit(t + 5, c, 'watch', { resource: 'pods', query: 'allowWatchBookmarks=true&watch=true' }, { watchMs: wMin * MIN })
      }
    }
    // Operators reconcile: external-secrets and cert-manager get and update secrets across namespaces; Argo CD reads its own.
    const [eso, cm, argo] = operators as [Actor, Actor, Actor]
    for (const t of arrivals(r, from, to, 120)) {
      const ns = allNs[r.int(allNs.length)] as string
      emit(t, eso, r.chance(0.5) ? 'get' : 'update', { resource: 'secrets', ns, name: `${ns.split('-')[0]}-synced` })
    }
    for (const t of arrivals(r, from, to, 10)) emit(t, cm, 'get', { resource: 'secrets', ns: allNs[r.int(allNs.length)] as string, name: 'ingress-tls' })
    for (const t of arrivals(r, from, to, 30)) emit(t, argo, 'get', { resource: 'secrets', ns: 'argocd', name: `cluster-${r.int(3)}` })
    // The scheduler binds pods (no secrets).
    for (const t of arrivals(r, from, to, 60, diurnal))
      emit(t, scheduler, 'create', { resource: 'pods', ns: allNs[r.int(allNs.length)] as string, name: `p-${r.int(1e6)}`, sub: 'binding' }, { code: 201 })

    // Kubelets: the secrets their pods mount, name-selected list then watch (re-established every 5–10 min), and pods' tokens (every ~48 min).
    const perNode = new Map<number, App[]>()
    for (const a of apps) {
      const n = a.nodes[0] as number
      const l = perNode.get(n) ?? []
      l.push(a)
      perNode.set(n, l)
    }
    for (const [n, list] of perNode) {
      const k = kubelets[n] as Actor
      for (const a of list) {
        if (a.mountsSecrets) {
          const secret = a.secrets[0] as string
          for (const t of periodic(r, from, to, (kMin + (kMax - kMin) * r.next()) * MIN, a.actor.uid.charCodeAt(1) * 7000))
            emit(
              t,
              k,
              'watch',
              {
                resource: 'secrets',
                ns: a.ns,
                name: secret,
                query: `allowWatchBookmarks=true&fieldSelector=metadata.name%3D${secret}&resourceVersion=${r.int(1e7)}&timeout=${kMin}m&timeoutSeconds=${kMin * 60}&watch=true`
              },
              { watchMs: kMin * MIN }
            )
        }
        for (const t of periodic(r, from, to, 48 * MIN, a.actor.uid.charCodeAt(2) * 9000))
          emit(t, k, 'create', { resource: 'serviceaccounts', ns: a.ns, name: a.sa.split(':')[3] as string, sub: 'token' }, { code: 201 })
      }
    }

    // CI deployers run in a pod too: its kubelet refreshes the pod's token (every ~48 min) whether or not it deploys.
    for (const team of teams)
      for (const t of periodic(more.r, from, to, 48 * MIN, team.deployer.uid.charCodeAt(2) * 9000))
        more.emit(
          t,
          kubelets[team.deployerNode] as Actor,
          'create',
          { resource: 'serviceaccounts', ns: 'ci', name: `deployer-${team.name}`, sub: 'token' },
          { code: 201 }
        )

    // Applications: their own secrets through the API (user-facing ones follow the day), configmaps, some list secrets.
    for (const a of apps) {
      const w = a.userFacing ? (t: number) => 0.3 + 0.7 * diurnal(t) : undefined
      if (a.readsPerHour > 0)
        for (const t of arrivals(r, from, to, a.readsPerHour, w)) emit(t, a.actor, 'get', { resource: 'secrets', ns: a.ns, name: r.pick(a.secrets) })
      if (a.lists)
        for (const t of periodic(r, from, to, 30 * MIN, a.actor.uid.charCodeAt(3) * 5000))
          emit(t, a.actor, 'list', { resource: 'secrets', ns: a.ns, query: 'limit=500' })
      for (const t of arrivals(r, from, to, 0.5)) emit(t, a.actor, 'get', { resource: 'configmaps', ns: a.ns, name: `${a.sa.split(':')[3]}-config` })
    }

    // CI: deploy bursts on weekday working hours: the deployer applies manifests and secrets, new pods start (some on other nodes) and read their secrets.
    const rs = controllers.find((c) => c.username.endsWith(':replicaset-controller')) as Actor
    for (const team of teams)
      for (const t0 of arrivals(r, from, to, team.deploysPerDay / 8, (t) => (isWorkday(t) ? diurnal(t) : 0.01))) {
        const ns = team.namespaces[r.chance(0.6) ? 1 : 0] as string
        const inNs = team.apps.filter((a) => a.ns === ns)
        let t = t0
        // Steps of the burst, each a little after the one before.
        const next = (ms: number) => {
          t += ms
          return t
        }
        for (const a of inNs.slice(0, 6)) {
          const name = a.sa.split(':')[3] as string
          emit(next(800), team.deployer, 'get', { resource: 'secrets', ns, name: a.secrets[0] as string })
          emit(next(300), team.deployer, 'patch', { resource: 'secrets', ns, name: a.secrets[0] as string })
          emit(next(500), team.deployer, 'patch', { resource: 'deployments', group: 'apps', ns, name })
          // Rolled out: the new pod may land on another node (its pod CIDR is the source /24).
          if (r.chance(0.3)) {
            a.nodes[0] = r.int(nodeCount)
            a.nodes[1] = a.nodes[0]
          }
          emitPodCreate(emit, next(2000), rs, a, `${name}-${r.chars('bcdfghjklmnpqrstvwxz2456789', 10)}-${r.chars('bcdfghjklmnpqrstvwxz2456789', 5)}`)
          if (a.readsPerHour > 0) for (const s of a.secrets) emit(next(4000), a.actor, 'get', { resource: 'secrets', ns, name: s })
        }
      }

    // People: working hours, more on weekdays; on-call SREs at night; admins sometimes list secrets cluster-wide.
    const hourOf = (t: number) => new Date(t).getUTCHours()
    for (const p of people) {
      if (to <= p.joinsAt) continue
      const f = Math.max(from, p.joinsAt)
      const rate = p.role === 'dev' ? 1.5 : 3
      for (const t of arrivals(r, f, to, rate, diurnal)) {
        const ns = p.team.namespaces[r.chance(0.5) ? 0 : 1] as string
        const v = r.next()
        if (v < 0.5) emit(t, p.actor, 'list', { resource: 'pods', ns, query: 'limit=500' })
        else if (v < 0.65)
          emit(t, p.actor, 'get', {
            resource: 'secrets',
            ns,
            name: r.pick(
              p.team.apps
                .filter((a) => a.ns === ns)
                .flatMap((a) => a.secrets)
                .concat(['db'])
            )
          })
        else if (v < 0.72) emit(t, p.actor, 'list', { resource: 'secrets', ns, query: 'limit=500' })
        else if (v < 0.95) emit(t, p.actor, 'get', { resource: 'deployments', group: 'apps', ns, name: 'api' })
        else emit(t, p.actor, 'get', { resource: 'pods', ns, name: 'api-0', sub: 'log' })
      }
      // On-call: a page at night, from home.
      if (p.oncall)
        for (const t0 of arrivals(r, f, to, 1 / 24 / sres.length, (t) => (hourOf(t) < 7 || hourOf(t) > 21 ? 1 : 0))) {
          const home: Actor = { ...p.actor, ip: () => p.homeIp }
          for (let k = 0; k < 8; k++)
            emit(t0 + k * 40_000, home, k % 3 === 0 ? 'get' : 'list', {
              resource: k % 3 === 0 ? 'secrets' : 'pods',
              ns: allNs[r.int(allNs.length)] as string,
              ...(k % 3 === 0 ? { name: 'db' } : {})
            })
        }
      if (p.role === 'admin') for (const t of arrivals(r, f, to, 1 / 24 / 2, diurnal)) emit(t, p.actor, 'list', { resource: 'secrets', query: 'limit=500' })
    }
    void admins
  }

  const population = {
    kubelets: nodeCount,
    controllers: controllers.length + 2,
    operators: operators.length,
    applications: apps.length,
    ciDeployers: teams.length,
    people: people.length,
    newHires: people.filter((p) => p.joinsAt > start).length,
    namespaces: allNs.length
  }

  function* events(): Generator<SimEvent> {
    // Hour by hour; a watch's ResponseComplete past the hour is carried into the next one.
    let carry: Array<{ t: number; e: SimEvent }> = []
    for (let from = start; from < end; from += HOUR) {
      const to = from + HOUR
      const chunk: Array<{ t: number; e: SimEvent }> = carry
      const r = createRng((opts.seed ^ Math.floor(from / HOUR)) >>> 0)
      const emit: Emit = (t, a, verb, res, o = {}) => {
        for (const x of build(r, t, a, verb, res, o)) chunk.push(x)
      }
      const r2 = createRng(((opts.seed ^ Math.floor(from / HOUR)) + 0x9e3779b9) >>> 0)
      const emit2: Emit = (t, a, verb, res, o = {}) => {
        for (const x of build(r2, t, a, verb, res, o)) chunk.push(x)
      }
      clean(from, to, r, emit, { r: r2, emit: emit2 })
      for (const run of attacks) run(from, to, r, emit)
      carry = chunk.filter((x) => x.t >= to)
      const now = chunk.filter((x) => x.t < to)
      now.sort((x, y) => x.t - y.t)
      for (const x of now) yield x.e
    }
    carry.sort((x, y) => x.t - y.t)
    for (const x of carry) yield x.e
  }
  return { scenarios, events, population }
}

function reasonOf(a: Actor, verb: string, r: Res): string {
  if (a.username.startsWith('system:node:')) return ''
  if (a.username.startsWith('system:serviceaccount:')) {
    const [, , ns, name] = a.username.split(':')
    return `RBAC: allowed by RoleBinding "${name}/${ns}" of Role "${name}" to ServiceAccount "${name}/${ns}"`
  }
  void verb
  void r
  return a.groups.includes('oidc:cluster-admins')
    ? `RBAC: allowed by ClusterRoleBinding "cluster-admins" of ClusterRole "cluster-admin" to Group "oidc:cluster-admins"`
    : `RBAC: allowed by RoleBinding "developers" of ClusterRole "edit" to Group "${a.groups[0]}"`
}

function build(rng: Rng, t: number, a: Actor, verb: string, r: Res, o: EmitOpts): Array<{ t: number; e: SimEvent }> {
  const code = o.code ?? 200
  const denied = code === 403
  const objectRef: Record<string, string> = { resource: r.resource }
  if (r.ns !== undefined) objectRef.namespace = r.ns
  if (r.name !== undefined) objectRef.name = r.name
  if (r.group !== undefined) objectRef.apiGroup = r.group
  objectRef.apiVersion = r.version ?? 'v1'
  if (r.sub !== undefined) objectRef.subresource = r.sub
  const anonymous = a.username === 'system:anonymous'
  const who = anonymous ? '"system:anonymous"' : `"${a.username}"`
  const what = r.name === undefined || verb === 'list' ? `${r.resource} is forbidden` : `${r.resource} "${r.name}" is forbidden`
  const status = denied
    ? {
        metadata: {},
        status: 'Failure',
        message: `${what}: User ${who} cannot ${verb} resource "${r.resource}" in API group "${r.group ?? ''}"${r.ns === undefined ? ' at the cluster scope' : ` in the namespace "${r.ns}"`}`,
        reason: 'Forbidden',
        details: { ...(r.name === undefined ? {} : { name: r.name }), kind: r.resource },
        code: 403
      }
    : { metadata: {}, code }
  const received = t - 1 - (t % 3)
  const base = {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: o.level ?? 'Metadata',
    auditID: uuid(rng),
    requestURI: uri(r, verb),
    verb,
    user: {
      username: a.username,
      ...(a.uid === '' ? {} : { uid: a.uid }),
      groups: a.groups,
      ...(a.extra === undefined ? {} : { extra: a.extra })
    },
    ...(o.impersonate === undefined ? {} : { impersonatedUser: o.impersonate }),
    sourceIPs: [a.ip()],
    userAgent: a.ua,
    objectRef,
    ...(o.requestObject === undefined ? {} : { requestObject: o.requestObject }),
    requestReceivedTimestamp: iso(received),
    annotations: {
      'authorization.k8s.io/decision': denied ? 'forbid' : 'allow',
      'authorization.k8s.io/reason': denied ? '' : (o.reason ?? reasonOf(a, verb, r))
    }
  }
  if (o.watchMs !== undefined) {
    const started = { ...base, stage: 'ResponseStarted', responseStatus: { metadata: {}, code: code === 200 ? 200 : code }, stageTimestamp: iso(t) }
    const done = { ...base, stage: 'ResponseComplete', responseStatus: { metadata: {}, code: code === 200 ? 200 : code }, stageTimestamp: iso(t + o.watchMs) }
    return [
      { t, e: started as SimEvent },
      { t: t + o.watchMs, e: done as SimEvent }
    ]
  }
  const done = t + 1 + (t % 7)
  const e = {
    ...base,
    stage: 'ResponseComplete',
    responseStatus: status,
    ...(o.responseObject === undefined ? {} : { responseObject: o.responseObject }),
    stageTimestamp: iso(done)
  }
  return [{ t: done, e: e as SimEvent }]
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      principals: { type: 'string', default: '2000' },
      days: { type: 'string', default: '7' },
      learn: { type: 'string', default: '3' },
      seed: { type: 'string', default: '1' },
      clean: { type: 'boolean', default: false },
      scenarios: { type: 'boolean', default: false }
    }
  })
  const sim = simulateAudit({
    seed: Number(values.seed),
    principals: Number(values.principals),
    days: Number(values.days),
    learnDays: Number(values.learn),
    attacks: values.clean !== true
  })
  if (values.scenarios === true) process.stdout.write(`${JSON.stringify({ population: sim.population, scenarios: sim.scenarios }, null, 2)}\n`)
  else {
    let buf = ''
    for (const e of sim.events()) {
      buf += `${JSON.stringify(e)}\n`
      if (buf.length > 1 << 20) {
        if (!process.stdout.write(buf)) await new Promise((r) => process.stdout.once('drain', r))
        buf = ''
      }
    }
    process.stdout.write(buf)
  }
}
