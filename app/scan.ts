// `leakwatch scan <paths|->`: the detector without a bus, for files, pipes
// and CI steps. Findings are printed masked (unless --reveal); the exit code
// says whether any were found.
//
// Exit codes: findings → `exitCode` (1 by default). No findings but some file
// inside a scanned directory could not be read → 2: the scan was incomplete,
// so it must not pass as clean (each such file is warned about on stderr with
// LW_ERR_SCAN_INPUT as it is met, and the others are still scanned). A path
// named on the command line that does not exist or cannot be read is a usage
// error: nothing is scanned, exit 2.

import { isAscii, isUtf8 } from 'node:buffer'
import type { Dirent } from 'node:fs'
import { createReadStream } from 'node:fs'
import { access, constants, readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { Readable, Writable } from 'node:stream'
import { styleText } from 'node:util'
import type RE2 from 're2'
import { lineEnd } from '../detectors/framing.ts'
import { type BlockRule, blockKeywords, blockRules, openBlock } from '../detectors/open-block.ts'
import { MAX_BLOCK_LINES } from '../detectors/pem.ts'
import type { Rule } from '../detectors/rule.ts'
import { loadRuleFiles } from '../detectors/rule-file.ts'
import { BUILTIN_RULES } from '../detectors/rules/registry.ts'
import type { DetectorLimit, GlobalAllow, LimitAt, SecretDetector } from '../detectors/secrets.ts'
import { createSecretDetector, DEFAULT_MAX_FINDINGS_PER_LINE, revealedSecret, withSourceBytes } from '../detectors/secrets.ts'
import { LeakwatchError } from '../pipeline/errors.ts'
import { escapeControls } from '../pipeline/escape.ts'
import type { Finding, LogChunk, Severity } from '../pipeline/events.ts'
import { createFingerprinter } from '../pipeline/fingerprint.ts'
import type { Baseline } from './baseline.ts'
import { baselineEntry, readBaseline, writeBaseline } from './baseline.ts'
import { createLineWindows, WINDOW_CHARS, windowFindings } from './line-windows.ts'
import type { SarifNotes, SarifTool } from './sarif.ts'
import { toSarif } from './sarif.ts'
import { createContainerSplitter, createInputDecoder, createTextSplitter, SNIFF_BYTES, sniff } from './scan-input.ts'

export type ScanFormat = 'text' | 'json' | 'jsonl' | 'sarif'
export const SCAN_FORMATS: readonly ScanFormat[] = ['text', 'json', 'jsonl', 'sarif']

/** What both `scan` and `mask` build their detector from. */
export interface DetectorSetup {
  fingerprintKey: string | undefined
  /** `detector.allow` from the configuration. */
  allow: { secrets: string[]; lines: string[]; streams: string[] }
  /** `--rules` files, added to the built-in rules. */
  ruleFiles: string[]
  maxContextChars: number
}

export function createCliDetector(
  setup: DetectorSetup,
  extra: { reveal?: boolean; fingerprints?: ReadonlySet<string>; onLimit?: (limit: DetectorLimit, at: LimitAt) => void } = {}
): {
  detector: SecretDetector
  rules: Rule[]
} {
  const rules = [...BUILTIN_RULES, ...loadRuleFiles(setup.ruleFiles, BUILTIN_RULES)]
  const allow: GlobalAllow = { ...setup.allow, ...(extra.fingerprints === undefined ? {} : { fingerprints: extra.fingerprints }) }
  const detector = createSecretDetector({
    rules,
    fingerprinter: createFingerprinter(setup.fingerprintKey),
    maxContextChars: setup.maxContextChars,
    allow,
    // Built-in rules and rule files (compiled by loadRuleFiles as it reads them) are known to compile.
    lazyPatterns: true,
    ...(extra.reveal === true ? { reveal: true } : {}),
    ...(extra.onLimit === undefined ? {} : { onLimit: extra.onLimit })
  })
  return { detector, rules }
}

/** The stream id of a scanned file: the path as given, so absolute paths read `file:/tmp/x`. */
export function fileStream(path: string): string {
  return `file:${path}`
}

export interface ScanOptions extends DetectorSetup {
  paths: string[]
  format: ScanFormat
  /** Exit code when something was found. */
  exitCode: number
  /** Print plaintext secrets (text, json, jsonl). */
  reveal: boolean
  /** Suppress findings whose fingerprint this baseline lists. */
  baseline?: string | undefined
  /** Write the findings' fingerprints here (merged with `baseline`). */
  writeBaseline?: string | undefined
  /** `--known-secrets FILE`: also find these values (one per line) in every form they leak in. */
  knownSecrets?: string | undefined
  tool: SarifTool
  cwd: string
  stdin: Readable
  stdout: Writable & { isTTY?: boolean; hasColors?: () => boolean }
  stderr: Writable & { isTTY?: boolean; columns?: number }
  /** Inputs at least this large get a progress bar (when stderr is a TTY). */
  progressMinBytes?: number
  /** Milliseconds clock for progress throttling. */
  clock?: () => number
  /** A line longer than this is scanned in overlapping windows of this many characters (tests lower it). */
  maxLineChars?: number
}

/** Lines per chunk: large enough that a PEM block is rarely split, small enough to bound memory. */
const CHUNK_LINES = 4096
/**
 * Characters per chunk: with lines up to a window long, the line count alone would not bound a chunk. A
 * chunk's lines live until it is scanned, so a chunk larger than V8's young generation is copied by each
 * scavenge and promoted: with 4 MiB, a 16 MB log of audit events (1.3 KB lines) spent a sixth of its CPU
 * collecting garbage; 1 MiB took 6.5% off its whole scan, and 256 KiB added it back in per-chunk work
 * (issue #15, paired runs; short-lined logs reach CHUNK_LINES first and do not change).
 */
const CHUNK_CHARS = 1024 * 1024
/**
 * Bytes per read of a file: a quarter of the CPU of a `leakwatch scan` of a 16 MB CI log went to the
 * stream's 64 KiB reads and their promise ticks (issue #15); a 1 MiB read is still far below a chunk.
 */
const READ_BYTES = 1024 * 1024
/** Bytes decoded at a time: their text (at most as many UTF-16 code units) stays under V8's large-object size. */
const DECODE_BYTES = 32 * 1024
/** UTF-8's byte-order mark, which the input decoder drops. */
const BOM = Buffer.from([0xef, 0xbb, 0xbf])
type Located = Finding & { file?: string }

interface Input {
  path: string
  size: number
  /** Regular files are read to their end; pipes and devices are live: findings are printed as input pauses. */
  regular: boolean
  /** Named on the command line: scanned even when it looks binary. */
  named: boolean
}

function reason(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? (err as Error).message
}

export interface ReadOptions {
  stream: string
  path: string | undefined
  /** Findings are printed as soon as the input pauses (stdin, pipes), not only every CHUNK_LINES lines. */
  live: boolean
  /** Give up on an input that looks binary (inside a scanned directory). */
  skipBinary: boolean
  windowChars: number
  blocks: readonly BlockRule[]
  /** blockKeywords of the rules: lets a chunk without a block header skip the search for one. */
  blockKeywords: RE2 | undefined
  detect: (c: LogChunk) => Finding[]
  emit: (f: Finding) => void
  progress?: (bytes: number) => void
}

/** Input that pauses this long has its complete lines scanned and their findings printed. */
const IDLE_MS = 50

/**
 * The next piece of a live input; when none comes within IDLE_MS, `idle` runs first (once). A timer rather than
 * an empty read buffer: a pipe read in 64 KiB pieces is drained between every two of them.
 */
async function nextOrIdle<T>(it: AsyncIterator<T>, idle: () => void): Promise<IteratorResult<T>> {
  const next = it.next()
  let timer: NodeJS.Timeout | undefined
  const paused = new Promise<'idle'>((resolve) => {
    timer = setTimeout(() => resolve('idle'), IDLE_MS)
  })
  const first = await Promise.race([next, paused])
  clearTimeout(timer)
  if (first !== 'idle') return first
  idle()
  return next
}

/**
 * Scans one input: sniffs its encoding and format, splits it into lines (long ones into overlapping windows,
 * so memory per line is bounded) and hands chunks to the detector. Returns 'binary' when it gave up on a
 * binary input (skipBinary).
 */
export async function scanInput(input: Readable, o: ReadOptions): Promise<'binary' | undefined> {
  const it = input[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>
  const head: Buffer[] = []
  let headBytes = 0
  let done = false
  // Enough to tell text from binary, or what there is when a live input pauses.
  while (headBytes < SNIFF_BYTES) {
    const r = await it.next()
    if (r.done === true) {
      done = true
      break
    }
    const b = typeof r.value === 'string' ? Buffer.from(r.value) : r.value
    head.push(b)
    headBytes += b.length
    if (o.live && input.readableLength === 0) break
  }
  const first = Buffer.concat(head)
  const kind = sniff(first.subarray(0, SNIFF_BYTES))
  if (kind.binary && o.skipBinary) {
    input.destroy()
    return 'binary'
  }

  let lines: string[] = []
  let chars = 0
  let startLine = 1
  let lineNo = 1
  const chunk = (ls: string[], start: number): LogChunk => ({
    v: '1',
    type: 'log-chunk',
    stream: o.stream,
    source: o.path === undefined ? { type: 'stdin' } : { type: 'file', path: o.path },
    startLine: start,
    offset: { start: 0, end: 0 },
    lines: ls,
    collectedAt: new Date().toISOString()
  })
  // The bytes the lines were decoded from, handed to the detector with each chunk (withSourceBytes) while
  // they are exactly the UTF-8 of its lines joined by '\n': UTF-8 input, not a container log, no byte-order
  // mark (the decoder drops it), no '\r' and no line long enough to be windowed. Input with '\r\n' line
  // ends is read from its lines: finding each line's end in the bytes, a search per line in V8's lower
  // tiers, cost more than the join and encoding it saved (loghub's sample logs, in-process A/B).
  // `held[0, heldLength)` is the input from the first byte of `lines` on, the line being read included:
  // one buffer, reused, where a concatenation per chunk was garbage that V8 collected for.
  // A live input's first read may hold only part of the mark (stdin, a writer that paused): a head that could
  // still become one counts as one, or the first line's bytes would hold three the decoded line does not.
  let sourced = !kind.container && kind.encoding === 'utf-8' && !BOM.subarray(0, Math.min(3, first.length)).equals(first.subarray(0, 3))
  let held = Buffer.alloc(0)
  let heldLength = 0
  const unsource = (): void => {
    sourced = false
    held = Buffer.alloc(0)
    heldLength = 0
  }
  const hold = (b: Buffer): void => {
    if (!sourced) return
    if (b.indexOf(0x0d) >= 0) {
      unsource()
      return
    }
    if (heldLength + b.length > held.length) {
      const grown = Buffer.allocUnsafe(Math.max(2 * held.length, heldLength + b.length, READ_BYTES))
      held.copy(grown, 0, 0, heldLength)
      held = grown
    }
    b.copy(held, heldLength)
    heldLength += b.length
  }
  /**
   * The chunk of `now` (the first `now.length` of `lines`), with its bytes when they are known, and where
   * the bytes of the lines after it start in `held` (-1 when not known).
   */
  const sourcedChunk = (now: string[], start: number, final: boolean): { c: LogChunk; next: number } => {
    const c = chunk(now, start)
    if (!sourced) return { c, next: -1 }
    let chars = now.length - 1
    for (const l of now) chars += l.length
    // ASCII: a character per byte, and the lines end where their characters do.
    if (chars <= heldLength && isAscii(held.subarray(0, chars)) && (held[chars] === 0x0a || (final && chars === heldLength)))
      return { c: withSourceBytes(c, held.subarray(0, chars)), next: Math.min(chars + 1, heldLength) }
    let at = 0
    let end = -1
    for (let k = 0; k < now.length; k++) {
      const nl = lineEnd(held, at, (now[k] as string).length)
      if (nl < 0 || nl >= heldLength) {
        // Only the input's last line ends without a newline.
        if (!final || k !== now.length - 1) {
          unsource()
          return { c, next: -1 }
        }
        end = heldLength
        at = heldLength
        break
      }
      end = nl
      at = nl + 1
    }
    const bytes = held.subarray(0, end)
    return { c: isUtf8(bytes) ? withSourceBytes(c, bytes) : c, next: at }
  }
  const flush = (final: boolean): void => {
    if (lines.length === 0) return
    // An unfinished private-key block goes into the next chunk whole, unless the input ends here.
    const open = final ? -1 : openBlock(lines, o.blocks, o.blockKeywords)
    if (open === 0 && lines.length < MAX_BLOCK_LINES && !final) return
    const now = open > 0 ? lines.slice(0, open) : lines
    const { c, next } = sourcedChunk(now, startLine, final)
    for (const f of o.detect(c)) o.emit(f)
    // The chunk's bytes were read during detect only: the rest moves to the front.
    if (next >= 0) {
      held.copyWithin(0, next, heldLength)
      heldLength -= next
    }
    const rest = open > 0 ? lines.slice(open) : []
    startLine += now.length
    lines = rest
    chars = rest.reduce((n, l) => n + l.length, 0)
  }
  const whole = (text: string): void => {
    lines.push(text)
    chars += text.length
    lineNo++
    if (lines.length >= CHUNK_LINES || chars >= CHUNK_CHARS) flush(false)
  }
  const windows = createLineWindows(
    o.windowChars,
    (w) => {
      if (w.final && w.base === 0) {
        whole(w.text)
        return w.text.length
      }
      // A line longer than a window: the lines before it are scanned first, then each window as a chunk of its own.
      // The detector reads them from their text from here on (`held` would have to skip the long line).
      unsource()
      if (w.base === 0 && w.from === 0) flush(true)
      const { own, settled } = windowFindings(w, o.detect(chunk([w.text], lineNo)), o.windowChars)
      for (const f of own) o.emit(f)
      if (w.final) {
        lineNo++
        startLine = lineNo
      }
      return settled
    },
    whole
  )
  const sink = { piece: windows.append, end: windows.end }
  let write: (b: Buffer) => void
  let close: () => void
  if (kind.container) {
    const c = createContainerSplitter(sink)
    write = c.write
    close = c.close
  } else {
    const text = createInputDecoder(kind.encoding)
    const lineSplitter = createTextSplitter(sink)
    write = (b) => {
      hold(b)
      // Decoded in pieces small enough to be young objects: the text of a whole 1 MiB read is a large
      // object, allocated straight into the old generation, and a read's worth of them per read drove a
      // full mark-compact every 16 MB of input (--trace-gc, issue #15). The lines sliced from a piece
      // die with their chunk, long before a scavenge would promote them.
      for (let at = 0; at < b.length; at += DECODE_BYTES)
        lineSplitter.write(text.decode(at === 0 && b.length <= DECODE_BYTES ? b : b.subarray(at, at + DECODE_BYTES)))
    }
    close = () => {
      lineSplitter.write(text.end())
      lineSplitter.close()
    }
  }
  let bytes = first.length
  write(first)
  o.progress?.(bytes)
  while (!done) {
    const r = o.live && lines.length > 0 ? await nextOrIdle(it, () => flush(false)) : await it.next()
    if (r.done === true) break
    const b = typeof r.value === 'string' ? Buffer.from(r.value) : r.value
    bytes += b.length
    write(b)
    o.progress?.(bytes)
  }
  close()
  flush(true)
  return undefined
}

async function* walk(path: string, warn: (path: string, err: unknown) => void, named: boolean): AsyncGenerator<Input> {
  let st: Awaited<ReturnType<typeof stat>>
  try {
    st = await stat(path)
  } catch (err) {
    warn(path, err)
    return
  }
  if (st.isDirectory()) {
    let entries: Dirent[]
    try {
      entries = await readdir(path, { withFileTypes: true, encoding: 'utf8' })
    } catch (err) {
      warn(path, err)
      return
    }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.name === '.git' || e.name === 'node_modules') continue
      // Links inside a tree are not followed: a link to a parent loops (each file reported again per level,
      // then ELOOP aborts the scan), and a link out of the tree scans what was not asked for.
      // Sockets, FIFOs and devices inside a tree would block or never end.
      if (e.isDirectory() || e.isFile()) yield* walk(join(path, e.name), warn, false)
    }
  } else if (st.isFile()) {
    yield { path, size: st.size, regular: true, named }
  }
}

