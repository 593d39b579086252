// `leakwatch audit analyze <audit.log...|->`: replays audit logs through the
// access detector in one process, learning first, then detecting, and prints
// the findings. What an incident responder runs on last week's audit log.
//
// Programmatic entry point (the benchmark's simulator uses it):
//
//   for await (const f of analyzeAudit(events, { config, learn })) …
//
// `events` is any (async) iterable of audit.k8s.io/v1 Events in time order;
// `learn` ends the learning period at an event time (ms), or after a duration
// from the first event. Findings come out as each closes, every one at the end.
//
// Inputs: plain or gzip files (by their magic bytes), or stdin; each line is
// decoded by pipeline/audit-decode.ts (Event, EventList, v1beta1, the GKE, EKS
// and AKS envelopes); an input whose first line is not JSON by itself (a
// pretty-printed EventList, an AKS records file) is decoded as one body.
// Files are read in the order of their first event, so rotated logs given in
// any order replay in time order. Bad lines are counted and reported on
// stderr by reason, never quoted.

import { createReadStream } from 'node:fs'
import { open } from 'node:fs/promises'
import type { Readable, Writable } from 'node:stream'
import { createGunzip } from 'node:zlib'
import type { AuditEvent } from '../detectors/access/audit-event.ts'
import type { AccessConfig } from '../detectors/access/config.ts'
import { ACCESS_RULES, accessConfigSchema } from '../detectors/access/config.ts'
import type { AccessFinding } from '../detectors/access/detector.ts'
import { createAccessDetector } from '../detectors/access/detector.ts'
import { accessSummary, toPipelineFinding } from '../detectors/access/finding.ts'
import type { AccessStore } from '../detectors/access/store.ts'
import { createMemoryAccessStore } from '../detectors/access/store.ts'
import type { Rule } from '../detectors/rule.ts'
import { auditDecodeReason, decodeAudit } from '../pipeline/audit-decode.ts'
import { LeakwatchError } from '../pipeline/errors.ts'
import { escapeControls } from '../pipeline/escape.ts'
import { createFingerprinter } from '../pipeline/fingerprint.ts'
import { parse } from '../pipeline/schema.ts'
import type { SarifTool } from './sarif.ts'
import { toSarif } from './sarif.ts'

export type AnalyzeFormat = 'text' | 'json' | 'jsonl' | 'sarif'
export const ANALYZE_FORMATS: readonly AnalyzeFormat[] = ['text', 'json', 'jsonl', 'sarif']

/** Learning: until an event time, for a duration after the first event, or (files only) a fraction of the time they span. */
export type Learn = { untilMs: number } | { durationMs: number } | { fraction: number }

const MAX_LINE_BYTES = 16 * 1024 * 1024
const BATCH = 1000

/** `3d`, `12h`, `90m`, `3600s`, or a fraction in [0, 1) such as `0.5`. */
export function parseLearn(text: string): Learn {
  const t = text.trim()
  const d = /^(\d{1,6}(?:\.\d{1,3})?)(ms|s|m|h|d|w)$/.exec(t)
  if (d !== null) {
    const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[d[2] as 'ms']
    return { durationMs: Number(d[1]) * unit }
  }
  if (/^(0(\.\d{1,6})?|\.\d{1,6})$/.test(t)) return { fraction: Number(t) }
  throw new LeakwatchError('LW_ERR_USAGE', `--learn takes a duration (3d, 12h, 90m) or a fraction below 1 (0.5), got ${JSON.stringify(text.slice(0, 40))}`)
}

export interface AnalyzeOptions {
  config: AccessConfig
  learn?: Learn
  store?: AccessStore
  /** Called per decoded batch (progress, tests). */
  onBatch?: (events: number) => void
}

function timeOf(e: AuditEvent): number {
  return Date.parse(e.stageTimestamp ?? e.requestReceivedTimestamp ?? '')
}

