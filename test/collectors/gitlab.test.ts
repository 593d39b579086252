// The GitLab CI collector against a local GitLab stand-in
// (test/support/gitlab-standin.ts) that checks the API token and serves
// runner-shaped traces: job events in GitLab's documented shape, the token
// check (401, counted), replays taken once, a trace that is 404, then empty,
// then rate limited before it is served, and delivery acknowledged only once
// every line was published.

import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { startApp } from '../../app/roles.ts'
import { publishLines } from '../../collectors/ci/chunks.ts'
import { memoryDeliveryStore } from '../../collectors/ci/deliveries.ts'
import { createGitlabApi } from '../../collectors/ci/gitlab/api.ts'
import type { GitlabCollector, GitlabCollectorDeps } from '../../collectors/ci/gitlab/collector.ts'
import { createGitlabCollector } from '../../collectors/ci/gitlab/collector.ts'
import { createGitlabProvider, jobFromHook } from '../../collectors/ci/gitlab/provider.ts'
import { gitlabBackfillProvider } from '../../collectors/ci/gitlab/setup.ts'
import type { GitlabConfig } from '../../collectors/ci/gitlab.config.ts'
import { gitlabConfigSchema } from '../../collectors/ci/gitlab.config.ts'
import { logLines } from '../../collectors/ci/log-lines.ts'
import { loadConfig } from '../../config/load.ts'
import type { createMemoryBus } from '../../pipeline/bus-memory.ts'
import type { LogChunk } from '../../pipeline/events.ts'
import { TOPICS } from '../../pipeline/events.ts'
import { createLogger, silentLogger } from '../../pipeline/log.ts'
import { createMetrics } from '../../pipeline/metrics.ts'
import type { OutRecord, Publish } from '../../pipeline/runner.ts'
import { parse } from '../../pipeline/schema.ts'
import type { StandinJob } from '../support/gitlab-standin.ts'
import { jobEvent, runnerTrace, startGitlabStandin } from '../support/gitlab-standin.ts'
import { stdinChunk } from '../support/log-chunk.ts'
import { logGroups } from '../support/log-groups.ts'
import { blockCut, findingsIn, keyLines, keysFound } from '../support/pem-block.ts'
import { replayCommand, seededGen, seededRng } from '../support/seed.ts'
import { waitFor } from '../support/wait.ts'

const gen = seededGen('gitlab')
const API_TOKEN = `glpat-${gen.base62(20)}`
const HOOK_TOKEN = gen.base62(32)
const documented = JSON.parse(readFileSync(new URL('../fixtures/gitlab/job-event.json', import.meta.url), 'utf8')) as Record<string, unknown>

const standin = await startGitlabStandin({ token: API_TOKEN })
after(() => standin.close())

let nextJob = 5000
function job(scriptLines: string[], extra: Partial<StandinJob> = {}, traceOpts: Parameters<typeof runnerTrace>[1] = {}): StandinJob {
  const j: StandinJob = {
    projectId: 77,
    projectPath: 'platform/payments-api',
    id: nextJob++,
    name: 'unit tests',
    status: 'failed',
    ref: 'feature/ci-logs',
    sha: gen.hex(40),
    pipelineId: 901,
    username: 'dev-jane',
    finishedAt: '2026-12-06T12:00:05.000Z',
    trace: runnerTrace(scriptLines, traceOpts),
    ...extra
  }
  standin.addJob(j)
  return j
}

function config(over: Partial<GitlabConfig> = {}): GitlabConfig {
  return {
    ...parse(gitlabConfigSchema, { enabled: true, url: standin.url, port: 0, retryBaseMs: 5, retryMaxMs: 50 }, 'LW_ERR_CONFIG_INVALID', 'gitlab'),
    ...over
  }
}

function recorder(opts: { failFirst?: number } = {}) {
  const chunks: LogChunk[] = []
  let fails = opts.failFirst ?? 0
  let calls = 0
  const publish: Publish = async (records: OutRecord[]) => {
    calls++
    if (fails > 0) {
      fails--
      throw Object.assign(new Error('broker unavailable'), { retriable: true })
    }
    for (const r of records) chunks.push(r.value as LogChunk)
  }
  return { chunks, publish, calls: () => calls }
}

/** Runs the collector until `done()` (after `first`, if given), then stops it. */
async function runUntil(c: GitlabCollector, done: () => boolean, what: string, first?: () => Promise<void>): Promise<void> {
  const r = await running(c)
  try {
    await first?.()
    await waitFor(done, what)
  } finally {
    await r.stop()
  }
}

