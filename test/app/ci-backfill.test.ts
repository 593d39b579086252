// `leakwatch ci backfill` as users run it (a child process) against the GitHub
// stand-in: the jobs of a window are listed page by page and scanned; findings
// are printed like `scan` prints them with the repository, job and a link to
// the line, in every format; a run cut short by a broken download resumes
// after the last line it printed, and a finished run is not repeated.

import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { assertAbsent, cli } from '../support/cli.ts'
import { githubLog } from '../support/github-log.ts'
import type { Standin } from '../support/github-standin.ts'
import { startGithubStandin } from '../support/github-standin.ts'
import { runnerTrace, startGitlabStandin } from '../support/gitlab-standin.ts'
import { seededGen, subSeed } from '../support/seed.ts'

let gh: Standin
let dir: string
const tokens: string[] = []
before(async () => {
  gh = await startGithubStandin()
  dir = mkdtempSync(join(tmpdir(), 'lw-backfill-'))
  const gen = seededGen('backfill')
  const start = new Date(Math.floor((Date.now() - 3_600_000) / 1000) * 1000)
  const startedAt = start.toISOString().replace('.000Z', 'Z')
  for (const [i, id] of [701, 702, 703].entries()) {
    const token = gen.githubToken('ghp_')
    tokens.push(token)
    const g = githubLog({ seed: subSeed(`log-${id}`), bytes: 120_000, plant: new Map([[40 + i * 500, `export GH_TOKEN=${token}`]]), start })
    gh.addJob({ id, runId: 7000 + i, name: `job-${id}`, log: () => g.generate(), startedAt })
  }
  // Outside the window: not listed.
  gh.addJob({ id: 799, runId: 7990, log: Buffer.from('x\n'), startedAt: '2020-01-01T00:00:00Z', completedAt: '2020-01-01T00:01:00Z' })
})
after(async () => {
  await gh.close()
  rmSync(dir, { recursive: true, force: true })
})

const env = (): Record<string, string> => ({ GITHUB_TOKEN: gh.token })
const args = (state: string, ...more: string[]): string[] => [
  'ci',
  'backfill',
  '--provider',
  'github',
  '--repo',
  'octo-org/octo-repo',
  '--since',
  '1d',
  '--api-url',
  gh.apiUrl,
  '--state',
  join(dir, state),
  ...more
]

test('jsonl: every job of the window scanned, each finding with rule, severity, preview, fingerprint, line, repository, job and the line link', async () => {
  const run = await cli(args('jsonl.json', '--format', 'jsonl'), { cwd: dir, env: env() })
  assert.equal(run.code, 1, run.stderr)
  const findings = run.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((f) => f.rule === 'github-pat-classic')
  assert.deepEqual(findings.map((f) => [f.jobId, f.line]).sort(), [
    ['701', 40],
    ['702', 540],
    ['703', 1040]
  ])
  for (const f of findings) {
    for (const k of ['rule', 'severity', 'preview', 'fingerprint', 'line', 'repository', 'job', 'url', 'branch', 'commit', 'actor'])
      assert.ok(f[k] !== undefined, `finding has ${k}`)
    assert.equal(f.repository, 'octo-org/octo-repo')
    // Line 40 is in the step "Run npm test", which opens at raw line 33: line 8 of step 3.
    if (f.jobId === '701') assert.equal(f.url, 'https://github.com/octo-org/octo-repo/actions/runs/7000/job/701#step:3:8')
  }
  for (const t of tokens) assertAbsent(run, t)
  assert.match(run.stderr, /3 job\(s\)/)
  assert.ok(!gh.requests.some((q) => q.includes('/jobs/799/')), 'a job outside the window is not fetched')
  assert.deepEqual(gh.violations, [])
  assert.deepEqual(gh.schemaErrors, [])
  // Done: a second run with the same state scans nothing again.
  const again = await cli(args('jsonl.json', '--format', 'jsonl'), { cwd: dir, env: env() })
  assert.equal(again.code, 0, again.stderr)
  assert.equal(again.stdout, '')
  assert.match(again.stderr, /0 job\(s\)/)
})

