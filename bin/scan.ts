// `leakwatch scan <paths|->`: the detector without a bus, for files, pipes
// and CI steps. Findings are printed masked; the exit code says whether any
// were found.

import { createReadStream } from 'node:fs'
import { open, readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import type { Readable, Writable } from 'node:stream'
import { BUILTIN_RULES } from '../detectors/rules/registry.ts'
import { createSecretDetector } from '../detectors/secrets.ts'
import { LeakwatchError } from '../pipeline/errors.ts'
import type { Finding, LogChunk } from '../pipeline/events.ts'
import { createFingerprinter } from '../pipeline/fingerprint.ts'

export interface ScanOptions {
  paths: string[]
  format: 'text' | 'json' | 'jsonl'
  fingerprintKey: string | undefined
  stdin: Readable
  stdout: Writable
  stderr: Writable
}

/** Lines per chunk: large enough that a PEM block is rarely split, small enough to bound memory. */
const CHUNK_LINES = 4096

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

async function* files(path: string): AsyncGenerator<string> {
  let st: Awaited<ReturnType<typeof stat>>
  try {
    st = await stat(path)
  } catch (err) {
    throw new LeakwatchError('LW_ERR_SCAN_INPUT', `cannot read ${path}`, { cause: err })
  }
  if (st.isDirectory()) {
    const entries = await readdir(path, { withFileTypes: true })
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.name === '.git' || e.name === 'node_modules') continue
      // Links inside a tree are not followed: a link to a parent loops (each file reported again per level,
      // then ELOOP aborts the scan), and a link out of the tree scans what was not asked for.
      if (e.isSymbolicLink()) continue
      yield* files(join(path, e.name))
    }
  } else if (st.isFile()) {
    if (!(await isBinary(path))) yield path
  }
}

async function* chunksOf(input: Readable, stream: string, path: string | undefined): AsyncGenerator<LogChunk> {
  const rl = createInterface({ input, crlfDelay: Infinity })
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

function text(f: Finding, where: string): string {
  return `${where}:${f.location.line}:${f.location.column}  ${f.severity.toUpperCase()}  ${f.rule}  ${f.preview}\n    ${f.context}\n`
}

export async function scan(opts: ScanOptions): Promise<number> {
  const detector = createSecretDetector({ rules: BUILTIN_RULES, fingerprinter: createFingerprinter(opts.fingerprintKey), maxContextChars: 160 })
  const all: Array<Finding & { file?: string }> = []
  let found = 0
  const emit = (f: Finding, where: string, file: string | undefined): void => {
    found++
    const out = file === undefined ? f : { ...f, file }
    if (opts.format === 'text') opts.stdout.write(text(f, where))
    else if (opts.format === 'jsonl') opts.stdout.write(`${JSON.stringify(out)}\n`)
    else all.push(out)
  }
  const inputs = opts.paths.length === 0 ? ['-'] : opts.paths
  for (const p of inputs) {
    if (p === '-') {
      for await (const c of chunksOf(opts.stdin, 'stdin', undefined)) for (const f of detector.detect(c)) emit(f, '(stdin)', undefined)
      continue
    }
    for await (const file of files(p)) {
      for await (const c of chunksOf(createReadStream(file), `file/${file}`, file)) for (const f of detector.detect(c)) emit(f, file, file)
    }
  }
  if (opts.format === 'json') opts.stdout.write(`${JSON.stringify(all, null, 2)}\n`)
  return found > 0 ? 1 : 0
}
