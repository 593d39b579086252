// Child process of bench/engine.ts: one of the candidate-rule prefilters the
// engine could use, over the lines of the corpus sample, pinned to one core by
// the parent. One process per prefilter so each one's peak RSS is its own.
//
//   aho-corasick    the engine's current one: createKeywordScanner, an
//                   Aho-Corasick table over every rule keyword (ASCII, case-folded),
//                   on the line's UTF-8 bytes (the engine runs it once per chunk)
//   re2set-keywords RE2.Set of the same keywords (a DFA; every keyword that
//                   occurs is reported, so no overlap closure is needed)
//   re2set-rules    RE2.Set of the rules' own regexes: says which rules match
//                   at all, so stage two runs only rules that will match
//
// Each is timed alone, cold (RE2 builds DFA states lazily on first sight of
// new text) and warm, then followed by what the engine does next with the
// candidates: run each candidate rule's RE2 over the line's UTF-8 bytes.
// Decoded views and the gates after a match are the same for every prefilter
// and left out: raw lines only. Times are CPU time, which sharing the core
// with other processes does not inflate.

import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import RE2 from 're2'
import { createKeywordScanner } from '../detectors/keywords.ts'
import { BUILTIN_RULES } from '../detectors/rules/registry.ts'
import { compileRule } from '../detectors/secrets.ts'
import { lineBatches } from './lines.ts'

type Compiled = ReturnType<typeof compileRule>

export interface PrefilterRun {
  name: string
  bytes: number
  lines: number
  /** CPU ms of the first pass: includes RE2 building its lazy DFA states. */
  coldPrefilterMs: number
  /** CPU ms of a second pass over the same lines. */
  prefilterMs: number
  /** CPU ms of prefilter + candidate rule regexes (warm). */
  withRegexMs: number
  /** Lines with at least one candidate rule. */
  candidateLines: number
  /** (line, rule) pairs handed to stage two. */
  candidatePairs: number
  /** Pairs whose rule regex then matched. */
  matchedPairs: number
  /** Matching (line, rule) pairs this prefilter did not hand on: lost detections. */
  missedPairs: number
  maxRssKb: number
}

interface Variant {
  name: string
  candidates: (line: string, buf: Buffer | undefined) => Iterable<Compiled>
}

function escapeLiteral(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')
}

function variant(name: string, compiled: readonly Compiled[]): Variant {
  switch (name) {
    case 'aho-corasick':
      return { name, candidates: automaton(compiled) }
    case 're2set-keywords': {
      const keywords = [...new Set(compiled.flatMap((c) => c.rule.keywords))]
      const rulesOfKeyword = keywords.map((k) => compiled.filter((c) => c.rule.keywords.includes(k)))
      const set = new RE2.Set(keywords.map(escapeLiteral), 'i')
      return {
        name,
        candidates: (line, buf) => {
          const hit = set.match(buf ?? line)
          if (hit.length === 0) return []
          const out = new Set<Compiled>()
          for (const i of hit) for (const c of rulesOfKeyword[i] ?? []) out.add(c)
          return out
        }
      }
    }
    case 're2set-rules': {
      // RE2::Set's DFA budget defaults to 8 MiB, which 180 rules outgrow: it then rebuilds states for every line and
      // runs at ~1 MB/s. With room it settles; the memory shows in this process's peak RSS.
      const set = new RE2.Set(
        compiled.map((c) => c.rule.regex),
        '',
        { maxMem: 256 << 20 }
      )
      return { name, candidates: (line, buf) => set.match(buf ?? line).map((i) => compiled[i] as Compiled) }
    }
    default:
      throw new Error(`unknown prefilter ${name}`)
  }
}

function automaton(compiled: readonly Compiled[]): Variant['candidates'] {
  const scanner = createKeywordScanner(compiled)
  return (line, buf) => {
    const bytes = buf ?? Buffer.from(line, 'utf8')
    const out = new Set<Compiled>()
    scanner.scan(bytes, 0, bytes.length, (_end, rules) => {
      for (const r of rules) out.add(r)
    })
    return out
  }
}

/** What the engine does with a candidate: every match of its regex over the line's bytes. Returns the matches. */
function runRule(c: Compiled, buf: Buffer): number {
  let n = 0
  c.re.lastIndex = 0
  for (let m = c.re.exec(buf); m !== null; m = c.re.exec(buf)) {
    n++
    if ((m[0] as unknown as Buffer).length === 0) c.re.lastIndex++
  }
  return n
}

function cpuMs(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since)
  return (d.user + d.system) / 1000
}

function main(): void {
  const { values } = parseArgs({ options: { corpus: { type: 'string' }, files: { type: 'string' }, out: { type: 'string' }, variant: { type: 'string' } } })
  if (values.corpus === undefined || values.files === undefined || values.out === undefined || values.variant === undefined)
    throw new Error('usage: prefilter.ts --variant NAME --corpus DIR --files a,b --out FILE')
  const compiled = BUILTIN_RULES.map((r, i) => compileRule(r, i))
  const v = variant(values.variant, compiled)
  // Every line in memory first, so disk and decoding stay out of the timings.
  const text: string[] = []
  let bytes = 0
  for (const name of values.files.split(',')) {
    for (const b of lineBatches(join(values.corpus, name), 4096)) {
      for (const l of b.lines) {
        text.push(l)
        bytes += Buffer.byteLength(l) + 1
      }
    }
  }
  const run: PrefilterRun = {
    name: v.name,
    bytes,
    lines: text.length,
    coldPrefilterMs: 0,
    prefilterMs: 0,
    withRegexMs: 0,
    candidateLines: 0,
    candidatePairs: 0,
    matchedPairs: 0,
    missedPairs: 0,
    maxRssKb: 0
  }
  let t = process.cpuUsage()
  for (const l of text) for (const _ of v.candidates(l, undefined));
  run.coldPrefilterMs = cpuMs(t)
  t = process.cpuUsage()
  for (const l of text) for (const _ of v.candidates(l, undefined)) run.candidatePairs++
  run.prefilterMs = cpuMs(t)
  const hits: Array<Set<Compiled> | undefined> = []
  t = process.cpuUsage()
  for (let i = 0; i < text.length; i++) {
    const l = text[i] as string
    // Every prefilter takes the bytes the rules run on anyway.
    const buf = Buffer.from(l, 'utf8')
    let any = false
    for (const c of v.candidates(l, buf)) {
      any = true
      if (runRule(c, buf) > 0) {
        const h = hits[i] ?? new Set<Compiled>()
        h.add(c)
        hits[i] = h
      }
    }
    if (any) run.candidateLines++
  }
  run.withRegexMs = cpuMs(t)
  for (const h of hits) run.matchedPairs += h?.size ?? 0
  if (v.name !== 'aho-corasick') {
    // Lost detections, untimed: the rule matches that the engine's keyword automaton hands on (a superset: every
    // match of a rule contains one of its keywords) and this prefilter did not.
    const keywords = automaton(compiled)
    for (let i = 0; i < text.length; i++) {
      const l = text[i] as string
      const buf = Buffer.from(l, 'utf8')
      for (const c of keywords(l, buf)) {
        if (hits[i]?.has(c) !== true && runRule(c, buf) > 0) run.missedPairs++
      }
    }
  }
  run.maxRssKb = process.resourceUsage().maxRSS
  writeFileSync(values.out, JSON.stringify(run))
}

main()
