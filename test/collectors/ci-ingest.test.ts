// The CI log ingest endpoint (POST /api/v1/ci/logs) and `leakwatch mask
// --forward`, which streams a CI step's input to it: bearer token compared in
// constant time (401, counted), metadata checked (400 naming the field, never
// quoting it), text only (415), bounded body (413) and line (pieces, nothing
// dropped), 202 only once every line was published, 503 when the bus refuses.
// mask --forward never fails the step: with the endpoint down it warns and
// masks as it would without.

import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import type { IncomingMessage } from 'node:http'
import { createServer, request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import type { CiIngestConfig } from '../../collectors/ci/ingest.config.ts'
import { ciIngestConfigSchema } from '../../collectors/ci/ingest.config.ts'
import type { IngestEndpoint } from '../../collectors/ci/ingest.ts'
import { createIngestEndpoint, INGEST_PATH } from '../../collectors/ci/ingest.ts'
import type { LogChunk } from '../../pipeline/events.ts'
import { silentLogger } from '../../pipeline/log.ts'
import { createMetrics } from '../../pipeline/metrics.ts'
import type { OutRecord, Publish } from '../../pipeline/runner.ts'
import { parse } from '../../pipeline/schema.ts'
import { assertAbsent, cli } from '../support/cli.ts'
import { seededGen } from '../support/seed.ts'
import { waitFor } from '../support/wait.ts'

const gen = seededGen('ingest')
const TOKEN = gen.base62(40)
const dir = mkdtempSync(join(tmpdir(), 'lw-ingest-'))
after(() => rmSync(dir, { recursive: true, force: true }))

function config(over: Partial<CiIngestConfig> = {}): CiIngestConfig {
  return { ...parse(ciIngestConfigSchema, { enabled: true, port: 0, host: '127.0.0.1' }, 'LW_ERR_CONFIG_INVALID', 'ciIngest'), ...over }
}

function recorder() {
  const chunks: LogChunk[] = []
  const publish: Publish = async (records: OutRecord[]) => {
    for (const r of records) chunks.push(r.value as LogChunk)
  }
  return { chunks, publish }
}

async function serving(publish: Publish, over: Partial<CiIngestConfig> = {}) {
  const metrics = createMetrics()
  const e: IngestEndpoint = createIngestEndpoint(config(over), { publish, logger: silentLogger(), metrics, tokens: [TOKEN] })
  const ac = new AbortController()
  const started = e.start(ac.signal)
  await waitFor(() => e.port() !== 0, 'the ingest endpoint listening')
  return {
    port: e.port(),
    metrics,
    stop: async () => {
      ac.abort()
      await e.close()
      await started
    }
  }
}

const META = { 'x-leakwatch-repository': 'acme/billing', 'x-leakwatch-job-id': '4711', 'x-leakwatch-job': 'build', 'x-leakwatch-branch': 'main' }

function send(
  port: number,
  body: string | Buffer | Array<string | Buffer>,
  headers: Record<string, string>,
  path = INGEST_PATH
): { done: Promise<{ status: number; body: string }>; answered: () => boolean } {
  let answered = false
  const done = new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers }, (res) => {
      answered = true
      let text = ''
      res.on('data', (c: Buffer) => {
        text += c.toString('utf8')
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }))
    })
    // A refused request may close before the whole body is written: the answer is what counts.
    req.on('error', (err) => (answered ? undefined : reject(err)))
    if (Array.isArray(body)) {
      for (const b of body) req.write(b)
      req.end()
    } else req.end(body)
  })
  return { done, answered: () => answered }
}

const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'text/plain; charset=utf-8' }

test('a missing or wrong bearer token is 401 and counted; the answer quotes nothing; nothing is published', async () => {
  const rec = recorder()
  const s = await serving(rec.publish)
  try {
    const wrong = gen.base62(40)
    const a = await send(s.port, 'hello\n', { ...META, 'content-type': 'text/plain', authorization: `Bearer ${wrong}` }).done
    assert.equal(a.status, 401)
    assert.equal(JSON.parse(a.body).code, 'LW_ERR_CI_INGEST_REJECTED')
    assert.ok(!a.body.includes(wrong))
    const b = await send(s.port, 'hello\n', { ...META, 'content-type': 'text/plain' }).done
    assert.equal(b.status, 401)
    assert.match(s.metrics.registry.render(), /leakwatch_ci_webhook_rejected_total\{provider="generic",reason="token"\} 2/)
  } finally {
    await s.stop()
  }
  assert.equal(rec.chunks.length, 0)
})

