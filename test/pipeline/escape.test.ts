import assert from 'node:assert/strict'
import { test } from 'node:test'
import { escapeControls } from '../../pipeline/escape.ts'

test('escapeControls writes every C0, DEL, C1 and bidi control visibly and leaves other text alone', () => {
  assert.equal(escapeControls('plain text, ünïcödé, \\ and 日本'), 'plain text, ünïcödé, \\ and 日本')
  assert.equal(escapeControls('a\nb\r\tc\x1b[2J\x00\x7f\x85\x9b'), 'a\\nb\\r\\tc\\x1b[2J\\x00\\x7f\\x85\\x9b')
  assert.equal(escapeControls('x\u202ey\u2066z\u2069\u202a\u2028'), 'x\\u202ey\\u2066z\\u2069\\u202a\\u2028')
  for (let c = 0; c < 0x30000; c++) {
    if (c >= 0xd800 && c <= 0xdfff) continue
    const out = escapeControls(String.fromCodePoint(c))
    assert.equal(/[\p{Cc}\u202a-\u202e\u2066-\u2069]/u.test(out), false, `U+${c.toString(16)} -> ${JSON.stringify(out)}`)
  }
})