/** Replays events through the access detector; yields findings as they close, the rest at the end, each by firstSeen. */
export async function* analyzeAudit(events: AsyncIterable<AuditEvent> | Iterable<AuditEvent>, opts: AnalyzeOptions): AsyncGenerator<AccessFinding> {
  const learn = opts.learn ?? { durationMs: opts.config.learningPeriodMs }
  if ('fraction' in learn) throw new LeakwatchError('LW_ERR_USAGE', 'a learning fraction needs the time span of the input: resolve it to untilMs first')
  const store = opts.store ?? createMemoryAccessStore()
  let detector: ReturnType<typeof createAccessDetector> | undefined
  let batch: AuditEvent[] = []
  const run = async (): Promise<AccessFinding[]> => {
    if (batch.length === 0) return []
    if (detector === undefined) {
      const first = batch.map(timeOf).find(Number.isFinite) ?? 0
      const untilMs = 'untilMs' in learn ? learn.untilMs : first + learn.durationMs
      // One process, one pass: the state is written to the store once, at the end.
      detector = createAccessDetector(opts.config, { store, emit: 'close', learnUntilMs: untilMs, saveIntervalMs: Number.POSITIVE_INFINITY })
    }
    const found = await detector.process(batch)
    opts.onBatch?.(batch.length)
    batch = []
    return found
  }
  for await (const e of events) {
    batch.push(e)
    if (batch.length >= BATCH) yield* await run()
  }
  yield* await run()
  if (detector !== undefined) yield* await detector.flush()
}

export interface DecodeStats {
  lines: number
  events: number
  rejected: Map<string, number>
}

/** The lines of a file or stream, gunzipped when it starts with gzip's magic bytes; an over-long line is skipped whole. */
async function* lines(input: Readable, stats: DecodeStats): AsyncGenerator<string> {
  let src: AsyncIterable<Buffer> = input
  const it = input[Symbol.asyncIterator]() as AsyncIterator<Buffer>
  const first = await it.next()
  if (first.done === true) return
  const head = first.value
  async function* rest(): AsyncGenerator<Buffer> {
    yield head
    for (let r = await it.next(); r.done !== true; r = await it.next()) yield r.value
  }
  const raw = rest()
  src = raw
  if (head[0] === 0x1f && head[1] === 0x8b) {
    const gunzip = createGunzip()
    const feed = (async () => {
      for await (const b of raw) if (!gunzip.write(b)) await new Promise((r) => gunzip.once('drain', r))
      gunzip.end()
    })()
    feed.catch((err: unknown) => gunzip.destroy(err as Error))
    src = gunzip
  }
  let parts: Buffer[] = []
  let size = 0
  let skipping = false
  for await (const chunk of src) {
    let from = 0
    for (let nl = chunk.indexOf(10, from); nl >= 0; nl = chunk.indexOf(10, from)) {
      if (!skipping) {
        parts.push(chunk.subarray(from, nl))
        yield Buffer.concat(parts).toString('utf8')
      } else count(stats, 'too-large')
      parts = []
      size = 0
      skipping = false
      from = nl + 1
    }
    if (from < chunk.length && !skipping) {
      size += chunk.length - from
      if (size > MAX_LINE_BYTES) {
        skipping = true
        parts = []
      } else parts.push(chunk.subarray(from))
    }
  }
  if (skipping) count(stats, 'too-large')
  else if (parts.length > 0) yield Buffer.concat(parts).toString('utf8')
}

function count(stats: DecodeStats, reason: string): void {
  stats.rejected.set(reason, (stats.rejected.get(reason) ?? 0) + 1)
}

