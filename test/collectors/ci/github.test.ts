// The GitHub Actions collector against the GitHub stand-in
// (test/support/github-standin.ts): webhook authentication, replays and
// staleness; the log download with 404-until-ready, the redirect to the log
// host, secondary and primary rate limits; App installation tokens; a
// workflow_run delivery; a 50 MB log; a log cut mid-body and a collector
// stopped mid-log, resumed without losing or doubling a finding.
//
// The bus here is a recording publisher (the Kafka path is
// test/e2e/ci-github-kafka.test.ts). Waits the collector asks for go to a
// fake sleep that moves the shared clock, so Retry-After and rate-limit resets
// are honoured without the test waiting them out: the stand-in checks, on the
// same clock, that no call came early.

import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import { test } from 'node:test'
import type { GithubAuth } from '../../../collectors/ci/github/auth.ts'
import { appAuth, tokenAuth } from '../../../collectors/ci/github/auth.ts'
import { createGithubCollector } from '../../../collectors/ci/github/collector.ts'
import type { GithubCollectorConfig } from '../../../collectors/ci/github.config.ts'
import { githubCollectorConfigSchema } from '../../../collectors/ci/github.config.ts'
import { BUILTIN_RULES } from '../../../detectors/rules/registry.ts'
import { createSecretDetector } from '../../../detectors/secrets.ts'
import type { Finding, LogChunk } from '../../../pipeline/events.ts'
import { createFingerprinter } from '../../../pipeline/fingerprint.ts'
import { createLogger } from '../../../pipeline/log.ts'
import { createMetrics } from '../../../pipeline/metrics.ts'
import type { OutRecord } from '../../../pipeline/runner.ts'
import { parse } from '../../../pipeline/schema.ts'
import { githubLog } from '../../support/github-log.ts'
import type { Standin, StandinJob } from '../../support/github-standin.ts'
import { deliver, startGithubStandin } from '../../support/github-standin.ts'
import { seededGen, subSeed } from '../../support/seed.ts'
import { waitFor } from '../../support/wait.ts'

const SECRET = 'webhook-secret-for-tests'
const STREAM = (id: number): string => `ci/github/octo-org/octo-repo/${id}`

interface Rig {
  gh: Standin
  url: string
  chunks: LogChunk[]
  waits: number[]
  logged: string[]
  metrics: ReturnType<typeof createMetrics>
  outcomes: Map<string, string>
  /** Holds publishing while set: the test decides when Kafka "acknowledges". */
  gate: { hold: Promise<void> | undefined; published: number }
  dir: string
  stop: () => Promise<void>
  config: GithubCollectorConfig
  start: (opts?: { statePath?: string }) => Promise<void>
}

async function rig(t: TestContext, opts: { app?: boolean; config?: Record<string, unknown>; dir?: string; gh?: Standin } = {}): Promise<Rig> {
  let skew = 0
  const now = (): number => Date.now() + skew
  const waits: number[] = []
  const gh = opts.gh ?? (await startGithubStandin({ now }))
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'lw-gh-'))
  const chunks: LogChunk[] = []
  const logged: string[] = []
  const metrics = createMetrics()
  const outcomes = new Map<string, string>()
  const gate: Rig['gate'] = { hold: undefined, published: 0 }
  const config = parse(
    githubCollectorConfigSchema,
    {
      enabled: true,
      host: '127.0.0.1',
      port: 0,
      apiUrl: gh.apiUrl,
      webUrl: 'https://github.com',
      statePath: join(dir, 'jobs.json'),
      api: { retryBaseMs: 200, notReadyMaxMs: 60_000 },
      maxBatchBytes: 256 * 1024,
      ...opts.config
    },
    'LW_ERR_CONFIG_INVALID',
    'collector.github'
  )
  const auth: GithubAuth =
    opts.app === true
      ? appAuth({ apiUrl: gh.apiUrl, appId: gh.app.id, privateKeyPem: gh.app.privateKeyPem, now, timeoutMs: 5000, userAgent: 'leakwatch' })
      : tokenAuth(gh.token)
  let stopFn: () => Promise<void> = async () => {}
  const r: Rig = {
    gh,
    url: '',
    chunks,
    waits,
    logged,
    metrics,
    outcomes,
    gate,
    dir,
    config,
    stop: () => stopFn(),
    async start(o = {}) {
      const collector = createGithubCollector(
        { ...config, ...(o.statePath === undefined ? {} : { statePath: o.statePath }) },
        {
          publish: async (records: OutRecord[]) => {
            if (gate.hold !== undefined) await gate.hold
            for (const rec of records) chunks.push(rec.value as LogChunk)
            gate.published++
          },
          logger: createLogger({ level: 'debug', destination: { write: (s: string) => void logged.push(s) } }),
          metrics,
          now,
          sleep: async (ms) => {
            waits.push(ms)
            skew += ms
          },
          auth,
          webhookSecrets: [Buffer.from(SECRET)],
          onJob: (key, outcome) => outcomes.set(key, outcome)
        }
      )
      const ac = new AbortController()
      const running = collector.start(ac.signal)
      await collector.listening
      r.url = `http://127.0.0.1:${collector.port()}${config.path}`
      stopFn = async () => {
        ac.abort()
        await collector.close()
        await running
      }
    }
  }
  await r.start()
  t.after(async () => {
    await r.stop()
    if (opts.gh === undefined) await gh.close()
    if (opts.dir === undefined) rmSync(dir, { recursive: true, force: true })
  })
  return r
}

