import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { CiLine, LogLinesOptions } from '../../../collectors/ci/log-lines.ts'
import { createLogLines, timestampHeader } from '../../../collectors/ci/log-lines.ts'
import { seededGen, seededRng } from '../../support/seed.ts'

function all(input: string | Buffer, opts: LogLinesOptions, cuts: number[] = []): CiLine[] {
  const bytes = typeof input === 'string' ? Buffer.from(input) : input
  const ll = createLogLines(opts)
  const out: CiLine[] = []
  let at = 0
  for (const c of [...cuts, bytes.length]) {
    out.push(...ll.push(bytes.subarray(at, c)))
    at = c
  }
  out.push(...ll.end())
  return out
}

const TS = '2024-01-01T00:00:00.0000000Z '

test('GitHub: timestamps, groups, ANSI, CRLF and command prefixes come off; numbers count the raw lines', () => {
  const log = [
    `${TS}##[group]Run actions/checkout@v4`,
    `${TS}with:\r`,
    `${TS}\u001b[36;1mecho hello\u001b[0m`,
    `${TS}##[endgroup]`,
    `${TS}##[error]Process completed with exit code 1.`,
    `${TS}token=***`,
    ''
  ].join('\n')
  const lines = all(log, { format: 'github' })
  assert.deepEqual(
    lines.map((l) => [l.line, l.text, l.group ?? '']),
    [
      [1, 'Run actions/checkout@v4', 'start'],
      [2, 'with:', ''],
      [3, 'echo hello', ''],
      [4, '', 'end'],
      [5, 'Process completed with exit code 1.', ''],
      [6, 'token=***', '']
    ]
  )
  assert.equal(lines[0]?.time, '2024-01-01T00:00:00.0000000Z')
  assert.equal(lines.at(-1)?.end, Buffer.byteLength(log))
})

test('every byte cut gives the same lines, multi-byte characters included', () => {
  const log = `${TS}caf\u00e9 \u{1F511} ok\r\n${TS}progress 10%\rprogress 100%\n${TS}tail without newline`
  const whole = all(log, { format: 'github' })
  const bytes = Buffer.from(log)
  for (let cut = 1; cut < bytes.length; cut++) assert.deepEqual(all(bytes, { format: 'github' }, [cut]), whole, `cut at ${cut}`)
  assert.deepEqual(
    whole.map((l) => l.text),
    ['caf\u00e9 \u{1F511} ok', 'progress 10% progress 100%', 'tail without newline']
  )
})

test('a secret overwritten by \\r progress output is still in the line the rules read', () => {
  const gen = seededGen('overwrite')
  const token = gen.githubToken('ghp_')
  const [l] = all(`${TS}${token}\r\u001b[2K\rdone\n`, { format: 'github' })
  assert.ok(l?.text.includes(token))
  assert.equal(l?.line, 1)
})

test('::add-mask:: values go to onMask only; the line still carries them for the rules', () => {
  const gen = seededGen('mask')
  const value = gen.password()
  const masks: Array<[string, number]> = []
  const lines = all(`${TS}+ echo ::add-mask::${value}\n${TS}***\n`, { format: 'github', onMask: (v, n) => masks.push([v, n]) })
  assert.deepEqual(masks, [[value, 1]])
  assert.ok(lines[0]?.text.includes(value))
  assert.equal(lines[1]?.text, '***')
})

test('GitLab: headers, section markers and runner continuations (`+`) keep the UI numbering', () => {
  const t = '2024-01-01T00:00:00.123456Z'
  const log = [
    `${t} 00O section_start:1704067200:prepare_script[collapsed=true]\r\u001b[0K\u001b[0K\u001b[36;1mPreparing environment\u001b[0;m`,
    `${t} 00O Running on runner-abc`,
    `${t} 00O+ continued by the runner`,
    `${t} 01E error line`,
    `${t} 00O section_end:1704067201:prepare_script\r\u001b[0K`,
    ''
  ].join('\n')
  const lines = all(log, { format: 'gitlab' })
  assert.deepEqual(
    lines.map((l) => [l.line, l.text, l.split]),
    [
      [1, 'Preparing environment', false],
      [2, 'Running on runner-abc', true],
      [2, 'continued by the runner', false],
      [3, 'error line', false],
      [4, '', false]
    ]
  )
})

test('a line over maxLineBytes comes out in pieces with one number, nothing dropped, memory bounded', () => {
  const rng = seededRng('long')
  const body = rng.chars('abcdefghij\u00e9', 10_000)
  const log = `${TS}${body}\nnext\n`
  const lines = all(log, { format: 'github', maxLineBytes: 1024 }, [7, 3000, 5000])
  const pieces = lines.filter((l) => l.line === 1)
  assert.ok(pieces.length > 5)
  assert.ok(pieces.slice(0, -1).every((p) => p.split))
  assert.equal(pieces.at(-1)?.split, false)
  assert.ok(pieces.every((p) => Buffer.byteLength(p.text) <= 1024))
  assert.equal(pieces.map((p) => p.text).join(''), body)
  assert.deepEqual(lines.at(-1), { line: 2, text: 'next', split: false, end: Buffer.byteLength(log) })
})

test('timestamp headers are parsed by hand and only at the start', () => {
  assert.equal(timestampHeader(TS, 'github').length, TS.length)
  assert.equal(timestampHeader('2024-01-01T00:00:00Z x', 'github').length, 21)
  assert.equal(timestampHeader('2024-01-01T00:00:00+02:00 x', 'github').length, 26)
  assert.equal(timestampHeader('2024-01-01 00:00:00Z x', 'github').length, 0)
  assert.deepEqual(timestampHeader('2024-01-01T00:00:00.1Z 0aE+ x', 'gitlab'), { length: 28, continued: true })
})

test('an escape sequence never hides printed text: an OSC hyperlink keeps its URL, an unterminated one everything after it', () => {
  const lines = all(`${TS}\u001b]8;;https://user:pw@example.test/x\u001b\\link\u001b]8;;\u001b\\\n${TS}\u001b]0;title without end ${'x'.repeat(2000)}\n`, {
    format: 'github'
  })
  assert.equal(lines[0]?.text, '8;;https://user:pw@example.test/xlink8;;')
  assert.ok(lines[1]?.text.endsWith('x'.repeat(2000)))
})
