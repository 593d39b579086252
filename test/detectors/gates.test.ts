// The value gates, one at a time: what a generic rule must refuse (stopwords,
// templates, typed sequences, names, base64 of any of those, JWTs, the start of
// a known format) and what it must still report (random values of every
// length, whatever letters they happen to hold). Random values come from a
// seeded generator; a failure prints the seed and the value.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { decodedText, formatPrefixes, genericPlausible, jwtLike, madeUpValue, placeholderLike, plausibleSecret, valuePlausible } from '../../detectors/gates.ts'
import { createRng } from '../../detectors/gen.ts'
import type { Rule } from '../../detectors/rule.ts'

const SEED = 20261206
const B62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

function rule(over: Partial<Rule>): Rule {
  return {
    id: 'test-rule',
    title: 'Test rule',
    severity: 'high',
    kind: 'generic',
    regex: 'x',
    keywords: ['x'],
    examples: { positives: () => [], negatives: [] },
    ...over
  }
}

/** Random base62 values with a digit, as generic rules see them: every one must pass. */
function randomValues(seed: number, n: number, length: number): string[] {
  const rng = createRng(seed)
  const out: string[] = []
  while (out.length < n) {
    const v = rng.chars(B62, length)
    if (/\d/.test(v)) out.push(v)
  }
  return out
}

test('template references in every dialect are placeholders', () => {
  for (const v of [
    '${DB_PASSWORD}',
    '${DB_PASSWORD:-changeme}',
    '$DB_PASSWORD',
    '{{ .Values.db.password }}',
    '[[ .password ]]',
    '%(password)s',
    '<your-password>',
    '(hidden)',
    '(sensitive value)',
    '(not set)',
    '[REDACTED]',
    '$(cat /run/secrets/db)',
    '#{db_password}',
    '%DB_PASSWORD%',
    '__DB_PASSWORD__',
    '@@DB_PASSWORD@@',
    'process.env.DB_PASSWORD',
    'os.environ["DB_PASSWORD"]',
    'ENV["DB_PASSWORD"]',
    'ENV.fetch("DB_PASSWORD")',
    'xxxx-xxxx',
    'XXXXXXXX1234',
    'sk_live_xxxxxxxxxxxx'
  ])
    assert.equal(placeholderLike(v), true, v)
})

test('random values are not placeholders, nor are values that merely start with env', () => {
  for (const v of randomValues(SEED, 500, 24)) assert.equal(placeholderLike(v), false, `seed ${SEED}: ${v}`)
  assert.equal(placeholderLike('env["x"]q8Rt'), false, 'ENV is matched in upper case only')
  assert.equal(placeholderLike('xXxX9kQ2mT'), false, 'random base64 holds xXxX')
  // Four x at the start of a random key (one in 10 million; the Azure identifiable-key rules met it in CI sweeps).
  for (const v of randomValues(SEED + 7, 20, 40)) assert.equal(placeholderLike(`XXXX${v}`), false, `seed ${SEED + 7}: XXXX${v}`)
})

test('a random key that happens to start with ( and end with ) is no placeholder', () => {
  // Django's secret-key alphabet holds both: one key in about 3,000 is wrapped in them (LEAKWATCH_TEST_SEED=3135685249).
  const rng = createRng(SEED + 11)
  for (let i = 0; i < 500; i++) {
    const v = `(${rng.chars('abcdefghijklmnopqrstuvwxyz0123456789!@#$%^&*(-_=+)', 48)})`
    assert.equal(placeholderLike(v), false, `seed ${SEED + 11}: ${v}`)
  }
  assert.equal(placeholderLike('(j+f1_^crq=*9!w6b=0ahd7wbz9a7fa&9z5a@@sa@las+9fit)'), false)
})

test('stopwords, typed sequences, short words and names are not plausible values', () => {
  for (const v of [
    'changeme',
    'TRUE',
    'n/a',
    '*****',
    'replace-me',
    'Set_Me',
    'xxx',
    '---',
    'abc1234567',
    'qwerty!23',
    'MyDummyValue9',
    'fake_secret_9',
    'YOUR_KEY_1',
    'hunterhunter',
    'payments-db-credentials-v2',
    'var.db_password'
  ])
    assert.equal(valuePlausible(v), false, v)
})

test('random values are plausible whatever words they happen to hold', () => {
  for (const v of randomValues(SEED + 1, 2000, 20)) assert.equal(valuePlausible(v), true, `seed ${SEED + 1}: ${v}`)
  // A sequence word in mixed case, or a short word inside a camelCase run, is as likely in random text.
  assert.equal(valuePlausible('k9dUmMy7Qz3Lp0Rt'), true)
  assert.equal(valuePlausible('Q7oFakeK2pLm9w'), true)
  // Twenty letters or more without a digit are judged by shape, not refused as a word.
  const rng = createRng(SEED + 2)
  for (let i = 0; i < 200; i++) {
    const v = rng.chars(LETTERS, 24)
    assert.equal(valuePlausible(v), true, `seed ${SEED + 2}: ${v}`)
  }
})