test('text and sarif: the same findings, the SARIF location is the link to the line', async () => {
  const text = await cli(args('text.json'), { cwd: dir, env: env() })
  assert.equal(text.code, 1)
  assert.match(text.stdout, /octo-org\/octo-repo CI \/ job-701 #701:40:\d+ {2}[A-Z]+ {2}github-pat-classic {2}ghp_/)
  assert.match(text.stdout, /https:\/\/github\.com\/octo-org\/octo-repo\/actions\/runs\/7000\/job\/701#step:3:8/)
  const sarif = await cli(args('sarif.json', '--format', 'sarif'), { cwd: dir, env: env() })
  assert.equal(sarif.code, 1)
  const doc = JSON.parse(sarif.stdout) as {
    runs: Array<{
      results: Array<{ ruleId: string; locations: Array<{ physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }> }>
    }>
  }
  const pats = doc.runs[0]?.results.filter((r) => r.ruleId === 'github-pat-classic') ?? []
  assert.equal(pats.length, 3)
  assert.ok(pats.every((r) => r.locations[0]?.physicalLocation.artifactLocation.uri.startsWith('https://github.com/octo-org/octo-repo/actions/runs/')))
  for (const t of tokens) {
    assertAbsent(text, t)
    assertAbsent(sarif, t)
  }
})

test('a download broken off mid-log: the run says so and the next run resumes after the last line it printed', async () => {
  gh.cutAfter.set(702, 60_000)
  const first = await cli(args('resume.json', '--format', 'jsonl'), { cwd: dir, env: env() })
  assert.match(first.stderr, /LW_ERR_CI_FETCH_FAILED: job #702 skipped/)
  assert.equal(first.code, 1, 'findings of the other jobs')
  const state = JSON.parse(readFileSync(join(dir, 'resume.json'), 'utf8')) as { done: Record<string, string>; partial?: Record<string, number> }
  const acked = state.partial?.['702'] ?? 0
  assert.ok(acked > 0, 'the lines read before the break are progress')
  assert.deepEqual(Object.keys(state.done).sort(), ['701', '703'])
  const second = await cli(args('resume.json', '--format', 'jsonl'), { cwd: dir, env: env() })
  assert.match(second.stderr, new RegExp(`#702: \\d+ lines \\(resumed after line ${acked}\\)`))
  const lines = [...first.stdout.trim().split('\n'), ...second.stdout.trim().split('\n')]
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>)
  const pats = lines.filter((f) => f.rule === 'github-pat-classic')
  // Each planted secret printed once across the two runs.
  assert.deepEqual(pats.map((f) => `${f.jobId}:${f.line}`).sort(), ['701:40', '702:540', '703:1040'])
})

test('usage errors', async () => {
  const noRepo = await cli(['ci', 'backfill', '--provider', 'github'], { cwd: dir, env: env() })
  assert.equal(noRepo.code, 2)
  assert.match(noRepo.stderr, /LW_ERR_USAGE/)
  const badRepo = await cli(['ci', 'backfill', '--provider', 'github', '--repo', '../../x'], { cwd: dir, env: env() })
  assert.equal(badRepo.code, 2)
  const noAuth = await cli(args('x.json'), { cwd: dir })
  assert.equal(noAuth.code, 2)
  assert.match(noAuth.stderr, /GITHUB_TOKEN/)
})

test('--provider gitlab: the jobs of a project since the window are scanned, each finding names the project and links the job page; the token never printed', async () => {
  const apiToken = `glpat-${'x'.repeat(20)}`
  const gl = await startGitlabStandin({ token: apiToken })
  try {
    const secret = seededGen('backfill-gitlab').githubToken('ghp_')
    gl.addJob({
      projectId: 42,
      projectPath: 'platform/payments-api',
      id: 9001,
      name: 'deploy',
      status: 'success',
      ref: 'main',
      sha: 'a'.repeat(40),
      pipelineId: 77,
      username: 'dev',
      finishedAt: new Date(Date.now() - 600_000).toISOString(),
      trace: runnerTrace(['npm ci', `export GH_TOKEN=${secret}`, 'npm run deploy'])
    })
    const run = await cli(
      [
        'ci',
        'backfill',
        '--provider',
        'gitlab',
        '--project',
        'platform/payments-api',
        '--since',
        '1d',
        '--api-url',
        gl.url,
        '--state',
        join(dir, 'gl.json'),
        '--format',
        'jsonl'
      ],
      { cwd: dir, env: { GITLAB_TOKEN: apiToken } }
    )
    assert.equal(run.code, 1, run.stderr)
    const findings = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((f) => f.rule === 'github-pat-classic')
    assert.equal(findings.length, 1, run.stdout)
    assert.equal(findings[0]?.repository, 'platform/payments-api')
    assert.match(String(findings[0]?.url), /\/platform\/payments-api\/-\/jobs\/9001/)
    assertAbsent(run, secret)
    assertAbsent(run, apiToken)
  } finally {
    await gl.close()
  }
})
