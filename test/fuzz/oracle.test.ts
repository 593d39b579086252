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

/** A single-line place: scan's line and the exclusive end column on it. */
const at = (line: number, endColumn = 2) => ({ line, endLine: line, endColumn })

test('physicalLines: text is numbered as it is; a container line maps to the physical line holding the end of what scan found', () => {
  assert.equal(physicalLines(Buffer.from('a\r\nb\rc\nd\n'))(at(3)), 3)
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
  // Container lines in the order they complete: one, progress, interleaved, the merged halves (to their last
  // record's line), last.
  assert.deepEqual([at(1), at(2), at(3), at(4), at(5)].map(map), [1, 2, 6, 7, 8])
  // In the progress record: "progress 10%" ends on physical line 2, "30%" on line 4.
  assert.deepEqual([map(at(2, 13)), map(at(2, 14)), map(at(2, 22))], [2, 3, 4])
})

async function maskScan(lines: string[], value: string) {
  const c: FuzzCase = { bytes: Buffer.from(`${lines.join('\n')}\n`), secrets: [value], recipe: ['oracle:container-lines'] }
  return { c, failures: await targetNamed('mask-scan').run(c) }
}

test('mask-scan: a value scan reports on a later container line is not held against a raw copy mask wrote on an earlier physical line', async () => {
  const value = gen.password()
  const lines = [`${TS} stdout F starting`]
  // Ten records of progress output: each one container line, three physical lines.
  for (let i = 0; i < 10; i++) lines.push(`${TS} stdout F step ${i} 10%\r50%\r100%`)
  // The value bare, where no rule sees it (physical line 32), then with its key (container line 20, physical 40).
  lines.push(`${TS} stdout F cache warm ${value} ok`)
  for (let i = 0; i < 7; i++) lines.push(`${TS} stdout F idle ${i}`)
  lines.push(`${TS} stdout F DB_PASSWORD=${value}`)
  const { c, failures } = await maskScan(lines, value)
  const map = physicalLines(c.bytes)
  assert.deepEqual([map(at(12)), map(at(20))], [32, 40])
  assert.deepEqual(failures, [], `seed ${testSeed()}`)
})

test('mask-scan: within one container line of several physical lines, a raw copy before the one scan found is not held against mask', async () => {
  // Case 550 minimised: one record, its message cut by lone \r's; the value bare on physical line 2, with its key on 4.
  const value = gen.password()
  const { failures } = await maskScan([`${TS} stdout F start\rcache ${value} warm\rx\rDB_PASSWORD=${value}`], value)
  assert.deepEqual(failures, [], `seed ${testSeed()}`)
})