test('metadata is checked (400 naming the field), the body must be text (415)', async () => {
  const s = await serving(recorder().publish)
  try {
    const noRepo = await send(s.port, 'x\n', { ...auth, 'x-leakwatch-job-id': '1' }).done
    assert.equal(noRepo.status, 400)
    assert.match(JSON.parse(noRepo.body).error, /repository and job-id are required/)
    const traversal = await send(s.port, 'x\n', { ...auth, ...META, 'x-leakwatch-repository': 'acme/../etc' }).done
    assert.equal(traversal.status, 400)
    assert.ok(!traversal.body.includes('../etc'))
    const control = await send(s.port, 'x\n', { ...auth, ...META }, `${INGEST_PATH}?job-id=a%0Ab`).done
    assert.equal(control.status, 202, 'the header wins over the query')
    const json = await send(s.port, '{}', { ...auth, ...META, 'content-type': 'application/json' }).done
    assert.equal(json.status, 415)
  } finally {
    await s.stop()
  }
})

test('a streamed log is published as chunks with its metadata; 202 comes only after the last chunk is acknowledged', async () => {
  const chunks: LogChunk[] = []
  let release: (() => void) | undefined
  let calls = 0
  const publish: Publish = async (records) => {
    calls++
    // The last chunk waits for the test: the answer must not come before it is acknowledged.
    await new Promise<void>((resolve) => {
      release = resolve
    })
    for (const r of records) chunks.push(r.value as LogChunk)
  }
  const s = await serving(publish, { maxChunkLines: 1000 })
  try {
    const secret = gen.githubToken('ghp_')
    const r = send(s.port, ['step 1\r\n', `export TOKEN=${secret}\r\n`, 'step 3 without end'], { ...auth, ...META, 'x-leakwatch-commit': 'abc123' })
    await waitFor(() => calls === 1, 'the chunk published')
    assert.equal(r.answered(), false)
    release?.()
    const res = await r.done
    assert.equal(res.status, 202)
    assert.equal(JSON.parse(res.body).lines, 3)
    assert.deepEqual(chunks[0]?.lines, ['step 1', `export TOKEN=${secret}`, 'step 3 without end'])
    assert.equal(chunks[0]?.stream, 'ci/generic/acme/billing/4711')
    assert.deepEqual(chunks[0]?.source, {
      type: 'ci',
      provider: 'generic',
      repository: 'acme/billing',
      job: 'build',
      url: '',
      labels: { workflow: '', jobId: '4711', runId: '', runAttempt: '1', branch: 'main', commit: 'abc123' }
    })
  } finally {
    await s.stop()
  }
})

test('a line over maxLineBytes arrives in pieces, nothing dropped; a body over maxBodyBytes is 413; a bus failure is 503', async () => {
  const rec = recorder()
  const s = await serving(rec.publish, { maxLineBytes: 1024, maxBodyBytes: 64 * 1024 })
  try {
    const long = gen.base62(5000)
    const ok = await send(s.port, `before\n${long}\nafter\n`, { ...auth, ...META }).done
    assert.equal(ok.status, 202)
    const lines = rec.chunks.flatMap((c) => c.lines)
    assert.ok(lines.every((l) => Buffer.byteLength(l) <= 1024))
    assert.equal(lines.join(''), `before${long}after`)
    const big = await send(s.port, 'x'.repeat(70 * 1024), { ...auth, ...META, 'x-leakwatch-job-id': '2' }).done
    assert.equal(big.status, 413)
    const chunked = await send(
      s.port,
      Array.from({ length: 80 }, () => `${'y'.repeat(1023)}\n`),
      { ...auth, ...META, 'x-leakwatch-job-id': '3' }
    ).done
    assert.equal(chunked.status, 413)
  } finally {
    await s.stop()
  }
  const failing = await serving(async () => {
    throw Object.assign(new Error('broker down'), { retriable: true })
  })
  try {
    const res = await send(failing.port, 'x\n', { ...auth, ...META }).done
    assert.equal(res.status, 503)
    assert.equal(JSON.parse(res.body).code, 'LW_ERR_CI_BUSY')
  } finally {
    await failing.stop()
  }
})

