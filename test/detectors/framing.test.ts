// A record's framing comes off before the rules read it, and every framed
// column maps back to the column of the line as written: the finding points
// there and a masker rewrites that line.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import RE2 from 're2'
import { frameLines, fromRaw, lineEnds, lineStarts, toRaw, toRawEnd, utf16Column, utf16Spans, withoutTerminalNoise } from '../../detectors/framing.ts'
import { criLine, githubLine, gitlabLines } from '../support/records.ts'
import { seededRng } from '../support/seed.ts'

const ESC = '\x1b'

/** Every framed column of every line, mapped back, reads the same character in the written line. */
function assertMapsBack(raw: readonly string[]): void {
  const f = frameLines(raw)
  for (let i = 0; i < raw.length; i++) {
    const framed = f.lines[i] ?? ''
    for (let col = 0; col < framed.length; col++) assert.equal(raw[i]?.[toRaw(f, i, col)], framed[col], `line ${i} column ${col}`)
    assert.equal(toRawEnd(f, i, framed.length) <= (raw[i] ?? '').length, true)
  }
}

test('plain lines pass through untouched, with no mapping to keep', () => {
  const raw = ['starting api', 'listening on :8080', '', '2026 was a year']
  const f = frameLines(raw)
  assert.deepEqual(f.lines, raw)
  assert.deepEqual(f.prefix, [0, 0, 0, 0])
  assert.equal(f.kept.size, 0)
  assert.equal(f.joined, raw.join('\n'))
  assert.equal(toRaw(f, 1, 5), 5)
  assert.equal(toRawEnd(f, 1, 18), 18)
})

test('CRI and GitHub Actions timestamps come off, and columns map past them', () => {
  const raw = [criLine('token=abc'), criLine('err', 'stderr'), githubLine('Run make'), 'no prefix here']
  const f = frameLines(raw)
  assert.deepEqual(f.lines, ['token=abc', 'err', 'Run make', 'no prefix here'])
  const cri = (raw[0] ?? '').length - 'token=abc'.length
  assert.equal(f.prefix[0], cri)
  assert.equal(toRaw(f, 0, 6), cri + 6)
  assert.equal(toRawEnd(f, 0, 9), (raw[0] ?? '').length)
  assert.equal(f.prefix[3], 0)
  assertMapsBack(raw)
})

test('a line that starts like a date but is no record prefix keeps its text', () => {
  const raw = ['2026-11-24 not a timestamp', '2026-11-24T03:14:13Z', '2026-11-24T03:14:13Z stdout X partial']
  const f = frameLines(raw)
  assert.equal(f.lines[0], raw[0])
  // A timestamp without the space after it is the message itself.
  assert.equal(f.lines[1], raw[1])
  // A timestamp is taken off even when the CRI stream and tag that follow it are malformed.
  assert.equal(f.lines[2], 'stdout X partial')
})

test('ANSI escapes and GitLab section markers come off; each kept character maps to where it was written', () => {
  const raw = gitlabLines(['$ make deploy', 'password=hunter2x'])
  raw.push(`${ESC}[31mred${ESC}[0m and ${ESC}(Bplain`)
  const f = frameLines(raw)
  assert.deepEqual(f.lines, ['$ make deploy', 'password=hunter2x', 'red and plain'])
  assert.equal(f.kept.has(0), true)
  assert.equal(f.kept.has(1), false, 'a line with a prefix only keeps offsets, not a column table')
  assert.equal(f.joined, f.lines.join('\n'))
  assertMapsBack(raw)
  // The exclusive end of a span lands just after its last written character, not after the escape that follows it.
  const line = raw[2] ?? ''
  assert.equal(toRawEnd(f, 2, 3), line.indexOf(`${ESC}[0m`))
  assert.equal(toRawEnd(f, 2, 0), toRaw(f, 2, 0))
  // A column past the framed text is the written line's end.
  assert.equal(toRaw(f, 2, 100), line.length)
})

test('a carriage return without a section marker changes nothing', () => {
  const raw = ['progress 10%\r', 'progress 20%\rdone']
  const f = frameLines(raw)
  assert.deepEqual(f.lines, raw)
  assert.equal(f.kept.size, 0)
})

test('lineStarts gives each line its byte offset in the UTF-8 of the joined text', () => {
  for (const raw of [['abc', '', 'de'], ['zoë', 'naïve café', '€1', 'x'], []]) {
    const f = frameLines(raw)
    const bytes = Buffer.from(f.joined ?? '', 'utf8')
    const starts = lineStarts(f, bytes)
    assert.equal(starts.length, raw.length + 1)
    for (let i = 0; i < raw.length; i++) {
      const end = (starts[i + 1] ?? 0) - 1
      assert.equal(bytes.subarray(starts[i], end).toString('utf8'), f.lines[i])
    }
    assert.equal(starts[raw.length], raw.length === 0 ? 0 : bytes.length + 1, 'one past the newline after the last line')
  }
})

test('byte offsets become code-unit columns, and ASCII spans are returned as they are', () => {
  const text = 'pw=€x9 tok=abc'
  const bytes = Buffer.from(text, 'utf8')
  const at = bytes.indexOf('tok')
  assert.equal(utf16Column(text, bytes, at), text.indexOf('tok'))
  assert.deepEqual(utf16Spans(text, bytes, [[at, bytes.length]]), [[text.indexOf('tok'), text.length]])
  const ascii = 'tok=abc'
  const spans: Array<[number, number]> = [[4, 7]]
  assert.equal(utf16Spans(ascii, Buffer.from(ascii), spans), spans)
  assert.equal(utf16Column(ascii, Buffer.from(ascii), 4), 4)
})

