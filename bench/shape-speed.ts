// Whole-process speed per log shape (issue 15): `leakwatch scan` as an
// operator runs it, secretlint and gitleaks, each a child process whose CPU
// time (user + system, from GNU time's rusage) includes start-up, module
// loading and rule compilation. One file per shape of a fixed size, seeded;
// "mix" is all of them in one process. Runs are paired — the three tools
// back to back on the same files, their order rotated per repetition — and
// the table gives medians of N, MB (10^6 bytes) per CPU-second, and
// leakwatch's ratio to each peer.
//
// `--warm` adds, per shape, a run over that file followed by a second file of the same shape (the next
// seed's): the second file's bytes over the CPU the pair took beyond the first file alone is each tool's
// rate once warm, past start-up and the first use of its rules, which is what a long-running collector
// sees. The whole-process table stays the target's measure.
//
// `--save-findings FILE` writes leakwatch's findings (file, line, column,
// rule, fingerprint under a fixed bench key) per shape; `--compare FILE`
// fails the run when they differ, so an engine change that moves a finding
// is caught on these files.

import { copyFileSync, linkSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { createGen, createRng } from '../detectors/gen.ts'
import { BUILTIN_RULES } from '../detectors/rules/registry.ts'
import type { Measured } from './measure.ts'
import { canPin, measure, median } from './measure.ts'
import { findGitleaks, gitleaksVersion, runGitleaks, runSecretlint, secretlintVersion } from './peers.ts'
import type { BenchContext, Benchmark } from './run.ts'
import type { Shape } from './shapes.ts'
import { LogClock, writerFor } from './shapes.ts'

/** The shapes in the order the table prints them; `ci` is a GitHub Actions log (timestamped, ANSI). */
const SPEED_SHAPES: readonly Shape[] = ['plain', 'json', 'cri', 'nginx', 'ci', 'audit']
const SECRET_EVERY_LINES = 500
const NEGATIVE_EVERY_LINES = 1000
/** Bumped when the files' content changes, so an old set is regenerated. */
const VERSION = 1
/** Not a secret: a fixed key so fingerprints compare across runs and branches. */
const BENCH_FINGERPRINT_KEY = 'leakwatch-bench-shapes-fixed-fingerprint-key'

const TOOLS = ['leakwatch', 'leakwatch-base', 'secretlint', 'gitleaks'] as const
type Tool = (typeof TOOLS)[number]

interface ShapeSet {
  dir: string
  /** Per shape: its folder (gitleaks scans a folder) and file. */
  files: Array<{ shape: Shape; dir: string; file: string; bytes: number; lines: number }>
}

function physicalLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/)
}

/**
 * One file per shape of `bytes` bytes: noise lines of the shape, a rule's positive example about every
 * SECRET_EVERY_LINES lines and a negative one every NEGATIVE_EVERY_LINES, embedded as that shape embeds
 * a message. The mix folder holds hard links to all of them.
 */
