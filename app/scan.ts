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

import type { Dirent } from 'node:fs'
import { createReadStream } from 'node:fs'
import { access, constants, open, readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import type { Readable, Writable } from 'node:stream'
import { styleText } from 'node:util'
import { withKnownSecretsFile } from '../detectors/known-secrets/cli.ts'
import type { Rule } from '../detectors/rule.ts'
import { loadRuleFiles } from '../detectors/rule-file.ts'
import { BUILTIN_RULES } from '../detectors/rules/registry.ts'
import type { GlobalAllow, SecretDetector } from '../detectors/secrets.ts'
import { createSecretDetector, revealedSecret } from '../detectors/secrets.ts'
import { LeakwatchError } from '../pipeline/errors.ts'
import { escapeControls } from '../pipeline/escape.ts'
import type { Finding, LogChunk, Severity } from '../pipeline/events.ts'
import { createFingerprinter } from '../pipeline/fingerprint.ts'
import type { Baseline } from './baseline.ts'
import { baselineEntry, readBaseline, writeBaseline } from './baseline.ts'
import type { SarifTool } from './sarif.ts'
import { toSarif } from './sarif.ts'

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
  extra: { reveal?: boolean; fingerprints?: ReadonlySet<string> } = {}
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
    ...(extra.reveal === true ? { reveal: true } : {})
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
}

/** Lines per chunk: large enough that a PEM block is rarely split, small enough to bound memory. */
const CHUNK_LINES = 4096

type Located = Finding & { file?: string }

interface Input {
  path: string
  size: number
  /** Regular files are checked for binary content first; pipes and devices given by name cannot be peeked at. */
  regular: boolean
}

async function isBinary(path: string): Promise<boolean> {
  const fh = await open(path, 'r')
  try {
    const buf = Buffer.alloc(8192)
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0)
    return buf.subarray(0, bytesRead).includes(0)
  } finally {
    await fh.close()
  }
}

function reason(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? (err as Error).message
}

async function* walk(path: string, warn: (path: string, err: unknown) => void): AsyncGenerator<Input> {
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
      if (e.isDirectory() || e.isFile()) yield* walk(join(path, e.name), warn)
    }
  } else if (st.isFile()) {
    yield { path, size: st.size, regular: true }
  }
}

async function* chunksOf(input: Readable, stream: string, path: string | undefined): AsyncGenerator<LogChunk> {
  const rl = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })
  let lines: string[] = []
  let start = 1
  const make = (): LogChunk => ({
    v: '1',
    type: 'log-chunk',
    stream,
    source: path === undefined ? { type: 'stdin' } : { type: 'file', path },
    startLine: start,
    offset: { start: 0, end: 0 },
    lines,
    collectedAt: new Date().toISOString()
  })
  for await (const line of rl) {
    lines.push(line)
    if (lines.length >= CHUNK_LINES) {
      yield make()
      start += lines.length
      lines = []
    }
  }
  if (lines.length > 0) yield make()
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

export async function scan(opts: ScanOptions): Promise<number> {
  if ((opts.baseline !== undefined || opts.writeBaseline !== undefined) && opts.fingerprintKey === undefined)
    throw new LeakwatchError(
      'LW_ERR_BASELINE_INVALID',
      `${opts.baseline === undefined ? '--write-baseline' : '--baseline'} needs a fixed detector.fingerprintKey (LEAKWATCH_DETECTOR_FINGERPRINT_KEY): with the random per-run key used without one, fingerprints never match another run`
    )
  if (opts.reveal && opts.format === 'sarif')
    throw new LeakwatchError('LW_ERR_USAGE', '--reveal does not go with --format sarif: SARIF reports are uploaded and shared')
  const previous: Baseline | undefined = opts.baseline === undefined ? undefined : readBaseline(opts.baseline)
  const { detector, rules } = createCliDetector(opts, {
    reveal: opts.reveal,
    ...(previous === undefined ? {} : { fingerprints: new Set(previous.findings.map((e) => e.fingerprint)) })
  })

  const fingerprints = previous === undefined ? undefined : new Set(previous.findings.map((e) => e.fingerprint))
  const detect =
    opts.knownSecrets === undefined
      ? (c: LogChunk): Finding[] => detector.detect(c)
      : (await withKnownSecretsFile(opts.knownSecrets, detector, { ...opts, fingerprints })).detect

  const inputs = opts.paths.length === 0 ? ['-'] : opts.paths
  // Paths named on the command line are checked before anything is scanned: a typo is a usage error, not a partial scan.
  const named = new Map<string, Awaited<ReturnType<typeof stat>>>()
  for (const p of inputs) {
    if (p === '-') continue
    try {
      named.set(p, await stat(p))
      await access(p, constants.R_OK)
    } catch (err) {
      throw new LeakwatchError('LW_ERR_SCAN_INPUT', `cannot read ${p} (${reason(err)})`, { cause: err })
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
    else if (st !== undefined && !st.isDirectory() && !st.isFile()) plan.push({ path: p, size: 0, regular: false })
    else for await (const input of walk(p, warn)) plan.push(input)
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
  for (const input of plan) {
    if (input === '-') {
      for await (const c of chunksOf(opts.stdin, 'stdin', undefined)) for (const f of detect(c)) emit(f, '(stdin)')
      continue
    }
    try {
      if (input.regular && (await isBinary(input.path))) {
        bytesDone += input.size
        filesDone++
        continue
      }
      const stream = createReadStream(input.path)
      for await (const c of chunksOf(stream, fileStream(input.path), input.path)) {
        for (const f of detect(c)) emit(Object.assign(f, { file: input.path }), input.path)
        progress?.update(bytesDone + stream.bytesRead, filesDone)
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
          opts.cwd
        ),
        null,
        2
      )}\n`
    )
  if (opts.writeBaseline !== undefined) {
    const n = writeBaseline(opts.writeBaseline, baselineEntries, previous, new Date())
    opts.stderr.write(`leakwatch: wrote ${n} fingerprint(s) to ${opts.writeBaseline}\n`)
  }
  if (skipped > 0 && found === 0) opts.stderr.write(`leakwatch: LW_ERR_SCAN_INPUT: ${skipped} input(s) could not be read; the scan is incomplete\n`)
  // Writing a baseline accepts what was found: the step succeeds unless the scan was incomplete.
  if (opts.writeBaseline !== undefined) return skipped > 0 ? 2 : 0
  if (found > 0) return opts.exitCode
  return skipped > 0 ? 2 : 0
}
