// One request written byte for byte on a TCP socket: what fetch() refuses to
// send (a malformed request target) is what an attacker sends.

import { connect } from 'node:net'

/** Writes `request` to 127.0.0.1:port and resolves with everything the server answers before it closes. */
export async function rawRequest(port: number, request: string): Promise<{ status: number; text: string }> {
  const socket = connect(port, '127.0.0.1')
  let text = ''
  socket.on('data', (c: Buffer) => {
    text += c.toString('latin1')
  })
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve())
    socket.once('error', reject)
  })
  socket.write(request)
  await new Promise<void>((resolve) => socket.once('close', () => resolve()))
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text }
}
