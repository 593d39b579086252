// `requires` (a String.includes before the regex), `upperKeywords` (a byte gate on the keyword's case) and
// `keywordStart` (a byte gate on the byte before a keyword) only
// save regex runs: an engine with them must find exactly what the same engine without them finds. Compared
// end to end, findings and their masked contexts, over the changed rules' drawn positives in every case
// variant, at the line's start and end, after non-ASCII text (where the gate is not asked), and in every
// reading the engine decodes (JSON string, URL encoding, base64, base64 of JSON).

import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Rule } from '../../detectors/rule.ts'
import { BUILTIN_RULES } from '../../detectors/rules/registry.ts'
import { createSecretDetector } from '../../detectors/secrets.ts'
import type { LogChunk } from '../../pipeline/events.ts'
import { createFingerprinter } from '../../pipeline/fingerprint.ts'
import { seededGen } from '../support/seed.ts'

const chunk = (lines: string[]): LogChunk => ({
  v: '1',
  type: 'log-chunk',
  stream: 'test/skip-differential',
  source: { type: 'stdin' },
  startLine: 1,
  offset: { start: 0, end: 0 },
  lines,
  collectedAt: ''
})

/** The rules whose follows are walked whole by follows-gate.ts (issue #15): without it, `follows` + `(?:)`, which RE2 reads alike and the gate does not know. */
const WALKED = /^(http-bearer-token|npm-legacy-token|netrc-password-line)$/

/** The rules whose requires, upperKeywords, keywordStart or walked follows came with the signature checks (issue #15), by id. */
const CHANGED = BUILTIN_RULES.filter(
  (r) =>
    r.upperKeywords === true ||
    r.keywordStart !== undefined ||
    WALKED.test(r.id) ||
    (r.requires !== undefined && /^(azure-.*-identifiable|onepassword-secret-key|facebook-access-token)$/.test(r.id))
)

const swapCase = (s: string): string => s.replace(/[a-zA-Z]/g, (c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()))

test('the engine finds the same with and without the changed rules’ requires, upperKeywords, keywordStart and walked follows gates, in every case and encoding', () => {
  const seed = 'rule-skip-differential'
  const g = seededGen(seed)
  assert.ok(CHANGED.length >= 16, `${CHANGED.length} rules`)
  const ids = new Set(CHANGED.map((r) => r.id))
  const without = BUILTIN_RULES.map((r): Rule => {
    if (!ids.has(r.id)) return r
    const { requires: _requires, upperKeywords: _upper, keywordStart: _start, ...rest } = r
    if (WALKED.test(r.id)) return { ...r, follows: `${r.follows}(?:)` }
    return rest
  })
  const fingerprinter = createFingerprinter('rule-skip-differential-key-0123456789abcdef')
  const now = () => new Date(Date.UTC(2026, 11, 7))
  const make = (rules: readonly Rule[]) => createSecretDetector({ rules, fingerprinter, maxContextChars: 240, now })
  const lines: string[] = []
  for (const r of CHANGED)
    for (let i = 0; i < 12; i++)
      for (const e of r.examples.positives(g))
        for (const one of e.line.split('\n'))
          for (const v of [one, one.toLowerCase(), one.toUpperCase(), swapCase(one)]) {
            const b64 = Buffer.from(v).toString('base64')
            lines.push(
              v,
              `x ${v}`,
              `${v} x`,
              `café ${v} ✓`,
              `{"msg":${JSON.stringify(v)},"level":"info"}`,
              `GET /cb?q=${encodeURIComponent(v)} 200`,
              `payload=${b64}`,
              `payload=${Buffer.from(JSON.stringify({ msg: v })).toString('base64')}`,
              `é payload=${b64}`
            )
          }
  for (const r of CHANGED) lines.push(...r.examples.negatives)
  const before = make(without)
  const after = make(BUILTIN_RULES)
  let found = 0
  // A chunk at a time: a value found in one chunk is masked in the next chunks' contexts, alike in both.
  for (let i = 0; i < lines.length; i += 500) {
    const part = lines.slice(i, i + 500)
    const want = before.detect(chunk(part))
    assert.deepEqual(after.detect(chunk(part)), want, `seed ${seed}, lines ${i}..${i + part.length}`)
    found += want.filter((f) => ids.has(f.rule)).length
  }
  // The lines hold the changed rules' secrets: a comparison of two empty lists would prove nothing.
  assert.ok(found > lines.length / 20, `${found} findings of the changed rules over ${lines.length} lines`)
})
