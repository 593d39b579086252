// The detection engine benchmark (issue 3, performance): throughput per core
// and peak RSS of the full engine on a generated corpus of every log shape,
// the candidate-rule prefilters it could use, and the peers (secretlint,
// gitleaks) on the same files, with recall and precision of each on the
// planted secrets.
//
// Per-core throughput is MB (10^6 bytes) per CPU-second of a process pinned
// to one core: on a machine shared with other work, CPU time is what the
// process consumed, while wall time also counts the time it waited.

import { readdirSync, readFileSync, rmSync } from 'node:fs'
import { cpus } from 'node:os'
import { join } from 'node:path'
import { BUILTIN_RULES } from '../detectors/rules/registry.ts'
import type { Manifest, Sample } from './corpus.ts'
import { corpusDir, ensureCorpus, writeSample } from './corpus.ts'
import type { Measured } from './measure.ts'
import { canPin, measure, median } from './measure.ts'
import type { PeerRun } from './peers.ts'
import { findGitleaks, gitleaksVersion, runGitleaks, runSecretlint, secretlintVersion } from './peers.ts'
import type { PrefilterRun } from './prefilter.ts'
import { summarizeProfile } from './profile.ts'
import type { BenchContext, Benchmark } from './run.ts'
import type { LeakwatchRun } from './scan-leakwatch.ts'
import type { Reported, Scope, Score } from './score.ts'
import { score } from './score.ts'

const PREFILTERS = ['aho-corasick', 're2set-keywords', 're2set-rules']
const TARGET_MB_PER_S = 100
const TARGET_RSS_MB = 300
const HEAP_CAP_MB = 128

interface Row {
  tool: string
  scope: string
  bytes: number
  runs: Measured[]
  score: Score
  /** The row the ratios are taken against (leakwatch on the same scope). */
  base?: Row
}

const mb = (bytes: number): number => bytes / 1e6
const wallS = (r: Row): number => median(r.runs.map((m) => m.wallMs)) / 1000
const cpuS = (r: Row): number => median(r.runs.map((m) => m.cpuMs)) / 1000
const perCore = (r: Row): number => median(r.runs.map((m) => mb(r.bytes) / (m.cpuMs / 1000)))
const perWall = (r: Row): number => median(r.runs.map((m) => mb(r.bytes) / (m.wallMs / 1000)))
/** The highest peak of the runs: the figure a memory limit must hold. */
const rssMb = (r: Row): number => Math.max(...r.runs.map((m) => m.maxRssKb)) / 1024

function fmt(n: number | undefined, digits = 1): string {
  return n === undefined || Number.isNaN(n) ? '-' : n.toFixed(digits)
}

function pct(n: number): string {
  return Number.isNaN(n) ? '-' : `${(n * 100).toFixed(1)}%`
}

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ')
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}

async function leakwatchRun(
  ctx: BenchContext,
  dir: string,
  files: string[],
  core: number,
  nodeFlags: string[] = [],
  scriptFlags: string[] = []
): Promise<{ measured: Measured; run: LeakwatchRun }> {
  const out = join(ctx.root, `leakwatch-run-${process.pid}.json`)
  const script = join(ctx.repo, 'bench', 'scan-leakwatch.ts')
  const measured = await measure(process.execPath, [...nodeFlags, script, '--corpus', dir, '--files', files.join(','), '--out', out, ...scriptFlags], { core })
  if (measured.code !== 0) throw new Error(`leakwatch scan failed (${measured.code}): ${measured.stderr}`)
  const run = JSON.parse(readFileSync(out, 'utf8')) as LeakwatchRun
  rmSync(out, { force: true })
  return { measured, run }
}

