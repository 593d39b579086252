// `npm run bench -- --only accuracy`: precision and recall of the built-in
// rules on data the rule authors did not write (issue #15), next to the
// in-house generated corpus. The independent data is read from the sources'
// repositories at bench time (bench/independent/sources.ts, PROVENANCE.md):
// each published example is embedded as the message of a log record in six
// shapes (JSON app log, plain app log, nginx error log, CI output, CRI pod
// log, Kubernetes audit event), and loghub's real system logs are scanned as
// they are.
//
// Units: recall is example-level (a positive example embedded in one shape is
// found when a finding lands on one of its lines); precision is line-level
// (every line with a finding is one unit, true when it belongs to a positive
// example, false otherwise: a negative example, a loghub line). The clean logs
// report findings per 10,000 lines.
//
// With --write-confidence the measured precision of each rule on the
// independent data is written to detectors/rules/confidence.json (the
// finding's confidence, responders/policy.ts's threshold).

import { createHash } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createRng, type Rng } from '../detectors/gen.ts'
import { BUILTIN_RULES } from '../detectors/rules/registry.ts'
import { createSecretDetector } from '../detectors/secrets.ts'
import type { LogChunk } from '../pipeline/events.ts'
import type { Fingerprinter } from '../pipeline/fingerprint.ts'
import { corpusDir, ensureCorpus } from './corpus.ts'
import type { Example, SourceData } from './independent/sources.ts'
import { DEFAULT_MIRRORS, loadSources } from './independent/sources.ts'
import { lineBatches } from './lines.ts'
import type { BenchContext, Benchmark } from './run.ts'
import type { Reported } from './score.ts'
import { score } from './score.ts'
import { LogClock, writerFor } from './shapes.ts'

export const LOG_SHAPES = ['json', 'plain', 'nginx', 'ci', 'cri', 'audit'] as const
/**
 * Encodings the example is wrapped in, scored on their own rows (not in the per-source totals): URL-encoded
 * in an access log's query string, base64 in a JSON field at each of the three alignments (0, 1 or 2
 * bytes before it), and a JSON document escaped inside another's string.
 */
export const ENCODINGS = ['url-query', 'base64', 'json-in-json'] as const
export type LogShape = (typeof LOG_SHAPES)[number] | (typeof ENCODINGS)[number]

const CHUNK_LINES = 500

/** A labelled span of a generated file: the lines one example was written on. */
interface Unit {
  example: Example
  shape: LogShape
  line: number
  endLine: number
}

/** A Kubernetes audit event whose request object carries the message: what an API server logs when a ConfigMap is created with it. */
function auditLine(r: Rng, clock: LogClock, msg: string[]): string {
  const t = clock.tick(r).toISOString()
  return JSON.stringify({
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'RequestResponse',
    auditID: `${r.chars('0123456789abcdef', 8)}-${r.chars('0123456789abcdef', 4)}-4${r.chars('0123456789abcdef', 3)}-a${r.chars('0123456789abcdef', 3)}-${r.chars('0123456789abcdef', 12)}`,
    stage: 'ResponseComplete',
    requestURI: '/api/v1/namespaces/payments/configmaps',
    verb: 'create',
    user: { username: 'system:serviceaccount:ci:deployer', groups: ['system:serviceaccounts'] },
    objectRef: { resource: 'configmaps', namespace: 'payments', name: 'app-config', apiVersion: 'v1' },
    responseStatus: { code: 201 },
    requestObject: { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'app-config' }, data: { 'app.conf': msg.join('\n') } },
    requestReceivedTimestamp: t,
    stageTimestamp: t
  })
}

/** `text` wrapped in encoding `shape`, the `i`th example (its base64 alignment). */
function encodedLine(shape: LogShape, text: string, i: number, t: Date): string {
  const ts = t.toISOString()
  if (shape === 'url-query')
    return `10.2.0.7 - - [${ts}] "GET /hooks/callback?state=ok&cfg=${encodeURIComponent(text)} HTTP/1.1" 200 17 "-" "Go-http-client/1.1"`
  if (shape === 'base64') {
    // 0, 1 or 2 separator bytes before the text: the text starts at each offset mod 3 of the encoded bytes.
    const pad = ['', ' ', ': '][i % 3] ?? ''
    return JSON.stringify({ level: 'debug', ts, msg: 'webhook body', body: Buffer.from(`${pad}${text}`, 'utf8').toString('base64') })
  }
  return JSON.stringify({ level: 'info', ts, msg: JSON.stringify({ event: 'config.loaded', content: text }) })
}

