// Converts a gitleaks configuration (TOML) into a leakwatch rule file, so a
// team's existing gitleaks rules follow their secrets from the repository
// into the logs. gitleaks regexes are Go RE2, which node's re2 binding
// compiles almost always; a rule that does not compile is reported and left
// out rather than failing the whole import. What has no meaning for log
// streams (paths, commits) is dropped with a warning, never silently.

import RE2 from 're2'
import { parse as parseToml } from 'smol-toml'
import { LeakwatchError } from '../pipeline/errors.ts'
import type { Severity } from '../pipeline/events.ts'
import { SEVERITIES } from '../pipeline/events.ts'
import { re2Problem } from './re2-compile.ts'
import type { RuleEntry, RuleFileAllow, RuleFileDocument } from './rule-file.ts'
import { compileRule } from './secrets.ts'

export interface GitleaksImport {
  document: RuleFileDocument
  warnings: string[]
  /** Rules left out, with why. */
  skipped: Array<{ id: string; reason: string }>
}

/**
 * Used when a rule has no keywords and no literal can be derived from its
 * regex: any match holds a letter or a digit, so the rule still runs wherever
 * it could match — on nearly every line, which is why it is warned about.
 */
export const FALLBACK_KEYWORDS: readonly string[] = [...'abcdefghijklmnopqrstuvwxyz0123456789']

interface GitleaksAllowlist {
  description?: unknown
  condition?: unknown
  regexTarget?: unknown
  regexes?: unknown
  stopwords?: unknown
  paths?: unknown
  commits?: unknown
  targetRules?: unknown
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []
}

function escapeRe2(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&')
}

/**
 * The longest literal run that every match of `regex` must contain, lower
 * case, or undefined. Only the top level counts: groups may be optional or
 * alternatives, and a top-level `|` means no single literal is required.
 */
export function requiredLiteral(regex: string): string | undefined {
  const src = regex.replace(/^(?:\(\?[a-zA-Z-]+\))+/, '')
  const runs: string[] = []
  let run = ''
  const flush = (): void => {
    if (run.length > 0) runs.push(run)
    run = ''
  }
  const skipClass = (i: number): number => {
    let j = i + 1
    if (src[j] === '^') j++
    if (src[j] === ']') j++
    while (j < src.length && src[j] !== ']') j += src[j] === '\\' ? 2 : 1
    return j
  }
  let depth = 0
  for (let i = 0; i < src.length; i++) {
    const c = src[i] ?? ''
    if (c === '\\') {
      const n = src[i + 1] ?? ''
      i++
      if (depth > 0) continue
      if (/[A-Za-z0-9]/.test(n)) {
        // \d \w \s \b \pL \x41 …: a class, an assertion or a code; ends the literal.
        flush()
        if ((n === 'p' || n === 'P' || n === 'x') && src[i + 1] === '{') i = src.indexOf('}', i)
        else if (n === 'p' || n === 'P')
          i++ // \pL: a one-letter class name
        else if (n === 'x') i += 2 // \x41
        if (i < 0) return undefined
        continue
      }
      run += n
      continue
    }
    if (c === '[') {
      i = skipClass(i)
      if (depth === 0) flush()
      continue
    }
    if (c === '(') {
      if (depth === 0) flush()
      depth++
      continue
    }
    if (c === ')') {
      depth--
      continue
    }
    if (depth > 0) continue
    if (c === '|') return undefined
    if (c === '*' || c === '?') {
      // The atom before may be absent: it is not part of the required run.
      run = run.slice(0, -1)
      flush()
      continue
    }
    if (c === '{') {
      const m = /^\{(\d+)(?:,\d*)?\}/.exec(src.slice(i))
      if (m !== null) {
        if (m[1] === '0') run = run.slice(0, -1)
        flush()
        i += m[0].length - 1
        continue
      }
    }
    if (c === '+' || c === '.' || c === '^' || c === '$') {
      flush()
      continue
    }
    run += c
  }
  flush()
  const best = runs.sort((a, b) => b.length - a.length)[0]
  return best !== undefined && best.trim().length >= 3 ? best.toLowerCase() : undefined
}

