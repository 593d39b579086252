// The secret detector: format rules and generic assignments over log chunks.
//
// Per line, a lower-cased copy is checked for each rule's keywords; only the
// rules whose keyword occurs run their RE2 regex (linear time, no
// catastrophic backtracking on hostile input). A candidate becomes a finding
// after the rule's gates: entropy, checksum, allowlists. Everything that
// leaves this module is fingerprinted or masked.

import RE2 from 're2'
import { LeakwatchError } from '../pipeline/errors.ts'
import type { Finding, LogChunk, Severity, Source } from '../pipeline/events.ts'
import type { Fingerprinter } from '../pipeline/fingerprint.ts'
import { mask, stableId } from '../pipeline/fingerprint.ts'
import { shannonEntropy } from './entropy.ts'
import type { Rule } from './rule.ts'

interface Compiled {
  rule: Rule
  re: RE2
  group: number
  allowSecrets: RE2[]
  allowLines: RE2[]
}

export interface SecretDetectorOptions {
  rules: readonly Rule[]
  fingerprinter: Fingerprinter
  maxContextChars: number
  /** Clock for detectedAt; injected so tests are deterministic. */
  now?: () => Date
}

export interface SecretDetector {
  detect: (chunk: LogChunk) => Finding[]
  readonly ruleCount: number
}

/** A raw match before it becomes a Finding; `secret` never leaves this module. */
interface Hit {
  compiled: Compiled
  lineIndex: number
  start: number
  end: number
  endLineIndex: number
  endColumn: number
  secret: string
}

export function compileRule(rule: Rule): Compiled {
  const make = (source: string, flags: string): RE2 => {
    try {
      return new RE2(source, flags)
    } catch (err) {
      throw new LeakwatchError('LW_ERR_RULE_INVALID', `rule ${rule.id}: invalid RE2 pattern ${JSON.stringify(source)}: ${(err as Error).message}`, {
        cause: err
      })
    }
  }
  const re = make(rule.regex, 'g')
  const groups = countGroups(rule.regex)
  const group = rule.secretGroup ?? (groups > 0 ? 1 : 0)
  if (group > groups) throw new LeakwatchError('LW_ERR_RULE_INVALID', `rule ${rule.id}: secretGroup ${group} but the regex has ${groups} group(s)`)
  return {
    rule,
    re,
    group,
    allowSecrets: (rule.allow?.secrets ?? []).map((p) => make(p, '')),
    allowLines: (rule.allow?.lines ?? []).map((p) => make(p, ''))
  }
}

function countGroups(source: string): number {
  // A capture group is an unescaped '(' not followed by '?' (named groups (?P<..>/(?<..> count too).
  let n = 0
  for (let i = 0; i < source.length; i++) {
    const c = source[i]
    if (c === '\\') {
      i++
      continue
    }
    if (c === '[') {
      while (i < source.length && source[i] !== ']') {
        if (source[i] === '\\') i++
        i++
      }
      continue
    }
    if (c === '(' && (source[i + 1] !== '?' || source[i + 2] === 'P' || (source[i + 2] === '<' && source[i + 3] !== '=' && source[i + 3] !== '!'))) n++
  }
  return n
}

