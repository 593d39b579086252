// The benchmark corpus: log files of every shape leakwatch ingests with
// credentials planted about once per 500 lines, and a manifest of where each
// one is. The manifest holds a SHA-256 of each secret, never the secret: the
// corpus files themselves are the only place the generated tokens live, under
// the ignored .cache/ folder. Peers are scored against the manifest by file
// and line, and by hash where they report the value.

import { createHash } from 'node:crypto'
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { createGen, createRng, type Rng } from '../detectors/gen.ts'
import type { Rule } from '../detectors/rule.ts'
import type { Shape } from './shapes.ts'
import { LogClock, writerFor } from './shapes.ts'

export interface Plant {
  /** File name inside the corpus directory. */
  file: string
  /** 1-based line of the first physical line of the planted text; endLine is its last. */
  line: number
  endLine: number
  rule: string
  /** SHA-256 (hex) of the secret as the rule extracts it. */
  sha256: string
}

/** Where a rule's negative example was written: a finding there is a false positive on a known look-alike. */
export interface NegativeSpot {
  file: string
  line: number
  endLine: number
}

export interface CorpusFile {
  name: string
  shape: Shape
  bytes: number
  lines: number
}

export interface Manifest {
  version: number
  seed: number
  sizeMb: number
  /** One planted secret per this many lines, on average. */
  secretEveryLines: number
  files: CorpusFile[]
  plants: Plant[]
  negatives: NegativeSpot[]
  generatedAt: string
}

/** Bumped whenever the generator changes what it writes, so an old corpus is regenerated. */
const VERSION = 2
const SECRET_EVERY_LINES = 500
const NEGATIVE_EVERY_LINES = 1000
/** Ten files, two per shape: the CI pair is one GitHub Actions log and one GitLab trace. */
const LAYOUT: readonly Shape[] = ['json', 'plain', 'nginx', 'ci', 'cri', 'json', 'plain', 'nginx', 'ci', 'cri']

/**
 * How often a rule's secrets are planted relative to the others (default 1).
 * What leaks most in real clusters and CI: cloud and forge tokens, chat
 * webhooks, payment keys, private keys, passwords and connection strings.
 */
const WEIGHTS: Record<string, number> = {
  'github-pat-classic': 6,
  'github-app-installation-token': 6,
  'github-pat-fine-grained': 3,
  'github-oauth-token': 2,
  'aws-access-key-id': 6,
  'aws-secret-access-key': 6,
  'aws-secret-access-key-pair': 3,
  'aws-session-token': 3,
  'slack-bot-token': 5,
  'slack-webhook-url': 5,
  'slack-user-token': 3,
  'stripe-secret-key': 4,
  'stripe-restricted-key': 3,
  'stripe-webhook-secret': 3,
  'private-key': 6,
  'generic-password-assignment': 8,
  'generic-secret-assignment': 6,
  'generic-cli-credential': 3,
  'database-url-postgres': 5,
  'database-url-mysql': 4,
  'database-url-mongodb': 4,
  'database-url-redis': 4,
  'database-url-amqp': 2,
  'database-jdbc-password': 3,
  'url-credentials': 4,
  'http-basic-auth': 3,
  'http-bearer-token': 4,
  jwt: 3,
  'kubernetes-service-account-token': 4,
  'gitlab-pat': 4,
  'gitlab-ci-job-token': 2,
  'gcp-api-key': 3,
  'gcp-service-account-key-id': 2,
  'azure-storage-account-key': 2,
  'npm-access-token': 3,
  'docker-hub-pat': 2,
  'vault-service-token': 3,
  'openai-project-key': 3,
  'anthropic-api-key': 2,
  'sendgrid-api-key': 2,
  'twilio-auth-token': 2,
  'datadog-api-key': 2
}

export function sha256(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('hex')
}

function physicalLines(text: string): string[] {
  // A lone CR ends a line for some tools and not others: splitting here keeps line numbers unambiguous.
  return text.split(/\r\n|\r|\n/)
}

/** Every rule once in a shuffled order (so even a small corpus covers many), then weighted draws. */
function rulePicker(rules: readonly Rule[], r: Rng): () => Rule {
  const first = [...rules]
  for (let i = first.length - 1; i > 0; i--) {
    const j = r.int(i + 1)
    ;[first[i], first[j]] = [first[j] as Rule, first[i] as Rule]
  }
  const cumulative: number[] = []
  let total = 0
  for (const rule of rules) {
    total += WEIGHTS[rule.id] ?? 1
    cumulative.push(total)
  }
  return () => {
    const next = first.pop()
    if (next !== undefined) return next
    const x = r.next() * total
    let lo = 0
    let hi = cumulative.length - 1
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if ((cumulative[mid] ?? 0) > x) hi = mid
      else lo = mid + 1
    }
    return rules[lo] as Rule
  }
}

