// `scan` hands the detector the bytes each chunk's lines were decoded from (app/scan.ts, withSourceBytes), and
// the detector copies the framed lines out of them instead of joining the lines and encoding them again
// (issue #15). Both readings must be the same: every chunk is scanned twice here, with its bytes and as a
// copy without them, and the findings and masked spans must be equal. Inputs mix what could make the bytes
// disagree with the lines: record prefixes and ANSI colours taken off, non-ASCII text, characters split
// across reads, invalid UTF-8, a byte-order mark, \r\n and lone \r line ends, a line long enough to be windowed, a key
// block carried into the next chunk, an input without a final newline.

import assert from 'node:assert/strict'
import { Readable } from 'node:stream'
import { test } from 'node:test'
import { scanInput } from '../../app/scan.ts'
import { blockKeywords, blockRules } from '../../detectors/open-block.ts'
import { BUILTIN_RULES } from '../../detectors/rules/registry.ts'
import type { SecretSpan } from '../../detectors/secrets.ts'
import { createSecretDetector, sourceBytesOf, withSourceBytes } from '../../detectors/secrets.ts'
import type { Finding, LogChunk } from '../../pipeline/events.ts'
import { createFingerprinter } from '../../pipeline/fingerprint.ts'
import { seededGen, seededRng } from '../support/seed.ts'

const gen = seededGen('source-bytes')
const rng = seededRng('source-bytes')

function detector() {
  return createSecretDetector({
    rules: BUILTIN_RULES,
    fingerprinter: createFingerprinter('source-bytes-test-key'),
    maxContextChars: 160,
    lazyPatterns: true,
    now: () => new Date(0)
  })
}

/** Lines of every kind above, secrets among them (the rules' own examples, drawn at test time). */
function lines(count: number): string[] {
  // One-line examples: a '\r' in one (an HTTP trace) would turn the bytes off for the whole input.
  const examples = BUILTIN_RULES.filter((r) => r.examples !== undefined)
    .flatMap((r) => r.examples.positives(gen).map((p) => p.line))
    .filter((l) => !/[\r\n]/.test(l))
  const out: string[] = []
  for (let i = 0; i < count; i++) {
    const message = rng.chance(0.05)
      ? rng.pick(examples)
      : rng.pick([`INFO request ${i} served`, `naïve café ${i} 日本語 🙂`, `user=${gen.base62(12)} ok`, `"msg":"token refreshed","n":${i}`, ''])
    const shape = rng.int(4)
    if (shape === 0) out.push(message)
    else if (shape === 1) out.push(`2026-12-07T01:00:00.${String(i % 10_000_000).padStart(7, '0')}Z ${message}`)
    else if (shape === 2) out.push(`2026-12-07T01:00:00.123Z \x1b[36;1m${message}\x1b[0m`)
    else out.push(`2026-12-07T01:00:00Z 00O section_start:1:build\r${message}`.replace('\r', ' '))
  }
  const body = gen.pemBody(200)
  // A key block across the first chunk boundary (app/scan.ts CHUNK_LINES).
  out.splice(4094, 0, '-----BEGIN OPENSSH PRIVATE KEY-----', body.slice(0, 70), body.slice(70, 140), body.slice(140), '-----END OPENSSH PRIVATE KEY-----')
  return out
}

interface Seen {
  chunks: number
  sourced: number
}

/** Scans `bytes`, read in pieces of random sizes, comparing every chunk's findings and spans with and without its bytes. */
async function scanBoth(bytes: Buffer, windowChars = 1024 * 1024): Promise<{ seen: Seen; found: Finding[] }> {
  const withBytes = detector()
  const without = detector()
  const seen: Seen = { chunks: 0, sourced: 0 }
  const found: Finding[] = []
  const pieces: Buffer[] = []
  for (let at = 0; at < bytes.length; ) {
    const n = 1 + rng.int(70_000)
    pieces.push(bytes.subarray(at, at + n))
    at += n
  }
  await scanInput(Readable.from(pieces), {
    stream: 'file:test',
    path: 'test',
    live: false,
    skipBinary: false,
    windowChars,
    blocks: blockRules(BUILTIN_RULES),
    blockKeywords: blockKeywords(BUILTIN_RULES),
    detect: (c: LogChunk) => {
      seen.chunks++
      const source = sourceBytesOf(c)
      if (source !== undefined) {
        seen.sourced++
        // Lines hold no '\r': every one in the bytes is half of a '\r\n'.
        assert.equal(source.toString('utf8').replaceAll('\r\n', '\n'), c.lines.join('\n'), `chunk at line ${c.startLine}: its bytes are its lines`)
      }
      const spansA: SecretSpan[] = []
      const spansB: SecretSpan[] = []
      const a = withBytes.detect(c, undefined, (s) => spansA.push(s))
      const b = without.detect({ ...c }, undefined, (s) => spansB.push(s))
      assert.deepEqual(a, b, `chunk at line ${c.startLine}`)
      assert.deepEqual(spansA, spansB, `chunk at line ${c.startLine}`)
      return a
    },
    emit: (f) => found.push(f)
  })
  return { seen, found }
}

