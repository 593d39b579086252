// `leakwatch scan --known-secrets FILE` and `leakwatch mask --known-secrets FILE`, run as users run them.

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
})

test('mask --known-secrets masks the listed values in their encodings, where no rule would see them; without it they pass', async () => {
  // A value no rule finds on its own: letters and digits after a word that names nothing secret.
  const value = g.base62(24)
  await writeFile(join(dir, 'mask-values.txt'), `${value}\n`)
  const input = [
    'starting',
    `cache key ${value}`,
    `blob ${Buffer.from(`K=${value}\n`).toString('base64')}`,
    `GET /cb?state=${encodeURIComponent(value)} 302`,
    'done',
    ''
  ].join('\n')
  const env = { LEAKWATCH_DETECTOR_FINGERPRINT_KEY: g.base62(40) }
  const masked = await cli(['mask', '--known-secrets', 'mask-values.txt'], { cwd: dir, env, stdin: input })
  assert.equal(masked.code, 1, masked.stderr)
  assert.equal(masked.stdout.split('\n').length, input.split('\n').length)
  assert.ok(masked.stdout.startsWith('starting\n') && masked.stdout.endsWith('done\n'))
  assert.equal(masked.stdout.includes(value) || masked.stderr.includes(value), false, masked.stdout)
  assert.equal(masked.stdout.includes(Buffer.from(`K=${value}\n`).toString('base64').slice(4, 24)), false, 'the base64 form is masked')
  assert.equal((masked.stderr.match(/known-secret/g) ?? []).length, 3, masked.stderr)
  const plain = await cli(['mask'], { cwd: dir, env, stdin: input })
  assert.equal(plain.code, 0, plain.stderr)
  assert.equal(plain.stdout, input, 'without the list, no rule masks the value')
  const missing = await cli(['mask', '--known-secrets', 'nope.txt'], { cwd: dir, env, stdin: 'x\n' })
  assert.equal(missing.code, 2)
  assert.match(missing.stderr, /LW_ERR_SCAN_INPUT/)
})
