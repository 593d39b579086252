// What the fuzz harness runs each generated input through, in process, and
// the properties each target checks besides "no crash" and "bounded time and
// heap" (test/fuzz/harness.ts checks those for every target). A property
// failure names a class (a short, content-free tag) so that repeats of one
// failure fold into one corpus entry.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable, Writable } from 'node:stream'
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml'
import { mask } from '../../app/mask.ts'
import type { ScanOptions } from '../../app/scan.ts'
import { scan } from '../../app/scan.ts'
import { CONTAINER_PIECE_BYTES, SNIFF_BYTES, sniff } from '../../app/scan-input.ts'
import { decode } from '../../collectors/pod-logs-decode.ts'
import { loadConfig } from '../../config/load.ts'
import { decodeViews } from '../../detectors/decode.ts'
import { loadRuleFiles } from '../../detectors/rule-file.ts'
import { BUILTIN_RULES } from '../../detectors/rules/registry.ts'
import type { SecretDetector } from '../../detectors/secrets.ts'
import { createSecretDetector, revealedSecret } from '../../detectors/secrets.ts'
import { LeakwatchError } from '../../pipeline/errors.ts'
import type { Finding, LogChunk } from '../../pipeline/events.ts'
import { createFingerprinter } from '../../pipeline/fingerprint.ts'
import type { HttpServer } from '../../pipeline/http.ts'
import { startHttp } from '../../pipeline/http.ts'
import { createMemoryJobs } from '../../pipeline/jobs.ts'
import { createLogger, silentLogger } from '../../pipeline/log.ts'
import { createMetrics } from '../../pipeline/metrics.ts'
import { createActions } from '../../responders/actions.ts'
import { startApi } from '../../responders/api.ts'
import { createMemoryIncidentStore } from '../../responders/incidents.ts'
import { stdinChunk } from '../support/log-chunk.ts'
import type { Draw, FuzzCase, SizeClass } from './inputs.ts'
import { draw, encode, hostileLog, logLines, masked, mutate, sizeClass, tokenExample } from './inputs.ts'

export interface Failure {
  property: string
  /** Content-free tag: repeats of one failure share it. */
  cls: string
  /** What went wrong, secrets masked. */
  detail: string
}

export interface Target {
  name: string
  generate: (seed: number, opts: { maxSize: SizeClass }) => FuzzCase
  run: (c: FuzzCase) => Promise<Failure[]>
  /** Passes over the input one run makes (mask-scan scans twice and masks once): scales the time bound. */
  passes?: number
  /** Releases what the target started (servers). */
  close?: () => Promise<void>
}

function toCase(d: Draw, bytes: Buffer, env?: Record<string, string>): FuzzCase {
  return { bytes, secrets: [...new Set(d.secrets)], recipe: d.recipe, ...(env === undefined ? {} : { env }) }
}

/**
 * What a finding or a command's output shows whatever its input: the built-in rules' ids and titles, longest
 * first. A secret that is part of one is no leak there: the engine reported the 8 characters `gitlab-r` (a
 * password cut at a JSON escape) and another finding's rule, `gitlab-runner-registration-token`, holds them
 * (seed 20261211, engine case 2049).
 */
const VOCABULARY: readonly string[] = [...new Set(BUILTIN_RULES.flatMap((r) => [r.id, r.title]))].sort((a, b) => b.length - a.length)

/** `text` with the vocabulary blanked out (one NUL per word, so no secret spans a removed word's place). */
function withoutVocabulary(text: string): string {
  let out = text
  for (const w of VOCABULARY) if (out.includes(w)) out = out.split(w).join('\u0000')
  return out
}

/**
 * Secrets of 8 or more characters found in `text`, as failures of `property`; outside the rules' vocabulary
 * unless `vocabulary` is false (text that is the input itself, such as mask's output, has none of its own).
 */
function leaks(text: string, secrets: Iterable<string>, property: string, cls: string, vocabulary = true): Failure[] {
  const out: Failure[] = []
  // Blanking the vocabulary costs a pass per word: only done when some secret is in the text at all.
  let plain: string | undefined
  for (const s of secrets) {
    if (s.length < 8 || !text.includes(s)) continue
    plain ??= vocabulary ? withoutVocabulary(text) : text
    if (!plain.includes(s)) continue
    const at = plain.indexOf(s)
    // FUZZ_EXCERPT=1 shows where (secrets masked by runCase); never set when the corpus is written: a cut token is not masked.
    const excerpt = process.env.FUZZ_EXCERPT === '1' ? `: ${JSON.stringify(plain.slice(Math.max(0, at - 120), at + s.length + 60))}` : ''
    out.push({ property, cls, detail: `plaintext secret ${masked(s)} at offset ${at} of ${plain.length}${excerpt}` })
  }
  return out
}

