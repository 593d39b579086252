// Local stand-ins for the Kubernetes API server (Secrets) and Vault (KV v2,
// Kubernetes auth), speaking the real wire formats over real HTTP on
// 127.0.0.1, and checking what they receive: bearer tokens, watch parameters,
// selectors, Vault tokens and login bodies.

import { randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface Req {
  method: string
  path: string
  query: Record<string, string>
  headers: IncomingMessage['headers']
  body: string
}

async function listen(handler: (req: Req, res: ServerResponse) => void | Promise<void>) {
  const requests: Req[] = []
  const sockets = new Set<import('node:net').Socket>()
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (d: Buffer) => {
      body += d.toString('utf8')
    })
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x')
      const r: Req = { method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers, body }
      requests.push(r)
      Promise.resolve(handler(r, res)).catch((err: unknown) => {
        res.statusCode = 500
        res.end(String(err))
      })
    })
  })
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    requests,
    async close() {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}

interface StoredSecret {
  apiVersion: 'v1'
  kind: 'Secret'
  type: string
  metadata: { namespace: string; name: string; uid: string; resourceVersion: string; labels?: Record<string, string> }
  data: Record<string, string>
}

interface Watcher {
  res: ServerResponse
  namespace: string | undefined
  query: Record<string, string>
}

function selected(s: StoredSecret, query: Record<string, string>): boolean {
  for (const term of (query.fieldSelector ?? '').split(',').filter(Boolean)) {
    const m = /^type!=(.*)$/.exec(term)
    if (m === null) throw new Error(`stand-in does not know field selector ${term}`)
    if (s.type === m[1]) return false
  }
  const labels = s.metadata.labels ?? {}
  for (const term of (query.labelSelector ?? '').split(',').filter(Boolean)) {
    if (term.startsWith('!')) {
      if (term.slice(1) in labels) return false
    } else {
      const m = /^([^!=]+)!=(.*)$/.exec(term)
      if (m === null) throw new Error(`stand-in does not know label selector ${term}`)
      if (labels[m[1] as string] === m[2]) return false
    }
  }
  return true
}

/**
 * The Secrets part of a Kubernetes API server: list (paged with limit and
 * continue) and watch (chunked newline-delimited events, bookmarks, 410
 * Gone for a compacted resourceVersion, as an ERROR event or an HTTP 410).
 */
