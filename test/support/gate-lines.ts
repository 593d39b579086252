// Holds a keyword-occurrence gate (detectors/follows-gate.ts) to a rule's regex over lines, as the scan asks
// it: on ASCII lines only, at the end of every occurrence of every keyword in any case. A line the regex
// matches must have an occurrence the gate passes.

import assert from 'node:assert/strict'
import type RE2 from 're2'
import type { FollowsGate } from '../../detectors/follows-gate.ts'
import { isAscii } from '../../detectors/keywords.ts'

/** Asserts the gate passes some occurrence on every line `re` matches; the counts of matched and refused lines. */
export function gateHoldsOnLines(
  id: string,
  keywords: readonly string[],
  gate: FollowsGate,
  re: RE2,
  lines: readonly string[],
  seed: string
): { matched: number; refused: number } {
  let matched = 0
  let refused = 0
  for (const line of lines) {
    // Only lines of ASCII text are gated; the engine runs the rule on any other.
    if (!isAscii(line)) continue
    const bytes = Buffer.from(line, 'latin1')
    const low = line.toLowerCase()
    let passes = false
    for (const k of keywords) for (let o = low.indexOf(k); o >= 0 && !passes; o = low.indexOf(k, o + 1)) passes = gate(bytes, o + k.length)
    if (!passes) refused++
    if (re.test(line)) {
      matched++
      assert.ok(passes, `${id}: the regex matches ${JSON.stringify(line)}, where the gate refuses every keyword (seed ${seed})`)
    }
  }
  return { matched, refused }
}