function ensureShapeSet(root: string, bytes: number, seed: number, log: (m: string) => void): ShapeSet {
  const dir = root
  const stampPath = join(dir, 'stamp.json')
  const stamp = JSON.stringify({ version: VERSION, bytes, seed, rules: BUILTIN_RULES.map((r) => r.id).join(',') })
  const files = SPEED_SHAPES.map((shape) => ({ shape, dir: join(dir, shape), file: join(dir, shape, `${shape}.log`), bytes: 0, lines: 0 }))
  try {
    const have = JSON.parse(readFileSync(stampPath, 'utf8')) as { stamp: string; files: typeof files }
    if (have.stamp === stamp && have.files.every((f) => statSync(f.file).size === f.bytes)) {
      log(`shapes: reusing ${dir}`)
      return { dir, files: have.files }
    }
  } catch {
    // None yet, or stale.
  }
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(join(dir, 'mix'), { recursive: true })
  const gen = createGen(seed ^ 0x5ec7)
  const pick = createRng(seed ^ 0x5eed)
  const rules = BUILTIN_RULES.filter((r) => r.examples !== undefined)
  const negatives = rules.flatMap((r) => r.examples.negatives)
  for (const [index, f] of files.entries()) {
    mkdirSync(f.dir, { recursive: true })
    const r = createRng(seed * 37 + index)
    // The CI file is the GitHub Actions variant (file index 0): timestamps on every line.
    const writer = writerFor(f.shape, 0)
    const clock = new LogClock(Date.UTC(2026, 0, 5) + index * 3_600_000)
    const out: string[] = []
    let size = 0
    const push = (ls: string[]): void => {
      for (const l of ls) {
        out.push(l)
        size += Buffer.byteLength(l) + 1
      }
    }
    while (size < bytes) {
      const ls = writer.noise(r, clock)
      push(ls)
      for (let k = 0; k < ls.length; k++) {
        if (r.chance(1 / SECRET_EVERY_LINES)) {
          const rule = pick.pick(rules)
          const ex = pick.pick(rule.examples.positives(gen))
          push(writer.embed(r, clock, physicalLines(ex.line)))
        }
        if (negatives.length > 0 && r.chance(1 / NEGATIVE_EVERY_LINES)) push(writer.embed(r, clock, physicalLines(r.pick(negatives))))
      }
    }
    writeFileSync(f.file, `${out.join('\n')}\n`)
    f.bytes = statSync(f.file).size
    f.lines = out.length
  }
  // Copies, not links: gitleaks skips symbolic links, and hard links would share nothing worth saving here.
  for (const f of files) writeFileSync(join(dir, 'mix', `${f.shape}.log`), readFileSync(f.file))
  writeFileSync(stampPath, JSON.stringify({ stamp, files }))
  log(`shapes: wrote ${files.length} files of ${(bytes / 1e6).toFixed(0)} MB in ${dir}`)
  return { dir, files }
}

/**
 * Per shape, a folder holding that shape's file of `first` (a.log) and of `second` (b.log): the pair a
 * warm run scans. Hard links where the file system allows (gitleaks reads them; it skips symbolic links).
 */
function pairFolders(first: ShapeSet, second: ShapeSet): Map<Shape, string> {
  const out = new Map<Shape, string>()
  for (const f of first.files) {
    const g = second.files.find((x) => x.shape === f.shape)
    if (g === undefined) continue
    const dir = join(second.dir, `after-${basename(first.dir)}`, f.shape)
    mkdirSync(dir, { recursive: true })
    for (const [from, to] of [
      [f.file, 'a.log'],
      [g.file, 'b.log']
    ] as const) {
      const target = join(dir, to)
      rmSync(target, { force: true })
      try {
        linkSync(from, target)
      } catch {
        copyFileSync(from, target)
      }
    }
    out.set(f.shape, dir)
  }
  return out
}

interface Scope {
  name: string
  dir: string
  files: string[]
  bytes: number
}

interface Finding {
  file: string
  line: number
  column: number
  rule: string
  fingerprint: string
}

/** The command an installed leakwatch runs: the repository's package.json "bin". */
function entryOf(repo: string): string {
  const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { bin: { leakwatch: string } }
  return join(repo, pkg.bin.leakwatch)
}

/** `leakwatch scan --format jsonl` on the scope's files; findings come back from its stdout. */
async function runLeakwatch(repo: string, scope: Scope, core: number | undefined, out: string): Promise<{ measured: Measured; findings: Finding[] }> {
  const measured = await measure(
    process.execPath,
    [entryOf(repo), 'scan', '--format', 'jsonl', '--exit-code', '0', ...scope.files.map((f) => join(scope.dir, f))],
    { core, stdout: out, env: { ...process.env, LEAKWATCH_DETECTOR_FINGERPRINT_KEY: BENCH_FINGERPRINT_KEY } }
  )
  if (measured.code !== 0) throw new Error(`leakwatch scan exited with ${measured.code}: ${measured.stderr}`)
  const text = readFileSync(out, 'utf8')
  rmSync(out, { force: true })
  const findings: Finding[] = []
  for (const l of text.split('\n')) {
    if (l === '') continue
    // The record holds only masked previews and the keyed fingerprint (leakwatch never prints a secret without --reveal).
    const o = JSON.parse(l) as { file: string; line: number; column: number; rule: string; fingerprint: string }
    findings.push({ file: o.file.slice(scope.dir.length + 1), line: o.line, column: o.column, rule: o.rule, fingerprint: o.fingerprint })
  }
  findings.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.rule.localeCompare(b.rule))
  return { measured, findings }
}

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ')
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}

