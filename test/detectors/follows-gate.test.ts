// The follows gate (detectors/follows-gate.ts) may only say no where RE2 finds no match of a rule's
// `follows` right after a keyword: on text drawn to sit at its edges (names, quotes, blanks, operators,
// class runs one byte short), it is held to RE2 itself for every built-in rule that has a gate.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import RE2 from 're2'
import { DEFAULT_MIRRORS, loadSources } from '../../bench/independent/sources.ts'
import { ASSIGNMENT_HEAD, followsGate, upperKeywordGate } from '../../detectors/follows-gate.ts'
import { ASSIGNMENT_OPENING } from '../../detectors/rules/patterns.ts'
import { BUILTIN_RULES } from '../../detectors/rules/registry.ts'
import { gateHoldsOnLines } from '../support/gate-lines.ts'
import { seededGen } from '../support/seed.ts'

const gen = seededGen('follows-gate')
const int = (n: number): number => Number.parseInt(gen.digits(6), 10) % n

test('where the gate says no, RE2 finds no match of the rule’s follows there; and it says no often', () => {
  const gatedRules = BUILTIN_RULES.filter((r) => r.follows !== undefined && followsGate(r.follows) !== undefined)
  const ids = gatedRules.map((r) => r.id)
  // The shapes it reads: the generic assignment rules' head, the runs of one class after a prefix, and a starred class before one.
  for (const id of ['generic-secret-assignment', 'generic-password-assignment', 'npm-access-token', 'twilio-api-key', 'kubernetes-bootstrap-token'])
    assert.ok(ids.includes(id), id)
  const pieces = [
    '_KEY',
    '.x',
    '-',
    '"',
    "'",
    ' ',
    '\t',
    '=',
    ':',
    '=>',
    ':=',
    '***',
    'refreshed',
    '}',
    ',',
    '/',
    '+',
    '~',
    'abc',
    'ABC',
    '0123',
    'f00d',
    '\\',
    '\\\\'
  ]
  for (const r of gatedRules) {
    const gate = followsGate(r.follows ?? '')
    assert.ok(gate !== undefined)
    const re = new RE2(`^(?:${r.follows})`, 'i')
    let no = 0
    for (let round = 0; round < 3000; round++) {
      let text = ''
      const n = 1 + int(8)
      for (let i = 0; i < n; i++) text += int(4) === 0 ? gen.base62(1 + int(40)) : (pieces[int(pieces.length)] ?? '')
      const bytes = Buffer.from(text, 'latin1')
      if (!gate(bytes, 0)) {
        no++
        assert.equal(re.test(text), false, `${r.id}: the gate refused ${JSON.stringify(text)}, which RE2 matches`)
      }
    }
    assert.ok(no > 300, `${r.id}: the gate refused ${no} of 3000`)
  }
})

test('the assignment head and opening are the ones generic.ts writes before a value', () => {
  for (const id of ['generic-secret-assignment', 'generic-password-assignment', 'generic-hex-credential-assignment']) {
    const r = BUILTIN_RULES.find((x) => x.id === id)
    assert.ok(r?.follows?.startsWith(ASSIGNMENT_HEAD), id)
    assert.ok(r?.follows?.startsWith(`${ASSIGNMENT_HEAD}${ASSIGNMENT_OPENING}`), id)
  }
  assert.equal(followsGate('[^a-z]{8}'), undefined)
  assert.equal(followsGate('\\s+token'), undefined)
  assert.equal(followsGate('[\\d]{4}'), undefined)
})

test('the generic rules whose value may open with an escaped quote: the gate still reads the value', () => {
  // Session 11's escaped opening quote (`\\{1,2}["']`) made the gate stop at the operator: every `NPM_TOKEN: ***`
  // of a CI log went to RE2 again.
  for (const id of ['generic-secret-assignment', 'generic-hex-credential-assignment']) {
    const follows = BUILTIN_RULES.find((x) => x.id === id)?.follows ?? ''
    const gate = followsGate(follows)
    assert.ok(gate !== undefined, id)
    const re = new RE2(`^(?:${follows})`, 'i')
    const value = gen.hex(40)
    for (const text of [': ***', ': "short"', '=\\x', ': \\\\\\"ab', `= \\ "${value}`]) {
      assert.equal(re.test(text), false, `${id}: ${text}`)
      assert.equal(gate(Buffer.from(text), 0), false, `${id}: the gate let ${JSON.stringify(text)} through`)
    }
    for (const text of [`: ${value}`, `: "${value}"`, `: \\'${value}`, `=\\\\"${value}`]) {
      assert.equal(re.test(text), true, `${id}: ${text}`)
      assert.equal(gate(Buffer.from(text), 0), true, `${id}: ${text}`)
    }
  }
})

test('a follows with an alternative at its top level gets no gate: the run it starts with is only one of the ways to match', () => {
  // `(?:kw)(?:[a-z]{8}|\s*=)` matches `tok =` though no run of 8 letters follows the keyword.
  for (const follows of ['[a-z]{8}|\\s*=', `${ASSIGNMENT_HEAD}\\s*["']?[a-z]{8}|\\s+x`, '[a-z]{8}(?:x)?|y']) {
    const gate = followsGate(follows)
    const re = new RE2(`tok(?:${follows})`, 'i')
    for (const text of ['tok =', 'tok x', 'toky'])
      if (re.test(text)) assert.ok(gate === undefined || gate(Buffer.from(text), 3), `${follows}: the gate refused ${JSON.stringify(text)}, which RE2 matches`)
  }
  // An alternation inside a group or a class is not one at the top level.
  assert.notEqual(followsGate('[a-z|]{8}(?:x|y)'), undefined)
})