/** The events of one input. A first line that is not JSON alone makes the input one body (pretty-printed JSON). */
export async function* decodeInput(input: Readable, stats: DecodeStats): AsyncGenerator<AuditEvent> {
  let body: string[] | undefined
  let bodyBytes = 0
  let first = true
  for await (const line of lines(input, stats)) {
    if (body !== undefined) {
      bodyBytes += line.length + 1
      if (bodyBytes > MAX_LINE_BYTES) {
        count(stats, 'too-large')
        return
      }
      body.push(line)
      continue
    }
    if (line.trim() === '') continue
    stats.lines++
    const d = decoded(line, stats)
    if (d === 'not-json' && first) {
      body = [line]
      bodyBytes = line.length
    } else if (d === 'not-json') count(stats, d)
    else yield* d
    first = false
  }
  if (body !== undefined) {
    const d = decoded(body.join('\n'), stats)
    if (d === 'not-json') count(stats, d)
    else yield* d
  }
}

/** The events of one line or body, its rejected items counted; a text that is no audit shape is counted, except not-json (the caller decides). */
function decoded(text: string, stats: DecodeStats): AuditEvent[] | 'not-json' {
  try {
    const d = decodeAudit(text)
    for (const r of d.rejected) count(stats, r.reason)
    stats.events += d.events.length
    return d.events
  } catch (err) {
    const reason = auditDecodeReason(err)
    if (reason === undefined) throw err
    if (reason === 'not-json') return reason
    count(stats, reason)
    return []
  }
}

function openInput(path: string, stdin: Readable): Readable {
  return path === '-' ? stdin : createReadStream(path)
}