async function prefilterRun(ctx: BenchContext, sample: Sample, variant: string, core: number): Promise<PrefilterRun> {
  const out = join(ctx.root, `prefilter-${variant}-${process.pid}.json`)
  const m = await measure(
    process.execPath,
    [join(ctx.repo, 'bench', 'prefilter.ts'), '--variant', variant, '--corpus', sample.dir, '--files', sample.files.join(','), '--out', out],
    { core }
  )
  if (m.code !== 0) throw new Error(`prefilter ${variant} failed (${m.code}): ${m.stderr}`)
  const run = JSON.parse(readFileSync(out, 'utf8')) as PrefilterRun
  rmSync(out, { force: true })
  return run
}

function scoreOf(manifest: Manifest, findings: readonly Reported[], scope?: Scope): Score {
  return score(manifest.plants, manifest.negatives, findings, scope)
}

function resultRows(rows: Row[]): string {
  return table(
    ['tool', 'scope', 'MB', 'wall s', 'CPU s', 'MB/s/core', 'MB/s wall', 'peak RSS MB', 'findings', 'recall', 'precision', 'exact', 'speed vs lw', 'RSS vs lw'],
    rows.map((r) => {
      const base = r.base
      return [
        r.tool,
        r.scope,
        fmt(mb(r.bytes), 0),
        fmt(wallS(r)),
        fmt(cpuS(r)),
        fmt(perCore(r), 2),
        fmt(perWall(r), 2),
        fmt(rssMb(r), 0),
        String(r.score.findings),
        pct(r.score.recall),
        pct(r.score.precision),
        r.score.exact === undefined ? '-' : pct(r.score.exact / r.score.plants),
        base === undefined || base === r ? '1' : `${fmt(perCore(r) / perCore(base), 3)}x`,
        base === undefined || base === r ? '1' : `${fmt(rssMb(r) / rssMb(base), 2)}x`
      ]
    })
  )
}

function breakdown(rows: Row[]): string {
  const out: string[] = []
  for (const r of rows) {
    const s = r.score
    const top = (list: Array<[string, number]>): string =>
      list
        .slice(0, 8)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ') || 'none'
    out.push(
      `${r.tool} (${r.scope}): ${s.found}/${s.plants} planted found, ${s.falsePositives} false positives (${s.onNegatives} on rules' documented look-alikes)`,
      `  missed by rule: ${top(s.missedByRule)}`,
      `  false positives by rule: ${top(s.falseByRule)}`
    )
    // Leakwatch's own misses and false positives, located, for whoever tunes the rules.
    if (r.tool === 'leakwatch' && r.scope === 'corpus') {
      const where = (list: Array<{ file: string; line: number; rule: string }>): string =>
        list
          .slice(0, 12)
          .map((x) => `${x.file}:${x.line} ${x.rule}`)
          .join(', ') || 'none'
      out.push(`  missed at: ${where(s.missedAt)}`, `  false positives at: ${where(s.falseAt)}`)
    }
  }
  return out.join('\n')
}