/** The lines of a generated log as the normaliser numbers them: one per '\n', the last without one. */
async function rawLines(job: StandinJob): Promise<number> {
  let n = 0
  let last = 0
  const src = Buffer.isBuffer(job.log) ? [job.log] : job.log()
  for await (const c of src) {
    for (let i = c.indexOf(10); i !== -1; i = c.indexOf(10, i + 1)) n++
    last = c[c.length - 1] ?? 10
  }
  return last === 10 ? n : n + 1
}

/** Per line number, its text; every copy of a line the same. */
function linesOf(chunks: LogChunk[], stream: string): Map<number, string> {
  const m = new Map<number, string>()
  for (const c of chunks) {
    if (c.stream !== stream) continue
    c.lines.forEach((text, i) => {
      const n = c.startLine + i
      const had = m.get(n)
      if (had !== undefined) assert.equal(had, text, `a replayed line ${n} is the same text`)
      m.set(n, text)
    })
  }
  return m
}

function detect(chunks: LogChunk[]): Finding[] {
  const engine = createSecretDetector({ rules: BUILTIN_RULES, fingerprinter: createFingerprinter('ci-test-key'), maxContextChars: 160 })
  return chunks.flatMap((c) => engine.detect(c))
}

/** A generated job log with GitHub tokens planted at lines `at`; `startedAt` is the job's start, the log's first stamp. */
function planted(label: string, bytes: number, at: number[]): { log: () => AsyncIterable<Buffer>; tokens: string[]; startedAt: string } {
  const gen = seededGen(label)
  const tokens = at.map(() => gen.githubToken('ghp_'))
  const plant = new Map(at.map((line, i) => [line, `+ curl -H "Authorization: token ${tokens[i]}" https://api.github.com/user`]))
  const start = new Date(Math.floor((Date.now() - 60_000) / 1000) * 1000)
  const g = githubLog({ seed: subSeed(`${label}-log`), bytes, plant, start })
  return { log: () => g.generate(), tokens, startedAt: start.toISOString().replace('.000Z', 'Z') }
}