const SEVERITY_STYLE: Record<Severity, Parameters<typeof styleText>[0]> = {
  critical: ['bold', 'red'],
  high: 'red',
  medium: 'yellow',
  low: 'cyan'
}

/** The human format: `where:line:column  SEVERITY  rule  preview` and the masked line. */
export function formatText(f: Finding, where: string, opts: { color: boolean; secret?: string | undefined }): string {
  const paint = (style: Parameters<typeof styleText>[0], text: string): string => (opts.color ? styleText(style, text, { validateStream: false }) : text)
  // Every field may carry what a log writer chose (a file name, a context): escaped, so it cannot drive the terminal or forge a line.
  const value = escapeControls(opts.secret ?? f.preview)
  return `${paint('bold', `${escapeControls(where)}:${f.location.line}:${f.location.column}`)}  ${paint(SEVERITY_STYLE[f.severity], f.severity.toUpperCase())}  ${escapeControls(f.rule)}  ${value}\n    ${paint('dim', escapeControls(f.context))}\n`
}

/** The json/jsonl shape: the flat fields tools filter on, then the whole finding. */
export function findingRecord(f: Located, secret: string | undefined): Record<string, unknown> {
  // Flat fields first so they lead each JSON object; the finding's own fields follow (same values).
  const flat: Record<string, unknown> = {
    rule: f.rule,
    kind: f.kind,
    severity: f.severity,
    ...(f.file === undefined ? {} : { file: f.file }),
    stream: f.stream,
    line: f.location.line,
    column: f.location.column,
    endLine: f.location.endLine,
    endColumn: f.location.endColumn,
    fingerprint: f.fingerprint,
    preview: f.preview
  }
  return { ...flat, ...f, ...(secret === undefined ? {} : { secret }) }
}

