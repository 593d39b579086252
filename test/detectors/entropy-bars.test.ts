// A rule's entropy bar must lie below the random values of its format, not inside their distribution:
// 40 random hex are under 3.0 1.6 times in a million and 32 random hex one time in 10,000, so a bar of
// 3.0 refused a real key now and then (rules-stability, LEAKWATCH_TEST_SEED=2221711010: a New Relic
// license key at 2.98). Rare draws are what this test writes on purpose: values of each format whose
// entropy falls between the bar and where it stood before, each a random key that a provider could issue.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { shannonEntropy } from '../../detectors/entropy.ts'
import { holdsPlaceholderRun, periodicValue, placeholderLike } from '../../detectors/gates.ts'
import type { Rng } from '../../detectors/gen.ts'
import { BUILTIN_RULES } from '../../detectors/rules/registry.ts'
import { lineFinds } from '../support/line-finds.ts'
import { seededRng } from '../support/seed.ts'

const rng = seededRng('entropy-bars')

// Each value is its own fingerprint: generated here, it never leaves the test.
const found = lineFinds('test/entropy-bars')

/**
 * `prefix` and `n` characters of `alphabet`, the whole value's entropy in [lo, hi): a few of the alphabet's
 * symbols, drawn with uneven weights, as a low draw of a random key has them. Redrawn until it lands in the range.
 */
function lowDraw(r: Rng, alphabet: string, n: number, lo: number, hi: number, prefix = ''): string {
  for (;;) {
    const k = 5 + r.int(5)
    const symbols: string[] = []
    while (symbols.length < k) {
      const c = alphabet[r.int(alphabet.length)] as string
      if (!symbols.includes(c)) symbols.push(c)
    }
    const weights = symbols.map(() => 1 + r.int(6))
    const total = weights.reduce((a, b) => a + b, 0)
    let v = ''
    for (let i = 0; i < n; i++) {
      let x = r.int(total)
      let j = 0
      while (x >= (weights[j] as number)) x -= weights[j++] as number
      v += symbols[j]
    }
    // A key mixes digits and letters: all of one (1 in 3 million 32-hex keys is all digits) reads as a number or a word.
    if (/^[0-9]+$/.test(v) || /^[A-Za-z]+$/.test(v)) continue
    // Nor a placeholder's run (xxxxxx, 123456…), which the gates refuse by design in any value.
    if (placeholderLike(prefix + v) || holdsPlaceholderRun(prefix + v)) continue
    const e = shannonEntropy(prefix + v)
    if (e >= lo && e < hi && !periodicValue(prefix + v)) return prefix + v
  }
}

const HEX = '0123456789abcdef'
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

test('keys whose entropy falls between the bar and 3.0 (or 2.5) are found by their rules', () => {
  const cases: Array<{ rule: string; line: (v: string) => string; value: () => string }> = [
    { rule: 'newrelic-license-key-hex', line: (v) => `NEW_RELIC_LICENSE_KEY=${v}`, value: () => lowDraw(rng, HEX, 40, 2.5, 3.0) },
    { rule: 'generic-hex-credential-assignment', line: (v) => `oauth_token: ${v}`, value: () => lowDraw(rng, HEX, 40, 2.5, 3.0) },
    { rule: 'sonarqube-legacy-token', line: (v) => `-Dsonar.login=${v}`, value: () => lowDraw(rng, HEX, 40, 2.5, 3.0) },
    {
      rule: 'mongodb-atlas-private-key',
      line: (v) => `ATLAS_PRIVATE_KEY=${v}`,
      value: () => {
        const h = lowDraw(rng, HEX, 32, 2.7, 3.0)
        return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
      }
    },
    { rule: 'generic-secret-assignment', line: (v) => `export PAYMENTS_API_KEY=${v}`, value: () => lowDraw(rng, HEX, 32, 2.5, 3.0) },
    { rule: 'sumologic-access-id', line: (v) => `export SUMO_ACCESS_ID=${v}`, value: () => lowDraw(rng, BASE62, 12, 2.2, 2.5, 'su') }
  ]
  for (const c of cases)
    for (let i = 0; i < 20; i++) {
      const v = c.value()
      const line = c.line(v)
      assert.ok(found(line).includes(`${c.rule} ${v}`), `${c.rule} missed ${line} (entropy ${shannonEntropy(v).toFixed(3)}): ${found(line).join('; ')}`)
    }
})

test('a repeated short run is refused below the bars: placeholders of every format that lowered its bar', () => {
  const repeat = (run: string, n: number): string => run.repeat(Math.ceil(n / run.length)).slice(0, n)
  for (const line of [
    `NEW_RELIC_LICENSE_KEY=${repeat('abcdef', 40)}`,
    `license_key: ${repeat('123456', 40)}`,
    `oauth_token: ${repeat('abc123', 40)}`,
    `-Dsonar.login=${repeat('abcdef', 40)}`,
    `ATLAS_PRIVATE_KEY=${repeat('abcd', 8)}-abcd-abcd-abcd-${repeat('abcd', 12)}`,
    `export PAYMENTS_API_KEY=${repeat('0123ab', 32)}`,
    `SUMO_ACCESS_ID=su${repeat('ABCD', 12)}`
  ])
    assert.deepEqual(found(line), [], line)
  // And random values of these formats are not runs: 20,000 of each length.
  for (const [alphabet, n] of [
    [HEX, 40],
    [HEX, 32],
    [BASE62, 12],
    [HEX, 12]
  ] as const)
    for (let i = 0; i < 20_000; i++) {
      let v = ''
      for (let j = 0; j < n; j++) v += alphabet[rng.int(alphabet.length)]
      assert.ok(!periodicValue(v), v)
    }
})

test('a run of one or two symbols stays under every bar', () => {
  for (const c of BUILTIN_RULES.filter((r) => r.minEntropy !== undefined)) {
    assert.ok(shannonEntropy('0'.repeat(40)) < (c.minEntropy as number), c.id)
    assert.ok(shannonEntropy('ab'.repeat(20)) < (c.minEntropy as number), c.id)
  }
})
