// Every rule's examples inside every record shape leakwatch ingests (plain
// line, JSON log, CRI, audit event, GitHub Actions and GitLab job logs): each
// generated positive is still found by its rule with exactly its secret, and
// no negative becomes a finding in any shape. A rule that only works on a bare
// line misses the secret where it actually leaks.

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { BUILTIN_RULES } from '../../detectors/rules/registry.ts'
import { createSecretDetector } from '../../detectors/secrets.ts'
import type { LogChunk } from '../../pipeline/events.ts'
import { createFingerprinter } from '../../pipeline/fingerprint.ts'
import { RECORD_SHAPES } from '../support/records.ts'
import { seededGen } from '../support/seed.ts'

const fingerprinter = createFingerprinter('s'.repeat(32))
const detector = createSecretDetector({ rules: BUILTIN_RULES, fingerprinter, maxContextChars: 240 })
// Draws per rule: a shape-specific miss that depends on the random value (a boundary character, an escape) shows up in a few.
const DRAWS = 3

function chunk(lines: string[]): LogChunk {
  return {
    v: '1',
    type: 'log-chunk',
    stream: 'test/shapes',
    source: { type: 'stdin' },
    startLine: 1,
    offset: { start: 0, end: 0 },
    lines,
    collectedAt: new Date(0).toISOString()
  }
}

let checked = 0

/** How a value may be written in a record: as is, JSON-escaped once or twice, URL-encoded. */
function spellings(v: string): string[] {
  const once = JSON.stringify(v).slice(1, -1)
  return [v, once, JSON.stringify(once).slice(1, -1), encodeURIComponent(v)]
}

describe('rule examples in every record shape', () => {
  const g = seededGen('g')
  for (const rule of BUILTIN_RULES) {
    test(rule.id, () => {
      const problems: string[] = []
      for (let d = 0; d < DRAWS; d++) {
        for (const ex of rule.examples.positives(g)) {
          const want = fingerprinter.of(ex.secret)
          for (const shape of RECORD_SHAPES) {
            checked++
            const lines = shape.wrap(ex.line)
            const found = detector.detect(chunk(lines))
            const mine = found.filter((f) => f.rule === rule.id)
            const values = new Set(mine.map((f) => f.fingerprint))
            if (!values.has(want) || values.size !== 1) {
              // Generated test values only: safe to print.
              problems.push(
                `${shape.name}: ${values.has(want) ? 'also another value' : 'missed'} in ${JSON.stringify(lines).slice(0, 300)} (rules: ${found.map((f) => f.rule).join(', ')})`
              )
            }
            // The location is in the record as written (timestamps, escapes and colours included): a masker
            // rewrites exactly that span. Block secrets span lines; unlocated decoded values span their encoding.
            for (const f of rule.block === undefined ? mine : []) {
              const { line, column, endColumn } = f.location
              const at = (lines[line - 1] ?? '').slice(column - 1, endColumn - 1)
              if (at.length > 0 && !f.context.startsWith('(') && !spellings(ex.secret).includes(at))
                problems.push(`${shape.name}: location ${column}-${endColumn} holds ${JSON.stringify(at)}, not the secret`)
            }
            for (const f of found) assert.ok(!JSON.stringify(f).includes(ex.secret), `${shape.name}: a finding carries the plaintext`)
          }
        }
      }
      for (const negative of rule.examples.negatives) {
        for (const shape of RECORD_SHAPES) {
          const lines = shape.wrap(negative)
          const found = detector.detect(chunk(lines))
          if (found.length > 0)
            problems.push(`${shape.name}: false positive [${found.map((f) => f.rule).join(', ')}] on ${JSON.stringify(lines).slice(0, 300)}`)
        }
      }
      assert.deepEqual(problems, [])
    })
  }
})

test('every rule was checked in every shape', () => {
  // Runs after the suite above (node:test runs a file's tests in order).
  assert.ok(checked >= BUILTIN_RULES.length * RECORD_SHAPES.length * DRAWS, `${checked} checks`)
})
