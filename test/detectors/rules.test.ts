// Every built-in rule's own examples: each generated true positive is found
// by that rule with exactly that secret, and no false positive is reported
// by any rule.

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { BUILTIN_RULES } from '../../detectors/rules/registry.ts'
import { createSecretDetector } from '../../detectors/secrets.ts'
import type { LogChunk } from '../../pipeline/events.ts'
import { createFingerprinter } from '../../pipeline/fingerprint.ts'
import { seededGen } from '../support/seed.ts'

const fingerprinter = createFingerprinter('k'.repeat(32))
const detector = createSecretDetector({ rules: BUILTIN_RULES, fingerprinter, maxContextChars: 240 })

function chunk(lines: string[]): LogChunk {
  return {
    v: '1',
    type: 'log-chunk',
    stream: 'test/rules',
    source: { type: 'stdin' },
    startLine: 1,
    offset: { start: 0, end: 0 },
    lines,
    collectedAt: new Date(0).toISOString()
  }
}

test('rule ids are unique and kebab-case', () => {
  const ids = BUILTIN_RULES.map((r) => r.id)
  assert.equal(new Set(ids).size, ids.length, 'duplicate rule id')
  for (const id of ids) assert.match(id, /^[a-z0-9]+(?:-[a-z0-9]+)*$/)
})

test('no built-in regex has a repetition range above 40: RE2 falls back from its DFA to the NFA on them', () => {
  // X{60,800} is 800 copies of X in RE2's program, each optional past the 60th; the lazily built
  // DFA outgrows its memory budget on real lines and every call then runs the NFA, 0.3–3 ms a line.
  // On the bench corpus such ranges cost 1.0 of the engine's 2.6 s. An unbounded X{60,} is one loop
  // and stays in the DFA. (Exact counts such as ghp_ + {36} define formats and measured cheap.)
  for (const rule of BUILTIN_RULES) {
    for (const m of rule.regex.matchAll(/\{(\d+),(\d+)\}/g)) assert.ok(Number(m[2]) <= 40, `${rule.id}: ${m[0]}`)
  }
})

describe('rule examples', () => {
  const g = seededGen('g')
  for (const rule of BUILTIN_RULES) {
    test(rule.id, () => {
      const positives = rule.examples.positives(g)
      assert.ok(positives.length > 0, 'a rule needs at least one true positive')
      assert.ok(rule.examples.negatives.length > 0, 'a rule needs at least one false positive')
      for (const ex of positives) {
        const found = detector.detect(chunk(ex.line.split('\n')))
        const mine = found.filter((f) => f.rule === rule.id)
        assert.equal(mine.length, 1, `expected one ${rule.id} finding in ${JSON.stringify(ex.line)}, got rules [${found.map((f) => f.rule).join(', ')}]`)
        assert.equal(mine[0]?.fingerprint, fingerprinter.of(ex.secret), `${rule.id} extracted another secret than expected`)
        for (const f of found) assert.ok(!JSON.stringify(f).includes(ex.secret), 'finding carries the plaintext secret')
      }
      for (const line of rule.examples.negatives) {
        const found = detector.detect(chunk(line.split('\n')))
        assert.deepEqual(
          found.map((f) => f.rule),
          [],
          `false positive on ${JSON.stringify(line)}`
        )
      }
    })
  }
})