const fmt = (n: number | undefined, d = 1): string => (n === undefined || Number.isNaN(n) ? '-' : n.toFixed(d))

async function run(ctx: BenchContext): Promise<void> {
  const shapeMb = Number(ctx.flags['shape-mb'])
  const seed = Number(ctx.flags.seed)
  const repeat = Math.max(1, Number(ctx.flags.repeat))
  const core = canPin() ? Number(ctx.flags.core) : undefined
  const wanted = String(ctx.flags['shape-tools'])
    .split(',')
    .filter((t): t is Tool => (TOOLS as readonly string[]).includes(t))
  const gitleaks = wanted.includes('gitleaks') ? findGitleaks() : undefined
  if (wanted.includes('gitleaks') && gitleaks === undefined)
    ctx.log('shapes: gitleaks not found (GOFLAGS=-mod=mod go install github.com/zricethezav/gitleaks/v8@v8.30.0); its column stays empty')
  const baseRepo = ctx.flags['baseline-repo'] === undefined ? undefined : String(ctx.flags['baseline-repo'])
  const tools = wanted.filter((t) => (t !== 'gitleaks' || gitleaks !== undefined) && (t !== 'leakwatch-base' || baseRepo !== undefined))
  const set = ensureShapeSet(join(ctx.repo, '.cache', 'bench', `shapes-${shapeMb}mb-seed${seed}`), Math.round(shapeMb * 1e6), seed, ctx.log)
  const empty = join(set.dir, 'empty')
  mkdirSync(empty, { recursive: true })
  writeFileSync(join(empty, 'empty.log'), '')
  const scopes: Scope[] = [
    ...set.files.map((f) => ({ name: f.shape, dir: f.dir, files: [`${f.shape}.log`], bytes: f.bytes })),
    { name: 'mix', dir: join(set.dir, 'mix'), files: set.files.map((f) => `${f.shape}.log`), bytes: set.files.reduce((n, f) => n + f.bytes, 0) },
    { name: 'empty file', dir: empty, files: ['empty.log'], bytes: 0 }
  ]
  const only = ctx.flags['shape-only'] === undefined ? undefined : String(ctx.flags['shape-only']).split(',')
  const chosen = scopes.filter((s) => only === undefined || only.includes(s.name))
  /** With --warm: per shape, the scope of its file then the next seed's file of that shape. */
  const warm = new Map<string, Scope>()
  if (ctx.flags.warm === true) {
    const next = ensureShapeSet(join(ctx.repo, '.cache', 'bench', `shapes-${shapeMb}mb-seed${seed + 1}`), Math.round(shapeMb * 1e6), seed + 1, ctx.log)
    const pairs = pairFolders(set, next)
    for (const s of chosen) {
      const dir = pairs.get(s.name as Shape)
      const second = next.files.find((f) => f.shape === s.name)
      if (dir === undefined || second === undefined) continue
      warm.set(s.name, { name: `${s.name}+next`, dir, files: ['a.log', 'b.log'], bytes: second.bytes })
    }
  }
  const runs = new Map<string, Measured[]>()
  const found = new Map<string, Finding[]>()
  /** With --baseline-repo: the findings of the leakwatch checked out there, which must equal this one's. */
  const foundBase = new Map<string, Finding[]>()
  const secretlintrc = join(ctx.repo, 'bench', 'secretlintrc.json')
  const scratch = join(set.dir, `run-${process.pid}`)
  mkdirSync(scratch, { recursive: true })
  try {
    for (let rep = 0; rep < repeat; rep++) {
      for (const scope of [...chosen, ...warm.values()]) {
        // Rotated per repetition so no tool always runs first (page cache, CPU frequency, a neighbour's burst).
        const order = tools.map((_, i) => tools[(i + rep) % tools.length] as Tool)
        for (const tool of order) {
          // gitleaks takes 20-40x leakwatch's CPU here: its own runs are capped so a run stays minutes long.
          if (tool === 'gitleaks' && rep >= Number(ctx.flags['gitleaks-runs'])) continue
          let m: Measured
          if (tool === 'leakwatch' || tool === 'leakwatch-base') {
            const r = await runLeakwatch(tool === 'leakwatch' ? ctx.repo : (baseRepo as string), scope, core, join(scratch, 'leakwatch.jsonl'))
            m = r.measured
            // A warm pair's findings are its first file's and the next seed's: not compared or saved.
            if (!scope.name.endsWith('+next')) (tool === 'leakwatch' ? found : foundBase).set(scope.name, r.findings)
          } else if (tool === 'secretlint') {
            m = (await runSecretlint(secretlintrc, scope.dir, scope.files, join(scratch, 'secretlint.json'), core)).measured
          } else {
            m = (await runGitleaks(gitleaks as string, scope.dir, join(scratch, 'gitleaks.json'), core)).measured
          }
          const key = `${scope.name}\u0000${tool}`
          runs.set(key, [...(runs.get(key) ?? []), m])
        }
      }
      ctx.log(`shapes: repetition ${rep + 1}/${repeat} done`)
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }

  const cpuS = (scope: string, tool: Tool): number => median((runs.get(`${scope}\u0000${tool}`) ?? []).map((m) => m.cpuMs)) / 1000
  const perCore = (scope: Scope, tool: Tool): number => median((runs.get(`${scope.name}\u0000${tool}`) ?? []).map((m) => scope.bytes / 1e6 / (m.cpuMs / 1000)))
  const head = ['shape', 'MB', 'lines', 'findings']
  for (const t of tools) head.push(`${t} CPU s`, `${t} MB/s/core`)
  for (const t of tools) if (t !== 'leakwatch') head.push(`lw/${t}`)
  const rows = chosen.map((s) => {
    const lines = s.name === 'mix' ? set.files.reduce((n, f) => n + f.lines, 0) : (set.files.find((f) => f.shape === s.name)?.lines ?? 0)
    const row = [s.name, fmt(s.bytes / 1e6), String(lines), found.has(s.name) ? String(found.get(s.name)?.length) : '-']
    for (const t of tools) row.push(fmt(cpuS(s.name, t), 3), s.bytes === 0 ? '-' : fmt(perCore(s, t)))
    for (const t of tools)
      if (t !== 'leakwatch') row.push(s.bytes === 0 || !tools.includes('leakwatch') ? '-' : `${fmt(perCore(s, 'leakwatch') / perCore(s, t), 2)}x`)
    return row
  })
  const versions = [
    `node ${process.version}`,
    tools.includes('secretlint') ? `secretlint ${secretlintVersion()}` : '',
    gitleaks !== undefined ? `gitleaks ${gitleaksVersion(gitleaks)}` : ''
  ].filter((v) => v !== '')
  process.stdout.write(
    `\n## Whole-process speed per log shape\n\n${ctx.command}\n${versions.join(', ')}; ${core === undefined ? 'unpinned' : `pinned to CPU ${core} (taskset)`}; median of ${repeat} paired runs (gitleaks: ${Math.min(repeat, Number(ctx.flags['gitleaks-runs']))}); CPU = user+sys of the child (GNU time); MB = 10^6 bytes\n\n${table(head, rows)}\n`
  )

  if (warm.size > 0) {
    // The pair's CPU beyond the first file alone, each a median of the same paired repetitions.
    const warmRate = (shape: string, tool: Tool): number => {
      const w = warm.get(shape) as Scope
      const extra = cpuS(w.name, tool) - cpuS(shape, tool)
      // A pair that took no more than its first file (noise, or GNU time's 10 ms steps) has no rate to print.
      return extra > 0 ? w.bytes / 1e6 / extra : Number.NaN
    }
    const whead = ['shape', 'MB']
    for (const t of tools) whead.push(`${t} CPU s`, `${t} MB/s/core`)
    for (const t of tools) if (t !== 'leakwatch') whead.push(`lw/${t}`)
    const wrows = [...warm.entries()].map(([shape, w]) => {
      const row = [shape, fmt(w.bytes / 1e6)]
      for (const t of tools) row.push(fmt(cpuS(w.name, t) - cpuS(shape, t), 3), fmt(warmRate(shape, t)))
      for (const t of tools)
        if (t !== 'leakwatch') row.push(tools.includes('leakwatch') ? `${fmt(warmRate(shape, 'leakwatch') / warmRate(shape, t), 2)}x` : '-')
      return row
    })
    process.stdout.write(
      `\n## Once warm: a second file of the same shape (seed ${seed + 1}) after the first\n\nCPU s = median CPU of the pair minus median CPU of the first file alone; MB/s/core = the second file's MB over that\n\n${table(whead, wrows)}\n`
    )
  }

  const findings = Object.fromEntries([...found].map(([k, v]) => [k, v]))
  if (ctx.flags['save-findings'] !== undefined) {
    writeFileSync(String(ctx.flags['save-findings']), `${JSON.stringify(findings)}\n`)
    ctx.log(`shapes: leakwatch findings written to ${String(ctx.flags['save-findings'])}`)
  }
  const against: Array<[string, Record<string, Finding[]>]> = []
  if (ctx.flags.compare !== undefined)
    against.push([String(ctx.flags.compare), JSON.parse(readFileSync(String(ctx.flags.compare), 'utf8')) as Record<string, Finding[]>])
  if (foundBase.size > 0) against.push([`the leakwatch in ${baseRepo}`, Object.fromEntries(foundBase)])
  for (const [name, before] of against) {
    const key = (f: Finding): string => `${f.file}:${f.line}:${f.column}:${f.rule}:${f.fingerprint}`
    let differ = 0
    for (const [scope, now] of Object.entries(findings)) {
      const was = before[scope]
      if (was === undefined) continue
      const a = new Set(was.map(key))
      const b = new Set(now.map(key))
      const lost = [...a].filter((k) => !b.has(k))
      const gained = [...b].filter((k) => !a.has(k))
      if (lost.length + gained.length > 0) {
        differ++
        process.stdout.write(
          `findings differ on ${scope}: ${lost.length} lost, ${gained.length} new\n${[...lost.map((k) => `  - ${k}`), ...gained.map((k) => `  + ${k}`)].slice(0, 40).join('\n')}\n`
        )
      }
    }
    if (differ > 0) {
      process.exitCode = 1
    } else process.stdout.write(`leakwatch findings identical to ${name} on every shape compared\n`)
  }
}

export const benchmark: Benchmark = {
  name: 'shapes',
  description: 'whole-process CPU per log shape (plain, JSON, CRI, nginx, CI, audit, mix): leakwatch scan vs secretlint vs gitleaks',
  options: {
    'shape-mb': { type: 'string', default: '8' },
    'shape-tools': { type: 'string', default: TOOLS.join(',') },
    'shape-only': { type: 'string' },
    'gitleaks-runs': { type: 'string', default: '1' },
    /** Another checkout of leakwatch (node_modules linked) measured in the same paired runs: before/after. */
    'baseline-repo': { type: 'string' },
    /** Also the rate once warm: each shape's file followed by the next seed's file of that shape. */
    warm: { type: 'boolean', default: false },
    'save-findings': { type: 'string' },
    compare: { type: 'string' }
  },
  run
}
