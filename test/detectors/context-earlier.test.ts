// A value found in one chunk must not show in a later chunk's contexts,
// where no rule sees it (bare, or copied into a message): chunks are 4,096
// lines or a 1 MiB window of a long line, and the fuzz harness (seed
// 20261211, mask-scan case 2540) met a value found in one window shown
// whole in the context of a finding in another. The detector remembers the
// most recent values it found and masks them in every later context.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { BUILTIN_RULES } from '../../detectors/rules/registry.ts'
import { createSecretDetector } from '../../detectors/secrets.ts'
import { createFingerprinter } from '../../pipeline/fingerprint.ts'
import { stdinChunk } from '../support/log-chunk.ts'
import { seededGen } from '../support/seed.ts'

const gen = seededGen('context-earlier')

const chunk = (lines: string[], startLine: number) => stdinChunk(lines, startLine)

test('a value found in an earlier chunk is masked in a later chunk’s contexts', () => {
  const detector = createSecretDetector({ rules: BUILTIN_RULES, fingerprinter: createFingerprinter(undefined), maxContextChars: 400 })
  for (let i = 0; i < 20; i++) {
    const bare = gen.base62(32)
    const b = gen.githubToken('ghp_')
    const first = detector.detect(chunk([`client_secret: ${bare}`], 1 + i * 10_000))
    assert.equal(first.length, 1, 'the value is found in the first chunk')
    // The later chunk: the same value where no rule reads it as a secret (no name, in a message).
    const later = detector.detect(chunk([`GH=${b} copied from ${bare} by the deploy job`], 5_000 + i * 10_000))
    assert.ok(later.length >= 1, 'the new token is found')
    for (const f of later) {
      assert.ok(!f.context.includes(bare), `context shows the earlier value: ${f.rule}`)
    }
  }
})

test('the remembered values are bounded: the oldest are forgotten first', () => {
  const detector = createSecretDetector({ rules: BUILTIN_RULES, fingerprinter: createFingerprinter(undefined), maxContextChars: 400 })
  // A chosen password: contexts mask random-looking runs whether found or not (secret-shape.ts), so only a
  // value of another shape shows whether the memory forgets.
  const oldest = gen.password()
  assert.equal(detector.detect(chunk([`DB_PASSWORD=${oldest}`], 1)).length, 1, 'the password is found')
  // 1,024 newer values push the oldest out; memory does not grow with the stream.
  let newest = ''
  for (let i = 0; i < 1024; i++) {
    newest = gen.base62(32)
    detector.detect(chunk([`client_secret: ${newest}`], 2 + i))
  }
  const b = gen.githubToken('ghp_')
  const [f] = detector.detect(chunk([`GH=${b} after ${oldest} and ${newest}`], 5_000))
  assert.ok(f !== undefined)
  assert.ok(!f.context.includes(newest), 'the newest value is remembered')
  assert.ok(f.context.includes(oldest), 'forgotten after 1,024 newer values')
})
