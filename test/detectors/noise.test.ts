// Hard negatives (test/support/noise.ts): 100,000+ lines of digests, ids,
// encoded payloads, public keys, masked values, placeholders and talk about
// secrets, in every record shape. Every built-in rule runs over them and none
// may report anything: each finding here is a false positive a user would see.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { BUILTIN_RULES } from '../../detectors/rules/registry.ts'
import { createSecretDetector } from '../../detectors/secrets.ts'
import type { Finding } from '../../pipeline/events.ts'
import { createFingerprinter } from '../../pipeline/fingerprint.ts'
import { stdinChunk } from '../support/log-chunk.ts'
import { NOISE_KINDS, noiseLines, noiseRecords } from '../support/noise.ts'

const LINES = 100_000
const SEED = 20261124
const CHUNK_LINES = 250

const detector = createSecretDetector({ rules: BUILTIN_RULES, fingerprinter: createFingerprinter('n'.repeat(32)), maxContextChars: 200 })

const chunk = (lines: string[], startLine: number) => stdinChunk(lines, startLine, 'test/noise')

test('the noise covers every kind in every shape, reproducibly', () => {
  const records = noiseRecords(LINES, SEED)
  const seen = new Set(records.map((r) => `${r.kind}/${r.shape}`))
  for (const kind of Object.keys(NOISE_KINDS))
    for (const shape of ['plain', 'json', 'cri', 'audit', 'github-actions', 'gitlab']) assert.ok(seen.has(`${kind}/${shape}`), `${kind} never in ${shape}`)
  const [once, again, other] = [noiseLines(500, SEED), noiseLines(500, SEED), noiseLines(500, SEED + 1)].map((l) => l.join('\n'))
  assert.ok(once === again, 'one seed, one corpus')
  assert.ok(once !== other, 'another seed, another corpus')
  assert.equal(noiseLines(1234, SEED).length, 1234)
})

test(`no finding in ${LINES.toLocaleString('en')} lines of hard negatives`, () => {
  const lines = noiseLines(LINES, SEED)
  const found: Finding[] = []
  for (let at = 0; at < lines.length; at += CHUNK_LINES) found.push(...detector.detect(chunk(lines.slice(at, at + CHUNK_LINES), at + 1)))
  // The lines are generated non-secrets: printing them is how a false positive gets fixed.
  const report = found.slice(0, 30).map((f) => `${f.rule} @${f.location.line}: ${(lines[f.location.line - 1] ?? '').slice(0, 240)}`)
  assert.equal(found.length, 0, `${found.length} false positives:\n${report.join('\n')}`)
})
