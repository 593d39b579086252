// A finding's confidence, calibrated (issue #15): the measured precision of its
// rule on data the rule authors did not write — other scanners' published
// examples in log shapes and real secret-free logs — as the accuracy benchmark
// writes it to detectors/rules/confidence.json (`npm run bench -- --only
// accuracy --write-confidence`). The level is what responders act on
// (responders/policy.ts): automatic rotation defaults to `high`, which only a
// format rule measured at ≥ 0.97 on two examples' worth of support or with a
// `validate` (or, unmeasured, one with a `validate` or block structure) reaches; a
// generic assignment is at most `medium`. Any `validate` counts, a checksum or
// a plausibility check alike (telegram-bot-token's refuses made-up values only).

import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Finding } from '../pipeline/events.ts'
import type { Rule } from './rule.ts'

export interface RuleConfidence {
  precision: number
  /** Line units the rule reported on the independent data: the support of `precision`. */
  units: number
}

/** Below this many reported line units a rule's precision is not trusted: it keeps its structural level. */
export const MIN_UNITS = 5
export const HIGH_PRECISION = 0.97
/**
 * A format rule without a `validate` or block structure reaches `high` only on this much support: 12 line units are
 * two examples in each of the six log shapes. One example in six shapes is six units of one text, and rules measured
 * on nothing but the example they were written for (any `license_key: <40 hex>`) were `high`, which rotates
 * automatically.
 */
export const HIGH_MIN_UNITS = 12
export const MEDIUM_PRECISION = 0.8

function load(): Readonly<Record<string, RuleConfidence>> {
  try {
    const file = JSON.parse(readFileSync(join(import.meta.dirname, 'rules', 'confidence.json'), 'utf8')) as { rules?: Record<string, RuleConfidence> }
    return file.rules ?? {}
  } catch {
    // A build without the file (a trimmed image) keeps the structural levels.
    return {}
  }
}

const MEASURED = load()

/** The measured precision of a rule, when it has enough support. */
export function measuredPrecision(ruleId: string, table: Readonly<Record<string, RuleConfidence>> = MEASURED): number | undefined {
  const m = table[ruleId]
  return m !== undefined && m.units >= MIN_UNITS ? m.precision : undefined
}

/**
 * The level and score of a rule's findings. Measured: the precision decides (≥ 0.97 high for a format
 * rule, ≥ 0.8 medium, else low; a generic rule or one tagged `unchecked` never above medium). Unmeasured: a checksum or block
 * structure is high (any `validate` counts), any other format medium, a generic assignment medium.
 */
export function confidenceOf(rule: Rule, table: Readonly<Record<string, RuleConfidence>> = MEASURED): { level: Finding['confidence']; score?: number } {
  const m = table[rule.id]
  const p = measuredPrecision(rule.id, table)
  // A rule tagged `unchecked` reports values whose checksum failed: never high, whatever its precision.
  const unchecked = rule.tags?.includes('unchecked') === true
  const checked = !unchecked && (rule.validate !== undefined || rule.block !== undefined)
  if (p === undefined) return { level: rule.kind === 'pattern' && checked ? 'high' : 'medium' }
  const supported = checked || (m?.units ?? 0) >= HIGH_MIN_UNITS
  const level = p >= HIGH_PRECISION && rule.kind === 'pattern' && !unchecked && supported ? 'high' : p >= MEDIUM_PRECISION ? 'medium' : 'low'
  return { level, score: p }
}