test('a completed job: 404 until ready, the redirect to the log host without the token, a secondary rate limit; every line once, with the metadata', async (t) => {
  const r = await rig(t)
  const { log, tokens, startedAt } = planted('first', 300_000, [60, 2500])
  const job = r.gh.addJob({ id: 101, log, notReadyFor: 3, startedAt })
  r.gh.secondaryLimit(1, 7)
  const res = await deliver(r.url, 'workflow_job', r.gh.workflowJobPayload(job), SECRET)
  assert.equal(res.status, 202, res.body)
  await waitFor(() => r.outcomes.has(STREAM(101)), 'job 101 scanned', 20_000)
  assert.equal(r.outcomes.get(STREAM(101)), 'scanned')
  assert.deepEqual(r.gh.violations, [])
  assert.deepEqual(r.gh.schemaErrors, [])
  // Three 404s, then the secondary limit's Retry-After (7 s) waited in full before the next call.
  assert.equal(r.metrics.ciFetchRetries.get({ provider: 'github', reason: 'not-ready' }), 3)
  assert.equal(r.metrics.ciFetchRetries.get({ provider: 'github', reason: 'rate-limit' }), 1)
  assert.ok(r.waits.includes(7000), `waited Retry-After: ${r.waits.join(',')}`)
  assert.ok(
    r.gh.requests.some((q) => q.startsWith('log:/_apis/pipelines/1/jobs/101/')),
    'log fetched from the log host'
  )

  const lines = linesOf(r.chunks, STREAM(101))
  const expected = await rawLines(job)
  assert.equal(lines.size, expected)
  for (let n = 1; n <= expected; n++) assert.ok(lines.has(n), `line ${n} delivered`)
  assert.equal(lines.get(1), "Current runner version: '2.321.0'")
  assert.ok(lines.get(60)?.includes(tokens[0] as string))
  const first = r.chunks[0] as LogChunk
  assert.equal(first.source.type, 'ci')
  assert.equal(first.source.provider, 'github')
  assert.equal(first.source.repository, 'octo-org/octo-repo')
  assert.equal(first.source.job, 'build')
  assert.equal(first.source.url, 'https://github.com/octo-org/octo-repo/actions/runs/1010/job/101')
  assert.deepEqual(
    { ...first.source.labels },
    {
      workflow: 'CI',
      jobId: '101',
      runId: '1010',
      runAttempt: '1',
      branch: 'main',
      commit: job.sha,
      actor: 'octocat',
      conclusion: 'success',
      step: '1',
      stepLine: '1'
    }
  )
  // The step "Run npm test" opens with its group at raw line 33: its chunks say so.
  const npm = r.chunks.find((c) => c.startLine === 33)
  assert.equal(npm?.source.labels?.step, '3')

  const findings = detect(r.chunks)
  const found = findings.filter((f) => f.rule === 'github-pat-classic')
  assert.deepEqual(
    found.map((f) => f.location.line).sort((a, b) => a - b),
    [60, 2500]
  )
  const leaked = [...tokens, SECRET, r.gh.token].filter((s) => JSON.stringify(findings).includes(s) || r.logged.join('').includes(s))
  assert.deepEqual(leaked, [], 'no secret, webhook secret or API token in findings or logs')
})

test('signature failures are answered 401, counted, and queue nothing', async (t) => {
  const r = await rig(t)
  const job = r.gh.addJob({ id: 102, log: Buffer.from('2024-01-01T00:00:00.0000000Z hello\n') })
  const payload = r.gh.workflowJobPayload(job)
  const cases = [
    await deliver(r.url, 'workflow_job', payload, 'another-secret'),
    await deliver(r.url, 'workflow_job', payload, SECRET, { signature: 'sha256=' }),
    await deliver(r.url, 'workflow_job', payload, SECRET, { signature: `sha256=${'0'.repeat(64)}` }),
    await deliver(r.url, 'workflow_job', payload, SECRET, { signature: 'sha1=0123' })
  ]
  assert.deepEqual(
    cases.map((c) => c.status),
    [401, 401, 401, 401]
  )
  assert.ok(cases.every((c) => JSON.parse(c.body).code === 'LW_ERR_CI_WEBHOOK_REJECTED'))
  assert.equal(r.metrics.ciWebhookRejected.get({ provider: 'github', reason: 'signature' }), 4)
  // Tampered after signing: the signature of the original body does not cover the edited one.
  const body = JSON.stringify(payload)
  const { createHmac } = await import('node:crypto')
  const sig = `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`
  const tampered = await fetch(r.url, {
    method: 'POST',
    headers: { 'x-github-event': 'workflow_job', 'x-github-delivery': 'd-1', 'x-hub-signature-256': sig, 'content-type': 'application/json' },
    body: body.replace('octo-repo', 'octo-rep0')
  })
  assert.equal(tampered.status, 401)
  assert.equal(r.metrics.ciWebhookRejected.get({ provider: 'github', reason: 'signature' }), 5)
  assert.ok(!r.gh.requests.some((q) => q.includes('/logs')), 'no log fetched')
  assert.ok(!r.logged.join('').includes('octo-rep0'), 'nothing of a rejected body is logged')
  // A body over the bound is refused before it is read in full.
  const big = await fetch(r.url, {
    method: 'POST',
    headers: { 'x-github-event': 'workflow_job', 'x-github-delivery': 'd-2', 'x-hub-signature-256': sig },
    body: Buffer.alloc(r.config.maxBodyBytes + 1, 32)
  }).catch(() => undefined)
  assert.ok(big === undefined || big.status === 413)
})

