// A stand-in for the Kubernetes API server, just the part a pod informer
// uses, on the real wire format: GET /api/v1/pods returns a PodList with a
// resourceVersion; with ?watch=true it streams one JSON event per line over a
// chunked response ({"type":"ADDED|MODIFIED|DELETED|ERROR","object":…}) from
// the given resourceVersion, and answers a resourceVersion it no longer has
// with an ERROR event carrying a 410 Gone Status, as the real one does after
// compaction. fieldSelector spec.nodeName=… is honoured. Real HTTP on 127.0.0.1.
// With a token, requests without `Authorization: Bearer <token>` get 401, as
// the real one answers a client whose credentials it does not accept.
//
// No test runs against it any more: the pod informer's tests use the real
// kube-apiserver (test/cluster/pod-informer.test.ts). It stays for the
// collector benchmark (bench/collector.ts), which measures the collector, not
// the API server, and must run where no kube-apiserver is built; its pod
// builders (pod, deploymentPod) serve the unit tests of workloadOf and slimPod.

import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import { createServer } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import type { V1Pod } from '@kubernetes/client-node'

export interface StandInApiServer {
  url: string
  /** Query strings of list (not watch) requests, in order. */
  lists: URLSearchParams[]
  watches: URLSearchParams[]
  add: (pod: V1Pod) => void
  modify: (pod: V1Pod) => void
  remove: (pod: V1Pod) => void
  /** Forgets history (like etcd compaction): open watches get 410 Gone and must list again. */
  compact: () => void
  /** Stops answering (connections refused) until start() again on the same port. */
  stop: () => Promise<void>
  start: () => Promise<void>
}

interface Event {
  rv: number
  type: 'ADDED' | 'MODIFIED' | 'DELETED'
  pod: V1Pod
}

export async function startStandInApiServer(initial: V1Pod[], opts: { token?: string } = {}): Promise<StandInApiServer> {
  let rv = 100
  const pods = new Map<string, V1Pod>()
  const history: Event[] = []
  let oldest = rv
  const watchers = new Set<{ res: ServerResponse; node: string | undefined; from: number }>()
  const sockets = new Set<Socket>()
  const lists: URLSearchParams[] = []
  const watches: URLSearchParams[] = []

  const key = (p: V1Pod): string => `${p.metadata?.namespace}/${p.metadata?.name}`
  const nodeOf = (q: URLSearchParams): string | undefined => /(?:^|,)spec\.nodeName=([^,]*)/.exec(q.get('fieldSelector') ?? '')?.[1]
  const stamp = (p: V1Pod, v: number): V1Pod => ({ ...p, metadata: { ...p.metadata, resourceVersion: String(v) } })

  function send(w: { res: ServerResponse; node: string | undefined }, e: Event): void {
    if (w.node !== undefined && e.pod.spec?.nodeName !== w.node) return
    w.res.write(`${JSON.stringify({ type: e.type, object: e.pod })}\n`)
  }

  function record(type: Event['type'], pod: V1Pod): void {
    rv++
    const p = stamp(pod, rv)
    if (type === 'DELETED') pods.delete(key(p))
    else pods.set(key(p), p)
    const e = { rv, type, pod: p }
    history.push(e)
    for (const w of watchers) send(w, e)
  }

  for (const p of initial) pods.set(key(p), stamp(p, rv))

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x')
    if (opts.token !== undefined && req.headers.authorization !== `Bearer ${opts.token}`) {
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Status', status: 'Failure', reason: 'Unauthorized', code: 401 }))
      return
    }
    if (req.method !== 'GET' || url.pathname !== '/api/v1/pods') {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Status', code: 404 }))
      return
    }
    const q = url.searchParams
    const node = nodeOf(q)
    if (q.get('watch') !== 'true') {
      lists.push(q)
      const items = [...pods.values()].filter((p) => node === undefined || p.spec?.nodeName === node)
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: String(rv) }, items }))
      return
    }
    watches.push(q)
    const from = Number(q.get('resourceVersion') ?? '0')
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' })
    // The real API server answers a watch at once and streams events as they happen.
    res.flushHeaders()
    if (from < oldest) {
      // What the real API server sends for a compacted resourceVersion, then it ends the watch.
      res.end(
        `${JSON.stringify({ type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'too old resource version', reason: 'Expired', code: 410 } })}\n`
      )
      return
    }
    const w = { res, node, from }
    for (const e of history) if (e.rv > from) send(w, e)
    watchers.add(w)
    res.on('close', () => watchers.delete(w))
  }

  let server: Server | undefined
  let port = 0
  async function start(): Promise<void> {
    const s = createServer(handle)
    s.on('connection', (sock) => {
      sockets.add(sock)
      sock.on('close', () => sockets.delete(sock))
    })
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject)
      s.listen(port, '127.0.0.1', () => resolve())
    })
    port = (s.address() as AddressInfo).port
    server = s
  }
  await start()

  return {
    url: `http://127.0.0.1:${port}`,
    lists,
    watches,
    add: (p) => record('ADDED', p),
    modify: (p) => record('MODIFIED', p),
    remove: (p) => record('DELETED', p),
    compact() {
      oldest = rv + 1
      history.length = 0
      for (const w of watchers) {
        w.res.end(`${JSON.stringify({ type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Expired', code: 410 } })}\n`)
      }
      watchers.clear()
    },
    async stop() {
      const s = server
      server = undefined
      if (s === undefined) return
      for (const w of watchers) w.res.destroy()
      watchers.clear()
      for (const sock of sockets) sock.destroy()
      await new Promise<void>((resolve) => s.close(() => resolve()))
    },
    start
  }
}

/** A pod as the API server returns it, on `node`. */
export function pod(opts: {
  namespace: string
  name: string
  uid: string
  node: string
  labels?: Record<string, string>
  annotations?: Record<string, string>
  owner?: { kind: string; name: string }
}): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      namespace: opts.namespace,
      name: opts.name,
      uid: opts.uid,
      labels: opts.labels ?? {},
      annotations: opts.annotations ?? {},
      ...(opts.owner === undefined
        ? {}
        : { ownerReferences: [{ apiVersion: 'apps/v1', kind: opts.owner.kind, name: opts.owner.name, uid: `owner-${opts.uid}`, controller: true }] })
    },
    spec: { nodeName: opts.node, containers: [{ name: 'app' }] }
  }
}

/** The pod of a Deployment (owned by its ReplicaSet), shop/api-5d8f7c9b4-x2x7q, on `node`. */
export function deploymentPod(node: string, annotations?: Record<string, string>): V1Pod {
  return pod({
    namespace: 'shop',
    name: 'api-5d8f7c9b4-x2x7q',
    uid: 'uid-api',
    node,
    labels: { app: 'api', 'pod-template-hash': '5d8f7c9b4' },
    ...(annotations === undefined ? {} : { annotations }),
    owner: { kind: 'ReplicaSet', name: 'api-5d8f7c9b4' }
  })
}