function manifestPath(root: string): string {
  return join(root, 'manifest.json')
}

export function corpusDir(root: string): string {
  return join(root, 'corpus')
}

function readManifest(root: string): Manifest | undefined {
  try {
    return JSON.parse(readFileSync(manifestPath(root), 'utf8')) as Manifest
  } catch {
    return undefined
  }
}

export interface CorpusOptions {
  /** Holds `corpus/` (the scanned files) and `manifest.json` (outside it, so no tool scans the hashes). */
  root: string
  sizeMb: number
  seed: number
  rules: readonly Rule[]
  log: (msg: string) => void
}

/** The manifest of a corpus of this size and seed, generating the corpus first when it is missing or stale. */
export function ensureCorpus(opts: CorpusOptions): Manifest {
  const have = readManifest(opts.root)
  if (valid(opts.root, have, opts)) {
    opts.log(`corpus: reusing ${corpusDir(opts.root)} (${have.files.length} files, ${have.plants.length} planted secrets)`)
    return have
  }
  return generateCorpus(opts)
}

function valid(root: string, m: Manifest | undefined, opts: { sizeMb: number; seed: number }): m is Manifest {
  return (
    m !== undefined &&
    m.version === VERSION &&
    m.sizeMb === opts.sizeMb &&
    m.seed === opts.seed &&
    m.files.every((f) => existsSync(join(corpusDir(root), f.name)) && statSync(join(corpusDir(root), f.name)).size === f.bytes)
  )
}

/**
 * Writes the corpus into a private folder and renames it into place, then
 * the manifest likewise: a run reading the corpus never sees it half
 * written, and of two runs generating at once the first to finish wins.
 */
export function generateCorpus(opts: CorpusOptions): Manifest {
  const final = corpusDir(opts.root)
  const dir = `${final}.tmp-${process.pid}`
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  const started = performance.now()
  const bytesPerFile = Math.ceil((opts.sizeMb * 1e6) / LAYOUT.length)
  // Seeded too, apart from the shapes' streams: a seed gives the same planted secrets on every run.
  const gen = createGen(opts.seed ^ 0x5ec7)
  const pickRng = createRng(opts.seed ^ 0x5eed)
  const pickRule = rulePicker(opts.rules, pickRng)
  const negativeLines = opts.rules.flatMap((rule) => rule.examples.negatives)
  const plants: Plant[] = []
  const negatives: NegativeSpot[] = []
  const files: CorpusFile[] = []
  const seen: Partial<Record<Shape, number>> = {}
  for (const [index, shape] of LAYOUT.entries()) {
    const nth = seen[shape] ?? 0
    seen[shape] = nth + 1
    const name = `${String(index).padStart(2, '0')}-${shape}${shape === 'ci' ? (nth % 2 === 0 ? '-github' : '-gitlab') : ''}.log`
    const r = createRng(opts.seed * 31 + index)
    const writer = writerFor(shape, nth)
    const clock = new LogClock(Date.UTC(2025, 5, 1) + index * 3_600_000)
    const fd = openSync(join(dir, name), 'w')
    let bytes = 0
    let lineNo = 0
    let pending: string[] = []
    let pendingBytes = 0
    const push = (lines: string[]): number => {
      const first = lineNo + 1
      for (const l of lines) {
        pending.push(l)
        pendingBytes += Buffer.byteLength(l) + 1
      }
      lineNo += lines.length
      if (pendingBytes >= 1 << 20) flush()
      return first
    }
    const flush = (): void => {
      if (pending.length === 0) return
      bytes += writeSync(fd, `${pending.join('\n')}\n`)
      pending = []
      pendingBytes = 0
    }
    while (bytes + pendingBytes < bytesPerFile) {
      const lines = writer.noise(r, clock)
      push(lines)
      // Per noise line, so the density holds in shapes with multi-line records too.
      for (let k = 0; k < lines.length; k++) {
        if (r.chance(1 / SECRET_EVERY_LINES)) {
          const rule = pickRule()
          const examples = rule.examples.positives(gen)
          const ex = examples[pickRng.int(examples.length)]
          if (ex === undefined) continue
          const out = writer.embed(r, clock, physicalLines(ex.line))
          const first = push(out)
          plants.push({ file: name, line: first, endLine: first + out.length - 1, rule: rule.id, sha256: sha256(ex.secret) })
        }
        if (r.chance(1 / NEGATIVE_EVERY_LINES) && negativeLines.length > 0) {
          const out = writer.embed(r, clock, physicalLines(r.pick(negativeLines)))
          const first = push(out)
          negatives.push({ file: name, line: first, endLine: first + out.length - 1 })
        }
      }
    }
    flush()
    closeSync(fd)
    files.push({ name, shape, bytes, lines: lineNo })
  }
  const manifest: Manifest = {
    version: VERSION,
    seed: opts.seed,
    sizeMb: opts.sizeMb,
    secretEveryLines: SECRET_EVERY_LINES,
    files,
    plants,
    negatives,
    generatedAt: new Date().toISOString()
  }
  const other = readManifest(opts.root)
  if (valid(opts.root, other, opts)) {
    // Another run generated the same corpus meanwhile: keep its files, which its manifest describes.
    rmSync(dir, { recursive: true, force: true })
    opts.log(`corpus: another run wrote ${final} meanwhile; using it`)
    return other
  }
  rmSync(manifestPath(opts.root), { force: true })
  rmSync(final, { recursive: true, force: true })
  renameSync(dir, final)
  const tmpManifest = `${manifestPath(opts.root)}.tmp-${process.pid}`
  writeFileSync(tmpManifest, `${JSON.stringify(manifest)}\n`)
  renameSync(tmpManifest, manifestPath(opts.root))
  const total = files.reduce((n, f) => n + f.bytes, 0)
  opts.log(
    `corpus: wrote ${files.length} files, ${(total / 1e6).toFixed(0)} MB, ${plants.length} planted secrets of ${new Set(plants.map((p) => p.rule)).size} rules in ${((performance.now() - started) / 1000).toFixed(1)} s`
  )
  return manifest
}