/** Every example of `examples` embedded in `shape`, one record each, and where each landed. */
export function embed(examples: readonly Example[], shape: LogShape, seed: number): { lines: string[]; units: Unit[] } {
  const r = createRng(seed)
  const clock = new LogClock(Date.UTC(2026, 0, 5, 9))
  const writer = shape === 'json' || shape === 'plain' || shape === 'nginx' || shape === 'ci' || shape === 'cri' ? writerFor(shape, 0) : undefined
  const lines: string[] = []
  const units: Unit[] = []
  for (const [i, example] of examples.entries()) {
    // Trailing newlines of a YAML block scalar are not part of the message.
    const text = example.text.replace(/\n+$/, '')
    const msg = text.split('\n')
    const rec =
      writer !== undefined ? writer.embed(r, clock, msg) : shape === 'audit' ? [auditLine(r, clock, msg)] : [encodedLine(shape, text, i, clock.tick(r))]
    units.push({ example, shape, line: lines.length + 1, endLine: lines.length + rec.length })
    lines.push(...rec)
  }
  return { lines, units }
}

/** The detector as the pipeline builds it, with a plain SHA-256 for a fingerprint (no key: the bench only compares). */
function detector() {
  const sha: Fingerprinter = { of: (v) => createHash('sha256').update(v, 'utf8').digest('hex'), ephemeral: false }
  return createSecretDetector({ rules: BUILTIN_RULES, fingerprinter: sha, maxContextChars: 120 })
}

type Detector = ReturnType<typeof detector>

/** Findings of `lines` as (line, rule) pairs, fed as the pipeline feeds it: chunks of 500 lines. */
function scanLines(d: Detector, stream: string, lines: readonly string[]): Array<{ line: number; rule: string }> {
  const out: Array<{ line: number; rule: string }> = []
  for (let i = 0; i < lines.length; i += CHUNK_LINES) {
    const chunk: LogChunk = {
      v: '1',
      type: 'log-chunk',
      stream,
      source: { type: 'file', path: stream },
      startLine: i + 1,
      offset: { start: 0, end: 0 },
      lines: lines.slice(i, i + CHUNK_LINES),
      collectedAt: ''
    }
    for (const f of d.detect(chunk)) out.push({ line: f.location.line, rule: f.rule })
  }
  return out
}

/** Counts of one row of the table. */
export interface Tally {
  positives: number
  found: number
  /** Lines with a finding, and those of them not on a positive example. */
  lineUnits: number
  falseUnits: number
}

const emptyTally = (): Tally => ({ positives: 0, found: 0, lineUnits: 0, falseUnits: 0 })

export interface AccuracyResult {
  bySource: Map<string, Tally>
  byShape: Map<LogShape, Tally>
  total: Tally
  /** Per rule of ours: line units it reported and how many were true. */
  byRule: Map<string, { units: number; true: number }>
  /** Source rule ids with their missed positives, most first. */
  missed: Map<string, number>
  /** Our rules' false line units by source rule of the negative, most first. */
  falseOn: Map<string, number>
  clean: { lines: number; findings: number; byRule: Map<string, number> }
}

