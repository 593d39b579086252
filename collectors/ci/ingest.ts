// The CI log ingest endpoint, for CI systems leakwatch has no collector for
// (Jenkins, Buildkite, CircleCI, self-hosted runners) and for `leakwatch mask
// --forward`: `POST /api/v1/ci/logs` with `Authorization: Bearer <token>`, the
// log as the body (text/plain, usually chunked: it is read as it arrives), and
// the job's metadata in `X-Leakwatch-*` headers or the query string.
//
// The body is read no faster than Kafka acknowledges its chunks (the request's
// TCP window closes while a chunk is on its way: backpressure, flat memory),
// lines are bounded (pieces past maxLineBytes, never dropped), and the answer
// is 202 only once every line is on Kafka. A failure answers a code and never
// quotes the request.

import type { IncomingMessage, ServerResponse } from 'node:http'
import { createServer } from 'node:http'
import RE2 from 're2'
import { isLeakwatchError } from '../../pipeline/errors.ts'
import type { HttpServer } from '../../pipeline/http.ts'
import { badTarget, listen, requestUrl } from '../../pipeline/http.ts'
import type { Logger } from '../../pipeline/log.ts'
import type { Metrics } from '../../pipeline/metrics.ts'
import type { Publish } from '../../pipeline/runner.ts'
import type { ChunkCut, Collector } from '../../pipeline/stages.ts'
import { publishLines } from './chunks.ts'
import type { CiIngestConfig } from './ingest.config.ts'
import { logLines } from './log-lines.ts'
import type { CiJobMeta, CiLogFormat } from './provider.ts'
import { ciSource, ciStream } from './provider.ts'
import { BodyTooLarge, bearer, header, refuse, reply, tokenMatches } from './request.ts'

export const INGEST_PATH = '/api/v1/ci/logs'

/** The metadata names, as `X-Leakwatch-<Name>` headers or query parameters. */
export const INGEST_FIELDS = [
  'repository',
  'job',
  'job-id',
  'run-id',
  'attempt',
  'workflow',
  'branch',
  'commit',
  'actor',
  'url',
  'step',
  'format',
  'system'
] as const

export interface IngestDeps {
  publish: Publish
  logger: Logger
  metrics: Metrics
  tokens: readonly string[]
  now?: () => Date
  /** Body bytes read so far, at each read, and the request read (tests check the read-ahead bound and that its connection is held). */
  onRead?: (bytes: number, req: IncomingMessage) => void
  chunkCut?: ChunkCut
}

export interface IngestEndpoint extends Collector {
  port: () => number
}

class BadMetadata extends Error {
  override readonly name = 'BadMetadata'
}

const MAX_FIELD_CHARS = 512
// Printable, no controls, no path games: these become a Kafka key and a stream id.
// RE2: header and query values are whatever the network sent.
const SAFE = new RE2('^\\P{Cc}+$', 'u')
const REPOSITORY = new RE2('^[A-Za-z0-9._~-]+(?:/[A-Za-z0-9._~-]+)*$')
const ID = new RE2('^[A-Za-z0-9._:~-]{1,128}$')
const HTTP_URL = new RE2('^https?://\\S+$')

/** The job a request's metadata describes; BadMetadata names the field at fault, never its value. */
export function ingestJob(get: (name: (typeof INGEST_FIELDS)[number]) => string | undefined): { job: CiJobMeta; format: CiLogFormat; system?: string } {
  const field = (name: (typeof INGEST_FIELDS)[number]): string | undefined => {
    const v = get(name)?.trim()
    if (v === undefined || v === '') return undefined
    if (v.length > MAX_FIELD_CHARS || !SAFE.test(v)) throw new BadMetadata(`${name} is too long or holds control characters`)
    return v
  }
  const repository = field('repository')
  const jobId = field('job-id')
  if (repository === undefined || jobId === undefined) throw new BadMetadata('repository and job-id are required')
  if (!REPOSITORY.test(repository) || repository.split('/').some((p) => p === '.' || p === '..')) throw new BadMetadata('repository is not owner/name')
  const step = field('step')
  for (const [name, v] of [
    ['job-id', jobId],
    ['step', step]
  ] as const)
    if (v !== undefined && !ID.test(v)) throw new BadMetadata(`${name} may hold letters, digits and ._:~- only`)
  const attemptText = field('attempt')
  const attempt = attemptText === undefined ? 1 : Number(attemptText)
  if (!Number.isSafeInteger(attempt) || attempt < 1) throw new BadMetadata('attempt is not a positive whole number')
  const url = field('url')
  if (url !== undefined && !HTTP_URL.test(url)) throw new BadMetadata('url is not an http(s) URL')
  const format = field('format') ?? 'plain'
  if (format !== 'plain' && format !== 'github' && format !== 'gitlab') throw new BadMetadata('format is plain, github or gitlab')
  const branch = field('branch')
  const commit = field('commit')
  const actor = field('actor')
  const system = field('system')
  const page = url ?? ''
  const job: CiJobMeta = {
    provider: 'generic',
    repository,
    workflow: field('workflow') ?? '',
    job: field('job') ?? jobId,
    // Each step of one job is its own stream: two `mask --forward` steps would otherwise both start at line 1.
    jobId: step === undefined ? jobId : `${jobId}/${step}`,
    runId: field('run-id') ?? '',
    runAttempt: attempt,
    url: page,
    lineUrl: () => page,
    ...(branch === undefined ? {} : { branch }),
    ...(commit === undefined ? {} : { commit }),
    ...(actor === undefined ? {} : { actor })
  }
  return { job, format, ...(system === undefined ? {} : { system }) }
}

