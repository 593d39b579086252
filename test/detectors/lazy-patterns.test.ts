// Rule patterns compiled on first use (`lazyPatterns`, what `leakwatch scan`
// and `mask` use since issue #15): the same findings as compiling every
// pattern up front, and a rule's patterns are compiled only once a line
// holds one of its keywords.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import type RE2 from 're2'
import type { Rule } from '../../detectors/rule.ts'
import { BUILTIN_RULES } from '../../detectors/rules/registry.ts'
import { compileRule, createSecretDetector } from '../../detectors/secrets.ts'
import type { LogChunk } from '../../pipeline/events.ts'
import { createFingerprinter } from '../../pipeline/fingerprint.ts'
import { seededGen } from '../support/seed.ts'

const chunk = (lines: string[]): LogChunk => ({
  v: '1',
  type: 'log-chunk',
  stream: 'test/lazy',
  source: { type: 'stdin' },
  startLine: 1,
  offset: { start: 0, end: 0 },
  lines,
  collectedAt: ''
})

test('lazily compiled rules find exactly what eagerly compiled rules find, on every rule’s examples', () => {
  const g = seededGen('lazy-examples')
  const lines = BUILTIN_RULES.flatMap((r) => [...r.examples.positives(g).flatMap((e) => e.line.split('\n')), ...r.examples.negatives])
  const fingerprinter = createFingerprinter('lazy-patterns-test-key-0123456789abcdef')
  const now = () => new Date(Date.UTC(2026, 11, 6))
  const make = (lazy: boolean) => createSecretDetector({ rules: BUILTIN_RULES, fingerprinter, maxContextChars: 240, lazyPatterns: lazy, now })
  const eager = make(false).detect(chunk(lines))
  const lazy = make(true).detect(chunk(lines))
  assert.ok(eager.length >= BUILTIN_RULES.length, `${eager.length} findings`)
  assert.deepEqual(lazy, eager)
})

test('a lazily compiled rule compiles its patterns when a line first holds its keyword', () => {
  // An invalid pattern shows when compilation happens: never for a rule that passed loadRuleFiles.
  // Without requires/follows/allow/block, so nothing but the regex decides whether a line is a candidate.
  const { requires: _requires, follows: _follows, allow: _allow, block: _block, ...plain } = BUILTIN_RULES[0] as Rule
  const broken: Rule = { ...plain, id: 'zork-broken', keywords: ['zork'], regex: 'zork_([a-z' }
  const fingerprinter = createFingerprinter(undefined)
  assert.throws(() => createSecretDetector({ rules: [broken], fingerprinter, maxContextChars: 80 }), { code: 'LW_ERR_RULE_INVALID' })
  const d = createSecretDetector({ rules: [broken], fingerprinter, maxContextChars: 80, lazyPatterns: true })
  assert.deepEqual(d.detect(chunk(['nothing to see here', 'token=abc'])), [])
  assert.throws(() => d.detect(chunk(['zork_abc'])), { code: 'LW_ERR_RULE_INVALID' })
})

test('a lazily compiled rule compiles each pattern when first needed: `follows` before its regex, allowlists at a match', () => {
  const { requires: _requires, follows: _follows, allow: _allow, block: _block, ...plain } = BUILTIN_RULES[0] as Rule
  const fingerprinter = createFingerprinter(undefined)
  const detector = (rule: Rule) => createSecretDetector({ rules: [rule], fingerprinter, maxContextChars: 80, lazyPatterns: true })
  // The regex is broken: only a line whose keyword passes `follows` may compile it.
  const gated = detector({ ...plain, id: 'zork-gated', keywords: ['zork'], follows: '\\s*=', regex: 'zork_([a-z' })
  assert.deepEqual(gated.detect(chunk(['zork is not assigned here', 'a zork, then another zork.'])), [])
  assert.throws(() => gated.detect(chunk(['zork = 1'])), { code: 'LW_ERR_RULE_INVALID' })
  // The allowlist is broken: only a match of the regex (that passes the gates) may compile it.
  const { minEntropy: _minEntropy, ...ungated } = plain
  const allowed = detector({ ...ungated, id: 'zork-allowed', keywords: ['zork_'], regex: 'zork_([a-z0-9]{16})', allow: { secrets: ['(unclosed'] } })
  assert.deepEqual(allowed.detect(chunk(['zork_ but nothing after it', 'zork_1234'])), [])
  const value = seededGen('lazy-allow').chars('abcdefghijklmnopqrstuvwxyz0123456789', 16)
  assert.throws(() => allowed.detect(chunk([`zork_${value}`])), { code: 'LW_ERR_RULE_INVALID' })
})

test('rules of one engine share one compiled copy of an allowlist pattern they both list; a broken one still names its own rule', () => {
  const { requires: _requires, follows: _follows, allow: _allow, block: _block, ...plain } = BUILTIN_RULES[0] as Rule
  const shared = new Map<string, RE2>()
  const a = compileRule({ ...plain, id: 'zork-a', keywords: ['zork'], allow: { secrets: ['^x+$', '^a$'], lines: ['^x+$'] } }, 0, true, shared)
  const b = compileRule({ ...plain, id: 'zork-b', keywords: ['zork'], allow: { secrets: ['^b$', '^x+$'] } }, 1, true, shared)
  assert.equal(a.allowSecrets[0], b.allowSecrets[1])
  assert.equal(a.allowLines[0], a.allowSecrets[0])
  assert.notEqual(a.allowSecrets[1], b.allowSecrets[0])
  assert.deepEqual(
    b.allowSecrets.map((re) => re.test('xxx')),
    [false, true]
  )
  // Without a shared map each rule compiles its own.
  const c = compileRule({ ...plain, id: 'zork-c', keywords: ['zork'], allow: { secrets: ['^x+$'] } }, 2, true)
  assert.notEqual(c.allowSecrets[0], a.allowSecrets[0])
  const broken = compileRule({ ...plain, id: 'zork-broken', keywords: ['zork'], allow: { secrets: ['^x+$', '(unclosed'] } }, 3, true, shared)
  assert.throws(
    () => broken.allowSecrets,
    (err: Error & { code?: string }) => err.code === 'LW_ERR_RULE_INVALID' && /rule zork-broken: .*allow\.secrets\[1\]/.test(err.message)
  )
})