test('decodedText reads short canonical base64 to printable text only', () => {
  const b64 = (s: string): string => Buffer.from(s).toString('base64')
  assert.equal(decodedText(b64('changeme')), 'changeme')
  assert.equal(decodedText(b64('${DB_PASSWORD}')), '${DB_PASSWORD}')
  assert.equal(decodedText(b64('changeme').replace(/=+$/, '')), undefined, 'unpadded is not canonical')
  assert.equal(decodedText(Buffer.from([0, 1, 2, 200, 201, 202]).toString('base64')), undefined, 'binary')
  assert.equal(decodedText(b64('a'.repeat(60))), undefined, 'longer than 64 characters')
  assert.equal(decodedText('not base64!'), undefined)
})

test('jwtLike knows a JWT by its decoded header, not its first letters', () => {
  const rng = createRng(SEED + 3)
  const header = Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url')
  const body = rng.chars(B62, 40)
  assert.equal(jwtLike(`${header}.${body}.${rng.chars(B62, 43)}`), true)
  assert.equal(jwtLike(header), true, 'the header alone')
  assert.equal(jwtLike(`eyJ${body}`), false, `seed ${SEED + 3}: ${body}`)
  assert.equal(jwtLike(body), false)
})

test('genericPlausible refuses base64-wrapped placeholders, JWTs and the start of a known format', () => {
  const b64 = (s: string): string => Buffer.from(s).toString('base64')
  const prefixes = ['ghp_', 'GHP_']
  const [v = ''] = randomValues(SEED + 4, 1, 30)
  assert.equal(genericPlausible(v, prefixes), true, `seed ${SEED + 4}: ${v}`)
  assert.equal(genericPlausible(b64('changeme'), prefixes), false)
  assert.equal(genericPlausible(b64('${DB_PASSWORD}'), prefixes), false)
  assert.equal(genericPlausible(`${Buffer.from('{"alg":"none"}').toString('base64url')}.${v}`, prefixes), false)
  assert.equal(genericPlausible(`ghp_${v}`, prefixes), false)
  assert.equal(genericPlausible(`GHP_${v}`, prefixes), false)
  assert.equal(genericPlausible(`Ghp_${v}`, prefixes), true, 'a prefix in another case is not deferred')
})

test('formatPrefixes: the format rules’ distinctive keywords, in lower and upper case', () => {
  const rules = [
    rule({ kind: 'pattern', keywords: ['ghp_', 'akia', 'sk', 'eyj', '-----begin'] }),
    rule({ kind: 'pattern', keywords: ['xoxb-', 'ghp_'] }),
    rule({ kind: 'generic', keywords: ['password'] })
  ]
  assert.deepEqual(formatPrefixes(rules), ['ghp_', 'GHP_', 'akia', 'AKIA', 'xoxb-', 'XOXB-'])
})

test('plausibleSecret applies the rule’s entropy bar and its own check', () => {
  const [v = ''] = randomValues(SEED + 5, 1, 32)
  assert.equal(plausibleSecret(rule({ minEntropy: 3 }), v, []), true, `seed ${SEED + 5}: ${v}`)
  assert.equal(plausibleSecret(rule({ minEntropy: 3 }), 'aaaabbbb12', []), false)
  assert.equal(plausibleSecret(rule({ validate: () => false }), v, []), false)
  assert.equal(plausibleSecret(rule({ validate: (s) => s === v }), v, []), true)
  assert.equal(plausibleSecret(rule({}), '${TOKEN}', []), false)
})

test('plausibleSecret holds format values to references, unless they start with the format’s own prefix', () => {
  const pattern = rule({ kind: 'pattern', keywords: ['secret'] })
  assert.equal(plausibleSecret(pattern, 'vault.secret.db_password', []), false)
  assert.equal(plausibleSecret(pattern, 'secret/data/db_password', []), true)
  // Format values are not held to the generic shapes: a word is a valid value of a format.
  assert.equal(plausibleSecret(rule({ kind: 'pattern' }), 'hunterhunter', []), true)
  assert.equal(plausibleSecret(rule({ kind: 'generic' }), 'hunterhunter', []), false)
})

test('a trailing ellipsis is a value cut short, unless the format’s alphabet holds dots (dotsAreData)', () => {
  const [v = ''] = randomValues(SEED + 6, 1, 32)
  // Docs and CLIs print `ops_eyJzaWdu...`: what is shown is not the secret.
  assert.equal(plausibleSecret(rule({ kind: 'pattern' }), `${v}...`, []), false)
  assert.equal(plausibleSecret(rule({ kind: 'pattern' }), `${v}…`, []), false)
  // An Entra ID client secret ends in "..." once in 300,000: three random characters of its alphabet.
  assert.equal(plausibleSecret(rule({ kind: 'pattern', dotsAreData: true }), `${v}...`, []), true, `seed ${SEED + 6}: ${v}`)
})

test('madeUpValue: stopwords and typed runs are made up; words people pick and random letters are not', () => {
  for (const v of ['changeme', 'REDACTED', 'qwertyuiop', 'abcdefghij', 'Placeholder', 'xxxxxxxx']) assert.ok(madeUpValue(v), v)
  for (const v of ['whiteduke', 'goodspec', 'centipede']) assert.equal(madeUpValue(v), false, v)
  const r = createRng(SEED)
  // Random letters hold a keyboard or alphabet run of six or seven about once in 10^8: none in 2,000.
  for (let i = 0; i < 2000; i++) {
    const v = r.chars(LETTERS, 12)
    assert.equal(madeUpValue(v), false, `seed ${SEED}: ${v}`)
  }
})
