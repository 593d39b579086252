// The access rules, each on a seeded stream with the anomaly injected (it must
// be reported, naming the principal) and without it, or with the legitimate
// look-alike (it must not): the controller-manager listing every secret is
// normal, a new service account doing it is not.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { AuditEvent } from '../../../detectors/access/audit-event.ts'
import { accessConfigSchema } from '../../../detectors/access/config.ts'
import type { AccessFinding } from '../../../detectors/access/detector.ts'
import { createAccessDetector } from '../../../detectors/access/detector.ts'
import { classify, sourceNetwork, userAgentFamily } from '../../../detectors/access/principal.ts'
import type { AccessStore } from '../../../detectors/access/store.ts'
import { createMemoryAccessStore } from '../../../detectors/access/store.ts'
import { parse } from '../../../pipeline/schema.ts'
import { seededRng } from '../../support/seed.ts'
import type { Req } from './stream.ts'
import { background, H, M, makeEvents, T0 } from './stream.ts'

const DAYS = 4
const LEARN_UNTIL = T0 + 3 * 24 * H
const AFTER = LEARN_UNTIL + 6 * H

function config(extra: Record<string, unknown> = {}) {
  return parse(accessConfigSchema, { enabled: true, controllers: ['system:serviceaccount:external-secrets:*'], ...extra }, 'LW_ERR_CONFIG_INVALID', 'access')
}

async function analyze(
  events: AuditEvent[],
  o: { extra?: Record<string, unknown>; store?: AccessStore; emit?: 'open' | 'close' } = {}
): Promise<AccessFinding[]> {
  const d = createAccessDetector(config(o.extra), { store: o.store ?? createMemoryAccessStore(), emit: o.emit ?? 'close', learnUntilMs: LEARN_UNTIL })
  const out: AccessFinding[] = []
  const sorted = [...events].sort((a, b) => Date.parse(a.stageTimestamp ?? '') - Date.parse(b.stageTimestamp ?? ''))
  for (let i = 0; i < sorted.length; i += 500) out.push(...(await d.process(sorted.slice(i, i + 500))))
  out.push(...(await d.flush()))
  return out
}

/** Background plus injected requests; the stream's generator is seeded per test label. */
function stream(label: string, inject: (ev: (r: Req) => AuditEvent) => AuditEvent[], days = DAYS): AuditEvent[] {
  const rng = seededRng(label)
  const ev = makeEvents(rng)
  return [...background(rng, ev, days), ...inject(ev)]
}

const rules = (fs: AccessFinding[], principal?: string) => fs.filter((f) => principal === undefined || f.principal === principal).map((f) => f.rule)

test('the background alone (controllers, kubelets, an app, an operator) gives no finding', async () => {
  const fs = await analyze(stream('clean', () => []))
  assert.deepEqual(
    fs.map((f) => `${f.rule} ${f.principal}`),
    []
  )
})

test('cluster-wide list of secrets: the controller-manager is normal, a new service account is reported', async () => {
  const sa = 'system:serviceaccount:ci:deployer'
  const fs = await analyze(
    stream('cluster-list', (ev) => [
      ev({ t: AFTER, user: sa, verb: 'list', resource: 'secrets', ua: 'kubectl/v1.36.0 (linux/amd64) kubernetes/abc', ip: '10.244.3.9' }),
      ev({ t: AFTER + M, user: 'system:kube-controller-manager', verb: 'list', resource: 'secrets', ip: '10.0.0.10', ua: 'kube-controller-manager/v1.36.3' })
    ])
  )
  const f = fs.find((x) => x.rule === 'access-cluster-wide-secret-list')
  assert.ok(f, JSON.stringify(rules(fs)))
  assert.equal(f.principal, sa)
  assert.equal(f.serviceAccount, 'ci/deployer')
  assert.equal(f.severity, 'high')
  assert.equal(f.namespace, undefined)
  assert.equal(f.auditIDs.length, 1)
  assert.equal(f.firstSeen, new Date(AFTER).toISOString())
  assert.deepEqual(rules(fs, 'system:kube-controller-manager'), [])
})

test('secret-read rate far above the hourly baseline is reported with the baseline; a normal hour is not', async () => {
  const sa = 'system:serviceaccount:shop:api'
  const burst = (n: number) => (ev: (r: Req) => AuditEvent) =>
    Array.from({ length: n }, (_, i) =>
      ev({ t: AFTER + 30 * M + i * 1000, user: sa, verb: 'get', resource: 'secrets', ns: 'shop', name: 'db', ip: '10.244.1.17' })
    )
  const fs = await analyze(stream('rate', burst(300)))
  const f = fs.find((x) => x.rule === 'access-secret-read-rate')
  assert.ok(f, JSON.stringify(rules(fs)))
  assert.equal(f.principal, sa)
  assert.ok(f.score >= 6, String(f.score))
  assert.ok(typeof f.baseline.meanPerHour === 'number' && f.baseline.meanPerHour > 1 && f.baseline.meanPerHour < 8, JSON.stringify(f.baseline))
  assert.ok(f.evidence.count >= 50)
  // Three days give each hour of the day three samples: below minBaselineMs, so the all-hours baseline is used…
  assert.equal(f.baseline.bucket, 'all')
  // …unless three hours are enough: then the hour of the day's own.
  const seasonal = (await analyze(stream('rate', burst(300)), { extra: { rate: { minBaselineMs: 3 * H } } })).find((x) => x.rule === 'access-secret-read-rate')
  assert.equal(seasonal?.baseline.bucket, String(new Date(AFTER + 30 * M).getUTCHours()))
  assert.deepEqual(rules(await analyze(stream('rate', burst(4))), sa), [])
})

