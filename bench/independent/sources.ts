// The independent sources of the accuracy benchmark, read from their
// repositories at bench time: other scanners' published rule examples
// (gitleaks, Nosey Parker, Kingfisher), another scanner's labelled test samples
// (CredSweeper) and real logs with no secrets (loghub).
// Nothing they hold is committed here: the examples are realistic token
// literals that push protection and our own scanner would flag, so the
// extractor reads each source's git objects (a bare clone, `git show`) and
// the corpus lives under the ignored .cache/. PROVENANCE.md says where each
// comes from, at which commit, under which licence.

import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { createRng } from '../../detectors/gen.ts'
import { credSweeperExamples } from './credsweeper.ts'
import { gitleaksExamples, gitleaksRuleIds } from './gitleaks-examples.ts'
import { relabel } from './labels.ts'

/** One labelled example: a positive holds at least one secret, a negative none. */
export interface Example {
  source: string
  /** The source's rule id the example belongs to. */
  rule: string
  positive: boolean
  /** The example's text; may span lines. */
  text: string
  /** The text holds a value gitleaks' test draws from its rule's regex, not one written out (it changes with the seed). */
  drawn?: true
}

export interface SourceData {
  name: string
  repo: string
  commit: string
  licence: string
  examples: Example[]
  /** Real log files with no secrets, by name: every finding on them is a false positive. */
  cleanLogs: Map<string, string[]>
  /** Examples the extractor could not turn into text (gitleaks expressions of other forms). */
  skipped: number
  /** Negative examples that hold a credential of another format (labels.ts), counted as positives. */
  relabelled: number
  /** Positive examples of rules that report identifiers, not credentials (labels.ts), counted as negatives. */
  notCredentials: number
  /** Positive examples that hold a placeholder, a variable, a documentation example or an altered token (labels.ts), counted as negatives. */
  placeholders: number
  /** The source's rule ids (for the coverage table). */
  ruleIds: string[]
}

/** Where the sources' bare clones are: `<mirrors>/<owner>+<name>/repo`. */
export const DEFAULT_MIRRORS = '/work/.mirror'

const REPOS = {
  gitleaks: 'gitleaks/gitleaks',
  noseyparker: 'praetorian-inc/noseyparker',
  kingfisher: 'mongodb/kingfisher',
  credsweeper: 'Samsung/CredSweeper',
  loghub: 'logpai/loghub'
} as const

function gitDir(mirrors: string, repo: string): string {
  return join(mirrors, repo.replace('/', '+'), 'repo')
}

function gitBytes(dir: string, args: string[]): Buffer {
  return execFileSync('git', [`--git-dir=${dir}`, ...args], { maxBuffer: 256 * 1024 * 1024 })
}

function git(dir: string, args: string[]): string {
  return gitBytes(dir, args).toString('utf8')
}

function files(dir: string, pattern: RegExp): string[] {
  return git(dir, ['ls-tree', '-r', '--name-only', 'HEAD'])
    .split('\n')
    .filter((p) => pattern.test(p))
    .sort()
}

/** Rule YAMLs of Nosey Parker and Kingfisher: `rules: [{id, examples, negative_examples}]`. */
function yamlRules(name: string, dir: string, pattern: RegExp): { examples: Example[]; ruleIds: string[] } {
  const examples: Example[] = []
  const ruleIds: string[] = []
  for (const path of files(dir, pattern)) {
    const doc = parseYaml(git(dir, ['show', `HEAD:${path}`])) as { rules?: Array<Record<string, unknown>> } | null
    for (const rule of doc?.rules ?? []) {
      const id = String(rule.id ?? path)
      ruleIds.push(id)
      const texts = (key: string): string[] => (Array.isArray(rule[key]) ? (rule[key] as unknown[]).filter((x): x is string => typeof x === 'string') : [])
      for (const text of texts('examples')) examples.push({ source: name, rule: id, positive: true, text })
      for (const text of [...texts('negative_examples'), ...texts('non_examples')]) examples.push({ source: name, rule: id, positive: false, text })
    }
  }
  return { examples, ruleIds }
}

