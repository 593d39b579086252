// The token checksums' CRC-32 (detectors/crc32.ts) is computed without node:zlib;
// it must be zlib's value for every input the rules and the generator give it.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import zlib from 'node:zlib'
import { crc32 } from '../../detectors/crc32.ts'
import { seededRng } from '../support/seed.ts'

const rng = seededRng('crc32')

test('crc32 is zlib.crc32 for ASCII and non-ASCII strings and for byte views', () => {
  assert.equal(crc32(''), 0)
  assert.equal(crc32('123456789'), 0xcbf43926, 'the CRC-32 check value')
  const alphabets = ['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_', 'aé€🔑中\u0000\u007f ']
  for (let i = 0; i < 3000; i++) {
    const s = rng.chars(rng.pick(alphabets), rng.int(80))
    assert.equal(crc32(s), zlib.crc32(s), JSON.stringify(s))
    const bytes = Buffer.from(Array.from({ length: rng.int(100) }, () => rng.int(256)))
    const from = rng.int(bytes.length + 1)
    const view = bytes.subarray(from)
    assert.equal(crc32(view), zlib.crc32(view))
    assert.equal(crc32(new DataView(bytes.buffer, bytes.byteOffset + from, bytes.length - from)), zlib.crc32(view))
  }
})
