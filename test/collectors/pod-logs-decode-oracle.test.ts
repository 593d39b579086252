// The bounded per-record field search and byte-by-byte stream names give exactly the lines, offsets and
// counts the decoder of 5e241e6 gave (kept as an oracle), on hostile container logs: CRI records with odd
// fields (no tag, no message, extra spaces, no timestamp, P/F/multi tags, odd streams), docker json-file
// lines, malformed lines, CRLF, non-UTF-8, a buffer cut anywhere and read on from what was consumed.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { decode } from '../../collectors/pod-logs-decode.ts'
import { decode as oldDecode } from '../support/oracle/pod-logs-decode-5e241e6.ts'
import { seededRng } from '../support/seed.ts'

const TS = ['2026-12-07T03:00:00.123456789Z', '2026-12-07T03:00:00Z', '1', '2026', '9x']
const STREAMS = ['stdout', 'stderr', 'stdouT', 'stdo', 'stdoutx', 'std\u00e9rr', '', 'x']
const TAGS = ['F', 'P', 'P:x', 'x:P', 'F:P', '', 'FF', 'p']
const MSGS = ['token=abc', 'a b', '', ' ', '  lead', 'é日本🙂', '\r', 'x\r', '{"log":"no"}', 'tab\there']
const BYTES = [Buffer.from([0xff]), Buffer.from([0xc3]), Buffer.from([0xe6, 0x97]), Buffer.from([0x00]), Buffer.from([0x9b])]

function record(rng: ReturnType<typeof seededRng>): Buffer {
  const sp = (): string => (rng.chance(0.1) ? '  ' : ' ')
  switch (rng.int(6)) {
    case 0:
    case 1:
    case 2: {
      // CRI, fields dropped or doubled at random.
      let s = rng.pick(TS)
      if (rng.chance(0.9)) s += sp() + rng.pick(STREAMS)
      if (rng.chance(0.85)) s += sp() + rng.pick(TAGS)
      if (rng.chance(0.85)) s += sp() + rng.pick(MSGS)
      const parts = [Buffer.from(s)]
      if (rng.chance(0.15)) parts.push(rng.pick(BYTES))
      return Buffer.concat(parts)
    }
    case 3: {
      const log = rng.pick(MSGS) + (rng.chance(0.7) ? '\n' : '')
      const o: Record<string, unknown> = { log, time: '2026-12-07T03:00:00Z' }
      if (rng.chance(0.8)) o.stream = rng.pick(STREAMS)
      return Buffer.from(rng.chance(0.1) ? JSON.stringify(o).slice(0, -1) : JSON.stringify(o))
    }
    case 4:
      return Buffer.from(rng.pick(['1', '', ' ', '{', 'plain text line', '2026-12-07T03:00:00Z']))
    default:
      return Buffer.concat([rng.pick(BYTES), Buffer.from(rng.pick(MSGS))])
  }
}

test('decode gives the lines, offsets, consumed and malformed counts of 5e241e6 on seeded hostile container logs', () => {
  const rng = seededRng('pod-logs-decode-oracle')
  for (let round = 0; round < 3000; round++) {
    const parts: Buffer[] = []
    for (let k = 1 + rng.int(10); k > 0; k--) {
      parts.push(record(rng))
      parts.push(Buffer.from(rng.chance(0.1) ? '\r\n' : '\n'))
    }
    if (rng.chance(0.3)) parts.pop()
    const whole = Buffer.concat(parts)
    // Bytes past n are not the input's: spaces there must not be read as fields.
    const buf = Buffer.concat([whole, Buffer.from(rng.pick([' ', '  F x\n', '']))])
    const maxLineBytes = rng.pick([4, 16, 1024])
    const full = rng.chance(0.2)
    const ended = rng.chance(0.2)
    // Read as a tailer reads: from what the last call consumed, with a buffer cut anywhere.
    let at = 0
    for (let step = 0; step < 50 && at < whole.length; step++) {
      const cut = at + 1 + rng.int(whole.length - at)
      const view = buf.subarray(at)
      const n = cut - at
      const got = decode(view, n, maxLineBytes, full, ended)
      const want = oldDecode(view, n, maxLineBytes, full, ended)
      assert.deepEqual(got, want, `round ${round} step ${step} ${JSON.stringify(view.toString('latin1', 0, n))}`)
      at += got.consumed > 0 ? got.consumed : n
    }
  }
})
