// The fuzz loop shared by `npm run fuzz` (test/fuzz/run.ts) and the smoke
// test: run one case through a target, check the properties every target
// shares (no crash: only a coded LeakwatchError may escape; bounded time;
// bounded heap growth), minimise a failing input by delta debugging, and keep
// it in the corpus as a recipe (seed, target, index and the byte ranges the
// minimisation kept), never as token text.

import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { getHeapStatistics } from 'node:v8'
import { LeakwatchError } from '../../pipeline/errors.ts'
import type { FuzzCase, SizeClass } from './inputs.ts'
import { caseSeed, redact } from './inputs.ts'
import type { Failure, Target } from './targets.ts'

export const CORPUS_DIR = fileURLToPath(new URL('./corpus/', import.meta.url))

export interface Limits {
  /** Milliseconds an input may take: `baseMs` plus `perMiBMs` per MiB. */
  baseMs: number
  perMiBMs: number
  /** Heap growth an input may cause: `heapBaseMiB` plus `heapPerByte` times its size. */
  heapBaseMiB: number
  heapPerByte: number
}

export const DEFAULT_LIMITS: Limits = { baseMs: 2000, perMiBMs: 2000, heapBaseMiB: 256, heapPerByte: 64 }

export function timeLimitMs(bytes: number, limits: Limits): number {
  return limits.baseMs + (limits.perMiBMs * bytes) / (1024 * 1024)
}

/** The first frame of a stack inside the repository: a crash's class, free of input text. */
function crashSite(err: unknown): string {
  const stack = err instanceof Error ? (err.stack ?? '') : ''
  const frame = stack.split('\n').find((l) => /\/(detectors|app|collectors|config|pipeline|responders)\//.test(l)) ?? ''
  const where = /\/((?:detectors|app|collectors|config|pipeline|responders)\/[^:)]+:\d+)/.exec(frame)?.[1] ?? 'unknown'
  const name = err instanceof Error ? err.name : typeof err
  return `${name}@${where}`
}

export interface Outcome {
  failures: Failure[]
  /** Wall time of the run (executions per second). */
  ms: number
  /**
   * CPU time of the thread that ran it: what the time bound is checked on. On a machine shared with other
   * work a 4 s case took 33 s of wall time (seed 20261207, engine case 4959, recorded as a hang).
   */
  cpuMs: number
}

function threadCpuMs(): number {
  const u = process.threadCpuUsage()
  return (u.user + u.system) / 1000
}

/** Runs one case and checks every property; the time check runs the case again before it counts as slow. */
export async function runCase(target: Target, c: FuzzCase, limits: Limits = DEFAULT_LIMITS): Promise<Outcome> {
  const once = async (): Promise<Outcome> => {
    const heap0 = getHeapStatistics().used_heap_size
    const t0 = performance.now()
    const cpu0 = threadCpuMs()
    let failures: Failure[]
    // Process warnings go to stderr (the yaml parser emits some with a source excerpt): they are output too.
    const warnings: string[] = []
    const onWarning = (w: Error): void => void warnings.push(`${w.name}: ${w.message}`)
    process.on('warning', onWarning)
    try {
      failures = await target.run(c)
    } catch (err) {
      const coded = err instanceof LeakwatchError
      // A coded error is a clear answer to bad input; only its text is checked (for secrets).
      failures = coded
        ? []
        : [{ property: 'no-crash', cls: crashSite(err), detail: `${crashSite(err)}: ${err instanceof Error ? err.message.slice(0, 300) : String(err)}` }]
      if (coded)
        for (const s of c.secrets)
          if (s.length >= 8 && err.message.includes(s))
            failures.push({ property: 'error-no-plaintext', cls: err.code, detail: `${err.code} message holds a planted secret` })
    }
    // Warnings are emitted on the next tick.
    await new Promise((resolve) => setImmediate(resolve))
    process.off('warning', onWarning)
    for (const s of c.secrets)
      if (s.length >= 8 && warnings.some((w) => w.includes(s)))
        failures.push({ property: 'warning-no-plaintext', cls: 'process-warning', detail: 'a process warning (stderr) holds a planted secret' })
    const ms = performance.now() - t0
    const cpuMs = threadCpuMs() - cpu0
    const grown = (getHeapStatistics().used_heap_size - heap0) / (1024 * 1024)
    const heapLimit = limits.heapBaseMiB + (limits.heapPerByte * c.bytes.length) / (1024 * 1024)
    if (grown > heapLimit)
      failures.push({
        property: 'bounded-heap',
        cls: sizeTag(c),
        detail: `heap grew ${grown.toFixed(0)} MiB on ${c.bytes.length} bytes (limit ${heapLimit.toFixed(0)} MiB)`
      })
    return { failures, ms, cpuMs }
  }
  let out = await once()
  const limit = timeLimitMs(c.bytes.length, limits) * (target.passes ?? 1)
  if (out.cpuMs > 3 * limit)
    out.failures.push({
      property: 'bounded-time',
      cls: sizeTag(c),
      detail: `${Math.round(out.cpuMs)} ms CPU on ${c.bytes.length} bytes (limit ${Math.round(limit)} ms)`
    })
  else if (out.cpuMs > limit) {
    // Slow only if it is slow twice (or far over the bound once): GC and caches vary between runs.
    const again = await once()
    if (again.cpuMs > limit)
      again.failures.push({
        property: 'bounded-time',
        cls: sizeTag(c),
        detail: `${Math.round(Math.min(out.cpuMs, again.cpuMs))} ms CPU on ${c.bytes.length} bytes (limit ${Math.round(limit)} ms)`
      })
    out = again
  }
  for (const f of out.failures) f.detail = redact(f.detail, c.secrets)
  return out
}