/** Offset of each line of `text`, split as mask (and scan, unless the input is container records) split input: at \n, \r\n and a lone \r. */
function lineStarts(text: string): number[] {
  const starts = [0]
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 0x0d && text.charCodeAt(i + 1) === 0x0a) i++
    if (c === 0x0a || c === 0x0d) starts.push(i + 1)
  }
  return starts
}

/** Where scan reports a finding: its line, and the line and column (1-based, exclusive) where it ends. */
export interface ScanPlace {
  line: number
  endLine: number
  endColumn: number
}

/**
 * The physical line (as mask numbers lines: split at \n, \r\n and a lone \r) from which mask must hide a
 * value scan reports at `place`. For text that is scan's own line. A CRI or docker json-file input (by its
 * first record, as scan sniffs it) scan numbers by the container's lines, each merged from one or more
 * records and none split at a lone \r: scan's line 101 was physical line 454 (seed 20261209, mask-scan case
 * 550), and one container line held seven physical ones, the value on the seventh (the same case,
 * minimised). So the place is mapped to the physical line holding the end of what scan found: in a single CRI
 * record, its message's line breaks before that column; otherwise (merged records, docker json, records
 * passed on raw) the last physical line of the container line. The records are decoded as
 * app/scan-input.ts's container splitter decodes a whole input written at once.
 */
export function physicalLines(bytes: Buffer): (place: ScanPlace) => number {
  if (!sniff(bytes.subarray(0, SNIFF_BYTES)).container) return (place) => place.line
  // Container lines: the byte range of their records.
  const ranges: Array<[number, number]> = []
  let open = false
  const run = (buf: Buffer, base: number, full: boolean): number => {
    let at = 0
    for (;;) {
      const d = decode(buf.subarray(at), buf.length - at, CONTAINER_PIECE_BYTES, full)
      for (const l of d.lines) {
        if (!open) ranges.push([base + at + l.start, base + at + l.end])
        else (ranges[ranges.length - 1] as [number, number])[1] = base + at + l.end
        open = l.split
      }
      if (d.consumed === 0) return at
      at += d.consumed
      if (at === buf.length) return at
    }
  }
  let whole = bytes
  const used = run(whole, 0, whole.length >= 4 * CONTAINER_PIECE_BYTES)
  if (whole.length > used && whole[whole.length - 1] !== 0x0a) whole = Buffer.concat([whole, Buffer.from('\n')])
  run(whole.subarray(used), used, true)
  // Where each physical line starts: after \n, \r\n and a lone \r (all ASCII, so counted on the bytes).
  const starts: number[] = []
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]
    if (c === 0x0d && bytes[i + 1] === 0x0a) i++
    if (c === 0x0a || c === 0x0d) starts.push(i + 1)
  }
  const lineAt = (offset: number): number => {
    let lo = 0
    let hi = starts.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((starts[mid] as number) <= offset) lo = mid + 1
      else hi = mid
    }
    return lo + 1
  }
  const breaks = (text: string): number => {
    let n = 0
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i)
      if (c === 0x0d && text.charCodeAt(i + 1) === 0x0a) i++
      if (c === 0x0a || c === 0x0d) n++
    }
    return n
  }
  return (place) => {
    const range = ranges[place.endLine - 1]
    if (range === undefined) return place.line
    const [start, end] = range
    // The record's end: before its \n (and the \r of a \r\n), as the decoder reads it.
    let nl = bytes.indexOf(0x0a, start)
    if (nl < 0 || nl > end) nl = Math.min(end, bytes.length)
    const last = nl > start && bytes[nl - 1] === 0x0d ? nl - 1 : nl
    const single = nl >= end - 1
    // A CRI record's message follows its third space (timestamp, stream, tags), as the decoder reads it.
    const sp1 = bytes.indexOf(0x20, start)
    const sp2 = sp1 < 0 || sp1 >= last ? -1 : bytes.indexOf(0x20, sp1 + 1)
    const cri = single && (bytes[start] as number) >= 0x30 && (bytes[start] as number) <= 0x39 && sp2 >= 0 && sp2 < last
    if (!cri) {
      // The last character of the container line's last record.
      let e = Math.min(end, bytes.length)
      if (e > start && bytes[e - 1] === 0x0a) e--
      if (e > start && bytes[e - 1] === 0x0d) e--
      return lineAt(Math.max(start, e - 1))
    }
    let tagEnd = bytes.indexOf(0x20, sp2 + 1)
    if (tagEnd < 0 || tagEnd > last) tagEnd = last
    const from = Math.min(tagEnd + 1, last)
    const message = bytes.toString('utf8', from, last)
    return lineAt(from) + breaks(message.slice(0, Math.max(0, place.endColumn - 2) + 1))
  }
}

const chunkOf = (lines: string[], startLine: number, stream = 'fuzz'): LogChunk => stdinChunk(lines, startLine, stream)

const FINGERPRINT_KEY = 'fuzz-fingerprint-key-not-a-secret-0123456789'

// ---------------------------------------------------------------- engine