test('a line of one keyword repeated: the gates at all its keywords read a bounded number of bytes each, not the rest of the line', () => {
  // Counted, not timed: each gate was walking the name run to its end, quadratic in the line (`pass` × 16,000).
  const gates = BUILTIN_RULES.flatMap((r) => (r.follows?.startsWith(ASSIGNMENT_HEAD) === true ? [followsGate(r.follows)] : []))
  assert.ok(gates.length >= 2)
  for (const word of ['pass', 'token', 'secret_']) {
    const line = Buffer.from(word.repeat(16_000))
    let reads = 0
    const counted = new Proxy(line, {
      get(target, key) {
        if (typeof key === 'string' && /^\d+$/.test(key)) reads++
        const v = Reflect.get(target, key)
        return typeof v === 'function' ? v.bind(target) : v
      }
    })
    for (const gate of gates) for (let end = word.length; end <= line.length; end += word.length) gate?.(counted, end)
    const perKeyword = reads / (gates.length * 16_000)
    assert.ok(perKeyword < 600, `${word}: ${perKeyword.toFixed(0)} bytes read per keyword`)
  }
  // A name longer than the walk still passes (the gate only says yes past it): RE2 decides.
  const long = Buffer.from(`token${'_x'.repeat(400)}="${'a'.repeat(40)}"`)
  for (const gate of gates) assert.equal(gate?.(long, 5), true)
})

test('the upper-case keyword gate passes an occurrence spelled in upper case and refuses any other spelling', () => {
  const gate = upperKeywordGate(['password=', 'pass=', 'akia'])
  const at = (text: string, end: number): boolean => gate(Buffer.from(text, 'latin1'), end)
  assert.equal(at('DB_PASSWORD=x', 12), true)
  assert.equal(at('db password=x', 12), false)
  assert.equal(at('DB_Password=x', 12), false)
  assert.equal(at('PASS=x', 5), true)
  assert.equal(at('AKIA', 4), true)
  assert.equal(at('Asia/AkIA', 9), false)
  // Nothing before the start of the line.
  assert.equal(at('SS=', 3), false)
})

test('rules with upperKeywords: every match of the regex, on drawn positives in any case, on published examples and loghub, holds an occurrence the gate passes', () => {
  const rules = BUILTIN_RULES.filter((r) => r.upperKeywords === true && r.follows === undefined)
  const ids = rules.map((r) => r.id)
  for (const id of ['env-password-word', 'aws-access-key-id']) assert.ok(ids.includes(id), id)
  const swapCase = (s: string): string => s.replace(/[a-zA-Z]/g, (c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()))
  const { sources } = loadSources(DEFAULT_MIRRORS, Number.parseInt(gen.hex(8), 16))
  const elsewhere = sources.flatMap((s) => [...s.examples.flatMap((e) => e.text.split('\n')), ...[...s.cleanLogs.values()].flat()])
  for (const r of rules) {
    const gate = upperKeywordGate(r.keywords)
    const re = new RE2(r.regex, '')
    const lines: string[] = [...elsewhere]
    for (let i = 0; i < 300; i++) for (const { line } of r.examples.positives(gen)) lines.push(line, line.toLowerCase(), line.toUpperCase(), swapCase(line))
    const { matched, refused } = gateHoldsOnLines(r.id, r.keywords, gate, re, lines, 'follows-gate')
    assert.ok(matched >= 300 && refused >= 300, `${r.id}: ${matched} matches, ${refused} lines refused`)
  }
})

test('a starred class and an optional quote before a class run: gated only when no byte is in two of them', () => {
  const gate = followsGate(`[= \\t]*["']?[a-z0-9]{6}\\.`)
  assert.ok(gate !== undefined)
  const at = (text: string): boolean => gate(Buffer.from(text, 'latin1'), 0)
  for (const yes of ['abcdef.x', '= \t"ABC123.', "='a1b2c3", '  \t==abcdef']) assert.equal(at(yes), true, JSON.stringify(yes))
  for (const no of [' ***', ' $NPM_TOKEN', '="abc', '\t"', '= ""abcdef']) assert.equal(at(no), false, JSON.stringify(no))
  // A star over bytes the run or the quote also takes: a match may stop the star early, one walk cannot tell.
  for (const overlapping of ['[a-z ]*[a-z]{6}', `[= "]*["']?[a-z]{6}`, `[=]*["']?[a-z"]{6}`, '[=\\d]*[a-z]{6}'])
    assert.equal(followsGate(overlapping), undefined, overlapping)
})

test('a starred class before a literal (the database URL rules): the literal read case-insensitively, as (?i) does', () => {
  const postgres = BUILTIN_RULES.find((r) => r.id === 'database-url-postgres')?.follows ?? ''
  const gate = followsGate(postgres)
  assert.ok(gate !== undefined)
  const re = new RE2(`^(?:${postgres})`, 'i')
  const at = (text: string): boolean => gate(Buffer.from(text, 'latin1'), 0)
  for (const yes of ['ql://app:pw@db', '+srv://u:p@h', 'QL://u:p@h', '://u:p@h']) {
    assert.equal(at(yes), true, JSON.stringify(yes))
    assert.equal(re.test(yes), true, JSON.stringify(yes))
  }
  for (const no of ['-cache', ' ://u:p@h', 'ql:/u:p@h', 'ql', '"}']) {
    assert.equal(at(no), false, JSON.stringify(no))
    assert.equal(re.test(no), false, JSON.stringify(no))
  }
  // A literal that starts with a byte the star takes (or a quantified one) is not read: `[a-z:]*://`, `[a-z]*:?//`.
  for (const source of ['[a-z:]*://', '[a-z]*:?//', `[a-z]*["']?"x`]) assert.equal(followsGate(source), undefined, source)
})