function mib(n: number): string {
  return (n / (1024 * 1024)).toFixed(1)
}

/** A one-line progress bar on stderr, redrawn at most every 100 ms and erased before anything else is printed. */
function createProgress(stderr: ScanOptions['stderr'], total: number, files: number, clock: () => number) {
  let drawn = false
  let last = -Infinity
  let done = 0
  let doneFiles = 0
  const draw = (): void => {
    const width = 24
    const share = total === 0 ? 1 : Math.min(1, done / total)
    const bar = '='.repeat(Math.round(share * width)).padEnd(width, ' ')
    stderr.write(`\r\x1b[Kscanning [${bar}] ${Math.floor(share * 100)}%  ${mib(done)}/${mib(total)} MiB  ${doneFiles}/${files} files`)
    drawn = true
    last = clock()
  }
  return {
    update(bytes: number, filesDone: number): void {
      done = bytes
      doneFiles = filesDone
      if (clock() - last >= 100) draw()
    },
    clear(): void {
      if (drawn) stderr.write('\r\x1b[K')
      drawn = false
      last = -Infinity
    }
  }
}

/** Capped lines named one by one on stderr; past this many, only counted (a dump may cap every line). */
const CAP_NOTES = 20

/** A line where a rule reached the per-line findings cap: where, which line, which rule. */
export interface CapNote {
  where: string
  line: number
  rule: string
}