let engine: { detector: SecretDetector; fp: (s: string) => string } | undefined

function getEngine(): NonNullable<typeof engine> {
  if (engine === undefined) {
    const fingerprinter = createFingerprinter(FINGERPRINT_KEY)
    const detector = createSecretDetector({ rules: BUILTIN_RULES, fingerprinter, maxContextChars: 160, reveal: true, now: () => new Date(0) })
    engine = { detector, fp: (s) => fingerprinter.of(s) }
  }
  return engine
}

/** Which field of which finding holds the leak: the class of an engine leak. */
function leakField(f: Finding, s: string): string {
  for (const [k, v] of Object.entries(f)) if (typeof v === 'string' && v.includes(s) && withoutVocabulary(v).includes(s)) return k
  return 'other'
}

const engineTarget: Target = {
  name: 'engine',
  generate(seed, { maxSize }) {
    const d = draw(seed)
    return toCase(d, hostileLog(d, maxSize))
  },
  async run(c) {
    const { detector, fp } = getEngine()
    const lines = c.bytes.toString('utf8').split('\n')
    const out: Failure[] = []
    for (let i = 0; i < lines.length; i += 4096) {
      const chunk = chunkOf(lines.slice(i, i + 4096), i + 1)
      const findings = detector.detect(chunk)
      // Every secret the engine reports, and every planted one whose fingerprint it reports: none may show in plaintext.
      const reported = new Set<string>()
      const fps = new Set(findings.map((f) => f.fingerprint))
      for (const f of findings) {
        const s = revealedSecret(f)
        if (s !== undefined) reported.add(s)
      }
      for (const s of c.secrets) if (fps.has(fp(s))) reported.add(s)
      for (const f of findings) {
        const json = JSON.stringify(f)
        // The rules' vocabulary is in every finding (its rule id and title): blanked, once a secret is in the JSON at all.
        let plain: string | undefined
        for (const s of reported) {
          if (s.length < 8 || !json.includes(s)) continue
          plain ??= withoutVocabulary(json)
          if (!plain.includes(s)) continue
          const own = revealedSecret(f) === s
          out.push({
            property: 'no-plaintext',
            cls: `${leakField(f, s)}:${own ? 'own' : 'other'}-secret`,
            detail: `finding ${f.rule} at ${f.location.line}:${f.location.column} shows ${own ? 'its own' : 'another'} secret ${masked(s)} in ${leakField(f, s)}`
          })
        }
        if (f.location.line < chunk.startLine || f.location.line >= chunk.startLine + chunk.lines.length || f.location.column < 1)
          out.push({
            property: 'sane-location',
            cls: 'line-or-column',
            detail: `finding ${f.rule} at ${f.location.line}:${f.location.column} outside the chunk`
          })
      }
    }
    return out
  }
}

// ---------------------------------------------------------------- decoders

const RUN = /[A-Za-z0-9+/_-]{16,}={0,2}/g

const decodersTarget: Target = {
  name: 'decoders',
  generate(seed, { maxSize }) {
    const d = draw(seed)
    return toCase(d, hostileLog(d, maxSize === 'huge' ? 'big' : maxSize))
  },
  async run(c) {
    const out: Failure[] = []
    let budget = 2000
    const visit = (line: string, depth: number): void => {
      if (depth > 3 || budget-- <= 0) return
      const runs: Array<[number, number]> = []
      for (const m of line.matchAll(RUN)) runs.push([m.index, m.index + m[0].length])
      for (const v of decodeViews(line, runs)) {
        if (!(v.start >= 0 && v.end <= line.length && v.start < v.end))
          out.push({ property: 'view-span', cls: v.via, detail: `${v.via} view spans ${v.start}..${v.end} of a ${line.length}-character line` })
        if (v.text.length > v.end - v.start)
          out.push({ property: 'view-bounded', cls: v.via, detail: `${v.via} view of ${v.end - v.start} characters decodes to ${v.text.length}` })
        visit(v.text, depth + 1)
      }
    }
    for (const line of c.bytes.toString('utf8').split('\n')) visit(line, 0)
    return out
  }
}

// ---------------------------------------------------------------- mask vs scan

function sink(): { stream: Writable; text: () => string } {
  const parts: Buffer[] = []
  const stream = new Writable({
    write(chunk: Buffer | string, _e, cb) {
      parts.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk)
      cb()
    }
  })
  return { stream, text: () => Buffer.concat(parts).toString('utf8') }
}

function scanOptions(bytes: Buffer, format: ScanOptions['format'], reveal: boolean, stdout: Writable, stderr: Writable): ScanOptions {
  return {
    paths: ['-'],
    format,
    exitCode: 1,
    reveal,
    tool: { name: 'leakwatch', version: '0', informationUri: 'https://example.invalid/' },
    cwd: tmpdir(),
    stdin: Readable.from([bytes]),
    stdout,
    stderr,
    fingerprintKey: FINGERPRINT_KEY,
    allow: { secrets: [], lines: [], streams: [] },
    ruleFiles: [],
    maxContextChars: 160
  }
}

