// A private key as a log prints it, drawn at test time, and what the detector makes of chunks holding it: for
// the collectors' tests that a chunk is never cut inside a key, nor between an env var's name and value lines
// (collectors/chunk-cut.ts).

import { CARRIED_BUILTIN_RULES } from '../../detectors/carried-rules.ts'
import type { Gen } from '../../detectors/gen.ts'
import { blockCutFor } from '../../detectors/open-block.ts'
import { BUILTIN_RULES } from '../../detectors/rules/registry.ts'
import { createSecretDetector } from '../../detectors/secrets.ts'
import type { LogChunk } from '../../pipeline/events.ts'

/** A 30-line RSA key: its header, 28 lines of 64 base64 characters and its END line; `body` is what the detector reads. */
export function keyLines(g: Gen): { lines: string[]; body: string } {
  const body = g.pemBody(1344).slice(0, 28 * 64)
  const rows = Array.from({ length: 28 }, (_, i) => body.slice(i * 64, (i + 1) * 64))
  return { lines: ['-----BEGIN RSA PRIVATE KEY-----', ...rows, '-----END RSA PRIVATE KEY-----'], body }
}

/** The collectors' chunk cut, as app/roles.ts makes it. */
export const blockCut = blockCutFor(CARRIED_BUILTIN_RULES)

const detector = createSecretDetector({ rules: BUILTIN_RULES, fingerprinter: { of: (v: string) => v, ephemeral: false }, maxContextChars: 80 })

/** `n` numbered lines of exactly `width` characters (`x 0001 ....`): byte positions in a test's log are then known. */
export function filler(prefix: string, n: number, width: number): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix} ${String(i + 1).padStart(4, '0')} `.padEnd(width, '.'))
}

/** The private-key values found in each chunk, read as the detector stage reads a chunk (the identity fingerprint). */
export function keysFound(chunks: readonly LogChunk[]): string[] {
  return valuesFound(chunks, 'private-key')
}

/** `line rule value` of every finding in the chunks, read as the detector stage reads a chunk; sorted, once each. */
export function findingsIn(chunks: readonly LogChunk[]): string[] {
  const all = chunks.flatMap((c) => detector.detect(c).map((f) => `${f.location.line} ${f.rule} ${f.fingerprint}`))
  return [...new Set(all)].sort()
}

/** The values rule `rule` finds in each chunk, read as the detector stage reads a chunk. */
export function valuesFound(chunks: readonly LogChunk[], rule: string): string[] {
  return chunks.flatMap((c) => detector.detect(c).flatMap((f) => (f.rule === rule ? [f.fingerprint] : [])))
}
