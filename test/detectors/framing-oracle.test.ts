// The framing (what the rules read) and its column mapping (where a finding and a
// context mask point in the written line) held to the framing of 5e241e6, kept as
// an oracle: a column that maps one character off masks the wrong span and prints
// part of a secret. Hostile lines: every kind of terminal noise, broken escapes,
// section markers with and without their '\r', progress rewrites, record prefixes,
// multi-byte and astral characters, C1 controls, BOM, NUL, U+FFFD.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { frameLines, fromRaw, lineEnds, toRaw, toRawEnd } from '../../detectors/framing.ts'
import * as old from '../support/oracle/framing-5e241e6.ts'
import { seededRng } from '../support/seed.ts'

const ESC = '\x1b'
const PIECES = [
  `${ESC}[0m`,
  `${ESC}[32;1m`,
  `${ESC}[?25l`,
  `${ESC}[1;2 q`,
  `${ESC}[38;5;208m`,
  `${ESC}[`,
  `${ESC}[12`,
  `${ESC}(B`,
  `${ESC})0`,
  `${ESC}(`,
  ESC,
  `${ESC}]0;title\x07`,
  'section_start:1765000000:build_script[collapsed=true]\r',
  'section_end:1765000000:build_script\r',
  'section_start:17:step\r',
  'section_start:17:step',
  'section_end:1:x[a',
  'section_',
  '\r',
  '\x9b31m',
  '\u009b',
  '\uFEFF',
  '\0',
  '\uFFFD',
  'é',
  '日本',
  '🙂',
  '\u2028',
  'tok',
  'ghp_',
  'AbC123xyz',
  'password=',
  ' ',
  '=',
  '[',
  ']',
  ''
]
const PREFIXES = [
  '',
  '',
  '2026-12-07T01:00:00.123Z ',
  '2026-12-07T01:00:00.123456789Z stdout F ',
  '2026-12-07T01:00:00Z stderr P ',
  '2026-12-07T01:00:00+01:00 00O ',
  '2026-12-07T01:00:00Z 0aE+ '
]

function hostileLine(rng: ReturnType<typeof seededRng>, withCr: boolean): string {
  let body = ''
  for (let k = rng.int(12); k > 0; k--) body += rng.pick(PIECES)
  if (!withCr) body = body.replaceAll('\r', '')
  return `${rng.pick(PREFIXES)}${body}`
}

/** The new framing reads and maps back every line exactly as the old one, for every column and past both ends. */
function assertSameFraming(raw: string[], source: Buffer | undefined, label: string): void {
  const n = frameLines(raw, source)
  const o = old.frameLines(raw, source)
  assert.deepEqual(n.lines, o.lines, `${label} framed lines`)
  assert.deepEqual(n.prefix, o.prefix, `${label} prefixes`)
  assert.equal(n.joined, o.joined, `${label} joined`)
  for (let i = 0; i < raw.length; i++) {
    const framed = n.lines[i] ?? ''
    const written = raw[i] ?? ''
    // The columns a hit, a context or a mask can ask for: inside the framed text and its end.
    for (let col = 0; col <= framed.length; col++) {
      assert.equal(toRaw(n, i, col), old.toRaw(o, i, col), `${label} line ${i} ${JSON.stringify(written)} toRaw ${col}`)
      assert.equal(toRawEnd(n, i, col), old.toRawEnd(o, i, col), `${label} line ${i} ${JSON.stringify(written)} toRawEnd ${col}`)
    }
    for (let col = -1; col <= written.length + 1; col++)
      assert.equal(fromRaw(n, i, col), old.fromRaw(o, i, col), `${label} line ${i} ${JSON.stringify(written)} fromRaw ${col}`)
    // Every framed character is the written character it maps to.
    for (let col = 0; col < framed.length; col++) assert.equal(written[toRaw(n, i, col)], framed[col], `${label} line ${i} column ${col}`)
  }
}

test('framing from text: the same framed lines and the same column mapping as 5e241e6 on hostile lines', () => {
  const rng = seededRng('framing-oracle-text')
  for (let round = 0; round < 3000; round++) {
    const raw: string[] = []
    for (let k = 1 + rng.int(6); k > 0; k--) raw.push(hostileLine(rng, true))
    assertSameFraming(raw, undefined, `round ${round}`)
  }
})

test('framing from bytes: the same framed lines and mapping as 5e241e6 for every chunk withSourceBytes may hand (no \\r in a line, \\n or \\r\\n ends)', () => {
  const rng = seededRng('framing-oracle-bytes')
  for (let round = 0; round < 3000; round++) {
    const raw: string[] = []
    for (let k = 1 + rng.int(6); k > 0; k--) raw.push(hostileLine(rng, false))
    const sep = rng.chance(0.3) ? '\r\n' : '\n'
    const source = Buffer.from(raw.join(sep) + (rng.chance(0.2) ? sep : ''), 'utf8')
    // A trailing newline would be a line more: only the bytes of exactly these lines are a chunk's source.
    const exact = lineEnds(raw, source) !== undefined
    assertSameFraming(raw, source, `round ${round}${exact ? '' : ' (bytes not the lines)'}`)
    // And what the rules read from bytes is what they read from text.
    assert.deepEqual(frameLines(raw, source).lines, old.frameLines(raw).lines, `round ${round} bytes vs text`)
  }
})
