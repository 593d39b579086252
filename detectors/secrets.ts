// The secret detector: format rules and generic assignments over log chunks.
//
// A line is first taken out of its record framing (detectors/framing.ts: CRI
// and CI timestamps, ANSI colours, GitLab section markers); findings point
// back at the line as written. The chunk's lines are then scanned as one UTF-8
// buffer: one pass of the keyword automaton (detectors/keywords.ts) finds the
// candidate rules of each line — every rule names lower-case keywords that any
// match of it contains — and one pass finds the base64 runs worth decoding.
// Only candidate rules run their RE2 regex, on the line's bytes (a view into
// the chunk's buffer, no copy). A candidate becomes a finding after the rule's
// gates (detectors/gates.ts: entropy, checksum, placeholders, the shapes of
// generic values) and the allowlists; a PEM header's body is read from the
// lines after it (detectors/pem.ts). Decoded views of a line (JSON escapes,
// URL escapes, base64 runs) are scanned the same way to a bounded depth, and
// over-long lines are scanned in overlapping windows instead of being cut.
// The hits of one place are reduced to one (detectors/hits.ts), and
// everything that leaves this module is fingerprinted or masked
// (detectors/excerpt.ts).

import RE2 from 're2'
import { LeakwatchError } from '../pipeline/errors.ts'
import type { Finding, LogChunk, Source } from '../pipeline/events.ts'
import type { Fingerprinter } from '../pipeline/fingerprint.ts'
import { mask, stableId } from '../pipeline/fingerprint.ts'
import { confidenceOf } from './confidence.ts'
import { decodeViews, hexDigit } from './decode.ts'
import type { Masked } from './excerpt.ts'
import { clipAround, maskText } from './excerpt.ts'
import { type FollowsGate, followsGate, keywordStartGate, upperKeywordGate } from './follows-gate.ts'
import type { Framing } from './framing.ts'
import { frameLines, fromRaw, lineStarts, toRaw, toRawEnd, utf16Column, utf16Spans } from './framing.ts'
import type { FormatClaim } from './gates.ts'
import { formatPrefixes, plausibleSecret } from './gates.ts'
import { dumpLine, findDumps } from './hexdump.ts'
import type { Hit as HitOf, ViewSpan } from './hits.ts'
import { distinctHits, place } from './hits.ts'
import type { KeywordScanner } from './keywords.ts'
import { createKeywordScanner, findBase64Runs, isAscii } from './keywords.ts'
import { readBlock } from './pem.ts'
import { compileRe2, escapeRe2 } from './re2-compile.ts'
import { keywordLead, searchStart } from './regex-lead.ts'
import type { Rule } from './rule.ts'
import { secretShapedRuns } from './secret-shape.ts'

interface Compiled {
  rule: Rule
  index: number
  re: RE2
  /**
   * A keyword of the rule then `rule.follows`, in RE2 (linear time): searched once per line from the
   * line's first occurrence of one of the rule's keywords, never once per occurrence (a line of
   * `passpasspass…` made a sticky test per occurrence rescan the rest of the line each time).
   */
  follows: RE2 | undefined
  /** A byte test at a keyword's end that rules out `follows` there without RE2 (follows-gate.ts), if its shape has one. */
  followsGate: FollowsGate | undefined
  /** Bytes of the rule's longest keyword: where a search from a keyword's end starts. */
  keywordBytes: number
  /**
   * Most bytes from a match's start to the end of the keyword it spells (regex-lead.ts), or Infinity:
   * the rule's search on a line starts that far before the end of the line's first keyword of the rule.
   */
  readonly lead: number
  group: number
  allowSecrets: RE2[]
  allowMatches: RE2[]
  allowLines: RE2[]
  allowStreams: RE2[]
  /** The rule's findings' confidence (confidence.ts), computed once. */
  confidence: ReturnType<typeof confidenceOf>
}

/** The per-line caps of the engine, as counted in leakwatch_detector_limits_total. */
export type DetectorLimit = 'findings-per-line'

/** Where a cap was reached: the line's index in its chunk and the rule's id. */
export interface LimitAt {
  lineIndex: number
  rule: string
}

/** Hits per line that become findings, by default: a line of a thousand secrets is an attack or a dump, not a log. */
export const DEFAULT_MAX_FINDINGS_PER_LINE = 1000

/** Allowlists that apply to every rule (configuration, `--baseline`). */
export interface GlobalAllow {
  /** RE2 patterns on the secret. */
  secrets?: string[]
  /** RE2 patterns on the whole line. */
  lines?: string[]
  /** RE2 patterns on the stream id (k8s/<ns>/<pod>/<container>, ci/<provider>/<repo>/<job>, file/<path>). */
  streams?: string[]
  /** Fingerprints accepted as known (a baseline file). */
  fingerprints?: ReadonlySet<string>
}

export interface SecretDetectorOptions {
  rules: readonly Rule[]
  fingerprinter: Fingerprinter
  maxContextChars: number
  allow?: GlobalAllow
  /** Lines longer than this are scanned in windows of this size overlapping by `windowOverlapChars`. */
  maxLineChars?: number
  windowOverlapChars?: number
  /** Levels of decoding (JSON, URL, base64) applied to a line; 0 disables. */
  decodeDepth?: number
  /**
   * Hits of one rule on one line that become findings (every reading counts: a value found raw and in
   * a decoded view is two); past it the rule's further hits on the line are still masked in every
   * context but make no finding, the other rules still run, and `onLimit('findings-per-line')` is
   * called once for the line and rule.
   */
  maxFindingsPerLine?: number
  /**
   * Called when a per-line cap is reached (the detector role counts it in leakwatch_detector_limits_total;
   * `scan` names the line), with the line (index in the chunk) and the rule: never a value.
   */
  onLimit?: (limit: DetectorLimit, at: LimitAt) => void
  /**
   * Compile each rule's patterns when the scan first needs them (see compileRule). Only for rules known
   * to compile: the built-in rules and rules read by `loadRuleFiles`.
   */
  lazyPatterns?: boolean
  /** Clock for detectedAt; injected so tests are deterministic. */
  now?: () => Date
  /**
   * Attach each finding's plaintext, readable only through `revealedSecret`.
   * For the command line (`scan --reveal`, `mask`); the pipeline never sets it.
   */
  reveal?: boolean
}

// A symbol-keyed, non-enumerable slot: JSON.stringify, object spread, structuredClone and the bus codec
// all skip it, so a revealed finding that strays into the pipeline still carries no plaintext.
const SECRET = Symbol('leakwatch.secret')

/** The plaintext of a finding made with `reveal: true`; undefined otherwise. */
export function revealedSecret(f: Finding): string | undefined {
  return (f as Finding & { [SECRET]?: string })[SECRET]
}

/**
 * A chunk's lines as the engine read them, handed to `detect`'s `framed` callback so that the
 * known-secret lookup scans the same bytes instead of encoding the lines again. Valid only during
 * the callback: the next chunk reuses the buffer.
 */
export interface FramedChunk {
  /** The lines joined by '\n', a '\n' after the last, then at least 8 zero bytes; at offset 0 of its ArrayBuffer. */
  bytes: Buffer
  /** Bytes of the lines and their newlines (the last one included). */
  length: number
  /** Byte offset of each line in `bytes`. */
  starts: ArrayLike<number>
  /** The framed lines (record prefix and terminal escapes taken off). */
  lines: readonly string[]
  /** Column in written line `line` of the framed column `col`; `toRawEnd` for an exclusive end. */
  toRaw: (line: number, col: number) => number
  toRawEnd: (line: number, col: number) => number
  /** The spans of written line `line` that hold a secret the engine found (any reading), to mask in the caller's contexts. */
  secretSpans: (line: number) => ReadonlyArray<readonly [number, number]>
  /** Spans of written line `line` that hold a secret the caller found: the engine masks them in its contexts of that line. */
  reportSpans: (line: number, spans: ReadonlyArray<readonly [number, number]>) => void
}