/** What makes an input slow or large, for the class of a time or heap failure: its size and pathological steps. */
export function sizeTag(c: FuzzCase): string {
  const size = c.recipe.find((r) => r.startsWith('size:')) ?? 'size:?'
  const patho = c.recipe.filter((r) => /^mutate:(many-values|repeat)|^fill:/.test(r)).map((r) => r.replace(/\(.*$/, ''))
  return [size, ...new Set(patho)].join('+')
}

export function signature(target: string, f: Failure): string {
  return `${target}/${f.property}/${f.cls}`
}

/** The case as the corpus replays it: generated from its seed, then cut to the kept byte ranges. */
export function replayCase(target: Target, entry: CorpusEntry): FuzzCase {
  const c = target.generate(caseSeed(entry.seed, entry.target, entry.index), { maxSize: entry.maxSize ?? 'huge' })
  return entry.keep === undefined ? c : { ...c, bytes: Buffer.concat(entry.keep.map(([s, e]) => c.bytes.subarray(s, e))) }
}

function cut(c: FuzzCase, ranges: ReadonlyArray<readonly [number, number]>): FuzzCase {
  return { ...c, bytes: Buffer.concat(ranges.map(([s, e]) => c.bytes.subarray(s, e))) }
}

/**
 * Delta debugging (ddmin) over byte ranges of the case, first by lines then by smaller pieces, keeping the
 * ranges with which the case still fails with `sig`. Bounded in runs and time: a slow failure gets few tries.
 */
export async function minimise(
  target: Target,
  c: FuzzCase,
  sig: string,
  budget: { runs: number; ms: number },
  limits: Limits = DEFAULT_LIMITS
): Promise<Array<[number, number]>> {
  const deadline = performance.now() + budget.ms
  let runs = 0
  const fails = async (ranges: Array<[number, number]>): Promise<boolean> => {
    if (runs++ >= budget.runs || performance.now() > deadline) return false
    const out = await runCase(target, cut(c, ranges), limits)
    return out.failures.some((f) => signature(target.name, f) === sig)
  }
  const lineRanges: Array<[number, number]> = []
  let at = 0
  for (;;) {
    const nl = c.bytes.indexOf(0x0a, at)
    if (nl < 0) break
    lineRanges.push([at, nl + 1])
    at = nl + 1
  }
  if (at < c.bytes.length) lineRanges.push([at, c.bytes.length])
  const ddmin = async (units: Array<[number, number]>): Promise<Array<[number, number]>> => {
    let cur = units
    let n = 2
    while (cur.length >= 2) {
      const size = Math.ceil(cur.length / n)
      let reduced = false
      for (let i = 0; i < cur.length; i += size) {
        const rest = [...cur.slice(0, i), ...cur.slice(i + size)]
        if (rest.length > 0 && (await fails(rest))) {
          cur = rest
          n = Math.max(n - 1, 2)
          reduced = true
          break
        }
      }
      if (!reduced) {
        if (n >= cur.length) break
        n = Math.min(cur.length, n * 2)
      }
      if (runs >= budget.runs || performance.now() > deadline) break
    }
    return cur
  }
  let kept = await ddmin(lineRanges)
  // Then pieces of the kept lines: 32 per line at most, so a long line shrinks too.
  const pieces: Array<[number, number]> = []
  for (const [s, e] of kept) {
    const step = Math.max(1, Math.ceil((e - s) / 32))
    for (let p = s; p < e; p += step) pieces.push([p, Math.min(e, p + step)])
  }
  if (pieces.length > kept.length) kept = await ddmin(pieces)
  // Adjacent ranges merge: the corpus entry stays short.
  const merged: Array<[number, number]> = []
  for (const r of kept) {
    const last = merged[merged.length - 1]
    if (last !== undefined && last[1] === r[0]) last[1] = r[1]
    else merged.push([r[0], r[1]])
  }
  return merged
}

// ---------------------------------------------------------------- corpus

export interface CorpusEntry {
  target: string
  property: string
  signature: string
  /** open: a known failure someone is fixing (`item` names the issue item); fixed: must pass from now on. */
  status: 'open' | 'fixed'
  item: string
  seed: number
  index: number
  maxSize?: SizeClass
  /** Byte ranges of the generated input that the minimised input keeps. */
  keep?: Array<[number, number]>
  /** Size of the minimised input in bytes. */
  bytes: number
  recipe: string[]
  detail: string
  foundAt: string
}

export function corpusFile(e: Pick<CorpusEntry, 'target' | 'signature'>, dir = CORPUS_DIR): string {
  return join(dir, e.target, `${createHash('sha256').update(e.signature).digest('hex').slice(0, 16)}.json`)
}

export function readCorpus(dir = CORPUS_DIR): CorpusEntry[] {
  if (!existsSync(dir)) return []
  const out: CorpusEntry[] = []
  for (const t of readdirSync(dir, { withFileTypes: true })) {
    if (!t.isDirectory()) continue
    for (const f of readdirSync(join(dir, t.name)).sort())
      if (f.endsWith('.json')) out.push(JSON.parse(readFileSync(join(dir, t.name, f), 'utf8')) as CorpusEntry)
  }
  return out
}

/** Writes an entry unless one of the same signature is there already; true when written. */
export function keepInCorpus(e: CorpusEntry, dir = CORPUS_DIR): boolean {
  const file = corpusFile(e, dir)
  if (existsSync(file)) return false
  mkdirSync(join(dir, e.target), { recursive: true })
  writeFileSync(file, `${JSON.stringify(e, null, 2)}\n`)
  return true
}

/** The issue #12 item a failure belongs to, by its signature; new failures say so. */
export function issueItem(target: string, f: Failure): string {
  const sig = signature(target, f)
  if (target === 'engine' && f.property === 'no-plaintext') return "#12 self-leak: a finding's context prints a secret in plaintext"
  if (f.property === 'scan-no-plaintext') return "#12 self-leak: a finding's context prints a secret in plaintext"
  if (f.property === 'mask-hides-scanned')
    return '#12 self-leak/blinding: mask prints a secret that scan reports (a repeated secret, line cut, inline allow, PEM)'
  if (f.property === 'scan-no-raw-control') return '#12 blinding: escape sequences and control characters reach the terminal raw'
  if ((target === 'api' || target === 'http') && (f.property === 'no-5xx' || f.property === 'log-no-plaintext'))
    return '#12 self-leak: malformed URL gets a 500 and is logged raw'
  if (f.property === 'error-no-plaintext') return '#12 self-leak: config values echoed in errors (invalid regexes, YAML errors quoting the line)'
  if (f.property === 'warning-no-plaintext') return '#12 self-leak: config values echoed on stderr (YAML warnings quote the line)'
  if (target === 'cri' && f.property === 'round-trip') return 'new: a character cut across CRI P records at the merge bound decodes as U+FFFD'
  if (target === 'rule-file' && f.property === 'no-crash' && f.cls.includes('keywords.ts'))
    return 'new: a non-ASCII keyword in a rule file throws RangeError, not LW_ERR_RULE_INVALID'
  if (f.property === 'bounded-time' || f.property === 'bounded-heap' || f.property === 'hang' || f.property === 'stall' || f.property === 'oom') {
    if (sig.includes('many-values')) return '#12 stalling: N key-shaped values on one line cost quadratic time and memory'
    if (sig.includes('repeat')) return '#12 stalling: backtracking regexes on the hot path'
    return '#12 stalling: bounds that hold by construction'
  }
  return 'new: not yet filed'
}
