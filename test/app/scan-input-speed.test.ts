// The hot-path rewrites of issue #15 against the plain definitions they
// replaced: the text splitter (native line-end search) must cut exactly where
// a character-by-character reading of \n, \r\n and a lone \r cuts, however
// the text is split across writes; the JSON unescaper (one pass from
// backslash to backslash) must give the text and column map that the
// regular-expression replace gave.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createTextSplitter } from '../../app/scan-input.ts'
import { decodeViews } from '../../detectors/decode.ts'
import { seededRng } from '../support/seed.ts'

/** Lines as readline reads them, from the whole text at once. */
function reference(text: string): string[] {
  const out = text.split(/\r\n|\r|\n/)
  // A final line end ends the last line; it does not open an empty one.
  if (/[\r\n]$/.test(text)) out.pop()
  return text === '' ? [] : out
}

test('the text splitter cuts lines where a character-by-character reading does, across any write boundaries', () => {
  const r = seededRng('text-splitter')
  for (let round = 0; round < 2000; round++) {
    const len = r.int(40)
    const text = r.chars('ab\r\n\r\n', len)
    const lines: string[] = []
    let cur = ''
    const t = createTextSplitter({
      piece: (p) => {
        cur += p
      },
      end: () => {
        lines.push(cur)
        cur = ''
      }
    })
    for (let at = 0; at < text.length; ) {
      const n = 1 + r.int(6)
      t.write(text.slice(at, at + n))
      at += n
    }
    t.close()
    assert.deepEqual(lines, reference(text), JSON.stringify(text))
  }
})

/** The JSON view as the engine computed it before issue #15: a regular-expression replace, column by column. */
function referenceJsonView(s: string): { text: string; src: number[] } | undefined {
  if (!/\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/.test(s)) return undefined
  const re = /\\(?:(["\\/])|([bfnrt])|u([0-9a-fA-F]{4}))/g
  const control: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' }
  let text = ''
  const src: number[] = []
  let at = 0
  for (let m = re.exec(s); m !== null; m = re.exec(s)) {
    for (let i = at; i < m.index; i++) src.push(i)
    text += s.slice(at, m.index)
    text += m[1] ?? (m[2] !== undefined ? (control[m[2]] ?? '') : String.fromCharCode(Number.parseInt(m[3] ?? '0', 16)))
    src.push(m.index)
    at = m.index + m[0].length
  }
  for (let i = at; i <= s.length; i++) src.push(i)
  text += s.slice(at)
  return text === s ? undefined : { text, src }
}

test('the JSON view decodes escapes and maps columns exactly as the regular-expression replace did', () => {
  const r = seededRng('json-view')
  const atoms = ['\\', '\\"', '\\n', '\\t', '\\/', '\\u00e9', '\\u12', '\\uZZZZ', '\\x', 'a', 'é', '"', 'u', '0', 'F', '\\\\"', '😀']
  for (let round = 0; round < 3000; round++) {
    let s = ''
    for (let n = r.int(14); n > 0; n--) s += r.pick(atoms)
    const want = referenceJsonView(s)
    const got = decodeViews(s, []).find((v) => v.via === 'json')
    assert.deepEqual(got === undefined ? undefined : { text: got.text, src: [...(got.src ?? [])] }, want, JSON.stringify(s))
  }
})