/** Runs the collector, sends the job's event, waits until `delivered()` says the job went out, then stops it. */
async function deliverOnce(c: GitlabCollector, j: StandinJob, delivered: () => boolean): Promise<void> {
  await runUntil(c, delivered, 'the job delivered', async () => {
    assert.equal((await post(c.port(), JSON.stringify(jobEvent(j, standin.url)), hookHeaders())).status, 202)
  })
}

async function running(c: GitlabCollector): Promise<{ stop: () => Promise<void> }> {
  const ac = new AbortController()
  const started = c.start(ac.signal)
  await waitFor(() => c.port() !== 0, 'the hook endpoint listening')
  return {
    stop: async () => {
      ac.abort()
      await c.close()
      await started
    }
  }
}

function post(port: number, body: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/hooks/gitlab', method: 'POST', headers: { 'content-type': 'application/json', ...headers } },
      (res) => {
        let text = ''
        res.on('data', (c: Buffer) => {
          text += c.toString('utf8')
        })
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }))
      }
    )
    req.on('error', reject)
    req.end(body)
  })
}

const hookHeaders = (extra: Record<string, string> = {}) => ({ 'x-gitlab-event': 'Job Hook', 'x-gitlab-token': HOOK_TOKEN, ...extra })

/** A JSON type tree: the stand-in's events must have every documented field with the documented type. */
function sameShape(documentedValue: unknown, ours: unknown, path: string): string[] {
  const kind = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v)
  if (documentedValue === null) return [] // nullable in GitLab's example: any value is documented elsewhere
  if (ours === null) return []
  if (kind(documentedValue) !== kind(ours)) return [`${path}: documented ${kind(documentedValue)}, stand-in ${kind(ours)}`]
  if (kind(documentedValue) !== 'object') return []
  const d = documentedValue as Record<string, unknown>
  const o = ours as Record<string, unknown>
  return Object.keys(d).flatMap((k) => (k in o ? sameShape(d[k], o[k], `${path}.${k}`) : [`${path}.${k}: missing in the stand-in`]))
}

test("the stand-in's job events have every field of GitLab's documented payload, with its JSON type", () => {
  const ours = jobEvent(job(['x']), standin.url)
  assert.deepEqual(sameShape(documented, ours, '$'), [])
})

test("GitLab's documented job event: a finished one names the job, its page, branch, commit and actor; a created one is ignored", () => {
  assert.deepEqual(jobFromHook(documented, 'https://gitlab.example.test'), { ignore: 'build_status created' })
  const v = jobFromHook({ ...documented, build_status: 'failed' }, 'https://gitlab.example.test')
  assert.ok('job' in v)
  assert.equal(v.projectId, 380)
  const { lineUrl, ...meta } = v.job
  assert.deepEqual(meta, {
    provider: 'gitlab',
    repository: 'gitlab-org/gitlab-test',
    workflow: 'Build pipeline',
    job: 'test',
    jobId: '1977',
    runId: '2366',
    runAttempt: 3,
    url: 'http://192.168.64.1:3005/gitlab-org/gitlab-test/-/jobs/1977',
    conclusion: 'failed',
    branch: 'gitlab-script-trigger',
    commit: '2293ada6b400935a1378653304eaf6221e0fdb8f',
    actor: 'User'
  })
  assert.equal(lineUrl(42), 'http://192.168.64.1:3005/gitlab-org/gitlab-test/-/jobs/1977#L42')
  assert.ok('invalid' in jobFromHook({ ...documented, build_status: 'success', build_id: 'x' }, ''))
  assert.ok('invalid' in jobFromHook([], ''))
})

