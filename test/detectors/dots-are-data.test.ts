// A value ending in "..." is one cut short for display, and the gates refuse it (value-gates.ts), unless
// the rule says its format's alphabet holds '.' (dotsAreData). A rule whose generated secrets can end in
// '.' without saying so refuses one real token in 64^3: Azure AD client secrets (CI, 2026-12-06), md5crypt
// digests and Salesforce session ids (rules-stability seed 20261206) each did, one at a time.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { BUILTIN_RULES } from '../../detectors/rules/registry.ts'
import { seededGen } from '../support/seed.ts'

test('every rule whose secrets may end in a dot holds its dots as data', () => {
  const g = seededGen('dots')
  const undeclared: string[] = []
  for (const rule of BUILTIN_RULES) {
    if (rule.dotsAreData === true) continue
    // Formats with '.' in their alphabet end in one about once in 64 draws: 3,000 draws miss that one time in 10^20.
    let n = 0
    let dotted = 0
    while (n < 3000) {
      for (const ex of rule.examples.positives(g)) {
        n++
        if (ex.secret.endsWith('.')) dotted++
      }
    }
    if (dotted > 0) undeclared.push(`${rule.id}: ${dotted} of ${n} generated secrets end in '.'`)
  }
  assert.deepEqual(undeclared, [])
})
