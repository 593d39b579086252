// Where a collector cuts a full chunk (detectors/open-block.ts blockCutFor, with the built-in rules app/roles.ts gives it): before a private-key block still open
// at its end, or an env var's name line whose value line is still to come; never when the block starts the chunk or would not fit a chunk with the next line.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { CARRIED_BUILTIN_RULES } from '../../detectors/carried-rules.ts'
import { carried } from '../../detectors/open-block.ts'
import { BUILTIN_RULES } from '../../detectors/rules/registry.ts'
import { body, goDump } from '../support/hex-dump.ts'
import { prettyJwk } from '../support/log-groups.ts'
import { blockCut, keyLines } from '../support/pem-block.ts'
import { seededGen } from '../support/seed.ts'

const gen = seededGen('open-block')
const filler = (n: number) => Array.from({ length: n }, (_, i) => `2026-12-07T21:00:00Z INFO request ${i} served`)
const sizes = (lines: readonly string[]) => lines.map((l) => Buffer.byteLength(l) + 1)

test('the collectors carry the blocks of every built-in rule that scan carries, loading only their rule files', () => {
  assert.deepEqual(
    CARRIED_BUILTIN_RULES.map((r) => r.id).sort(),
    BUILTIN_RULES.filter(carried)
      .map((r) => r.id)
      .sort()
  )
  assert.ok(CARRIED_BUILTIN_RULES.length >= 3)
})

test('a full chunk is cut before a key still open at its end, and only then', () => {
  const key = keyLines(gen).lines
  const open = [...filler(90), ...key.slice(0, 10)]
  assert.equal(blockCut(open, sizes(open), 60, 100, 64 * 1024), 90)
  // Not open: the key ends in the chunk, or there is none.
  const closed = [...filler(60), ...key, ...filler(10)]
  assert.equal(blockCut(closed, sizes(closed), 60, 100, 64 * 1024), -1)
  assert.equal(blockCut(filler(100), sizes(filler(100)), 60, 100, 64 * 1024), -1)
  // The block starts the chunk: a chunk cannot hold more of it.
  const whole = key.slice(0, 20)
  assert.equal(blockCut(whole, sizes(whole), 60, 100, 64 * 1024), -1)
  // Its lines and the next one would not fit a chunk of their own: by count, by bytes.
  assert.equal(blockCut(open, sizes(open), 60, 10, 64 * 1024), -1)
  assert.equal(blockCut(open, sizes(open), 60, 11, 64 * 1024), 90)
  const carriedBytes = sizes(key.slice(0, 10)).reduce((a, b) => a + b, 0)
  assert.equal(blockCut(open, sizes(open), 60, 100, carriedBytes + 59), -1)
  assert.equal(blockCut(open, sizes(open), 60, 100, carriedBytes + 60), 90)
})

test('a full chunk is cut before the member lines of a pretty-printed JWK still open at its end, not a plain object', () => {
  const key = prettyJwk(gen).lines
  // Open after kty (its d still to come), or after d (kty written last, still to come): cut at the first member.
  for (const upTo of [2, 3, 6]) {
    const open = [...filler(90), ...key.slice(0, upTo)]
    assert.equal(blockCut(open, sizes(open), 60, 100, 64 * 1024), 91, `up to line ${upTo} of the key`)
  }
  // Closed, or an object none of whose members can take part in a finding: not cut.
  const closed = [...filler(90), ...key]
  assert.equal(blockCut(closed, sizes(closed), 60, 100, 64 * 1024), -1)
  const plain = [...filler(90), '{', '  "level": "info",', '  "msg": "served"']
  assert.equal(blockCut(plain, sizes(plain), 60, 100, 64 * 1024), -1)
})

test("a full chunk is cut before an env var's name line at its end, whose value is on the line to come", () => {
  const pair = ['  - name: DB_PASSWORD', `    value: "${gen.base62(24)}"`]
  const open = [...filler(99), pair[0] as string]
  assert.equal(blockCut(open, sizes(open), 60, 100, 64 * 1024), 99)
  // Under a CI runner's timestamp, which the detector frames off before the rule's anchored regex reads the line.
  const stamped = [...filler(99), `2024-05-01T12:00:00.1234567Z ${pair[0]}`]
  assert.equal(blockCut(stamped, sizes(stamped), 60, 100, 64 * 1024), 99)
  // The value line is in the chunk, or the name names no credential: not cut.
  const closed = [...filler(98), ...pair]
  assert.equal(blockCut(closed, sizes(closed), 60, 100, 64 * 1024), -1)
  const plain = [...filler(99), '  - name: LOG_LEVEL']
  assert.equal(blockCut(plain, sizes(plain), 60, 100, 64 * 1024), -1)
})

test('a full chunk is cut before a hex dump whose rows run to its end, not one that ended', () => {
  const rows = goDump(body('Secret', 3, gen.base62(40)), '\t')
  assert.ok(rows.length >= 5)
  const last = rows[rows.length - 1] as string
  // Its full rows at the chunk's end: the dump may go on, and the next chunk opens at its first row.
  const open = [...filler(80), ...rows.slice(0, 4)]
  assert.equal(blockCut(open, sizes(open), 60, 100, 64 * 1024), 80)
  // Ended (a short last row), or rows whose offsets do not go on from one to the next: not one dump.
  if (!/ {3}\|/.test(last)) assert.fail('the body is drawn so that its last row is short')
  const ended = [...filler(80), ...rows]
  assert.equal(blockCut(ended, sizes(ended), 60, 100, 64 * 1024), -1)
  const apart = [...filler(80), rows[0] as string, rows[2] as string]
  assert.equal(blockCut(apart, sizes(apart), 60, 100, 64 * 1024), 81)
})
