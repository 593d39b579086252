// PEM-style blocks: the body after a BEGIN header is the secret, read from the
// same line (JSON-escaped newlines) or from the lines after it up to the END
// marker, and refused when what follows the header is a log message rather
// than a key. Bodies are random base64 from a seeded generator.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createRng } from '../../detectors/gen.ts'
import { MAX_BLOCK_LINES, readBlock } from '../../detectors/pem.ts'

const SEED = 20261207
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const BLOCK = { end: '-----END ', minBodyChars: 64 }
const HEADER = '-----BEGIN RSA PRIVATE KEY-----'
const FOOTER = '-----END RSA PRIVATE KEY-----'

/** `n` body lines of 64 base64 characters, as PEM writes them. */
function bodyLines(seed: number, n: number): string[] {
  const rng = createRng(seed)
  return Array.from({ length: n }, () => rng.chars(B64, 64))
}

test('a block on one line, its newlines JSON-escaped, ends at the END marker', () => {
  const body = bodyLines(SEED, 3)
  const text = `{"key":"${HEADER}\\n${body.join('\\n')}\\n${FOOTER}\\n"}`
  const after = text.indexOf(HEADER) + HEADER.length
  const b = readBlock(BLOCK, [text], 0, text, after)
  const end = text.indexOf(FOOTER)
  assert.deepEqual(b, { secret: body.join(''), endLineIndex: 0, end, endColumn: end + 1 }, `seed ${SEED}`)
})

test('a terminated body shorter than the minimum is no key', () => {
  const text = `${HEADER}\\nQUJDRA==\\n${FOOTER}`
  assert.equal(readBlock(BLOCK, [text], 0, text, HEADER.length), undefined)
})

test('a block over the following lines, PEM header fields skipped, ends on the END line', () => {
  const body = bodyLines(SEED + 1, 4)
  const lines = ['loading key', HEADER, 'Proc-Type: 4,ENCRYPTED', 'DEK-Info: AES-128-CBC,00FF', '', ...body, FOOTER, 'key loaded']
  const b = readBlock(BLOCK, lines, 1, HEADER, HEADER.length)
  assert.deepEqual(b, { secret: body.join(''), endLineIndex: 5 + body.length, end: HEADER.length, endColumn: 1 }, `seed ${SEED + 1}`)
})

test('the END marker is found wherever it stands on its line', () => {
  const body = bodyLines(SEED + 2, 2)
  const last = `  ${FOOTER}`
  const b = readBlock(BLOCK, [HEADER, ...body, last], 0, HEADER, HEADER.length)
  assert.equal(b?.endColumn, 3, `seed ${SEED + 2}`)
  assert.equal(b?.endLineIndex, 3)
})

test('a header quoted in a log message, followed by more log lines, is no block', () => {
  const text = `error: expected a PEM file starting with ${HEADER}`
  const lines = [text, 'retrying in 5s', 'giving up']
  assert.equal(readBlock(BLOCK, lines, 0, text, text.length), undefined)
})

test('a header followed by the rest of a JSON event on its line: a key only when the body alone is long', () => {
  const short = `{"msg":"${HEADER}\\nMIIEpAIBAAKCAQEA","level":"info"}`
  assert.equal(readBlock(BLOCK, [short], 0, short, short.indexOf(HEADER) + HEADER.length), undefined)
  const body = bodyLines(SEED + 3, 5)
  const long = `{"msg":"${HEADER}\\n${body.join('\\n')}","level":"info"}`
  const after = long.indexOf(HEADER) + HEADER.length
  const b = readBlock(BLOCK, [long], 0, long, after)
  const cut = long.indexOf('"', after)
  assert.deepEqual(b, { secret: body.join(''), endLineIndex: 0, end: cut, endColumn: cut + 1 }, `seed ${SEED + 3}`)
})

test('a body that runs into a log line without an END marker is a key only when long enough', () => {
  const body = bodyLines(SEED + 4, 5)
  const lines = [HEADER, ...body, 'INFO server started']
  assert.deepEqual(
    readBlock(BLOCK, lines, 0, HEADER, HEADER.length),
    { secret: body.join(''), endLineIndex: body.length, end: HEADER.length, endColumn: 65 },
    `seed ${SEED + 4}`
  )
  assert.equal(readBlock(BLOCK, [HEADER, ...body.slice(0, 2), 'INFO server started'], 0, HEADER, HEADER.length), undefined)
})

test('a block cut by the chunk boundary is reported up to the last body line when long enough', () => {
  const body = bodyLines(SEED + 5, 6)
  const lines = ['starting', HEADER, ...body]
  assert.deepEqual(
    readBlock(BLOCK, lines, 1, HEADER, HEADER.length),
    { secret: body.join(''), endLineIndex: lines.length - 1, end: HEADER.length, endColumn: 65 },
    `seed ${SEED + 5}`
  )
  assert.equal(readBlock(BLOCK, [HEADER, ...body.slice(0, 3)], 0, HEADER, HEADER.length), undefined)
})

