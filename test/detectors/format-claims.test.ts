// A generic rule leaves a value to a format rule when the value is that format's (gates.ts FormatClaim):
// it starts with a provider's prefix (ghp_, xoxe.), or the format's pattern matches it. It does not
// leave it on the first letters alone: format rules' keywords include names (apim, qase, redis), and a
// random secret starting with one was dropped (one random base62 value in 170,000; CI-seed flakes of
// context-earlier.test.ts and rules-stability.test.ts). Nor do the words of gates and allowlists count
// as a random value's first or last letters (nONeSNvD…, Harbor4719%YOUR).

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { formatPrefixes, valuePlausible } from '../../detectors/gates.ts'
import { BUILTIN_RULES } from '../../detectors/rules/registry.ts'
import { createSecretDetector } from '../../detectors/secrets.ts'
import type { LogChunk } from '../../pipeline/events.ts'
import type { Fingerprinter } from '../../pipeline/fingerprint.ts'
import { seededGen } from '../support/seed.ts'

const gen = seededGen('format-claims')
// The value itself as its fingerprint: generated values, compared here and never printed but on failure.
const fingerprinter: Fingerprinter = { of: (v) => v, ephemeral: false }
const detector = createSecretDetector({ rules: BUILTIN_RULES, fingerprinter, maxContextChars: 80 })
const found = (line: string): Array<[string, string]> => {
  const chunk: LogChunk = {
    v: '1',
    type: 'log-chunk',
    stream: 'test/format-claims',
    source: { type: 'stdin' },
    startLine: 1,
    offset: { start: 0, end: 0 },
    lines: [line],
    collectedAt: new Date(0).toISOString()
  }
  return detector.detect(chunk).map((f) => [f.rule, f.fingerprint])
}

test('a random value that starts with a format rule’s keyword of letters and digits is still found', () => {
  // Not a keyword of one character repeated (twitter-bearer-token's 21 A's): half the value one letter is under the
  // generic rules' entropy bar by construction, whatever follows it.
  const plain = formatPrefixes(BUILTIN_RULES).filter((p) => /^[A-Za-z0-9]+$/.test(p) && new Set(p.toLowerCase()).size > 1)
  assert.ok(plain.length > 100, `${plain.length} prefixes`)
  const missed: string[] = []
  for (const p of plain) {
    // A digit inside: a run without one (1.7% of them) reads as a name about one time in 10,000 (words.ts), not this test's business.
    const value = `${p}${gen.base62(12)}${gen.digits(1)}${gen.base62(11)}`
    if (!found(`client_secret: ${value}`).some(([, fp]) => fp === value)) missed.push(value)
  }
  assert.deepEqual(missed, [])
})

test('a value in a provider’s prefix or shape stays the format rule’s to judge', () => {
  // Slack's rule refuses the placeholder; a GitHub token whose checksum fails is the GitHub rules' finding, not a generic one.
  assert.deepEqual(found('export SLACK_CONFIG_TOKEN=xoxe.xoxp-1-REPLACE_ME'), [])
  const ghp = `ghp_${gen.base62(36)}`
  assert.deepEqual(found(`client_secret: ${ghp}`), [['github-token-unchecked', ghp]])
  const akia = `AKIA${gen.chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16)}`
  assert.deepEqual(found(`client_secret: ${akia}`), [['aws-access-key-id', akia]])
})

test('null, none, true and false refuse a password only as a word of their own', () => {
  for (const w of ['null', 'NONE', 'None', 'true', 'False']) {
    const pw = `${w}${gen.base62(8)}${gen.digits(1)}${gen.base62(7)}`
    assert.deepEqual(found(`DB_PASSWORD=${pw}`), [['generic-password-assignment', pw]])
    assert.deepEqual(found(`DB_PASSWORD=${w}|${gen.base62(12)}`), [])
  }
})

test('your and fake mark a placeholder before a separator, not as a password’s last letters', () => {
  for (const v of ['YOUR_KEY_1', 'your-token-here', 'fake_secret_9', 'Fake.secret.9']) assert.equal(valuePlausible(v), false, v)
  for (const v of ['Harbor4719%YOUR', 'Quartz1234+fake', 'Nimbus5678#Your']) assert.equal(valuePlausible(v), true, v)
  assert.deepEqual(found('DB_PASSWORD=Harbor4719%YOUR'), [['generic-password-assignment', 'Harbor4719%YOUR']])
})
