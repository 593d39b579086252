// /metrics, /healthz (the process is alive) and /readyz (its dependencies are
// reachable: Kubernetes stops routing to, or restarting on, what this says).

import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import { createServer } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import type { Registry } from './metrics.ts'

export interface HttpServer {
  port: number
  close: () => Promise<void>
}

export async function startHttp(opts: { host: string; port: number }, registry: Registry, ready: () => Record<string, boolean>): Promise<HttpServer> {
  const server = createServer((req, res) => {
    const url = requestUrl(req)
    if (url === undefined) return badTarget(res)
    const path = url.pathname
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

// Anyone who can reach a port can send any bytes as a request target; the answer names the code and echoes nothing.
const BAD_TARGET = JSON.stringify({ error: 'malformed request target', code: 'LW_ERR_HTTP_REQUEST' })

/**
 * The URL of a request, or undefined when its target is not one (`http://[/…`, `//[/…`): every endpoint answers
 * that with badTarget, before any routing, authentication or logging sees the target.
 */
export function requestUrl(req: IncomingMessage): URL | undefined {
  try {
    return new URL(req.url ?? '/', 'http://localhost')
  } catch {
    return undefined
  }
}

/** 400 LW_ERR_HTTP_REQUEST. */
export function badTarget(res: ServerResponse): void {
  res.writeHead(400, { 'content-type': 'application/json', connection: 'close' }).end(BAD_TARGET)
}

/**
 * Requests Node's parser refuses (control bytes in the target, a broken request line) get the same coded 400
 * instead of Node's bare one; nothing of them is logged.
 */
function onClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy()
    return
  }
  const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request'
  socket.end(
    `HTTP/1.1 ${status}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(BAD_TARGET)}\r\nconnection: close\r\n\r\n${BAD_TARGET}`
  )
}

/** Listens on host:port (0 for any free port); `close` also ends idle and half-sent connections. */
export async function listen(server: Server, opts: { host: string; port: number }): Promise<HttpServer> {
  server.on('clientError', onClientError)
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