/**
 * The notes `scan` gives when a line reaches the detector's per-line findings cap: `onLimit` (the
 * detector's callback) is told the line's index in `chunk`, the chunk being scanned, in input `where`.
 */
function createCapNotes(write: (text: string) => void) {
  const notes: CapNote[] = []
  let lines = 0
  const seen = new Set<string>()
  const state = {
    chunk: undefined as LogChunk | undefined,
    where: '(stdin)',
    onLimit(_limit: DetectorLimit, at: LimitAt): void {
      const line = (state.chunk?.startLine ?? 1) + at.lineIndex
      // A long line is scanned in windows: each may reach the cap again.
      const key = `${state.where}\n${line}\n${at.rule}`
      if (seen.has(key)) return
      seen.add(key)
      lines++
      if (notes.length >= CAP_NOTES) return
      const note = { where: state.where, line, rule: at.rule }
      notes.push(note)
      write(
        `leakwatch: ${escapeControls(note.where)}:${line}: over ${DEFAULT_MAX_FINDINGS_PER_LINE} findings of rule ${escapeControls(note.rule)} on one line; the rest are masked, not reported (a line like this is an attack or a dump: treat it as a finding)\n`
      )
    },
    /** The total, when some line was capped. */
    summary(): void {
      if (lines === 0) return
      write(
        `leakwatch: ${lines} line(s) over the cap of ${DEFAULT_MAX_FINDINGS_PER_LINE} findings of one rule per line${lines > notes.length ? ` (the first ${notes.length} named above)` : ''}; their further matches were masked, not reported\n`
      )
    },
    /** The same, for a SARIF log's toolExecutionNotifications. */
    sarifNotes(): SarifNotes | undefined {
      return lines === 0 ? undefined : { capped: lines, perLine: DEFAULT_MAX_FINDINGS_PER_LINE, notes }
    }
  }
  return state
}

