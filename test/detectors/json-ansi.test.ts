// Escaped ANSI sequences in a JSON string: Docker's json-file driver and JSON loggers write coloured output with
// the ESC escaped (`{"log":"\u001b[32mINFO\u001b[0m …"}`). The framing takes a raw ESC sequence off a plain
// line; in a JSON string the JSON view must do the same, or the sequence's final letter glues onto the value
// after it (`…[94mghp_…`, CredSweeper's coloured Square sample) and no rule reads it. What the view must do:
// decode each sequence to nothing, map every other character back to its column, and let a finding point at
// the value in the line even when a sequence follows it. Tokens are drawn from a seeded generator.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { decodeViews } from '../../detectors/decode.ts'
import { BUILTIN_RULES } from '../../detectors/rules/registry.ts'
import { createSecretDetector } from '../../detectors/secrets.ts'
import { createFingerprinter } from '../../pipeline/fingerprint.ts'
import { stdinChunk } from '../support/log-chunk.ts'
import { replayCommand, seededGen } from '../support/seed.ts'

const gen = seededGen('json-ansi')
const detector = createSecretDetector({ rules: BUILTIN_RULES, fingerprinter: createFingerprinter(undefined), maxContextChars: 200 })

test('the JSON view decodes an escaped CSI sequence to nothing and maps the characters around it to their columns', () => {
  const line = '{"log":"\\u001b[32;1mINFO\\u001b[0m ready \\u001B[38;5;208mx\\u001b[m"}'
  const json = decodeViews(line, []).find((v) => v.via === 'json')
  assert.equal(json?.text, '{"log":"INFO ready x"}')
  assert.equal(json?.src?.[json.text.indexOf('I')], line.indexOf('INFO'))
  assert.equal(json?.src?.[json.text.indexOf('x')], line.indexOf('mx') + 1)
  // An ESC that starts no CSI sequence is a character of its own, as before.
  assert.equal(decodeViews('{"a":"\\u001bZ"}', []).find((v) => v.via === 'json')?.text, '{"a":"\u001bZ"}')
  // A sequence that never ends within its bound is not one: nothing after the ESC is dropped.
  assert.equal(decodeViews(`{"a":"\\u001b[${'1;'.repeat(20)}m"}`, []).find((v) => v.via === 'json')?.text, `{"a":"\u001b[${'1;'.repeat(20)}m"}`)
})

test('a token coloured in a JSON log line is found and pointed at in the line, masked in its context', () => {
  const token = gen.githubToken('ghp_')
  for (const line of [
    `{"log":"\\u001b[94m${token}\\u001b[0m\\n","stream":"stdout","time":"2026-12-07T10:00:00Z"}`,
    `{"level":"info","msg":"token: \\u001b[1m${token}\\u001b[22m loaded"}`
  ]) {
    const findings = detector.detect(stdinChunk([line], 1))
    const f = findings.find((x) => x.rule === 'github-pat-classic')
    assert.ok(f, `${line.slice(0, 60)}; ${replayCommand()}`)
    assert.equal(line.slice(f.location.column - 1, (f.location.endColumn ?? 0) - 1), token, replayCommand())
    assert.ok(!JSON.stringify(findings).includes(token), `the token leaked into a finding; ${replayCommand()}`)
  }
})