test('first seen alone is weak: silent by default, low with weakSignals: low', async () => {
  const sa = 'system:serviceaccount:shop:api'
  const s = stream('first-seen', (ev) => [
    ev({ t: AFTER, user: sa, verb: 'get', resource: 'secrets', ns: 'payments', name: 'stripe', ip: '10.244.1.17' }),
    ev({ t: AFTER + 2 * H, user: sa, verb: 'get', resource: 'secrets', ns: 'shop', name: 'admin-password', ip: '10.244.1.17' })
  ])
  // An established app, its usual pod network and client, one new read at a time: no second signal.
  assert.deepEqual(rules(await analyze(s)), [])
  const fs = await analyze(s, { extra: { weakSignals: 'low' } })
  const ns = fs.find((x) => x.rule === 'access-first-seen-namespace')
  assert.equal(ns?.namespace, 'payments')
  assert.equal(ns?.severity, 'low')
  assert.equal(ns?.baseline.secondSignals, 'none')
  assert.deepEqual(ns?.evidence.items, ['payments/stripe'])
  const sec = fs.find((x) => x.rule === 'access-first-seen-secret')
  assert.deepEqual(sec?.evidence.items, ['shop/admin-password'])
  assert.deepEqual(rules(fs).sort(), ['access-first-seen-namespace', 'access-first-seen-secret'])
})

test('first seen with a second signal is reported: a burst of new namespaces, a new principal, a new client', async () => {
  const sa = 'system:serviceaccount:shop:api'
  // Three namespaces it never read, 10 minutes apart: breadth, though under the enumeration thresholds.
  const burst = await analyze(
    stream('first-seen-burst', (ev) =>
      ['payments', 'auth', 'data'].map((ns, i) => ev({ t: AFTER + i * 10 * M, user: sa, verb: 'get', resource: 'secrets', ns, name: 'db', ip: '10.244.1.17' }))
    )
  )
  assert.deepEqual(rules(burst, sa), ['access-first-seen-namespace'])
  assert.equal(burst[0]?.namespace, 'data')
  assert.equal(burst[0]?.severity, 'medium')
  assert.equal(burst[0]?.baseline.secondSignals, 'burst:3')
  // A principal never seen before reads another namespace's secret: no history to vouch for it.
  const stranger = 'system:serviceaccount:default:debug-tools'
  const fresh = await analyze(
    stream('first-seen-new', (ev) => [ev({ t: AFTER, user: stranger, verb: 'get', resource: 'secrets', ns: 'payments', name: 'stripe', ua: 'python/3.12' })])
  )
  const f = fresh.find((x) => x.rule === 'access-first-seen-namespace')
  assert.equal(f?.principal, stranger)
  assert.equal(f?.severity, 'medium')
  assert.equal(f?.baseline.secondSignals, 'new-principal')
  // The established app from a new client family in its own pod network: the new agent backs the first read.
  const client = await analyze(
    stream('first-seen-ua', (ev) => [
      ev({ t: AFTER, user: sa, verb: 'get', resource: 'secrets', ns: 'payments', name: 'stripe', ip: '10.244.1.17', ua: 'python-kubernetes/31.0' })
    ]),
    { extra: { clusterNetworks: ['10.0.0.0/8'] } }
  )
  assert.deepEqual(rules(client, sa).sort(), ['access-first-seen-namespace', 'access-new-user-agent'])
  assert.equal(client.find((x) => x.rule === 'access-first-seen-namespace')?.baseline.secondSignals, 'new-user-agent')
})

test('peers: a new hire reading what the team reads is quiet; a stranger reading it is not', async () => {
  const team = ['oidc:payments', 'system:authenticated']
  const marketing = ['oidc:marketing', 'system:authenticated']
  const s = stream('peers', (ev) => {
    const read = (t: number, user: string, groups: string[], name: string, ip: string) =>
      ev({ t, user, groups, verb: 'get', resource: 'secrets', ns: 'payments', name, ip, ua: 'kubectl/v1.36.0' })
    return [
      // Dana (payments team) reads the team's secrets while the detector learns.
      read(T0 + 10 * H, 'dana', team, 'stripe', '203.0.113.5'),
      read(T0 + 11 * H, 'dana', team, 'db', '203.0.113.5'),
      // Erin joins the team after learning: new principal, but her peers read all of these.
      read(AFTER, 'erin', team, 'stripe', '203.0.113.9'),
      read(AFTER + M, 'erin', team, 'db', '203.0.113.9'),
      // Mallory (marketing), also new: nobody in her groups reads payments.
      read(AFTER, 'mallory', marketing, 'stripe', '203.0.113.9'),
      // Nina (marketing too) follows Mallory: a reported read does not vouch for the next member of the group.
      read(AFTER + 5 * M, 'nina', marketing, 'stripe', '203.0.113.9')
    ]
  })
  const fs = await analyze(s)
  assert.deepEqual(rules(fs, 'erin'), [])
  assert.deepEqual(rules(fs, 'mallory'), ['access-first-seen-namespace'])
  assert.deepEqual(rules(fs, 'nina'), ['access-first-seen-namespace'])
  assert.equal(fs.find((f) => f.principal === 'mallory')?.baseline.peersRead, 'no')
  // Without the peer model, Erin's first namespace has its second signal (she is new) and is reported.
  assert.deepEqual(rules(await analyze(s, { extra: { firstSeen: { peerGroups: false } } }), 'erin'), ['access-first-seen-namespace'])
  // The group everyone is in does not make peers.
  const everyone = await analyze(s, { extra: { firstSeen: { ignoreGroups: ['system:authenticated', 'oidc:payments'] } } })
  assert.deepEqual(rules(everyone, 'erin'), ['access-first-seen-namespace'])
  // Being new is a stranger's first hour, not forever: a day later her own history is her baseline.
  const later = stream('peers-later', (ev) => [
    ev({ t: AFTER, user: 'erin', groups: team, verb: 'get', resource: 'configmaps', ns: 'payments', name: 'x', ip: '203.0.113.9', ua: 'kubectl/v1.36.0' }),
    ev({
      t: AFTER + 24 * H,
      user: 'erin',
      groups: team,
      verb: 'get',
      resource: 'secrets',
      ns: 'payments',
      name: 'stripe',
      ip: '203.0.113.9',
      ua: 'kubectl/v1.36.0'
    })
  ])
  assert.deepEqual(rules(await analyze(later, { extra: { firstSeen: { peerGroups: false } } }), 'erin'), [])
})

