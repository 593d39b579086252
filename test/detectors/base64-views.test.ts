// A base64 run's view is judged on its decoded bytes (decode.ts base64View), and
// the scan reads a view's bytes before it makes its text (secrets.ts scanText).
// Both must decide exactly as decoding every run to a string did: the same
// views, the same text, and the same findings at every depth.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { decodeViews } from '../../detectors/decode.ts'
import { BUILTIN_RULES } from '../../detectors/rules/registry.ts'
import { createSecretDetector } from '../../detectors/secrets.ts'
import type { LogChunk } from '../../pipeline/events.ts'
import { createFingerprinter } from '../../pipeline/fingerprint.ts'
import { seededGen, seededRng } from '../support/seed.ts'

const rng = seededRng('base64-views')
const gen = seededGen('base64-views')

/** The view decision as it was made on the decoded string: 8+ characters, 95% printable, no replacement character. */
function reference(run: string): string | undefined {
  const text = Buffer.from(run, 'base64').toString('utf8')
  if (text.length < 8) return undefined
  let ok = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if ((c >= 0x20 && c < 0x7f) || c === 9 || c === 10 || c === 13) ok++
    else if (c === 0xfffd) return undefined
  }
  return ok / text.length >= 0.95 ? text : undefined
}

const PRINTABLE = Array.from({ length: 95 }, (_, i) => String.fromCharCode(0x20 + i)).join('')
const WIDE = ['é', 'ß', '€', '✓', '🔑', '中']

/** Decoded payloads around the printable bar: ASCII text, a few control bytes, a few valid multi-byte characters, binary, broken UTF-8. */
function payload(): Buffer {
  const n = 1 + rng.int(90)
  switch (rng.int(6)) {
    case 0:
      return Buffer.from(rng.chars(PRINTABLE, n))
    case 1: {
      const b = Buffer.from(rng.chars(PRINTABLE, n))
      for (let k = rng.int(4); k > 0; k--) b[rng.int(b.length)] = rng.pick([0, 1, 7, 0x1b, 0x7f, 9, 10, 13])
      return b
    }
    case 2: {
      let s = rng.chars(PRINTABLE, n)
      for (let k = 1 + rng.int(3); k > 0; k--) {
        const at = rng.int(s.length + 1)
        s = s.slice(0, at) + rng.pick(WIDE) + s.slice(at)
      }
      return Buffer.from(s)
    }
    case 3: {
      // Text with one stray byte, or one sequence that is not UTF-8: a surrogate, an overlong form, past U+10FFFF, a cut sequence.
      const bad = rng.pick([[0x80 + rng.int(0x80)], [0xed, 0xa0, 0x80], [0xc0, 0x80], [0xe0, 0x80, 0xaf], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82]])
      const text = Buffer.from(rng.chars(PRINTABLE, n))
      const at = rng.int(text.length + 1)
      return Buffer.concat([text.subarray(0, at), Buffer.from(bad), text.subarray(at)])
    }
    default:
      return Buffer.from(Array.from({ length: n }, () => rng.int(256)))
  }
}

test('a base64 view is made exactly when the decoded string is 8+ characters of printable text, with that text', () => {
  let views = 0
  for (let i = 0; i < 20000; i++) {
    const bytes = payload()
    let run = bytes.toString(rng.chance(0.5) ? 'base64' : 'base64url')
    if (rng.chance(0.2)) run = run.replace(/=+$/, '')
    const line = `k=${run} tail`
    const got = decodeViews(line, [[2, 2 + run.length]])
    const want = reference(run)
    assert.equal(got.length, want === undefined ? 0 : 1, `case ${i}: ${JSON.stringify(run)}`)
    if (want === undefined) continue
    views++
    const v = got[0]
    assert.equal(v?.text, want, `case ${i}`)
    assert.equal(v?.via, 'base64')
    assert.deepEqual([v?.start, v?.end], [2, 2 + run.length])
    // Text that decoded to ASCII keeps its bytes for the scan, which reads them before asking for the text.
    if (Buffer.byteLength(want, 'utf8') === want.length) assert.ok(v?.bytes?.equals(Buffer.from(want, 'latin1')), `case ${i}: the view's bytes are its text's`)
    else assert.equal(v?.bytes, undefined)
  }
  // The payloads reach both sides of the bar.
  assert.ok(views > 3000 && views < 17000, `${views} views`)
})

function detect(lines: string[]) {
  const detector = createSecretDetector({ rules: BUILTIN_RULES, fingerprinter: createFingerprinter(undefined), maxContextChars: 300 })
  const chunk: LogChunk = {
    v: '1',
    type: 'log-chunk',
    stream: 'file:b64.log',
    source: { type: 'file', path: 'b64.log' },
    startLine: 1,
    offset: { start: 0, end: 0 },
    lines,
    collectedAt: '2026-01-05T00:00:00.000Z'
  }
  return detector.detect(chunk)
}

test('secrets in base64 views of ASCII are found at both depths, and no context shows them', () => {
  const password = gen.password()
  const token = gen.base62(32)
  const env = Buffer.from(`DB_HOST=db\nDB_PASSWORD=${password}\n`).toString('base64')
  // Depth 2: base64 of text that holds base64 of an assignment, next to ids that decode to text with nothing to scan.
  const inner = Buffer.from(`export PAYMENTS_API_KEY=${token}`).toString('base64')
  const outer = Buffer.from(`job=deploy payload=${inner} done`).toString('base64')
  const cursor = Buffer.from(`{"user_id":${gen.digits(9)},"ts":${gen.digits(10)}}`).toString('base64')
  const lines = [`cursor=${cursor} secret-env ${env} ok`, `msg=${outer} cursor=${cursor}`]
  const found = detect(lines)
  const byRule = found.map((f) => [f.rule, f.location.line]).sort()
  assert.deepEqual(
    byRule,
    [
      ['generic-password-assignment', 1],
      ['generic-secret-assignment', 2]
    ],
    JSON.stringify(found.map((f) => [f.rule, f.location, f.context]))
  )
  const json = JSON.stringify(found)
  for (const s of [password, token, inner]) assert.equal(json.includes(s), false)
  assert.ok(
    found.every((f) => f.context.startsWith('(base64-decoded)') || f.context.startsWith('(base64+base64-decoded)')),
    json
  )
})