test('a finished job: its log, 404 then empty then rate limited, is streamed clean with its metadata; the token goes in PRIVATE-TOKEN', async () => {
  const secret = gen.githubToken('ghp_')
  const long = `export BLOB=${gen.base62(3000)}${secret}`
  const j = job(['npm ci', `echo token ${secret}`, long, 'ünïcödé ✓ done'], { notFoundFirst: 2, emptyFirst: 1, rateLimitedFirst: 1 }, { splitAt: 2500 })
  const rec = recorder()
  const delays: number[] = []
  const delivered: number[] = []
  const metrics = createMetrics()
  const c = createGitlabCollector(config(), {
    publish: rec.publish,
    logger: silentLogger(),
    metrics,
    webhookTokens: [HOOK_TOKEN],
    apiToken: API_TOKEN,
    sleep: async (ms) => {
      delays.push(ms)
    },
    onJob: (_j, outcome, lines) => {
      if (outcome === 'delivered') delivered.push(lines)
    }
  })
  const r = await running(c)
  try {
    const res = await post(c.port(), JSON.stringify(jobEvent(j, standin.url)), hookHeaders({ 'x-gitlab-event-uuid': gen.hex(32) }))
    assert.equal(res.status, 202)
    await waitFor(() => delivered.length === 1, 'the job delivered')
  } finally {
    await r.stop()
  }
  const lines = rec.chunks.flatMap((ch) => ch.lines)
  assert.deepEqual(lines, [
    'Running with gitlab-runner 17.5.0 (8f4b1b8b)',
    '  on standin-runner t3_abc, system ID: s_0123456789ab',
    'Preparing the "docker" executor',
    'Using Docker executor with image node:24 ...',
    '',
    'Executing "step_script" stage of the job script',
    '$ ./ci/test.sh',
    'npm ci',
    `echo token ${secret}`,
    long,
    'ünïcödé ✓ done',
    '',
    'Job succeeded'
  ])
  const first = rec.chunks[0]
  assert.ok(first !== undefined)
  assert.equal(first.stream, `ci/gitlab/platform/payments-api/${j.id}`)
  assert.equal(first.startLine, 1)
  assert.deepEqual(first.source, {
    type: 'ci',
    provider: 'gitlab',
    repository: 'platform/payments-api',
    job: 'unit tests',
    url: `${standin.url}/platform/payments-api/-/jobs/${j.id}`,
    labels: {
      workflow: 'Build pipeline',
      jobId: String(j.id),
      runId: '901',
      runAttempt: '1',
      branch: 'feature/ci-logs',
      commit: j.sha,
      actor: 'dev-jane',
      conclusion: 'failed'
    }
  })
  // The long line was split by the runner (`+`) and is one line again, with one number: the next line is numbered after it.
  const numbered = rec.chunks.flatMap((ch) => ch.lines.map((l, i) => [ch.startLine + i, l] as const))
  assert.deepEqual(
    numbered.find(([, l]) => l === 'ünïcödé ✓ done'),
    [11, 'ünïcödé ✓ done']
  )
  const traces = standin.requests.filter((q) => q.path === `/api/v4/projects/77/jobs/${j.id}/trace`)
  assert.deepEqual(
    traces.map((q) => q.status),
    [429, 404, 404, 200, 200]
  )
  assert.ok(traces.every((q) => q.auth === 'private-token'))
  // Retry-After: 1 was honoured (1000 ms asked), the other waits are the backoff.
  assert.ok(delays.includes(1000), `delays ${delays.join(',')}`)
  assert.equal(metrics.registry.render().includes('leakwatch_ci_jobs_total{outcome="scanned",provider="gitlab"} 1'), true)
})

test('a wrong or missing X-Gitlab-Token is refused with 401, counted, and nothing is fetched; the answer quotes nothing', async () => {
  const j = job(['hello'])
  const before = standin.requests.length
  const metrics = createMetrics()
  const c = createGitlabCollector(config(), { publish: recorder().publish, logger: silentLogger(), metrics, webhookTokens: [HOOK_TOKEN], apiToken: API_TOKEN })
  const r = await running(c)
  try {
    // Another last character: a token that ends in x (one in 62) would otherwise be its own wrong one.
    const wrong = `${HOOK_TOKEN.slice(0, -1)}${HOOK_TOKEN.endsWith('x') ? 'y' : 'x'}`
    const a = await post(c.port(), JSON.stringify(jobEvent(j, standin.url)), hookHeaders({ 'x-gitlab-token': wrong }))
    assert.equal(a.status, 401)
    assert.equal(JSON.parse(a.body).code, 'LW_ERR_CI_WEBHOOK_REJECTED')
    assert.ok(!a.body.includes(wrong))
    const b = await post(c.port(), JSON.stringify(jobEvent(j, standin.url)), { 'x-gitlab-event': 'Job Hook' })
    assert.equal(b.status, 401)
  } finally {
    await r.stop()
  }
  assert.match(metrics.registry.render(), /leakwatch_ci_webhook_rejected_total\{provider="gitlab",reason="token"\} 2/)
  assert.equal(standin.requests.length, before)
})

