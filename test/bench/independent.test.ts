// The independent accuracy data's extractor (bench/independent/): the regex sampler draws strings its
// regexes match, the gitleaks rule-file reader evaluates the expression forms those files use and counts
// the rest, and the relabelling turns only the listed negatives positive. The Go below is written for
// this test in the shape of a rule file; no gitleaks text is copied.

import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { test } from 'node:test'
import RE2 from 're2'
import { credSweeperExamples } from '../../bench/independent/credsweeper.ts'
import { gitleaksExamples, gitleaksRuleIds } from '../../bench/independent/gitleaks-examples.ts'
import { DRAWN_NOT_ISSUED, NOT_CREDENTIAL_EXAMPLES, NOT_CREDENTIALS, RELABELLED, relabel } from '../../bench/independent/labels.ts'
import { sampleRegex } from '../../bench/independent/regex-sample.ts'
import { seededRng } from '../support/seed.ts'

test('sampleRegex: every sample matches its regex in full; unsupported syntax gives undefined', () => {
  const r = seededRng('regex-sample')
  const regexes = [
    '[a-z0-9]{36}',
    'ghp_[0-9a-zA-Z]{36}',
    '(?:sk|rk)_live_[A-Za-z0-9]{24,99}',
    'xox[bp]-[0-9]{10,13}-[a-zA-Z0-9-]*',
    'AKIA[A-Z2-7]{16}',
    '[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}',
    '(?i)[a-z]{4}\\d{2}',
    'dp\\.pt\\.[a-z0-9]{43}',
    '[\\w.=-]{10,150}'
  ]
  for (const source of regexes) {
    const re = new RE2(`^(?:${source})$`)
    for (let i = 0; i < 50; i++) {
      const s = sampleRegex(source, r)
      assert.ok(s !== undefined && re.test(s), `${source}: ${s}`)
    }
  }
  for (const source of ['(?=x)a', '[^a]{4}', 'a\\1', '[[:alpha:]]']) assert.equal(sampleRegex(source, r), undefined, source)
})

const GO = `package rules

func ExampleToken() *config.Rule {
	r := config.Rule{
		RuleID:   "example-token",
		Regex:    regexp.MustCompile(\`ext_[a-z0-9]{8}\`),
	}
	tps := utils.GenerateSampleSecrets("example", "ext_"+secrets.NewSecret(utils.AlphaNumeric("8")))
	tps = append(tps,
		\`token = "ext_abcd1234"\`, // a literal
		"quoted \\"ext_zzzz9999\\"",
		fmt.Sprintf("%s", unknown()),
	)
	fps := []string{
		\`ext_xxxxxxxx\`,
		"ext_" + strings.Repeat("0", 8),
	}
	return utils.Validate(r, tps, fps)
}

func Other() *config.Rule {
	r := config.Rule{RuleID: "other"}
	tps := []string{utils.GenerateSampleSecret("other", secrets.NewSecret(\`oth_[A-Z]{4}\`))}
	return utils.Validate(r, tps, nil)
}
`

test('gitleaksExamples: literals, concatenation, generated samples and append are read; other forms are counted', () => {
  const out = gitleaksExamples(GO, seededRng('gitleaks-go'))
  assert.deepEqual(
    out.map((e) => e.rule),
    ['example-token', 'other']
  )
  const [ex, other] = out
  assert.ok(ex !== undefined && other !== undefined)
  // Two sample lines from GenerateSampleSecrets, then the two literals; fmt.Sprintf is skipped and counted.
  assert.equal(ex.positives.length, 4)
  assert.match(ex.positives[0] ?? '', /^example_token: ext_[a-z0-9]{8}$/)
  assert.match(ex.positives[1] ?? '', /^EXAMPLE_TOKEN=ext_[a-z0-9]{8}$/)
  assert.deepEqual(ex.positives.slice(2), ['token = "ext_abcd1234"', 'quoted "ext_zzzz9999"'])
  assert.deepEqual(ex.negatives, ['ext_xxxxxxxx', 'ext_00000000'])
  // The sample lines hold a value drawn from the regex; the literals are written out.
  assert.deepEqual([...ex.drawn], ex.positives.slice(0, 2))
  assert.equal(ex.skipped, 1)
  assert.equal(other.positives.length, 1)
  assert.match(other.positives[0] ?? '', /^other_api_token = "oth_[A-Z]{4}"$/)
  assert.deepEqual(gitleaksRuleIds('[[rules]]\nid = "a-b"\nregex = "x"\n[[rules]]\nid = "c"\n'), ['a-b', 'c'])
})