// C0 controls but tab and newline, DEL, C1 controls, and the bidi overrides: what must not reach a terminal raw.
function rawControl(text: string): number | undefined {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a) || (c >= 0x7f && c <= 0x9f) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)) return c
  }
  return undefined
}

const maskScanTarget: Target = {
  name: 'mask-scan',
  passes: 3,
  generate(seed, { maxSize }) {
    const d = draw(seed)
    return toCase(d, hostileLog(d, maxSize))
  },
  async run(c) {
    const out: Failure[] = []
    const o = sink()
    const e = sink()
    await scan(scanOptions(c.bytes, 'jsonl', true, o.stream, e.stream))
    const records = o
      .text()
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
    const reported = new Set<string>()
    for (const r of records) if (typeof r.secret === 'string') reported.add(r.secret)
    // Besides `secret` (what --reveal asks for), no field of scan's output may hold one.
    const shown = records.map(({ secret: _s, ...rest }) => JSON.stringify(rest)).join('\n')
    out.push(...leaks(shown + e.text(), reported, 'scan-no-plaintext', 'jsonl'))

    const t = sink()
    const te = sink()
    await scan(scanOptions(c.bytes, 'text', false, t.stream, te.stream))
    out.push(...leaks(t.text() + te.text(), reported, 'scan-no-plaintext', 'text'))
    const ctl = rawControl(t.text())
    if (ctl !== undefined)
      out.push({ property: 'scan-no-raw-control', cls: 'text', detail: `scan's text output holds U+${ctl.toString(16).padStart(4, '0')} raw` })

    const m = sink()
    const me = sink()
    await mask({ ...scanOptions(c.bytes, 'text', false, m.stream, me.stream), exitCode: 1 })
    // mask writes each line before it reads the next: a value that scan reports first on line L may stand on an
    // earlier line where no rule recognised it, already written (docs/cli.md). From line L on, it must be hidden.
    const first = new Map<string, number>()
    const physical = physicalLines(c.bytes)
    for (const r of records) {
      const loc = (r.location ?? {}) as Partial<ScanPlace>
      const line = physical({ line: loc.line ?? 1, endLine: loc.endLine ?? loc.line ?? 1, endColumn: loc.endColumn ?? 1 })
      if (typeof r.secret === 'string') first.set(r.secret, Math.min(first.get(r.secret) ?? line, line))
    }
    const masked = m.text()
    const starts = lineStarts(masked)
    for (const [s, line] of first) {
      const from = starts[line - 1] ?? masked.length
      if (s.length >= 8 && masked.indexOf(s, from) >= 0) out.push(...leaks(masked.slice(from), [s], 'mask-hides-scanned', 'stdout', false))
    }
    for (const f of leaks(me.text(), reported, 'mask-hides-scanned', 'stderr')) out.push(f)
    return out
  }
}

// ---------------------------------------------------------------- CRI / docker json

