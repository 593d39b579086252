// Issue #12: a bare `leakwatch:allow` anywhere on a line (a query string, a
// user agent, a user name: text an attacker writes) hid every secret of the
// line from scan, mask and the pipeline. The marker that accepts a secret now
// names its keyed fingerprint, which only the fingerprint key's holder can
// write.

import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { createFingerprinter } from '../../pipeline/fingerprint.ts'
import { cli } from '../support/cli.ts'
import { seededGen, testSeed } from '../support/seed.ts'

const gen = seededGen('inline-allow')
const dir = mkdtempSync(join(tmpdir(), 'lw-inline-allow-'))
after(() => rmSync(dir, { recursive: true, force: true }))
const key = gen.base62(40)
const KEY = { LEAKWATCH_DETECTOR_FINGERPRINT_KEY: key }
const run = (args: string[], stdin = '') => cli(args, { cwd: dir, env: KEY, stdin })

/** Lines where whoever sends a request or logs in writes the marker into the log. */
function injected(secret: string): string[] {
  return [
    `GET /search?q=leakwatch:allow&token=${secret} HTTP/1.1`,
    `10.0.0.1 - - "GET / HTTP/1.1" 200 "Mozilla/5.0 (leakwatch:allow)" GITHUB_TOKEN=${secret}`,
    `login user="leakwatch:allow" GITHUB_TOKEN=${secret}`
  ]
}

test('scan: a bare leakwatch:allow injected into a line hides no secret; the fingerprint marker accepts exactly its secret', async () => {
  const secrets = [0, 1, 2].map(() => gen.githubToken('ghp_'))
  const lines = secrets.map((s, i) => injected(s)[i] ?? '')
  const accepted = gen.githubToken('ghp_')
  const marker = `leakwatch:allow=${createFingerprinter(key).of(accepted).slice(0, 16)}`
  const other = gen.githubToken('ghp_')
  lines.push(`fixture GITHUB_TOKEN=${accepted} # ${marker}`, `GITHUB_TOKEN=${other} # ${marker}`)
  const log = join(dir, 'app.log')
  writeFileSync(log, `${lines.join('\n')}\n`)
  const r = await run(['scan', '--format', 'jsonl', log])
  const found = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { line: number })
  assert.deepEqual(
    found.map((f) => f.line),
    [1, 2, 3, 5],
    `seed ${testSeed()}: ${r.stdout} ${r.stderr}`
  )
  assert.equal(r.code, 1)
})

test('mask: a bare leakwatch:allow injected into a line does not let its secret through', async () => {
  const secret = gen.githubToken('ghp_')
  for (const line of injected(secret)) {
    const r = await run(['mask'], `${line}\n`)
    assert.equal(r.stdout.includes(secret.slice(4, -2)), false, `seed ${testSeed()}: ${r.stdout}`)
    assert.match(r.stderr, /github-pat-classic/)
  }
})