test('a service-account token used by curl from a new network is the stolen-token signal; clusterNetworks makes off-cluster high', async () => {
  const sa = 'system:serviceaccount:shop:api'
  const inject = (ev: (r: Req) => AuditEvent) => [
    ev({ t: AFTER, user: sa, verb: 'get', resource: 'secrets', ns: 'shop', name: 'db', ip: '203.0.113.7', ua: 'curl/8.5.0' })
  ]
  const fs = await analyze(stream('stolen', inject), { extra: { clusterNetworks: ['10.0.0.0/8'] } })
  assert.deepEqual(rules(fs, sa).sort(), ['access-new-source-network', 'access-new-user-agent'])
  for (const f of fs) assert.equal(f.severity, 'high')
  assert.deepEqual(fs.find((f) => f.rule === 'access-new-source-network')?.evidence.items, ['203.0.113.0/24'])
  // The same token from its usual pod network and client: nothing.
  const same = (ev: (r: Req) => AuditEvent) => [ev({ t: AFTER, user: sa, verb: 'get', resource: 'secrets', ns: 'shop', name: 'db', ip: '10.244.1.99' })]
  assert.deepEqual(await analyze(stream('stolen', same), { extra: { clusterNetworks: ['10.0.0.0/8'] } }), [])
})

test('enumeration: many namespaces in minutes is reported; a kubelet reading its pods’ secrets is not', async () => {
  const user = 'alice'
  const nss = Array.from({ length: 12 }, (_, i) => `team-${i}`)
  const fs = await analyze(
    stream('enum', (ev) => [
      ev({ t: T0 + H, user, verb: 'get', resource: 'secrets', ns: 'team-0', name: 'x', ua: 'kubectl/v1.36.0' }),
      ...nss.map((ns, i) => ev({ t: AFTER + i * 5000, user, verb: 'list', resource: 'secrets', ns, ua: 'kubectl/v1.36.0' })),
      ...Array.from({ length: 60 }, (_, i) =>
        ev({
          t: AFTER + i * 5000,
          user: 'system:node:node-1',
          verb: 'get',
          resource: 'secrets',
          ns: `team-${i % 12}`,
          name: `s${i}`,
          ip: '10.0.0.21',
          ua: 'kubelet/v1.36.3'
        })
      )
    ])
  )
  const f = fs.find((x) => x.rule === 'access-secret-enumeration')
  assert.ok(f, JSON.stringify(rules(fs)))
  assert.equal(f.principal, user)
  assert.equal(f.severity, 'high')
  assert.ok((f.evidence.distinctNamespaces ?? 0) >= 5)
  assert.deepEqual(rules(fs, 'system:node:node-1'), [])
})

test('slow harvest: one new secret every 15 minutes for 6 hours stays under the enumeration window but is reported', async () => {
  const sa = 'system:serviceaccount:shop:api'
  const fs = await analyze(
    stream('slow', (ev) =>
      Array.from({ length: 24 }, (_, i) =>
        ev({ t: AFTER + i * 15 * M, user: sa, verb: 'get', resource: 'secrets', ns: 'shop', name: `s-${i}`, ip: '10.244.1.17' })
      )
    ),
    { extra: { rules: { 'first-seen-secret': false } } }
  )
  assert.deepEqual(rules(fs, sa), ['access-slow-secret-harvest'])
  assert.equal(fs[0]?.severity, 'medium')
  assert.ok((fs[0]?.evidence.distinctSecrets ?? 0) >= 15)
})

test('a harvest is one finding: reading its secrets again after it went quiet opens no second episode', async () => {
  // Not a principal of the background: its routine reads would keep the first episode open across the gap.
  const sa = 'system:serviceaccount:shop:reporter'
  const fs = await analyze(
    stream('slow-again', (ev) => [
      ...Array.from({ length: 24 }, (_, i) =>
        ev({ t: AFTER + i * 15 * M, user: sa, verb: 'get', resource: 'secrets', ns: 'shop', name: `s-${i}`, ip: '10.244.1.17' })
      ),
      // Past the episode gap, while the slow window still holds the harvested secrets: the same secrets, read again.
      ...Array.from({ length: 4 }, (_, i) =>
        ev({ t: AFTER + 7 * H + i * 20 * M, user: sa, verb: 'get', resource: 'secrets', ns: 'shop', name: `s-${20 + i}`, ip: '10.244.1.17' })
      )
    ]),
    { extra: { rules: { 'first-seen-secret': false } } }
  )
  assert.deepEqual(rules(fs, sa), ['access-slow-secret-harvest'])
})

test('denied bursts are reported; a few denials are not', async () => {
  const sa = 'system:serviceaccount:shop:api'
  const denied = (n: number) => (ev: (r: Req) => AuditEvent) =>
    Array.from({ length: n }, (_, i) => ev({ t: AFTER + i * 3000, user: sa, verb: 'get', resource: 'secrets', ns: 'payments', name: `p${i}`, code: 403 }))
  const fs = await analyze(stream('denied', denied(15)))
  assert.deepEqual(rules(fs, sa), ['access-denied-secret-reads'])
  assert.equal(fs[0]?.evidence.count, 15)
  assert.deepEqual(await analyze(stream('denied', denied(3))), [])
})

test('anonymous access to secrets is critical when allowed, even during learning', async () => {
  const fs = await analyze(
    stream('anon', (ev) => [ev({ t: T0 + 5 * H, user: 'system:anonymous', verb: 'list', resource: 'secrets', ns: 'kube-system', ua: 'curl/8.5.0' })])
  )
  assert.deepEqual(rules(fs), ['access-anonymous-secret-access'])
  assert.equal(fs[0]?.severity, 'critical')
  assert.equal(fs[0]?.principalKind, 'anonymous')
})

