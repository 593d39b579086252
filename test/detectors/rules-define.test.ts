// The rule builders of detectors/rules/define.ts: a format's regex and its
// generated values agree, and tokenRule fills in the defaults every rule file
// relies on (boundaries, keyword, examples drawn per line).

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { Gen } from '../../detectors/gen.ts'
import { createGen } from '../../detectors/gen.ts'
import {
  BASE62,
  BASE64URL,
  charset,
  checksummed,
  DIGITS,
  drawnBy,
  type Format,
  format,
  HEX,
  re,
  secretsIn,
  tokenRule,
  UUID
} from '../../detectors/rules/define.ts'
import { END, END_DASH, START } from '../../detectors/rules/patterns.ts'

/** A Gen drawing from a seeded PRNG: a failing draw is reproduced from its seed. */
const seededGen = (seed: number): Gen => createGen(seed)

describe('charset', () => {
  test('exact, single, open and bounded runs', () => {
    const cs = charset('a-z', 'abc')
    assert.equal(cs(12).regex, '[a-z]{12}')
    assert.equal(cs(1).regex, '[a-z]')
    assert.equal(cs.atLeast(20, 30).regex, '[a-z]{20,}')
    assert.equal(cs.between(4, 8, 6).regex, '[a-z]{4,8}')
  })

  test('draws the stated length from its alphabet', () => {
    const seed = 7
    const g = seededGen(seed)
    assert.match(charset('a-z', 'abc')(12).make(g), /^[abc]{12}$/, `seed ${seed}`)
    assert.equal(BASE62.atLeast(20, 33).make(g).length, 33, `seed ${seed}`)
    assert.equal(BASE62.between(4, 8, 6).make(g).length, 6, `seed ${seed}`)
  })

  test("a class ending in '-' admits a dash", () => {
    assert.equal(BASE64URL(10).dash, true)
    assert.equal(BASE62(10).dash, false)
  })
})

describe('format', () => {
  test('escapes literal text in the regex and writes it as is in values', () => {
    const f = format('SG.', BASE64URL(22), '.', BASE64URL(43))
    assert.equal(f.regex, 'SG\\.[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{43}')
    assert.match(f.make(seededGen(1)), /^SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/)
  })

  test('its prefix is the literal text before the first run', () => {
    assert.equal(format('lsv2_pt_', HEX(32), '_', HEX(10)).prefix, 'lsv2_pt_')
    assert.equal(format(HEX(32), '-us', DIGITS(1)).prefix, '')
    assert.equal(format('pypi-', re('(?:a|b)'), BASE62(3)).prefix, 'pypi-')
  })

  test('may hold a dash when any run does', () => {
    assert.equal(format('x_', HEX(4), '_', BASE64URL(4)).dash, true)
    assert.equal(format('x-', HEX(4)).dash, false, 'a literal dash is not a run that may end the value in one')
    assert.equal(re('[A-Za-z0-9_-]{90,}').dash, true)
  })

  test('every generated value matches the whole regex', () => {
    const formats: Format[] = [
      format('sk-ant-api03-', BASE64URL(93), 'AA'),
      format('ntn_', DIGITS(11), BASE62(35)),
      format('v1.0-', HEX(24), '-', HEX(146)),
      format(DIGITS.between(8, 10, 10), ':AA', BASE64URL(33)),
      format('pcsk_', BASE62.between(4, 8, 6), '_', BASE62.atLeast(50, 63)),
      UUID
    ]
    for (let seed = 1; seed <= 200; seed++) {
      const g = seededGen(seed)
      for (const f of formats) {
        const v = f.make(g)
        assert.match(v, new RegExp(`^(?:${f.regex})$`), `seed ${seed}: ${v}`)
      }
    }
  })

  test('checksummed appends the checksum of the drawn body', () => {
    const f = checksummed(format('ck_', HEX(8)), '_[0-9]{2}', (body) => `_${String(body.length).padStart(2, '0')}`)
    assert.equal(f.regex, 'ck_[a-f0-9]{8}_[0-9]{2}')
    assert.match(f.make(seededGen(3)), /^ck_[a-f0-9]{8}_11$/)
  })

  test('drawnBy keeps the regex and swaps the generator', () => {
    const f = drawnBy(format('gh_', BASE62(6)), () => 'gh_abcdef')
    assert.equal(f.regex, 'gh_[A-Za-z0-9]{6}')
    assert.equal(f.make(seededGen(1)), 'gh_abcdef')
  })
})

