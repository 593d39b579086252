// The follows gates as the scan asks them: at the end of every keyword occurrence of an ASCII line (any case,
// as the case-blind automaton meets it), on lines drawn from the rule's own keywords and the bytes its
// `follows` is made of (quotes, tabs, '://', '@', dots, class runs of every length near the rule's, upper
// and lower case), the keyword also at the line's very end. Wherever RE2 matches the rule's `follows` right
// after an occurrence, the gate must say yes there: a no would drop the line before the regex.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import RE2 from 're2'
import { followsGate } from '../../detectors/follows-gate.ts'
import { BUILTIN_RULES } from '../../detectors/rules/registry.ts'
import { seededRng } from '../support/seed.ts'

const rng = seededRng('follows-gate-lines')

const PIECES = [
  '"',
  "'",
  ' ',
  '\t',
  '=',
  ':',
  '://',
  '//',
  ':/',
  '@',
  '.',
  '-',
  '_',
  '+',
  '+srv',
  'ql',
  'QL',
  '!',
  '***',
  '$X',
  '}',
  ',',
  '/',
  'u:p@h',
  'U:P@H',
  'x',
  '://u:p@h',
  'QL://U:P@H',
  '+SRV://a:b@c',
  ' \t"',
  'a1b2c3.',
  // http-bearer-token, npm-legacy-token and netrc-password-line (walked whole, follows-gate.ts).
  'bearer ',
  'TOKEN\t',
  'Bearer',
  '\\',
  '`',
  '::=',
  ':::=',
  '?=',
  '=>',
  'a1b2c3d4-',
  'ABCDEF01-',
  'a1b2c3d-',
  '\f',
  '\v',
  '\r',
  's3cr3t!x',
  ': Bearer ',
  '"="token\t',
  ':bearer',
  ' TOKEN ',
  ': a1b2c3d4-',
  '\t s3cr3t!x'
]
const ALNUM = 'abcdefABCDEF0123456789xyzXYZ'

function mixedCase(s: string): string {
  let out = ''
  for (const c of s) out += rng.chance(0.5) ? c.toUpperCase() : c.toLowerCase()
  return out
}

test('every gated built-in rule: the gate says yes at every keyword occurrence RE2 matches `follows` after, in any case, keyword at the line end too', () => {
  const gated = BUILTIN_RULES.filter((r) => r.follows !== undefined && followsGate(r.follows) !== undefined)
  for (const id of ['kubernetes-bootstrap-token', 'database-url-postgres', 'http-bearer-token', 'npm-legacy-token', 'netrc-password-line'])
    assert.ok(
      gated.some((r) => r.id === id),
      id
    )
  for (const r of gated) {
    const gate = followsGate(r.follows ?? '') as NonNullable<ReturnType<typeof followsGate>>
    const re = new RE2(`^(?:${r.follows})`, 'i')
    let matched = 0
    for (let round = 0; round < 2000; round++) {
      let line = rng.chance(0.2) ? '' : rng.chars(ALNUM, rng.int(4))
      for (let k = 1 + rng.int(4); k > 0; k--) {
        line += mixedCase(rng.pick(r.keywords))
        for (let p = rng.int(7); p > 0; p--) line += rng.chance(0.35) ? mixedCase(rng.chars(ALNUM, 1 + rng.int(44))) : rng.pick(PIECES)
      }
      const lower = line.toLowerCase()
      const bytes = Buffer.from(line, 'latin1')
      for (const kw of r.keywords) {
        const k = kw.toLowerCase()
        for (let at = lower.indexOf(k); at >= 0; at = lower.indexOf(k, at + 1)) {
          const end = at + k.length
          if (!re.test(line.slice(end))) continue
          matched++
          assert.equal(gate(bytes, end), true, `${r.id}: the gate refused ${JSON.stringify(line)} after keyword ${kw} at ${at}, which RE2 matches`)
        }
      }
    }
    // Not vacuous for the rules whose follows these pieces can spell.
    if (
      [
        'kubernetes-bootstrap-token',
        'database-url-postgres',
        'generic-secret-assignment',
        'http-bearer-token',
        'npm-legacy-token',
        'netrc-password-line'
      ].includes(r.id)
    )
      assert.ok(matched > 20, `${r.id}: ${matched} matches`)
  }
})

test('a class range whose end is escaped is a range to RE2: such a class gets no gate rather than one that misses the bytes between', () => {
  for (const [source, text] of [
    ['[\\t-\\r]*[a-z]{6}', '\n\vabcdef'],
    ['[!-\\/]{3}', '"#$'],
    ['[\\!-\\/]{2}', '#$'],
    ['[\\t-\\r]*["\']?://', '\f://']
  ] as const) {
    assert.equal(new RE2(`^(?:${source})`, 'i').test(text), true, `${source} matches ${JSON.stringify(text)}`)
    const gate = followsGate(source)
    assert.ok(gate === undefined || gate(Buffer.from(text, 'latin1'), 0), `${source}: the gate refused ${JSON.stringify(text)}, which RE2 matches`)
  }
})
