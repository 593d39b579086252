// Seeded audit events for the access detector's tests and benchmark: shaped
// like the real kube-apiserver's (test/fixtures/audit: field names, stage,
// objectRef, responseStatus, user groups of service accounts and nodes).

import type { AuditEvent } from '../../../detectors/access/audit-event.ts'
import type { Rng } from '../../../detectors/gen.ts'

export interface Req {
  t: number
  user: string
  groups?: string[]
  verb: string
  resource: string
  ns?: string
  name?: string
  sub?: string
  apiGroup?: string
  code?: number
  ip?: string
  ua?: string
  imp?: { username: string; groups?: string[] }
  requestObject?: unknown
  responseObject?: unknown
  stage?: string
}

export const H = 3_600_000
export const M = 60_000
export const T0 = Date.parse('2026-11-02T00:00:00Z')

export function groupsOf(user: string): string[] {
  if (user.startsWith('system:serviceaccount:')) return ['system:serviceaccounts', `system:serviceaccounts:${user.split(':')[2]}`, 'system:authenticated']
  if (user.startsWith('system:node:')) return ['system:nodes', 'system:authenticated']
  if (user === 'system:anonymous') return ['system:unauthenticated']
  return ['system:authenticated']
}

export function makeEvents(rng: Rng) {
  const id = (): string =>
    `${rng.chars('0123456789abcdef', 8)}-${rng.chars('0123456789abcdef', 4)}-4${rng.chars('0123456789abcdef', 3)}-a${rng.chars('0123456789abcdef', 3)}-${rng.chars('0123456789abcdef', 12)}`
  return (r: Req): AuditEvent => {
    const at = new Date(r.t).toISOString().replace('Z', '000Z')
    const path = `/api/v1${r.ns === undefined ? '' : `/namespaces/${r.ns}`}/${r.resource}${r.name === undefined ? '' : `/${r.name}`}${r.sub === undefined ? '' : `/${r.sub}`}`
    return {
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level: 'Metadata',
      auditID: id(),
      stage: r.stage ?? 'ResponseComplete',
      requestURI: path,
      verb: r.verb,
      user: { username: r.user, groups: r.groups ?? groupsOf(r.user) },
      ...(r.imp === undefined ? {} : { impersonatedUser: r.imp }),
      sourceIPs: [r.ip ?? '10.244.1.17'],
      userAgent: r.ua ?? 'app/1.0 (linux/amd64) kubernetes/abcdef',
      objectRef: {
        resource: r.resource,
        ...(r.ns === undefined ? {} : { namespace: r.ns }),
        ...(r.name === undefined ? {} : { name: r.name }),
        ...(r.sub === undefined ? {} : { subresource: r.sub }),
        ...(r.apiGroup === undefined ? {} : { apiGroup: r.apiGroup }),
        apiVersion: 'v1'
      },
      responseStatus: { metadata: {}, code: r.code ?? 200 },
      ...(r.requestObject === undefined ? {} : { requestObject: r.requestObject }),
      ...(r.responseObject === undefined ? {} : { responseObject: r.responseObject }),
      requestReceivedTimestamp: at,
      stageTimestamp: at,
      annotations: { 'authorization.k8s.io/decision': r.code === 403 ? 'forbid' : 'allow', 'authorization.k8s.io/reason': '' }
    }
  }
}

/**
 * A quiet cluster's background for `days` days: the controller-manager watching and listing secrets
 * cluster-wide, kubelets reading their pods' secrets, an app reading its own secret a few times an hour,
 * an operator in `controllers` listing everywhere. Sorted by time.
 */
export function background(rng: Rng, ev: (r: Req) => AuditEvent, days: number, from = T0): AuditEvent[] {
  const out: Array<[number, AuditEvent]> = []
  const push = (r: Req) => out.push([r.t, ev(r)])
  const namespaces = ['shop', 'payments', 'search', 'auth', 'data']
  for (let h = 0; h < days * 24; h++) {
    const base = from + h * H
    for (let k = 0; k < 6; k++)
      push({
        t: base + k * 10 * M + rng.int(M),
        user: 'system:kube-controller-manager',
        verb: 'list',
        resource: 'secrets',
        ua: 'kube-controller-manager/v1.36.3 (linux/amd64) kubernetes/abc',
        ip: '10.0.0.10'
      })
    for (let n = 1; n <= 3; n++)
      for (let k = 0; k < 4; k++) {
        const ns = rng.pick(namespaces)
        push({
          t: base + rng.int(H),
          user: `system:node:node-${n}`,
          verb: 'get',
          resource: 'secrets',
          ns,
          name: `${ns}-tls`,
          ua: 'kubelet/v1.36.3 (linux/amd64) kubernetes/abc',
          ip: `10.0.0.${20 + n}`
        })
      }
    // The shop app reads its own secret 2-6 times an hour.
    const reads = 2 + rng.int(5)
    for (let k = 0; k < reads; k++)
      push({ t: base + rng.int(H), user: 'system:serviceaccount:shop:api', verb: 'get', resource: 'secrets', ns: 'shop', name: 'db', ip: '10.244.1.17' })
    // The app's other calls (configmaps) keep it seen every hour.
    push({ t: base + rng.int(H), user: 'system:serviceaccount:shop:api', verb: 'get', resource: 'configmaps', ns: 'shop', name: 'settings', ip: '10.244.1.17' })
    push({
      t: base + rng.int(H),
      user: 'system:serviceaccount:external-secrets:es',
      verb: 'list',
      resource: 'secrets',
      ip: '10.244.2.5',
      ua: 'external-secrets/0.10'
    })
  }
  return out.sort((a, b) => a[0] - b[0]).map(([, e]) => e)
}