/** Precision and recall of the built-in rules over the examples of `sources` in every shape, and their findings on the clean logs. */
export function evaluate(sources: readonly SourceData[], seed: number): AccuracyResult {
  const d = detector()
  const res: AccuracyResult = {
    bySource: new Map(),
    byShape: new Map(),
    total: emptyTally(),
    byRule: new Map(),
    missed: new Map(),
    falseOn: new Map(),
    clean: { lines: 0, findings: 0, byRule: new Map() }
  }
  const examples = sources.flatMap((s) => s.examples)
  for (const shape of [...LOG_SHAPES, ...ENCODINGS]) {
    // The per-source totals are the six log shapes; encodings have their rows only.
    const counted = (LOG_SHAPES as readonly string[]).includes(shape)
    const { lines, units } = embed(examples, shape, seed)
    const unitAt: Array<Unit | undefined> = []
    for (const u of units) for (let l = u.line; l <= u.endLine; l++) unitAt[l] = u
    const found = new Set<Unit>()
    const rulesAt = new Map<number, Set<string>>()
    for (const f of scanLines(d, `bench/${shape}`, lines)) {
      const set = rulesAt.get(f.line) ?? new Set<string>()
      rulesAt.set(f.line, set)
      set.add(f.rule)
    }
    const tallies = (u: Unit): Tally[] => {
      const bySource = res.bySource.get(u.example.source) ?? emptyTally()
      res.bySource.set(u.example.source, bySource)
      const byShape = res.byShape.get(shape) ?? emptyTally()
      res.byShape.set(shape, byShape)
      return counted ? [bySource, byShape, res.total] : [byShape]
    }
    for (const [line, rules] of rulesAt) {
      const u = unitAt[line]
      if (u === undefined) continue
      const truth = u.example.positive
      if (truth) found.add(u)
      for (const t of tallies(u)) {
        t.lineUnits++
        if (!truth) t.falseUnits++
      }
      for (const rule of counted ? rules : []) {
        const r = res.byRule.get(rule) ?? { units: 0, true: 0 }
        res.byRule.set(rule, r)
        r.units++
        if (truth) r.true++
        if (!truth)
          res.falseOn.set(`${rule} on ${u.example.source}:${u.example.rule}`, (res.falseOn.get(`${rule} on ${u.example.source}:${u.example.rule}`) ?? 0) + 1)
      }
    }
    for (const u of units) {
      if (!u.example.positive) continue
      for (const t of tallies(u)) {
        t.positives++
        if (found.has(u)) t.found++
      }
      if (counted && !found.has(u)) res.missed.set(`${u.example.source}:${u.example.rule}`, (res.missed.get(`${u.example.source}:${u.example.rule}`) ?? 0) + 1)
    }
  }
  for (const s of sources) {
    for (const [name, lines] of s.cleanLogs) {
      res.clean.lines += lines.length
      const lineSet = new Set<number>()
      for (const f of scanLines(d, `${s.name}/${name}`, lines)) {
        lineSet.add(f.line)
        res.clean.byRule.set(f.rule, (res.clean.byRule.get(f.rule) ?? 0) + 1)
        const r = res.byRule.get(f.rule) ?? { units: 0, true: 0 }
        res.byRule.set(f.rule, r)
        r.units++
      }
      res.clean.findings += lineSet.size
    }
  }
  return res
}

const pct = (x: number): string => (Number.isNaN(x) ? '   -  ' : x.toFixed(3).padStart(6))
const recallOf = (t: Tally): number => (t.positives === 0 ? Number.NaN : t.found / t.positives)
const precisionOf = (t: Tally): number => (t.lineUnits === 0 ? Number.NaN : (t.lineUnits - t.falseUnits) / t.lineUnits)

function row(name: string, t: Tally, extra = ''): string {
  return `${name.padEnd(22)} ${String(t.positives).padStart(6)} ${String(t.found).padStart(6)} ${pct(recallOf(t))} ${String(t.lineUnits).padStart(6)} ${String(t.falseUnits).padStart(6)} ${pct(precisionOf(t))}${extra}`
}

/** The rule confidence file: each rule's measured line-level precision on the independent data, with its support. */
export interface ConfidenceFile {
  generatedBy: string
  sources: Array<{ repo: string; commit: string }>
  rules: Record<string, { precision: number; units: number }>
}