export function createIngestEndpoint(config: CiIngestConfig, deps: IngestDeps): IngestEndpoint {
  const log = deps.logger.child({ collector: 'ci-ingest' })
  const rejected = (reason: string): void => deps.metrics.ciWebhookRejected.inc({ provider: 'generic', reason })
  let active = 0
  let server: HttpServer | undefined
  let closed = false

  async function onLog(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (!tokenMatches(bearer(req), deps.tokens)) {
      rejected('token')
      return refuse(res, 401, 'LW_ERR_CI_INGEST_REJECTED', 'missing or wrong bearer token', { 'www-authenticate': 'Bearer' })
    }
    const type = (header(req, 'content-type') ?? '').split(';')[0]?.trim().toLowerCase()
    if (type !== 'text/plain' && type !== 'application/octet-stream') {
      rejected('malformed')
      return refuse(res, 415, 'LW_ERR_CI_INGEST_REJECTED', 'the body must be text/plain')
    }
    let meta: ReturnType<typeof ingestJob>
    try {
      meta = ingestJob((name) => header(req, `x-leakwatch-${name}`) ?? url.searchParams.get(name) ?? undefined)
    } catch (err) {
      rejected('malformed')
      return refuse(res, 400, 'LW_ERR_CI_INGEST_REJECTED', err instanceof BadMetadata ? err.message : 'metadata not understood')
    }
    const declared = Number(req.headers['content-length'] ?? Number.NaN)
    if (Number.isFinite(declared) && declared > config.maxBodyBytes) {
      rejected('too-large')
      return refuse(res, 413, 'LW_ERR_CI_INGEST_REJECTED', `body over ${config.maxBodyBytes} bytes`)
    }
    if (active >= config.concurrency) return refuse(res, 503, 'LW_ERR_CI_BUSY', 'too many logs streaming in; retry later', { 'retry-after': '10' })
    active++
    let bytes = 0
    try {
      const body = (async function* () {
        for await (const piece of req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
          bytes += piece.length
          deps.onRead?.(bytes, req)
          if (bytes > config.maxBodyBytes) throw new BodyTooLarge(`body over ${config.maxBodyBytes} bytes`)
          yield piece
        }
      })()
      const source = ciSource(meta.job)
      if (meta.system !== undefined) source.labels = { ...source.labels, system: meta.system }
      const stream = ciStream(meta.job)
      const done = await publishLines(logLines(body, { format: meta.format, maxLineBytes: config.maxLineBytes }), stream, source, config, {
        publish: deps.publish,
        cut: deps.chunkCut,
        ...(deps.now === undefined ? {} : { now: deps.now })
      })
      deps.metrics.linesCollected.inc({ collector: 'ci-ingest' }, done.lines)
      deps.metrics.bytesCollected.inc({ collector: 'ci-ingest' }, bytes)
      deps.metrics.ciJobs.inc({ provider: 'generic', outcome: 'scanned' })
      reply(res, 202, { status: 'accepted', stream, lines: done.lines, chunks: done.chunks })
    } catch (err) {
      if (err instanceof BodyTooLarge) {
        rejected('too-large')
        return refuse(res, 413, 'LW_ERR_CI_INGEST_REJECTED', err.message)
      }
      // The sender went away (a stalled request ended by the idle timeout): nobody to answer.
      if (req.socket.destroyed) return
      deps.metrics.ciJobs.inc({ provider: 'generic', outcome: 'failed' })
      log.warn({ code: isLeakwatchError(err) ? err.code : undefined, repository: meta.job.repository }, 'CI log not delivered')
      refuse(res, 503, 'LW_ERR_CI_BUSY', 'the log could not be delivered to the pipeline; send it again', { 'retry-after': '30' })
    } finally {
      active--
    }
  }

  return {
    port: () => server?.port ?? 0,
    ready: () => server !== undefined && !closed,
    async start(signal) {
      const s = createServer((req, res) => {
        const url = requestUrl(req)
        if (url === undefined) return badTarget(res)
        if (url.pathname !== INGEST_PATH) return refuse(res, 404, 'LW_ERR_CI_INGEST_REJECTED', 'not found')
        if (req.method !== 'POST') return refuse(res, 405, 'LW_ERR_CI_INGEST_REJECTED', 'POST only', { allow: 'POST' })
        req.setTimeout(config.idleTimeoutMs, () => req.destroy())
        onLog(req, res, url).catch((err: unknown) => {
          log.error({ reason: (err as Error).name }, 'CI log request failed')
          refuse(res, 500, 'LW_ERR_CI_BUSY', 'internal error')
        })
      })
      // A log streams for as long as its job runs; the idle timeout above bounds a stalled one instead.
      s.requestTimeout = 0
      server = await listen(s, { host: config.host, port: config.port })
      log.info({ port: server.port }, 'CI log ingest listening')
      await new Promise<void>((resolve) => {
        if (signal.aborted) resolve()
        else signal.addEventListener('abort', () => resolve(), { once: true })
      })
    },
    async close() {
      closed = true
      await server?.close()
    }
  }
}