test('every chunk of UTF-8 input is scanned from its bytes, and finds what its lines find', async () => {
  const text = `${lines(9000).join('\n')}\n`
  const { seen, found } = await scanBoth(Buffer.from(text, 'utf8'))
  assert.ok(seen.chunks >= 3, `${seen.chunks} chunks`)
  assert.equal(seen.sourced, seen.chunks)
  assert.ok(found.some((f) => f.rule === 'private-key'))
  assert.ok(found.length > 50, `${found.length} findings`)
})

test('input without a final newline, with invalid UTF-8 in one chunk, is still scanned the same', async () => {
  const all = lines(9000)
  all[5000] = 'bad \uFFFF here'
  const bytes = Buffer.from(all.join('\n'), 'utf8')
  // An invalid byte in the second chunk: that chunk is read from its lines, the others from their bytes.
  const bad = bytes.indexOf(Buffer.from('bad \uFFFF here', 'utf8'))
  bytes[bad + 4] = 0xff
  const { seen } = await scanBoth(bytes)
  assert.equal(seen.sourced, seen.chunks - 1)
})

test('\\r\\n line ends turn the bytes off, and nothing else changes', async () => {
  const crlf = await scanBoth(Buffer.from(`${lines(9000).join('\r\n')}\r\n`, 'utf8'))
  assert.equal(crlf.seen.sourced, 0)
  // Lines of two characters: a chunk's characters and newlines (3 per line) fall on a '\n' of the bytes
  // (4 per line) whenever its line count is a multiple of 4: no shortcut may take that for the chunk's end.
  const twos = await scanBoth(Buffer.from(`${'ab\r\n'.repeat(9000)}password=${gen.base62(20)}\r\n`, 'utf8'))
  assert.equal(twos.seen.sourced, 0)
})

test('a byte-order mark, a \\r or a windowed line turn the bytes off, and nothing else changes', async () => {
  const text = lines(6000).join('\n')
  const bom = await scanBoth(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]))
  assert.equal(bom.seen.sourced, 0)
  const cr = await scanBoth(Buffer.from(`a\rb\n${text}`, 'utf8'))
  assert.equal(cr.seen.sourced, 0)
  // Off from the read that holds the first '\r' on: the chunks before it keep their bytes.
  const lastCr = await scanBoth(Buffer.from(`${text}\r`, 'utf8'))
  assert.ok(lastCr.seen.sourced < lastCr.seen.chunks, JSON.stringify(lastCr.seen))
  // A line longer than the window: the chunks before it keep their bytes, none after it has them.
  const long = lines(6000)
  long.splice(5000, 0, `key=${'x'.repeat(5000)}`)
  const windowed = await scanBoth(Buffer.from(long.join('\n'), 'utf8'), 4096)
  assert.ok(windowed.seen.sourced >= 1 && windowed.seen.sourced < windowed.seen.chunks, JSON.stringify(windowed.seen))
})

test('bytes that are not the chunk’s lines are not used: the detector reads the lines', () => {
  const chunkLines = lines(300)
  const chunk = (): LogChunk => ({
    v: '1',
    type: 'log-chunk',
    stream: 'file:test',
    source: { type: 'stdin' },
    startLine: 1,
    offset: { start: 0, end: 0 },
    lines: chunkLines,
    collectedAt: new Date(0).toISOString()
  })
  const expected = detector().detect(chunk())
  assert.ok(expected.length > 0)
  const joined = chunkLines.join('\n')
  for (const wrong of [`${joined}\nextra line`, joined.slice(0, joined.lastIndexOf('\n'))]) {
    assert.deepEqual(detector().detect(withSourceBytes(chunk(), Buffer.from(wrong, 'utf8'))), expected)
  }
})