const criTarget: Target = {
  name: 'cri',
  generate(seed, { maxSize }) {
    const d = draw(seed)
    const size = sizeClass(d, maxSize === 'huge' ? 'big' : maxSize)
    const lines = logLines(d, size).map((l) => l.replaceAll('\r', ''))
    if (size === 'big') lines.push('x'.repeat(64 * 1024 + d.r.int(200_000)))
    const docker = d.r.chance(0.4)
    d.recipe.push(docker ? 'format:docker' : 'format:cri')
    const records: Buffer[] = []
    for (const l of lines) {
      const b = Buffer.from(l)
      // The runtime cuts a line into P records at byte positions, through characters as well.
      const cuts = d.r.chance(0.3) ? 1 + d.r.int(4) : 0
      const at = [0, ...Array.from({ length: cuts }, () => d.r.int(b.length + 1)).sort((x, y) => x - y), b.length]
      // Runtimes cut at 16 KiB (containerd's and docker's default): no record is longer than that.
      for (let k = 1; k < at.length; k++) while ((at[k] as number) - (at[k - 1] as number) > 16384) at.splice(k, 0, (at[k - 1] as number) + 16384)
      for (let i = 0; i + 1 < at.length; i++) {
        const part = b.subarray(at[i], at[i + 1])
        const last = i + 2 === at.length
        if (docker) {
          const log = part.toString('utf8') + (last ? '\n' : '')
          records.push(Buffer.from(`${JSON.stringify({ log, stream: 'stdout', time: '2026-12-06T10:00:00.000000001Z' })}\n`))
        } else records.push(Buffer.concat([Buffer.from(`2026-12-06T10:00:00.000000001Z stdout ${last ? 'F' : 'P'} `), part, Buffer.from('\n')]))
      }
    }
    let bytes: Buffer = Buffer.concat(records)
    const mutated = d.r.chance(0.5)
    if (mutated) for (let i = 0; i < 1 + d.r.int(4); i++) bytes = mutate(d, bytes)
    // The oracle: unmutated records give back exactly their lines.
    const env = mutated || docker ? undefined : { expect: JSON.stringify(lines.map((l) => Buffer.from(l).toString('utf8'))) }
    d.recipe.push(`capacity:${[4096, 65536, 1 << 20][d.r.int(3)]}`, `maxLine:${[1024, 16384, 65536][d.r.int(3)]}`)
    return toCase(d, bytes, env)
  },
  async run(c) {
    const out: Failure[] = []
    const maxLine = Number(c.recipe.find((r) => r.startsWith('maxLine:'))?.slice(8) ?? 16384)
    // As collectors/pod-logs.ts sizes its read buffer: room for two of the longest lines and a record.
    const capacity = Math.max(Number(c.recipe.find((r) => r.startsWith('capacity:'))?.slice(9) ?? 65536), 2 * maxLine + 64 * 1024)
    const buf = Buffer.alloc(capacity)
    let n = 0
    let read = 0
    const texts: string[] = []
    let current = ''
    for (let rounds = 0; rounds < 1_000_000; rounds++) {
      const take = Math.min(capacity - n, c.bytes.length - read)
      c.bytes.copy(buf, n, read, read + take)
      n += take
      read += take
      const full = n === capacity
      const got = decode(buf, n, maxLine, full)
      if (got.consumed > n || got.consumed < 0) out.push({ property: 'consumed-in-range', cls: 'consumed', detail: `consumed ${got.consumed} of ${n}` })
      for (const l of got.lines) {
        if (l.text.length > maxLine)
          out.push({ property: 'line-bounded', cls: 'text', detail: `a line of ${l.text.length} characters with maxLineBytes ${maxLine}` })
        if (l.start < 0 || l.end > n || l.start > l.end)
          out.push({ property: 'offsets-in-range', cls: 'offsets', detail: `line offsets ${l.start}..${l.end} of ${n}` })
        current += l.text
        if (!l.split) {
          texts.push(current)
          current = ''
        }
      }
      if (full && got.consumed === 0) {
        out.push({ property: 'no-stall', cls: 'full-buffer', detail: `a full buffer of ${capacity} bytes consumed nothing` })
        break
      }
      buf.copy(buf, 0, got.consumed, n)
      n -= got.consumed
      if (read === c.bytes.length && got.consumed === 0) break
      if (out.length > 20) break
    }
    if (c.env?.expect !== undefined) {
      const expect = JSON.parse(c.env.expect) as string[]
      const same = expect.length === texts.length && expect.every((t, i) => t === texts[i])
      if (!same) {
        const i = expect.findIndex((t, k) => t !== texts[k])
        out.push({ property: 'round-trip', cls: 'lines', detail: `${expect.length} lines written, ${texts.length} decoded; first difference at line ${i + 1}` })
      }
    }
    return out
  }
}

// ---------------------------------------------------------------- config loader

let scratch: string | undefined
function scratchDir(): string {
  scratch ??= mkdtempSync(join(tmpdir(), 'leakwatch-fuzz-'))
  return scratch
}

const EXAMPLE_CONFIG = new URL('../../config/leakwatch.example.yaml', import.meta.url)
let exampleDoc: unknown

/** Paths of the leaves of a YAML document, for grammar-aware mutation. */
function leafPaths(v: unknown, at: string[] = [], out: string[][] = []): string[][] {
  if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) leafPaths(x, [...at, k], out)
  else out.push(at)
  return out
}

function setAt(doc: unknown, path: string[], value: unknown): void {
  let node = doc as Record<string, unknown>
  for (const p of path.slice(0, -1)) node = node[p] as Record<string, unknown>
  node[path[path.length - 1] as string] = value
}

/** A hostile value: a secret, a bad regex around one, a wrong type, a huge or control-laden string. */
function hostileValue(d: Draw): unknown {
  const x = d.r.int(9)
  const secret = (): string => tokenExample(d).secret
  if (x === 0) return secret()
  if (x === 1) return `(${secret()}`
  if (x === 2) return [`[${secret()}`, `${secret()}(?<n>x)`, '(a+)+$', '\\']
  if (x === 3) return d.r.int(2 ** 31) * (d.r.chance(0.5) ? -1 : 1)
  if (x === 4) return { nested: secret() }
  if (x === 5) return 'x'.repeat(d.r.int(100_000))
  if (x === 6) return `\x1b[31m${secret()}\n\u0000`
  if (x === 7) return null
  return d.r.chance(0.5)
}

function keyNames(v: unknown, out: string[] = []): string[] {
  if (v !== null && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) {
      out.push(k)
      keyNames(x, out)
    }
  return out
}

