// The seed of a test process's random data: "every generator takes a seed, a
// failing test prints it, and LEAKWATCH_TEST_SEED replays it" (issue #9). A
// flake drawn from random tokens can then be run again with the same tokens.
//
// Each test file runs in its own process and draws a fresh seed there, unless
// LEAKWATCH_TEST_SEED is set. When a test fails, its report gets a diagnostic
// line and the process prints on stderr as it exits, for instance
//
//   replay: LEAKWATCH_TEST_SEED=2846011337 node --disable-warning=TimeoutNegativeWarning --test test/detectors/rules-stability.test.ts
//
// Run that command (from the repository root, on the same commit) to draw the
// same data again. Replay the whole file, not one test by name or only the
// failures: a generator shared by several tests hands each the values left
// after the tests before it, so skipping tests shifts what the rest draw.
//
// Generators are made per label, seededGen('positives'): a label's values
// depend only on the seed, the test file and the label, so adding a generator
// does not change what the others draw, and two files replayed with one seed
// (LEAKWATCH_TEST_SEED=n npm test) do not draw the same tokens.

import { randomInt } from 'node:crypto'
import { relative } from 'node:path'
import { afterEach } from 'node:test'
import { fileURLToPath } from 'node:url'
import { createGen, createRng, type Gen, type Rng } from '../../detectors/gen.ts'

export const SEED_ENV = 'LEAKWATCH_TEST_SEED'

/** A seed as LEAKWATCH_TEST_SEED gives it: a whole number in [0, 2^32). */
export function parseSeed(text: string): number {
  const n = /^\d{1,10}$/.test(text.trim()) ? Number(text.trim()) : Number.NaN
  if (!(n <= 0xffffffff)) throw new RangeError(`${SEED_ENV}=${text}: expected a whole number from 0 to ${0xffffffff}`)
  return n
}

const fromEnv = process.env[SEED_ENV]
const seed = fromEnv === undefined || fromEnv === '' ? randomInt(0, 2 ** 32) : parseSeed(fromEnv)

const root = fileURLToPath(new URL('../../', import.meta.url))
// The entry point of a test process is its test file; the path is taken from the repository root so it is the same wherever the repository is.
const testFile = process.argv[1] === undefined ? '' : relative(root, process.argv[1]).replaceAll('\\', '/')

/** This process's seed. */
export function testSeed(): number {
  return seed
}

/** murmur3's finaliser: every input bit moves every output bit, so nearby inputs give unrelated seeds. */
function mix(h: number): number {
  let x = h >>> 0
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b)
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35)
  return (x ^ (x >>> 16)) >>> 0
}

/** The seed of one labelled generator, from the run's seed, this test file and the label. */
export function subSeed(label: string, from: number = seed): number {
  // FNV-1a over the file and label.
  let h = 0x811c9dc5
  for (const c of `${testFile}\0${label}`) h = Math.imul(h ^ (c.codePointAt(0) ?? 0), 0x01000193)
  return mix(from ^ mix(h))
}

/** detectors/gen.ts's token generator, seeded: the same label gives the same tokens for the same seed. */
export function seededGen(label: string): Gen {
  return createGen(subSeed(label))
}

/** detectors/gen.ts's Rng (uniform numbers, picks, strings), seeded like seededGen. */
export function seededRng(label: string): Rng {
  return createRng(subSeed(label))
}

/** The command that runs this test file again with this seed. */
export function replayCommand(): string {
  // The children of `--test-global-setup` inherit the services' addresses; a replay needs the setup too.
  const setup = process.env.KAFKA_BROKERS || process.env.REDIS_URL ? ' --test-global-setup=test/global-setup.ts' : ''
  return `${SEED_ENV}=${seed} node --disable-warning=TimeoutNegativeWarning --test${setup} ${testFile || '<test file>'}`
}

// Next to each failing test in the report, and once more at the end of the file's output: a failure
// outside any test (a hook, an unhandled rejection) fails the process without a failing test.
afterEach((t) => {
  // Node 24 sets `passed` on a test's context too; @types/node 24 declares it on suites only.
  if ('passed' in t && t.passed === false) t.diagnostic(`random test data from ${SEED_ENV}=${seed}; replay: ${replayCommand()}`)
})
process.on('exit', (code) => {
  if (code !== 0) process.stderr.write(`\nreplay: ${replayCommand()}\n`)
})