export const benchmark: Benchmark = {
  name: 'engine',
  description: 'detection engine MB/s per core, peak RSS, prefilters; secretlint and gitleaks on the same corpus; recall and precision',
  options: {
    // gitleaks scans log-sized files at about 1 MB/s per core: the whole corpus would take most of an hour.
    'sample-mb': { type: 'string', default: '40' },
    'skip-peers': { type: 'boolean', default: false },
    // One more leakwatch run over the corpus under `node --cpu-prof`, summarised: where the engine spends its time.
    'cpu-prof': { type: 'boolean', default: false }
  },
  async run(ctx) {
    const sizeMb = Number(ctx.flags['size-mb'])
    const sampleMb = Math.min(Number(ctx.flags['sample-mb']), sizeMb)
    const repeat = Math.max(1, Number(ctx.flags.repeat))
    const core = Number(ctx.flags.core)
    if (!canPin()) ctx.log('engine: taskset not found, processes run unpinned: per-core figures are CPU time based all the same')
    const manifest = ensureCorpus({ root: ctx.root, sizeMb, seed: Number(ctx.flags.seed), rules: BUILTIN_RULES, log: ctx.log })
    const dir = corpusDir(ctx.root)
    const files = manifest.files.map((f) => f.name)
    const bytes = manifest.files.reduce((n, f) => n + f.bytes, 0)
    const lines = manifest.files.reduce((n, f) => n + f.lines, 0)
    const sample = writeSample(ctx.root, manifest, sampleMb)
    const sampleScope: Scope = sample.lines
    const rows: Row[] = []

    const lwRuns: Array<{ measured: Measured; run: LeakwatchRun }> = []
    for (let i = 0; i < repeat; i++) {
      ctx.log(`engine: leakwatch on the corpus, run ${i + 1}/${repeat} (taskset -c ${core})`)
      lwRuns.push(await leakwatchRun(ctx, dir, files, core))
    }
    const lwLast = lwRuns.at(-1)?.run as LeakwatchRun
    const lwRow: Row = { tool: 'leakwatch', scope: 'corpus', bytes, runs: lwRuns.map((r) => r.measured), score: scoreOf(manifest, lwLast.findings) }
    lwRow.base = lwRow
    rows.push(lwRow)
    // V8 sizes its heap by allocation rate, not by what is live (a few MB here): with a cap the same engine shows
    // what it needs, which is the figure to set a container limit by.
    ctx.log(`engine: leakwatch on the corpus with node --max-old-space-size=${HEAP_CAP_MB} (taskset -c ${core})`)
    const capped = await leakwatchRun(ctx, dir, files, core, [`--max-old-space-size=${HEAP_CAP_MB}`])
    const cappedRow: Row = {
      tool: `leakwatch (heap cap ${HEAP_CAP_MB} MB)`,
      scope: 'corpus',
      bytes,
      runs: [capped.measured],
      score: scoreOf(manifest, capped.run.findings),
      base: lwRow
    }
    rows.push(cappedRow)
    // The runs above are one pass each, so their figures include V8 optimising the engine and RE2 building its
    // DFAs (about 0.4 s over the first tens of MB). A detector that has been running has paid that: its speed is
    // a second pass in the same process, files read and split again as the first time.
    ctx.log(`engine: leakwatch on the corpus, twice in one process (taskset -c ${core})`)
    const twice = await leakwatchRun(ctx, dir, files, core, [], ['--passes', '2'])
    const lwWarm = mb(bytes) / ((twice.run.warmDetectCpuMs ?? Number.NaN) / 1000)

    if (ctx.flags['skip-peers'] !== true) {
      const config = join(ctx.repo, 'bench', 'secretlintrc.json')
      const slRuns: PeerRun[] = []
      for (let i = 0; i < repeat; i++) {
        ctx.log(`engine: secretlint on the corpus, run ${i + 1}/${repeat} (taskset -c ${core})`)
        slRuns.push(await runSecretlint(config, dir, files, join(ctx.root, `secretlint-report-${process.pid}.json`), core))
      }
      const slLast = slRuns.at(-1) as PeerRun
      rows.push({
        tool: `secretlint ${secretlintVersion()}`,
        scope: 'corpus',
        bytes,
        runs: slRuns.map((r) => r.measured),
        score: scoreOf(manifest, slLast.findings),
        base: lwRow
      })
    }

    // The sample: leakwatch again (its RSS there against the full corpus's shows whether memory grows with input), then gitleaks.
    ctx.log(`engine: leakwatch on the ${sampleMb} MB sample`)
    const lwSample = await leakwatchRun(ctx, sample.dir, sample.files, core)
    const lwSampleRow: Row = {
      tool: 'leakwatch',
      scope: `sample ${sampleMb} MB`,
      bytes: sample.bytes,
      runs: [lwSample.measured],
      score: scoreOf(manifest, lwSample.run.findings, sampleScope)
    }
    lwSampleRow.base = lwSampleRow
    const sampleRows: Row[] = [lwSampleRow]
    const gitleaks = ctx.flags['skip-peers'] === true ? undefined : findGitleaks()
    let gitleaksNote = ctx.flags['skip-peers'] === true ? 'peers skipped (--skip-peers)' : 'gitleaks not found on the PATH or in ~/go/bin: skipped'
    if (gitleaks !== undefined) {
      gitleaksNote = `gitleaks ${gitleaksVersion(gitleaks)} (${gitleaks})`
      const report = join(ctx.root, `gitleaks-report-${process.pid}.json`)
      ctx.log(`engine: gitleaks on the ${sampleMb} MB sample (taskset -c ${core})`)
      const pinned = await runGitleaks(gitleaks, sample.dir, report, core)
      ctx.log(`engine: gitleaks on the ${sampleMb} MB sample (all ${cpus().length} cores)`)
      const free = await runGitleaks(gitleaks, sample.dir, report, undefined)
      sampleRows.push(
        {
          tool: `gitleaks (taskset -c ${core})`,
          scope: `sample ${sampleMb} MB`,
          bytes: sample.bytes,
          runs: [pinned.measured],
          score: scoreOf(manifest, pinned.findings, sampleScope),
          base: lwSampleRow
        },
        {
          tool: `gitleaks (${cpus().length} cores)`,
          scope: `sample ${sampleMb} MB`,
          bytes: sample.bytes,
          runs: [free.measured],
          score: scoreOf(manifest, free.findings, sampleScope),
          base: lwSampleRow
        }
      )
    }

    // Interleaved, so a burst of load from elsewhere on the machine does not land on one prefilter's runs only.
    const pfRuns = new Map<string, PrefilterRun[]>(PREFILTERS.map((v) => [v, []]))
    for (let i = 0; i < repeat; i++) {
      for (const v of PREFILTERS) {
        ctx.log(`engine: prefilter ${v} on the ${sampleMb} MB sample, run ${i + 1}/${repeat} (taskset -c ${core})`)
        pfRuns.get(v)?.push(await prefilterRun(ctx, sample, v, core))
      }
    }
    const prefilters: PrefilterRun[] = PREFILTERS.map((v) => {
      const runs = pfRuns.get(v) ?? []
      const first = runs[0] as PrefilterRun
      return {
        ...first,
        coldPrefilterMs: median(runs.map((r) => r.coldPrefilterMs)),
        prefilterMs: median(runs.map((r) => r.prefilterMs)),
        withRegexMs: median(runs.map((r) => r.withRegexMs)),
        maxRssKb: Math.max(...runs.map((r) => r.maxRssKb))
      }
    })

    const lwDetectMs = median(lwRuns.map((r) => r.run.detectMs))
    const lwDetectCpu = median(lwRuns.map((r) => r.run.detectCpuMs))
    const lwEngine = mb(bytes) / (lwDetectCpu / 1000)
    const lwCpuIn = median(lwRuns.map((r) => r.run.cpuUserMs + r.run.cpuSystemMs))
    const lwPerCore = perCore(lwRow)
    const lwRss = rssMb(lwRow)
    const out = [
      '',
      `## leakwatch engine benchmark — ${new Date().toISOString().slice(0, 10)}, ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Node ${process.version}`,
      `command: ${ctx.command}`,
      `corpus: ${fmt(mb(bytes), 0)} MB, ${lines} lines in ${files.length} files (${[...new Set(manifest.files.map((f) => f.shape))].join(', ')}), ${manifest.plants.length} planted secrets of ${new Set(manifest.plants.map((p) => p.rule)).size} rules (1 per ~${manifest.secretEveryLines} lines), ${manifest.negatives.length} rule look-alikes; ${dir}`,
      `sample: first ${fmt(mb(sample.bytes), 0)} MB of every file (${sample.dir}); ${gitleaksNote}`,
      `MB = 10^6 bytes; MB/s/core = MB per CPU-second of a process pinned with taskset -c ${core}; medians of ${repeat} runs where runs > 1; peak RSS is the highest of the runs; exact = planted secrets whose value the tool extracted exactly`,
      '',
      resultRows([...rows, ...sampleRows]),
      '',
      // Two figures against the target: the engine (CPU spent inside detect(), every rule, generic detection and
      // decoders) and the whole process (Node start-up, TypeScript loading, rule compilation, reading and
      // splitting the files) — the figure to compare with the peers' whole-process runs.
      `leakwatch engine: ${fmt(lwEngine, 1)} MB/s per core inside detect() (target ${TARGET_MB_PER_S}: ${lwEngine >= TARGET_MB_PER_S ? 'met' : 'MISSED'}); ` +
        `${fmt(lwPerCore, 1)} MB/s per core end to end, whole process (${lwPerCore >= TARGET_MB_PER_S ? 'met' : 'MISSED'}); ` +
        `steady state ${fmt(lwWarm, 1)} MB/s per core inside detect() on a second pass in the same process (${lwWarm >= TARGET_MB_PER_S ? 'met' : 'MISSED'}); ` +
        `${fmt(lines / (lwCpuIn / 1000), 0)} lines/s; detect() ${fmt(mb(bytes) / (lwDetectMs / 1000), 1)} MB/s by wall clock; ` +
        `peak RSS ${fmt(lwRss, 0)} MB on ${fmt(mb(bytes), 0)} MB, ${fmt(rssMb(lwSampleRow), 0)} MB on ${fmt(mb(sample.bytes), 0)} MB (target < ${TARGET_RSS_MB}: ${lwRss < TARGET_RSS_MB ? 'met' : 'MISSED'}); ` +
        `with --max-old-space-size=${HEAP_CAP_MB}: ${fmt(rssMb(cappedRow), 0)} MB at ${fmt(perCore(cappedRow), 1)} MB/s per core`,
      '',
      `prefilters on the sample (${fmt(mb(prefilters[0]?.bytes ?? 0), 0)} MB, ${prefilters[0]?.lines ?? 0} raw lines, CPU time, medians of ${repeat}; "+ regexes" = prefilter then every candidate rule's RE2 over the line bytes):`,
      table(
        ['prefilter', 'cold ms', 'warm ms', 'MB/s', '+ regexes ms', 'MB/s', 'candidate lines', 'candidate pairs', 'matching pairs', 'missed', 'peak RSS MB'],
        prefilters.map((p) => [
          p.name,
          fmt(p.coldPrefilterMs, 0),
          fmt(p.prefilterMs, 0),
          fmt(mb(p.bytes) / (p.prefilterMs / 1000), 1),
          fmt(p.withRegexMs, 0),
          fmt(mb(p.bytes) / (p.withRegexMs / 1000), 1),
          String(p.candidateLines),
          String(p.candidatePairs),
          String(p.matchedPairs),
          String(p.missedPairs),
          fmt(p.maxRssKb / 1024, 0)
        ])
      ),
      '',
      // The capped run and the unpinned gitleaks run report the same findings as their siblings.
      breakdown([...rows, ...sampleRows].filter((r) => r !== cappedRow && !r.tool.endsWith('cores)'))),
      ''
    ]
    if (ctx.flags['cpu-prof'] === true) {
      const profDir = join(ctx.root, `prof-${process.pid}`)
      rmSync(profDir, { recursive: true, force: true })
      ctx.log(`engine: leakwatch on the corpus under --cpu-prof (${profDir})`)
      await leakwatchRun(ctx, dir, files, core, ['--cpu-prof', '--cpu-prof-dir', profDir])
      const prof = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'))
      if (prof !== undefined) out.push(summarizeProfile(join(profDir, prof), ctx.repo), '')
    }
    process.stdout.write(`${out.join('\n')}\n`)
  }
}