async function checkReadable(path: string): Promise<void> {
  if (path === '-') return
  try {
    await (await open(path, 'r')).close()
  } catch (err) {
    throw new LeakwatchError('LW_ERR_SCAN_INPUT', `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, { cause: err })
  }
}

/** First and last event time of a file (a pass over it: for ordering and for a learning fraction). */
async function span(path: string): Promise<{ first: number; last: number; min: number; max: number }> {
  const stats: DecodeStats = { lines: 0, events: 0, rejected: new Map() }
  let first = Number.NaN
  let last = Number.NaN
  let min = Number.POSITIVE_INFINITY
  let max = Number.NEGATIVE_INFINITY
  for await (const e of decodeInput(createReadStream(path), stats)) {
    const t = timeOf(e)
    if (!Number.isFinite(t)) continue
    if (Number.isNaN(first)) first = t
    last = t
    if (t < min) min = t
    if (t > max) max = t
  }
  return { first, last, min, max }
}

export interface AnalyzeCliOptions {
  paths: string[]
  format: AnalyzeFormat
  learn?: string
  config: AccessConfig
  fingerprintKey?: string | undefined
  cluster: string
  tool: SarifTool
  cwd: string
  stdin: Readable
  stdout: Writable
  stderr: Writable
}

function sarifRules(): Rule[] {
  // Descriptors for SARIF only: access rules have no regex.
  return ACCESS_RULES.map(
    (r) => ({ id: `access-${r}`, title: r.replaceAll('-', ' '), severity: 'medium', kind: 'access', regex: '', keywords: [] }) as unknown as Rule
  )
}

function textOf(f: AccessFinding): string {
  const e = f.evidence
  const who = f.impersonatedUser === undefined ? f.principal : `${f.principal} (real user ${f.user}, impersonating ${f.impersonatedUser})`
  return [
    `${f.severity.toUpperCase()}  ${f.rule}  ${who}${f.namespace === undefined ? '' : `  ns=${f.namespace}`}`,
    `    ${f.title}; ${f.firstSeen} → ${f.lastSeen}; score ${f.score}`,
    `    ${accessSummary(f)}`,
    `    baseline: ${JSON.stringify(f.baseline)}`,
    `    first: ${e.first.verb} ${e.first.resource ?? ''}${e.first.namespace === undefined ? '' : ` ${e.first.namespace}`}${e.first.name === undefined ? '' : `/${e.first.name}`} from ${e.first.sourceIP ?? '?'} (${e.first.userAgent ?? '?'}) ${e.first.at}`,
    `    auditIDs: ${f.auditIDs.join(' ')}`
  ]
    .map(escapeControls)
    .join('\n')
}

/** The CLI: exit 0 without findings, 1 with, 2 when an input cannot be read. */
export async function auditAnalyze(o: AnalyzeCliOptions): Promise<number> {
  for (const p of o.paths) await checkReadable(p)
  if (o.paths.filter((p) => p === '-').length > 1) throw new LeakwatchError('LW_ERR_USAGE', 'stdin (-) can be read once')
  const config = parse(accessConfigSchema, o.config, 'LW_ERR_CONFIG_INVALID', 'detector.access')
  let learn: Learn = o.learn === undefined ? { durationMs: config.learningPeriodMs } : parseLearn(o.learn)
  // Files in the order of their first event; stdin where it was given relative to none (it is read last).
  const files = o.paths.filter((p) => p !== '-')
  const spans = new Map<string, Awaited<ReturnType<typeof span>>>()
  for (const f of files) spans.set(f, await span(f))
  const ordered = [...files].sort((a, b) => (spans.get(a)?.first ?? 0) - (spans.get(b)?.first ?? 0))
  if (o.paths.includes('-')) ordered.push('-')
  if ('fraction' in learn) {
    if (o.paths.includes('-'))
      throw new LeakwatchError('LW_ERR_USAGE', '--learn as a fraction needs files (their time span); give stdin a duration (--learn 3d)')
    const min = Math.min(...[...spans.values()].map((s) => s.min))
    const max = Math.max(...[...spans.values()].map((s) => s.max))
    learn = { untilMs: Number.isFinite(min) ? min + learn.fraction * (max - min) : 0 }
  }
  const stats: DecodeStats = { lines: 0, events: 0, rejected: new Map() }
  let first = Number.POSITIVE_INFINITY
  let last = Number.NEGATIVE_INFINITY
  async function* all(): AsyncGenerator<AuditEvent> {
    for (const p of ordered)
      for await (const e of decodeInput(openInput(p, o.stdin), stats)) {
        const t = timeOf(e)
        if (t < first) first = t
        if (t > last) last = t
        yield e
      }
  }
  const findings: AccessFinding[] = []
  for await (const f of analyzeAudit(all(), { config, learn })) findings.push(f)
  findings.sort((a, b) => a.firstSeen.localeCompare(b.firstSeen) || a.principal.localeCompare(b.principal) || a.rule.localeCompare(b.rule))

  const fingerprinter = createFingerprinter(o.fingerprintKey)
  if (o.format === 'json') o.stdout.write(`${JSON.stringify(findings, null, 2)}\n`)
  else if (o.format === 'jsonl') for (const f of findings) o.stdout.write(`${JSON.stringify(f)}\n`)
  else if (o.format === 'sarif') {
    const pf = findings.map((f) => toPipelineFinding(f, { cluster: o.cluster, fingerprinter }))
    o.stdout.write(`${JSON.stringify(toSarif(pf, sarifRules(), o.tool, o.cwd), null, 2)}\n`)
  } else for (const f of findings) o.stdout.write(`${textOf(f)}\n\n`)

  const rejected = [...stats.rejected].map(([r, n]) => `${n} ${r}`).join(', ')
  const learnText = 'untilMs' in learn ? `learning until ${new Date(learn.untilMs).toISOString()}` : `learning for ${learn.durationMs / 3_600_000} h`
  o.stderr.write(
    `audit analyze: ${stats.events} events from ${stats.lines} lines${rejected === '' ? '' : ` (skipped: ${rejected})`}; ${learnText}; ${findings.length} finding${findings.length === 1 ? '' : 's'}\n`
  )
  const until = 'untilMs' in learn ? learn.untilMs : first + learn.durationMs
  if (stats.events > 0 && last < until)
    o.stderr.write(
      `audit analyze: every event is within the learning period (the input spans ${Math.round((last - first) / 60_000)} min), so only the rules without a baseline ran; learn for less (--learn 0.5 learns the first half)\n`
    )
  return findings.length > 0 ? 1 : 0
}
