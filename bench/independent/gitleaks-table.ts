// Writes docs/gitleaks-rules.md: each rule id of gitleaks' default
// configuration mapped to the leakwatch rules that report its published true
// positives, measured (not asserted): the positives of each gitleaks rule are
// embedded in a plain log line and scanned with the built-in rules. A rule id
// none of whose positives is reported is a gap, unless it is listed below as
// not applicable to logs, with why. Also writes gitleaks-rule-ids.json, the
// ids and the commit they were read at, which test/docs/gitleaks-rules.test.ts
// holds the table to.
//
//   node bench/independent/gitleaks-table.ts [--mirrors DIR] && npx biome check --write docs/gitleaks-rules.md

import { createHash } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { BUILTIN_RULES } from '../../detectors/rules/registry.ts'
import { createSecretDetector } from '../../detectors/secrets.ts'
import { embed } from '../accuracy.ts'
import { DRAWN_NOT_ISSUED, NOT_CREDENTIAL_EXAMPLES, NOT_CREDENTIALS } from './labels.ts'
import { DEFAULT_MIRRORS, loadSources } from './sources.ts'

/** gitleaks rules that have no meaning for log lines, and why. */
export const NOT_APPLICABLE: Readonly<Record<string, string>> = {
  'pkcs12-file': 'matches the path of a .p12/.pfx file; a log line carries no file of its own',
  'gcp-service-account':
    'marks a file as a service-account key (`"type": "service_account"`); in a log, what leaks is the key inside it, which private-key reports'
}

/**
 * gitleaks ids whose own positives hold no issued credential (labels.ts DRAWN_NOT_ISSUED), measured instead on
 * another source's positives of the same format: the mapping stays measured, on values the provider could issue.
 */
export const SAME_FORMAT_ELSEWHERE: Readonly<Record<string, { source: string; rule: string; why: string }>> = {
  'microsoft-teams-webhook': { source: 'noseyparker', rule: 'np.msteams.1', why: "gitleaks' own draw non-hex ids" }
}

const REPO = join(import.meta.dirname, '..', '..')

export interface TableRow {
  id: string
  ours: string[]
  found: number
  positives: number
  status: 'covered' | 'partial' | 'gap' | 'not-applicable' | 'unmeasured'
  note: string
}

function rows(mirrors: string, seed: number): { rows: TableRow[]; commit: string } {
  const { sources } = loadSources(mirrors, seed)
  const gl = sources.find((s) => s.name === 'gitleaks')
  if (gl === undefined) throw new Error(`gitleaks not found under ${mirrors}`)
  const sha = { of: (v: string) => createHash('sha256').update(v).digest('hex'), ephemeral: false }
  const d = createSecretDetector({ rules: BUILTIN_RULES, fingerprinter: sha, maxContextChars: 40 })
  const out: TableRow[] = []
  for (const id of [...new Set(gl.ruleIds)].sort()) {
    let positives = gl.examples.filter((e) => e.positive && e.rule === id)
    const elsewhere = SAME_FORMAT_ELSEWHERE[id]
    if (positives.length === 0 && elsewhere !== undefined)
      positives = sources.find((x) => x.name === elsewhere.source)?.examples.filter((e) => e.positive && e.rule === elsewhere.rule) ?? []
    const ours = new Map<string, number>()
    let found = 0
    for (const e of positives) {
      const { lines } = embed([e], 'plain', seed)
      const f = d.detect({
        v: '1',
        type: 'log-chunk',
        stream: 'g',
        source: { type: 'file', path: 'g' },
        startLine: 1,
        offset: { start: 0, end: 0 },
        lines,
        collectedAt: ''
      })
      if (f.length > 0) found++
      for (const x of f) ours.set(x.rule, (ours.get(x.rule) ?? 0) + 1)
    }
    const na = NOT_APPLICABLE[id]
    const rules = [...ours].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([r]) => r)
    const status: TableRow['status'] =
      na !== undefined ? 'not-applicable' : positives.length === 0 ? 'unmeasured' : found === positives.length ? 'covered' : found > 0 ? 'partial' : 'gap'
    const note =
      na !== undefined
        ? `not applicable to logs: ${na}`
        : status === 'unmeasured'
          ? NOT_CREDENTIALS[`gitleaks:${id}`] !== undefined
            ? 'the rule reports an identifier, not a credential (labels.ts)'
            : DRAWN_NOT_ISSUED[`gitleaks:${id}`] !== undefined || NOT_CREDENTIAL_EXAMPLES[`gitleaks:${id}`] !== undefined
              ? 'every positive gitleaks states holds no credential: a placeholder, or a value drawn from its regex that the issued format does not admit (labels.ts says why)'
              : 'gitleaks states no example the extractor can read'
          : status === 'gap'
            ? 'not covered yet'
            : elsewhere !== undefined && positives[0]?.source === elsewhere.source
              ? `measured on ${elsewhere.source}'s ${elsewhere.rule} positives (${elsewhere.why}; labels.ts)`
              : ''
    out.push({ id, ours: rules, found, positives: positives.length, status, note })
  }
  return { rows: out, commit: gl.commit }
}

function markdown(rs: readonly TableRow[], commit: string): string {
  const count = (s: TableRow['status']): number => rs.filter((r) => r.status === s).length
  const lines = [
    '# gitleaks rule ids and leakwatch rules',
    '',
    '<!-- Generated by `node bench/independent/gitleaks-table.ts`; do not edit. -->',
    '',
    `Each rule id of gitleaks' default configuration (config/gitleaks.toml at gitleaks commit ${commit}), with the`,
    'leakwatch rules that report the true positives gitleaks publishes for it (cmd/generate/config/rules/*.go), each',
    'written in a plain application log line and scanned with the built-in rules. The mapping is measured, not',
    "declared: `found` is how many of that id's positives leakwatch reports. Ids whose positives no rule reports are",
    "gaps, unless they have no meaning for log lines. Where gitleaks' own positives hold no value the provider issues, a row",
    "may be measured on another source's positives of the same format, and says so. See bench/independent/PROVENANCE.md for the source and its licence",
    '(MIT), and `npm run bench -- --only accuracy` for precision and recall on every source.',
    '',
    `${rs.length} ids: ${count('covered')} covered, ${count('partial')} partly covered, ${count('gap')} gaps, ${count('not-applicable')} not applicable to logs, ${count('unmeasured')} unmeasured (no example the extractor reads, or none that holds a credential).`,
    '',
    '| gitleaks rule id | leakwatch rule ids | found | status |',
    '| --- | --- | --- | --- |'
  ]
  for (const r of rs)
    lines.push(
      `| ${r.id} | ${r.ours.length === 0 ? '—' : r.ours.join(', ')} | ${r.positives === 0 ? '—' : `${r.found}/${r.positives}`} | ${r.status}${r.note === '' ? '' : `: ${r.note}`} |`
    )
  return `${lines.join('\n')}\n`
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { mirrors: { type: 'string', default: DEFAULT_MIRRORS }, seed: { type: 'string', default: '20250601' } } })
  const { rows: rs, commit } = rows(String(values.mirrors), Number(values.seed))
  writeFileSync(join(REPO, 'docs', 'gitleaks-rules.md'), markdown(rs, commit))
  writeFileSync(
    join(REPO, 'bench', 'independent', 'gitleaks-rule-ids.json'),
    `${JSON.stringify({ repo: 'gitleaks/gitleaks', commit, file: 'config/gitleaks.toml', ids: rs.map((r) => r.id) }, null, 2)}\n`
  )
  process.stdout.write(`docs/gitleaks-rules.md: ${rs.length} gitleaks rule ids\n`)
}