export async function startKubeApi(opts: { token: string }) {
  let rv = 100
  const secrets = new Map<string, StoredSecret>()
  const history: Array<{ rv: number; type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: StoredSecret }> = []
  let compactedBelow = 0
  let goneAs: 'event' | 'http' = 'event'
  const watchers = new Set<Watcher>()
  const failures: number[] = []

  function send(w: Watcher, type: string, object: unknown): void {
    w.res.write(`${JSON.stringify({ type, object })}\n`)
  }

  const http = await listen((req, res) => {
    if (req.headers.authorization !== `Bearer ${opts.token}`)
      return json(res, 401, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Unauthorized', code: 401 })
    const fail = failures.shift()
    if (fail !== undefined) return json(res, fail, { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: fail })
    const m = /^\/api\/v1\/(?:namespaces\/([^/]+)\/)?secrets$/.exec(req.path)
    if (req.method !== 'GET' || m === null) return json(res, 404, { kind: 'Status', code: 404 })
    const namespace = m[1] === undefined ? undefined : decodeURIComponent(m[1])
    const inScope = (s: StoredSecret): boolean => (namespace === undefined || s.metadata.namespace === namespace) && selected(s, req.query)
    if (req.query.watch === 'true' || req.query.watch === '1') {
      const from = Number(req.query.resourceVersion)
      if (req.query.resourceVersion === undefined || req.query.resourceVersion === '' || !Number.isInteger(from)) {
        return json(res, 400, { kind: 'Status', code: 400, message: 'this stand-in expects every watch to resume from a resourceVersion' })
      }
      if (from < compactedBelow) {
        const status = {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message: `too old resource version: ${from} (${compactedBelow})`,
          reason: 'Expired',
          code: 410
        }
        if (goneAs === 'http') return json(res, 410, status)
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(`${JSON.stringify({ type: 'ERROR', object: status })}\n`)
        return
      }
      res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' })
      // The API server answers a watch at once; events follow as they happen.
      res.flushHeaders()
      const w: Watcher = { res, namespace, query: req.query }
      watchers.add(w)
      res.on('close', () => watchers.delete(w))
      for (const e of history) if (e.rv > from && inScope(e.object)) send(w, e.type, e.object)
      return
    }
    const all = [...secrets.values()]
      .filter(inScope)
      .sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`))
    const start = req.query.continue === undefined ? 0 : Number(Buffer.from(req.query.continue, 'base64url').toString())
    const limit = req.query.limit === undefined ? all.length : Number(req.query.limit)
    const page = all.slice(start, start + limit)
    const more = start + limit < all.length
    return json(res, 200, {
      kind: 'SecretList',
      apiVersion: 'v1',
      metadata: { resourceVersion: String(rv), ...(more ? { continue: Buffer.from(String(start + limit)).toString('base64url') } : {}) },
      items: page
    })
  })

  function emit(type: 'ADDED' | 'MODIFIED' | 'DELETED', object: StoredSecret): void {
    history.push({ rv, type, object })
    for (const w of watchers) if ((w.namespace === undefined || w.namespace === object.metadata.namespace) && selected(object, w.query)) send(w, type, object)
  }

  return {
    url: http.url,
    requests: http.requests,
    watchers: () => [...watchers].map((w) => w.query),
    /** Creates or replaces a Secret; values are given in plain text and stored base64'd as the API does. */
    upsert(namespace: string, name: string, values: Record<string, string | Buffer>, extra: { type?: string; labels?: Record<string, string> } = {}): void {
      rv++
      const key = `${namespace}/${name}`
      const existed = secrets.has(key)
      const s: StoredSecret = {
        apiVersion: 'v1',
        kind: 'Secret',
        type: extra.type ?? 'Opaque',
        metadata: {
          namespace,
          name,
          uid: randomBytes(8).toString('hex'),
          resourceVersion: String(rv),
          ...(extra.labels === undefined ? {} : { labels: extra.labels })
        },
        data: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Buffer.from(v).toString('base64')]))
      }
      secrets.set(key, s)
      emit(existed ? 'MODIFIED' : 'ADDED', s)
    },
    remove(namespace: string, name: string): void {
      const s = secrets.get(`${namespace}/${name}`)
      if (s === undefined) return
      rv++
      secrets.delete(`${namespace}/${name}`)
      emit('DELETED', { ...s, metadata: { ...s.metadata, resourceVersion: String(rv) } })
    },
    /** Sends a bookmark at the current resourceVersion to every open watch. */
    bookmark(): void {
      for (const w of watchers) send(w, 'BOOKMARK', { kind: 'Secret', apiVersion: 'v1', metadata: { resourceVersion: String(rv) } })
    },
    /**
     * Forgets history up to now and cuts every watch, as etcd compaction plus
     * an API server restart do: watchers come back with an old
     * resourceVersion and are told 410 Gone (an ERROR event, or HTTP 410).
     */
    compact(as: 'event' | 'http'): void {
      goneAs = as
      compactedBelow = rv
      history.length = 0
      for (const w of watchers) w.res.destroy()
    },
    /** Changes made while no watch is open (so only a relist can see them). */
    cutWatches(): void {
      for (const w of watchers) w.res.destroy()
    },
    /** The next `n` requests answer `status`. */
    failNext(n: number, status: number): void {
      for (let i = 0; i < n; i++) failures.push(status)
    },
    close: http.close
  }
}

/** Vault: KV v2 read and list, token auth and Kubernetes auth login. */
export async function startVault(opts: { rootToken: string; kubernetes?: { role: string; jwt: string } }) {
  const kv = new Map<string, Record<string, unknown>>()
  const tokens = new Set([opts.rootToken])
  let logins = 0
  const http = await listen((req, res) => {
    if (req.method === 'POST' && req.path === '/v1/auth/kubernetes/login') {
      const body = JSON.parse(req.body || '{}') as { role?: string; jwt?: string }
      if (opts.kubernetes === undefined || body.role !== opts.kubernetes.role || body.jwt !== opts.kubernetes.jwt)
        return json(res, 403, { errors: ['permission denied'] })
      const token = `hvs.${randomBytes(12).toString('base64url')}`
      tokens.add(token)
      logins++
      return json(res, 200, { auth: { client_token: token, lease_duration: 3600, renewable: true, policies: ['leakwatch'] } })
    }
    if (!tokens.has(String(req.headers['x-vault-token'] ?? ''))) return json(res, 403, { errors: ['permission denied'] })
    const m = /^\/v1\/([^/]+)\/(data|metadata)\/(.*)$/.exec(req.path)
    if (m === null) return json(res, 404, { errors: [] })
    const [, mount, kind, path = ''] = m
    if (kind === 'metadata' && (req.method === 'LIST' || (req.method === 'GET' && req.query.list === 'true'))) {
      const prefix = `${mount}/${path}`.replace(/\/?$/, '/')
      const keys = new Set<string>()
      for (const k of kv.keys()) {
        if (!k.startsWith(prefix)) continue
        const rest = k.slice(prefix.length)
        keys.add(rest.includes('/') ? `${rest.slice(0, rest.indexOf('/'))}/` : rest)
      }
      if (keys.size === 0) return json(res, 404, { errors: [] })
      return json(res, 200, { data: { keys: [...keys].sort() } })
    }
    if (kind === 'data' && req.method === 'GET') {
      const data = kv.get(`${mount}/${path}`)
      if (data === undefined) return json(res, 404, { errors: [] })
      return json(res, 200, { request_id: 'x', data: { data, metadata: { version: 1, created_time: new Date(0).toISOString(), destroyed: false } } })
    }
    return json(res, 405, { errors: ['unsupported operation'] })
  })
  return {
    url: http.url,
    requests: http.requests,
    logins: () => logins,
    put(mountPath: string, data: Record<string, unknown>): void {
      kv.set(mountPath, data)
    },
    remove(mountPath: string): void {
      kv.delete(mountPath)
    },
    revokeAll(): void {
      tokens.clear()
      tokens.add(opts.rootToken)
    },
    close: http.close
  }
}
