import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { LineWindow } from '../../app/line-windows.ts'
import { createLineWindows, overlapFor, windowFindings } from '../../app/line-windows.ts'
import { createContainerSplitter, createInputDecoder, createTextSplitter, sniff } from '../../app/scan-input.ts'
import type { Finding } from '../../pipeline/events.ts'
import { seededRng } from '../support/seed.ts'

const rng = seededRng('windows')

test('line windows: bounded, overlapping, and what they settle is the whole line once, whatever the pieces', () => {
  for (let round = 0; round < 200; round++) {
    const size = 16 + rng.int(200)
    const line = rng.chars('abcdefghij', rng.int(size * 8))
    const windows: LineWindow[] = []
    let settledText = ''
    const w = createLineWindows(size, (win) => {
      windows.push(win)
      assert.ok(win.text.length <= size, `window of ${win.text.length} > ${size}`)
      assert.equal(win.text, line.slice(win.base, win.base + win.text.length))
      const settled = win.final ? win.text.length : size - overlapFor(size) + rng.int(overlapFor(size) + 1)
      settledText += win.text.slice(win.from, settled)
      return settled
    })
    for (let at = 0; at < line.length; ) {
      const n = 1 + rng.int(size * 3)
      w.append(line.slice(at, at + n))
      at += n
    }
    w.end()
    assert.equal(settledText, line, `round ${round}, window ${size}`)
    assert.equal(windows.at(-1)?.final, true)
  }
})

test('windowFindings: each finding belongs to one window; a span across the cut moves the cut past it; columns are the line', () => {
  const f = (column: number, endColumn: number): Finding => ({ location: { line: 7, column, endLine: 7, endColumn }, preview: 'p' }) as Finding
  // Window of 100, overlap 25: the default cut is at 75.
  const first = windowFindings({ text: 'x'.repeat(100), base: 0, from: 0, final: false }, [f(11, 21), f(71, 81), f(91, 101)], 100)
  assert.equal(first.settled, 80)
  assert.deepEqual(
    first.own.map((x) => [x.location.column, x.location.endColumn]),
    [
      [11, 21],
      [71, 81]
    ]
  )
  // The next window starts 25 before 80: the same secret at 71..80 ends before `from` and is not reported twice.
  const next = windowFindings({ text: 'x'.repeat(60), base: 55, from: 25, final: true }, [f(16, 26), f(37, 47)], 100)
  assert.deepEqual(
    next.own.map((x) => [x.location.column, x.location.endColumn]),
    [[92, 102]]
  )
})

test('sniff tells UTF-8, UTF-16 (BOM or NUL pattern), NUL-sprinkled text, binary and container logs apart', () => {
  const text = 'GET /healthz 200 ok\nuser logged in\n'.repeat(20)
  assert.deepEqual(sniff(Buffer.from(text)), { encoding: 'utf-8', binary: false, container: false })
  assert.equal(sniff(Buffer.from(text, 'utf16le')).encoding, 'utf-16le')
  assert.equal(sniff(Buffer.from(text, 'utf16le').swap16()).encoding, 'utf-16be')
  assert.equal(sniff(Buffer.from([0xff, 0xfe, 0x41, 0])).encoding, 'utf-16le')
  assert.equal(sniff(Buffer.from(`${text.slice(0, 100)}\0\0\0${text}`)).binary, false)
  assert.equal(sniff(Buffer.alloc(4096)).binary, true)
  assert.equal(sniff(Buffer.from(Array.from({ length: 4096 }, () => rng.int(256)))).binary, true)
  // Text in a legacy single-byte encoding is mostly invalid UTF-8 but holds no control characters.
  const cp1251 = Buffer.from(Array.from({ length: 2000 }, (_, i) => (i % 7 === 6 ? 0x20 : 0xc0 + rng.int(64))))
  assert.equal(sniff(cp1251).binary, false)
  assert.equal(sniff(Buffer.from(`${text}caf\u00e9 cr\u00e8me br\u00fbl\u00e9e\n`.repeat(5), 'latin1')).binary, false)
  assert.equal(sniff(Buffer.from(`\ufeff${text}`)).binary, false)
  assert.equal(sniff(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('emoji \u{1f511} key\n'.repeat(50), 'utf16le')])).binary, false)
  assert.equal(sniff(Buffer.from('2025-03-01T10:00:00.123456789Z stdout F hello\n')).container, true)
  assert.equal(sniff(Buffer.from('{"log":"hello\\n","stream":"stdout","time":"2025-03-01T10:00:00Z"}\n')).container, true)
  assert.equal(sniff(Buffer.alloc(0)).binary, false)
})

