// The keyword-start gate (follows-gate.ts, `keywordStart`) may only refuse a keyword occurrence no match of
// the rule's regex holds: for every rule that declares one, over drawn positives in every case variant, each
// put after every kind of byte (letters, digits, '-', '_', '.', blanks, quotes) and inside UUID-like ids, on
// published examples and loghub, a line the regex matches has an occurrence the gate passes. Lines of ASCII
// text only: the engine does not ask the gate on any other.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import RE2 from 're2'
import { DEFAULT_MIRRORS, loadSources } from '../../bench/independent/sources.ts'
import { keywordStartGate } from '../../detectors/follows-gate.ts'
import { BUILTIN_RULES } from '../../detectors/rules/registry.ts'
import { gateHoldsOnLines } from '../support/gate-lines.ts'
import { seededGen } from '../support/seed.ts'

const seed = 'keyword-start-gate'
const gen = seededGen(seed)
const int = (n: number): number => Number.parseInt(gen.digits(6), 10) % n
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T
const swapCase = (s: string): string => s.replace(/[a-zA-Z]/g, (c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()))
const BEFORE = ['a', 'Z', 'q', '0', '9', 'f', '-', '_', '.', ' ', '\t', '"', "'", '=', '/', ':', '{', '']

test('the gate: a bounded keyword passes at the line start and after a byte outside notAfter, in any case; others always', () => {
  const gate = keywordStartGate(['datadog', 'dd_', 'dd-'], { keywords: ['dd_', 'dd-'], notAfter: 'alnum' })
  const at = (text: string): boolean => gate(Buffer.from(text, 'latin1'), text.length)
  for (const yes of ['DD_', 'dd-', 'x DD_', 'x_dd-', 'x.Dd_', '"dd-', 'Datadog', '4edatadog', '\u00e9dd-']) assert.equal(at(yes), true, JSON.stringify(yes))
  for (const no of ['4edd-', 'xdd_', 'ZDD-', '9dd-', 'dd', 'ddx']) assert.equal(at(no), false, JSON.stringify(no))
  const letters = keywordStartGate(['devops', 'ado'], { keywords: ['ado'], notAfter: 'letter' })
  const atL = (text: string): boolean => letters(Buffer.from(text, 'latin1'), text.length)
  for (const yes of ['ado', '9ado', '_ADO', 'shadevops']) assert.equal(atL(yes), true, JSON.stringify(yes))
  for (const no of ['shado', 'Colorado', 'xAdo']) assert.equal(atL(no), false, JSON.stringify(no))
})

test('rules with keywordStart: every match of the regex, on drawn positives after any byte and in any case, on published examples and loghub, holds an occurrence the gate passes', () => {
  const rules = BUILTIN_RULES.filter((r) => r.keywordStart !== undefined && r.follows === undefined && r.upperKeywords !== true)
  const ids = rules.map((r) => r.id)
  for (const id of ['datadog-api-key', 'datadog-app-key', 'cloudflare-api-token', 'cloudflare-global-api-key', 'azure-devops-pat-legacy'])
    assert.ok(ids.includes(id), id)
  const { sources } = loadSources(DEFAULT_MIRRORS, Number.parseInt(gen.hex(8), 16))
  const elsewhere = sources.flatMap((s) => [...s.examples.flatMap((e) => e.text.split('\n')), ...[...s.cleanLogs.values()].flat()])
  for (const r of rules) {
    const start = r.keywordStart as NonNullable<typeof r.keywordStart>
    for (const k of start.keywords) assert.ok(r.keywords.includes(k), `${r.id}: ${k} is one of its keywords`)
    const gate = keywordStartGate(r.keywords, start)
    const re = new RE2(r.regex, '')
    const lines: string[] = [...elsewhere]
    for (let i = 0; i < 200; i++)
      for (const { line } of r.examples.positives(gen))
        for (const v of [line, line.toLowerCase(), line.toUpperCase(), swapCase(line)]) {
          // The positive after one byte, and each bounded keyword spliced in after a byte of a hex id.
          lines.push(v, `${pick(BEFORE)}${v}`, `id=${gen.hex(8)}-${gen.hex(2)}${v}`)
          const k = pick(start.keywords)
          const low = v.toLowerCase()
          const o = low.indexOf(k)
          if (o >= 0) lines.push(`${v.slice(0, o)}${pick(BEFORE)}${v.slice(o)}`, `${gen.hex(6)}${v.slice(o)}`)
        }
    const { matched, refused } = gateHoldsOnLines(r.id, r.keywords, gate, re, lines, seed)
    assert.ok(matched >= 300 && refused >= 100, `${r.id}: ${matched} matches, ${refused} lines refused (seed ${seed})`)
  }
})