function kebab(id: string): string {
  return id
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
}

function severityOf(tags: string[]): Severity {
  for (const t of tags) {
    const low = t.toLowerCase()
    if ((SEVERITIES as readonly string[]).includes(low)) return low as Severity
  }
  return 'high'
}

/** Converts one allowlist; returns undefined (with a warning) when it cannot be expressed faithfully. */
function convertAllowlist(a: GitleaksAllowlist, where: string, warn: (m: string) => void): RuleFileAllow | undefined {
  const regexes = strings(a.regexes)
  const stopwords = strings(a.stopwords)
  const paths = strings(a.paths)
  const commits = strings(a.commits)
  if (paths.length > 0) warn(`${where}: paths ignored (leakwatch scans streams, not paths)`)
  if (commits.length > 0) warn(`${where}: commits ignored (leakwatch scans streams, not commits)`)
  const kinds = (regexes.length > 0 ? 1 : 0) + (stopwords.length > 0 ? 1 : 0) + (paths.length > 0 ? 1 : 0) + (commits.length > 0 ? 1 : 0)
  if (typeof a.condition === 'string' && a.condition.toUpperCase() === 'AND' && kinds > 1) {
    // leakwatch allowlists are OR: approximating AND by OR would silence more than gitleaks does.
    warn(`${where}: condition AND over several criteria cannot be expressed; allowlist dropped (more findings, none missed)`)
    return undefined
  }
  const valid = regexes.filter((r, i) => {
    try {
      new RE2(r, '')
      return true
    } catch (err) {
      // Not echoed: an allowlist may hold the value it allows.
      warn(`${where}: allowlist regexes[${i}] does not compile (${re2Problem(r, err)}); dropped`)
      return false
    }
  })
  const out: RuleFileAllow = {}
  const target = typeof a.regexTarget === 'string' ? a.regexTarget : 'secret'
  if (valid.length > 0) {
    if (target === 'line') out.lines = valid
    else if (target === 'match') out.matches = valid
    else {
      if (target !== 'secret') warn(`${where}: unknown regexTarget ${JSON.stringify(target)}; treated as secret`)
      out.secrets = valid
    }
  }
  // gitleaks drops a finding whose secret contains a stopword, ignoring case.
  const words = stopwords.filter((w) => w.length > 0)
  if (words.length > 0) out.secrets = [...(out.secrets ?? []), `(?i)(?:${words.map(escapeRe2).join('|')})`]
  return Object.keys(out).length > 0 ? out : undefined
}

function merge(into: RuleFileAllow | undefined, add: RuleFileAllow | undefined): RuleFileAllow | undefined {
  if (add === undefined) return into
  const out: RuleFileAllow = { ...into }
  for (const k of ['secrets', 'matches', 'lines', 'streams'] as const) {
    const v = add[k]
    if (v !== undefined) out[k] = [...(out[k] ?? []), ...v]
  }
  return out
}

function table(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined
}

function allowlistsOf(v: unknown): GitleaksAllowlist[] {
  if (Array.isArray(v)) return v.filter((x) => table(x) !== undefined) as GitleaksAllowlist[]
  const t = table(v)
  return t === undefined ? [] : [t as GitleaksAllowlist]
}