const configTarget: Target = {
  name: 'config',
  generate(seed) {
    const d = draw(seed)
    exampleDoc ??= parseYaml(readFileSync(EXAMPLE_CONFIG, 'utf8'))
    const doc = structuredClone(exampleDoc) as Record<string, unknown>
    const paths = leafPaths(doc)
    const edits = 1 + d.r.int(4)
    for (let i = 0; i < edits; i++) {
      const p = d.r.pick(paths)
      d.recipe.push(`set:${p.join('.')}`)
      setAt(doc, p, hostileValue(d))
    }
    if (d.r.chance(0.2)) {
      d.recipe.push('unknown-key')
      doc[`unknownKey${d.g.base62(4)}`] = hostileValue(d)
    }
    let text = stringifyYaml(doc)
    if (d.r.chance(0.1)) {
      // An unknown tag or an odd anchor on a value: the parser warns, quoting the line.
      const p = d.r.pick(paths)
      const secret = tokenExample(d).secret
      setAt(doc, p, secret)
      d.recipe.push(`yaml:tagged:${p.join('.')}`)
      text = stringifyYaml(doc).replace(secret, `${d.r.pick(['!x ', '!!binary ', '&a: ', '!<tag:x> '])}${secret}`)
    }
    if (d.r.chance(0.3)) {
      d.recipe.push('yaml:bytes')
      let b: Buffer = Buffer.from(text)
      for (let i = 0; i < 1 + d.r.int(3); i++) b = mutate(d, b)
      text = b.toString('utf8')
    }
    if (d.r.chance(0.1)) {
      d.recipe.push('yaml:alias-bomb')
      text = `a: &a [${tokenExample(d).secret}, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c]\n`
    }
    const env: Record<string, string> = {}
    const envs = d.r.int(3)
    const names = [
      'LEAKWATCH_DETECTOR_FINGERPRINT_KEY',
      'LEAKWATCH_KAFKA_BROKERS',
      'LEAKWATCH_DETECTOR_ALLOW_SECRETS',
      'LEAKWATCH_LOG_LEVEL',
      'LEAKWATCH_KAFKA_PAYLOAD_KEY',
      'LEAKWATCH_RESPONDER_API_TOKENS'
    ]
    for (let i = 0; i < envs; i++) {
      const name = d.r.chance(0.8) ? d.r.pick(names) : `LEAKWATCH_UNKNOWN_${d.g.base62(4).toUpperCase()}`
      const v = hostileValue(d)
      env[name] = d.r.chance(0.5) ? JSON.stringify(v) : String(v)
      d.recipe.push(`env:${name.startsWith('LEAKWATCH_') && names.includes(name) ? name : 'unknown'}`)
    }
    return toCase(d, Buffer.from(text), env)
  },
  async run(c) {
    const file = join(scratchDir(), 'config.yaml')
    writeFileSync(file, c.bytes)
    try {
      loadConfig({ file, env: c.env ?? {} })
      return []
    } catch (err) {
      if (!(err instanceof LeakwatchError)) throw err
      // Naming an unknown key is fine, even when a mutation moved a value there: only values must not be echoed.
      let keys: string[] = []
      try {
        keys = keyNames(parseYaml(c.bytes.toString('utf8'), { logLevel: 'error' }))
      } catch {}
      return leaks(
        err.message,
        c.secrets.filter((s) => !keys.some((k) => k.includes(s))),
        'error-no-plaintext',
        err.code
      )
    }
  }
}

// ---------------------------------------------------------------- rule files

const ruleFileTarget: Target = {
  name: 'rule-file',
  generate(seed) {
    const d = draw(seed)
    const n = 1 + d.r.int(3)
    const rules: Array<Record<string, unknown>> = []
    for (let i = 0; i < n; i++) {
      const t = tokenExample(d)
      const rule: Record<string, unknown> = {
        id: `fuzz-rule-${i}`,
        regex: d.r.chance(0.5) ? `(${t.secret.slice(0, 4).replace(/[^A-Za-z0-9]/g, '.')}[A-Za-z0-9_-]{8,})` : '([A-Za-z0-9]{20,})',
        keywords: [t.secret.slice(0, 3).toLowerCase() || 'x'],
        examples: { positives: d.r.chance(0.5) ? [{ line: t.line, secret: t.secret }] : [], negatives: d.r.chance(0.3) ? [t.line] : [] }
      }
      const edits = d.r.int(4)
      for (let k = 0; k < edits; k++) {
        const field = d.r.pick(['id', 'regex', 'keywords', 'severity', 'kind', 'secretGroup', 'minEntropy', 'allow', 'tags', 'examples', 'title'])
        d.recipe.push(`set:${field}`)
        rule[field] = field === 'allow' ? { secrets: hostileValue(d), lines: [`(${tokenExample(d).secret}`] } : hostileValue(d)
      }
      rules.push(rule)
    }
    const doc: Record<string, unknown> = { rules }
    if (d.r.chance(0.3)) {
      d.recipe.push('file-allow')
      doc.allow = { secrets: [`[${tokenExample(d).secret}`] }
    }
    const json = d.r.chance(0.3)
    d.recipe.push(json ? 'format:json' : 'format:yaml')
    let b: Buffer = Buffer.from(json ? JSON.stringify(doc) : stringifyYaml(doc))
    if (d.r.chance(0.3)) for (let i = 0; i < 1 + d.r.int(3); i++) b = mutate(d, b)
    return toCase(d, b)
  },
  async run(c) {
    const file = join(scratchDir(), c.recipe.includes('format:json') ? 'rules.json' : 'rules.yaml')
    writeFileSync(file, c.bytes)
    try {
      loadRuleFiles([file], BUILTIN_RULES)
      return []
    } catch (err) {
      if (!(err instanceof LeakwatchError)) throw err
      // As for config files: naming an unknown key is fine, even when a mutation moved a value there.
      // A well-formed rule id is a name too: errors name the rule by it, as every finding of the rule does in its
      // `rule` field (an id that held a secret would be in every finding, not only in errors).
      let keys: string[] = []
      try {
        const text = c.bytes.toString('utf8')
        const doc: unknown = c.recipe.includes('format:json') ? JSON.parse(text) : parseYaml(text, { logLevel: 'error' })
        keys = keyNames(doc)
        const rules = (doc as { rules?: unknown } | null)?.rules
        if (Array.isArray(rules))
          for (const r of rules) {
            const id = (r as { id?: unknown } | null)?.id
            if (typeof id === 'string' && /^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(id)) keys.push(id)
          }
      } catch {}
      return leaks(
        err.message,
        c.secrets.filter((s) => !keys.some((k) => k.includes(s))),
        'error-no-plaintext',
        err.code
      )
    }
  }
}