test('withoutTerminalNoise keeps the text between escapes and the written column of each kept character', () => {
  const body = `${ESC}[0Ksection_start:1795842853:build[collapsed=true]\r${ESC}[0K${ESC}[32;1mok${ESC}[0;m!`
  const { text, at } = withoutTerminalNoise(body, 10)
  assert.equal(text, 'ok!')
  assert.deepEqual(
    at,
    [body.indexOf('ok'), body.indexOf('ok') + 1, body.indexOf('!')].map((c) => c + 10)
  )
  assert.deepEqual(withoutTerminalNoise('plain', 0), { text: 'plain', at: [0, 1, 2, 3, 4] })
})

/** The pattern withoutTerminalNoise implements by hand, in RE2: what it must take off, match for match. */
const NOISE = new RE2(`\\x1b\\[[0-9;?]*[ -/]*[@-~]|\\x1b[()][A-Za-z0-9]|section_(?:start|end):\\d+:[A-Za-z0-9_.-]+(?:\\[[^\\]\\r\\n]*\\])?\\r`, 'g')

function withoutNoiseByRe2(body: string): string {
  NOISE.lastIndex = 0
  return body.replace(NOISE as unknown as RegExp, '')
}

test('withoutTerminalNoise takes off exactly what the RE2 pattern of terminal noise matches', () => {
  const rng = seededRng('terminal-noise')
  // Pieces of escapes and markers, whole and broken, so that most strings hold matches and near misses.
  const pieces = [
    `${ESC}[`,
    `${ESC}(`,
    `${ESC})`,
    ESC,
    '0',
    '32;1',
    '?25',
    ';',
    ' ',
    '/',
    '!',
    'm',
    'K',
    '~',
    ':',
    '<',
    'B',
    'x',
    '\r',
    '\n',
    ']',
    '[',
    '[collapsed=true]',
    '[a',
    ']\r',
    '\n]\r',
    'section_start:',
    'section_end:',
    'section_',
    'section_start:17:',
    '17',
    ':build',
    'step_1.a-b',
    'é',
    '😀',
    'ok '
  ]
  for (let n = 0; n < 20000; n++) {
    let body = ''
    const len = rng.int(12)
    for (let i = 0; i < len; i++) body += rng.pick(pieces)
    const { text, at } = withoutTerminalNoise(body, 3)
    assert.equal(text, withoutNoiseByRe2(body), JSON.stringify(body))
    assert.equal(at.length, text.length)
    for (const [j, col] of at.entries()) assert.equal(body[col - 3], text[j], JSON.stringify(body))
  }
})

test('lineEnds finds each line’s newline in the bytes it was decoded from (ASCII, multi-byte, astral, \\r\\n, U+FFFD), and refuses bytes that end before the lines do or hold a line more', () => {
  const rng = seededRng('line-ends')
  const pieces = ['a', 'token=x', ' ', 'é', '日本', '🙂', '\uFFFD', '\x1b[0m', '']
  for (let round = 0; round < 2000; round++) {
    const lines: string[] = []
    const count = 1 + rng.int(12)
    for (let i = 0; i < count; i++) {
      let line = ''
      for (let k = rng.int(6); k > 0; k--) line += rng.pick(pieces)
      lines.push(line)
    }
    const sep = rng.chance(0.3) ? '\r\n' : '\n'
    const bytes = Buffer.from(lines.join(sep), 'utf8')
    const ends = lineEnds(lines, bytes)
    assert.ok(ends !== undefined, JSON.stringify(lines))
    let from = 0
    for (let i = 0; i < count; i++) {
      const nl = bytes.indexOf(0x0a, from)
      const end = nl < 0 ? bytes.length : nl
      assert.equal(ends[i], end, `${JSON.stringify(lines)} line ${i}`)
      from = end + 1
    }
    assert.equal(lineEnds([...lines, 'one more'], bytes), undefined)
    // A newline after the last line starts one more (empty) line.
    assert.equal(lineEnds(lines, Buffer.concat([bytes, Buffer.from('\n')])), undefined)
  }
})

test('the columns of a line that lost noise map back as a column table per kept character would map them', () => {
  const rng = seededRng('kept-pieces')
  const pieces = [`${ESC}[0m`, `${ESC}[32;1m`, `${ESC}(B`, ESC, 'section_start:17:build\r', 'section_end:1:x[a]\r', 'tok', 'é', '🙂', ' ', '=', '[', '']
  for (let round = 0; round < 3000; round++) {
    let body = ''
    for (let k = rng.int(10); k > 0; k--) body += rng.pick(pieces)
    if (!body.includes(ESC) && !body.includes('section_')) body += ESC
    const prefix = rng.chance(0.5) ? '2026-12-07T01:00:00.123Z ' : ''
    const raw = `${prefix}${body}`
    const f = frameLines([raw])
    const { text, at } = withoutTerminalNoise(body, prefix.length)
    assert.equal(f.lines[0], text)
    // The table's reading: a column past the text is the line's end; from the written side, the first kept character at or after.
    for (let col = -1; col <= text.length + 1; col++) {
      assert.equal(toRaw(f, 0, col), at[col] ?? raw.length, `${JSON.stringify(raw)} toRaw ${col}`)
      if (col >= 0)
        assert.equal(toRawEnd(f, 0, col), col <= 0 ? (at[0] ?? raw.length) : (at[col - 1] ?? raw.length) + 1, `${JSON.stringify(raw)} toRawEnd ${col}`)
    }
    for (let col = -1; col <= raw.length + 1; col++) {
      const first = at.findIndex((c) => c >= col)
      assert.equal(fromRaw(f, 0, col), first < 0 ? at.length : first, `${JSON.stringify(raw)} fromRaw ${col}`)
    }
  }
})
