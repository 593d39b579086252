// Issue #12, "hostile logs", for the known-secret lookup: a line holding N
// indexed values (or N copies in several forms) costs time linear in N. The
// per-line work after the look-up (one finding per value per place, the
// inline-allow check, code-unit columns of a non-ASCII line, folding rule
// findings into known-secret ones) compared every hit with every other hit
// or rescanned the line per hit; each test here was ~256x at 16x the values.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createKnownSecretDetector, foldIntoKnownSecrets, previewOf } from '../../../detectors/known-secrets/detector.ts'
import { createKnownSecretIndex } from '../../../detectors/known-secrets/index.ts'
import { unitColumns, unitsBefore } from '../../../detectors/known-secrets/lookup.ts'
import type { Finding, LogChunk } from '../../../pipeline/events.ts'
import { createFingerprinter } from '../../../pipeline/fingerprint.ts'
import { leastCpuMs } from '../../support/cost.ts'
import { seededGen, testSeed } from '../../support/seed.ts'

const g = seededGen('known-hostile')
const fingerprinter = createFingerprinter(g.base62(40))

function chunk(lines: string[]): LogChunk {
  return {
    v: '1',
    type: 'log-chunk',
    stream: 'k8s/app/api-0/api',
    source: { type: 'k8s', namespace: 'app' },
    startLine: 1,
    offset: { start: 0, end: 0 },
    lines,
    collectedAt: new Date(0).toISOString()
  }
}

/** JSON-escaped twice: a value that starts with a quote holds its JSON escape and its raw form, at one place. */
const json2 = (v: string): string => JSON.stringify(JSON.stringify(v).slice(1, -1)).slice(1, -1)

/**
 * An index of `n` distinct generated values (each starting with a quote, which JSON escapes) and its detector:
 * uncapped, so that every hit costs what a finding costs (the cap has a test of its own).
 */
function indexed(n: number) {
  const index = createKnownSecretIndex({ fingerprint: (b) => fingerprinter.ofBytes?.(b) ?? '', preview: previewOf })
  const values: string[] = []
  for (let i = 0; i < n; i++) {
    const v = `"${g.base62(23)}`
    if (index.set({ source: 'kubernetes', namespace: 'prod', name: `app-${i}`, key: 'token' }, Buffer.from(v)) === 'indexed') values.push(v)
  }
  return {
    index,
    values,
    detector: createKnownSecretDetector({ index, maxContextChars: 240, maxFindingsPerLine: Number.POSITIVE_INFINITY, now: () => new Date(0) })
  }
}

const N = 400
const { index, values, detector } = indexed(16 * N)

// Lines of k values: raw (one hit each), JSON-escaped twice (three nested hits at one place: the escaped forms
// hold the raw one; folded into one finding), behind a non-ASCII character (every column converted from UTF-8
// bytes to code units), and each value twice.
const SHAPES: Record<string, (vs: readonly string[]) => string> = {
  raw: (vs) => vs.join(' '),
  'raw and JSON-escaped at one place': (vs) => vs.map(json2).join(' '),
  'after a non-ASCII character': (vs) => `é ${vs.join(' ')}`,
  'each value twice': (vs) => `${vs.join(' ')} ${vs.join(' ')}`
}

for (const [name, shape] of Object.entries(SHAPES)) {
  test(`cost: a line of N indexed values (${name}) costs linear time in the known-secret detector (16x the values: far less than 16^2 the time)`, (t) => {
    const small = shape(values.slice(0, N))
    const large = shape(values.slice(0, 16 * N))
    const found = detector.detect(chunk([large]))
    const places = name === 'each value twice' ? 2 : 1
    assert.equal(found.length, 16 * N * places, `every value found once per place (seed ${testSeed()})`)
    assert.equal(new Set(found.map((f) => f.fingerprint)).size, 16 * N, `every value found (seed ${testSeed()})`)
    const t1 = leastCpuMs(() => detector.detect(chunk([small])))
    const t16 = leastCpuMs(() => detector.detect(chunk([large])))
    t.diagnostic(`${name}: 1x ${t1.toFixed(1)} ms, 16x ${t16.toFixed(1)} ms (${(t16 / t1).toFixed(1)}x)`)
    // Linear is ~16x; the pairwise dedup was ~256x. The bound leaves room for a loaded machine and a small run in cache.
    assert.ok(t16 < Math.max(t1, 5) * 64, `${name}: 1x ${t1.toFixed(1)} ms, 16x ${t16.toFixed(1)} ms (seed ${testSeed()})`)
  })
}