test('a replayed delivery is processed once; a redelivery under a new id of a scanned job is not scanned again; a stale one is refused', async (t) => {
  const r = await rig(t)
  const job = r.gh.addJob({ id: 103, log: Buffer.from('2024-01-01T00:00:00.0000000Z one\n2024-01-01T00:00:00.0000000Z two\n') })
  const payload = r.gh.workflowJobPayload(job)
  const first = await deliver(r.url, 'workflow_job', payload, SECRET, { delivery: 'guid-103' })
  const replay = await deliver(r.url, 'workflow_job', payload, SECRET, { delivery: 'guid-103' })
  assert.equal(first.status, 202)
  assert.equal(replay.status, 409)
  assert.equal(r.metrics.ciWebhookRejected.get({ provider: 'github', reason: 'replay' }), 1)
  await waitFor(() => r.outcomes.has(STREAM(103)), 'job 103 scanned')
  const again = await deliver(r.url, 'workflow_job', payload, SECRET, { delivery: 'guid-103-redelivered' })
  assert.equal(again.status, 202)
  // The job list is written before 202: it is settled by now, and the job was not queued again.
  assert.equal(r.gh.requests.filter((q) => q.endsWith('/jobs/103/logs')).length, 1)
  assert.equal(linesOf(r.chunks, STREAM(103)).size, 2)
  assert.equal(r.chunks.filter((c) => c.stream === STREAM(103)).length, 1)

  const old = r.gh.addJob({ id: 104, log: Buffer.from('x\n'), startedAt: '2024-01-01T00:00:00Z', completedAt: '2024-01-01T00:10:00Z' })
  const stale = await deliver(r.url, 'workflow_job', r.gh.workflowJobPayload(old), SECRET)
  assert.equal(stale.status, 409)
  assert.equal(r.metrics.ciWebhookRejected.get({ provider: 'github', reason: 'stale' }), 1)
  const progress = await deliver(r.url, 'workflow_job', r.gh.workflowJobPayload(job, 'in_progress'), SECRET)
  assert.equal(progress.status, 202)
  assert.match(progress.body, /ignored/)
  const ping = await deliver(r.url, 'ping', { zen: 'Keep it logically awesome.', hook_id: 1 }, SECRET)
  assert.equal(ping.status, 200)
})

test('GitHub App: an installation token minted from a JWT once and reused; a workflow_run delivery scans every job of the run', async (t) => {
  const r = await rig(t, { app: true })
  const a = r.gh.addJob({ id: 201, runId: 2000, name: 'lint', log: Buffer.from('2024-01-01T00:00:00.0000000Z lint ok\n') })
  r.gh.addJob({ id: 202, runId: 2000, name: 'test', log: Buffer.from('2024-01-01T00:00:00.0000000Z test ok\n') })
  const res = await deliver(r.url, 'workflow_run', r.gh.workflowRunPayload(a), SECRET)
  assert.equal(res.status, 202, res.body)
  await waitFor(() => r.outcomes.has(STREAM(201)) && r.outcomes.has(STREAM(202)), 'both jobs of the run scanned', 10_000)
  const c = await deliver(r.url, 'workflow_job', r.gh.workflowJobPayload(a), SECRET)
  assert.equal(c.status, 202)
  assert.deepEqual(r.gh.violations, [])
  assert.deepEqual(r.gh.schemaErrors, [])
  assert.equal(r.gh.requests.filter((q) => q.startsWith('POST /app/installations/4242/access_tokens')).length, 1)
  assert.equal(r.gh.requests.filter((q) => q.endsWith('/jobs/201/logs')).length, 1, 'job 201 scanned once for both deliveries')
  assert.equal(r.chunks.find((ch) => ch.stream === STREAM(202))?.source.job, 'test')
})

test('a spent rate limit: the next call waits for x-ratelimit-reset', async (t) => {
  const r = await rig(t)
  r.gh.exhaustPrimary(40)
  const a = r.gh.addJob({ id: 301, log: Buffer.from('2024-01-01T00:00:00.0000000Z a\n') })
  r.gh.addJob({ id: 302, log: Buffer.from('2024-01-01T00:00:00.0000000Z b\n') })
  await deliver(r.url, 'workflow_job', r.gh.workflowJobPayload(a), SECRET)
  await waitFor(() => r.outcomes.has(STREAM(301)), 'job 301')
  await deliver(r.url, 'workflow_job', r.gh.workflowJobPayload(r.gh.jobs.get(302) as StandinJob), SECRET)
  await waitFor(() => r.outcomes.has(STREAM(302)), 'job 302')
  assert.deepEqual(r.gh.violations, [])
  assert.ok(
    r.waits.some((w) => w >= 39_000),
    `waited for the reset: ${r.waits.join(',')}`
  )
})