test('a replayed delivery (same Idempotency-Key) and a resend of the same job (new UUID) are processed once', async () => {
  const j = job(['one line'])
  const rec = recorder()
  let delivered = 0
  const metrics = createMetrics()
  const c = createGitlabCollector(config(), {
    publish: rec.publish,
    logger: silentLogger(),
    metrics,
    webhookTokens: [HOOK_TOKEN],
    apiToken: API_TOKEN,
    onJob: () => {
      delivered++
    }
  })
  const r = await running(c)
  try {
    const body = JSON.stringify(jobEvent(j, standin.url))
    const key = gen.hex(32)
    const answers = [
      await post(c.port(), body, hookHeaders({ 'idempotency-key': key, 'x-gitlab-event-uuid': gen.hex(32) })),
      await post(c.port(), body, hookHeaders({ 'idempotency-key': key, 'x-gitlab-event-uuid': gen.hex(32) })),
      await post(c.port(), body, hookHeaders({ 'x-gitlab-event-uuid': gen.hex(32) }))
    ]
    assert.deepEqual(
      answers.map((a) => a.status),
      [202, 200, 200]
    )
    assert.deepEqual(
      answers.slice(1).map((a) => JSON.parse(a.body).status),
      ['duplicate', 'duplicate']
    )
    await waitFor(() => delivered === 1, 'the job delivered')
  } finally {
    await r.stop()
  }
  assert.equal(delivered, 1)
  assert.equal(standin.requests.filter((q) => q.path.endsWith(`/jobs/${j.id}/trace`)).length, 1)
  assert.match(metrics.registry.render(), /leakwatch_ci_webhook_rejected_total\{provider="gitlab",reason="replay"\} 2/)
})

test('events that are not finished jobs are ignored; a body over the bound is 413; one that is not JSON is 400', async () => {
  const j = job(['x'])
  const c = createGitlabCollector(config({ maxBodyBytes: 4096 }), {
    publish: recorder().publish,
    logger: silentLogger(),
    metrics: createMetrics(),
    webhookTokens: [HOOK_TOKEN],
    apiToken: API_TOKEN
  })
  const r = await running(c)
  try {
    const running1 = await post(c.port(), JSON.stringify({ ...jobEvent(j, standin.url), build_status: 'running' }), hookHeaders())
    assert.equal(JSON.parse(running1.body).status, 'ignored')
    const push = await post(c.port(), '{}', hookHeaders({ 'x-gitlab-event': 'Push Hook' }))
    assert.equal(JSON.parse(push.body).status, 'ignored')
    const big = await post(c.port(), JSON.stringify({ ...jobEvent(j, standin.url), pad: 'x'.repeat(8192) }), hookHeaders())
    assert.equal(big.status, 413)
    const bad = await post(c.port(), '{"object_kind":', hookHeaders())
    assert.equal(bad.status, 400)
  } finally {
    await r.stop()
  }
})

test('Kafka refusing the first chunks: the job is started again and stays pending until every line is acknowledged', async () => {
  const lines = Array.from({ length: 50 }, (_, i) => `line ${i}`)
  const j = job(lines)
  const rec = recorder({ failFirst: 2 })
  const store = memoryDeliveryStore()
  let delivered = 0
  const c = createGitlabCollector(config({ maxChunkLines: 10 }), {
    publish: rec.publish,
    logger: silentLogger(),
    metrics: createMetrics(),
    webhookTokens: [HOOK_TOKEN],
    apiToken: API_TOKEN,
    store,
    sleep: async () => {},
    onJob: () => {
      delivered++
    }
  })
  await deliverOnce(c, j, () => delivered === 1)
  assert.equal(rec.chunks.flatMap((ch) => ch.lines).filter((l) => l.startsWith('line ')).length, 50)
  assert.deepEqual(await store.pending(), [])
})

test('a collector stopped mid-log leaves the job pending; the next one with the same store delivers it from its start', async () => {
  const j = job(Array.from({ length: 30 }, (_, i) => `step ${i}`))
  const store = memoryDeliveryStore()
  let release: (() => void) | undefined
  const blocked: Publish = async () => {
    await new Promise<void>((resolve) => {
      release = resolve
    })
    throw new Error('stopped')
  }
  const first = createGitlabCollector(config({ maxChunkLines: 5 }), {
    publish: blocked,
    logger: silentLogger(),
    metrics: createMetrics(),
    webhookTokens: [HOOK_TOKEN],
    apiToken: API_TOKEN,
    store
  })
  const r1 = await running(first)
  assert.equal((await post(first.port(), JSON.stringify(jobEvent(j, standin.url)), hookHeaders())).status, 202)
  await waitFor(() => release !== undefined, 'the first chunk in flight')
  const stopping = r1.stop()
  release?.()
  await stopping
  assert.equal((await store.pending()).length, 1)

  const rec = recorder()
  let delivered = 0
  const second = createGitlabCollector(config({ maxChunkLines: 5 }), {
    publish: rec.publish,
    logger: silentLogger(),
    metrics: createMetrics(),
    webhookTokens: [HOOK_TOKEN],
    apiToken: API_TOKEN,
    store,
    onJob: () => {
      delivered++
    }
  })
  await runUntil(second, () => delivered === 1, 'the resumed job delivered')
  assert.equal(rec.chunks[0]?.startLine, 1)
  assert.equal(rec.chunks.flatMap((ch) => ch.lines).filter((l) => l.startsWith('step ')).length, 30)
  assert.deepEqual(await store.pending(), [])
})

