// A short, seeded run of the fuzz harness (`npm run fuzz` runs it for hours),
// and the corpus replayed as regression inputs.
//
// Corpus entries marked `open` are known failures that an issue item is
// fixing: they are replayed and reported (diagnostics), not asserted, and a
// failure of the seeded run whose target and property match an open entry is
// reported the same way. Entries marked `fixed` must pass, and every other
// failure fails this test. When an item's fix lands, its entries turn
// `fixed` (the diagnostics say which ones pass now).

import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import type { Limits } from './harness.ts'
import { DEFAULT_LIMITS, readCorpus, replayCase, runCase, signature } from './harness.ts'
import { caseSeed } from './inputs.ts'
import { closeTargets, TARGETS, targetNamed } from './targets.ts'

const SEED = 12
const EXECUTIONS: Record<string, number> = { engine: 40, decoders: 60, 'mask-scan': 6, cri: 200, config: 40, 'rule-file': 40, http: 40, api: 40 }
// The test runs beside every other test file on a shared machine: time bounds are loose here, tight in `npm run fuzz`.
const LIMITS: Limits = { ...DEFAULT_LIMITS, baseMs: 10_000, perMiBMs: 10_000 }

const corpus = readCorpus()
const open = new Set(corpus.filter((e) => e.status === 'open').map((e) => `${e.target}/${e.property}`))
// Cases that hang or take seconds by design of their failure are not replayed while open.
const SLOW = new Set(['hang', 'stall', 'oom', 'bounded-time', 'bounded-heap'])

after(closeTargets)

for (const target of TARGETS) {
  test(`fuzz smoke: ${target.name}, ${EXECUTIONS[target.name] ?? 20} cases of seed ${SEED}`, async (t) => {
    const unexpected: string[] = []
    const known = new Map<string, number>()
    for (let i = 0; i < (EXECUTIONS[target.name] ?? 20); i++) {
      const c = target.generate(caseSeed(SEED, target.name, i), { maxSize: 'normal' })
      const out = await runCase(target, c, LIMITS)
      for (const f of out.failures) {
        const sig = signature(target.name, f)
        if (open.has(`${target.name}/${f.property}`)) known.set(sig, (known.get(sig) ?? 0) + 1)
        else unexpected.push(`${sig} (case ${i}, replay: npm run fuzz -- --seed ${SEED} --target ${target.name}): ${f.detail}`)
      }
    }
    for (const [sig, n] of known) t.diagnostic(`open (known, being fixed): ${n} × ${sig}`)
    assert.deepEqual(unexpected, [], `seed ${SEED}: failures not in the corpus as open`)
  })
}

test('fuzz corpus: fixed entries pass, open entries are reported', async (t) => {
  const regressions: string[] = []
  for (const e of corpus) {
    if (e.status === 'open' && SLOW.has(e.property)) {
      t.diagnostic(`open, not replayed (slow by nature): ${e.signature} — ${e.item}`)
      continue
    }
    const target = targetNamed(e.target)
    const out = await runCase(target, replayCase(target, e), LIMITS)
    const still = out.failures.some((f) => signature(e.target, f) === e.signature)
    if (e.status === 'fixed' && still) regressions.push(`${e.signature} (seed ${e.seed}, case ${e.index}): ${e.detail}`)
    if (e.status === 'open') t.diagnostic(`open, ${still ? 'still fails' : 'passes now: mark it fixed'}: ${e.signature} — ${e.item}`)
  }
  assert.deepEqual(regressions, [])
})