test(`a block is read for at most ${MAX_BLOCK_LINES} lines after its header`, () => {
  const body = bodyLines(SEED + 6, MAX_BLOCK_LINES + 50)
  const lines = [HEADER, ...body, FOOTER]
  const b = readBlock(BLOCK, lines, 0, HEADER, HEADER.length)
  assert.equal(b?.endLineIndex, MAX_BLOCK_LINES - 1, `seed ${SEED + 6}`)
  assert.equal(b?.secret, body.slice(0, MAX_BLOCK_LINES - 1).join(''))
})

test('a key written into source one string literal per line is read literal by literal up to its END line', () => {
  const body = bodyLines(SEED + 7, 4)
  const cases: { name: string; first: string; line: (b: string) => string; last: string }[] = [
    // Java and JavaScript: each literal joined by `+`, before or after it.
    { name: 'plus after', first: `String key = "${HEADER}\\n" +`, line: (b) => `    "${b}\\n" +`, last: `    "${FOOTER}\\n";` },
    { name: 'plus before', first: `const key = "${HEADER}\\n"`, line: (b) => `  + "${b}\\n"`, last: `  + "${FOOTER}\\n";` },
    // Python's implicit concatenation inside parentheses, single quotes.
    { name: 'implicit', first: `KEY = ('${HEADER}\\n'`, line: (b) => `       '${b}\\n'`, last: `       '${FOOTER}\\n')` },
    // A string of a string: the newline escaped twice, the quotes once.
    { name: 'escaped twice', first: `k = "\\"${HEADER}\\\\n"`, line: (b) => ` +   "${b}\\\\n"`, last: ` +   "${FOOTER}\\""` },
    // The header's literal opens the line, as every literal after it does (Nosey Parker's and Kingfisher's pem.1):
    // the quote before the header is the literal's, not a log prefix to take off the lines after it.
    { name: 'header literal first', first: `"${HEADER}" +`, line: (b) => `"${b}" +`, last: `"${FOOTER}"` },
    // A log prefix before each literal is taken off, and the quote after it stays.
    { name: 'log prefix', first: `[test] "${HEADER}\\n" +`, line: (b) => `[test] "${b}\\n" +`, last: `[test] "${FOOTER}"` }
  ]
  for (const c of cases) {
    const lines = [c.first, ...body.map(c.line), c.last, 'next();']
    const after = c.first.indexOf(HEADER) + HEADER.length
    const b = readBlock(BLOCK, lines, 0, c.first, after, c.first.indexOf(HEADER))
    assert.equal(b?.secret, body.join(''), `${c.name}, seed ${SEED + 7}`)
    assert.equal(b?.endLineIndex, body.length + 1, c.name)
  }
})

test('literals written on one line, as a JSON log writes a multi-line message, join without their quotes and plus signs', () => {
  const body = bodyLines(SEED + 9, 3)
  const source = [`"${HEADER}" +`, ...body.map((b) => `"${b}" +`), `"${FOOTER}"`].join('\n')
  const json = JSON.stringify({ msg: source })
  for (const text of [json, json.replaceAll('\\', '\\\\')]) {
    const after = text.indexOf(HEADER) + HEADER.length
    // A literal's `+` is base64's too: left in, it would make the body another key (and fingerprint).
    assert.equal(readBlock(BLOCK, [text], 0, text, after)?.secret, body.join(''), `seed ${SEED + 9}: ${text.slice(0, 60)}`)
  }
  // Not after a header that runs on into its body: a `+` there is the body's.
  const plain = `${HEADER}\\n${body[0]}+" "${body[1]}\\n${FOOTER}`
  assert.equal(readBlock(BLOCK, [plain], 0, plain, HEADER.length)?.secret, `${body[0]}+${body[1]}`)
})

test('lines after the header may carry only the tail of its prefix after a blank, as BuildKit output after a logger prefix does', () => {
  const body = bodyLines(SEED + 10, 3)
  const first = `2026-12-07 10:00:01 INFO #6 0.245 ${HEADER}`
  const lines = [first, ...body.map((b, i) => `#6 0.2${46 + i} ${b}`), `#6 0.249 ${FOOTER}`]
  const b = readBlock(BLOCK, lines, 0, first, first.length, first.indexOf(HEADER))
  assert.equal(b?.secret, body.join(''), `seed ${SEED + 10}`)
  // A line that carries none of it ends the block before it is a key.
  const other = [first, ...body.map((x) => `[worker] ${x}`), FOOTER]
  assert.equal(readBlock(BLOCK, other, 0, first, first.length, first.indexOf(HEADER)), undefined)
})

test('a header in a string literal followed by code, not by literals of base64, is no block', () => {
  const first = `throw new Error("expected ${HEADER}" +`
  const after = first.indexOf(HEADER) + HEADER.length
  assert.equal(readBlock(BLOCK, [first, '  " at the start of " + path)', '}'], 0, first, after, first.indexOf(HEADER)), undefined)
  // Literals that are not base64, or base64 joined to a variable, end the block before it is a key.
  const body = bodyLines(SEED + 8, 2)
  const lines = [first, `  "${body[0]}" + suffix`, `  "${body[1]}"`, `  "${FOOTER}"`]
  assert.equal(readBlock(BLOCK, lines, 0, first, after, first.indexOf(HEADER)), undefined, `seed ${SEED + 8}`)
})