/** A span of a written line of the chunk (0-based index, written columns, end exclusive) that holds a secret. */
export interface SecretSpan {
  line: number
  start: number
  end: number
  /** The secret's masked preview on the line where it starts; undefined on a block's body lines. */
  preview: string | undefined
}

export interface SecretDetector {
  /**
   * `framed`, when given, is called with the chunk's bytes once the rules are done with them. `spans`,
   * when given, is called for every span of every secret the rules saw (every reading, duplicates and
   * hits past `maxFindingsPerLine` included; not those an allowlist accepts): what a masker must
   * replace, a superset of the findings' locations, which name each secret once per line.
   */
  detect: (chunk: LogChunk, framed?: (f: FramedChunk) => void, spans?: (s: SecretSpan) => void) => Finding[]
  readonly ruleCount: number
}

/** A raw match of a compiled rule before it becomes a Finding; `secret` never leaves this module. */
type Hit = HitOf<Compiled>

/**
 * The inline marker that accepts one secret on its line: `leakwatch:allow=` and the first
 * INLINE_ALLOW_HEX hex digits of the secret's keyed fingerprint. A bare `leakwatch:allow` (the
 * gitleaks form) silenced the whole line, so whoever wrote part of a line (a query string, a user
 * agent, a user name) could hide any secret in it; writing this one takes the fingerprint key.
 */
export const INLINE_ALLOW = 'leakwatch:allow='
export const INLINE_ALLOW_HEX = 16

/**
 * The fingerprint prefixes the inline markers of written line `line` name, found in one pass: a hit then
 * costs a set lookup, where searching the line for each hit's marker was quadratic in a long line's hits.
 */
export function inlineMarkers(line: string): ReadonlySet<string> {
  const out = new Set<string>()
  const from = INLINE_ALLOW.length
  for (let at = line.indexOf(INLINE_ALLOW); at >= 0; at = line.indexOf(INLINE_ALLOW, at + from)) out.add(line.slice(at + from, at + from + INLINE_ALLOW_HEX))
  return out
}

/**
 * A rule compiled for the engine. With `lazy`, its RE2 patterns are compiled when first used (a rule
 * none of whose keywords a scan meets never is): a tenth of the CPU of a short `leakwatch scan` went to
 * compiling every pattern of every rule up front (issue #15). Only for rules already known to compile —
 * the built-in rules, whose patterns the test suite compiles, and rule files, which `loadRuleFiles`
 * compiles eagerly when it reads them — so a bad pattern still fails at start, never mid-scan. `shared`
 * holds the allowlist patterns compiled so far, by source, for the rules of one engine to share.
 */
export function compileRule(rule: Rule, index = 0, lazy = false, shared?: Map<string, RE2>): Compiled {
  // The pattern is not echoed in errors (issue #12): rule files and allowlists may hold the values they match.
  const make = (source: string, flags: string, field = 'regex'): RE2 => compileRe2(source, flags, 'LW_ERR_RULE_INVALID', `rule ${rule.id}`, field)
  // An allowlist pattern is only ever `test`ed, without the global flag, so it holds no state between calls: rules
  // that list the same pattern (127 built-in allowlist entries are 42 patterns) can share one compiled copy.
  const allowed = (source: string, field: string): RE2 => {
    let re = shared?.get(source)
    if (re === undefined) {
      re = make(source, '', field)
      shared?.set(source, re)
    }
    return re
  }
  if (rule.keywords.length === 0) throw new LeakwatchError('LW_ERR_RULE_INVALID', `rule ${rule.id}: needs at least one keyword`)
  for (const [i, k] of rule.keywords.entries()) {
    // The keyword automaton works on ASCII bytes; a non-ASCII keyword is a rule error, not a crash deeper down.
    if (!isAscii(k)) throw new LeakwatchError('LW_ERR_RULE_INVALID', `rule ${rule.id}: keywords[${i}] must be ASCII (a literal prefix of the token)`)
    if (k.length === 0 || k !== k.toLowerCase())
      // Named by position, not echoed (issue #12): a rule file may hold a whole token where a keyword belongs.
      throw new LeakwatchError('LW_ERR_RULE_INVALID', `rule ${rule.id}: keywords[${i}] must be non-empty lower case`)
  }
  const groups = countGroups(rule.regex)
  const group = rule.secretGroup ?? (groups > 0 ? 1 : 0)
  if (group > groups) throw new LeakwatchError('LW_ERR_RULE_INVALID', `rule ${rule.id}: secretGroup ${group} but the regex has ${groups} group(s)`)
  // Each pattern on its own first use: a line that meets a keyword of a rule with `follows` asks for that
  // pattern only, and most such lines fail it (two in three of the rule regexes a 16 MB log compiled were
  // for rules whose `follows` had failed on every line; issue #15). The order is that of an eager compile.
  const patterns: Patterns = {
    re: () => make(rule.regex, 'g'),
    follows: rule.follows === undefined ? undefined : () => make(`(?:${rule.keywords.map(escapeRe2).join('|')})(?:${rule.follows})`, 'gi'),
    allow: () => ({
      secrets: (rule.allow?.secrets ?? []).map((p, i) => allowed(p, `allow.secrets[${i}]`)),
      matches: (rule.allow?.matches ?? []).map((p, i) => allowed(p, `allow.matches[${i}]`)),
      lines: (rule.allow?.lines ?? []).map((p, i) => allowed(p, `allow.lines[${i}]`)),
      streams: (rule.allow?.streams ?? []).map((p, i) => allowed(p, `allow.streams[${i}]`))
    })
  }
  const keywordBytes = Math.max(...rule.keywords.map((k) => Buffer.byteLength(k, 'utf8')))
  return new CompiledRule(rule, index, keywordBytes, group, patterns, lazy, confidenceOf(rule))
}

/** How to compile a rule's patterns: its regex, its `follows` (if any), and its allowlists. */
interface Patterns {
  re: () => RE2
  follows: (() => RE2) | undefined
  allow: () => { secrets: RE2[]; matches: RE2[]; lines: RE2[]; streams: RE2[] }
}

/** Lines or views a rule runs on before its search starts from its lead (regex-lead.ts). */
const LEAD_AFTER_RUNS = 64