test('GitLab refusing the log for good (wrong API token: 401) drops the job, counted, with the code and no token in the log', async () => {
  const j = job(['x'])
  const metrics = createMetrics()
  const logged: string[] = []
  const logger = createLogger({ level: 'debug', destination: { write: (l: string) => logged.push(l) } })
  const outcomes: string[] = []
  const c = createGitlabCollector(config(), {
    publish: recorder().publish,
    logger,
    metrics,
    webhookTokens: [HOOK_TOKEN],
    apiToken: 'glpat-wrong',
    onJob: (_j, outcome) => outcomes.push(outcome)
  })
  const r = await running(c)
  try {
    assert.equal((await post(c.port(), JSON.stringify(jobEvent(j, standin.url)), hookHeaders())).status, 202)
    await waitFor(() => outcomes.length === 1, 'the job handled')
  } finally {
    await r.stop()
  }
  assert.deepEqual(outcomes, ['rejected'])
  assert.match(metrics.registry.render(), /leakwatch_ci_jobs_total\{outcome="rejected",provider="gitlab"\} 1/)
  const warning = logged.find((l) => l.includes('GitLab job log not collected'))
  assert.ok(warning?.includes('LW_ERR_CI_FETCH_REJECTED'), 'the warning names the code')
  assert.ok(!logged.join('').includes('glpat-wrong'), 'no token in the logs')
})

test('a bearer token goes in Authorization; a RateLimit-Remaining of 0 holds the next call until RateLimit-Reset', async () => {
  const bearerStandin = await startGitlabStandin({ token: API_TOKEN, tokenHeader: 'bearer' })
  try {
    const j: StandinJob = { ...job(['a']), trace: runnerTrace(['bearer ok']) }
    bearerStandin.addJob(j)
    bearerStandin.rateRemaining = 0
    const delays: number[] = []
    const api = createGitlabApi(
      { url: bearerStandin.url, token: API_TOKEN, tokenHeader: 'bearer', timeoutMs: 5000, retryBaseMs: 5, retryMaxMs: 50, readyTimeoutMs: 5000 },
      {
        sleep: async (ms) => {
          delays.push(ms)
        }
      }
    )
    await api.project(77)
    const text: string[] = []
    for await (const b of await api.trace(77, j.id)) text.push(Buffer.from(b).toString('utf8'))
    assert.match(text.join(''), /bearer ok/)
    assert.ok(bearerStandin.requests.every((q) => q.auth === 'bearer'))
    assert.equal(delays.length, 1, 'one wait for the reset before the second call')
    assert.ok((delays[0] ?? 0) > 0)
  } finally {
    await bearerStandin.close()
  }
})

test('the GitLab provider lists finished jobs since a time across pages, for ci backfill', async () => {
  const s = await startGitlabStandin({ token: API_TOKEN, pageSize: 2 })
  try {
    const mk = (id: number, finishedAt: string, status: StandinJob['status'] = 'success'): StandinJob => ({
      projectId: 9,
      projectPath: 'group/sub/proj',
      id,
      name: `job ${id}`,
      status,
      ref: 'main',
      sha: gen.hex(40),
      pipelineId: 1,
      username: 'ci-bot',
      finishedAt,
      trace: runnerTrace([`job ${id}`])
    })
    for (const j of [
      mk(1, '2026-11-01T00:00:00Z'),
      mk(2, '2026-12-05T00:00:00Z'),
      mk(3, '2026-12-05T01:00:00Z', 'running'),
      mk(4, '2026-12-05T02:00:00Z'),
      mk(5, '2026-12-06T00:00:00Z', 'failed'),
      mk(6, '2026-12-06T01:00:00Z')
    ])
      s.addJob(j)
    const api = createGitlabApi({
      url: s.url,
      token: API_TOKEN,
      tokenHeader: 'private-token',
      timeoutMs: 5000,
      retryBaseMs: 5,
      retryMaxMs: 50,
      readyTimeoutMs: 5000
    })
    const provider = createGitlabProvider(api)
    const listed = []
    for await (const m of provider.listJobs('group/sub/proj', new Date('2026-12-01T00:00:00Z'))) listed.push(m)
    assert.deepEqual(
      listed.map((m) => [m.jobId, m.repository, m.actor, m.branch]),
      [
        ['6', 'group/sub/proj', 'ci-bot', 'main'],
        ['5', 'group/sub/proj', 'ci-bot', 'main'],
        ['4', 'group/sub/proj', 'ci-bot', 'main'],
        ['2', 'group/sub/proj', 'ci-bot', 'main']
      ]
    )
    const first = listed[0]
    assert.ok(first !== undefined)
    const text: string[] = []
    for await (const b of await provider.fetchLog(first)) text.push(Buffer.from(b).toString('utf8'))
    assert.match(text.join(''), /job 6/)
    // The project path travels URL-encoded, as GitLab wants it.
    assert.ok(s.requests.some((q) => q.path === '/api/v4/projects/group%2Fsub%2Fproj/jobs/6/trace'))
  } finally {
    await s.close()
  }
})

