// What the CI endpoints (the GitLab job hook, the generic ingest) share about a
// request from the network: comparing a presented token with the configured
// ones in constant time, reading a body with a bound, and answering with a
// coded JSON error that quotes nothing of the request.

import { createHash, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'

/**
 * Whether `presented` equals one of `accepted`. Both sides are hashed first so the comparison takes the same
 * time whatever the lengths, and every accepted token is compared (rotation keeps two) so timing does not tell
 * which one matched.
 */
export function tokenMatches(presented: string | undefined, accepted: readonly string[]): boolean {
  if (presented === undefined || accepted.length === 0) return false
  const got = createHash('sha256').update(presented).digest()
  let ok = false
  for (const t of accepted) if (timingSafeEqual(got, createHash('sha256').update(t).digest())) ok = true
  return ok
}

/** The bearer token of an Authorization header, if it has one. */
export function bearer(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization?.trim()
  if (h === undefined || h.length < 8 || h.slice(0, 7).toLowerCase() !== 'bearer ') return undefined
  const token = h.slice(7).trim()
  return token === '' || token.includes(' ') ? undefined : token
}

/** A header's single value (a repeated header is refused as absent: it is not something a CI system sends). */
export function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name]
  return typeof v === 'string' ? v : undefined
}

export class BodyTooLarge extends Error {
  override readonly name = 'BodyTooLarge'
}

/** The whole body, refusing more than `maxBytes` (by Content-Length up front, else while reading). */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? Number.NaN)
  if (Number.isFinite(declared) && declared > maxBytes) throw new BodyTooLarge(`body of ${declared} bytes over ${maxBytes}`)
  const parts: Buffer[] = []
  let size = 0
  for await (const piece of req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
    size += piece.length
    if (size > maxBytes) throw new BodyTooLarge(`body over ${maxBytes} bytes`)
    parts.push(piece)
  }
  return Buffer.concat(parts, size)
}

/** Answers `status` with `{error, code}` (never an echo of the request) and closes a connection whose body was not read. */
export function refuse(res: ServerResponse, status: number, code: string, error: string, extra: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy()
    return
  }
  res.writeHead(status, { 'content-type': 'application/json', ...extra }).end(JSON.stringify({ error, code }))
  discardRest(res.req)
}

/** Bytes of an unread body read and dropped after a refusal, so the client sees the answer rather than a reset. */
const DISCARD_BYTES = 1024 * 1024

function discardRest(req: IncomingMessage): void {
  if (req.readableEnded || req.destroyed) return
  let dropped = 0
  req.on('data', (c: Buffer) => {
    dropped += c.length
    if (dropped > DISCARD_BYTES) req.destroy()
  })
  req.on('error', () => {})
  req.resume()
}

export function reply(res: ServerResponse, status: number, body: Record<string, unknown>): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
}
