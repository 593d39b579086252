// The endpoint of the API server's audit webhook backend: HTTPS, the caller
// authenticated by client certificate or bearer token, the body bounded, and
// a batch answered 200 only once Kafka acknowledged every event of it. The
// backend (batch mode) retries a batch whose POST failed or was answered 5xx
// and drops one answered 4xx, so:
// - Kafka down, or slow past the API server's timeout → 503: the batch is
//   retried, nothing is half-kept (a batch is produced whole or answered 5xx);
// - a body that is not an audit EventList → 400 with the reason
//   (LW_ERR_AUDIT_INVALID): retrying would not help; a list item that is not
//   an event is counted and the other items are kept;
// - a retried batch whose first answer was lost is recognised by
//   (auditID, stage) and not produced twice. That memory is per process:
//   two replicas behind a Service each see a different retry, and a restart
//   forgets. Duplicates that get past it are harmless downstream, because
//   finding ids are derived from (auditID, stage) (detectors/detector-stage.ts)
//   and incidents are idempotent on them; a shared dedup store would put a
//   Redis round trip into every answer the API server is waiting on.
// The API server sends batches one at a time per backend and drops events
// when its buffer (`--audit-webhook-batch-buffer-size`) fills, so the answer
// time is what matters: the work per batch is one JSON.parse and one produce,
// and the events of a batch whose principals share a partition share one
// sealed record (records.ts):
// sealing and producing cost per record far more than per byte.

import { timingSafeEqual } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Server } from 'node:https'
import { createServer } from 'node:https'
import type { TLSSocket } from 'node:tls'
import type { AuditDecoded, AuditEvent } from '../../pipeline/audit-decode.ts'
import { auditDecodeReason, decodeAudit } from '../../pipeline/audit-decode.ts'
import { isLeakwatchError, LeakwatchError } from '../../pipeline/errors.ts'
import type { HttpServer } from '../../pipeline/http.ts'
import { badTarget, listen, requestUrl } from '../../pipeline/http.ts'
import type { Collector, CollectorDeps } from '../../pipeline/stages.ts'
import { readSecretFile } from '../../pipeline/tls.ts'
import { createSeen } from './dedup.ts'
import { auditRecords, fitRecords, partitionOfAudit } from './records.ts'
import type { AuditWebhookConfig } from './webhook.config.ts'
import { AUDIT_STAGES } from './webhook.config.ts'

export interface AuditWebhookDeps extends CollectorDeps {
  /** `cluster` of the configuration: the envelope's cluster. */
  cluster: string
}

export interface AuditWebhook extends Collector {
  /** Resolves with the port once the endpoint listens (tests use port 0). */
  listening: () => Promise<number>
}

class Answer extends Error {
  readonly status: number
  readonly body: Record<string, unknown>
  constructor(status: number, body: Record<string, unknown>) {
    super(String(body.error ?? status))
    this.status = status
    this.body = body
  }
}

function answer(res: ServerResponse, status: number, body: Record<string, unknown>, close = false): void {
  if (res.headersSent) return
  res.writeHead(status, { 'content-type': 'application/json', ...(close ? { connection: 'close' } : {}) }).end(JSON.stringify(body))
}

/** DNS names of a certificate's subjectAltName ("DNS:a, IP Address:1.2.3.4, DNS:b"). */
function dnsNames(san: string | undefined): string[] {
  if (san === undefined) return []
  return san
    .split(', ')
    .filter((n) => n.startsWith('DNS:'))
    .map((n) => n.slice(4))
}