/** The sources found under `mirrors`; a missing one is left out (the table says so). */
/** `asPublished` keeps every source's own labels: none of labels.ts's corrections. */
export function loadSources(mirrors: string, seed: number, asPublished = false): { sources: SourceData[]; missing: string[] } {
  const sources: SourceData[] = []
  const missing: string[] = []
  const open = (repo: string): { dir: string; commit: string } | undefined => {
    const dir = gitDir(mirrors, repo)
    if (!existsSync(dir)) {
      missing.push(repo)
      return undefined
    }
    return { dir, commit: git(dir, ['rev-parse', 'HEAD']).trim() }
  }
  const gl = open(REPOS.gitleaks)
  if (gl !== undefined) {
    const r = createRng(seed)
    const examples: Example[] = []
    let skipped = 0
    for (const path of files(gl.dir, /^cmd\/generate\/config\/rules\/[^/]+\.go$/)) {
      if (path.endsWith('_test.go')) continue
      for (const e of gitleaksExamples(git(gl.dir, ['show', `HEAD:${path}`]), r)) {
        skipped += e.skipped
        for (const text of e.positives)
          examples.push({ source: 'gitleaks', rule: e.rule, positive: true, text, ...(e.drawn.has(text) ? { drawn: true as const } : {}) })
        for (const text of e.negatives) examples.push({ source: 'gitleaks', rule: e.rule, positive: false, text })
      }
    }
    const ruleIds = gitleaksRuleIds(git(gl.dir, ['show', 'HEAD:config/gitleaks.toml']))
    sources.push({
      name: 'gitleaks',
      repo: REPOS.gitleaks,
      commit: gl.commit,
      licence: 'MIT',
      examples,
      cleanLogs: new Map(),
      skipped,
      relabelled: 0,
      notCredentials: 0,
      placeholders: 0,
      ruleIds
    })
  }
  for (const [name, repo, pattern] of [
    ['noseyparker', REPOS.noseyparker, /^crates\/noseyparker\/data\/default\/builtin\/rules\/[^/]+\.ya?ml$/],
    ['kingfisher', REPOS.kingfisher, /^data\/rules\/[^/]+\.ya?ml$/]
  ] as const) {
    const m = open(repo)
    if (m === undefined) continue
    const { examples, ruleIds } = yamlRules(name, m.dir, pattern)
    sources.push({
      name,
      repo,
      commit: m.commit,
      licence: 'Apache-2.0',
      examples,
      cleanLogs: new Map(),
      skipped: 0,
      relabelled: 0,
      notCredentials: 0,
      placeholders: 0,
      ruleIds
    })
  }
  const cs = open(REPOS.credsweeper)
  if (cs !== undefined) {
    const samples = files(cs.dir, /^tests\/samples\/[^/]+$/).map((path) => ({
      name: path.slice('tests/samples/'.length),
      // Bytes, not text: a binary sample is told by them and left out (credsweeper.ts).
      bytes: gitBytes(cs.dir, ['show', `HEAD:${path}`])
    }))
    const got = credSweeperExamples(samples, git(cs.dir, ['show', 'HEAD:tests/data/output.json']))
    sources.push({
      name: 'credsweeper',
      repo: REPOS.credsweeper,
      commit: cs.commit,
      licence: 'MIT',
      examples: got.examples,
      cleanLogs: new Map(),
      skipped: got.binary,
      relabelled: 0,
      notCredentials: 0,
      placeholders: 0,
      ruleIds: got.ruleIds
    })
  }
  const lh = open(REPOS.loghub)
  if (lh !== undefined) {
    const cleanLogs = new Map<string, string[]>()
    for (const path of files(lh.dir, /^[^/]+\/[^/]+_2k\.log$/))
      cleanLogs.set(
        path.split('/')[1] as string,
        git(lh.dir, ['show', `HEAD:${path}`])
          .split(/\r?\n/)
          .filter((l) => l !== '')
      )
    sources.push({
      name: 'loghub',
      repo: REPOS.loghub,
      commit: lh.commit,
      licence: 'loghub licence (research use, cite the paper, keep the notice)',
      examples: [],
      cleanLogs,
      skipped: 0,
      relabelled: 0,
      notCredentials: 0,
      placeholders: 0,
      ruleIds: []
    })
  }
  for (const s of asPublished ? [] : sources) {
    const r = relabel(s.examples)
    s.examples = r.examples
    s.relabelled = r.relabelled
    s.notCredentials = r.notCredentials
    s.placeholders = r.placeholders
  }
  return { sources, missing }
}
