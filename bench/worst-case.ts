// The worst-case inputs of issue #12 ("hostile logs"): lines built to make the
// detector quadratic — many distinct key-shaped values on one line (raw, URL-
// and base64-encoded), one keyword repeated (the rules' follows checks),
// a private key under a prefix, one huge ordinary line, and a line of N values
// the known-secret lookup holds (raw, JSON-escaped twice so three forms nest at
// each place, behind a non-ASCII character), through the engine and the lookup
// as the detector stage runs them. Each case runs at
// 1x, 4x and 16x its base size, each size in a process of its own (so peak RSS
// is that input's), and the report gives the CPU time of detect(), the
// process's CPU time and peak RSS, and the 16x/1x time ratio: linear is ~16,
// quadratic ~256. Tokens are generated from a seed, never written to disk.
//
//   node bench/run.ts --only worst-case [--worst-case-kb 64] [--worst-case-only known] [--seed N] [--core 0]

import { fileURLToPath } from 'node:url'
import { createGen, type Gen } from '../detectors/gen.ts'
import type { Finding, LogChunk } from '../pipeline/events.ts'
import { canPin, measure, median } from './measure.ts'
import type { Benchmark } from './run.ts'

/** A worst-case line of about `bytes` bytes. */
type Shape = (g: Gen, bytes: number) => string

const AWS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
const awsKeys = (g: Gen, bytes: number, sep: string): string =>
  Array.from({ length: Math.ceil(bytes / (20 + sep.length)) }, () => `AKIA${g.chars(AWS, 16)}`).join(sep)

export const CASES: Record<string, Shape> = {
  'distinct AWS key ids': (g, bytes) => awsKeys(g, bytes, ' '),
  'key ids, URL-encoded': (g, bytes) => awsKeys(g, bytes, '%20'),
  'key ids, base64 .env': (g, bytes) => Buffer.from(awsKeys(g, Math.floor((bytes * 3) / 4), '\n')).toString('base64'),
  'password=… pairs': (g, bytes) => Array.from({ length: Math.ceil(bytes / 36) }, (_, i) => `db${i}_password=${g.base62(16)}`).join(' '),
  'pass repeated': (_g, bytes) => 'pass'.repeat(Math.ceil(bytes / 4)),
  'token repeated': (_g, bytes) => 'token'.repeat(Math.ceil(bytes / 5)),
  'huge ordinary line': (g, bytes) =>
    Array.from({ length: Math.ceil(bytes / 48) }, (_, i) => `GET /api/v1/items/${i} 200 ${g.digits(4)}ms user=${g.base62(6)}`).join(' | ')
}

/**
 * A line of about `bytes` bytes made of values the known-secret lookup holds. The index is the same at every
 * size (the values of the largest line, `indexed`), so what grows is the line, as when an attacker writes it:
 * the look-up's cost per sampled byte depends on how many indexed forms share its q-gram, a property of the
 * index, and values that start alike (all of these start with a quote, JSON-escaped to `\\\"`) share one.
 */
type KnownShape = (values: readonly string[], bytes: number) => string

/** Values that start with a quote: their JSON escapes hold their raw form, so forms nest at one place. */
const json2 = (v: string): string => JSON.stringify(JSON.stringify(v).slice(1, -1)).slice(1, -1)
/** The first values whose written forms fill about `bytes`. */
const fill = (values: readonly string[], bytes: number, per: number): string[] => values.slice(0, Math.ceil(bytes / per))

export const KNOWN_CASES: Record<string, KnownShape> = {
  'known values on one line': (values, bytes) => fill(values, bytes, 25).join(' '),
  'known values, JSON-escaped twice': (values, bytes) => fill(values, bytes, 30).map(json2).join(' '),
  'known values, non-ASCII line': (values, bytes) => `é ${fill(values, bytes, 25).join(' ')}`
}

const FACTORS = [1, 4, 16]

/** One measured size of one case, in its own process: prints what it measured as JSON on stderr. */
async function child(name: string, bytes: number, seed: number, indexed: number): Promise<void> {
  const shape = CASES[name]
  const known = KNOWN_CASES[name]
  if (shape === undefined && known === undefined) throw new Error(`unknown case ${name}`)
  const [{ BUILTIN_RULES }, { createSecretDetector }, { createFingerprinter }, ks, { createKnownSecretIndex }] = await Promise.all([
    import('../detectors/rules/registry.ts'),
    import('../detectors/secrets.ts'),
    import('../pipeline/fingerprint.ts'),
    import('../detectors/known-secrets/detector.ts'),
    import('../detectors/known-secrets/index.ts')
  ])
  const g = createGen(seed)
  const values = known === undefined ? [] : Array.from({ length: Math.ceil(indexed / 25) }, () => `"${g.base62(23)}`)
  const line = known === undefined ? (shape as Shape)(g, bytes) : known(values, bytes)
  let limits = 0
  const fingerprinter = createFingerprinter(undefined)
  const engine = createSecretDetector({ rules: BUILTIN_RULES, fingerprinter, maxContextChars: 240, onLimit: () => limits++ })
  let d: { detect: (c: LogChunk) => Finding[] } = engine
  if (known !== undefined) {
    // The index is built before the timing: what is measured is the look-up of a hostile line.
    const index = createKnownSecretIndex({ fingerprint: (b) => fingerprinter.ofBytes?.(b) ?? '', preview: ks.previewOf })
    for (const [i, v] of values.entries()) index.set({ source: 'kubernetes', namespace: 'bench', name: `s${i}`, key: 'v' }, Buffer.from(v))
    d = ks.withKnownSecrets(engine, ks.createKnownSecretDetector({ index, maxContextChars: 240, onLimit: () => limits++ }))
  }
  const chunk: LogChunk = {
    v: '1' as const,
    type: 'log-chunk' as const,
    stream: 'bench/worst-case',
    source: { type: 'file' as const, path: 'worst-case' },
    startLine: 1,
    offset: { start: 0, end: 0 },
    lines: [line],
    collectedAt: new Date(0).toISOString()
  }
  // CPU time, not wall time: on a shared machine the wall clock measures the neighbours too.
  const cpu = process.cpuUsage()
  const t = performance.now()
  const found = d.detect(chunk)
  const wallMs = performance.now() - t
  const used = process.cpuUsage(cpu)
  const ms = (used.user + used.system) / 1000
  process.stderr.write(`${JSON.stringify({ ms, wallMs, bytes: Buffer.byteLength(line), findings: found.length, limits })}\n`)
}