// ---------------------------------------------------------------- HTTP endpoints

interface Servers {
  metrics: HttpServer
  api: HttpServer
  apiToken: string
  logs: string[]
  close: () => Promise<void>
}

let servers: Promise<Servers> | undefined

function getServers(): Promise<Servers> {
  servers ??= (async () => {
    const logs: string[] = []
    const logger = createLogger({ level: 'debug', destination: { write: (s: string) => void logs.push(s) } })
    const metrics = await startHttp({ host: '127.0.0.1', port: 0 }, createMetrics().registry, () => ({ kafka: true }))
    const config = loadConfig({ env: {} }).responder
    const store = createMemoryIncidentStore()
    const actions = createActions({ config, store, metrics: createMetrics(), logger, publish: async () => {}, webhooks: new Map() })
    const jobs = createMemoryJobs(actions.handlers, { attempts: 1, backoffMs: 10, concurrency: 1 }, silentLogger())
    actions.bind(jobs)
    const apiToken = 'fuzz-api-token-0123456789abcdefghij'
    const api = await startApi(
      { host: '127.0.0.1', port: 0, tokens: [apiToken], slackSigningSecret: 'fuzz-slack-signing-secret', slackAnswerMs: 200 },
      { store, actions, jobs, logger }
    )
    return {
      metrics,
      api,
      apiToken,
      logs,
      close: async () => {
        await metrics.close()
        await api.close()
        await jobs.close()
      }
    }
  })()
  return servers
}

const PATHS = [
  '/metrics',
  '/healthz',
  '/readyz',
  '/api/v1/incidents',
  '/api/v1/incidents/{id}',
  '/api/v1/incidents/{id}/status',
  '/api/v1/incidents/{id}/rotate',
  '/api/v1/incidents/{id}/ack',
  '/api/v1/dead-letters',
  '/api/v1/dead-letters/{secret}/retry',
  '/api/v1/callbacks/webhook',
  '/slack/interactions',
  'http://[/{secret}',
  '//{secret}',
  '/%{secret}',
  '*'
]