test('backpressure: the body is read no further than one chunk past what the bus acknowledged', async () => {
  let acked = 0
  let maxAhead = 0
  let read = 0
  let req: IncomingMessage | undefined
  let release: (() => void) | undefined
  let readWhenHeld = 0
  const publish: Publish = async (records) => {
    // The first chunk is held until the server has stopped reading the connection (or the test fails).
    if (release === undefined) {
      readWhenHeld = read
      await new Promise<void>((resolve) => {
        release = resolve
      })
    }
    for (const r of records) acked += Buffer.byteLength((r.value as LogChunk).lines.join('\n')) + (r.value as LogChunk).lines.length
  }
  const maxChunkBytes = 256 * 1024
  const e = createIngestEndpoint(config({ maxChunkBytes }), {
    publish,
    logger: silentLogger(),
    metrics: createMetrics(),
    tokens: [TOKEN],
    onRead: (bytes, r) => {
      read = bytes
      req = r
      maxAhead = Math.max(maxAhead, bytes - acked)
    }
  })
  const ac = new AbortController()
  const started = e.start(ac.signal)
  await waitFor(() => e.port() !== 0, 'listening')
  try {
    const total = 32 * 1024 * 1024
    const piece = Buffer.from(`${'z'.repeat(1023)}\n`.repeat(64))
    const pieces = Array.from({ length: total / piece.length }, () => piece)
    const sent = send(e.port(), pieces, { ...auth, ...META }).done
    // Awaited below; a test that fails first must not leave its rejection unhandled.
    sent.catch(() => {})
    await waitFor(() => release !== undefined, 'the first chunk on the bus')
    // Held: node pauses the connection once the request's buffer is full and nobody reads it; a reader that
    // read ahead regardless would resume it within the same turn of the event loop, so paused across a whole
    // turn, with nothing read meanwhile, is the server waiting for the bus.
    const held = async (): Promise<boolean> => {
      assert.ok(read < total, 'the whole body was read while the bus held its first chunk')
      if (req?.socket.isPaused() !== true) return false
      const before = read
      await new Promise((resolve) => setImmediate(resolve))
      return req.socket.isPaused() && read === before
    }
    await waitFor(held, 'the server to stop reading while the bus holds the first chunk', 30_000)
    // The held chunk, the next one cut, and what sits between the socket and the line reader.
    assert.ok(read - readWhenHeld <= maxChunkBytes + 256 * 1024, `read ${read - readWhenHeld} bytes past the held chunk`)
    assert.ok(read < total / 8, `read ${read} of ${total} bytes while nothing was acknowledged`)
    release?.()
    const res = await sent
    assert.equal(res.status, 202)
    assert.equal(read, total)
    // One chunk being cut, one on its way, and the stream buffers between the socket and the reader.
    assert.ok(maxAhead < 4 * 1024 * 1024, `read ${maxAhead} bytes ahead of the bus`)
  } finally {
    release?.()
    ac.abort()
    await e.close()
    await started
  }
})

const GITHUB_ENV = {
  GITHUB_ACTIONS: 'true',
  GITHUB_REPOSITORY: 'acme/shop',
  GITHUB_RUN_ID: '99',
  GITHUB_JOB: 'test',
  GITHUB_RUN_ATTEMPT: '2',
  GITHUB_REF_NAME: 'main',
  GITHUB_SHA: 'f'.repeat(40),
  GITHUB_ACTOR: 'octocat',
  GITHUB_SERVER_URL: 'https://github.example.test',
  LEAKWATCH_STEP: 'unit'
}