test('relabel: only a listed negative of the listed source rule turns positive', () => {
  const listed = 'a sibling-format credential'
  const sha = (t: string): string => createHash('sha256').update(t).digest('hex').slice(0, 12)
  const table = { 'src:rule-a': { [sha(listed)]: 'why' } }
  const r = relabel(
    [
      { source: 'src', rule: 'rule-a', positive: false, text: listed },
      { source: 'src', rule: 'rule-b', positive: false, text: listed },
      { source: 'src', rule: 'rule-a', positive: false, text: 'another negative' },
      { source: 'src', rule: 'rule-a', positive: true, text: 'a positive' }
    ],
    table
  )
  assert.equal(r.relabelled, 1)
  assert.deepEqual(
    r.examples.map((e) => e.positive),
    [true, false, false, true]
  )
  // The committed table holds hashes only: 12 hex digits each, never a token.
  for (const hashes of Object.values(RELABELLED)) for (const h of Object.keys(hashes)) assert.match(h, /^[0-9a-f]{12}$/)
})

test("relabel: every positive of a rule that reports identifiers turns negative, other rules' stay", () => {
  const r = relabel(
    [
      { source: 'src', rule: 'ids', positive: true, text: 'arn:aws:s3:::bucket' },
      { source: 'src', rule: 'ids', positive: false, text: 'not an arn' },
      { source: 'src', rule: 'keys', positive: true, text: 'a key' },
      { source: 'other', rule: 'ids', positive: true, text: 'same rule id, other source' }
    ],
    {},
    { 'src:ids': 'the source files it as an identifier' }
  )
  assert.equal(r.notCredentials, 1)
  assert.equal(r.relabelled, 0)
  assert.deepEqual(
    r.examples.map((e) => e.positive),
    [false, false, true, true]
  )
  // Each listed rule says why.
  for (const why of Object.values(NOT_CREDENTIALS)) assert.match(why, /\S{10}/)
})

test('relabel: only a listed positive of the listed source rule turns negative, counted as a placeholder', () => {
  const listed = 'password = SOME_PASSWORD'
  const sha = (t: string): string => createHash('sha256').update(t).digest('hex').slice(0, 12)
  const r = relabel(
    [
      { source: 'src', rule: 'rule-a', positive: true, text: listed },
      { source: 'src', rule: 'rule-b', positive: true, text: listed },
      { source: 'src', rule: 'rule-a', positive: true, text: 'another positive' },
      { source: 'src', rule: 'rule-a', positive: false, text: listed }
    ],
    {},
    {},
    { 'src:rule-a': { [sha(listed)]: 'a placeholder' } }
  )
  assert.equal(r.placeholders, 1)
  assert.equal(r.relabelled + r.notCredentials, 0)
  assert.deepEqual(
    r.examples.map((e) => e.positive),
    [false, true, true, false]
  )
  // The committed table holds hashes only, each with a reason.
  for (const hashes of Object.values(NOT_CREDENTIAL_EXAMPLES))
    for (const [h, why] of Object.entries(hashes)) {
      assert.match(h, /^[0-9a-f]{12}$/)
      assert.ok(why.length >= 20, why)
    }
})

test("relabel: a positive drawn from gitleaks' regex turns negative only for a listed rule; the same text written out stays", () => {
  const text = 'GITLAB_TOKEN=glpat-abc.01.0a0000000'
  const r = relabel(
    [
      { source: 'gitleaks', rule: 'routable', positive: true, text, drawn: true },
      { source: 'gitleaks', rule: 'routable', positive: true, text },
      { source: 'gitleaks', rule: 'other', positive: true, text, drawn: true }
    ],
    {},
    {},
    {},
    { 'gitleaks:routable': 'a drawn value fails the CRC' }
  )
  assert.equal(r.placeholders, 1)
  assert.deepEqual(
    r.examples.map((e) => e.positive),
    [false, true, true]
  )
  for (const why of Object.values(DRAWN_NOT_ISSUED)) assert.ok(why.length >= 40, why)
})

test("CredSweeper's samples: a report's lines are one positive, overlapping reports one, every other non-blank line a negative; binary samples are counted and left out", () => {
  const text = ['first line', '', 'password = one', '-----BEGIN X-----', 'body', '-----END X-----', 'last line'].join('\n')
  const output = JSON.stringify([
    { rule: 'Password', line_data_list: [{ path: './tests/samples/conf', line_num: 3 }] },
    { rule: 'PEM Private Key', line_data_list: [4, 5, 6].map((n) => ({ path: './tests/samples/conf', line_num: n })) },
    { rule: 'Key', line_data_list: [{ path: './tests/samples/conf', line_num: 5 }] }
  ])
  const got = credSweeperExamples(
    [
      { name: 'conf', bytes: Buffer.from(text) },
      { name: 'image.png', bytes: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1]) },
      { name: 'latin1', bytes: Buffer.from([0x70, 0xe9, 0x0a]) }
    ],
    output
  )
  assert.equal(got.binary, 2)
  assert.deepEqual(got.ruleIds, ['Key', 'PEM Private Key', 'Password'])
  assert.deepEqual(
    got.examples.map((e) => [e.positive, e.rule, e.text]),
    [
      [false, '(no report) conf', 'first line'],
      [true, 'Password', 'password = one'],
      [true, 'Key + PEM Private Key', '-----BEGIN X-----\nbody\n-----END X-----'],
      [false, '(no report) conf', 'last line']
    ]
  )
})
