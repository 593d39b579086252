// A local stand-in for Vault (KV v2, Kubernetes auth), speaking its wire
// format over real HTTP on 127.0.0.1, and checking what it receives: Vault
// tokens and login bodies. (The Kubernetes Secrets tests run against the real
// kube-apiserver in test/cluster/.)

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
