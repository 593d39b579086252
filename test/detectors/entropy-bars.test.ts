// A rule's entropy bar must lie below the random values of its format, not inside their distribution:
// 40 random hex are under 3.0 1.6 times in a million and 32 random hex one time in 10,000, so a bar of
// 3.0 refused a real key now and then (rules-stability, LEAKWATCH_TEST_SEED=2221711010: a New Relic
// license key at 2.98). Rare draws are what this test writes on purpose: values of each format whose
// entropy falls between the bar and where it stood before, each a random key that a provider could issue.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { shannonEntropy } from '../../detectors/entropy.ts'
import type { Rng } from '../../detectors/gen.ts'
import { BUILTIN_RULES } from '../../detectors/rules/registry.ts'
import { createSecretDetector } from '../../detectors/secrets.ts'
import type { LogChunk } from '../../pipeline/events.ts'
import type { Fingerprinter } from '../../pipeline/fingerprint.ts'
import { seededRng } from '../support/seed.ts'

const rng = seededRng('entropy-bars')
// Each value is its own fingerprint: generated here, it never leaves the test.
const fingerprinter: Fingerprinter = { of: (v) => v, ephemeral: false }

function found(line: string): string[] {
  const d = createSecretDetector({ rules: BUILTIN_RULES, fingerprinter, maxContextChars: 80 })
  const chunk: LogChunk = {
    v: '1',
    type: 'log-chunk',
    stream: 'test/entropy-bars',
    source: { type: 'stdin' },
    startLine: 1,
    offset: { start: 0, end: 0 },
    lines: [line],
    collectedAt: '2026-01-05T00:00:00.000Z'
  }
  return d.detect(chunk).map((f) => `${f.rule} ${f.fingerprint}`)
}

/**
 * `n` characters of `alphabet` whose entropy lies in [lo, hi): a few of its symbols, drawn with uneven
 * weights, as a low draw of a random key has them. Redrawn until it lands in the range.
 */
function lowDraw(r: Rng, alphabet: string, n: number, lo: number, hi: number): string {
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
    const e = shannonEntropy(v)
    if (e >= lo && e < hi) return v
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
    { rule: 'sumologic-access-id', line: (v) => `export SUMO_ACCESS_ID=${v}`, value: () => `su${lowDraw(rng, BASE62, 12, 2.2, 2.5)}` }
  ]
  for (const c of cases)
    for (let i = 0; i < 20; i++) {
      const v = c.value()
      const line = c.line(v)
      assert.ok(found(line).includes(`${c.rule} ${v}`), `${c.rule} missed ${line} (entropy ${shannonEntropy(v).toFixed(3)}): ${found(line).join('; ')}`)
    }
})

test('a run of one or two symbols stays under every bar', () => {
  for (const c of BUILTIN_RULES.filter((r) => r.minEntropy !== undefined)) {
    assert.ok(shannonEntropy('0'.repeat(40)) < (c.minEntropy as number), c.id)
    assert.ok(shannonEntropy('ab'.repeat(20)) < (c.minEntropy as number), c.id)
  }
})
