// A live input (stdin, a pipe) whose first read is only part of a UTF-8 byte-order mark: the decoder still
// drops the mark, so the input's bytes are no longer the UTF-8 of its lines and must not be handed to the
// detector (withSourceBytes). Handed on, the first line's bytes held the mark's three bytes: every column of a
// finding on it was one off, and its context masked the span one character to the right of the secret.

import assert from 'node:assert/strict'
import { Readable } from 'node:stream'
import { test } from 'node:test'
import { scanInput } from '../../app/scan.ts'
import { blockKeywords, blockRules } from '../../detectors/open-block.ts'
import { BUILTIN_RULES } from '../../detectors/rules/registry.ts'
import { createSecretDetector, sourceBytesOf, withSourceBytes } from '../../detectors/secrets.ts'
import type { Finding, LogChunk } from '../../pipeline/events.ts'
import { createFingerprinter } from '../../pipeline/fingerprint.ts'
import { seededGen } from '../support/seed.ts'

const gen = seededGen('source-bom')

function createDetector() {
  return createSecretDetector({
    rules: BUILTIN_RULES,
    fingerprinter: createFingerprinter('source-bom-test-key'),
    maxContextChars: 160,
    lazyPatterns: true,
    now: () => new Date(0)
  })
}

/** Scans `parts` as a live input delivering one part per read, the first read alone (the head stops there). */
async function scanLive(parts: Buffer[]): Promise<{ found: Finding[]; mismatched: number }> {
  const detector = createDetector()
  let step = 0
  // The first part at once, each later one a turn of the event loop later: the head sees the first read
  // with nothing buffered behind it, as from a writer that paused.
  const input = new Readable({
    read() {
      const k = step++
      if (k === 0) this.push(parts[0])
      else setImmediate(() => this.push(k < parts.length ? parts[k] : null))
    }
  })
  const found: Finding[] = []
  let mismatched = 0
  await scanInput(input, {
    stream: 'stdin',
    path: undefined,
    live: true,
    skipBinary: false,
    windowChars: 1024 * 1024,
    blocks: blockRules(BUILTIN_RULES),
    blockKeywords: blockKeywords(BUILTIN_RULES),
    detect: (c: LogChunk) => {
      const source = sourceBytesOf(c)
      if (source !== undefined && source.toString('utf8').replaceAll('\r\n', '\n') !== c.lines.join('\n')) mismatched++
      return detector.detect(c)
    },
    emit: (f) => found.push(f)
  })
  return { found, mismatched }
}

test('a byte-order mark split across the first reads of a live input: the bytes are not handed on, and findings point at the secret', async () => {
  const token = gen.githubToken('ghp_')
  const password = gen.password()
  const text = `token ${token} here\npassword=${password} end\nsecond ${token} line\n`
  const bom = Buffer.from([0xef, 0xbb, 0xbf])
  for (const cut of [1, 2]) {
    const { found, mismatched } = await scanLive([bom.subarray(0, cut), Buffer.concat([bom.subarray(cut), Buffer.from(text)])])
    assert.equal(mismatched, 0, `BOM cut after ${cut} byte(s): a chunk was handed bytes that are not its lines`)
    const onFirst = found.filter((f) => f.location.line === 1)
    assert.ok(onFirst.length > 0, 'the token on the first line is found')
    for (const f of onFirst) {
      // "token " is 6 characters: the token starts at column 7 (1-based) and ends before column 7 + its length.
      assert.deepEqual([f.location.column, f.location.endColumn], [7, 7 + token.length], `BOM cut after ${cut}: ${f.rule}`)
      assert.ok(f.context?.startsWith('token ') && f.context.endsWith(' here'), `context ${f.context}`)
    }
    for (const f of found) {
      const s = JSON.stringify(f)
      assert.ok(!s.includes(token) && !s.includes(password), `plaintext in finding ${f.rule}`)
    }
  }
})

test('the detector refuses bytes that are not its lines’ UTF-8 (a dropped byte-order mark, a replaced invalid byte) and reads the lines instead', () => {
  const detector = createDetector()
  const token = gen.githubToken('ghp_')
  const lines = [`token ${token} here`, `caf\uFFFD ${token} x`, `second ${token} line`]
  const chunk = (): LogChunk => ({
    v: '1',
    type: 'log-chunk',
    stream: 'stdin',
    source: { type: 'stdin' },
    startLine: 1,
    offset: { start: 0, end: 0 },
    lines,
    collectedAt: new Date(0).toISOString()
  })
  const want = detector.detect(chunk())
  assert.equal(want.length, 3)
  const text = Buffer.from(lines.join('\n'), 'utf8')
  // The decoder's readings of these bytes are `lines`: it drops a leading mark and turns 0xff into U+FFFD.
  const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), text])
  const invalid = Buffer.from(lines.join('\n').replace('\uFFFD', '\u00ff'), 'latin1')
  assert.equal(new TextDecoder().decode(bom), lines.join('\n'))
  assert.equal(new TextDecoder().decode(invalid), lines.join('\n'))
  for (const [label, bytes] of [
    ['byte-order mark', bom],
    ['invalid byte', invalid]
  ] as const) {
    const got = detector.detect(withSourceBytes(chunk(), bytes))
    assert.deepEqual(
      got.map((f) => [f.location, f.context]),
      want.map((f) => [f.location, f.context]),
      label
    )
  }
})
