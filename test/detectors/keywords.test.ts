// The keyword automaton and the base64 run finder against plain, slow
// definitions of what they must find, on text drawn to hit their edges:
// overlapping keywords, keywords inside longer ones, any ASCII case,
// non-ASCII bytes, runs at the start and end of the buffer, padding.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { BASE64_MIN_RUN, createKeywordScanner, findBase64Runs } from '../../detectors/keywords.ts'
import { quarters } from '../../detectors/keywords-wasm.ts'
import { BUILTIN_RULES } from '../../detectors/rules/registry.ts'
import { seededGen } from '../support/seed.ts'

const gen = seededGen('gen')
/** A whole number in [0, n). */
const int = (n: number): number => Number.parseInt(gen.digits(6), 10) % n

function naiveKeywordEnds(text: string, keywords: readonly string[]): string[] {
  const lower = text.replace(/[A-Z]/g, (c) => c.toLowerCase())
  const out: string[] = []
  for (const k of keywords)
    for (let at = lower.indexOf(k); at >= 0; at = lower.indexOf(k, at + 1)) out.push(`${Buffer.byteLength(text.slice(0, at + k.length))}:${k}`)
  return out.sort()
}

test('the automaton reports every keyword occurrence, in any ASCII case, overlapping and nested ones too', () => {
  const rules = [
    { id: 'a', rule: { keywords: ['token', 'to'] } },
    { id: 'b', rule: { keywords: ['ken', 'ghp_', 'api_key'] } },
    { id: 'c', rule: { keywords: ['://', 'p_'] } }
  ]
  const scanner = createKeywordScanner(rules)
  const keywords = ['token', 'to', 'ken', 'ghp_', 'api_key', '://', 'p_']
  const pieces = [...keywords, 'TOKEN', 'ToKeN', 'GHP_', 'Api_Key', 'é', '日本', ' ', 'x', 'tok', 'api', ':/', '\n']
  for (let round = 0; round < 500; round++) {
    let text = ''
    for (let i = 0; i < 20; i++) text += pieces[int(pieces.length)]
    const buf = Buffer.from(text, 'utf8')
    const got: string[] = []
    scanner.scan(buf, 0, buf.length, (end, found) => {
      for (const r of found)
        for (const k of r.rule.keywords)
          if (
            buf
              .subarray(end - k.length, end)
              .toString('latin1')
              .toLowerCase() === k
          )
            got.push(`${end}:${k}`)
    })
    assert.deepEqual([...new Set(got)].sort(), naiveKeywordEnds(text, keywords), text)
  }
})

test('the automaton scans only the given range, and every built-in keyword is found on its own', () => {
  const scanner = createKeywordScanner(BUILTIN_RULES.map((rule) => ({ rule })))
  for (const rule of BUILTIN_RULES) {
    for (const k of rule.keywords) {
      const buf = Buffer.from(`xx ${k.toUpperCase()} yy`, 'latin1')
      const found: unknown[] = []
      scanner.scan(buf, 0, buf.length, (_end, rules) => found.push(...rules.map((r) => r.rule)))
      assert.ok(found.includes(rule), `${rule.id}: ${k}`)
      const outside: unknown[] = []
      scanner.scan(buf, 0, 3, (_end, rules) => outside.push(...rules))
      assert.deepEqual(outside, [])
    }
  }
  assert.throws(() => createKeywordScanner([{ rule: { keywords: ['Token'] } }]), /lower-case ASCII expected/)
})

function naiveRuns(text: string): string[] {
  const out: string[] = []
  for (const m of text.matchAll(/[A-Za-z0-9+/_-]+/g)) {
    const run = m[0]
    if (run.length < BASE64_MIN_RUN || !/[a-z]/.test(run) || !/[A-Z]/.test(run) || !/[0-9+/_-]/.test(run)) continue
    const pad = /^={0,2}/.exec(text.slice(m.index + run.length))?.[0] ?? ''
    out.push(`${m.index}-${m.index + run.length + pad.length}`)
  }
  return out
}

test('base64 runs: every run of 24+ mixing the three classes, with its padding, wherever it lies', () => {
  const wasmScanner = createKeywordScanner([{ rule: { keywords: ['token'] } }])
  const jsScanner = createKeywordScanner([{ rule: { keywords: ['token'] } }], { wasm: false })
  assert.equal(wasmScanner.pairs, 'wasm')
  const pieces = () => [
    gen.base62(int(40)),
    `${gen.base62(int(30))}==`,
    `${gen.base62(23)}=`,
    gen.hex(40),
    'word',
    ' ',
    '.',
    '"',
    '-_+/',
    'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
    'abcdefghijklmnopqrstuvwxyz'
  ]
  for (let round = 0; round < 2000; round++) {
    const p = pieces()
    let text = ''
    for (let i = 0; i < 6; i++) text += p[int(p.length)]
    const buf = Buffer.from(text, 'latin1')
    const got: string[] = []
    findBase64Runs(buf, 0, buf.length, (s, e) => got.push(`${s}-${e}`))
    const expected = naiveRuns(text)
    assert.deepEqual(got, expected, text)
    // The chunk pass: WebAssembly, and the JavaScript loop where that is missing.
    for (const scanner of [wasmScanner, jsScanner]) {
      const { runs, count } = scanner.base64Runs(buf, buf.length)
      const pairs: string[] = []
      for (let j = 0; j < count; j++) pairs.push(`${runs[2 * j]}-${runs[2 * j + 1]}`)
      assert.deepEqual(pairs, expected, `${scanner.pairs}: ${text}`)
    }
  }
})