test('the same findings as before: one per value per place, the widest form kept, columns in code units', () => {
  const [a, b] = values as [string, string]
  // The JSON-escaped forms hold the raw one: one finding, spanning the widest form.
  const line = `é x=${json2(a)} y=${b} z=${a}`
  const found = detector.detect(chunk([line]))
  const spans = found.map((f) => [line.slice(f.location.column - 1, f.location.endColumn - 1), f.title.replace(/^.*, /, '')])
  assert.deepEqual(spans, [
    [json2(a), 'JSON-escaped twice'],
    [b, 'raw'],
    [a, 'raw']
  ])
})

test('unitColumns gives unitsBefore of every byte offset, in any order, on lines with 2-, 3- and 4-byte characters', () => {
  const pieces = ['a', 'é', '€', '😀', g.base62(5), ' ', '\u0800', '\uffff', '\ud800', '\udc00']
  for (let k = 0; k < 20; k++) {
    let line = ''
    for (let i = 0; i < 300; i++) line += pieces[(i * 7 + k * 13 + (i % (k + 2))) % pieces.length]
    const bytes = Buffer.byteLength(line)
    const cols = unitColumns(line)
    const order = Array.from({ length: bytes + 2 }, (_, i) => (i * 7919) % (bytes + 2))
    for (const at of order) assert.equal(cols(at), unitsBefore(line, at), `byte ${at} of line ${k}`)
  }
})

test('foldIntoKnownSecrets: linear in the findings of a line, folding by fingerprint or overlap as before', (t) => {
  const make = (n: number): Finding[] => {
    const out: Finding[] = []
    for (let i = 0; i < n; i++) {
      const base = { v: '1', type: 'finding', stream: 's', source: { type: 'stdin' }, detectedAt: '', context: '', preview: '', title: '' } as const
      const loc = { line: 1, column: 1 + 30 * i, endLine: 1, endColumn: 25 + 30 * i }
      out.push({ ...base, id: `k${i}`, fingerprint: `f${i}`, rule: 'known-secret', kind: 'known-secret', severity: 'high', confidence: 'high', location: loc })
      out.push({
        ...base,
        id: `p${i}`,
        fingerprint: `f${i}`,
        rule: 'generic-api-key',
        kind: 'generic',
        severity: 'medium',
        confidence: 'medium',
        location: loc
      })
      // A pattern finding over a known one's span with another fingerprint: folded by overlap.
      out.push({
        ...base,
        id: `o${i}`,
        fingerprint: `x${i}`,
        rule: 'aws-access-key-id',
        kind: 'pattern',
        severity: 'high',
        confidence: 'high',
        location: { ...loc, column: loc.column + 2 }
      })
    }
    return out
  }
  const folded = foldIntoKnownSecrets(make(3))
  assert.deepEqual(
    folded.map((f) => [f.id, f.alsoMatched]),
    [
      ['k0', ['generic-api-key', 'aws-access-key-id']],
      ['k1', ['generic-api-key', 'aws-access-key-id']],
      ['k2', ['generic-api-key', 'aws-access-key-id']]
    ]
  )
  const small = make(1000)
  const large = make(16_000)
  const t1 = leastCpuMs(() => foldIntoKnownSecrets(structuredClone(small)))
  const t16 = leastCpuMs(() => foldIntoKnownSecrets(structuredClone(large)))
  t.diagnostic(`1x ${t1.toFixed(1)} ms, 16x ${t16.toFixed(1)} ms (${(t16 / t1).toFixed(1)}x)`)
  assert.ok(t16 < Math.max(t1, 5) * 64, `1x ${t1.toFixed(1)} ms, 16x ${t16.toFixed(1)} ms`)
})

test('cap: past maxFindingsPerLine a line makes no more known-secret findings, its further values stay masked in every context, the event is reported once with the line', () => {
  const limits: Array<[string, number, string]> = []
  const capped = createKnownSecretDetector({
    index,
    maxContextChars: 100_000,
    maxFindingsPerLine: 50,
    onLimit: (limit, at) => limits.push([limit, at.lineIndex, at.rule]),
    now: () => new Date(0)
  })
  const many = values.slice(0, 120)
  const [next] = values.slice(120, 121) as [string]
  const found = capped.detect(chunk(['boot', many.join(' '), `then ${next}`]))
  assert.equal(found.filter((f) => f.location.line === 2).length, 50)
  assert.deepEqual(
    found.filter((f) => f.location.line === 3).map((f) => f.location.column),
    [6]
  )
  assert.deepEqual(limits, [['findings-per-line', 1, 'known-secret']])
  // The whole line is in each context (maxContextChars is large): every value on it masked, reported or not.
  for (const f of found) for (const v of [...many, next]) assert.equal(f.context.includes(v.slice(1)), false, `seed ${testSeed()}: a context shows a value`)
})
