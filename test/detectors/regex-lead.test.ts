// A candidate rule's search starts its lead before the end of the line's first
// keyword of the rule (detectors/regex-lead.ts, issue #15): the lead read from
// the regex, and the same matches as a search from the start of the line.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import RE2 from 're2'
import { keywordLead, searchStart } from '../../detectors/regex-lead.ts'
import { BUILTIN_RULES } from '../../detectors/rules/registry.ts'
import { createSecretDetector } from '../../detectors/secrets.ts'
import { createFingerprinter } from '../../pipeline/fingerprint.ts'
import { chunkOf } from '../support/known-secrets.ts'
import { seededGen } from '../support/seed.ts'

test('the lead of a prefix rule is its boundary group and its keyword', () => {
  // A boundary character takes up to four bytes of UTF-8, then the four of `ion_`.
  assert.equal(keywordLead('(?:^|[^A-Za-z0-9_])(ion_[A-Za-z0-9]{42})(?:[^A-Za-z0-9_]|$)', ['ion_']), 8)
  assert.equal(keywordLead('\\b(ghp_[A-Za-z0-9]{36})', ['ghp_']), 4)
  // The keyword need not start the literal: `sk-` then the keyword.
  assert.equal(keywordLead('(sk-[A-Za-z0-9]{20}T3BlbkFJ)', ['t3blbkfj']), 3 + 20 * 4 + 8)
  // Every alternative spells a keyword: the longest lead counts.
  assert.equal(keywordLead('(?:^|[^A-Za-z0-9])((?:AKIA|ASIA)[A-Z2-7]{16})', ['akia', 'asia']), 8)
  // Escaped punctuation is literal text.
  assert.equal(keywordLead('amzn\\.mws\\.[0-9a-f]{8}', ['amzn.mws.']), 9)
  // A repetition after the keyword does not matter; an optional group before it counts its length.
  assert.equal(keywordLead('x?(?:ab|cde)?tok_[a-z]+', ['tok_']), 1 + 3 + 4)
})

test('case folding counts a letter as up to three bytes and leaves out keywords with k or s', () => {
  // Under (?i) RE2 matches k with the Kelvin sign and s with the long s, which the keyword automaton does not read as k or s.
  assert.equal(keywordLead('(?i)(?:proxy-)?authorization\\s*[:=]', ['authorization']), 5 * 3 + 1 + 13)
  assert.equal(keywordLead('(?i)token\\s*=', ['token']), undefined)
  assert.equal(keywordLead('(?i:secret)=', ['secret']), undefined)
  // Without folding the same keywords are used.
  assert.equal(keywordLead('token\\s*=', ['token']), 5)
})

test('no lead when the match may start arbitrarily far before the keyword or the reader does not know the syntax', () => {
  assert.equal(keywordLead('[a-z_]*password\\s*=', ['password']), undefined)
  assert.equal(keywordLead('(?:\\w+)?api_key=', ['api_key']), undefined)
  // One alternative spells no keyword: a match may hold none in the regex's text.
  assert.equal(keywordLead('(?:tok_|[0-9]{4})[a-z]{8}', ['tok_']), undefined)
  // A keyword the regex does not spell (a rule that wakes on a name and matches a value).
  assert.equal(keywordLead('(live_[0-9]{8,12})', ['stream_key']), undefined)
  // A keyword inside a quantified group.
  assert.equal(keywordLead('(?:tok_)?[a-z]{8}', ['tok_']), undefined)
  assert.equal(keywordLead('\\Qtok_\\E[a-z]{8}', ['tok_']), undefined)
  assert.equal(keywordLead('(unclosed tok_', ['tok_']), undefined)
})

test('the search start steps back to the start of a UTF-8 character and never below 0', () => {
  const buf = Buffer.from('aé€tok_', 'utf8') // a(1) é(2) €(3)
  assert.equal(searchStart(buf, 4, 10), 6)
  assert.equal(searchStart(buf, 5, 10), 3) // byte 5 is inside €, which starts at 3
  assert.equal(searchStart(buf, 8, 10), 1) // byte 2 is inside é
  assert.equal(searchStart(buf, 20, 10), 0)
  assert.equal(searchStart(buf, Number.POSITIVE_INFINITY, 10), 0)
})