test('mask --forward with the endpoint down: the output is masked as without it, the exit code is the same, one warning', async () => {
  const closed = createServer()
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', () => resolve()))
  const port = (closed.address() as AddressInfo).port
  await new Promise<void>((resolve) => closed.close(() => resolve()))
  const secret = gen.githubToken('ghp_')
  const input = `line one\nexport T=${secret}\nline three\n`
  const run = await cli(['mask', '--forward', `http://127.0.0.1:${port}${INGEST_PATH}`], {
    cwd: dir,
    stdin: input,
    env: { ...GITHUB_ENV, LEAKWATCH_INGEST_TOKEN: TOKEN }
  })
  assert.equal(run.code, 1)
  assert.equal(run.stdout.split('\n').length, 4)
  assert.ok(run.stdout.startsWith('line one\nexport T=ghp_'))
  assertAbsent(run, secret)
  assert.match(run.stderr, /warning: forwarding to http:\/\/127\.0\.0\.1:\d+ failed \(ECONNREFUSED\); masking goes on/)
  assert.ok(!run.stderr.includes(TOKEN))
  const noToken = await cli(['mask', '--forward', `http://127.0.0.1:${port}${INGEST_PATH}`], { cwd: dir, stdin: input, env: GITHUB_ENV })
  assert.equal(noToken.code, 1)
  assert.match(noToken.stderr, /LEAKWATCH_INGEST_TOKEN is not set/)
})

test('mask --forward streams what the step printed, with the CI job from the environment, to the ingest endpoint', async () => {
  const rec = recorder()
  const s = await serving(rec.publish)
  try {
    const secret = gen.githubToken('ghp_')
    const run = await cli(['mask', '--forward', `http://127.0.0.1:${s.port}${INGEST_PATH}`], {
      cwd: dir,
      stdin: `compiling\nexport T=${secret}\ndone\n`,
      env: { ...GITHUB_ENV, LEAKWATCH_INGEST_TOKEN: TOKEN }
    })
    assert.equal(run.code, 1)
    assertAbsent(run, secret)
    assert.equal(run.stderr.includes('warning'), false, run.stderr)
    // The pipeline gets the step's output as it was: it has to see the secret to fingerprint and route it.
    assert.deepEqual(
      rec.chunks.flatMap((c) => c.lines),
      ['compiling', `export T=${secret}`, 'done']
    )
    const c = rec.chunks[0]
    assert.equal(c?.stream, 'ci/generic/acme/shop/99-test/unit')
    assert.equal(c?.source.repository, 'acme/shop')
    assert.equal(c?.source.url, 'https://github.example.test/acme/shop/actions/runs/99')
    assert.deepEqual(c?.source.labels, {
      workflow: '',
      jobId: '99-test/unit',
      runId: '99',
      runAttempt: '2',
      branch: 'main',
      commit: 'f'.repeat(40),
      actor: 'octocat',
      system: 'github-actions'
    })
  } finally {
    await s.stop()
  }
})

test('mask --forward of UTF-16 output (a Windows runner step) forwards the text it decodes, so the pipeline sees the secret', async () => {
  const rec = recorder()
  const s = await serving(rec.publish)
  try {
    const secret = gen.githubToken('ghp_')
    const text = `compiling\r\nexport T=${secret}\r\ndone\r\n`
    for (const [name, bytes] of [
      ['utf-16le with BOM', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')])],
      ['utf-16le without BOM', Buffer.from(text, 'utf16le')]
    ] as const) {
      rec.chunks.length = 0
      const run = await cli(['mask', '--forward', `http://127.0.0.1:${s.port}${INGEST_PATH}`], {
        cwd: dir,
        stdin: bytes,
        env: { ...GITHUB_ENV, LEAKWATCH_INGEST_TOKEN: TOKEN }
      })
      assert.equal(run.code, 1, name)
      assert.equal(run.stderr.includes('warning'), false, `${name}: ${run.stderr}`)
      const lines = rec.chunks.flatMap((c) => c.lines)
      assert.ok(lines.includes(`export T=${secret}`), `${name}: forwarded ${JSON.stringify(lines.map((l) => l.length))}`)
      assert.ok(!lines.some((l) => l.includes('\u0000')), `${name}: no NUL reached the pipeline`)
    }
  } finally {
    await s.stop()
  }
})