test('random bytes are binary whatever their length from 256 bytes, with or without a byte-order mark in front', () => {
  // Random bytes hold only 27/256 control characters, about 10.5%: near the 10% bar, so a 4 KiB random
  // file fell under it for about one seed in five. Invalid UTF-8 (at least 29% of random bytes) decides.
  for (let draw = 0; draw < 3000; draw++) {
    const bytes = Buffer.from(Array.from({ length: 256 + rng.int(8192 - 256) }, () => rng.int(256)))
    const bom = [[], [0xef, 0xbb, 0xbf], [0xff, 0xfe], [0xfe, 0xff]][draw % 4] as number[]
    const head = Buffer.concat([Buffer.from(bom), bytes]).subarray(0, 8192)
    assert.equal(sniff(head).binary, true, `draw ${draw}: ${head.length} bytes after [${bom.join(',')}]`)
  }
})

test('UTF-16 that goes on in UTF-8 is decoded as UTF-8 from there, wherever the reads cut; UTF-16 text of any script never switches', () => {
  const decodeAll = (bytes: Buffer, encoding: 'utf-16le' | 'utf-16be'): { text: string; switched: boolean } => {
    const d = createInputDecoder(encoding)
    let text = ''
    for (let at = 0; at < bytes.length; ) {
      const n = 1 + rng.int(40)
      text += d.decode(bytes.subarray(at, at + n))
      at += n
    }
    return { text: text + d.end(), switched: d.switched }
  }
  const be = (s: string): Buffer => Buffer.from(s, 'utf16le').swap16()
  for (let round = 0; round < 200; round++) {
    const head = `\ufeffhello from a windows tool ${round}\r\n`
    const tail = `GITHUB_TOKEN=ghp_${rng.chars('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 36)} and on\n`
    const le = decodeAll(Buffer.concat([Buffer.from(head, 'utf16le'), Buffer.from(tail)]), 'utf-16le')
    assert.deepEqual(le, { text: head.slice(1) + tail, switched: true }, `round ${round}`)
    const big = decodeAll(Buffer.concat([be(head), Buffer.from(tail)]), 'utf-16be')
    assert.deepEqual(big, { text: head.slice(1) + tail, switched: true }, `round ${round}`)
    // Random characters of the Basic Multilingual Plane (CJK, Cyrillic, ASCII, …), no surrogates: UTF-16 to the end.
    const chars = Array.from({ length: 400 }, () => {
      const c = rng.int(0xd800)
      return String.fromCharCode(c < 0x20 ? 0x20 + c : c)
    }).join('')
    assert.deepEqual(decodeAll(Buffer.from(chars, 'utf16le'), 'utf-16le'), { text: chars, switched: false }, `round ${round}`)
    assert.deepEqual(decodeAll(be(chars), 'utf-16be'), { text: chars, switched: false }, `round ${round}`)
  }
})

test('the text splitter breaks at \\n, \\r\\n and a lone \\r across writes; the container splitter merges P/F', () => {
  const lines: string[] = []
  let cur = ''
  const sink = {
    piece: (t: string) => {
      cur += t
    },
    end: () => {
      lines.push(cur)
      cur = ''
    }
  }
  const t = createTextSplitter(sink)
  for (const part of ['a\r', '\nb\rc', '\n\nd']) t.write(part)
  t.close()
  assert.deepEqual(lines, ['a', 'b', 'c', '', 'd'])
  lines.length = 0
  const c = createContainerSplitter(sink)
  c.write(Buffer.from('2025-03-01T10:00:00Z stdout P ab\n2025-03-01T10:00:00Z stdout F cd\n2025-03-01T10:00:00Z stdout P tail'))
  c.close()
  assert.deepEqual(lines, ['abcd', 'tail'])
})
