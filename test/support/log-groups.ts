// A log of every built-in rule's first example line and the shapes the detector reads across lines (a PEM
// key, a pretty-printed JWK in both member orders, an env var's name and value lines, kubectl's hex dump of a
// Secret; a JWK and a dump again under a CI runner's timestamps), each group after a filler line, in a seeded order: for the tests that whatever reads a stream line
// by line (mask) or cuts it into chunks (the collectors) finds what the detector finds in the whole text.

import type { Gen, Rng } from '../../detectors/gen.ts'
import { ALPHABETS } from '../../detectors/gen.ts'
import { BUILTIN_RULES } from '../../detectors/rules/registry.ts'
import { body, klogLines } from './hex-dump.ts'
import { keyLines } from './pem-block.ts'

export interface LogGroup {
  lines: string[]
  /** Values of the group's multi-line secrets (or pieces of them) that must come out of nothing. */
  secrets: string[]
}

/** A pretty-printed EC JWK, `kty` first and its private `d` last, as most libraries write one. */
export function prettyJwk(gen: Gen): { lines: string[]; d: string } {
  const b64u = (n: number): string => gen.chars(ALPHABETS.base64url, n)
  const d = b64u(43)
  return { lines: ['{', '  "kty": "EC",', '  "crv": "P-256",', `  "x": "${b64u(43)}",`, `  "y": "${b64u(43)}",`, `  "d": "${d}"`, '}'], d }
}

export function logGroups(gen: Gen, rng: Rng): { groups: LogGroup[]; lines: string[] } {
  const groups: LogGroup[] = []
  for (const r of BUILTIN_RULES) {
    const ex = r.examples.positives(gen)[0]
    if (ex === undefined || ex.line.includes('\n') || ex.line.includes('\r')) continue
    groups.push({ lines: [ex.line], secrets: [] })
  }
  const b64u = (n: number): string => gen.chars(ALPHABETS.base64url, n)
  const key = keyLines(gen)
  groups.push({ lines: key.lines, secrets: key.lines.slice(1, -1) })
  const d = b64u(43)
  groups.push({ lines: ['{', '  "kty": "EC",', `  "x": "${b64u(43)}",`, `  "d": "${d}"`, '}'], secrets: [d] })
  // Node's KeyObject.export writes kty last.
  const d2 = b64u(43)
  groups.push({ lines: ['{', `  "d": "${d2}",`, '  "crv": "Ed25519",', '  "kty": "OKP"', '}'], secrets: [d2] })
  const value = gen.base62(28)
  groups.push({ lines: ['env:', '  - name: DB_PASSWORD', `    value: "${value}"`], secrets: [value] })
  const slack = (): string => BUILTIN_RULES.find((r) => r.id === 'slack-bot-token')?.examples.positives(gen)[0]?.secret ?? ''
  const token = slack()
  groups.push({ lines: klogLines(body('Secret', rng.int(16), token)), secrets: [token.slice(0, 12), token.slice(-12)] })
  // Under a CI runner's timestamp (GitHub Actions' raw log), which the detector frames off.
  const stamp = (ls: string[]): string[] => ls.map((l) => `2026-12-08T01:00:00.1234567Z ${l}`)
  const d3 = b64u(43)
  groups.push({ lines: stamp(['{', '  "kty": "oct",', `  "k": "${d3}",`, '  "alg": "HS256"', '}']), secrets: [d3] })
  const token2 = slack()
  groups.push({ lines: stamp(klogLines(body('Secret', rng.int(16), token2))), secrets: [token2.slice(0, 12), token2.slice(-12)] })
  for (let i = groups.length - 1; i > 0; i--) {
    const j = rng.int(i + 1)
    ;[groups[i], groups[j]] = [groups[j] as LogGroup, groups[i] as LogGroup]
  }
  const lines: string[] = []
  for (const [i, g] of groups.entries()) lines.push(`2026-12-08T01:00:00Z INFO step ${i}`, ...g.lines)
  return { groups, lines }
}