/** `file` only names the input in messages. */
export function convertGitleaks(text: string, file: string): GitleaksImport {
  let doc: Record<string, unknown>
  try {
    doc = parseToml(text) as Record<string, unknown>
  } catch (err) {
    throw new LeakwatchError('LW_ERR_RULE_INVALID', `${file}: not valid TOML: ${(err as Error).message}`, { cause: err })
  }
  const warnings: string[] = []
  const warn = (m: string): void => {
    warnings.push(m)
  }
  const skipped: GitleaksImport['skipped'] = []
  if (table(doc.extend)?.useDefault === true || typeof table(doc.extend)?.path === 'string')
    warn("[extend]: gitleaks' default or extended rules are not imported; leakwatch's built-in rules cover the common formats")

  // Global allowlists: the legacy [allowlist] table applies to every rule; [[allowlists]] may target some.
  let global: RuleFileAllow | undefined
  const targeted = new Map<string, RuleFileAllow>()
  for (const [i, a] of [...allowlistsOf(doc.allowlist), ...allowlistsOf(doc.allowlists)].entries()) {
    const converted = convertAllowlist(a, `global allowlist ${i + 1}`, warn)
    const targets = strings(a.targetRules)
    if (targets.length === 0) global = merge(global, converted)
    else for (const t of targets) targeted.set(kebab(t), merge(targeted.get(kebab(t)), converted) ?? {})
  }

  const rules: RuleEntry[] = []
  const ids = new Set<string>()
  const raw = Array.isArray(doc.rules) ? doc.rules : []
  if (raw.length === 0) warn('no [[rules]] found')
  for (const [i, r0] of raw.entries()) {
    const r = table(r0) ?? {}
    const given = typeof r.id === 'string' ? r.id : `rule-${i + 1}`
    const id = kebab(given)
    const skip = (reason: string): void => {
      skipped.push({ id: given, reason })
    }
    if (id !== given) warn(`rule ${given}: renamed ${id} (leakwatch rule ids are kebab-case)`)
    if (ids.has(id)) {
      skip(`duplicate id ${id}`)
      continue
    }
    if (typeof r.regex !== 'string' || r.regex === '') {
      skip(typeof r.path === 'string' ? 'a path-only rule: leakwatch scans streams, not paths' : 'no regex')
      continue
    }
    if (r.skipReport === true) {
      skip('skipReport = true: it only serves composite rules, which leakwatch does not support')
      continue
    }
    if (typeof r.path === 'string') warn(`rule ${id}: path ignored (leakwatch scans streams, not paths); the regex applies to every line`)
    if (r.required !== undefined) warn(`rule ${id}: [[rules.required]] ignored; the rule reports its own matches alone`)

    const tags = strings(r.tags)
    let keywords = [...new Set(strings(r.keywords).map((k) => k.toLowerCase()))].filter((k) => k.length > 0)
    if (keywords.length === 0) {
      const literal = requiredLiteral(r.regex)
      if (literal !== undefined) {
        keywords = [literal]
        warn(`rule ${id}: no keywords; using ${JSON.stringify(literal)} from its regex`)
      } else {
        keywords = [...FALLBACK_KEYWORDS]
        warn(`rule ${id}: no keywords and no literal in its regex; it runs on every line with a letter or digit (slow): add keywords`)
      }
    }
    let allow = targeted.get(id)
    for (const [j, a] of [...allowlistsOf(r.allowlist), ...allowlistsOf(r.allowlists)].entries())
      allow = merge(allow, convertAllowlist(a, `rule ${id} allowlist ${j + 1}`, warn))

    const description = typeof r.description === 'string' && r.description.trim() !== '' ? r.description.trim() : undefined
    const entry: RuleEntry = {
      id,
      ...(description === undefined ? {} : { title: description }),
      severity: severityOf(tags),
      kind: 'pattern',
      regex: r.regex,
      keywords,
      ...(typeof r.secretGroup === 'number' && r.secretGroup > 0 ? { secretGroup: r.secretGroup } : {}),
      ...(typeof r.entropy === 'number' && r.entropy > 0 ? { minEntropy: r.entropy } : {}),
      ...(allow === undefined ? {} : { allow }),
      ...(tags.length > 0 ? { tags } : {})
    }
    try {
      compileRule({ ...entry, title: entry.title ?? id, examples: { positives: () => [], negatives: [] } })
    } catch (err) {
      skip((err as Error).message.replace(/^rule [^:]+: /, ''))
      continue
    }
    ids.add(id)
    rules.push(entry)
  }
  // The untargeted global allowlist becomes the file's own: it applies to these rules, not to the built-in ones.
  return { document: { ...(global === undefined ? {} : { allow: global }), rules }, warnings, skipped }
}
