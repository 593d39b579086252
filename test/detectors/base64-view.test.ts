// The base64 view decides on a run's bytes what the string decoding used to decide (decode.ts
// base64Text): same text, same refusals, for runs of both alphabets, every length and padding, that
// decode to ASCII text, to UTF-8 text, to binary, and to mostly-text with a few odd bytes.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { base64Text } from '../../detectors/decode.ts'
import { seededRng } from '../support/seed.ts'

const rng = seededRng('base64-view')

/** What the view was before base64Text: Node's decoder, then printable text of 8 or more characters. */
function before(run: string): string | undefined {
  const text = Buffer.from(run, 'base64').toString('utf8')
  if (text.length < 8 || text.includes('\uFFFD')) return undefined
  let ok = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if ((c >= 0x20 && c < 0x7f) || c === 9 || c === 10 || c === 13) ok++
  }
  return ok / text.length >= 0.95 ? text : undefined
}

function bytesOf(kind: number, n: number): Buffer {
  const b = Buffer.alloc(n)
  for (let i = 0; i < n; i++) {
    if (kind === 0)
      b[i] = 0x20 + rng.int(0x5f) // printable ASCII
    else if (kind === 1)
      b[i] = rng.int(256) // binary
    else if (kind === 2)
      b[i] = rng.chance(0.04) ? rng.int(32) : 0x20 + rng.int(0x5f) // text, a few control bytes
    else b[i] = rng.chance(0.97) ? 0x61 + rng.int(26) : 0x80 + rng.int(128) // text, a few bytes past ASCII
  }
  if (kind === 4)
    return Buffer.from(
      Array.from({ length: n }, () => 'aé€😀'[rng.int(4)])
        .join('')
        .slice(0, n),
      'utf8'
    )
  return b
}

test('base64Text keeps and refuses exactly what the string decoding did', () => {
  let kept = 0
  for (let i = 0; i < 20_000; i++) {
    const raw = bytesOf(rng.int(5), rng.int(90))
    let run = raw.toString('base64')
    // Either alphabet or a mix, padded or not, and now and then cut anywhere (a last group of 1-3 characters).
    if (rng.chance(0.5)) run = run.replace(/\+/g, '-').replace(/\//g, '_')
    if (rng.chance(0.3)) run = run.replace(/=+$/, '')
    if (rng.chance(0.2)) run = run.slice(0, rng.int(run.length + 1))
    const line = `x=${run} y`
    const got = base64Text(line, 2, 2 + run.length)
    assert.equal(got, before(run), JSON.stringify(run))
    if (got !== undefined) kept++
  }
  // Both sides of the decision were met.
  assert.ok(kept > 1000, `${kept} kept`)
})

test('a run holding anything but base64 and trailing padding is decoded as Node decodes it', () => {
  for (const run of ['aGVsbG8gd29ybGQh=x', 'aGVs bG8gd29ybGQh', 'aGVsbG8=gd29ybGQh', 'aGVsbG8gd29ybGQh*'])
    assert.equal(base64Text(run, 0, run.length), before(run), run)
})