type Scanner = ReturnType<typeof createKeywordScanner<{ rule: { keywords: readonly string[] } }>>

/**
 * scanText's (end, rules) in order, as strings; `scan`'s over the same bytes; and the byte-at-a-time
 * JavaScript loop's (`reference`, a scanner made with wasm: false).
 */
function pairsOf(scanner: Scanner, reference: Scanner, text: string): { pairs: string[]; scanned: string[]; expected: string[] } {
  const { bytes, hits, count } = scanner.scanText(text)
  const pairs: string[] = []
  for (let h = 0; h < count; h++)
    pairs.push(
      `${hits[2 * h]}:${scanner
        .rulesAt(hits[2 * h + 1] ?? 0)
        .map((r) => r.rule.keywords.join())
        .join()}`
    )
  const copy = Buffer.from(bytes)
  const scanned: string[] = []
  scanner.scan(copy, 0, copy.length, (end, rules) => scanned.push(`${end}:${rules.map((r) => r.rule.keywords.join()).join()}`))
  const expected: string[] = []
  reference.scan(copy, 0, copy.length, (end, rules) => expected.push(`${end}:${rules.map((r) => r.rule.keywords.join()).join()}`))
  return { pairs, scanned, expected }
}

test('a chunk’s automaton runs as WebAssembly and reports what the byte-at-a-time scan does, at every length and position', () => {
  const scanner = createKeywordScanner(BUILTIN_RULES.map((rule) => ({ rule })))
  const reference = createKeywordScanner(
    BUILTIN_RULES.map((rule) => ({ rule })),
    { wasm: false }
  )
  assert.equal(scanner.pairs, 'wasm')
  const keywords = BUILTIN_RULES.flatMap((r) => r.keywords)
  const pieces = () => [
    keywords[int(keywords.length)] ?? '',
    (keywords[int(keywords.length)] ?? '').toUpperCase(),
    gen.base62(int(12)),
    ' ',
    '\n',
    'é',
    '"',
    ':'
  ]
  // Lengths around the two automata's meeting point, short texts (shorter than the longest keyword), and
  // texts that grow the module's memory more than once.
  for (let round = 0; round < 400; round++) {
    const p = pieces()
    let text = ''
    const n = round < 300 ? int(30) : 2000 + int(40000)
    while (text.length < n) text += p[int(p.length)]
    const { pairs, scanned, expected } = pairsOf(scanner, reference, text)
    assert.deepEqual(pairs, expected, `round ${round}, ${text.length} characters`)
    assert.deepEqual(scanned, expected, `round ${round}, ${text.length} characters`)
  }
  const big = 'x '.repeat(600_000) + keywords.join(' ')
  const { pairs, scanned, expected } = pairsOf(scanner, reference, big)
  assert.ok(expected.length >= keywords.length)
  assert.deepEqual(pairs, expected)
  assert.deepEqual(scanned, expected)
})

test('the JavaScript loop, kept for a Node without WebAssembly, reports the same pairs as the WebAssembly one', () => {
  const rules = BUILTIN_RULES.map((rule) => ({ rule }))
  const wasm = createKeywordScanner(rules)
  const js = createKeywordScanner(rules, { wasm: false })
  assert.equal(js.pairs, 'js')
  const keywords = BUILTIN_RULES.flatMap((r) => r.keywords)
  for (let round = 0; round < 200; round++) {
    let text = ''
    const n = int(round < 150 ? 40 : 5000)
    while (text.length < n) text += int(3) === 0 ? (keywords[int(keywords.length)] ?? '') : gen.base62(int(8))
    const a = pairsOf(wasm, js, text)
    const b = pairsOf(js, js, text)
    assert.deepEqual(b.pairs, a.expected, `round ${round}`)
    assert.deepEqual(a.pairs, a.expected, `round ${round}`)
  }
})

test('the four automata hand over without losing or doubling a keyword that straddles where one stops reporting', () => {
  const scanner = createKeywordScanner(BUILTIN_RULES.map((rule) => ({ rule })))
  const reference = createKeywordScanner(
    BUILTIN_RULES.map((rule) => ({ rule })),
    { wasm: false }
  )
  const keywords = BUILTIN_RULES.flatMap((r) => r.keywords)
  const longest = keywords.reduce((a, b) => (b.length > a.length ? b : a))
  const shortest = keywords.reduce((a, b) => (b.length < a.length ? b : a))
  // Below this the first automaton scans alone (quarters).
  const alone = 4 * (longest.length - 1) + 64
  for (const len of [alone - 1, alone, alone + 1, alone + 7, 1000, 4099]) {
    const share = new Int32Array(10)
    quarters(len, longest.length, share)
    const lo = [...share.subarray(5, 9)]
    for (const k of [1, 2, 3]) {
      for (const word of [longest, shortest]) {
        for (let d = -word.length - 1; d <= 2; d++) {
          const end = (lo[k] ?? 0) + d
          if (end - word.length < 0 || end > len) continue
          const text = `${'x'.repeat(end - word.length)}${word}${'x'.repeat(len - end)}`
          const { pairs, scanned, expected } = pairsOf(scanner, reference, text)
          assert.ok(
            expected.some((e) => e.startsWith(`${end}:`)),
            `${word} ending at ${end}`
          )
          assert.deepEqual(pairs, expected, `length ${len}, automaton ${k}, ${word} ending at ${end}`)
          assert.deepEqual(scanned, expected, `length ${len}, automaton ${k}, ${word} ending at ${end}`)
        }
      }
    }
  }
})