/** One raw HTTP/1.1 request, grammar-aware, with secrets in the URL, headers and body. */
function request(d: Draw, apiToken: string): Buffer {
  const method = d.r.pick(['GET', 'GET', 'POST', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'G\x00T', 'CONNECT'])
  const secret = (): string => tokenExample(d).secret
  let path = d.r.pick(PATHS)
  d.recipe.push(`path:${path}`, `method:${JSON.stringify(method)}`)
  path = path.replace('{id}', d.r.chance(0.7) ? d.g.hex(64) : secret()).replace('{secret}', () => secret())
  if (d.r.chance(0.4)) path += `?${d.r.pick(['status', 'severity', 'limit', 'rule', 'access_token'])}=${d.r.chance(0.5) ? secret() : encode(d, secret())}`
  const headers: string[] = [`Host: 127.0.0.1`]
  if (d.r.chance(0.6)) headers.push(`Authorization: Bearer ${d.r.chance(0.5) ? apiToken : secret()}`)
  if (d.r.chance(0.3)) headers.push(`X-Leakwatch-Actor: ${d.r.chance(0.5) ? 'alice' : secret()}`)
  if (d.r.chance(0.2)) headers.push(`X-Slack-Signature: v0=${d.g.hex(64)}`, `X-Slack-Request-Timestamp: ${Math.floor(Date.now() / 1000)}`)
  if (d.r.chance(0.2)) headers.push(`webhook-id: ${secret()}`, `webhook-timestamp: 1`, `webhook-signature: v1,${secret()}`)
  let body = ''
  if (method === 'POST' || d.r.chance(0.1)) {
    const x = d.r.int(4)
    if (x === 0) body = JSON.stringify({ status: d.r.pick(['open', 'resolved', 'bogus', secret()]), resolution: 'rotated', reason: secret() })
    else if (x === 1)
      body = `payload=${encodeURIComponent(JSON.stringify({ type: 'block_actions', user: { name: secret() }, actions: [{ action_id: 'ack', value: d.g.hex(64) }] }))}`
    else if (x === 2) body = `{"reason":"${encode(d, secret())}"`
    else body = d.g.chars('{}[]":,\\ab0', d.r.int(200))
  }
  const chunked = body !== '' && d.r.chance(0.2)
  if (chunked) headers.push('Transfer-Encoding: chunked')
  else if (body !== '') headers.push(`Content-Length: ${d.r.chance(0.85) ? Buffer.byteLength(body) : d.r.int(100)}`)
  headers.push('Connection: close')
  const payload = chunked ? `${Buffer.byteLength(body).toString(16)}\r\n${body}\r\n0\r\n\r\n` : body
  let b: Buffer = Buffer.from(`${method} ${path} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n${payload}`)
  if (d.r.chance(0.4)) for (let i = 0; i < 1 + d.r.int(3); i++) b = mutate(d, b)
  return b
}

/** Sends raw bytes and reads until the server closes (or 3 s pass). */
function exchange(port: number, bytes: Buffer): Promise<{ response: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    const parts: Buffer[] = []
    const socket = connect({ host: '127.0.0.1', port })
    const timer = setTimeout(() => {
      socket.destroy()
      resolve({ response: Buffer.concat(parts).toString('latin1'), timedOut: true })
    }, 3000)
    socket.on('data', (c: Buffer) => parts.push(c))
    socket.on('error', () => {})
    socket.on('close', () => {
      clearTimeout(timer)
      resolve({ response: Buffer.concat(parts).toString('latin1'), timedOut: false })
    })
    socket.end(bytes)
  })
}

function httpTarget(name: 'http' | 'api'): Target {
  return {
    name,
    generate(seed) {
      const d = draw(seed)
      // The API token is not secret in the generator (the corpus regenerates it); it is one in the logs.
      return toCase(d, request(d, 'fuzz-api-token-0123456789abcdefghij'))
    },
    async run(c) {
      const s = await getServers()
      const port = name === 'http' ? s.metrics.port : s.api.port
      const before = s.logs.length
      const { response, timedOut } = await exchange(port, c.bytes)
      const out: Failure[] = []
      const status = /^HTTP\/1\.1 (\d{3})/.exec(response)?.[1]
      if (status?.startsWith('5') === true) out.push({ property: 'no-5xx', cls: status, detail: `answered ${status}` })
      if (timedOut) out.push({ property: 'answers', cls: 'timeout', detail: 'no answer and no close within 3 s' })
      const secrets = [...c.secrets, s.apiToken]
      // An incident id is a fingerprint, 64 hex digits, and "no incident <id>" names it: a secret of that shape there is no leak.
      out.push(
        ...leaks(
          response,
          c.secrets.filter((x) => !/^[0-9a-f]{64}$/.test(x)),
          'response-no-plaintext',
          status ?? 'none'
        )
      )
      const logged = s.logs.slice(before).join('')
      out.push(...leaks(logged, secrets, 'log-no-plaintext', status ?? 'none'))
      if (rawControl(logged) !== undefined) out.push({ property: 'log-no-raw-control', cls: status ?? 'none', detail: 'a raw control character in a log line' })
      // The server must still answer.
      const probe = await exchange(port, Buffer.from('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'))
      if (!/^HTTP\/1\.1 \d{3}/.test(probe.response)) out.push({ property: 'alive', cls: 'probe', detail: 'the server no longer answers' })
      return out
    },
    close: closeTargets
  }
}

/** Stops the servers and removes the scratch files the targets made. */
export async function closeTargets(): Promise<void> {
  if (servers !== undefined) {
    const s = servers
    servers = undefined
    await (await s).close()
  }
  if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true })
  scratch = undefined
}

export const TARGETS: readonly Target[] = [
  engineTarget,
  decodersTarget,
  maskScanTarget,
  criTarget,
  configTarget,
  ruleFileTarget,
  httpTarget('http'),
  httpTarget('api')
]

export function targetNamed(name: string): Target {
  const t = TARGETS.find((x) => x.name === name)
  if (t === undefined) throw new Error(`unknown fuzz target ${name}; targets: ${TARGETS.map((x) => x.name).join(', ')}`)
  return t
}