test('a 50 MB log streams through with every line, in bounded batches', async (t) => {
  const r = await rig(t, { config: { maxBatchBytes: 768 * 1024 } })
  const { log, tokens } = planted('big', 50 * 1024 * 1024, [100, 400_000])
  const job = r.gh.addJob({ id: 401, log })
  const heapBefore = process.memoryUsage().heapUsed
  let heapMax = heapBefore
  const probe = setInterval(() => {
    heapMax = Math.max(heapMax, process.memoryUsage().heapUsed)
  }, 20)
  t.after(() => clearInterval(probe))
  await deliver(r.url, 'workflow_job', r.gh.workflowJobPayload(job), SECRET)
  await waitFor(() => r.outcomes.has(STREAM(401)), 'the 50 MB job', 240_000)
  clearInterval(probe)
  const lines = linesOf(r.chunks, STREAM(401))
  assert.equal(lines.size, await rawLines(job))
  assert.ok((r.gh.served.get(401) ?? 0) >= 50 * 1024 * 1024)
  assert.ok(lines.get(400_000)?.includes(tokens[1] as string))
  // The chunks are kept by this test's recording publisher; without them the collector holds a batch or two.
  t.diagnostic(`heap growth ${Math.round((heapMax - heapBefore) / 1048576)} MB while streaming 50 MB (chunks retained by the test)`)
})

test('a log cut mid-body, and a collector stopped mid-log and started again: every line delivered, each finding once', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lw-gh-kill-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const r = await rig(t, { dir, config: { maxBatchBytes: 64 * 1024, maxInFlightBytes: 128 * 1024, maxChunkLines: 200 } })
  const at = [50, 3000, 9000, 14_000]
  const { log, tokens } = planted('kill', 1_500_000, at)
  const job = r.gh.addJob({ id: 501, log })
  // The storage host drops the connection after 400 KB once: the attempt fails and is retried from its acknowledged line.
  r.gh.cutAfter.set(501, 400_000)
  const expected = await rawLines(job)
  // Kafka stalls after 12 batches: the collector is stopped while it waits on it.
  let release: () => void = () => {}
  await deliver(r.url, 'workflow_job', r.gh.workflowJobPayload(job), SECRET)
  await waitFor(() => r.gate.published >= 12, '12 batches acknowledged', 20_000)
  r.gate.hold = new Promise<void>((resolve) => {
    release = resolve
  })
  await waitFor(() => r.logged.join('').includes('job log failed; retried later'), 'the cut connection retried', 20_000).catch(() => {})
  const before = r.chunks.length
  const stopping = r.stop()
  release()
  r.gate.hold = undefined
  await stopping
  assert.ok(!r.outcomes.has(STREAM(501)), 'stopped before the job finished')
  const firstRun = r.chunks.slice()
  assert.ok(firstRun.length >= before)
  const { readFileSync } = await import('node:fs')
  const state = JSON.parse(readFileSync(join(dir, 'jobs.json'), 'utf8')) as { pending: Array<{ key: string; ackedLine: number }> }
  const acked = state.pending.find((p) => p.key === STREAM(501))?.ackedLine ?? 0
  assert.ok(acked > 0 && acked < expected, `progress saved mid-log (line ${acked} of ${expected})`)

  await r.start()
  await waitFor(() => r.outcomes.get(STREAM(501)) === 'scanned', 'job 501 finished after the restart', 30_000)
  const resumed = r.chunks.slice(firstRun.length).filter((c) => c.stream === STREAM(501))
  assert.ok((resumed[0]?.startLine ?? 0) > acked, `the restart resumed after line ${acked}, at ${resumed[0]?.startLine}`)
  const lines = linesOf(r.chunks, STREAM(501))
  assert.equal(lines.size, expected)
  for (let n = 1; n <= expected; n++) assert.ok(lines.has(n), `line ${n} delivered`)
  // Replays are harmless at the incident level: one finding id per planted secret.
  const ids = new Map<string, Finding>()
  for (const f of detect(r.chunks)) if (f.rule === 'github-pat-classic') ids.set(f.id, f)
  assert.deepEqual(
    [...ids.values()].map((f) => f.location.line).sort((a, b) => a - b),
    at
  )
  assert.equal(new Set([...ids.values()].map((f) => f.fingerprint)).size, tokens.length)
  assert.deepEqual(r.gh.violations, [])
})
