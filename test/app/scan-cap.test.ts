// `leakwatch scan` on a line past the detector's per-line findings cap (issue
// #12): the rule's further matches there are masked, not reported, and scan
// says so — on stderr as the line is met, as a total at the end, and in a
// SARIF log's tool execution notifications — naming the line and the rule,
// never a value. Before, the cap was silent: 1,000 findings and no word that
// more were dropped.

import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { assertAbsent, cli } from '../support/cli.ts'
import { seededGen, testSeed } from '../support/seed.ts'

const dir = mkdtempSync(join(tmpdir(), 'lw-scan-cap-'))
after(() => rmSync(dir, { recursive: true, force: true }))
const gen = seededGen('scan-cap')

const awsKeyId = (): string => `AKIA${gen.chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16)}`

// 1,100 distinct key ids on line 3 (over the cap of 1,000), a few on line 5 (under it).
const dump = Array.from({ length: 1100 }, awsKeyId)
const few = Array.from({ length: 3 }, awsKeyId)
const text = ['boot', 'loading keys', dump.join(' '), 'ok', few.join(' '), ''].join('\n')
const path = join(dir, 'dump.log')
writeFileSync(path, text)

const NOTE = /^leakwatch: (.*):(\d+): over 1000 findings of rule (\S+) on one line; the rest are masked, not reported/m
const TOTAL = 'leakwatch: 1 line(s) over the cap of 1000 findings of one rule per line; their further matches were masked, not reported'

test('scan names a line past the per-line findings cap on stderr (file, line, rule) and counts it at the end, never showing a value', async () => {
  for (const format of ['text', 'jsonl', 'json']) {
    const out = await cli(['scan', '--format', format, path], { cwd: dir })
    assert.equal(out.code, 1, out.stderr)
    const m = NOTE.exec(out.stderr)
    assert.ok(m !== null, `${format}: no cap note on stderr: ${out.stderr.slice(0, 300)} (seed ${testSeed()})`)
    assert.deepEqual([m[1], m[2], m[3]], [path, '3', 'aws-access-key-id'])
    assert.ok(out.stderr.includes(TOTAL), out.stderr)
    // Once per line and rule, however many matches are past the cap.
    assert.equal(out.stderr.split('\n').filter((l) => NOTE.test(l)).length, 1)
    for (const s of [...dump, ...few]) assert.equal(out.stderr.includes(s), false, `${format}: stderr shows a value (seed ${testSeed()})`)
    for (const s of [...dump, ...few]) assertAbsent(out, s)
  }
})

test('from stdin the note names (stdin); a capped line still has its 1,000 findings and the lines after it theirs', async () => {
  const out = await cli(['scan', '--format', 'jsonl', '-'], { cwd: dir, stdin: text })
  assert.equal(out.code, 1, out.stderr)
  const m = NOTE.exec(out.stderr)
  assert.ok(m !== null, out.stderr.slice(0, 300))
  assert.deepEqual([m[1], m[2], m[3]], ['(stdin)', '3', 'aws-access-key-id'])
  const recs = out.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as { line: number; rule: string })
  assert.equal(recs.filter((r) => r.line === 3 && r.rule === 'aws-access-key-id').length, 1000)
  assert.equal(recs.filter((r) => r.line === 5).length, 3)
})

test('a SARIF log carries the capped lines as tool execution notifications (count, file, line, rule)', async () => {
  const out = await cli(['scan', '--format', 'sarif', path], { cwd: dir })
  assert.equal(out.code, 1, out.stderr)
  const sarif = JSON.parse(out.stdout) as {
    runs: Array<{
      invocations?: Array<{
        executionSuccessful: boolean
        properties: { cappedLines: number }
        toolExecutionNotifications: Array<{
          level: string
          descriptor: { id: string }
          message: { text: string }
          locations?: Array<{ physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }>
        }>
      }>
    }>
  }
  const inv = sarif.runs[0]?.invocations?.[0]
  assert.ok(inv !== undefined, 'no invocation in the SARIF log')
  assert.equal(inv.executionSuccessful, true)
  assert.equal(inv.properties.cappedLines, 1)
  const located = inv.toolExecutionNotifications.filter((n) => n.locations !== undefined)
  assert.deepEqual(
    located.map((n) => [
      n.level,
      n.descriptor.id,
      n.locations?.[0]?.physicalLocation.artifactLocation.uri,
      n.locations?.[0]?.physicalLocation.region.startLine
    ]),
    [['warning', 'findings-per-line', 'dump.log', 3]]
  )
  assert.match(located[0]?.message.text ?? '', /aws-access-key-id/)
  for (const s of [...dump, ...few]) assertAbsent(out, s)
})

test('a scan without a capped line says nothing about the cap, and its SARIF log has no invocation notes', async () => {
  const clean = join(dir, 'few.log')
  writeFileSync(clean, `${few.join(' ')}\n`)
  const out = await cli(['scan', '--format', 'sarif', clean], { cwd: dir })
  assert.equal(out.code, 1, out.stderr)
  assert.equal(out.stderr.includes('over the cap'), false, out.stderr)
  assert.equal((JSON.parse(out.stdout) as { runs: Array<{ invocations?: unknown }> }).runs[0]?.invocations, undefined)
})
