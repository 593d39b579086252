// Decoding container records costs linear time in the buffer, whatever the records hold: a record's
// fields are searched for within the record. A search for the next space past the record's end made a
// buffer of lines without one after a first CRI record ("1\n" repeated, which `leakwatch scan` of a file
// and a tailer both hand to decode) quadratic: 9 s for 3 MB.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { decode } from '../../collectors/pod-logs-decode.ts'
import { leastCpuMs } from '../support/cost.ts'

const CRI = '2026-12-07T03:00:00.123456789Z stdout F '

function records(lines: number): Buffer {
  return Buffer.from(`${CRI}first\n${'1\n'.repeat(lines)}${CRI}last\n`)
}

test('cost: records without a space (digits) after a CRI record decode in linear time, each passed on raw', () => {
  const small = records(16 * 1024)
  const large = records(16 * 16 * 1024)
  const d = decode(large, large.length, 1024 * 1024, false)
  assert.equal(d.malformed, 16 * 16 * 1024)
  assert.equal(d.consumed, large.length)
  assert.deepEqual([d.lines[0]?.text, d.lines[1]?.text, d.lines.at(-1)?.text], ['first', '1', 'last'])
  const t1 = leastCpuMs(() => decode(small, small.length, 1024 * 1024, false))
  const t16 = leastCpuMs(() => decode(large, large.length, 1024 * 1024, false))
  // Linear is ~16x; the search past each record's end was ~256x (seconds at this size).
  assert.ok(t16 < Math.max(t1, 5) * 64, `1x ${t1.toFixed(1)} ms, 16x ${t16.toFixed(1)} ms`)
})

test('a CRI record whose fields stop at its end is still read field by field: stream, tag, message', () => {
  const buf = Buffer.from(
    `${CRI}a b\n2026-12-07T03:00:00Z stderr P x\n2026-12-07T03:00:00Z stderr F y\n2026-12-07T03:00:00Z stdout\n2026-12-07T03:00:00Z stdout F\n`
  )
  const d = decode(buf, buf.length, 1024, false)
  assert.deepEqual(
    d.lines.map((l) => l.text),
    ['a b', 'xy', '2026-12-07T03:00:00Z stdout', '']
  )
  assert.equal(d.malformed, 1)
})
