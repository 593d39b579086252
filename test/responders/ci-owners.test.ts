// CI findings: the incident links to the job at the line (GitLab `#L<n>`,
// GitHub `#step:<n>:<line>`), names branch, commit and actor on the Slack
// message, and routes to the repository's owners: the configured globs, else
// CODEOWNERS read from GitLab (the stand-in checks the token) or GitHub, cached,
// the owners of the CI file winning over `*`, last matching rule first.

import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, test } from 'node:test'
import type { Source } from '../../pipeline/events.ts'
import { createMetrics } from '../../pipeline/metrics.ts'
import { parse } from '../../pipeline/schema.ts'
import type { Actions } from '../../responders/actions.ts'
import { ciOwnersConfigSchema } from '../../responders/ci-owners.config.ts'
import { codeownersPattern, createCiOwners, ownersOf, parseCodeowners, repositoryGlob } from '../../responders/ci-owners.ts'
import { responderConfigSchema } from '../../responders/config.ts'
import { ciLineUrl, createMemoryIncidentStore } from '../../responders/incidents.ts'
import { rotationPlan, subjectOf } from '../../responders/policy.ts'
import { createResponderStage } from '../../responders/responder-stage.ts'
import { renderMessage } from '../../responders/slack-blocks.ts'
import type { StandinJob } from '../support/gitlab-standin.ts'
import { runnerTrace, startGitlabStandin } from '../support/gitlab-standin.ts'
import { ctx, finding, gen } from './fixtures.ts'

const GITLAB_TOKEN = `glpat-${gen.base62(20)}`
const gitlab = await startGitlabStandin({ token: GITLAB_TOKEN })
after(() => gitlab.close())

const CODEOWNERS = [
  '# owners of the monorepo',
  '*                       @acme/platform',
  '*.yml                   @acme/yaml-police',
  '[CI configuration]',
  '/.gitlab-ci.yml         @acme/ci-owners @jane # the pipeline',
  '/docs/                  @acme/writers',
  'docs/generated/         ',
  'path\\ with\\ space.txt  @acme/spaces'
].join('\n')

test('CODEOWNERS: last matching rule wins, anchors and directories as on GitHub/GitLab, sections and comments skipped', () => {
  const rules = parseCodeowners(CODEOWNERS)
  assert.deepEqual(ownersOf(rules, '.gitlab-ci.yml'), ['@acme/ci-owners', '@jane'])
  assert.deepEqual(ownersOf(rules, 'deploy/app.yml'), ['@acme/yaml-police'])
  assert.deepEqual(ownersOf(rules, 'src/main.ts'), ['@acme/platform'])
  assert.deepEqual(ownersOf(rules, 'docs/index.md'), ['@acme/writers'])
  assert.deepEqual(ownersOf(rules, 'docs/generated/api.md'), [], 'a rule without owners clears ownership')
  assert.deepEqual(ownersOf(rules, 'path with space.txt'), ['@acme/spaces'])
  assert.equal(codeownersPattern('/build/').test('build/x/y'), true)
  assert.equal(codeownersPattern('/build/').test('src/build/x'), false)
  assert.equal(codeownersPattern('apps/').test('src/apps/x'), true, 'a directory pattern without an inner slash matches anywhere (GitHub)')
  assert.equal(codeownersPattern('docs/*.md').test('x/docs/a.md'), false, 'a slash inside anchors the pattern to the root')
  assert.equal(codeownersPattern('*.js').test('a/b/c.js'), true)
  assert.equal(codeownersPattern('docs/**/*.md').test('docs/a/b/c.md'), true)
  assert.equal(codeownersPattern('docs/**/*.md').test('docs/c.md'), true)
  // Hostile content stays bounded: RE2 patterns, no backtracking blow-up on a long path.
  const hostile = parseCodeowners(`${'*a'.repeat(500)} @x`)
  assert.deepEqual(ownersOf(hostile, `${'a'.repeat(5000)}!`), [])
})

test('repository globs: * stays in a segment, ** crosses them', () => {
  assert.equal(repositoryGlob('acme/*').test('acme/shop'), true)
  assert.equal(repositoryGlob('acme/*').test('acme/shop/api'), false)
  assert.equal(repositoryGlob('platform/**').test('platform/payments/api'), true)
  assert.equal(repositoryGlob('acme/shop').test('acme/shopping'), false)
})

