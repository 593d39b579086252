// Recall and precision of a tool's findings against the planted secrets.
// A finding counts for a planted secret when it is in the same file on one of
// the planted text's lines (a PEM key spans several); tools report a line,
// not always the value. Where the tool reports the value too, `exact` says
// how many planted secrets it extracted exactly (same SHA-256).

import type { NegativeSpot, Plant } from './corpus.ts'

/** Where a tool reported something: the unit every scorer works on. */
export interface Reported {
  /** File name inside the scanned directory. */
  file: string
  line: number
  rule: string
  /** SHA-256 of the reported value, when the tool reports it. */
  sha256?: string | undefined
}

export interface Score {
  plants: number
  findings: number
  /** Planted secrets with at least one finding on their lines. */
  found: number
  /** Planted secrets one of whose findings carries exactly the secret (only for tools that report values). */
  exact: number | undefined
  /** Findings on planted lines. */
  truePositives: number
  /** Findings elsewhere; `onNegatives` of them on a rule's documented look-alike. */
  falsePositives: number
  onNegatives: number
  recall: number
  precision: number
  /** Rules of the planted secrets missed, with counts, most missed first. */
  missedByRule: Array<[string, number]>
  /** Rules of the false positives, most first. */
  falseByRule: Array<[string, number]>
  /** Where: for a look at the lines (`sed -n Np file`), never the values. */
  missedAt: Array<{ file: string; line: number; rule: string }>
  falseAt: Array<{ file: string; line: number; rule: string }>
}

/** Which lines of each file are in scope: a sample holds the first N lines of each file. */
export type Scope = ReadonlyMap<string, number> | undefined

const inScope = (scope: Scope, file: string, line: number): boolean => scope === undefined || line <= (scope.get(file) ?? 0)

function countBy(keys: string[]): Array<[string, number]> {
  const m = new Map<string, number>()
  for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1)
  return [...m].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
}

export function score(allPlants: readonly Plant[], negatives: readonly NegativeSpot[], reported: readonly Reported[], scope?: Scope): Score {
  const plants = allPlants.filter((p) => inScope(scope, p.file, p.endLine))
  const at = new Map<string, number[]>()
  for (const [i, p] of plants.entries()) {
    for (let l = p.line; l <= p.endLine; l++) {
      const key = `${p.file}\u0000${l}`
      const list = at.get(key)
      if (list === undefined) at.set(key, [i])
      else list.push(i)
    }
  }
  const negativeLines = new Set<string>()
  for (const n of negatives) for (let l = n.line; l <= n.endLine; l++) negativeLines.add(`${n.file}\u0000${l}`)
  const found = new Set<number>()
  const exact = new Set<number>()
  let valued = false
  let truePositives = 0
  let onNegatives = 0
  const falseAt: Score['falseAt'] = []
  const findings = reported.filter((r) => inScope(scope, r.file, r.line))
  for (const r of findings) {
    const key = `${r.file}\u0000${r.line}`
    const hit = at.get(key)
    if (r.sha256 !== undefined) valued = true
    if (hit === undefined) {
      falseAt.push({ file: r.file, line: r.line, rule: r.rule })
      if (negativeLines.has(key)) onNegatives++
      continue
    }
    truePositives++
    for (const i of hit) {
      found.add(i)
      if (r.sha256 !== undefined && r.sha256 === plants[i]?.sha256) exact.add(i)
    }
  }
  return {
    plants: plants.length,
    findings: findings.length,
    found: found.size,
    exact: valued ? exact.size : undefined,
    truePositives,
    falsePositives: findings.length - truePositives,
    onNegatives,
    recall: plants.length === 0 ? Number.NaN : found.size / plants.length,
    precision: findings.length === 0 ? Number.NaN : truePositives / findings.length,
    missedByRule: countBy(plants.filter((_, i) => !found.has(i)).map((p) => p.rule)),
    falseByRule: countBy(falseAt.map((f) => f.rule)),
    missedAt: plants.filter((_, i) => !found.has(i)).map((p) => ({ file: p.file, line: p.line, rule: p.rule })),
    falseAt
  }
}
