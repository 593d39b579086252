// Rules from files (`leakwatch scan --rules FILE`): the same data as a
// built-in rule, written in YAML or JSON by an operator or produced by
// `leakwatch rules import-gitleaks`. A file is validated against a strict
// schema and every rule's own examples are run when it loads, so a typo in a
// regex shows up as a clear error naming the file and the rule instead of as
// a rule that silently never matches.

import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type * as Yaml from 'yaml'
import { LeakwatchError } from '../pipeline/errors.ts'
import type { LogChunk } from '../pipeline/events.ts'
import { SEVERITIES } from '../pipeline/events.ts'
import { createFingerprinter, mask } from '../pipeline/fingerprint.ts'
import { parseErrorPosition } from '../pipeline/parse-error.ts'
import type { Infer } from '../pipeline/schema.ts'
import * as s from '../pipeline/schema.ts'
import { createGen } from './gen.ts'
import { compileRe2 } from './re2-compile.ts'
import type { Rule, RuleExample } from './rule.ts'
import { compileRule, createSecretDetector } from './secrets.ts'

let yaml: typeof Yaml | undefined
/**
 * The YAML library, required on first use: loading it was a tenth of the CPU of a `leakwatch scan`
 * start (issue #15), and most runs read no YAML file. logLevel 'error': its warnings quote the line.
 */
function parseYaml(text: string): unknown {
  yaml ??= createRequire(import.meta.url)('yaml') as typeof Yaml
  return yaml.parse(text, { logLevel: 'error' })
}

const RULE_ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/

const patterns = (what: string) => s.optional(s.array(s.string(), { description: `RE2 patterns on the ${what}.` }))

export const allowSchema = s.object({
  secrets: patterns('secret'),
  matches: patterns('whole regex match'),
  lines: patterns('line'),
  streams: patterns('stream id')
})
export type RuleFileAllow = Infer<typeof allowSchema>

export const ruleEntrySchema = s.object({
  id: s.string({ pattern: RULE_ID, description: 'kebab-case, unique among all rules' }),
  title: s.optional(s.string({ minLength: 1 })),
  severity: s.literal(SEVERITIES, { default: 'high' }),
  kind: s.literal(['pattern', 'generic'] as const, { default: 'pattern' }),
  regex: s.string({ minLength: 1 }),
  keywords: s.array(s.string(), { minItems: 1 }),
  secretGroup: s.optional(s.number({ integer: true, min: 0 })),
  minEntropy: s.optional(s.number({ min: 0, max: 8 })),
  allow: s.optional(allowSchema),
  tags: s.optional(s.array(s.string())),
  examples: s.optional(
    s.object({
      positives: s.array(s.object({ line: s.string({ minLength: 1 }), secret: s.string({ minLength: 1 }) }), { default: [] }),
      negatives: s.array(s.string(), { default: [] })
    })
  )
})
export type RuleEntry = Infer<typeof ruleEntrySchema>

const documentSchema = s.object({
  allow: s.optional(allowSchema),
  rules: s.array(s.unknownValue(), { minItems: 1 })
})

/** The shape of a rule file, as `rules import-gitleaks` writes it. */
export interface RuleFileDocument {
  /** Applies to every rule of this file (gitleaks' global allowlist), not to the built-in rules. */
  allow?: RuleFileAllow
  rules: RuleEntry[]
}

function invalid(file: string, message: string, cause?: unknown): LeakwatchError {
  return new LeakwatchError('LW_ERR_RULE_INVALID', `${file}: ${message}`, cause === undefined ? {} : { cause })
}

function mergeAllow(a: RuleFileAllow | undefined, b: RuleFileAllow | undefined): RuleFileAllow | undefined {
  if (a === undefined) return b
  if (b === undefined) return a
  const out: RuleFileAllow = {}
  for (const k of ['secrets', 'matches', 'lines', 'streams'] as const) {
    const both = [...(a[k] ?? []), ...(b[k] ?? [])]
    if (both.length > 0) out[k] = both
  }
  return out
}

function toRule(e: RuleEntry, fileAllow: RuleFileAllow | undefined): Rule {
  const allow = mergeAllow(fileAllow, e.allow)
  const positives: RuleExample[] = e.examples?.positives ?? []
  return {
    id: e.id,
    title: e.title ?? e.id,
    severity: e.severity,
    kind: e.kind,
    regex: e.regex,
    keywords: e.keywords,
    ...(e.secretGroup === undefined ? {} : { secretGroup: e.secretGroup }),
    ...(e.minEntropy === undefined ? {} : { minEntropy: e.minEntropy }),
    ...(allow === undefined ? {} : { allow }),
    ...(e.tags === undefined ? {} : { tags: e.tags }),
    examples: { positives: () => positives, negatives: e.examples?.negatives ?? [] }
  }
}