const ciSource = (provider: 'gitlab' | 'github', repository: string, labels: Record<string, string> = {}): Source => ({
  type: 'ci',
  provider,
  repository,
  job: 'unit tests',
  url: `https://ci.example.test/${repository}/-/jobs/12`,
  labels: { branch: 'main', commit: 'c0ffee'.repeat(6).slice(0, 40), actor: 'dev-jane', ...labels }
})

const FALLBACK = { channel: 'C0DEFAULT', owner: undefined }

function owners(over: Record<string, unknown>, deps: Parameters<typeof createCiOwners>[1] = {}) {
  return createCiOwners(parse(ciOwnersConfigSchema, { gitlab: { url: gitlab.url }, ...over }, 'LW_ERR_CONFIG_INVALID', 'ciOwners'), deps)
}

test('a configured glob routes first; else CODEOWNERS from GitLab (token checked, cached), the CI file owners mapped to their channel', async () => {
  const job: StandinJob = {
    projectId: 4,
    projectPath: 'platform/payments',
    id: 1,
    name: 'x',
    status: 'success',
    ref: 'main',
    sha: gen.hex(40),
    pipelineId: 1,
    username: 'u',
    finishedAt: '2026-12-06T00:00:00Z',
    trace: runnerTrace([])
  }
  gitlab.addJob(job)
  gitlab.files.set('CODEOWNERS', CODEOWNERS)
  const o = owners(
    {
      routes: [{ repository: 'acme/*', channel: 'C0ACME', owner: '@acme' }],
      codeowners: true,
      teamChannels: [{ owner: '@acme/ci-owners', channel: 'C0CIOWNERS' }]
    },
    { gitlabToken: GITLAB_TOKEN }
  )
  assert.deepEqual(await o.route(ciSource('gitlab', 'acme/shop'), FALLBACK), { channel: 'C0ACME', owner: '@acme' })
  const before = gitlab.requests.length
  const r = await o.route(ciSource('gitlab', 'platform/payments'), FALLBACK)
  assert.deepEqual(r, { channel: 'C0CIOWNERS', owner: '@acme/ci-owners @jane' })
  assert.deepEqual(await o.route(ciSource('gitlab', 'platform/payments'), FALLBACK), r)
  const fetched = gitlab.requests.slice(before)
  // .github/CODEOWNERS is absent (404), CODEOWNERS is read; the second route comes from the cache.
  assert.deepEqual(
    fetched.map((q) => [q.path, q.status, q.auth]),
    [
      ['/api/v4/projects/platform%2Fpayments/repository/files/.github%2FCODEOWNERS/raw', 404, 'private-token'],
      ['/api/v4/projects/platform%2Fpayments/repository/files/CODEOWNERS/raw', 200, 'private-token']
    ]
  )
  // A Kubernetes finding is not a CI one.
  assert.deepEqual(await o.route({ type: 'k8s', namespace: 'x' }, FALLBACK), FALLBACK)
})