test('token requests and exec by principals that do not normally do them; kubelets mint tokens all day', async () => {
  const pod = {
    kind: 'Pod',
    metadata: { name: 'api-1', namespace: 'shop' },
    spec: { volumes: [{ name: 'db', secret: { secretName: 'db' } }], containers: [{ name: 'c' }] }
  }
  const fs = await analyze(
    stream('ops', (ev) => [
      ev({
        t: T0 + H,
        user: 'system:serviceaccount:kube-system:replicaset-controller',
        verb: 'create',
        resource: 'pods',
        ns: 'shop',
        requestObject: pod,
        responseObject: pod
      }),
      ev({
        t: AFTER,
        user: 'system:node:node-1',
        verb: 'create',
        resource: 'serviceaccounts',
        ns: 'shop',
        name: 'api',
        sub: 'token',
        ip: '10.0.0.21',
        ua: 'kubelet/v1.36.3'
      }),
      ev({ t: AFTER, user: 'bob', verb: 'create', resource: 'serviceaccounts', ns: 'shop', name: 'api', sub: 'token', ua: 'kubectl/v1.36.0' }),
      ev({
        t: AFTER + M,
        user: 'bob',
        verb: 'create',
        resource: 'pods',
        ns: 'shop',
        name: 'api-1',
        sub: 'exec',
        code: 101,
        stage: 'ResponseStarted',
        ua: 'kubectl/v1.36.0'
      }),
      ev({ t: AFTER + M, user: 'bob', verb: 'create', resource: 'pods', ns: 'shop', name: 'api-1', sub: 'exec', code: 101, ua: 'kubectl/v1.36.0' })
    ])
  )
  assert.deepEqual(rules(fs, 'system:node:node-1'), [])
  const bob = fs.filter((f) => f.principal === 'bob')
  assert.deepEqual(bob.map((f) => f.rule).sort(), ['access-pod-exec', 'access-token-request'])
  const exec = bob.find((f) => f.rule === 'access-pod-exec')
  assert.equal(exec?.severity, 'high', 'the pod mounts a secret')
  assert.equal(exec?.evidence.count, 1, 'ResponseStarted and ResponseComplete of one exec count once')
})

test('impersonation: attributed to the real and the impersonated user', async () => {
  const sa = 'system:serviceaccount:payments:billing'
  const fs = await analyze(
    stream('imp', (ev) => [
      ev({
        t: AFTER,
        user: 'carol',
        verb: 'get',
        resource: 'secrets',
        ns: 'shop',
        name: 'db',
        imp: { username: sa, groups: ['system:serviceaccounts'] },
        ua: 'kubectl/v1.36.0'
      })
    ])
  )
  const carol = fs.find((f) => f.principal === 'carol' && f.rule === 'access-impersonation')
  assert.equal(carol?.impersonatedUser, sa)
  const asSa = fs.find((f) => f.principal === sa && f.rule === 'access-first-seen-namespace')
  assert.ok(asSa, JSON.stringify(fs.map((f) => `${f.rule} ${f.principal}`)))
  assert.equal(asSa.user, 'carol')
  assert.equal(asSa.impersonatedUser, sa)
})

