// How well contexts' shape masking (detectors/secret-shape.ts, issue #12) covers
// secrets that no rule has found yet, and how much of a real line it hides:
//   - of the secrets the engine finds in other scanners' published positive
//     examples (gitleaks, Nosey Parker, Kingfisher: bench/independent/) and in
//     the built-in rules' generated examples, the share that masking the
//     line's secret-shaped runs alone no longer shows whole (what a context
//     printed before the value is found would show);
//   - of loghub's real, secret-free log lines, the share with a masked run and
//     the share of characters masked (what an operator loses in a context);
//   - per alphabet and length, the share of random values not recognised.

import { maskText } from '../detectors/excerpt.ts'
import { createGen } from '../detectors/gen.ts'
import { BUILTIN_RULES } from '../detectors/rules/registry.ts'
import { SECRET_SHAPE_MIN, secretShaped, secretShapedRuns } from '../detectors/secret-shape.ts'
import { createSecretDetector, revealedSecret } from '../detectors/secrets.ts'
import type { LogChunk } from '../pipeline/events.ts'
import { createFingerprinter } from '../pipeline/fingerprint.ts'
import { stdinChunk } from '../test/support/log-chunk.ts'
import { DEFAULT_MIRRORS, loadSources } from './independent/sources.ts'
import type { Benchmark } from './run.ts'

const ALPHABETS: Record<string, string> = {
  base62: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789',
  base64: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/',
  hex: '0123456789abcdef',
  'upper+digit': 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789',
  base32: 'abcdefghijklmnopqrstuvwxyz234567'
}

const chunk = (lines: string[]): LogChunk => stdinChunk(lines, 1, 'bench:secret-shape')

const pct = (a: number, b: number): string => (b === 0 ? '-' : `${((100 * a) / b).toFixed(1)}%`)

export const benchmark: Benchmark = {
  name: 'secret-shape',
  description: "contexts' shape masking: secrets found in other scanners' examples it hides unfound, real log lines it masks",
  options: {
    mirrors: { type: 'string', default: DEFAULT_MIRRORS },
    'shape-draws': { type: 'string', default: '20000' }
  },
  async run(ctx) {
    const seed = Number(ctx.flags.seed)
    const detector = createSecretDetector({ rules: BUILTIN_RULES, fingerprinter: createFingerprinter(undefined), maxContextChars: 240, reveal: true })
    const out: string[] = [`## contexts' shape masking (detectors/secret-shape.ts)`, `command: ${ctx.command}`, '']
    // A secret counts when the line holds it and it is long enough to be judged by shape at all.
    const hidden = (line: string, secret: string): boolean => !maskText(line, secretShapedRuns(line)).text.includes(secret)
    const { sources, missing } = loadSources(String(ctx.flags.mirrors), seed)
    for (const m of missing) ctx.log(`secret-shape: ${m} not found under ${String(ctx.flags.mirrors)}; its row is missing`)
    out.push('source                      commit    secrets (16+ chars)  hidden by shape  shorter (not judged)')
    for (const s of sources) {
      if (s.examples.length === 0) continue
      let n = 0
      let ok = 0
      let short = 0
      for (const e of s.examples) {
        if (!e.positive) continue
        const lines = e.text.split('\n')
        for (const f of detector.detect(chunk(lines))) {
          const secret = revealedSecret(f)
          if (secret === undefined || secret.includes('\n')) continue
          if (secret.length < SECRET_SHAPE_MIN) {
            short++
            continue
          }
          n++
          if (hidden(lines[f.location.line - 1] ?? '', secret)) ok++
        }
      }
      out.push(`${s.name.padEnd(26)}  ${s.commit.slice(0, 7)}  ${String(n).padStart(19)}  ${pct(ok, n).padStart(15)}  ${String(short).padStart(20)}`)
    }
    const g = createGen(seed)
    let n = 0
    let ok = 0
    for (const r of BUILTIN_RULES) {
      const ex = r.examples?.positives
      if (typeof ex !== 'function') continue
      for (let i = 0; i < 20; i++)
        for (const p of ex(g)) {
          if (p.secret.length < SECRET_SHAPE_MIN || p.secret.includes('\n')) continue
          n++
          if (hidden(p.line, p.secret)) ok++
        }
    }
    out.push(`${'built-in rules (generated)'.padEnd(26)}  ${'-'.padEnd(7)}  ${String(n).padStart(19)}  ${pct(ok, n).padStart(15)}`)
    for (const s of sources) {
      if (s.cleanLogs.size === 0) continue
      let lines = 0
      let masked = 0
      let chars = 0
      let maskedChars = 0
      for (const file of s.cleanLogs.values())
        for (const line of file) {
          lines++
          chars += line.length
          const runs = secretShapedRuns(line)
          if (runs.length > 0) masked++
          for (const [a, b] of runs) maskedChars += b - a
        }
      out.push(
        '',
        `${s.name} (${s.commit.slice(0, 7)}), ${s.cleanLogs.size} real logs: ${masked} of ${lines} lines (${pct(masked, lines)}) have a masked run; ${pct(maskedChars, chars)} of characters masked`
      )
    }
    const draws = Number(ctx.flags['shape-draws'])
    out.push(
      '',
      `random values not recognised as secret-shaped (${draws} draws each, seed ${seed}):`,
      `alphabet      ${[16, 20, 24, 32, 40].map((l) => String(l).padStart(7)).join('')}`
    )
    for (const [name, alphabet] of Object.entries(ALPHABETS)) {
      const cells = [16, 20, 24, 32, 40].map((len) => {
        let missed = 0
        for (let i = 0; i < draws; i++) if (!secretShaped(g.chars(alphabet, len))) missed++
        return `${((100 * missed) / draws).toFixed(2)}%`.padStart(7)
      })
      out.push(`${name.padEnd(12)}  ${cells.join('')}`)
    }
    process.stdout.write(`${out.join('\n')}\n`)
  }
}
