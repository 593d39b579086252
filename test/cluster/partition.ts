// A TCP relay between a client under test and the real API server, which the test can cut: the client
// loses its connections and is refused new ones until resume(), while the test itself keeps talking to
// the API server directly. That is a node losing the network to the control plane: changes go on
// without the client seeing them, and its watch comes back with a resourceVersion that may be gone.
// It forwards bytes only (TLS passes through end to end); it speaks no Kubernetes.

import type { Server, Socket } from 'node:net'
import { connect, createServer } from 'node:net'

export interface Partition {
  /** https://127.0.0.1:<relay port>: the API server's certificate names 127.0.0.1, so it verifies here too. */
  server: string
  cut: () => Promise<void>
  resume: () => Promise<void>
  close: () => Promise<void>
}

export async function startPartition(upstream: string): Promise<Partition> {
  const target = new URL(upstream)
  const sockets = new Set<Socket>()
  let port = 0
  let server: Server | undefined

  const track = (s: Socket): void => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  }

  async function listen(): Promise<void> {
    const s = createServer((client) => {
      const up = connect(Number(target.port), target.hostname)
      track(client)
      track(up)
      client.pipe(up)
      up.pipe(client)
      client.on('error', () => up.destroy())
      up.on('error', () => client.destroy())
    })
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject)
      s.listen(port, '127.0.0.1', () => resolve())
    })
    port = (s.address() as { port: number }).port
    server = s
  }

  async function cut(): Promise<void> {
    const s = server
    server = undefined
    for (const sock of sockets) sock.destroy()
    if (s !== undefined) await new Promise<void>((resolve) => s.close(() => resolve()))
  }

  await listen()
  return { server: `https://127.0.0.1:${port}`, cut, resume: listen, close: cut }
}