describe('secretsIn', () => {
  test('draws one secret per line, in line order', () => {
    let n = 0
    const examples = secretsIn(() => `s${++n}`, [(s) => `A=${s}`, (s) => `b: ${s}`])(seededGen(1))
    assert.deepEqual(examples, [
      { line: 'A=s1', secret: 's1' },
      { line: 'b: s2', secret: 's2' }
    ])
  })
})

describe('tokenRule', () => {
  const base = { id: 'acme-key', title: 'Acme key', severity: 'high' as const, negatives: ['ACME=ak_...'] }

  test('defaults: START, END or END_DASH by the token, keyword from the prefix, a pattern rule', () => {
    const plain = tokenRule({ ...base, token: format('AK_', BASE62(20)), lines: [(s) => `ACME=${s}`] })
    assert.equal(plain.regex, `${START}(AK_[A-Za-z0-9]{20})${END}`)
    assert.deepEqual(plain.keywords, ['ak_'])
    assert.equal(plain.kind, 'pattern')
    const dashed = tokenRule({ ...base, token: format('ak-', BASE64URL(20)), lines: [(s) => `ACME=${s}`] })
    assert.equal(dashed.regex, `${START}(ak-[A-Za-z0-9_-]{20})${END_DASH}`)
  })

  test('before, after and regex replace the boundaries; keywords replace the default', () => {
    const bounded = tokenRule({ ...base, token: format('ak_', HEX(8)), before: '<', after: '>', keywords: ['acme'], lines: [(s) => s] })
    assert.equal(bounded.regex, '<(ak_[a-f0-9]{8})>')
    assert.deepEqual(bounded.keywords, ['acme'])
    const named = tokenRule({ ...base, token: HEX(8), regex: (t) => `acme=(${t})`, keywords: ['acme'], lines: [(s) => s] })
    assert.equal(named.regex, 'acme=([a-f0-9]{8})')
  })

  test('optional fields are absent unless given', () => {
    const r = tokenRule({ ...base, token: format('ak_', HEX(8)), lines: [(s) => s] })
    for (const k of ['minEntropy', 'validate', 'allow', 'follows', 'tags', 'fallback', 'secretGroup']) assert.ok(!(k in r), k)
    const gated = tokenRule({ ...base, token: format('ak_', HEX(8)), minEntropy: 2.5, lines: [(s) => s] })
    assert.equal(gated.minEntropy, 2.5)
  })

  test('positives are drawn from the token, one per line; or given whole', () => {
    const seed = 11
    const r = tokenRule({ ...base, token: format('ak_', HEX(8)), lines: [(s) => `ACME=${s}`, (s) => `--key ${s}`] })
    const [a, b] = r.examples.positives(seededGen(seed))
    assert.match(a?.line ?? '', /^ACME=ak_[a-f0-9]{8}$/, `seed ${seed}`)
    assert.equal(a?.line, `ACME=${a?.secret}`)
    assert.equal(b?.line, `--key ${b?.secret}`)
    const given = tokenRule({ ...base, token: format('ak_', HEX(8)), positives: () => [{ line: 'x', secret: 'y' }] })
    assert.deepEqual(given.examples.positives(seededGen(seed)), [{ line: 'x', secret: 'y' }])
    assert.deepEqual(given.examples.negatives, base.negatives)
  })

  test('a token without a literal prefix must name its keywords, and a rule needs positives', () => {
    assert.throws(() => tokenRule({ ...base, token: HEX(32), lines: [(s) => s] }), /needs keywords/)
    assert.throws(() => tokenRule({ ...base, token: format('ak_', HEX(8)) }), /lines or positives/)
  })
})
