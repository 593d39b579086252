// test/support/seed.ts: labelled generators replay from LEAKWATCH_TEST_SEED, and a failing test
// file prints the seed and the command that replays it.

import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { promisify } from 'node:util'
import { parseSeed, SEED_ENV, seededGen, seededRng, subSeed, testSeed } from './seed.ts'

const run = promisify(execFile)
const seedModule = new URL('./seed.ts', import.meta.url).href
const dir = await mkdtemp(join(tmpdir(), 'lw-seed-'))
after(() => rm(dir, { recursive: true, force: true }))

const sample = (label: string): string[] => {
  const g = seededGen(label)
  const r = seededRng(label)
  return [g.base62(32), g.githubToken('ghp_'), g.password(), r.chars('abc', 20), String(r.int(1e9))]
}

test('a label gives the same data for the same seed, other labels and seeds give other data', () => {
  assert.deepEqual(sample('a'), sample('a'))
  assert.notDeepEqual(sample('a'), sample('b'))
  assert.notEqual(subSeed('a', testSeed()), subSeed('a', testSeed() ^ 1))
  assert.equal(subSeed('a'), subSeed('a', testSeed()))
})

test('LEAKWATCH_TEST_SEED accepts whole numbers below 2^32 only', () => {
  assert.equal(parseSeed('0'), 0)
  assert.equal(parseSeed(' 4294967295 '), 4294967295)
  for (const bad of ['4294967296', '-1', '1.5', '1e3', 'abc', '0x10']) assert.throws(() => parseSeed(bad), RangeError, bad)
})

// What another process draws, under the given environment.
async function drawn(env: Record<string, string>): Promise<string> {
  const script = join(dir, 'draw.ts')
  await writeFile(script, `import { seededGen, testSeed } from '${seedModule}'\nconsole.log(testSeed(), seededGen('x').base62(40))\n`)
  const { stdout } = await run(process.execPath, [script], { env: { PATH: process.env.PATH ?? '', ...env } })
  // Its first line; node:test's summary follows, since seed.ts registers a hook.
  return stdout.split('\n')[0] ?? ''
}

test('another process replays the same data from LEAKWATCH_TEST_SEED, and draws its own seed without it', async () => {
  const [once, again, other, fresh1, fresh2] = await Promise.all([
    drawn({ [SEED_ENV]: '12345' }),
    drawn({ [SEED_ENV]: '12345' }),
    drawn({ [SEED_ENV]: '12346' }),
    drawn({}),
    drawn({})
  ])
  assert.match(once, /^12345 [0-9A-Za-z]{40}$/)
  assert.equal(once, again)
  assert.notEqual(once.split(' ')[1], other.split(' ')[1])
  assert.notEqual(fresh1, fresh2)
})

test('a failing test file prints its seed and the replay command; a passing one prints nothing', async () => {
  const file = join(dir, 'fails.test.ts')
  await writeFile(
    file,
    `import assert from 'node:assert/strict'\nimport { test } from 'node:test'\nimport { seededGen } from '${seedModule}'\nconst g = seededGen('g')\ntest('passes', () => assert.ok(g.hex(8)))\ntest('fails', () => assert.equal(process.env.FAIL, undefined))\n`
  )
  const env = { PATH: process.env.PATH ?? '', [SEED_ENV]: '777' }
  const failed = await run(process.execPath, ['--test', '--test-reporter=spec', file], { env: { ...env, FAIL: '1' } }).then(
    () => assert.fail('the test file should have failed'),
    (e: { code: number; stdout: string; stderr: string }) => e
  )
  assert.equal(failed.code, 1)
  const out = `${failed.stdout}\n${failed.stderr}`
  // Next to the failing test, and once for the file.
  assert.match(out, /random test data from LEAKWATCH_TEST_SEED=777; replay: LEAKWATCH_TEST_SEED=777 node .*--test .*fails\.test\.ts/)
  assert.match(out, /^replay: LEAKWATCH_TEST_SEED=777 node /m)
  const passed = await run(process.execPath, ['--test', '--test-reporter=spec', file], { env })
  assert.doesNotMatch(`${passed.stdout}\n${passed.stderr}`, /LEAKWATCH_TEST_SEED/)
})