test('GitHub CODEOWNERS: .github/CODEOWNERS, the `*` owners when no rule names the workflows, an unmapped owner named in the default channel; a failure routes to the default', async () => {
  const seen: string[] = []
  let fail = false
  const server = createServer((req, res) => {
    seen.push(`${req.url} ${req.headers.accept} ${req.headers.authorization === 'Bearer gh-token' ? 'auth' : 'no-auth'}`)
    if (fail) return res.writeHead(502).end()
    if (req.url === '/repos/acme/api/contents/.github/CODEOWNERS')
      return res.writeHead(200, { 'content-type': 'text/plain' }).end('* @acme/backend\n/src/ @acme/core\n')
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Not Found"}')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  try {
    const apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const o = owners({ codeowners: true, github: { apiUrl } }, { githubToken: 'gh-token' })
    assert.deepEqual(await o.route(ciSource('github', 'acme/api'), FALLBACK), { channel: 'C0DEFAULT', owner: '@acme/backend' })
    assert.deepEqual(seen, ['/repos/acme/api/contents/.github/CODEOWNERS application/vnd.github.raw+json auth'])
    fail = true
    const logged: string[] = []
    const o2 = owners({ codeowners: true, github: { apiUrl } }, { logger: { warn: (_o: unknown, m: string) => logged.push(m) } as never })
    assert.deepEqual(await o2.route(ciSource('github', 'acme/other'), FALLBACK), FALLBACK)
    assert.deepEqual(logged, ['CODEOWNERS could not be read; routing to the default channel'])
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
})

test('a CI incident links to the job at the line and names branch, commit and actor on its Slack message', async () => {
  assert.equal(ciLineUrl(ciSource('gitlab', 'a/b'), 7), 'https://ci.example.test/a/b/-/jobs/12#L7')
  assert.equal(ciLineUrl(ciSource('github', 'a/b', { step: '3', stepLine: '40' }), 45), 'https://ci.example.test/a/b/-/jobs/12#step:3:6')
  assert.equal(ciLineUrl(ciSource('github', 'a/b'), 45), 'https://ci.example.test/a/b/-/jobs/12')
  const store = createMemoryIncidentStore()
  const secret = gen.githubToken('ghp_')
  const u = await store.record(
    finding(secret, 'ci/gitlab/platform/payments/12', 7, '2026-12-06T00:00:00.000Z', { source: ciSource('gitlab', 'platform/payments') }),
    ctx()
  )
  const loc = u.incident.locations[0]
  assert.equal(loc?.url, 'https://ci.example.test/platform/payments/-/jobs/12#L7')
  assert.equal(loc?.branch, 'main')
  assert.equal(loc?.actor, 'dev-jane')
  const text = JSON.stringify(renderMessage(u.incident).blocks)
  assert.match(text, /jobs\/12#L7\|platform\/payments · unit tests> \(main · c0ffeec0ffee · by dev-jane\)/)
  assert.ok(!text.includes(secret))
})

test('the responder stage routes a CI finding no Slack route matches to its owners, and leaves a matched one alone', async () => {
  const rc = parse(
    responderConfigSchema,
    { slack: { defaultChannel: 'C0DEFAULT', routes: [{ match: { repository: '^acme/special$' }, channel: 'C0SPECIAL' }] } },
    'LW_ERR_CONFIG_INVALID',
    'responder'
  )
  const store = createMemoryIncidentStore()
  const routed: string[] = []
  const stage = createResponderStage(
    { groupId: 'g', cluster: 'c', config: rc, console: undefined },
    {
      store,
      actions: { opened: async () => {}, changed: async () => {} } as unknown as Actions,
      metrics: createMetrics(),
      ciOwners: {
        route: async (s) => {
          routed.push(s.repository ?? '')
          return { channel: 'C0OWNERS', owner: '@acme/owners' }
        }
      }
    }
  )
  const a = finding(gen.githubToken('ghp_'), 'ci/github/acme/api/1', 3, '2026-12-06T00:00:00.000Z', { source: ciSource('github', 'acme/api') })
  const b = finding(gen.githubToken('ghp_'), 'ci/github/acme/special/1', 3, '2026-12-06T00:00:00.000Z', { source: ciSource('github', 'acme/special') })
  await stage.process([a, b].map((f, i) => ({ topic: 'leakwatch.findings.v1', partition: 0, offset: String(i), key: null, value: f })))
  assert.deepEqual(routed, ['acme/api'])
  assert.equal((await store.get(a.fingerprint))?.route.channel, 'C0OWNERS')
  assert.equal((await store.get(b.fingerprint))?.route.channel, 'C0SPECIAL')
})

test('the documented policy sends GitHub tokens leaked in GitHub Actions logs to the revocation responder, and nothing else', () => {
  const rc = parse(
    responderConfigSchema,
    { rotation: { policy: [{ match: { rule: '^github-', stream: '^ci/github/' }, mode: 'auto', actions: [{ type: 'github-revoke' }] }] } },
    'LW_ERR_CONFIG_INVALID',
    'responder'
  )
  const plan = (f: ReturnType<typeof finding>) => rotationPlan(subjectOf(f), rc.rotation, [])
  const inActions = finding(gen.githubToken('ghp_'), 'ci/github/acme/api/77', 3, '2026-12-06T00:00:00.000Z', { source: ciSource('github', 'acme/api') })
  assert.deepEqual(plan(inActions), { mode: 'auto', actions: [{ type: 'github-revoke' }] })
  const inPod = finding(gen.githubToken('ghp_'), 'k8s/shop/api-1/app', 3, '2026-12-06T00:00:00.000Z', { source: { type: 'k8s', namespace: 'shop' } })
  assert.equal(plan(inPod).mode, 'alert')
  const inGitlab = finding(gen.githubToken('ghp_'), 'ci/gitlab/acme/api/77', 3, '2026-12-06T00:00:00.000Z', { source: ciSource('gitlab', 'acme/api') })
  assert.equal(plan(inGitlab).mode, 'alert')
})
