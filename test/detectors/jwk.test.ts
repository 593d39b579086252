// A private JSON Web Key in a log: on one line in any member order, inside a JSON string, or pretty-printed over
// lines (`cat key.jwk` in a CI step, a config printed at start-up), where the `d` or `k` member sits lines away
// from `kty`. What the rule must do: find the member on the line or among the same object's member lines before
// or after `kty`, point at it, mask it; and find nothing in public keys or where the lines between are not the
// object's. Key material is drawn from a seeded generator.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ALPHABETS } from '../../detectors/gen.ts'
import { BUILTIN_RULES } from '../../detectors/rules/registry.ts'
import { createSecretDetector } from '../../detectors/secrets.ts'
import { createFingerprinter } from '../../pipeline/fingerprint.ts'
import { stdinChunk } from '../support/log-chunk.ts'
import { replayCommand, seededGen } from '../support/seed.ts'

const gen = seededGen('jwk')
const detector = createSecretDetector({ rules: BUILTIN_RULES, fingerprinter: createFingerprinter(undefined), maxContextChars: 200 })
const b64u = (n: number): string => gen.chars(ALPHABETS.base64url, n)

function jwkFindings(lines: string[]) {
  const findings = detector.detect(stdinChunk(lines, 1))
  for (const secretLike of lines.join('\n').match(/[A-Za-z0-9_-]{40,}/g) ?? [])
    assert.ok(!JSON.stringify(findings).includes(secretLike), `a value leaked into a finding; ${replayCommand()}`)
  return findings.filter((f) => f.rule === 'jwk-private-key')
}

test('a pretty-printed private JWK is found on its d line, kty first or last, members between', () => {
  const d = b64u(43)
  const shapes = [
    ['{', '  "kty": "EC",', '  "crv": "P-256",', `  "x": "${b64u(43)}",`, `  "y": "${b64u(43)}",`, `  "d": "${d}"`, '}'],
    // Node's KeyObject.export order, kty last.
    ['{', '  "crv": "P-256",', `  "d": "${d}",`, `  "x": "${b64u(43)}",`, `  "y": "${b64u(43)}",`, '  "kty": "EC"', '}'],
    [
      '2026-12-07T10:00:01.0000000Z {',
      '2026-12-07T10:00:01.0000000Z   "kty": "EC",',
      '2026-12-07T10:00:01.0000000Z   "use": null,',
      `2026-12-07T10:00:01.0000000Z   "d": "${d}"`
    ]
  ]
  for (const lines of shapes) {
    const found = jwkFindings(lines)
    assert.equal(found.length, 1, `${lines[1]}; ${replayCommand()}`)
    const f = found[0]
    assert.ok(f !== undefined)
    const line = lines[f.location.line - 1] ?? ''
    assert.equal(line.slice(f.location.column - 1, (f.location.endColumn ?? 0) - 1), d, replayCommand())
  }
})

test('a public key, or a d that is not the same object’s member, is no finding', () => {
  const publicKey = ['{', '  "kty": "RSA",', `  "n": "${b64u(342)}",`, '  "e": "AQAB"', '}']
  assert.deepEqual(jwkFindings(publicKey), [])
  // A log line between `kty` and a later `d`: two different things.
  const apart = ['  "kty": "EC",', 'INFO request served in 12 ms', `  "d": "${b64u(43)}"`]
  assert.deepEqual(jwkFindings(apart), [], replayCommand())
  // A closed object ends the search: the next object's d is not this key's.
  const next = ['{"kty": "EC", "x": "abc"}', '{', `  "d": "${b64u(43)}"`, '}']
  assert.deepEqual(jwkFindings(next), [], replayCommand())
})