test('an RBAC change granting secrets, then reads by the grantee', async () => {
  const sa = 'system:serviceaccount:ci:runner'
  const role = { kind: 'ClusterRole', metadata: { name: 'read-secrets' }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list'] }] }
  const binding = {
    kind: 'ClusterRoleBinding',
    metadata: { name: 'runner-secrets' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'read-secrets' },
    subjects: [{ kind: 'ServiceAccount', name: 'runner', namespace: 'ci' }]
  }
  const rbac = 'rbac.authorization.k8s.io'
  const fs = await analyze(
    stream('rbac', (ev) => [
      ev({ t: T0 + H, user: sa, verb: 'get', resource: 'configmaps', ns: 'ci', name: 'x' }),
      ev({ t: AFTER, user: 'mallory', verb: 'create', resource: 'clusterroles', apiGroup: rbac, name: 'read-secrets', requestObject: role }),
      ev({ t: AFTER + M, user: 'mallory', verb: 'create', resource: 'clusterrolebindings', apiGroup: rbac, name: 'runner-secrets', requestObject: binding }),
      ev({ t: AFTER + 10 * M, user: sa, verb: 'get', resource: 'secrets', ns: 'payments', name: 'stripe' })
    ]),
    { extra: { rules: { 'first-seen-namespace': false, 'first-seen-secret': false } } }
  )
  assert.deepEqual(rules(fs, 'mallory'), ['access-rbac-secret-grant'])
  const read = fs.find((f) => f.rule === 'access-secret-read-after-grant')
  assert.equal(read?.principal, sa)
  assert.equal(read?.baseline.binding, 'ClusterRoleBinding:runner-secrets')
  assert.equal(read?.baseline.grantedBy, 'mallory')
})

test('switches and allowlists: a rule switched off or an allowlisted principal reports nothing', async () => {
  const sa = 'system:serviceaccount:ci:deployer'
  const s = stream('switch', (ev) => [ev({ t: AFTER, user: sa, verb: 'list', resource: 'secrets' })])
  assert.deepEqual(await analyze(s, { extra: { rules: { 'cluster-wide-secret-list': false, 'new-source-network': false, 'new-user-agent': false } } }), [])
  assert.deepEqual(await analyze(s, { extra: { allow: { principals: ['system:serviceaccount:ci:*'] } } }), [])
  assert.deepEqual(await analyze(s, { extra: { allow: { groups: ['system:serviceaccounts:ci'] } } }), [])
})

test('replay is deterministic, and open mode reports when the anomaly starts', async () => {
  const s = stream('replay', (ev) =>
    Array.from({ length: 15 }, (_, i) => ev({ t: AFTER + i * 1000, user: 'eve', verb: 'get', resource: 'secrets', ns: 'shop', name: `x${i}`, code: 403 }))
  )
  const a = await analyze(s)
  const b = await analyze(s)
  assert.deepEqual(a, b)
  const open = await analyze(s, { emit: 'open' })
  assert.equal(open[0]?.id, a[0]?.id)
  assert.equal(open[0]?.lastSeen, open[0]?.firstSeen, 'reported at the 10th denial, not at the end')
})

test('a new detector on the same store keeps the baseline (restart)', async () => {
  const store = createMemoryAccessStore()
  const rng = seededRng('restart')
  const ev = makeEvents(rng)
  const learnt = background(rng, ev, 3)
  const d1 = createAccessDetector(config(), { store, emit: 'close', learnUntilMs: LEARN_UNTIL })
  for (let i = 0; i < learnt.length; i += 500) await d1.process(learnt.slice(i, i + 500))
  await d1.flush()
  // A fresh instance: the cluster-wide list by the controller-manager and the app's usual read stay quiet; a first-seen namespace is still new.
  const d2 = createAccessDetector(config({ weakSignals: 'low' }), { store, emit: 'close', learnUntilMs: LEARN_UNTIL })
  await d2.process([
    ev({ t: AFTER, user: 'system:kube-controller-manager', verb: 'list', resource: 'secrets', ip: '10.0.0.10', ua: 'kube-controller-manager/v1.36.3' }),
    ev({ t: AFTER, user: 'system:serviceaccount:shop:api', verb: 'get', resource: 'secrets', ns: 'shop', name: 'db' }),
    ev({ t: AFTER + M, user: 'system:serviceaccount:shop:api', verb: 'get', resource: 'secrets', ns: 'auth', name: 'jwt' })
  ])
  assert.deepEqual(rules(await d2.flush()), ['access-first-seen-namespace'])
})

test('no finding carries a request or response body (Secret values stay out)', async () => {
  const value = seededRng('value').chars('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', 40)
  const secret = {
    kind: 'Secret',
    metadata: { name: 'db', namespace: 'payments' },
    data: { password: Buffer.from(value).toString('base64') },
    stringData: { password: value }
  }
  const fs = await analyze(
    stream('noleak', (ev) =>
      Array.from({ length: 30 }, (_, i) =>
        ev({
          t: AFTER + i * 1000,
          user: 'eve',
          verb: 'get',
          resource: 'secrets',
          ns: 'payments',
          name: 'db',
          requestObject: secret,
          responseObject: secret,
          code: i < 15 ? 403 : 200
        })
      )
    )
  )
  assert.ok(fs.length >= 2)
  const text = JSON.stringify(fs)
  assert.ok(!text.includes(value) && !text.includes(Buffer.from(value).toString('base64')))
})

test('principals, networks and user agents are classified as the control plane uses them', () => {
  assert.equal(classify('system:kube-controller-manager', [], []).kind, 'controller')
  assert.equal(classify('system:serviceaccount:kube-system:namespace-controller', [], []).kind, 'controller')
  assert.equal(classify('system:node:ip-10-0-0-1', ['system:nodes'], []).node, 'ip-10-0-0-1')
  assert.equal(classify('system:serviceaccount:shop:api', [], []).serviceAccount, 'shop/api')
  assert.equal(classify('system:serviceaccount:es:es', [], ['system:serviceaccount:es:*']).kind, 'controller')
  assert.equal(classify('x', ['system:unauthenticated'], []).kind, 'anonymous')
  assert.equal(sourceNetwork('192.168.7.200'), '192.168.7.0/24')
  assert.equal(sourceNetwork('2001:db8:1:2:3:4:5:6'), '2001:db8:1:2::/64')
  assert.equal(sourceNetwork('2001:db8::1'), '2001:db8:0:0::/64')
  assert.equal(sourceNetwork('::ffff:10.1.2.3'), '10.1.2.0/24')
  assert.equal(userAgentFamily('kubectl/v1.31.0 (linux/amd64) kubernetes/abc'), 'kubectl')
  assert.equal(userAgentFamily('Go-http-client/2.0'), 'go-http-client')
  assert.equal(userAgentFamily(undefined), '(none)')
})

test('hostile names are bounded before they become state or evidence', async () => {
  const long = 'n'.repeat(100_000)
  const fs = await analyze(
    stream('hostile', (ev) =>
      Array.from({ length: 12 }, (_, i) =>
        ev({
          t: AFTER + i * 1000,
          user: `u${long}`,
          groups: Array.from({ length: 10_000 }, (_, j) => `g${j}${long}`),
          verb: 'get',
          resource: 'secrets',
          ns: `${i}${long}`,
          name: long,
          code: 403,
          ip: long,
          ua: long
        })
      )
    )
  )
  assert.deepEqual(
    fs.map((f) => f.rule),
    ['access-denied-secret-reads']
  )
  assert.ok(JSON.stringify(fs).length < 20_000, String(JSON.stringify(fs).length))
})

test('a state idle in this replica is saved and dropped, then read again from the store (its partition may have moved)', async () => {
  let now = 0
  const store = createMemoryAccessStore()
  const ev = makeEvents(seededRng('idle'))
  const d = createAccessDetector(config(), { store, emit: 'open', learnUntilMs: LEARN_UNTIL, clock: () => now })
  await d.process([ev({ t: T0, user: 'alice', verb: 'get', resource: 'secrets', ns: 'shop', name: 'db' })])
  assert.equal(d.stats().principals, 1)
  now = 31_000
  await d.process([ev({ t: T0 + M, user: 'bob', verb: 'get', resource: 'secrets', ns: 'shop', name: 'db' })])
  assert.equal(d.stats().principals, 1, 'alice dropped, bob kept')
  // Another replica learnt that alice reads auth: this one sees it after reloading alice.
  const other = createAccessDetector(config(), { store, emit: 'open', learnUntilMs: LEARN_UNTIL })
  await other.process([ev({ t: T0 + 2 * M, user: 'alice', verb: 'get', resource: 'secrets', ns: 'auth', name: 'jwt' })])
  await other.flush()
  const found = await d.process([ev({ t: AFTER, user: 'alice', verb: 'get', resource: 'secrets', ns: 'auth', name: 'jwt' })])
  assert.deepEqual(found, [])
})

test('an update that makes an existing role grant secrets is an RBAC secret grant; creating a role that is not bound is not', async () => {
  const rbac = 'rbac.authorization.k8s.io'
  const role = (resources: string[]) => ({
    kind: 'Role',
    metadata: { name: 'viewer', namespace: 'shop' },
    rules: [{ apiGroups: [''], resources, verbs: ['get'] }]
  })
  const fs = await analyze(
    stream('role-change', (ev) => [
      ev({ t: T0 + H, user: 'ops', verb: 'create', resource: 'roles', apiGroup: rbac, ns: 'shop', name: 'viewer', requestObject: role(['configmaps']) }),
      ev({
        t: AFTER,
        user: 'mallory',
        verb: 'create',
        resource: 'roles',
        apiGroup: rbac,
        ns: 'shop',
        name: 'reader',
        requestObject: { ...role(['secrets']), metadata: { name: 'reader', namespace: 'shop' } }
      }),
      ev({
        t: AFTER + M,
        user: 'mallory',
        verb: 'update',
        resource: 'roles',
        apiGroup: rbac,
        ns: 'shop',
        name: 'viewer',
        requestObject: role(['configmaps', 'secrets'])
      })
    ])
  )
  assert.deepEqual(
    fs.map((f) => `${f.rule} ${f.principal} ${f.evidence.items.join()}`),
    ['access-rbac-secret-grant mallory Role:shop/viewer now grants secrets']
  )
})

test('a workload’s pod moving to another node (a new /24 inside clusterNetworks, same client) is not a stolen token', async () => {
  const sa = 'system:serviceaccount:shop:api'
  const extra = { clusterNetworks: ['10.0.0.0/8'] }
  const moved = stream('moved', (ev) => [ev({ t: AFTER, user: sa, verb: 'get', resource: 'secrets', ns: 'shop', name: 'db', ip: '10.244.9.40' })])
  assert.deepEqual(rules(await analyze(moved, { extra }), sa), [])
  const weak = await analyze(moved, { extra: { ...extra, weakSignals: 'low' } })
  assert.deepEqual(
    weak.map((f) => [f.rule, f.severity, f.baseline.weak]),
    [['access-new-source-network', 'low', 'in-cluster move']]
  )
  // Without clusterNetworks the detector cannot tell a node from the internet: a machine's new network stays medium.
  assert.deepEqual(
    (await analyze(moved)).map((f) => [f.rule, f.severity]),
    [['access-new-source-network', 'medium']]
  )
  // Inside the cluster but a new client family (a shell in the pod): the agent is the signal.
  const shell = stream('moved', (ev) => [
    ev({ t: AFTER, user: sa, verb: 'get', resource: 'secrets', ns: 'shop', name: 'db', ip: '10.244.9.40', ua: 'curl/8.5.0' })
  ])
  const fs = await analyze(shell, { extra })
  assert.deepEqual(fs.map((f) => f.rule).sort(), ['access-new-source-network', 'access-new-user-agent'])
  assert.ok(fs.every((f) => f.severity === 'medium'))
})

test('a person’s new network alone is quiet (people roam); with a new tool it is reported', async () => {
  const user = 'dana'
  const s = (ua: string) =>
    stream('roam', (ev) => [
      ev({ t: T0 + 10 * H, user, verb: 'get', resource: 'configmaps', ns: 'shop', name: 'x', ip: '203.0.113.5', ua: 'kubectl/v1.36.0' }),
      ev({ t: AFTER, user, verb: 'get', resource: 'configmaps', ns: 'shop', name: 'x', ip: '198.51.100.7', ua })
    ])
  assert.deepEqual(rules(await analyze(s('kubectl/v1.36.1')), user), [])
  assert.deepEqual(rules(await analyze(s('kubectl/v1.36.1'), { extra: { weakSignals: 'low' } }), user), ['access-new-source-network'])
  assert.deepEqual(rules(await analyze(s('python-requests/2.32')), user).sort(), ['access-new-source-network', 'access-new-user-agent'])
})

test('cluster-wide list by an admin group member: routine alone, medium the first time with a second signal', async () => {
  const admins = ['oidc:admins', 'system:authenticated']
  const extra = { adminGroups: ['oidc:admins'] }
  const list = (ip: string) =>
    stream('admin-list', (ev) => [
      ev({ t: T0 + 10 * H, user: 'root', groups: admins, verb: 'get', resource: 'namespaces', ip: '203.0.113.5', ua: 'kubectl/v1.36.0' }),
      ev({ t: AFTER, user: 'root', groups: admins, verb: 'list', resource: 'secrets', ip, ua: 'kubectl/v1.36.0' }),
      ev({ t: AFTER + 3 * H, user: 'root', groups: admins, verb: 'list', resource: 'secrets', ip, ua: 'kubectl/v1.36.0' })
    ])
  assert.deepEqual(rules(await analyze(list('203.0.113.5'), { extra }), 'root'), [])
  const low = await analyze(list('203.0.113.5'), { extra: { ...extra, weakSignals: 'low' } })
  assert.deepEqual(
    low.map((f) => [f.rule, f.severity, f.baseline.adminGroup]),
    [['access-cluster-wide-secret-list', 'low', 'oidc:admins']]
  )
  // A new network alone is roaming (no second signal); a new tool is one.
  assert.deepEqual(rules(await analyze(list('45.155.205.17'), { extra }), 'root'), [])
  const tool = stream('admin-list', (ev) => [
    ev({ t: T0 + 10 * H, user: 'root', groups: admins, verb: 'get', resource: 'namespaces', ip: '203.0.113.5', ua: 'kubectl/v1.36.0' }),
    ev({ t: AFTER, user: 'root', groups: admins, verb: 'list', resource: 'secrets', ip: '203.0.113.5', ua: 'python-requests/2.32' })
  ])
  const away = await analyze(tool, { extra })
  assert.deepEqual(
    away.filter((f) => f.rule === 'access-cluster-wide-secret-list').map((f) => [f.severity, f.baseline.secondSignals, f.evidence.count]),
    [['medium', 'new-user-agent', 1]]
  )
  // Not an admin: a person's first cluster-wide list is medium on its own, as before.
  const other = await analyze(list('203.0.113.5'))
  assert.deepEqual(
    other.filter((f) => f.rule === 'access-cluster-wide-secret-list').map((f) => f.severity),
    ['medium']
  )
})

test('exec into a pod created at the Request level (generateName only) still knows the pod mounts secrets', async () => {
  const template = (secret: boolean) => ({
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: { generateName: 'api-7d9f8b6c4-', namespace: 'shop', labels: { app: 'api' } },
    spec: { containers: [{ name: 'app', ...(secret ? { envFrom: [{ secretRef: { name: 'db' } }] } : {}) }] }
  })
  const run = (secret: boolean) =>
    analyze(
      stream('exec-gen', (ev) => [
        // What the ReplicaSet controller's create looks like at `Request`: no objectRef.name, no responseObject.
        ev({
          t: T0 + H,
          user: 'system:serviceaccount:kube-system:replicaset-controller',
          verb: 'create',
          resource: 'pods',
          ns: 'shop',
          requestObject: template(secret)
        }),
        ev({ t: AFTER, user: 'bob', verb: 'create', resource: 'pods', ns: 'shop', name: 'api-7d9f8b6c4-x2k9p', sub: 'exec', code: 101, ua: 'kubectl/v1.36.0' })
      ])
    )
  const mounts = (await run(true)).find((f) => f.rule === 'access-pod-exec')
  assert.equal(mounts?.severity, 'high')
  assert.deepEqual(mounts?.evidence.items, ['shop/api-7d9f8b6c4-x2k9p (mounts secrets)'])
  assert.equal((await run(false)).find((f) => f.rule === 'access-pod-exec')?.severity, 'medium')
})

test('secret-read rate: a peak no higher than the learned busiest hour is not an anomaly, far above it is', async () => {
  const sa = 'system:serviceaccount:shop:api'
  // Every learning day at 14:00 the app reads 60 secrets (a weekday peak); the rest of the day 2-6 an hour.
  const peaks = (ev: (r: Req) => AuditEvent, day: number, n: number) =>
    Array.from({ length: n }, (_, i) =>
      ev({ t: T0 + day * 24 * H + 14 * H + i * 30_000, user: sa, verb: 'get', resource: 'secrets', ns: 'shop', name: 'db', ip: '10.244.1.17' })
    )
  const s = (n: number) => stream('rate-peak', (ev) => [...peaks(ev, 0, 60), ...peaks(ev, 1, 60), ...peaks(ev, 2, 60), ...peaks(ev, 3, n)])
  assert.deepEqual(rules(await analyze(s(88)), sa), [])
  // peakFactor 1 (and a z-score of 2 above the peak) would call the same peak an anomaly against the all-hours baseline.
  assert.deepEqual(rules(await analyze(s(88), { extra: { rate: { peakFactor: 1, zScore: 2 } } }), sa), ['access-secret-read-rate'])
  const f = (await analyze(s(400))).find((x) => x.rule === 'access-secret-read-rate')
  assert.equal(f?.principal, sa)
  assert.ok(typeof f?.baseline.peakPerHour === 'number' && f.baseline.peakPerHour >= 60, JSON.stringify(f?.baseline))
})

test('secret-read rate: the busiest hour keeps learning after learning from unreported hours, not from reported ones', async () => {
  const sa = 'system:serviceaccount:shop:api'
  const peaks = (ev: (r: Req) => AuditEvent, day: number, n: number) =>
    Array.from({ length: n }, (_, i) =>
      ev({
        t: T0 + day * 24 * H + 14 * H + Math.floor((i * H) / (n + 10)),
        user: sa,
        verb: 'get',
        resource: 'secrets',
        ns: 'shop',
        name: 'db',
        ip: '10.244.1.17'
      })
    )
  // Learned peak 200 (days 0-2); day 3's 280 is under 1.5 × 200 and becomes the peak; day 4's 350 is under 1.5 × 280.
  const busier = stream('rate-peak-learns', (ev) => [...[0, 1, 2].flatMap((d) => peaks(ev, d, 200)), ...peaks(ev, 3, 280), ...peaks(ev, 4, 350)], 6)
  assert.deepEqual(rules(await analyze(busier), sa), [])
  // Measured against the learning period's peak alone, day 4 would be an anomaly.
  const day4 = stream('rate-peak-learns', (ev) => [...[0, 1, 2].flatMap((d) => peaks(ev, d, 200)), ...peaks(ev, 4, 350)], 6)
  assert.deepEqual(rules(await analyze(day4), sa), ['access-secret-read-rate'])
  // A reported hour does not raise the bar: the same harvest the next day is reported again.
  const twice = stream('rate-peak-learns', (ev) => [...[0, 1, 2].flatMap((d) => peaks(ev, d, 200)), ...peaks(ev, 3, 1000), ...peaks(ev, 4, 1000)], 6)
  const fs = (await analyze(twice)).filter((f) => f.rule === 'access-secret-read-rate')
  assert.equal(fs.length, 2, JSON.stringify(fs.map((f) => f.firstSeen)))
  assert.ok(Number(fs[1]?.baseline.peakPerHour) < 300, JSON.stringify(fs[1]?.baseline))
})

test('a principal that lists every namespace’s secrets has read them all: its named reads there are not first seen', async () => {
  const extra = { adminGroups: ['oidc:admins'] }
  const page = (user: string, groups: string[], listsAll: boolean) =>
    stream('lists-all', (ev) => [
      ev({ t: T0 + 10 * H, user, groups, verb: 'get', resource: 'secrets', ns: 'shop', name: 'db', ip: '203.0.113.5', ua: 'kubectl/v1.36.0' }),
      ...(listsAll ? [ev({ t: T0 + 11 * H, user, groups, verb: 'list', resource: 'secrets', ip: '203.0.113.5', ua: 'kubectl/v1.36.0' })] : []),
      // Paged at night, from home: db secrets of three namespaces it never named, within minutes (a first-seen burst).
      ...['payments', 'auth', 'data'].map((ns, i) =>
        ev({ t: AFTER + 20 * H + i * 2 * M, user, groups, verb: 'get', resource: 'secrets', ns, name: 'db', ip: '198.51.100.7', ua: 'kubectl/v1.36.0' })
      )
    ])
  const admin = ['oidc:admins', 'oidc:shop', 'system:authenticated']
  assert.deepEqual(rules(await analyze(page('root', admin, true), { extra }), 'root'), [])
  // The same reads by one who never listed them all are a burst of namespaces new to it: reported.
  const sre = ['oidc:sre', 'oidc:shop', 'system:authenticated']
  const fs = await analyze(page('sam', sre, false), { extra })
  assert.deepEqual(
    fs.filter((f) => f.principal === 'sam').map((f) => [f.rule, f.severity, f.baseline.secondSignals]),
    [['access-first-seen-namespace', 'medium', 'burst:3']]
  )
})

test('a service account is as old as its first issued token: a deployer idle while learning is no stranger, one minted this hour is', async () => {
  const deployer = 'system:serviceaccount:ci:deployer-shop'
  const kubelet = 'system:node:node-7'
  // kubectl from a pod of the cluster: a deployer, not a stolen token.
  const extra = { clusterNetworks: ['10.0.0.0/8'] }
  const mint = (ev: (r: Req) => AuditEvent, t: number) =>
    ev({
      t,
      user: kubelet,
      verb: 'create',
      resource: 'serviceaccounts',
      ns: 'ci',
      name: 'deployer-shop',
      sub: 'token',
      code: 201,
      ip: '10.0.0.27',
      ua: 'kubelet/v1.36.3'
    })
  const deploy = (ev: (r: Req) => AuditEvent) =>
    ev({ t: AFTER, user: deployer, verb: 'get', resource: 'secrets', ns: 'payments', name: 'api-db', ip: '10.244.7.12', ua: 'kubectl/v1.36.0' })
  // Its pod's token refreshed by the kubelet every 48 minutes all week; its first request is after learning.
  const idle = stream('issued', (ev) => [...Array.from({ length: 100 }, (_, i) => mint(ev, T0 + i * 48 * M)), deploy(ev)])
  assert.deepEqual(rules(await analyze(idle, { extra }), deployer), [])
  // No token seen: first seen after learning, it is new (as before).
  const unknown = await analyze(
    stream('issued', (ev) => [deploy(ev)]),
    { extra }
  )
  assert.deepEqual(
    unknown.filter((f) => f.principal === deployer).map((f) => f.baseline.secondSignals),
    ['new-principal']
  )
  // Minted a minute before its first read: a new account, still new.
  const fresh = await analyze(
    stream('issued', (ev) => [mint(ev, AFTER - M), deploy(ev)]),
    { extra }
  )
  assert.deepEqual(
    fresh.filter((f) => f.principal === deployer).map((f) => f.baseline.secondSignals),
    ['new-principal']
  )
  // A token minted after learning but hours before its first read: past its first hour, its own history is its baseline.
  const older = await analyze(
    stream('issued', (ev) => [mint(ev, LEARN_UNTIL + M), deploy(ev)]),
    { extra }
  )
  assert.deepEqual(rules(older, deployer), [])
})

test('slow harvest: secrets new to the principal that no peer read and it does not write count on their own; a deploy that patches what it reads does not', async () => {
  const sa = 'system:serviceaccount:ci:deployer-shop'
  const extra = { clusterNetworks: ['10.0.0.0/8'] }
  const op = (ev: (r: Req) => AuditEvent, t: number, verb: string, name: string) =>
    ev({ t, user: sa, verb, resource: 'secrets', ns: 'shop', name, ip: '10.244.7.12', ua: 'kubectl/v1.36.0' })
  // While learning it deploys twice a day: get then patch of the same 10 secrets (its learned slow peak: 10).
  const deploys = (ev: (r: Req) => AuditEvent) =>
    [0, 1, 2].flatMap((d) =>
      [9, 15].flatMap((h) =>
        Array.from({ length: 10 }, (_, i) => [
          op(ev, T0 + d * 24 * H + h * H + i * 2000, 'get', `app-${i}`),
          op(ev, T0 + d * 24 * H + h * H + i * 2000 + 300, 'patch', `app-${i}`)
        ]).flat()
      )
    )
  // After learning, at night: one secret it never read every 12 minutes, read only.
  const harvest = stream('slow-new', (ev) => [
    ...deploys(ev),
    ...Array.from({ length: 12 }, (_, i) => op(ev, AFTER + 14 * H + i * 12 * M, 'get', `other-${i}`))
  ])
  const fs = (await analyze(harvest, { extra })).filter((f) => f.principal === sa)
  assert.deepEqual(
    fs.map((f) => f.rule),
    ['access-slow-secret-harvest']
  )
  // The 8th new secret (slowMinNewSecrets), 84 minutes in: far below the 21 distinct secrets 2 × its peak of 10 asks for.
  assert.equal(fs[0]?.firstSeen, new Date(AFTER + 14 * H + 7 * 12 * M).toISOString())
  assert.equal(fs[0]?.baseline.peakSecretsPerSlowWindow, 10)
  // A deploy of 12 new secrets, each read then patched: secrets it manages, not harvest.
  const deploy = stream('slow-new', (ev) => [
    ...deploys(ev),
    ...Array.from({ length: 12 }, (_, i) => [
      op(ev, AFTER + 14 * H + i * 12 * M, 'get', `other-${i}`),
      op(ev, AFTER + 14 * H + i * 12 * M + 300, 'patch', `other-${i}`)
    ]).flat()
  ])
  assert.deepEqual(rules(await analyze(deploy, { extra }), sa), [])
})

test('secret-read rate: a small peak is exceeded by chance more often than 1.5x: the bar is also zScore times its square root above it', async () => {
  const sa = 'system:serviceaccount:shop:api'
  const peaks = (ev: (r: Req) => AuditEvent, day: number, n: number) =>
    Array.from({ length: n }, (_, i) =>
      ev({ t: T0 + day * 24 * H + 14 * H + i * 30_000, user: sa, verb: 'get', resource: 'secrets', ns: 'shop', name: 'db', ip: '10.244.1.17' })
    )
  // Learned peak about 34 (30 + the background's 2-6); 56 is over 1.5 × 34 but within 6 × √34 of it.
  const s = (n: number) => stream('rate-poisson', (ev) => [...[0, 1, 2].flatMap((d) => peaks(ev, d, 30)), ...peaks(ev, 3, n)])
  assert.deepEqual(rules(await analyze(s(56)), sa), [])
  assert.deepEqual(rules(await analyze(s(110)), sa), ['access-secret-read-rate'])
})
