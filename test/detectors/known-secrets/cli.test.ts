// `leakwatch scan --known-secrets FILE`, run as users run it.

import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { cli } from '../../support/cli.ts'
import { seededGen } from '../../support/seed.ts'

const g = seededGen('g')
let dir: string
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lw-known-cli-'))
})
after(async () => {
  await rm(dir, { recursive: true, force: true })
})

test('scan --known-secrets finds the listed values in their encodings, masked, as one finding per value', async () => {
  const pw = g.password()
  const token = g.githubToken('ghp_')
  await writeFile(join(dir, 'values.txt'), `# ours\n${pw}\n${token}\nchangeme\n`)
  await writeFile(
    join(dir, 'app.log'),
    [
      'starting',
      `db login password=${pw}`,
      `env: ${Buffer.from(`DB_PASSWORD=${pw}\n`).toString('base64')}`,
      JSON.stringify({ msg: `pushing with ${token}` }),
      `GET /cb?code=${encodeURIComponent(pw)} 302`,
      'changeme is not indexed'
    ].join('\n')
  )
  const env = { LEAKWATCH_DETECTOR_FINGERPRINT_KEY: g.base62(40) }
  const r = await cli(['scan', 'app.log', '--known-secrets', 'values.txt', '--format', 'jsonl'], { cwd: dir, env })
  assert.equal(r.code, 1, r.stderr)
  const found = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { line: number; kind: string; rule: string; alsoMatched?: string[]; origin?: unknown })
  assert.deepEqual(
    found.map((f) => f.line),
    [2, 3, 4, 5]
  )
  for (const f of found) assert.equal(f.kind, 'known-secret')
  const tokenFinding = found.find((f) => f.line === 4)
  assert.ok(
    tokenFinding?.alsoMatched?.some((id) => id.startsWith('github')),
    'the GitHub token is one finding, naming the rule it also matched'
  )
  assert.ok(!r.stdout.includes(pw) && !r.stdout.includes(token))

  const missing = await cli(['scan', 'app.log', '--known-secrets', 'nope.txt'], { cwd: dir, env })
  assert.equal(missing.code, 2)
  assert.match(missing.stderr, /LW_ERR_SCAN_INPUT/)
  const mask = await cli(['mask', '--known-secrets', 'values.txt'], { cwd: dir, env, stdin: 'x\n' })
  assert.equal(mask.code, 2)
  assert.match(mask.stderr, /--known-secrets does not go with mask/)
})