export async function scan(opts: ScanOptions): Promise<number> {
  if ((opts.baseline !== undefined || opts.writeBaseline !== undefined) && opts.fingerprintKey === undefined)
    throw new LeakwatchError(
      'LW_ERR_BASELINE_INVALID',
      `${opts.baseline === undefined ? '--write-baseline' : '--baseline'} needs a fixed detector.fingerprintKey (LEAKWATCH_DETECTOR_FINGERPRINT_KEY): with the random per-run key used without one, fingerprints never match another run`
    )
  if (opts.reveal && opts.format === 'sarif')
    throw new LeakwatchError('LW_ERR_USAGE', '--reveal does not go with --format sarif: SARIF reports are uploaded and shared')
  const previous: Baseline | undefined = opts.baseline === undefined ? undefined : readBaseline(opts.baseline)
  // Lines past the per-line findings cap: a rule's further matches there are masked, not reported, so the
  // operator is told (stderr as met, a total at the end, SARIF notifications), by line and rule, never a value.
  const caps = createCapNotes((text) => {
    progress?.clear()
    opts.stderr.write(text)
  })
  const { detector, rules } = createCliDetector(opts, {
    reveal: opts.reveal,
    onLimit: caps.onLimit,
    ...(previous === undefined ? {} : { fingerprints: new Set(previous.findings.map((e) => e.fingerprint)) })
  })

  const fingerprints = previous === undefined ? undefined : new Set(previous.findings.map((e) => e.fingerprint))
  const detectChunk =
    opts.knownSecrets === undefined
      ? (c: LogChunk): Finding[] => detector.detect(c)
      : // Imported only for --known-secrets: its thirteen modules were a tenth of what every scan loaded at start (issue #15).
        (
          await (
            await import('../detectors/known-secrets/cli.ts')
          ).withKnownSecretsFile(opts.knownSecrets, detector, {
            ...opts,
            fingerprints,
            onLimit: caps.onLimit
          })
        ).detect
  const detect = (c: LogChunk): Finding[] => {
    caps.chunk = c
    return detectChunk(c)
  }

  const inputs = opts.paths.length === 0 ? ['-'] : opts.paths
  // Paths named on the command line are checked before anything is scanned: a typo is a usage error, not a partial scan.
  const named = new Map<string, Awaited<ReturnType<typeof stat>>>()
  for (const p of inputs) {
    if (p === '-') continue
    try {
      named.set(p, await stat(p))
      await access(p, constants.R_OK)
    } catch (err) {
      throw new LeakwatchError('LW_ERR_SCAN_INPUT', `cannot read ${escapeControls(p)} (${reason(err)})`, { cause: err })
    }
  }

  const color = opts.format === 'text' && opts.stdout.isTTY === true && (opts.stdout.hasColors?.() ?? false)
  let progress: ReturnType<typeof createProgress> | undefined
  let skipped = 0
  const warn = (path: string, err: unknown): void => {
    skipped++
    progress?.clear()
    opts.stderr.write(`leakwatch: LW_ERR_SCAN_INPUT: cannot read ${escapeControls(path)} (${reason(err)}); skipped\n`)
  }

  // The file list comes first: the progress bar needs the total, and it is small next to the bytes.
  const plan: Array<Input | '-'> = []
  for (const p of inputs) {
    const st = named.get(p)
    if (p === '-') plan.push('-')
    else if (st !== undefined && !st.isDirectory() && !st.isFile()) plan.push({ path: p, size: 0, regular: false, named: true })
    else for await (const input of walk(p, warn, true)) plan.push(input)
  }
  const totalBytes = plan.reduce((n, i) => n + (i === '-' ? 0 : i.size), 0)
  if (opts.stderr.isTTY === true && totalBytes >= (opts.progressMinBytes ?? 32 * 1024 * 1024))
    progress = createProgress(opts.stderr, totalBytes, plan.length, opts.clock ?? (() => performance.now()))

  const collected: Array<{ f: Located; secret: string | undefined }> = []
  const baselineEntries: ReturnType<typeof baselineEntry>[] = []
  let found = 0
  const emit = (f: Located, where: string): void => {
    found++
    const secret = opts.reveal ? revealedSecret(f) : undefined
    if (opts.writeBaseline !== undefined) baselineEntries.push(baselineEntry(f))
    if (opts.format === 'text') {
      progress?.clear()
      opts.stdout.write(formatText(f, where, { color, secret }))
    } else if (opts.format === 'jsonl') opts.stdout.write(`${JSON.stringify(findingRecord(f, secret))}\n`)
    else collected.push({ f, secret })
  }

  let bytesDone = 0
  let filesDone = 0
  let binaries = 0
  const blocks = blockRules(rules)
  const blockWords = blockKeywords(rules)
  const windowChars = opts.maxLineChars ?? WINDOW_CHARS
  for (const input of plan) {
    caps.where = input === '-' ? '(stdin)' : input.path
    if (input === '-') {
      await scanInput(opts.stdin, {
        stream: 'stdin',
        path: undefined,
        live: true,
        skipBinary: false,
        windowChars,
        blocks,
        blockKeywords: blockWords,
        detect,
        emit: (f) => emit(f, '(stdin)')
      })
      continue
    }
    try {
      const stream = createReadStream(input.path, { highWaterMark: READ_BYTES })
      const done = await scanInput(stream, {
        stream: fileStream(input.path),
        path: input.path,
        live: !input.regular,
        skipBinary: !input.named,
        windowChars,
        blocks,
        blockKeywords: blockWords,
        detect,
        emit: (f) => emit(Object.assign(f, { file: input.path }), input.path),
        progress: (bytes) => progress?.update(bytesDone + bytes, filesDone)
      })
      if (done === 'binary') {
        // Not silent: each binary file skipped inside a directory is named, and counted at the end.
        binaries++
        progress?.clear()
        opts.stderr.write(`leakwatch: LW_ERR_SCAN_BINARY: ${escapeControls(input.path)} looks binary; skipped\n`)
      }
    } catch (err) {
      // Vanished or unreadable since it was listed: the rest of the scan goes on.
      warn(input.path, err)
    }
    bytesDone += input.size
    filesDone++
    progress?.update(bytesDone, filesDone)
  }
  progress?.clear()

  if (opts.format === 'json')
    opts.stdout.write(
      `${JSON.stringify(
        collected.map((c) => findingRecord(c.f, c.secret)),
        null,
        2
      )}\n`
    )
  if (opts.format === 'sarif')
    opts.stdout.write(
      `${JSON.stringify(
        toSarif(
          collected.map((c) => c.f),
          rules,
          opts.tool,
          opts.cwd,
          caps.sarifNotes()
        ),
        null,
        2
      )}\n`
    )
  if (opts.writeBaseline !== undefined) {
    const n = writeBaseline(opts.writeBaseline, baselineEntries, previous, new Date())
    opts.stderr.write(`leakwatch: wrote ${n} fingerprint(s) to ${escapeControls(opts.writeBaseline)}\n`)
  }
  caps.summary()
  if (binaries > 0) opts.stderr.write(`leakwatch: LW_ERR_SCAN_BINARY: ${binaries} binary file(s) skipped (name a file to scan it anyway)\n`)
  if (skipped > 0 && found === 0) opts.stderr.write(`leakwatch: LW_ERR_SCAN_INPUT: ${skipped} input(s) could not be read; the scan is incomplete\n`)
  // Writing a baseline accepts what was found: the step succeeds unless the scan was incomplete.
  if (opts.writeBaseline !== undefined) return skipped > 0 ? 2 : 0
  if (found > 0) return opts.exitCode
  return skipped > 0 ? 2 : 0
}