interface Row {
  name: string
  factor: number
  bytes: number
  detectMs: number
  cpuMs: number
  rssMb: number
  findings: number
  limits: number
}

export const benchmark: Benchmark = {
  name: 'worst-case',
  description:
    'hostile lines (issue #12): many values per line (rules and known secrets), repeated keywords, huge lines at 1x/4x/16x: detect() time, CPU, peak RSS, 16x/1x ratio',
  options: {
    'worst-case-kb': { type: 'string', default: '64' },
    'worst-case-only': { type: 'string', default: '' }
  },
  async run(ctx) {
    const baseKb = Number(ctx.flags['worst-case-kb'])
    const seed = Number(ctx.flags.seed)
    const repeat = Math.max(1, Number(ctx.flags.repeat))
    const core = canPin() ? Number(ctx.flags.core) : undefined
    const self = fileURLToPath(import.meta.url)
    const rows: Row[] = []
    const only = String(ctx.flags['worst-case-only'] ?? '')
    const names = [...Object.keys(CASES), ...Object.keys(KNOWN_CASES)].filter((n) => only === '' || n.includes(only))
    for (const name of names) {
      for (const factor of FACTORS) {
        const bytes = baseKb * 1024 * factor
        const runs: Row[] = []
        for (let r = 0; r < repeat; r++) {
          ctx.log(`worst-case: ${name} at ${factor}x (${(bytes / 1024).toFixed(0)} KiB), run ${r + 1}/${repeat}`)
          const m = await measure(process.execPath, [self, name, String(bytes), String(seed), String(baseKb * 1024 * 16)], { core, cwd: ctx.repo })
          const reported = m.stderr
            .trim()
            .split('\n')
            .findLast((l) => l.startsWith('{'))
          const out = JSON.parse(reported ?? '{}') as { ms: number; bytes: number; findings: number; limits: number }
          if (m.code !== 0 || typeof out.ms !== 'number') throw new Error(`worst-case ${name} ${factor}x failed (exit ${m.code}): ${m.stderr.slice(-500)}`)
          runs.push({ name, factor, bytes: out.bytes, detectMs: out.ms, cpuMs: m.cpuMs, rssMb: m.maxRssKb / 1024, findings: out.findings, limits: out.limits })
        }
        const first = runs[0] as Row
        rows.push({
          ...first,
          detectMs: median(runs.map((x) => x.detectMs)),
          cpuMs: median(runs.map((x) => x.cpuMs)),
          rssMb: Math.max(...runs.map((x) => x.rssMb))
        })
      }
    }
    const lines = [
      `${ctx.command}`,
      `worst-case lines, base ${baseKb} KiB, seed ${seed}; medians of ${repeat} run(s), one process per run${core === undefined ? '' : ` (taskset -c ${core})`}; detect CPU ms = CPU time of one detect() of the line; CPU s and peak RSS = the whole process (Node and the rules load in ~100 MB)`,
      '',
      '| case | size | line KiB | detect CPU ms | process CPU s | peak RSS MB | findings | capped | time vs 1x |',
      '| ---- | ---- | -------- | ------------ | ------------- | ----------- | -------- | ------ | ---------- |'
    ]
    for (const r of rows) {
      const base = rows.find((x) => x.name === r.name && x.factor === 1) as Row
      lines.push(
        `| ${r.name} | ${r.factor}x | ${(r.bytes / 1024).toFixed(0)} | ${r.detectMs.toFixed(0)} | ${(r.cpuMs / 1000).toFixed(2)} | ${r.rssMb.toFixed(0)} | ${r.findings} | ${r.limits} | ${(r.detectMs / Math.max(base.detectMs, 1)).toFixed(1)}x |`
      )
    }
    process.stdout.write(`${lines.join('\n')}\n`)
  }
}

if (import.meta.main) {
  const [name, bytes, seed, indexed] = process.argv.slice(2)
  await child(name ?? '', Number(bytes), Number(seed), Number(indexed ?? bytes))
}
