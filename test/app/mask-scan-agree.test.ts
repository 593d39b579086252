// `leakwatch mask` reads a stream line by line and writes each line as soon as it can; `leakwatch scan` reads
// the same text in chunks. What one finds the other must find, on the same lines: a secret that mask's
// line-by-line reading cannot see (a value on the line after its name, a key over several lines, a token cut
// over a hex dump's rows) is one that mask writes out in clear. The input is every built-in rule's first
// example line and the multi-line shapes the detector reads across lines, in a seeded order among filler lines.

import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { cli } from '../support/cli.ts'
import { logGroups } from '../support/log-groups.ts'
import { replayCommand, seededGen, seededRng } from '../support/seed.ts'

const dir = mkdtempSync(join(tmpdir(), 'lw-mask-scan-'))
after(() => rmSync(dir, { recursive: true, force: true }))
const gen = seededGen('mask-scan-agree')
const rng = seededRng('mask-scan-agree-order')

/** `line rule` of each finding scan's JSON lines or mask's stderr name. */
const fromScan = (stdout: string): string[] =>
  stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { line: number; rule: string })
    .map((f) => `${f.line} ${f.rule}`)
const fromMask = (stderr: string): string[] => [...stderr.matchAll(/^leakwatch mask: line (\d+)(?:-\d+)?:\d+\s+\S+\s+(\S+)/gm)].map((m) => `${m[1]} ${m[2]}`)
const set = (xs: string[]): string[] => [...new Set(xs)].sort()

test('mask reports on the same lines, by the same rules, as scan of the same text; no multi-line value comes out of mask', async () => {
  const { groups: gs, lines } = logGroups(gen, rng)
  const input = `${lines.join('\n')}\n`
  const env = { LEAKWATCH_DETECTOR_FINGERPRINT_KEY: 'mask-scan-agree-key-0123456789abcdef' }
  const [scan, mask] = await Promise.all([
    cli(['scan', '--format', 'jsonl', '--exit-code', '0', '-'], { cwd: dir, stdin: input, env }),
    cli(['mask', '--exit-code', '0'], { cwd: dir, stdin: input, env })
  ])
  assert.equal(scan.code, 0, scan.stderr)
  assert.equal(mask.code, 0, mask.stderr)
  const scanned = set(fromScan(scan.stdout))
  assert.ok(scanned.length >= gs.length - 20, `scan found ${scanned.length} for ${gs.length} groups (${replayCommand()})`)
  assert.deepEqual(set(fromMask(mask.stderr)), scanned, `mask and scan disagree (${replayCommand()})`)
  for (const g of gs) for (const s of g.secrets) assert.equal(mask.stdout.includes(s), false, `a value of ${g.lines[0]} came out of mask (${replayCommand()})`)
  assert.equal(mask.stdout.split('\n').length, lines.length + 1)
})
