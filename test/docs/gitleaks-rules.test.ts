// docs/gitleaks-rules.md maps every gitleaks rule id to leakwatch's rules (issue #15). The table is
// generated (bench/independent/gitleaks-table.ts); this holds it to gitleaks' ids — those recorded in
// bench/independent/gitleaks-rule-ids.json, and those of a gitleaks clone when one is present, so a
// rule gitleaks adds upstream fails here until the table is regenerated — and to our rule ids.

import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { gitleaksRuleIds } from '../../bench/independent/gitleaks-examples.ts'
import { DEFAULT_MIRRORS } from '../../bench/independent/sources.ts'
import { BUILTIN_RULES } from '../../detectors/rules/registry.ts'

const REPO = join(import.meta.dirname, '..', '..')
const table = readFileSync(join(REPO, 'docs', 'gitleaks-rules.md'), 'utf8')
const recorded = JSON.parse(readFileSync(join(REPO, 'bench', 'independent', 'gitleaks-rule-ids.json'), 'utf8')) as { ids: string[] }

/** The table's rows: gitleaks id → our rule ids and the status cell. */
function rows(): Map<string, { ours: string[]; status: string }> {
  const out = new Map<string, { ours: string[]; status: string }>()
  for (const line of table.split('\n')) {
    const cells = line.split('|').map((c) => c.trim())
    if (cells.length < 6 || cells[1] === 'gitleaks rule id' || cells[1]?.startsWith('---')) continue
    out.set(cells[1] as string, { ours: cells[2] === '—' ? [] : (cells[2] as string).split(', '), status: cells[4] as string })
  }
  return out
}

test('every recorded gitleaks rule id has a row, with leakwatch rules or a stated reason', () => {
  const r = rows()
  assert.ok(recorded.ids.length > 200, `only ${recorded.ids.length} recorded ids`)
  const missing = recorded.ids.filter((id) => !r.has(id))
  assert.deepEqual(missing, [], 'gitleaks rule ids missing from docs/gitleaks-rules.md: run node bench/independent/gitleaks-table.ts')
  for (const [id, row] of r) {
    if (row.ours.length === 0) assert.match(row.status, /^(?:gap|not-applicable|unmeasured): \S/, `${id}: no rule and no reason`)
    // A row measured on another source's examples of the same format says which (gitleaks-table.ts SAME_FORMAT_ELSEWHERE).
    else assert.match(row.status, /^(?:covered|partial)(?:: measured on \S+'s \S+ positives \(.+\))?$/, `${id}: ${row.status}`)
  }
})

test('every leakwatch rule id in the table is a built-in rule', () => {
  const ids = new Set(BUILTIN_RULES.map((r) => r.id))
  for (const [id, row] of rows()) for (const ours of row.ours) assert.ok(ids.has(ours), `${id} → ${ours}: no such rule`)
})

test("a gitleaks clone's rule ids are all recorded (when one is present)", (t) => {
  const dir = join(process.env.LEAKWATCH_MIRRORS ?? DEFAULT_MIRRORS, 'gitleaks+gitleaks', 'repo')
  if (!existsSync(dir)) {
    t.skip(`no gitleaks clone at ${dir}`)
    return
  }
  const upstream = gitleaksRuleIds(execFileSync('git', [`--git-dir=${dir}`, 'show', 'HEAD:config/gitleaks.toml'], { encoding: 'utf8' }))
  const have = new Set(recorded.ids)
  assert.deepEqual(
    upstream.filter((id) => !have.has(id)),
    [],
    'gitleaks has rule ids the table lacks: run node bench/independent/gitleaks-table.ts'
  )
})
