// /metrics, /healthz (the process is alive) and /readyz (its dependencies are
// reachable: Kubernetes stops routing to, or restarting on, what this says).

import type { Server } from 'node:http'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Registry } from './metrics.ts'

export interface HttpServer {
  port: number
  close: () => Promise<void>
}

export async function startHttp(opts: { host: string; port: number }, registry: Registry, ready: () => Record<string, boolean>): Promise<HttpServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]
    if (req.method !== 'GET') {
      res.writeHead(405).end()
      return
    }
    if (path === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(registry.render())
    } else if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}')
    } else if (path === '/readyz') {
      const checks = ready()
      const ok = Object.values(checks).every(Boolean)
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ status: ok ? 'ready' : 'not ready', checks }))
    } else {
      res.writeHead(404).end()
    }
  })
  return listen(server, opts)
}

/** Listens on host:port (0 for any free port); `close` also ends idle and half-sent connections. */
export async function listen(server: Server, opts: { host: string; port: number }): Promise<HttpServer> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port, opts.host, () => resolve())
  })
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      // Responses are written without waiting on anything, so nothing worth waiting for is in flight; a client
      // holding a half-sent request (or a keep-alive socket) would otherwise hold up shutdown until its timeout.
      server.closeAllConnections()
      await closed
    }
  }
}