export interface Sample {
  dir: string
  files: string[]
  bytes: number
  /** Lines of each sample file: the first N lines of the corpus file of that name, so plants keep their line numbers. */
  lines: Map<string, number>
}

/**
 * The first `totalMb / files` MB of every corpus file (cut at a line end),
 * under the same names: every shape in proportion, for the tools too slow
 * to scan the whole corpus in a benchmark run.
 */
export function writeSample(root: string, manifest: Manifest, totalMb: number): Sample {
  const final = join(root, `sample-${totalMb}mb`)
  // Beside the folder, not in it: gitleaks scans the whole folder.
  const stamp = `${final}.json`
  try {
    // Reuse a sample cut from this very corpus (another run may be reading it).
    const have = JSON.parse(readFileSync(stamp, 'utf8')) as { generatedAt: string; bytes: number; lines: Array<[string, number]> }
    if (have.generatedAt === manifest.generatedAt)
      return { dir: final, files: manifest.files.map((f) => f.name), bytes: have.bytes, lines: new Map(have.lines) }
  } catch {
    // None yet, or from an older corpus.
  }
  const dir = `${final}.tmp-${process.pid}`
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  const perFile = Math.ceil((totalMb * 1e6) / manifest.files.length)
  const lines = new Map<string, number>()
  let bytes = 0
  for (const f of manifest.files) {
    const buf = Buffer.allocUnsafe(Math.min(perFile + (1 << 20), f.bytes))
    const fd = openSync(join(corpusDir(root), f.name), 'r')
    const n = readSync(fd, buf, 0, buf.length, 0)
    closeSync(fd)
    const cut = n < perFile ? n : buf.indexOf(10, perFile - 1) + 1 || n
    const head = buf.subarray(0, cut)
    let count = 0
    for (let i = head.indexOf(10); i >= 0; i = head.indexOf(10, i + 1)) count++
    writeFileSync(join(dir, f.name), head)
    lines.set(f.name, count)
    bytes += cut
  }
  rmSync(stamp, { force: true })
  rmSync(final, { recursive: true, force: true })
  renameSync(dir, final)
  writeFileSync(`${stamp}.tmp-${process.pid}`, JSON.stringify({ generatedAt: manifest.generatedAt, bytes, lines: [...lines] }))
  renameSync(`${stamp}.tmp-${process.pid}`, stamp)
  return { dir: final, files: manifest.files.map((f) => f.name), bytes, lines }
}