export const benchmark: Benchmark = {
  name: 'accuracy',
  description: "precision and recall on other scanners' published rule examples and real secret-free logs (issue #15), next to the in-house corpus",
  options: {
    mirrors: { type: 'string', default: DEFAULT_MIRRORS },
    'accuracy-mb': { type: 'string', default: '5' },
    'write-confidence': { type: 'boolean', default: false },
    'accuracy-details': { type: 'boolean', default: false },
    // Scores the sources' own labels, without labels.ts's corrections: what the corrections change, in the open.
    'accuracy-as-published': { type: 'boolean', default: false }
  },
  async run(ctx: BenchContext): Promise<void> {
    const seed = Number(ctx.flags.seed)
    const asPublished = ctx.flags['accuracy-as-published'] === true
    if (asPublished && ctx.flags['write-confidence'] === true)
      throw new Error('--accuracy-as-published and --write-confidence: confidence is measured on the corrected labels')
    const { sources, missing } = loadSources(String(ctx.flags.mirrors), seed, asPublished)
    for (const m of missing) ctx.log(`accuracy: ${m} not found under ${String(ctx.flags.mirrors)}; its row is missing`)
    const res = evaluate(sources, seed)
    // The in-house generator's corpus, small: the same rules scored on what they generated.
    const mb = Number(ctx.flags['accuracy-mb'])
    const root = join(ctx.repo, '.cache', 'bench', `accuracy-inhouse-${mb}mb-seed${seed}`)
    const manifest = ensureCorpus({ root, sizeMb: mb, seed, rules: BUILTIN_RULES, log: ctx.log })
    const d = detector()
    const reported: Reported[] = []
    for (const f of manifest.files) {
      for (const batch of lineBatches(join(corpusDir(root), f.name), CHUNK_LINES)) {
        const chunk: LogChunk = {
          v: '1',
          type: 'log-chunk',
          stream: `file:${f.name}`,
          source: { type: 'file', path: f.name },
          startLine: batch.startLine,
          offset: { start: 0, end: 0 },
          lines: batch.lines,
          collectedAt: ''
        }
        for (const x of d.detect(chunk)) reported.push({ file: f.name, line: x.location.line, rule: x.rule })
      }
    }
    // Line units, as for the independent rows.
    const seen = new Set<string>()
    const units = reported.filter((r) => {
      const k = `${r.file}:${r.line}`
      if (seen.has(k)) return false
      seen.add(k)
      return true
    })
    const inhouse = score(manifest.plants, manifest.negatives, units)
    const out: string[] = []
    out.push(`\naccuracy (${ctx.command}), seed ${seed}`)
    out.push('recall: example-level (a positive example in one log shape is found when a finding is on its lines)')
    out.push('precision: line-level (a line with a finding is one unit; false when not on a positive example)\n')
    out.push(
      `${'source'.padEnd(22)} ${'pos'.padStart(6)} ${'found'.padStart(6)} ${'recall'.padStart(6)} ${'lines'.padStart(6)} ${'false'.padStart(6)} ${'prec.'.padStart(6)}`
    )
    for (const s of sources) {
      if (s.examples.length === 0) continue
      const t = res.bySource.get(s.name) ?? emptyTally()
      const neg = s.examples.filter((e) => !e.positive).length
      out.push(
        row(
          s.name,
          t,
          `   (${s.examples.length - neg} positive, ${neg} negative examples x ${LOG_SHAPES.length} shapes${s.skipped > 0 ? `; ${s.skipped} not extractable` : ''}${s.relabelled > 0 ? `; ${s.relabelled} negatives relabelled (labels.ts)` : ''}${s.notCredentials > 0 ? `; ${s.notCredentials} positives of identifier rules counted negative (labels.ts)` : ''}${s.placeholders > 0 ? `; ${s.placeholders} positives holding no credential counted negative (labels.ts)` : ''})`
        )
      )
    }
    out.push(row('all independent', res.total))
    for (const shape of LOG_SHAPES) out.push(row(`  shape ${shape}`, res.byShape.get(shape) ?? emptyTally()))
    for (const enc of ENCODINGS) out.push(row(`  encoded ${enc}`, res.byShape.get(enc) ?? emptyTally(), '   (not in the totals)'))
    out.push(
      row(
        `in-house (${mb} MB)`,
        { positives: inhouse.plants, found: inhouse.found, lineUnits: inhouse.findings, falseUnits: inhouse.falsePositives },
        '   (bench/corpus.ts: planted secrets, line units)'
      )
    )
    const per10k = res.clean.lines === 0 ? Number.NaN : (res.clean.findings / res.clean.lines) * 10_000
    out.push(
      `\nreal secret-free logs (loghub, ${res.clean.lines} lines): ${res.clean.findings} lines with findings, ${Number.isNaN(per10k) ? '-' : per10k.toFixed(2)} per 10k lines${res.clean.byRule.size > 0 ? ` (${[...res.clean.byRule].map(([r, n]) => `${r} ${n}`).join(', ')})` : ''}`
    )
    const top = (m: Map<string, number>, n: number): string =>
      [...m]
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .slice(0, n)
        .map(([k, v]) => `  ${String(v).padStart(4)}  ${k}`)
        .join('\n')
    const details = ctx.flags['accuracy-details'] === true
    out.push(`\nfalse line units by our rule on the source's example (${details ? 'all' : 'top 15'}):\n${top(res.falseOn, details ? 10_000 : 15)}`)
    out.push(`\nmissed positives by source rule (${details ? 'all' : 'top 15'}, of ${res.missed.size}):\n${top(res.missed, details ? 10_000 : 15)}`)
    process.stdout.write(`${out.join('\n')}\n`)
    if (ctx.flags['write-confidence'] === true) {
      const file: ConfidenceFile = {
        generatedBy: 'npm run bench -- --only accuracy --write-confidence',
        sources: sources.map((s) => ({ repo: s.repo, commit: s.commit })),
        rules: Object.fromEntries(
          [...res.byRule]
            .sort((a, b) => a[0].localeCompare(b[0]))
            .map(([rule, r]) => [rule, { precision: Number((r.true / r.units).toFixed(4)), units: r.units }])
        )
      }
      const path = join(ctx.repo, 'detectors', 'rules', 'confidence.json')
      mkdirSync(join(ctx.repo, 'detectors', 'rules'), { recursive: true })
      writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`)
      ctx.log(`accuracy: wrote ${path}`)
    }
  }
}
