// gates.ts looks a generic value's format prefixes up by the value's first two UTF-16 code units instead of
// testing every prefix. The verdict must be the one the whole list gives: compared with the same list plus a
// one-character prefix no value here starts with, which makes genericPlausible read the list whole.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { formatPrefixes, genericPlausible } from '../../detectors/gates.ts'
import { BUILTIN_RULES } from '../../detectors/rules/registry.ts'
import { seededGen } from '../support/seed.ts'

test('prefixes looked up by their first two code units give the verdict of the whole list, for any first characters', () => {
  const seed = 'prefix-index'
  const g = seededGen(seed)
  const int = (n: number): number => Number.parseInt(g.digits(6), 10) % n
  // Non-ASCII and non-BMP first characters, and prefixes that share their first two (none of one character:
  // a list with one is read whole, as `whole` is).
  const prefixes = [...formatPrefixes(BUILTIN_RULES), 'é_', 'éa', '🔑k', 'gh', 'ghx_', 'Ωω']
  const whole = [...prefixes, '\u0000']
  const claimsOf = (v: string, p: string): boolean => (v.length + p.length) % 3 !== 0
  const odd = ['é_', 'éa', '🔑k', 'gh', 'ghx_', 'Ωω', 'Ω', 'é', '🔑', '\ud83d', 'Ωx', 'a', 'G', '']
  let refused = 0
  for (let i = 0; i < 20_000; i++) {
    const start = (int(2) === 0 ? odd[int(odd.length)] : prefixes[int(prefixes.length)]) ?? ''
    const cased = int(3) === 0 ? start.toUpperCase() : int(2) === 0 ? start.toLowerCase() : start
    const value = cased + g.base62(int(4) === 0 ? int(3) : 20 + int(20))
    for (const claims of [undefined, claimsOf]) {
      const want = genericPlausible(value, whole, claims)
      assert.equal(genericPlausible(value, prefixes, claims), want, `seed ${seed}: ${JSON.stringify(value)}`)
      if (!want && genericPlausible(value, [], claims)) refused++
    }
  }
  // Many values are turned away for their prefix alone: the comparison covers both verdicts of the lookup.
  assert.ok(refused > 5000, `${refused} refused for a prefix`)
})
