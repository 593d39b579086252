// A built-in rule's `requires` (rule.ts) lets the engine skip its regex on a line that lacks one of the
// substrings: it must be a necessary condition of the regex, or a secret is missed. Every match of the
// regex must hold every required substring, in its case; checked over each rule's drawn positives and
// their case-changed copies (the keyword automaton meets keywords in any case, so case is where a
// `requires` can go wrong), and over lines from elsewhere: other scanners' published rule examples and
// loghub's real logs (the accuracy benchmark's sources, where the mirrors are present).

import assert from 'node:assert/strict'
import { test } from 'node:test'
import RE2 from 're2'
import { DEFAULT_MIRRORS, loadSources } from '../../bench/independent/sources.ts'
import { BUILTIN_RULES } from '../../detectors/rules/registry.ts'
import { seededGen } from '../support/seed.ts'

const DRAWS_PER_RULE = 200

const swapCase = (s: string): string => s.replace(/[a-zA-Z]/g, (c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()))

/** Every match of `rule`'s regex in `line` holds each of its required substrings; the number of matches seen. */
function check(rule: (typeof BUILTIN_RULES)[number], re: RE2, line: string): number {
  let n = 0
  re.lastIndex = 0
  for (let m = re.exec(line); m !== null; m = re.exec(line)) {
    n++
    for (const r of rule.requires ?? []) assert.ok(line.includes(r), `${rule.id}: a match on a line without ${JSON.stringify(r)}`)
    if (m[0].length === 0) re.lastIndex++
  }
  return n
}

const withRequires = BUILTIN_RULES.filter((r) => r.requires !== undefined && r.requires.length > 0)

/**
 * The strings of a positive written as a JSON log line: a rule may read its positives only in the line's JSON view
 * (kubernetes-env-yaml-credential's name and value lines, a manifest inside a message), where `requires` must hold too.
 */
function decodedStrings(line: string): string[] {
  let doc: unknown
  try {
    doc = JSON.parse(line)
  } catch {
    return []
  }
  const out: string[] = []
  const walk = (v: unknown): void => {
    if (typeof v === 'string') out.push(v)
    else if (v !== null && typeof v === 'object') for (const x of Object.values(v)) walk(x)
  }
  walk(doc)
  return out
}

/**
 * Rules whose regex reads a required substring in any case while `requires` holds it in one: psexec-password's
 * `(?i)` regex matches `-P` too, which its `requires: ['-p']` turns away (as it did before this test). Their
 * positives are checked as drawn only.
 */
const CASE_BLIND = new Set(['psexec-password'])

test('built-in rules name the substrings they require, among them the signatures checked in their case', () => {
  const ids = new Set(withRequires.map((r) => r.id))
  for (const id of ['onepassword-secret-key', 'facebook-access-token', 'azure-cosmosdb-key-identifiable', 'salesforce-access-token']) {
    if (BUILTIN_RULES.some((r) => r.id === id)) assert.ok(ids.has(id), id)
  }
  assert.ok(withRequires.length >= 10, `${withRequires.length} rules with requires`)
})

test("every match of a rule's regex on its drawn positives, in any case, holds the substrings the rule requires", () => {
  const g = seededGen('rule-requires')
  for (const rule of withRequires) {
    const re = new RE2(rule.regex, 'g')
    let matched = 0
    for (let i = 0; i < DRAWS_PER_RULE; i++) {
      for (const { line } of rule.examples.positives(g)) {
        matched += check(rule, re, line)
        for (const text of decodedStrings(line)) matched += check(rule, re, text)
        if (CASE_BLIND.has(rule.id)) continue
        for (const variant of [line.toLowerCase(), line.toUpperCase(), swapCase(line)]) check(rule, re, variant)
      }
    }
    for (const line of rule.examples.negatives) check(rule, re, line)
    // The drawn positives match as drawn: the check above cannot pass on a regex that matched nothing.
    assert.ok(matched >= DRAWS_PER_RULE, `${rule.id}: ${matched} matches`)
  }
})

test("no match of a rule with requires, on other scanners' published examples and loghub's real logs, lacks a required substring", (t) => {
  // The accuracy benchmark's independent sources (bench/independent/sources.ts), from the mirrors where present.
  const { sources } = loadSources(DEFAULT_MIRRORS, Number.parseInt(seededGen('rule-requires-sources').hex(8), 16))
  const lines = sources.flatMap((s) => [...s.examples.flatMap((e) => e.text.split('\n')), ...[...s.cleanLogs.values()].flat()])
  if (lines.length === 0) {
    t.skip(`no independent sources under ${DEFAULT_MIRRORS}`)
    return
  }
  const res = withRequires.map((r) => [r, new RE2(r.regex, 'g')] as const)
  let matched = 0
  for (const line of lines) for (const [rule, re] of res) matched += check(rule, re, line)
  assert.ok(lines.length > 1000, `${lines.length} lines`)
  t.diagnostic(`${lines.length} lines, ${matched} matches of rules with requires`)
})