test('ci backfill --provider gitlab: the provider takes GITLAB_TOKEN and an --api-url with or without /api/v4; no token is a usage error', async () => {
  const j = job(['backfilled line'])
  const cfg = config()
  const p = gitlabBackfillProvider({ ...cfg, url: 'https://unused.example.test' }, `${standin.url}/api/v4`, { GITLAB_TOKEN: API_TOKEN })
  const listed = []
  for await (const m of p.listJobs('platform/payments-api', new Date('2026-12-01T00:00:00Z'))) listed.push(m.jobId)
  assert.ok(listed.includes(String(j.id)))
  assert.throws(() => gitlabBackfillProvider(cfg, undefined, {}), /no GitLab token/)
})

test('run all: a GitLab job event becomes an incident that names the job at its line, the branch, commit and actor; no plaintext on the findings topic', async () => {
  const secret = gen.githubToken('ghp_')
  const j = job(['npm test', `  GITHUB_TOKEN=${secret} node deploy.js`, 'ok'], { notFoundFirst: 1 })
  const dir = mkdtempSync(join(tmpdir(), 'lw-gitlab-all-'))
  try {
    const tokenFile = join(dir, 'gitlab-token')
    const hookFile = join(dir, 'hook-token')
    writeFileSync(tokenFile, `${API_TOKEN}\n`)
    writeFileSync(hookFile, `${HOOK_TOKEN}\n`)
    const cfg = loadConfig({
      env: {},
      overrides: {
        'http.enabled': false,
        'log.level': 'silent',
        'responder.console': false,
        'collector.gitlab.enabled': true,
        'collector.gitlab.url': standin.url,
        'collector.gitlab.port': 0,
        'collector.gitlab.host': '127.0.0.1',
        'collector.gitlab.tokenFile': tokenFile,
        'collector.gitlab.webhookTokenFile': hookFile,
        'collector.gitlab.retryBaseMs': 5
      }
    })
    const ports: number[] = []
    const app = await startApp('all', cfg, {
      logger: createLogger({
        level: 'info',
        destination: { write: (l: string) => void (l.includes('GitLab job hook listening') && ports.push(JSON.parse(l).port)) }
      })
    })
    try {
      await waitFor(() => ports.length === 1, 'the hook listening')
      const res = await post(ports[0] ?? 0, JSON.stringify(jobEvent(j, standin.url)), hookHeaders())
      assert.equal(res.status, 202)
      const bus = app.bus as ReturnType<typeof createMemoryBus>
      await waitFor(async () => (await app.incidents.list()).length > 0, 'the incident', 15_000)
      const [incident] = await app.incidents.list()
      const loc = incident?.locations[0]
      assert.equal(loc?.repository, 'platform/payments-api')
      assert.equal(loc?.url, `${standin.url}/platform/payments-api/-/jobs/${j.id}#L9`)
      assert.deepEqual([loc?.branch, loc?.commit, loc?.actor], ['feature/ci-logs', j.sha, 'dev-jane'])
      for (const m of bus.messages(TOPICS.findings)) assert.equal(m.value.toString('utf8').includes(secret), false)
      assert.ok(!JSON.stringify(incident).includes(secret))
    } finally {
      await app.stop()
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('a secret the runner split across a `+` continuation is one string again in the chunk, numbered as the job page numbers it', async () => {
  const secret = gen.githubToken('ghp_')
  const cut = `${'x'.repeat(2490)}${secret} tail`
  const trace = runnerTrace(['before', cut, 'after'], { splitAt: 2500 })
  const rec = recorder()
  async function* bytes() {
    yield trace
  }
  await publishLines(
    logLines(bytes(), { format: 'gitlab', maxLineBytes: 256 * 1024 }),
    'ci/gitlab/a/b/1',
    { type: 'ci' },
    { maxChunkLines: 1000, maxChunkBytes: 512 * 1024, maxLineBytes: 256 * 1024 },
    { publish: rec.publish }
  )
  const numbered = rec.chunks.flatMap((c) => c.lines.map((l, i) => [c.startLine + i, l] as const))
  assert.deepEqual(
    numbered.filter(([, l]) => l.includes('x'.repeat(10)) || l === 'after'),
    [
      [9, cut],
      [10, 'after']
    ]
  )
})

test('a private key a full chunk would cut opens the next chunk whole: numbers, offsets and the key as the detector reads it', async () => {
  const key = keyLines(gen)
  // maxChunkLines 100: the key's header is in the first 100 lines and its END past them; a cut by count would read its body in two parts.
  const lines = [...Array.from({ length: 90 }, (_, i) => `step ${i + 1}`), ...key.lines, ...Array.from({ length: 20 }, (_, i) => `after ${i + 1}`)]
  const rec = recorder()
  const ends: Array<[number, number]> = []
  async function* bytes() {
    yield runnerTrace(lines)
  }
  await publishLines(
    logLines(bytes(), { format: 'gitlab', maxLineBytes: 256 * 1024 }),
    'ci/gitlab/a/b/2',
    { type: 'ci' },
    { maxChunkLines: 100, maxChunkBytes: 512 * 1024, maxLineBytes: 256 * 1024 },
    { publish: rec.publish, onChunk: (end, n) => void ends.push([end, n]), cut: blockCut }
  )
  // The runner's own lines come first (its version, the job's preparation): the header is past line 91.
  const delivered = rec.chunks.flatMap((c) => c.lines)
  const header = delivered.indexOf(key.lines[0] ?? '') + 1
  assert.ok(header > 91 && header <= 100, `the header is line ${header}, inside the first 100`)
  assert.deepEqual(delivered.slice(header - 91, header - 91 + lines.length), lines)
  assert.deepEqual(
    rec.chunks.map((c) => [c.startLine, c.lines.length]),
    [
      [1, header - 1],
      [header, delivered.length - header + 1]
    ]
  )
  const [first, second] = rec.chunks
  assert.equal(first?.offset.end, second?.offset.start, 'the second chunk starts where the first ends')
  assert.ok((first?.offset.end ?? 0) > 0 && (second?.offset.end ?? 0) > (second?.offset.start ?? 0))
  assert.deepEqual(
    ends,
    rec.chunks.map((c) => [c.offset.end, c.lines.length])
  )
  assert.deepEqual(keysFound(rec.chunks), [key.body])
})

test('cut into chunks of any size, a job trace gives the detector what its lines give it whole: keys, JWKs, env pairs, hex dumps and every rule example', async () => {
  const rng = seededRng('gitlab-chunks-agree')
  const { lines } = logGroups(gen, rng)
  for (const maxChunkLines of [31, 32 + rng.int(60)]) {
    const rec = recorder()
    async function* bytes() {
      yield runnerTrace(lines)
    }
    await publishLines(
      logLines(bytes(), { format: 'gitlab', maxLineBytes: 256 * 1024 }),
      'ci/gitlab/a/b/3',
      { type: 'ci' },
      { maxChunkLines, maxChunkBytes: 512 * 1024, maxLineBytes: 256 * 1024 },
      { publish: rec.publish, cut: blockCut }
    )
    // The runner's own lines come first: the same text read whole, numbered as delivered.
    const delivered = rec.chunks.flatMap((c) => c.lines)
    const whole = findingsIn([stdinChunk(delivered, 1)])
    assert.ok(whole.length > 300, `${whole.length} findings in the whole trace`)
    assert.deepEqual(findingsIn(rec.chunks), whole, `maxChunkLines ${maxChunkLines} (${replayCommand()})`)
  }
})

/** A collector of the stand-in's jobs with the test's tokens; `deps` adds to the rest. */
function gitlabCollector(over: Partial<GitlabConfig>, deps: Partial<GitlabCollectorDeps> & { publish: Publish }): GitlabCollector {
  return createGitlabCollector(config(over), { logger: silentLogger(), metrics: createMetrics(), webhookTokens: [HOOK_TOKEN], apiToken: API_TOKEN, ...deps })
}

/** Every line number delivered for `jobId`'s stream, with how many times each was sent. */
function sentLines(chunks: LogChunk[], jobId: number): Map<number, number> {
  const m = new Map<number, number>()
  for (const ch of chunks) {
    if (!ch.stream.endsWith(`/${jobId}`)) continue
    for (let n = ch.startLine; n < ch.startLine + ch.lines.length; n++) m.set(n, (m.get(n) ?? 0) + 1)
  }
  return m
}

test('a download of the log that breaks off: the job is fetched again and only the lines after the last acknowledged one are sent', async () => {
  const j = job(Array.from({ length: 200 }, (_, i) => `build output ${i}`))
  const rec = recorder()
  let cut = 0
  // The first answer for the trace stops after a third of the log, as a connection reset would stop it.
  const breaking: typeof fetch = async (input, init) => {
    const res = await fetch(input, init)
    if (!String(input).endsWith(`/jobs/${j.id}/trace`) || res.status !== 200 || cut > 0 || res.body === null) return res
    cut++
    const reader = res.body.getReader()
    let sent = 0
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const { done, value } = await reader.read()
        if (done || sent > j.trace.length / 3) {
          await reader.cancel().catch(() => {})
          controller.error(Object.assign(new TypeError('terminated'), { cause: { code: 'ECONNRESET' } }))
          return
        }
        sent += value.byteLength
        controller.enqueue(value)
      }
    })
    return new Response(body, { status: res.status, headers: res.headers })
  }
  let delivered = 0
  const c = gitlabCollector(
    { maxChunkLines: 10 },
    {
      publish: rec.publish,
      fetch: breaking,
      sleep: async () => {},
      onJob: () => {
        delivered++
      }
    }
  )
  await deliverOnce(c, j, () => delivered === 1)
  assert.equal(cut, 1, 'the first download broke off')
  const sent = sentLines(rec.chunks, j.id)
  const total = j.trace.toString('utf8').split('\n').length - 1
  assert.deepEqual(
    [...sent.keys()].sort((a, b) => a - b),
    Array.from({ length: total }, (_, i) => i + 1),
    'every line, numbered as the job page numbers it'
  )
  assert.deepEqual(
    [...sent].filter(([, n]) => n > 1),
    [],
    'no line sent twice: the second download skips what Kafka acknowledged'
  )
  assert.ok(
    rec.chunks.some((ch) => ch.startLine > 20 && ch.lines[0]?.startsWith('build output')),
    'resumed in the middle'
  )
})

test('a collector stopped after some chunks were acknowledged: the next one with the same store sends from the line after the last one', async () => {
  const j = job(Array.from({ length: 60 }, (_, i) => `step ${i}`))
  const store = memoryDeliveryStore()
  const firstChunks: LogChunk[] = []
  let release: (() => void) | undefined
  // Kafka acknowledges three chunks, then hangs until the collector is stopped.
  const third: Publish = async (records) => {
    if (firstChunks.length < 3) {
      for (const r of records) firstChunks.push(r.value as LogChunk)
      return
    }
    await new Promise<void>((resolve) => {
      release = resolve
    })
    throw new Error('stopped')
  }
  const first = gitlabCollector(
    { maxChunkLines: 5 },
    {
      publish: third,
      store
    }
  )
  const r1 = await running(first)
  try {
    assert.equal((await post(first.port(), JSON.stringify(jobEvent(j, standin.url)), hookHeaders())).status, 202)
    await waitFor(() => release !== undefined, 'the fourth chunk in flight')
    // The position is saved as acknowledgements come, not only at the end.
    await waitFor(async () => (await store.pending())[0]?.[1].includes('"ackedEnd"') === true, 'the acknowledged position saved')
  } finally {
    const stopping = r1.stop()
    release?.()
    await stopping
  }
  const saved = JSON.parse((await store.pending())[0]?.[1] ?? '{}') as { ackedEnd?: number }
  assert.equal(saved.ackedEnd, firstChunks.at(-1)?.offset.end, 'the pending job holds the end of the last acknowledged chunk')
  for (const v of (await store.pending()).map(([, value]) => value)) assert.ok(!v.includes('step '), 'no log content in the store')

  const rec = recorder()
  let delivered = 0
  const second = gitlabCollector(
    { maxChunkLines: 5 },
    {
      publish: rec.publish,
      store,
      onJob: () => {
        delivered++
      }
    }
  )
  await runUntil(second, () => delivered === 1, 'the resumed job delivered')
  const lastAcked = (firstChunks.at(-1)?.startLine ?? 0) + (firstChunks.at(-1)?.lines.length ?? 0) - 1
  assert.equal(rec.chunks[0]?.startLine, lastAcked + 1, 'resumed after the last acknowledged line')
  const both = sentLines([...firstChunks, ...rec.chunks], j.id)
  const total = j.trace.toString('utf8').split('\n').length - 1
  assert.equal(both.size, total, 'every line once over the two runs')
  assert.deepEqual(
    [...both].filter(([, n]) => n > 1),
    []
  )
  assert.deepEqual(await store.pending(), [])
})
