// url-credentials reads a password in the userinfo of a URL of any scheme, and leaves the schemes that have a
// rule of their own (database.ts, snowflake.ts) to that rule: in a URL-decoded view a percent-escaped password
// differs from the one on the line, and both rules reported it (cri shape file, seed 7246, line 18551).
// Passwords are drawn from a seeded generator.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import RE2 from 're2'
import { BUILTIN_RULES } from '../../detectors/rules/registry.ts'
import { OWNED_SCHEMES } from '../../detectors/rules/url.ts'
import { createSecretDetector } from '../../detectors/secrets.ts'
import { createFingerprinter } from '../../pipeline/fingerprint.ts'
import { stdinChunk } from '../support/log-chunk.ts'
import { seededGen } from '../support/seed.ts'

const gen = seededGen('url-schemes')

// One detector for the file: building one compiles every rule.
const detector = createSecretDetector({ rules: BUILTIN_RULES, fingerprinter: createFingerprinter(undefined), maxContextChars: 200 })
const detect = (lines: string[]) => detector.detect(stdinChunk(lines, 1))

test('every scheme a URL rule of its own reads is one url-credentials leaves to it', () => {
  const owned = new RE2(`^(?:${OWNED_SCHEMES})$`, 'i')
  const urlRules = BUILTIN_RULES.filter((r) => /^database-url-|^snowflake-url-/.test(r.id))
  assert.ok(urlRules.length >= 7, urlRules.map((r) => r.id).join(','))
  for (const r of urlRules) {
    // The schemes of `(?:a|b)://` or `(?i:a)://` in the rule's regex.
    const m = /\(\?(?:i)?:([a-z0-9+\\|]+)\):\/\//.exec(r.regex)
    assert.ok(m?.[1], `${r.id}: no scheme list in its regex`)
    for (const scheme of m[1].replaceAll('\\', '').split('|')) assert.ok(owned.test(scheme), `${r.id}: ${scheme} is not in OWNED_SCHEMES`)
  }
})

test('a password in a URL of a scheme no list names is found; of an owned scheme, once, by its own rule', () => {
  const a = `${gen.base62(10)}%1a${gen.digits(3)}`
  const b = `${gen.base62(12)}${gen.digits(3)}`
  const found = detect([
    `{"sqlalchemy.url":"snowflake://loader:${a}@acme-prod/raw"}`,
    `{"dsn":"postgres://app:${a}@db:5432/app"}`,
    `ffmpeg -i rtsp://admin:${b}@10.20.0.31:554/Streaming/Channels/101 cam1.mp4`,
    `mqtt connect mqtts://sensor-17:${b}@broker.iot:8883`
  ])
  const byLine = (n: number): string[] => found.filter((f) => f.location.line === n).map((f) => f.rule)
  assert.deepEqual(byLine(1), ['snowflake-url-password'], JSON.stringify(found))
  assert.deepEqual(byLine(2), ['database-url-postgres'], JSON.stringify(found))
  assert.deepEqual(byLine(3), ['url-credentials'])
  assert.deepEqual(byLine(4), ['url-credentials'])
})
