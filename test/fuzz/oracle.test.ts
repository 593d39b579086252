// The fuzz harness's own oracle: mask-scan's "mask hides what scan reports"
// compares scan's line numbers with mask's output lines. On an input whose
// first line is a CRI record, scan numbers the container's lines, mask the
// physical ones (split at \n, \r\n and a lone \r): seed 20261209, mask-scan
// case 550 failed on that alone (scan's line 101 is physical line 454).

import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { seededGen, testSeed } from '../support/seed.ts'
import type { FuzzCase } from './inputs.ts'
import { closeTargets, physicalLines, targetNamed } from './targets.ts'

after(closeTargets)
const gen = seededGen('fuzz-oracle')
const TS = '2026-12-06T10:00:00.000000001Z'

test('physicalLines: text is numbered as it is; container records map to the physical line their first record starts on', () => {
  assert.equal(physicalLines(Buffer.from('a\r\nb\rc\nd\n'))(3), 3)
  const cri = [
    `${TS} stdout F one`,
    // A record holding lone \r's: one container line, three physical ones.
    `${TS} stdout F progress 10%\r20%\r30%`,
    `${TS} stdout P first half `,
    `${TS} stderr F interleaved`,
    `${TS} stdout F second half`,
    `${TS} stdout F last\r\n`
  ].join('\n')
  const map = physicalLines(Buffer.from(cri))
  // Container lines in the order they complete: one, progress, interleaved, the merged halves, last.
  assert.deepEqual([1, 2, 3, 4, 5].map(map), [1, 2, 6, 5, 8])
})

test('mask-scan: a value scan reports on a later container line is not held against a raw copy mask wrote on an earlier physical line', async () => {
  const value = gen.password()
  const lines = [`${TS} stdout F starting`]
  // Ten records of progress output: each one container line, three physical lines.
  for (let i = 0; i < 10; i++) lines.push(`${TS} stdout F step ${i} 10%\r50%\r100%`)
  // The value bare, where no rule sees it (physical line 32), then with its key (container line 20, physical 40).
  lines.push(`${TS} stdout F cache warm ${value} ok`)
  for (let i = 0; i < 7; i++) lines.push(`${TS} stdout F idle ${i}`)
  lines.push(`${TS} stdout F DB_PASSWORD=${value}`)
  const c: FuzzCase = { bytes: Buffer.from(`${lines.join('\n')}\n`), secrets: [value], recipe: ['oracle:container-lines'] }
  const map = physicalLines(c.bytes)
  assert.deepEqual([map(12), map(20)], [32, 40])
  const failures = await targetNamed('mask-scan').run(c)
  assert.deepEqual(failures, [], `seed ${testSeed()}`)
})