export function createAuditWebhook(config: AuditWebhookConfig, deps: AuditWebhookDeps): AuditWebhook {
  const log = deps.logger.child({ collector: 'auditWebhook' })
  // A record holds the events of the principals that share a partition (records.ts).
  const partitionOf = partitionOfAudit(deps.publish)
  const m = {
    events: deps.metrics.auditEvents,
    invalid: deps.metrics.auditInvalid,
    requests: deps.metrics.auditWebhookRequests,
    answerSeconds: deps.metrics.auditWebhookSeconds
  }
  const now = deps.now ?? (() => new Date())
  const key = 'collector.auditWebhook'
  if (config.certFile === undefined || config.keyFile === undefined)
    throw new LeakwatchError('LW_ERR_CONFIG_INVALID', `${key}.certFile and ${key}.keyFile are required: the API server posts audit events over HTTPS`)
  const tokens = config.tokenFiles.map((f, i) => Buffer.from(readSecretFile(f, `${key}.tokenFiles[${i}]`)))
  const clientCa = config.clientCaFile === undefined ? undefined : readSecretFile(config.clientCaFile, `${key}.clientCaFile`)
  if (clientCa === undefined && tokens.length === 0 && !config.allowUnauthenticated)
    throw new LeakwatchError(
      'LW_ERR_CONFIG_INVALID',
      `${key}: set clientCaFile (client certificates) or tokenFiles (bearer tokens); accepting anyone takes an explicit allowUnauthenticated: true`
    )
  if (config.allowUnauthenticated)
    log.warn({ key: `${key}.allowUnauthenticated` }, 'audit webhook accepts UNAUTHENTICATED batches: anyone who reaches the port can inject audit events')
  else if (clientCa !== undefined && config.allowedClientNames.length === 0)
    log.warn({ key: `${key}.allowedClientNames` }, 'audit webhook accepts any client certificate of clientCaFile (no allowedClientNames)')
  const allowedNames = new Set(config.allowedClientNames)
  // Each forwarded stage's bit in the dedup memory; a stage not forwarded has none.
  const stageBits = new Map<string, number>(config.stages.map((st) => [st, 1 << (AUDIT_STAGES as readonly string[]).indexOf(st)]))
  const seen = createSeen(config.dedupEntries)

  function authenticated(req: IncomingMessage): boolean {
    if (config.allowUnauthenticated) return true
    if (clientCa !== undefined) {
      const sock = req.socket as TLSSocket
      if (sock.authorized) {
        const cert = sock.getPeerCertificate()
        if (allowedNames.size === 0) return true
        const cn = cert.subject?.CN
        if (typeof cn === 'string' && allowedNames.has(cn)) return true
        for (const n of dnsNames(cert.subjectaltname)) if (allowedNames.has(n)) return true
      }
    }
    const h = req.headers.authorization
    if (tokens.length === 0 || h === undefined || !h.startsWith('Bearer ')) return false
    const got = Buffer.from(h.slice(7))
    let ok = false
    // Every token is compared, in constant time, so timing tells nothing about which (or how much) matched.
    for (const t of tokens) if (t.length === got.length && timingSafeEqual(t, got)) ok = true
    return ok
  }

  async function readBody(req: IncomingMessage): Promise<string> {
    const declared = Number(req.headers['content-length'])
    if (Number.isFinite(declared) && declared > config.maxBodyBytes)
      throw new Answer(413, { error: `body larger than ${config.maxBodyBytes} bytes`, code: 'LW_ERR_AUDIT_INVALID', reason: 'too-large' })
    const parts: Buffer[] = []
    let size = 0
    for await (const c of req) {
      size += (c as Buffer).length
      if (size > config.maxBodyBytes)
        throw new Answer(413, { error: `body larger than ${config.maxBodyBytes} bytes`, code: 'LW_ERR_AUDIT_INVALID', reason: 'too-large' })
      parts.push(c as Buffer)
    }
    return Buffer.concat(parts, size).toString('utf8')
  }

  /** Decodes, filters and produces one batch; resolves with the answer's body once Kafka has every event. */
  async function take(body: string): Promise<Record<string, unknown>> {
    let decoded: AuditDecoded
    try {
      decoded = decodeAudit(body, { maxBytes: config.maxBodyBytes, maxEvents: config.maxEventsPerBatch })
    } catch (err) {
      const reason = auditDecodeReason(err)
      if (reason === undefined) throw err
      m.invalid.inc({ collector: 'webhook', reason })
      throw new Answer(400, { error: (err as Error).message, code: 'LW_ERR_AUDIT_INVALID', reason })
    }
    for (const r of decoded.rejected) m.invalid.inc({ collector: 'webhook', reason: r.reason })
    if (decoded.rejected.length > 0) {
      m.events.inc({ collector: 'webhook', outcome: 'rejected' }, decoded.rejected.length)
      // Positions and reasons only: an item may be anything, a secret included.
      log.warn(
        { code: 'LW_ERR_AUDIT_INVALID', rejected: decoded.rejected.slice(0, 10).map((r) => ({ index: r.index, reason: r.reason })) },
        'audit batch items are not events; the rest is kept'
      )
    }
    const receivedAt = now().toISOString()
    const cluster = decoded.cluster ?? deps.cluster
    const events: AuditEvent[] = []
    // The batch's own stage bits per auditID: a batch may repeat an event.
    const inBatch = new Map<string, number>()
    let duplicates = 0
    let dropped = 0
    for (const e of decoded.events) {
      const bit = stageBits.get(e.stage)
      if (bit === undefined) {
        dropped++
        continue
      }
      const batchBits = inBatch.get(e.auditID) ?? 0
      if (seen.has(e.auditID, bit) || (batchBits & bit) !== 0) {
        duplicates++
        continue
      }
      inBatch.set(e.auditID, batchBits | bit)
      events.push(e)
    }
    if (dropped > 0) m.events.inc({ collector: 'webhook', outcome: 'stage-dropped' }, dropped)
    if (duplicates > 0) m.events.inc({ collector: 'webhook', outcome: 'duplicate' }, duplicates)
    if (events.length > 0) {
      const fit = fitRecords(auditRecords(events, cluster, receivedAt, config.maxEventsPerRecord, partitionOf), deps.publish, config.maxRecordBytes)
      if (fit.truncated > 0) m.events.inc({ collector: 'webhook', outcome: 'truncated' }, fit.truncated)
      const produced = deps.publish(fit.records).then(() => {
        // Remembered only once durable: a batch that failed must not be taken for a duplicate when it is retried.
        // A produce that outlived its answer is remembered too: the API server's retry of it is a duplicate.
        for (const e of events) seen.add(e.auditID, stageBits.get(e.stage) as number)
        m.events.inc({ collector: 'webhook', outcome: 'produced' }, events.length)
      })
      let timer: NodeJS.Timeout | undefined
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new LeakwatchError('LW_ERR_KAFKA_UNAVAILABLE', `Kafka did not acknowledge within ${config.produceTimeoutMs} ms`)),
          config.produceTimeoutMs
        )
      })
      produced.catch(() => {})
      try {
        // The API server's webhook client gives up on a slow answer without retrying it: better a 503 it retries.
        await Promise.race([produced, late])
      } catch (err) {
        const code = isLeakwatchError(err) ? err.code : 'LW_ERR_KAFKA_UNAVAILABLE'
        log.warn(
          { code, reason: (err as Error).message, events: events.length },
          'audit batch not acknowledged by Kafka; answered 503 so the API server retries'
        )
        throw new Answer(503, { error: 'the bus did not acknowledge the batch; retry', code })
      } finally {
        clearTimeout(timer)
      }
    }
    return { accepted: events.length, duplicates, dropped, rejected: decoded.rejected.length }
  }

  async function handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (url.pathname !== config.path) throw new Answer(404, { error: 'not found' })
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST')
      throw new Answer(405, { error: 'POST an audit.k8s.io EventList' })
    }
    if (!authenticated(req)) {
      if (tokens.length > 0) res.setHeader('www-authenticate', 'Bearer')
      throw new Answer(401, { error: 'caller not authenticated (client certificate or bearer token)' })
    }
    const enc = req.headers['content-encoding']
    if (enc !== undefined && enc !== 'identity') throw new Answer(415, { error: 'content-encoding is not supported' })
    const body = await readBody(req)
    answer(res, 200, await take(body))
    m.requests.inc({ code: '200' })
  }

  const server: Server = createServer(
    {
      key: readSecretFile(config.keyFile, `${key}.keyFile`),
      cert: readSecretFile(config.certFile, `${key}.certFile`),
      ...(clientCa === undefined ? {} : { ca: clientCa, requestCert: true }),
      // A caller without a certificate may still bring a token: the certificate is checked per request.
      rejectUnauthorized: false,
      minVersion: 'TLSv1.2'
    },
    (req, res) => {
      const t0 = performance.now()
      res.on('finish', () => m.answerSeconds.observe((performance.now() - t0) / 1000, { code: `${Math.floor(res.statusCode / 100)}xx` }))
      const url = requestUrl(req)
      if (url === undefined) {
        m.requests.inc({ code: '400' })
        return badTarget(res)
      }
      handle(req, res, url).catch((err: unknown) => {
        if (err instanceof Answer) {
          m.requests.inc({ code: String(err.status) })
          // The API server's webhook client retries a 5xx only when told to come back (Retry-After), or a 500.
          if (err.status === 503) res.setHeader('retry-after', '1')
          // A body cut short is not read on: the connection goes with the answer.
          answer(res, err.status, err.body, err.status === 413)
          if (err.status === 413) res.on('finish', () => req.destroy())
          return
        }
        m.requests.inc({ code: '500' })
        log.error({ reason: (err as Error).message }, 'audit webhook error')
        answer(res, 500, { error: 'internal error' })
      })
    }
  )
  server.requestTimeout = config.requestTimeoutMs
  server.headersTimeout = Math.min(config.requestTimeoutMs, 10_000)

  let http: HttpServer | undefined
  let resolvePort: (port: number) => void = () => {}
  let rejectPort: (err: unknown) => void = () => {}
  const port = new Promise<number>((resolve, reject) => {
    resolvePort = resolve
    rejectPort = reject
  })
  port.catch(() => {})

  return {
    listening: () => port,
    async start(signal) {
      try {
        http = await listen(server as unknown as import('node:http').Server, { host: config.host, port: config.port })
      } catch (err) {
        rejectPort(err)
        throw err
      }
      log.info(
        { port: http.port, path: config.path, clientCertificates: clientCa !== undefined, tokens: tokens.length, unauthenticated: config.allowUnauthenticated },
        'audit webhook listening'
      )
      resolvePort(http.port)
      if (!signal.aborted) await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }))
    },
    async close() {
      await http?.close()
    }
  }
}
