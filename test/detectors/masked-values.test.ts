// A value that is already masked is no secret: CI systems print `***`,
// leakwatch's own masks hold eight asterisks. The fuzz harness (seed
// 20261211, mask-scan case 1710) met `DB_PASSWORD=********` followed by a
// colour reset and a timestamp: the engine reported `********2026-…Z` as the
// password, and mask's own output, where a mask happened to stand before the
// same timestamp, then "leaked" it.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { placeholderLike } from '../../detectors/gates.ts'
import { BUILTIN_RULES } from '../../detectors/rules/registry.ts'
import { createSecretDetector } from '../../detectors/secrets.ts'
import type { LogChunk } from '../../pipeline/events.ts'
import { createFingerprinter, mask } from '../../pipeline/fingerprint.ts'
import { seededGen, testSeed } from '../support/seed.ts'

const gen = seededGen('masked-values')
const detector = createSecretDetector({ rules: BUILTIN_RULES, fingerprinter: createFingerprinter(undefined), maxContextChars: 240 })

function chunk(lines: string[]): LogChunk {
  return {
    v: '1',
    type: 'log-chunk',
    stream: 'ci/gitlab/acme/shop/1',
    source: { type: 'stdin' },
    startLine: 1,
    offset: { start: 0, end: 0 },
    lines,
    collectedAt: new Date(0).toISOString()
  }
}

test('a masked value (*** at its start, or a run of six asterisks) is a placeholder; a value with an asterisk or two is not', () => {
  for (const v of ['********2026-11-24T03:14:13.123456Z', `***${gen.base62(20)}`, `${gen.base62(4)}********${gen.base62(2)}`])
    assert.equal(placeholderLike(v), true, v.replace(/[A-Za-z0-9]/g, 'a'))
  for (let i = 0; i < 200; i++) {
    const pw = gen.password()
    assert.equal(placeholderLike(pw), false, `seed ${testSeed()}: a generated password is refused`)
    assert.equal(placeholderLike(`${pw}*${gen.base62(3)}**`), false)
  }
})

test('a masked password after a colour reset and a timestamp is not reported (fuzz seed 20261211, mask-scan case 1710)', () => {
  const line = `\u001b[0K\u001b[32;1mDB_PASSWORD=********\u001b[0;m2026-11-24T03:14:13.123456Z 00O \u001b[0Ksection_start:1795842853:step_script`
  assert.deepEqual(
    detector.detect(chunk([line])).map((f) => f.rule),
    []
  )
})

test("mask's masks are not found again: scanning a masked line reports nothing of the values it hid", () => {
  const lines: string[] = []
  const values: string[] = []
  for (let i = 0; i < 100; i++) {
    const v = i % 2 === 0 ? gen.password() : gen.base62(24)
    values.push(v)
    lines.push(`DB_PASSWORD=${v} user=app`)
  }
  const found = detector.detect(chunk(lines))
  assert.equal(found.length, 100, `seed ${testSeed()}: every value is found in the clear`)
  const maskedLines = lines.map((l, i) => l.replace(values[i] as string, mask(values[i] as string)))
  assert.deepEqual(
    detector.detect(chunk(maskedLines)).map((f) => f.preview),
    [],
    `seed ${testSeed()}`
  )
})