/** Every match of `re` in `buf` from byte `from`, as the engine's loop walks them. */
function matches(re: RE2, buf: Buffer, from: number): string[] {
  const out: string[] = []
  re.lastIndex = from
  for (let m = re.exec(buf); m !== null; m = re.exec(buf)) {
    const whole = m[0] as unknown as Buffer
    if (whole.length === 0) {
      re.lastIndex++
      continue
    }
    out.push(`${m.index}:${whole.length}`)
  }
  return out
}

/** The end (bytes) of the first occurrence of any keyword in `buf`, ASCII case folded as the keyword automaton reads it. */
function firstKeywordEnd(buf: Buffer, keywords: readonly string[]): number | undefined {
  const lower = Buffer.from(buf)
  for (let i = 0; i < lower.length; i++) if ((lower[i] as number) >= 65 && (lower[i] as number) <= 90) lower[i] = (lower[i] as number) + 32
  let best: number | undefined
  for (const k of keywords) {
    const at = lower.indexOf(k)
    if (at >= 0 && (best === undefined || at + k.length < best)) best = at + k.length
  }
  return best
}

test('on every built-in rule with a lead, a search from its start finds what a search of the whole line finds', () => {
  const g = seededGen('regex-lead')
  let withLead = 0
  let compared = 0
  let skipped = 0
  for (const rule of BUILTIN_RULES) {
    const lead = keywordLead(rule.regex, rule.keywords)
    if (lead === undefined) continue
    withLead++
    const re = new RE2(rule.regex, 'g')
    const examples = [...rule.examples.positives(g).flatMap((e) => e.line.split('\n')), ...rule.examples.negatives]
    const k = rule.keywords[0] as string
    // Text before the example: none, multi-byte characters, the keyword itself (upper case, glued, spaced), another example.
    const prefixes = ['', 'é€😀 ', `${k.toUpperCase()} `, `x${k}`, `${k}${k} é `, `${'€'.repeat(50)}${k}`, `${examples[0] ?? ''} `]
    for (const example of examples)
      for (const prefix of prefixes) {
        const buf = Buffer.from(`${prefix}${example}`, 'utf8')
        const first = firstKeywordEnd(buf, rule.keywords)
        if (first === undefined) {
          skipped++
          continue
        }
        compared++
        assert.deepEqual(matches(re, buf, searchStart(buf, lead, first)), matches(re, buf, 0), `rule ${rule.id}, prefix ${JSON.stringify(prefix)}`)
      }
  }
  assert.ok(withLead >= 100, `${withLead} rules with a lead`)
  assert.ok(compared > withLead * 5, `${compared} lines compared, ${skipped} without a keyword`)
})

test('the detector finds a Bearer token after many lines that wake its rule, at its column, with multi-byte text before it', () => {
  // The generic Bearer rule wakes on every audit event's annotation; after LEAD_AFTER_RUNS such lines its search
  // starts near the line's first keyword, here the header's, after multi-byte text.
  const g = seededGen('regex-lead-detector')
  const token = g.base62(40)
  const event = (i: number, extra: string) =>
    `{"kind":"Event","auditID":"${i}","user":{"username":"é€😀-${i}"}${extra},"annotations":{"authorization.k8s.io/decision":"allow"}}`
  const lines = Array.from({ length: 300 }, (_, i) => event(i, ''))
  const extra = `,"requestHeaders":"é€😀Authorization: Bearer ${token}"`
  lines[250] = event(250, extra)
  const detector = createSecretDetector({
    rules: BUILTIN_RULES,
    fingerprinter: createFingerprinter('regex-lead-test-key-0123456789abcdef'),
    maxContextChars: 240,
    lazyPatterns: true
  })
  const found = detector.detect(chunkOf(...lines)).filter((f) => f.rule === 'http-bearer-token')
  assert.deepEqual(
    found.map((f) => [f.location.line, f.location.column]),
    [[251, (lines[250] as string).indexOf(token) + 1]]
  )
})