/** One class for eager and lazy rules, so the scan loop sees one object shape; each of a lazy rule's patterns is compiled on first use. */
class CompiledRule implements Compiled {
  readonly rule: Rule
  readonly index: number
  readonly keywordBytes: number
  readonly group: number
  readonly followsGate: FollowsGate | undefined
  readonly confidence: ReturnType<typeof confidenceOf>
  readonly #patterns: Patterns
  #re: RE2 | undefined
  #follows: RE2 | undefined
  #allow: ReturnType<Patterns['allow']> | undefined
  #lead: number | undefined
  #runs = 0
  constructor(rule: Rule, index: number, keywordBytes: number, group: number, patterns: Patterns, lazy: boolean, confidence: ReturnType<typeof confidenceOf>) {
    this.rule = rule
    this.followsGate =
      rule.follows !== undefined
        ? followsGate(rule.follows)
        : rule.upperKeywords === true
          ? upperKeywordGate(rule.keywords)
          : rule.keywordStart !== undefined
            ? keywordStartGate(rule.keywords, rule.keywordStart)
            : undefined
    this.confidence = confidence
    this.index = index
    this.keywordBytes = keywordBytes
    this.group = group
    this.#patterns = patterns
    if (!lazy) {
      this.#re = patterns.re()
      this.#follows = patterns.follows?.()
      this.#allow = patterns.allow()
    }
  }
  // Read from the regex once the rule has run on LEAD_AFTER_RUNS lines: reading every built-in rule's
  // took 15 ms of a cold start, and a rule woken on a few lines gains nothing from it.
  get lead(): number {
    if (this.#lead !== undefined) return this.#lead
    if (++this.#runs < LEAD_AFTER_RUNS) return Number.POSITIVE_INFINITY
    this.#lead = keywordLead(this.rule.regex, this.rule.keywords) ?? Number.POSITIVE_INFINITY
    return this.#lead
  }
  get re(): RE2 {
    this.#re ??= this.#patterns.re()
    return this.#re
  }
  get follows(): RE2 | undefined {
    if (this.#follows === undefined && this.#patterns.follows !== undefined) this.#follows = this.#patterns.follows()
    return this.#follows
  }
  #allowed(): ReturnType<Patterns['allow']> {
    this.#allow ??= this.#patterns.allow()
    return this.#allow
  }
  get allowSecrets(): RE2[] {
    return this.#allowed().secrets
  }
  get allowMatches(): RE2[] {
    return this.#allowed().matches
  }
  get allowLines(): RE2[] {
    return this.#allowed().lines
  }
  get allowStreams(): RE2[] {
    return this.#allowed().streams
  }
}

/**
 * A format rule owns a value that starts with one of its keywords when the keyword holds a separator,
 * the mark of a provider's prefix (ghp_, xoxe., sk-ant-: `xoxe.xoxp-1-REPLACE_ME` is Slack's to judge,
 * and its rule refuses it), or when the rule's own pattern matches the value. A keyword of letters and
 * digits alone is as often a name (apilayer, qase, redis) that random values start with: `apimOM1Zi…`
 * is no Azure APIM key. Asked only of values that start with a keyword, so the patterns are compiled
 * on first use: a non-global copy, since the rule's own may be mid-search in the scan loop.
 */
function formatClaims(compiled: readonly Compiled[]): FormatClaim {
  const byKeyword = new Map<string, Compiled[]>()
  const marked = new Set<string>()
  const alnum = (ch: string): boolean => (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z')
  for (const c of compiled) {
    if (c.rule.kind !== 'pattern') continue
    for (const k of c.rule.keywords) {
      byKeyword.set(k, [...(byKeyword.get(k) ?? []), c])
      if (![...k].every(alnum)) marked.add(k)
    }
  }
  const whole = new Map<Compiled, RE2>()
  const matches = (c: Compiled, value: string): boolean => {
    let re = whole.get(c)
    if (re === undefined) {
      re = compileRe2(c.rule.regex, '', 'LW_ERR_RULE_INVALID', `rule ${c.rule.id}`)
      whole.set(c, re)
    }
    return re.test(value)
  }
  return (value, prefix) => {
    const k = prefix.toLowerCase()
    return marked.has(k) || (byKeyword.get(k) ?? []).some((c) => matches(c, value))
  }
}

function countGroups(source: string): number {
  // A capture group is an unescaped '(' not followed by '?' (named groups (?P<..>/(?<..> count too).
  let n = 0
  for (let i = 0; i < source.length; i++) {
    const c = source[i]
    if (c === '\\') {
      i++
      continue
    }
    if (c === '[') {
      while (i < source.length && source[i] !== ']') {
        if (source[i] === '\\') i++
        i++
      }
      continue
    }
    if (c === '(' && (source[i + 1] !== '?' || source[i + 2] === 'P' || (source[i + 2] === '<' && source[i + 3] !== '=' && source[i + 3] !== '!'))) n++
  }
  return n
}

/** The allowlists that apply to every rule, compiled. */
interface Allowlist {
  secrets: RE2[]
  lines: RE2[]
  streams: RE2[]
  fingerprints: ReadonlySet<string> | undefined
}

function compileAllow(allow: GlobalAllow | undefined): Allowlist {
  // Named by option path, the pattern never echoed (issue #12): an allowlist may hold the value it allows.
  const make =
    (list: string) =>
    (p: string, i: number): RE2 =>
      compileRe2(p, '', 'LW_ERR_CONFIG_INVALID', `detector.allow.${list}[${i}]`)
  return {
    secrets: (allow?.secrets ?? []).map(make('secrets')),
    lines: (allow?.lines ?? []).map(make('lines')),
    streams: (allow?.streams ?? []).map(make('streams')),
    fingerprints: allow?.fingerprints
  }
}

/** What a detector holds across chunks, built once from its options. */
interface Engine {
  compiled: Compiled[]
  keywords: KeywordScanner<Compiled>
  /** Prefixes of the format rules, which generic rules leave to them (gates.ts) when the format's pattern matches the value. */
  prefixes: string[]
  claims: FormatClaim
  allow: Allowlist
  /** Lines longer than this are scanned in windows overlapping by `overlap`. */
  maxLine: number
  overlap: number
  /** Levels of decoded views scanned below a line. */
  depth: number
  /** Hits kept for findings per line (every reading counts); the rest only mask. */
  maxFindings: number
  onLimit: ((limit: DetectorLimit, at: LimitAt) => void) | undefined
  /**
   * Per rule (by index), the pass over a line or view that last judged it (`nextPass`): a rule is judged
   * once per line, at its first keyword. A stamp per rule instead of a Set cleared per line, which was a
   * hash lookup per keyword hit.
   */
  judged: Int32Array
  /**
   * Per rule with a follows gate, the pass of the line where its first keyword was met (`gated`) and that
   * keyword's end (`gatedEnd`): the rule is judged at the first keyword whose gate passes, from the first.
   */
  gated: Int32Array
  gatedEnd: Int32Array
  pass: number
}

/** A new judging pass: rules judged before it count as not judged. */
function nextPass(engine: Engine): number {
  if (engine.pass === 0x7fffffff) {
    engine.judged.fill(0)
    engine.gated.fill(0)
    engine.pass = 0
  }
  return ++engine.pass
}

function createEngine(opts: SecretDetectorOptions): Engine {
  const shared = new Map<string, RE2>()
  const compiled = opts.rules.map((r, i) => compileRule(r, i, opts.lazyPatterns === true, shared))
  const maxLine = opts.maxLineChars ?? 64 * 1024
  return {
    compiled,
    keywords: createKeywordScanner(compiled),
    prefixes: formatPrefixes(opts.rules),
    claims: formatClaims(compiled),
    allow: compileAllow(opts.allow),
    maxLine,
    overlap: Math.min(opts.windowOverlapChars ?? 1024, Math.floor(maxLine / 2)),
    depth: opts.decodeDepth ?? 2,
    maxFindings: opts.maxFindingsPerLine ?? DEFAULT_MAX_FINDINGS_PER_LINE,
    onLimit: opts.onLimit,
    judged: new Int32Array(compiled.length),
    gated: new Int32Array(compiled.length),
    gatedEnd: new Int32Array(compiled.length),
    pass: 0
  }
}

/** One chunk's scan: the detector's engine, the chunk's framed lines, and the hits found so far. */
interface ChunkScan {
  engine: Engine
  lines: readonly string[]
  hits: Hit[]
  /** Secret spans another detector found (known secrets, through `FramedChunk.reportSpans`), in framed columns, per line. */
  foreign: Map<number, Array<[number, number]>>
  /** Hits kept per line and rule, and those past `maxFindingsPerLine`: masked in contexts, never findings. */
  perLine: Map<number, number>
  overflow: Hit[]
}

export function createSecretDetector(opts: SecretDetectorOptions): SecretDetector {
  const engine = createEngine(opts)
  const now = opts.now ?? (() => new Date())
  const earlier = createRememberedValues(REMEMBERED_VALUES)
  return {
    ruleCount: engine.compiled.length,
    detect(chunk: LogChunk, framed?: (f: FramedChunk) => void, spans?: (s: SecretSpan) => void): Finding[] {
      if (engine.allow.streams.some((a) => a.test(chunk.stream))) return []
      // Rules read the message, not its framing: columns are in the framed text until the findings are made.
      const source = SOURCES.get(chunk)
      const framing = frameLines(chunk.lines, source)
      const scan: ChunkScan = { engine, lines: framing.lines, hits: [], foreign: new Map(), perLine: new Map(), overflow: [] }
      scanChunk(scan, framing, framed, source)
      if (scan.hits.length === 0) return []
      // Every hit masks its span in every context, kept or not: a duplicate, an allow-listed stream's or a
      // baselined value is still a secret that another finding's context must not show.
      const masks = createContexts(framing, [...scan.hits, ...scan.overflow], scan.foreign, opts.maxContextChars, earlier.find)
      for (const h of scan.hits) earlier.add(h.secret)
      for (const h of scan.overflow) earlier.add(h.secret)
      const kept = distinctHits(scan.hits)
      const detectedAt = now().toISOString()
      const out: Finding[] = []
      // Values an allowlist accepted, per line: their other readings and repeats on the line are accepted too.
      const allowed = new Set<string>()
      const markers = new Map<number, ReadonlySet<string>>()
      const marked = (i: number, fingerprint: string): boolean => {
        let m = markers.get(i)
        if (m === undefined) {
          m = inlineMarkers(framing.raw[i] ?? '')
          markers.set(i, m)
        }
        return m.size > 0 && fingerprint.length >= INLINE_ALLOW_HEX && m.has(fingerprint.slice(0, INLINE_ALLOW_HEX))
      }
      for (const h of kept) {
        const fingerprint = h.compiled.allowStreams.some((a) => a.test(chunk.stream)) ? undefined : opts.fingerprinter.of(h.secret)
        if (fingerprint === undefined || engine.allow.fingerprints?.has(fingerprint) === true || marked(h.lineIndex, fingerprint)) {
          allowed.add(`${h.lineIndex}\n${h.secret}`)
          continue
        }
        out.push(findingOf(opts, chunk, framing, masks, h, fingerprint, detectedAt))
      }
      if (spans !== undefined) {
        const all = [...scan.hits, ...scan.overflow].filter((h) => allowed.size === 0 || !allowed.has(`${h.lineIndex}\n${h.secret}`))
        writtenSpans(framing, all, (line, start, end, h) => spans({ line, start, end, preview: line === h.lineIndex ? mask(h.secret) : undefined }))
        // And each value wherever else it stands in the chunk's lines, as the contexts mask it.
        const elsewhere = createOccurrences(all)
        framing.lines.forEach((text, i) => {
          for (const [s, e] of elsewhere(text)) spans({ line: i, start: toRaw(framing, i, s), end: toRawEnd(framing, i, e), preview: mask(text.slice(s, e)) })
        })
      }
      return out
    }
  }
}

/** Chunks whose lines' bytes the caller holds (withSourceBytes). */
const SOURCES = new WeakMap<LogChunk, Buffer>()

/**
 * Hands the detector the bytes that `chunk.lines` were decoded from, when they are exactly the UTF-8 of
 * the lines joined by '\n' or '\r\n' and no line holds a '\r' (valid UTF-8, no byte-order mark, no lone
 * '\r' in the input, as a text splitter cuts it): the chunk scan
 * then copies the lines' bytes past their record prefixes instead of joining the lines into one string
 * and encoding it again, which was a tenth of a `leakwatch scan` (issue #15). Kept in a WeakMap, not on
 * the chunk: a chunk that goes on to the bus carries no copy of its bytes.
 */
export function withSourceBytes(chunk: LogChunk, bytes: Buffer): LogChunk {
  SOURCES.set(chunk, bytes)
  return chunk
}

/** The bytes handed with `chunk` by withSourceBytes, if any. */
export function sourceBytesOf(chunk: LogChunk): Buffer | undefined {
  return SOURCES.get(chunk)
}

/**
 * The framed lines' bytes from `source` (the UTF-8 of the written lines joined by '\n') into `into`, each
 * line followed by '\n', and each framed line's offset in `starts` (one past the last newline at index
 * n); returns the bytes' length without the last newline, or -1 when `source` does not hold exactly the
 * chunk's lines. One copy of the whole, then each line moved down over the record prefixes taken off
 * before it (a prefix is ASCII: its characters are its bytes); a line that lost terminal noise is written
 * from its framed text, never longer than the written line, so it never reaches bytes not yet moved.
 */
function framedBytes(f: Framing, source: Buffer, into: Buffer, starts: number[]): number {
  const { raw, ends } = f
  if (ends === undefined) return -1
  const n = raw.length
  source.copy(into, 0)
  let from = 0
  let at = 0
  for (let i = 0; i < n; i++) {
    const end = ends[i] as number
    // The line stops before its '\r\n' or '\n'.
    const stop = end > from && source[end - 1] === 0x0d ? end - 1 : end
    starts[i] = at
    const body = from + (f.prefix[i] ?? 0)
    if (f.kept.has(i)) at += into.write(f.lines[i] ?? '', at, 'utf8')
    else {
      if (at !== body) into.copyWithin(at, body, stop)
      at += stop - body
    }
    into[at++] = 0x0a
    from = end + 1
  }
  starts[n] = at
  return Math.max(0, at - 1)
}

/**
 * Scans the lines of a chunk as one UTF-8 buffer: one pass of the keyword automaton and one of
 * the base64 run finder over the whole chunk, then the candidate rules and decoded views of the
 * lines that have any. Most lines have neither and cost those two passes only.
 */
function scanChunk(scan: ChunkScan, framing: Framing, framed?: (f: FramedChunk) => void, source?: Buffer): void {
  const { engine } = scan
  const { lines } = framing
  const n = lines.length
  let starts = new Array<number>(n + 1)
  const fromSource = source === undefined ? undefined : engine.keywords.scanBytes(source.length + 1, (into) => framedBytes(framing, source, into, starts))
  if (fromSource === undefined) framing.joined ??= framing.lines.join('\n')
  const scanned = fromSource ?? engine.keywords.scanText(framing.joined ?? '')
  const buf = scanned.bytes
  if (fromSource === undefined) starts = lineStarts(framing, buf)
  const { candidates, firsts, lineBytes } = candidatesByLine(engine, scanned, lines, starts)
  const runs = engine.depth > 0 ? base64RunsByLine(engine, buf, starts, n) : new Array<undefined>(n)
  const escaped = engine.depth > 0 ? escapedLines(buf, starts, n) : new Uint8Array(n)
  for (let i = 0; i < n; i++) {
    const cand = candidates[i]
    const lineRuns = runs[i]
    if (cand === undefined && lineRuns === undefined && escaped[i] === 0) continue
    const line = lines[i] ?? ''
    if (line.length === 0) continue
    if (line.length > engine.maxLine) {
      scanWindows(scan, i, line)
      continue
    }
    const lineBuf = lineBytes[i] ?? buf.subarray(starts[i], (starts[i + 1] ?? 0) - 1)
    if (cand !== undefined) runRules(scan, cand, firsts[i], i, line, lineBuf, 0, undefined)
    if (engine.depth === 0) continue
    scanViews(scan, i, line, 0, 0, undefined, lineRuns === undefined ? [] : utf16Spans(line, lineBuf, lineRuns))
  }
  if (engine.depth > 0) scanDumps(scan, lines)
  if (framed !== undefined) framed(framedChunk(scan, framing, buf, starts))
}

/**
 * Scans the bytes of the chunk's hex dumps (hexdump.ts) as one decoded text each, as a view below the
 * lines. A value found there stands in the dump's rows from the one holding its first byte to the one
 * holding its last, in the hex columns and the text column both: the hit spans those rows whole, as a
 * PEM block's hit spans its body, and every context masks them.
 */
function scanDumps(scan: ChunkScan, lines: readonly string[]): void {
  for (const d of findDumps(lines)) {
    // The dump's text as the only line of a scan of its own: what its rules, gates and views read.
    const sub: ChunkScan = { ...scan, lines: [d.text], hits: [], overflow: [], perLine: new Map() }
    // In windows, as an over-long line is, when the detector's lines are shorter than a dump.
    if (d.text.length > scan.engine.maxLine) scanWindows(sub, 0, d.text, 1)
    else scanText(sub, 0, d.text, 0, 1)
    for (const h of [...sub.hits, ...sub.overflow]) {
      const first = dumpLine(d, h.start)
      const last = dumpLine(d, Math.max(h.start, h.end - 1))
      // The context shows the dump's text (or the view below it) with the value masked: a row masked whole
      // would still show its last characters (pipeline/fingerprint.ts mask), which can be the value's.
      const hit: Hit = {
        compiled: h.compiled,
        lineIndex: first,
        start: 0,
        end: (lines[first] ?? '').length,
        endLineIndex: last,
        endColumn: (lines[last] ?? '').length + 1,
        secret: h.secret,
        via: h.via === undefined ? 'hexdump' : `hexdump+${h.via}`,
        viewText: h.viewText ?? d.text,
        viewStart: h.viewStart ?? h.start,
        viewEnd: h.viewEnd ?? h.end,
        marks: [{ text: d.text, start: h.start, end: h.end }, ...(h.marks ?? [])]
      }
      if (h.cut === true) hit.cut = true
      addHit(scan, hit)
    }
  }
}

/**
 * Per line, the rules one of whose keywords it holds and admits (`admits`), in the order their
 * keywords end, and for each the end of its first keyword on the line (a byte offset of the line);
 * undefined for a line with none.
 */
function candidatesByLine(
  engine: Engine,
  scanned: { bytes: Buffer; hits: Int32Array; count: number },
  lines: readonly string[],
  starts: readonly number[]
): { candidates: Array<Compiled[] | undefined>; firsts: Array<number[] | undefined>; lineBytes: Array<Buffer | undefined> } {
  const buf = scanned.bytes
  const candidates: Array<Compiled[] | undefined> = new Array(lines.length)
  const firsts: Array<number[] | undefined> = new Array(lines.length)
  // A line's bytes, made once for all its rules' `follows` and kept for their regexes.
  const lineBytes: Array<Buffer | undefined> = new Array(lines.length)
  let li = 0
  const hits = scanned.hits
  const { judged, gated, gatedEnd } = engine
  let pass = nextPass(engine)
  /** Whether line li is ASCII text (its UTF-8 as long as its UTF-16): -1 not known yet. */
  let ascii = -1
  for (let h = 0; h < scanned.count; h++) {
    const end = hits[2 * h] ?? 0
    const rules = engine.keywords.rulesAt(hits[2 * h + 1] ?? 0)
    if ((starts[li + 1] ?? 0) < end) {
      while ((starts[li + 1] ?? 0) < end) li++
      pass = nextPass(engine)
      ascii = -1
    }
    let list = candidates[li]
    let ends = firsts[li]
    const from = starts[li] ?? 0
    for (const r of rules) {
      if (judged[r.index] === pass) continue
      // Judged from the line's first keyword of the rule, as always; with a follows gate, only once a
      // keyword whose next bytes pass the gate is met: a line where none does cannot pass `follows`.
      let first = end
      const gate = r.followsGate
      if (gate !== undefined) {
        const lb = lineBytes[li] ?? buf.subarray(from, (starts[li + 1] ?? 0) - 1)
        lineBytes[li] = lb
        if (ascii === -1) ascii = lb.length === (lines[li] ?? '').length ? 1 : 0
        if (ascii === 1) {
          if (gated[r.index] !== pass) {
            gated[r.index] = pass
            gatedEnd[r.index] = end
          }
          if (!gate(lb, end - from)) continue
          first = gatedEnd[r.index] ?? end
        }
      }
      judged[r.index] = pass
      if (r.rule.requires !== undefined && !holdsAll(lines[li] ?? '', r.rule.requires)) continue
      if (r.follows !== undefined) {
        const lb = lineBytes[li] ?? buf.subarray(from, (starts[li + 1] ?? 0) - 1)
        lineBytes[li] = lb
        if (!follows(r, r.follows, lb, first - from)) continue
      }
      if (list === undefined || ends === undefined) {
        list = []
        ends = []
        candidates[li] = list
        firsts[li] = ends
      }
      list.push(r)
      ends.push(first - from)
    }
  }
  return { candidates, firsts, lineBytes }
}

/** Per line, the base64 runs in it worth decoding, as byte offsets of the line. */
function base64RunsByLine(engine: Engine, buf: Buffer, starts: readonly number[], n: number): Array<Array<[number, number]> | undefined> {
  const runs: Array<Array<[number, number]> | undefined> = new Array(n)
  let ri = 0
  const found = engine.keywords.base64Runs(buf, buf.length)
  for (let j = 0; j < found.count; j++) {
    const start = found.runs[2 * j] as number
    const end = found.runs[2 * j + 1] as number
    while ((starts[ri + 1] ?? 0) <= start) ri++
    const base = starts[ri] ?? 0
    const list = runs[ri] ?? []
    runs[ri] = list
    list.push([start - base, end - base])
  }
  return runs
}

// The byte after a backslash that starts a JSON escape (decode.ts JSON_ESCAPE: \" \\ \/ \b \f \n \r \t \uXXXX).
const JSON_ESCAPED = new Uint8Array(256)
for (const c of '"\\/bfnrtu') JSON_ESCAPED[c.charCodeAt(0)] = 1

/**
 * A character reference's name or number and its ';' at `at`, the byte after an '&' (`quot;`, `amp;`, `lt;`, `gt;`,
 * `apos;`, `#NNN;`, `#xHH;`; decode.ts reads these): a query string's `&access=` is none. Byte by byte, the first one
 * deciding for most: an audit or access log has an '&' in most lines, and comparing each name there (a Buffer call
 * each) cost nginx lines 2.5%, six searches of the chunk for each reference's start 2% (paired).
 */
function htmlEntityAt(buf: Buffer, at: number): boolean {
  const c = buf[at]
  if (c === 0x6c || c === 0x67) return buf[at + 1] === 0x74 && buf[at + 2] === 0x3b // lt; gt;
  if (c === 0x71) return buf[at + 1] === 0x75 && buf[at + 2] === 0x6f && buf[at + 3] === 0x74 && buf[at + 4] === 0x3b // quot;
  if (c === 0x61)
    return (
      (buf[at + 1] === 0x6d && buf[at + 2] === 0x70 && buf[at + 3] === 0x3b) || // amp;
      (buf[at + 1] === 0x70 && buf[at + 2] === 0x6f && buf[at + 3] === 0x73 && buf[at + 4] === 0x3b) // apos;
    )
  if (c !== 0x23) return false
  let i = at + 1
  const hex = buf[i] === 0x78 || buf[i] === 0x58
  if (hex) i++
  const from = i
  while (i < from + 7 && (hex ? hexDigit(buf[i] ?? 0) >= 0 : (buf[i] ?? 0) >= 0x30 && (buf[i] ?? 0) <= 0x39)) i++
  return i > from && buf[i] === 0x3b
}

/**
 * Lines that may hold JSON (\\), URL (%) or HTML (&quot;, &#39;, …) escapes, found with the buffer's native search: in an
 * access log nearly every chunk has a '%' somewhere, but few of its lines do. A '%' counts only before
 * two hex digits and a backslash only before an escape's letter: a superset of what the views' own tests
 * decode (`\u` is not checked for its four hex digits). A CI log's `Receiving objects: 30% (2473/9000)`,
 * one line in eighteen, holds no escape, and each such line cost a pass through the views for nothing
 * (issue #15).
 */
function escapedLines(buf: Buffer, starts: readonly number[], n: number): Uint8Array {
  const escaped = new Uint8Array(n)
  for (const byte of [0x5c, 0x25, 0x26]) {
    let line = 0
    for (let at = buf.indexOf(byte); at >= 0; ) {
      while ((starts[line + 1] ?? 0) <= at) line++
      const opens =
        byte === 0x5c
          ? JSON_ESCAPED[buf[at + 1] ?? 0] === 1
          : byte === 0x25
            ? hexDigit(buf[at + 1] ?? 0) >= 0 && hexDigit(buf[at + 2] ?? 0) >= 0
            : htmlEntityAt(buf, at + 1)
      if (opens) escaped[line] = 1
      at = buf.indexOf(byte, opens ? (starts[line + 1] ?? buf.length) : at + 1)
    }
  }
  return escaped
}

/** The chunk's bytes as the known-secret scan reads them: a newline after the last line and zeros after it. */
function framedChunk(scan: ChunkScan, framing: Framing, buf: Buffer, starts: number[]): FramedChunk {
  const all = Buffer.from(buf.buffer, buf.byteOffset, buf.length + 9)
  all[buf.length] = 0x0a
  all.fill(0, buf.length + 1)
  let byLine: Map<number, Array<[number, number]>> | undefined
  return {
    bytes: all,
    length: buf.length + 1,
    starts,
    lines: framing.lines,
    toRaw: (line, col) => toRaw(framing, line, col),
    toRawEnd: (line, col) => toRawEnd(framing, line, col),
    secretSpans: (line) => {
      if (byLine === undefined) {
        const map = new Map<number, Array<[number, number]>>()
        writtenSpans(framing, [...scan.hits, ...scan.overflow], (i, start, end) => {
          const list = map.get(i) ?? []
          map.set(i, list)
          list.push([start, end])
        })
        byLine = map
      }
      return byLine.get(line) ?? []
    },
    reportSpans: (line, spans) => {
      const list = scan.foreign.get(line) ?? []
      scan.foreign.set(line, list)
      for (const [s, e] of spans) list.push([fromRaw(framing, line, s), fromRaw(framing, line, e)])
    }
  }
}

/**
 * The spans of the written lines that hold the secrets of `hits`, in written columns: a block's
 * header line from its start to the end of the line, then its body lines (whole, the last to the
 * block's end).
 */
function writtenSpans(framing: Framing, hits: readonly Hit[], each: (line: number, start: number, end: number, h: Hit) => void): void {
  for (const h of hits) {
    const i = h.lineIndex
    each(i, toRaw(framing, i, h.start), toRawEnd(framing, i, h.endLineIndex === i ? h.end : (framing.lines[i] ?? '').length), h)
    for (let j = i + 1; j <= h.endLineIndex; j++)
      each(j, toRaw(framing, j, 0), toRawEnd(framing, j, j === h.endLineIndex ? h.endColumn - 1 : (framing.lines[j] ?? '').length), h)
  }
}

/** An over-long line (or a decoded text at view `level`), scanned in overlapping windows, each on its own. */
function scanWindows(scan: ChunkScan, lineIndex: number, line: string, level = 0): void {
  const { maxLine, overlap } = scan.engine
  for (let from = 0; from < line.length; from += maxLine - overlap) {
    scanText(scan, lineIndex, line.slice(from, from + maxLine), from, level)
    if (from + maxLine >= line.length) break
  }
}

/**
 * Whether `text`, the UTF-8 `bytes`, is a candidate for rule `c`, judged at the first
 * keyword of `c` in it (ending at byte `end`) and then never again for the line: its `requires` are
 * in the text (a memchr, cheaper than the search; most URLs have no '@'), and one of its keywords
 * from there on is followed by its `follows`. One linear pass over the rest of the line per rule.
 */
function admits(c: Compiled, text: string, bytes: Buffer, end: number): boolean {
  if (c.rule.requires !== undefined && !holdsAll(text, c.rule.requires)) return false
  const f = c.follows
  return f === undefined || follows(c, f, bytes, end)
}

function holdsAll(text: string, parts: readonly string[]): boolean {
  for (const p of parts) if (!text.includes(p)) return false
  return true
}

/** `admits`'s second test: `bytes` holds one of the keywords of `c` then its `follows` (`f`), from the keyword ending at `end`. */
function follows(c: Compiled, f: RE2, bytes: Buffer, end: number): boolean {
  f.lastIndex = Math.max(0, end - c.keywordBytes)
  return f.test(bytes)
}

/** Runs the candidate rules over one piece of text and its decoded views; `offset` maps its columns back to the line. */
function scanText(scan: ChunkScan, lineIndex: number, text: string, offset: number, level: number, view?: ViewSpan): void {
  const buf = Buffer.from(text, 'utf8')
  const candidates: Compiled[] = []
  const firsts: number[] = []
  const { judged } = scan.engine
  const pass = nextPass(scan.engine)
  scan.engine.keywords.scan(buf, 0, buf.length, (end, rules) => {
    for (const r of rules) {
      if (judged[r.index] === pass) continue
      judged[r.index] = pass
      if (!admits(r, text, buf, end)) continue
      candidates.push(r)
      firsts.push(end)
    }
  })
  if (candidates.length > 0) runRules(scan, candidates, firsts, lineIndex, text, buf, offset, view)
  if (level >= scan.engine.depth) return
  const runs: Array<[number, number]> = []
  findBase64Runs(buf, 0, buf.length, (start, end) => runs.push([start, end]))
  scanViews(scan, lineIndex, text, offset, level, view, utf16Spans(text, buf, runs))
}

function scanViews(
  scan: ChunkScan,
  lineIndex: number,
  text: string,
  offset: number,
  level: number,
  view: ViewSpan | undefined,
  runs: ReadonlyArray<readonly [number, number]>
): void {
  for (const v of decodeViews(text, runs)) {
    // A view's findings point at the encoded span of the line it came from.
    const span = view ?? { via: v.via, start: offset + v.start, end: offset + v.end }
    // Under a view, the run this view decodes lies in that view's text: a context showing it masks the run.
    const chain = view === undefined ? undefined : [...(view.chain ?? []), { text, start: v.start, end: v.end }]
    const child: ViewSpan = { via: view === undefined ? v.via : `${view.via}+${v.via}`, start: span.start, end: span.end }
    if (chain !== undefined) child.chain = chain
    // Columns of an escape view map back through every escape view above it; a base64 view ends the map.
    const up = view === undefined ? (col: number) => offset + col : view.toLine
    // `src` read only when a column is mapped: the JSON view makes its map then (decode.ts).
    if ('src' in v && up !== undefined)
      child.toLine = (col) => {
        const src = v.src ?? new Int32Array(1)
        return up(src[col] ?? src[src.length - 1] ?? 0)
      }
    scanText(scan, lineIndex, v.text, 0, level + 1, child)
  }
}

/**
 * Runs each candidate rule's regex over `buf`, the UTF-8 bytes of `text`, from where its lead before
 * the end of its first keyword in `buf` allows (`firsts`, in the order of `candidates`; regex-lead.ts).
 */
function runRules(
  scan: ChunkScan,
  candidates: readonly Compiled[],
  firsts: readonly number[] | undefined,
  lineIndex: number,
  text: string,
  buf: Buffer,
  offset: number,
  view: ViewSpan | undefined
): void {
  const { engine, lines } = scan
  for (let ci = 0; ci < candidates.length; ci++) {
    const c = candidates[ci] as Compiled
    c.re.lastIndex = firsts === undefined ? 0 : searchStart(buf, c.lead, firsts[ci] ?? 0)
    for (let m = c.re.exec(buf); m !== null; m = c.re.exec(buf)) {
      const whole = m[0] as unknown as Buffer
      if (whole.length === 0) {
        c.re.lastIndex++
        continue
      }
      const captured = (m as unknown as Array<Buffer | undefined>)[c.group]
      if (captured === undefined) continue
      const startByte = m.index + (c.group === 0 ? 0 : whole.indexOf(captured))
      const endByte = startByte + captured.length
      // Boundary groups consume one character; step back so adjacent secrets are still seen.
      if (c.re.lastIndex > endByte) c.re.lastIndex = endByte
      if (c.rule.block !== undefined) {
        const hit = blockHit(scan, c, c.rule.block, lineIndex, text, buf, offset, m.index, whole)
        if (hit !== undefined) addHit(scan, place(lines, hit, text, view))
        continue
      }
      const value = captured.toString('utf8')
      const secret = value.includes('\\') ? beforeEscape(value, buf[endByte]) : value
      if (secret.length === 0 || !passes(engine, c, secret, text, whole)) continue
      const start = utf16Column(text, buf, startByte)
      const end = start + secret.length
      const hit: Hit = { compiled: c, lineIndex, start: offset + start, end: offset + end, endLineIndex: lineIndex, endColumn: offset + end + 1, secret }
      if (secret !== value) hit.cut = true
      addHit(scan, place(lines, hit, text, view))
    }
  }
}

/**
 * Keeps a hit for a finding while its rule has fewer than `maxFindingsPerLine` on its line; past that,
 * for the contexts' masks only (no fingerprint, no finding), and the event is counted once per line
 * and rule through `onLimit`. The rules go on over the line either way: each remaining match costs
 * its gates, not a finding.
 */
function addHit(scan: ChunkScan, h: Hit): void {
  // Counted per line and rule: a line that one rule floods is still scanned by the others.
  const key = h.lineIndex * scan.engine.compiled.length + h.compiled.index
  const n = scan.perLine.get(key) ?? 0
  if (n < scan.engine.maxFindings) {
    scan.perLine.set(key, n + 1)
    scan.hits.push(h)
    return
  }
  scan.overflow.push(h)
  if (n === scan.engine.maxFindings) {
    scan.perLine.set(key, n + 1)
    scan.engine.onLimit?.('findings-per-line', { lineIndex: h.lineIndex, rule: h.compiled.rule.id })
  }
}

/** The hit of a block rule whose header `header` was found at byte `at` of `buf` (the UTF-8 of `text`): its body, read by pem.ts. */
function blockHit(
  scan: ChunkScan,
  c: Compiled,
  block: NonNullable<Rule['block']>,
  lineIndex: number,
  text: string,
  buf: Buffer,
  offset: number,
  at: number,
  header: Buffer
): Hit | undefined {
  const afterHeader = utf16Column(text, buf, at + header.length)
  const headerStart = utf16Column(text, buf, at)
  const b =
    'read' in block
      ? block.read(scan.lines, lineIndex, text, afterHeader, headerStart)
      : readBlock(block, scan.lines, lineIndex, text, afterHeader, headerStart)
  if (b === undefined || !passes(scan.engine, c, b.secret, text, header)) return undefined
  // A reader's secret on a later line (it reads later lines only from the line as written): columns of that line.
  if (b.lineIndex !== undefined && b.lineIndex !== lineIndex)
    return { compiled: c, lineIndex: b.lineIndex, start: b.start ?? 0, end: b.end, endLineIndex: b.endLineIndex, endColumn: b.endColumn, secret: b.secret }
  return {
    compiled: c,
    lineIndex,
    start: offset + (b.start ?? headerStart),
    end: offset + b.end,
    endLineIndex: b.endLineIndex,
    // On the header's line, a column of `text`; on a following line, of that line.
    endColumn: b.endLineIndex === lineIndex ? offset + b.endColumn : b.endColumn,
    secret: b.secret
  }
}

/** A captured value that passes its rule's gates (gates.ts) and no allowlist, the rule's or the detector's. */
function passes(engine: Engine, c: Compiled, secret: string, line: string, match: Buffer): boolean {
  if (!plausibleSecret(c.rule, secret, engine.prefixes, engine.claims)) return false
  const allow = engine.allow
  for (const a of c.allowSecrets) if (a.test(secret)) return false
  for (const a of allow.secrets) if (a.test(secret)) return false
  for (const a of c.allowMatches) if (a.test(match.toString('utf8'))) return false
  for (const a of c.allowLines) if (a.test(line)) return false
  for (const a of allow.lines) if (a.test(line)) return false
  return true
}

/** The finding of hit `h` of `chunk`, its columns back in the record as written; its context from `contexts`. */
function findingOf(
  opts: SecretDetectorOptions,
  chunk: LogChunk,
  framing: Framing,
  contexts: Contexts,
  h: Hit,
  fingerprint: string,
  detectedAt: string
): Finding {
  const lineNo = chunk.startLine + h.lineIndex
  // Back to the columns of the record as written (a masker rewrites that, framing and all).
  const start = toRaw(framing, h.lineIndex, h.start)
  const endColumn = toRawEnd(framing, h.endLineIndex, h.endColumn - 1) + 1
  const finding: Finding = {
    v: '1',
    type: 'finding',
    id: stableId(fingerprint, chunk.stream, lineNo, start),
    fingerprint,
    rule: h.compiled.rule.id,
    title: h.compiled.rule.title,
    kind: h.compiled.rule.kind,
    severity: h.compiled.rule.severity,
    confidence: h.compiled.confidence.level,
    stream: chunk.stream,
    source: chunk.source satisfies Source,
    location: { line: lineNo, column: start + 1, endLine: chunk.startLine + h.endLineIndex, endColumn },
    preview: mask(h.secret),
    context: contexts.of(h),
    detectedAt
  }
  if (h.compiled.confidence.score !== undefined) finding.confidenceScore = h.compiled.confidence.score
  if (opts.reveal === true) Object.defineProperty(finding, SECRET, { value: h.secret, enumerable: false })
  return finding
}

/** The contexts of a chunk's findings. */
interface Contexts {
  of: (h: Hit) => string
}

/**
 * The contexts of a chunk's findings, masked by construction: a line is shown with the span of
 * every hit on it masked (every rule, every reading, duplicates and baselined values included, and
 * the spans another detector reported), and a decoded view with every span any hit marked in that
 * view (a secret found there, or the encoded run of one found in a view below it). Each text is
 * masked once, however many findings show it, and each context is a clip of it: the work per line
 * is linear in the line and its hits.
 */
function createContexts(
  framing: Framing,
  hits: readonly Hit[],
  foreign: ReadonlyMap<number, Array<[number, number]>>,
  max: number,
  earlier: (text: string) => Array<[number, number]>
): Contexts {
  const inChunk = createOccurrences(hits)
  // Values found in this chunk or an earlier one wherever they stand, and every run shaped like a credential:
  // a value that only a later chunk will find is already in this context when it is printed (secret-shape.ts).
  const elsewhere = (text: string): Array<[number, number]> => [...inChunk(text), ...earlier(text), ...secretShapedRuns(text)]
  const lineSpans = new Map<number, Array<[number, number]>>()
  const viewSpans = new Map<number, Map<string, Array<[number, number]>>>()
  const spansOf = (i: number): Array<[number, number]> => {
    let spans = lineSpans.get(i)
    if (spans === undefined) {
      spans = [...(foreign.get(i) ?? [])]
      lineSpans.set(i, spans)
    }
    return spans
  }
  for (const h of hits) {
    spansOf(h.lineIndex).push([h.start, h.endLineIndex === h.lineIndex ? h.end : Number.MAX_SAFE_INTEGER])
    // A block's body on the lines after its header.
    for (let j = h.lineIndex + 1; j <= h.endLineIndex; j++) spansOf(j).push([0, j === h.endLineIndex ? h.endColumn - 1 : Number.MAX_SAFE_INTEGER])
    if (h.marks === undefined) continue
    const views = viewSpans.get(h.lineIndex) ?? new Map<string, Array<[number, number]>>()
    viewSpans.set(h.lineIndex, views)
    for (const m of h.marks) {
      const list = views.get(m.text) ?? []
      views.set(m.text, list)
      list.push([m.start, m.end])
    }
  }
  const maskedLines = new Map<number, Masked>()
  const maskedViews = new Map<number, Map<string, Masked>>()
  const lineOf = (i: number): Masked => {
    let m = maskedLines.get(i)
    if (m === undefined) {
      const line = framing.lines[i] ?? ''
      m = maskText(line, [...(lineSpans.get(i) ?? []), ...elsewhere(line)])
      maskedLines.set(i, m)
    }
    return m
  }
  return {
    of(h) {
      const focus = h.start
      const foreignSpans = foreign.get(h.lineIndex) ?? []
      // A decoded view is shown only when no other detector's secret lies in its encoded run: those are
      // masked in the line as written, not in a decoding of it.
      if (h.viewText === undefined || foreignSpans.some(([s, e]) => s < h.end && h.start < e)) {
        const m = lineOf(h.lineIndex)
        return clipAround(m.text, m.at(focus), max)
      }
      const views = maskedViews.get(h.lineIndex) ?? new Map<string, Masked>()
      maskedViews.set(h.lineIndex, views)
      let m = views.get(h.viewText)
      if (m === undefined) {
        m = maskText(h.viewText, [...(viewSpans.get(h.lineIndex)?.get(h.viewText) ?? []), ...elsewhere(h.viewText)])
        views.set(h.viewText, m)
      }
      // Found in a decoded view: show the view with every secret in it masked, marked as decoded.
      return `(${h.via}-decoded) ${clipAround(m.text, m.at(h.viewStart ?? 0), max)}`
    }
  }
}

/** Characters of a value that index it in createOccurrences (fewer when the chunk's shortest value is shorter). */
const OCCURRENCE_KEY = 8
// Values found in earlier chunks, masked in later chunks' contexts: a value found on a line in one chunk (or
// one 1 MiB window of a long line) can stand in another chunk where no rule sees it (fuzz seed 20261211,
// case 2540). The most recent ones, by first sight; what falls out can again show in a later context.
// A value found later than the context that shows it is covered only if it looks random: secret-shape.ts.
const REMEMBERED_VALUES = 1024

/** The last `max` distinct values added (of OCCURRENCE_KEY characters or more) and where they stand in a text. */
function createRememberedValues(max: number): { add: (value: string) => void; find: (text: string) => Array<[number, number]> } {
  const index = createValueIndex(OCCURRENCE_KEY)
  const held = new Set<string>()
  const ring: string[] = []
  let next = 0
  return {
    add(v) {
      if (v.length < OCCURRENCE_KEY || held.has(v)) return
      const old = ring[next]
      if (old !== undefined) {
        held.delete(old)
        index.delete(old)
      }
      ring[next] = v
      next = (next + 1) % max
      held.add(v)
      index.add(v)
    },
    find: (text) => (held.size === 0 ? [] : index.find(text))
  }
}
const HASH_BASE = 0x01000193

/** A hash of text[from, from + n) that rolls: the one of [from + 1, from + n + 1) is `roll`ed from it. */
function keyHash(text: string, from: number, n: number): number {
  let h = 0
  for (let i = from; i < from + n; i++) h = (Math.imul(h, HASH_BASE) + text.charCodeAt(i)) | 0
  return h
}

/**
 * Where the values of `hits` stand in a text, wherever they were found: a value reported on one line, or
 * in one reading of it, can stand in another line or view where no rule sees it (bare, or as the key name
 * a generic rule took for a value elsewhere), and a context showing that text must not print it. One pass
 * over the text with a rolling hash of its next few characters: the values are indexed by the hash of
 * their first ones, and a position whose hash starts a value costs one lookup per distinct length of the
 * values that start so.
 */
function createOccurrences(hits: readonly Hit[]): (text: string) => Array<[number, number]> {
  return valueOccurrences(hits.map((h) => h.secret))
}

/** Where any of `secrets` stands in a text (createOccurrences). */
export function valueOccurrences(secrets: Iterable<string>): (text: string) => Array<[number, number]> {
  const values = new Set<string>()
  let key = OCCURRENCE_KEY
  for (const v of secrets) {
    if (v.length === 0) continue
    values.add(v)
    key = Math.min(key, v.length)
  }
  if (values.size === 0) return () => []
  const index = createValueIndex(key)
  for (const v of values) index.add(v)
  return index.find
}

/** A set of values (each at least `key` characters) and where they stand in a text; values come and go one at a time. */
export interface ValueIndex {
  add: (value: string) => void
  delete: (value: string) => void
  find: (text: string) => Array<[number, number]>
}

/**
 * The values by the hash of their first `key` characters, then by length; `find` is one pass over the text
 * with a rolling hash of its next `key` characters. Adding or dropping a value is constant work, so `mask`
 * keeps one across lines without rebuilding it for each new value.
 */
export function createValueIndex(key: number = OCCURRENCE_KEY): ValueIndex {
  const index = new Map<number, Map<number, Set<string>>>()
  // Values per low bits of their key's hash: `find` reads the map only at positions whose hash has some.
  // A Map lookup per character of every text a context shows was a fifth of making findings (issue #15).
  const filter = new Int32Array(FILTER_SIZE)
  // HASH_BASE^(key-1): what the character leaving the window weighs.
  let top = 1
  for (let i = 1; i < key; i++) top = Math.imul(top, HASH_BASE)
  return {
    add(v) {
      if (v.length < key) return
      const k = keyHash(v, 0, key)
      const byLength = index.get(k) ?? new Map<number, Set<string>>()
      index.set(k, byLength)
      const same = byLength.get(v.length) ?? new Set<string>()
      byLength.set(v.length, same)
      if (same.has(v)) return
      same.add(v)
      filter[k & FILTER_MASK] = (filter[k & FILTER_MASK] ?? 0) + 1
    },
    delete(v) {
      if (v.length < key) return
      const k = keyHash(v, 0, key)
      const byLength = index.get(k)
      const same = byLength?.get(v.length)
      if (byLength === undefined || same === undefined || !same.delete(v)) return
      filter[k & FILTER_MASK] = (filter[k & FILTER_MASK] ?? 1) - 1
      if (same.size === 0) byLength.delete(v.length)
      if (byLength.size === 0) index.delete(k)
    },
    find(text) {
      const out: Array<[number, number]> = []
      if (index.size === 0 || text.length < key) return out
      let h = keyHash(text, 0, key)
      for (let p = 0; ; p++) {
        if (filter[h & FILTER_MASK] !== 0) {
          const byLength = index.get(h)
          if (byLength !== undefined) for (const [n, same] of byLength) if (p + n <= text.length && same.has(text.slice(p, p + n))) out.push([p, p + n])
        }
        if (p + key >= text.length) break
        h = (Math.imul(h - Math.imul(text.charCodeAt(p), top), HASH_BASE) + text.charCodeAt(p + key)) | 0
      }
      return out
    }
  }
}

/** Slots of a value index's filter (a power of two): a few hundred values leave most empty. */
const FILTER_SIZE = 4096
const FILTER_MASK = FILTER_SIZE - 1

// A JSON escape inside a value that a permissive charset (passwords, URLs) took in: `pass=Summer9!\n`
// in a JSON string, `…\u0026password=` from Go's encoder, `pw=s3cr3t\"` one level deeper.
// RE2: a value may be a long run of backslashes, which a backtracking engine tries at every start.
const VALUE_ESCAPE = new RE2('\\\\+(?:["/bfnrt]|u[0-9a-fA-F]{4})', '')

/**
 * A captured value up to the first JSON escape in it, or without the backslashes before the quote
 * that closed it (`next`, the byte after the capture). A real backslash (`\\`) is kept: the JSON view
 * reads that value whole, and the cut reading gives way to it.
 */
function beforeEscape(value: string, next: number | undefined): string {
  const at = VALUE_ESCAPE.exec(value)?.index
  if (at !== undefined) return value.slice(0, at)
  if (next !== 0x22) return value
  let end = value.length
  while (end > 0 && value.charCodeAt(end - 1) === 0x5c) end--
  return value.slice(0, end)
}