export function createSecretDetector(opts: SecretDetectorOptions): SecretDetector {
  const compiled = opts.rules.map(compileRule)
  const now = opts.now ?? (() => new Date())

  function passes(c: Compiled, secret: string, line: string): boolean {
    if (c.rule.minEntropy !== undefined && shannonEntropy(secret) < c.rule.minEntropy) return false
    if (c.rule.validate !== undefined && !c.rule.validate(secret)) return false
    for (const a of c.allowSecrets) if (a.test(secret)) return false
    for (const a of c.allowLines) if (a.test(line)) return false
    return true
  }

  function blockSecret(
    c: Compiled,
    lines: string[],
    lineIndex: number,
    afterHeader: number
  ): { secret: string; endLineIndex: number; endColumn: number } | undefined {
    const block = c.rule.block
    if (block === undefined) return undefined
    // Same line (JSON-escaped "\n" between parts) or following lines of the chunk.
    const sameLine = (lines[lineIndex] ?? '').slice(afterHeader)
    const endAt = sameLine.indexOf(block.end)
    if (endAt >= 0) {
      const body = sameLine
        .slice(0, endAt)
        .replace(/\\[nr]/g, '')
        .replace(/[^A-Za-z0-9+/=]/g, '')
      return body.length >= block.minBodyChars ? { secret: body, endLineIndex: lineIndex, endColumn: afterHeader + endAt + 1 } : undefined
    }
    let body = sameLine.replace(/[^A-Za-z0-9+/=]/g, '')
    for (let j = lineIndex + 1; j < lines.length && j < lineIndex + 200; j++) {
      const l = lines[j] ?? ''
      const e = l.indexOf(block.end)
      if (e >= 0) return body.length >= block.minBodyChars ? { secret: body, endLineIndex: j, endColumn: e + 1 } : undefined
      if (/^\s*[A-Za-z][A-Za-z-]*:\s/.test(l)) continue // PEM headers such as Proc-Type
      body += l.replace(/[^A-Za-z0-9+/=]/g, '')
    }
    // A block cut by the chunk boundary: report what we have when it is long enough to be a key.
    return body.length >= block.minBodyChars * 4 ? { secret: body, endLineIndex: Math.min(lines.length - 1, lineIndex + 199), endColumn: 1 } : undefined
  }

  function scanLine(lines: string[], i: number, hits: Hit[]): void {
    const line = lines[i] ?? ''
    if (line.length === 0) return
    const lower = line.toLowerCase()
    for (const c of compiled) {
      const kw = c.rule.keywords
      if (kw.length > 0 && !kw.some((k) => lower.includes(k))) continue
      c.re.lastIndex = 0
      for (let m = c.re.exec(line); m !== null; m = c.re.exec(line)) {
        if (m[0].length === 0) {
          c.re.lastIndex++
          continue
        }
        const captured = m[c.group]
        if (captured === undefined) continue
        const start = m.index + (c.group === 0 ? 0 : m[0].indexOf(captured))
        if (c.rule.block !== undefined) {
          const b = blockSecret(c, lines, i, m.index + m[0].length)
          if (b !== undefined && passes(c, b.secret, line))
            hits.push({
              compiled: c,
              lineIndex: i,
              start: m.index,
              end: b.endLineIndex === i ? b.endColumn - 1 : line.length,
              endLineIndex: b.endLineIndex,
              endColumn: b.endColumn,
              secret: b.secret
            })
          continue
        }
        if (!passes(c, captured, line)) continue
        hits.push({ compiled: c, lineIndex: i, start, end: start + captured.length, endLineIndex: i, endColumn: start + captured.length + 1, secret: captured })
        // Boundary groups consume one character; step back so adjacent secrets are still seen.
        if (c.re.lastIndex > start + captured.length) c.re.lastIndex = start + captured.length
      }
    }
  }

  function context(line: string, spans: Array<[number, number]>, focus: number): string {
    let out = ''
    let at = 0
    for (const [s, e] of [...spans].sort((a, b) => a[0] - b[0])) {
      if (s < at) continue
      out += line.slice(at, s) + mask(line.slice(s, e))
      at = e
    }
    out += line.slice(at)
    const max = opts.maxContextChars
    if (out.length <= max) return out
    const from = Math.max(0, Math.min(focus - Math.floor(max / 2), out.length - max))
    return (from > 0 ? '…' : '') + out.slice(from, from + max) + (from + max < out.length ? '…' : '')
  }

  return {
    ruleCount: compiled.length,
    detect(chunk: LogChunk): Finding[] {
      const hits: Hit[] = []
      for (let i = 0; i < chunk.lines.length; i++) scanLine(chunk.lines, i, hits)
      if (hits.length === 0) return []
      // One finding per secret per position: two rules matching the same value keep the more specific (pattern over generic).
      hits.sort((a, b) => a.lineIndex - b.lineIndex || a.start - b.start || rank(a) - rank(b))
      const kept: Hit[] = []
      for (const h of hits) {
        const dup = kept.find((k) => k.lineIndex === h.lineIndex && k.start < h.end && h.start < k.end)
        if (dup === undefined) kept.push(h)
      }
      const detectedAt = now().toISOString()
      return kept.map((h) => {
        const line = chunk.lines[h.lineIndex] ?? ''
        const spans = kept.filter((k) => k.lineIndex === h.lineIndex).map((k): [number, number] => [k.start, k.end])
        const fingerprint = opts.fingerprinter.of(h.secret)
        const lineNo = chunk.startLine + h.lineIndex
        return {
          v: '1',
          type: 'finding',
          id: stableId(fingerprint, chunk.stream, lineNo, h.start),
          fingerprint,
          rule: h.compiled.rule.id,
          title: h.compiled.rule.title,
          kind: h.compiled.rule.kind,
          severity: h.compiled.rule.severity satisfies Severity,
          confidence: confidenceOf(h.compiled.rule),
          stream: chunk.stream,
          source: chunk.source satisfies Source,
          location: { line: lineNo, column: h.start + 1, endLine: chunk.startLine + h.endLineIndex, endColumn: h.endColumn },
          preview: mask(h.secret),
          context: context(line, spans, h.start),
          detectedAt
        } satisfies Finding
      })
    }
  }
}

function rank(h: Hit): number {
  return h.compiled.rule.kind === 'pattern' ? 0 : 1
}

function confidenceOf(rule: Rule): Finding['confidence'] {
  if (rule.validate !== undefined || rule.block !== undefined) return 'high'
  return rule.kind === 'pattern' ? 'high' : 'medium'
}
