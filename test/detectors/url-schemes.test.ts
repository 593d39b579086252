// url-credentials reads a password in the userinfo of a URL of any scheme; a URL with a rule of its own
// (database.ts, snowflake.ts) is that rule's finding alone, also when its password holds a lower-case percent
// escape that the URL-decoded view reads again (cri shape file, seed 7246, line 18551: both rules reported it).
// Passwords are drawn from a seeded generator.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { BUILTIN_RULES } from '../../detectors/rules/registry.ts'
import { createSecretDetector } from '../../detectors/secrets.ts'
import { createFingerprinter } from '../../pipeline/fingerprint.ts'
import { stdinChunk } from '../support/log-chunk.ts'
import { seededGen } from '../support/seed.ts'

const gen = seededGen('url-schemes')

// One detector for the file: building one compiles every rule.
const detector = createSecretDetector({ rules: BUILTIN_RULES, fingerprinter: createFingerprinter(undefined), maxContextChars: 200 })
const detect = (lines: string[]) => detector.detect(stdinChunk(lines, 1))

test('a password in a URL of a scheme no list names is found; of a scheme with a rule of its own, once, by that rule', () => {
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