function chunk(lines: string[]): LogChunk {
  return {
    v: '1',
    type: 'log-chunk',
    stream: 'rule-example',
    source: { type: 'stdin' },
    startLine: 1,
    offset: { start: 0, end: 0 },
    lines,
    collectedAt: new Date(0).toISOString()
  }
}

/**
 * Runs a rule's own examples with the rule alone: each positive must yield
 * exactly one finding of exactly its secret, each negative none. Messages name
 * the example by index and show only masked values: rule files end up in CI logs.
 */
export function checkExamples(rule: Rule): string | undefined {
  const fingerprinter = createFingerprinter(undefined)
  const detector = createSecretDetector({ rules: [rule], fingerprinter, maxContextChars: 80 })
  const positives = rule.examples.positives(createGen())
  for (const [i, ex] of positives.entries()) {
    const found = detector.detect(chunk(ex.line.split('\n')))
    if (found.length !== 1 || found[0]?.fingerprint !== fingerprinter.of(ex.secret)) {
      const got = found.length === 0 ? 'nothing' : found.map((f) => f.preview).join(', ')
      return `examples.positives[${i}]: expected the secret ${mask(ex.secret)}, found ${got}`
    }
  }
  for (const [i, line] of rule.examples.negatives.entries()) {
    const found = detector.detect(chunk(line.split('\n')))
    if (found.length > 0) return `examples.negatives[${i}]: reported ${found.map((f) => f.preview).join(', ')}, expected nothing`
  }
  return undefined
}

function checkPatterns(file: string, allow: RuleFileAllow | undefined, path: string, rule?: string): void {
  for (const k of ['secrets', 'matches', 'lines', 'streams'] as const)
    for (const [i, p] of (allow?.[k] ?? []).entries()) {
      const field = `${path}.${k}[${i}]`
      if (rule === undefined) compileRe2(p, '', 'LW_ERR_RULE_INVALID', `${file}: ${field}`)
      else compileRe2(p, '', 'LW_ERR_RULE_INVALID', `${file}: ${rule}`, field)
    }
}

/** Validates a parsed rule file (`file` names it in errors) and returns its rules, examples checked. */
export function parseRuleDocument(doc: unknown, file: string): Rule[] {
  const issues: s.Issue[] = []
  const top = documentSchema.check(doc, '', issues)
  if (top === undefined || issues.length > 0) throw invalid(file, s.formatIssues(issues))
  // Each pattern is checked where it was written, before the file's allowlist is merged into every rule's.
  checkPatterns(file, top.allow, 'allow')
  const rules: Rule[] = []
  for (const [i, raw] of top.rules.entries()) {
    const rawId = (raw as { id?: unknown } | null)?.id
    // Named by its id only when the id is well formed: a malformed one is whatever the file held there, and
    // errors do not echo file content.
    const name = typeof rawId === 'string' && RULE_ID.test(rawId) ? `rule ${rawId}` : `rules[${i}]`
    const ruleIssues: s.Issue[] = []
    const entry = ruleEntrySchema.check(raw, '', ruleIssues)
    if (entry === undefined || ruleIssues.length > 0) throw invalid(file, `${name}: ${s.formatIssues(ruleIssues)}`)
    compileRe2(entry.regex, '', 'LW_ERR_RULE_INVALID', `${file}: ${name}`, 'regex')
    checkPatterns(file, entry.allow, 'allow', name)
    const rule = toRule(entry, top.allow)
    try {
      compileRule(rule)
    } catch (err) {
      // compileRule's message already starts with "rule <id>:".
      throw invalid(file, (err as Error).message, err)
    }
    const failed = checkExamples(rule)
    if (failed !== undefined) throw invalid(file, `${name}: ${failed}`)
    rules.push(rule)
  }
  return rules
}

/** Reads rule files (YAML, or JSON by extension); ids must not repeat each other or `existing`. */
export function loadRuleFiles(files: readonly string[], existing: readonly Rule[]): Rule[] {
  const seen = new Map(existing.map((r) => [r.id, 'the built-in rules']))
  const out: Rule[] = []
  for (const file of files) {
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch (err) {
      throw invalid(file, `cannot read rule file (${(err as NodeJS.ErrnoException).code ?? 'error'})`, err)
    }
    let doc: unknown
    try {
      // logLevel 'error': the YAML library's warnings (an unknown tag, …) quote the line they are about, on stderr.
      doc = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text)
    } catch (err) {
      // Not kept as the cause: the parser's message quotes the line, which may hold a secret or a pattern of one.
      throw invalid(file, `not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${parseErrorPosition(err)}`)
    }
    for (const rule of parseRuleDocument(doc, file)) {
      const other = seen.get(rule.id)
      if (other !== undefined) throw invalid(file, `rule ${rule.id}: the id is already used by ${other}`)
      seen.set(rule.id, file)
      out.push(rule)
    }
  }
  return out
}
