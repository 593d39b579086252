// What test/cluster/rotation.test.ts and the audit capture script
// (test/fixtures/audit/capture.ts) share: the shipped rotation RBAC and the
// ExternalSecret CRD applied to a real API server, a token of the responder's
// service account from the TokenRequest API, and a recording tap in front of
// the server. The tap is not a stand-in: every request goes on to the real
// kube-apiserver, which alone decides the answer; the tap only writes down
// what was sent (the content type of a patch is not in audit events).

import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { AddressInfo } from 'node:net'
import { resolve } from 'node:path'
import type { V1DeploymentSpec, V1ObjectMeta, V1PodSpec } from '@kubernetes/client-node'
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node'
import type { KubeCluster } from '../harness/kube.ts'
import { ensureServerBinaries } from '../harness/kube.ts'

export const root = resolve(import.meta.dirname, '../..')
export const ROTATION_RBAC = resolve(root, 'deploy/kubernetes/optional/kubernetes-rotation-rbac.yaml')
export const EXTERNALSECRET_CRD = resolve(root, 'test/fixtures/crds/external-secrets.io_externalsecrets.yaml')
export const RESPONDER_SA = 'leakwatch-responder'

let kubectlBin: Promise<Record<string, string>> | undefined

export async function kubectl(kube: KubeCluster, args: string[]): Promise<string> {
  kubectlBin ??= ensureServerBinaries(['kubectl'])
  const bin = (await kubectlBin).kubectl as string
  return new Promise((done, fail) => {
    execFile(bin, ['--kubeconfig', kube.kubeconfigPath, ...args], { encoding: 'utf8', timeout: 120_000 }, (err, stdout, stderr) => {
      if (err === null) done(stdout)
      else fail(new Error(`kubectl ${args.join(' ')}: ${stderr || err.message}`))
    })
  })
}

/** The leakwatch namespace, the shipped rotation RBAC and the ExternalSecret CRD, applied as an operator would; resolves when the CRD is served. */
export async function installRotation(kube: KubeCluster, extraManifests: string[] = []): Promise<void> {
  for (const f of [resolve(root, 'deploy/kubernetes/namespace.yaml'), ROTATION_RBAC, ...extraManifests]) await kubectl(kube, ['apply', '-f', f])
  // Server-side: the CRD's last-applied annotation would be as large as the CRD.
  await kubectl(kube, ['apply', '--server-side', '-f', EXTERNALSECRET_CRD])
  await kubectl(kube, ['wait', '--for=condition=Established', '--timeout=60s', 'crd/externalsecrets.external-secrets.io'])
}

export function adminConfig(kube: KubeCluster): KubeConfig {
  const kc = new KubeConfig()
  kc.loadFromFile(kube.kubeconfigPath)
  return kc
}

/** A real signed token of a service account in namespace leakwatch, from the TokenRequest API (no controller-manager needed). */
export async function serviceAccountToken(admin: KubeConfig, sa: string): Promise<string> {
  const { status } = await admin
    .makeApiClient(CoreV1Api)
    .createNamespacedServiceAccountToken({ namespace: 'leakwatch', name: sa, body: { spec: { audiences: [], expirationSeconds: 3600 } } })
  if (status?.token === undefined) throw new Error(`TokenRequest for ${sa} returned no token`)
  return status.token
}

/** A kubeconfig that authenticates with `token` against `server` (the tap's URL). */
export function tokenConfig(server: string, user: string, token: string): KubeConfig {
  const kc = new KubeConfig()
  kc.loadFromOptions({
    clusters: [{ name: 'tap', server, skipTLSVerify: true }],
    users: [{ name: user, token }],
    contexts: [{ name: 'tap', cluster: 'tap', user }],
    currentContext: 'tap'
  })
  return kc
}

export interface Tapped {
  method: string
  path: string
  contentType: string
  body: unknown
  /** The real server's status; 0 while the request is in flight. */
  status: number
}

export interface Tap {
  url: string
  requests: Tapped[]
  /** Runs before a request is forwarded (e.g. to make a concurrent edit land first). */
  before: ((r: Tapped) => Promise<void>) | undefined
  close(): Promise<void>
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = []
  for await (const c of req) parts.push(c as Buffer)
  return Buffer.concat(parts)
}

/** An HTTP listener on loopback that forwards every request to the admin kubeconfig's server over TLS and records it. */
export async function startTap(admin: KubeConfig): Promise<Tap> {
  const cluster = admin.getCurrentCluster()
  if (cluster === null) throw new Error('kubeconfig has no current cluster')
  const target = new URL(cluster.server)
  const ca = cluster.caData ? Buffer.from(cluster.caData, 'base64') : cluster.caFile ? readFileSync(cluster.caFile) : undefined
  const tap: Tap = { url: '', requests: [], before: undefined, close: async () => {} }
  const server = createServer((req, res) => {
    readAll(req)
      .then(async (raw) => {
        const contentType = String(req.headers['content-type'] ?? '').split(';')[0] ?? ''
        const entry: Tapped = {
          method: req.method ?? '',
          path: new URL(req.url ?? '/', 'http://tap').pathname,
          contentType,
          body: raw.length > 0 && contentType.includes('json') ? JSON.parse(raw.toString('utf8')) : undefined,
          status: 0
        }
        tap.requests.push(entry)
        await tap.before?.(entry)
        const headers = { ...req.headers, host: target.host }
        const up = httpsRequest(
          new URL(req.url ?? '/', target),
          { method: req.method, headers, ...(ca === undefined ? {} : { ca }), rejectUnauthorized: cluster.skipTLSVerify !== true },
          (answer) => {
            entry.status = answer.statusCode ?? 0
            res.writeHead(entry.status, answer.headers)
            answer.pipe(res)
          }
        )
        up.on('error', (err) => res.destroy(err))
        up.end(raw)
      })
      .catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(502).end(String(err))
      })
  })
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()))
  tap.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  tap.close = () =>
    new Promise<void>((done) => {
      server.close(() => done())
      server.closeAllConnections()
    })
  return tap
}

/** A Deployment, StatefulSet or DaemonSet the API server accepts (selector, labels, image); it never runs: there is no scheduler. */
export function workload(
  kind: 'Deployment' | 'StatefulSet' | 'DaemonSet',
  name: string,
  podSpec: V1PodSpec
): { apiVersion: string; kind: typeof kind; metadata: V1ObjectMeta; spec: V1DeploymentSpec & { serviceName?: string } } {
  const labels = { app: name }
  const containers = podSpec.containers.map((c) => ({ image: 'registry.invalid/leakwatch/none:0', ...c }))
  return {
    apiVersion: 'apps/v1',
    kind,
    metadata: { name },
    spec: {
      selector: { matchLabels: labels },
      ...(kind === 'StatefulSet' ? { serviceName: name } : {}),
      template: { metadata: { labels }, spec: { ...podSpec, containers } }
    }
  }
}
