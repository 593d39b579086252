// How far before its keyword a rule's match can start, read from the rule's
// regex: where the engine may start a candidate rule's search instead of at
// the start of the line (issue #15). A rule wakes on any line holding one of
// its keywords, and its regex then read the whole line: the generic Bearer
// rule's keyword `authorization` is in every audit event's
// `authorization.k8s.io/decision` annotation, at the end of a kilobyte-long
// line, and the rule read each of those lines from its first byte.
//
// When every match of the regex holds one of the rule's keywords, spelled out
// as literal text, no more than N bytes from the match's start, no match can
// start more than N + (keyword length) bytes before the end of the line's first
// keyword occurrence (which the keyword automaton reports), so a search from
// there finds the same matches: RE2 is told the whole line and the start
// position, so `^`, `\b` and the boundary groups still see the bytes before.
// Anything this reader does not understand, or any unbounded repetition before
// the keyword, gives no bound and the search starts at the line's start as
// before.

/** A parsed regex: literal characters, one-character atoms (classes, escapes, `.`), zero-width assertions, groups, repetitions. */
type Node = { t: 'lit'; ch: string } | { t: 'any' } | { t: 'zero' } | { t: 'group'; alts: Node[][] } | { t: 'rep'; node: Node; max: number }

class Unsupported extends Error {}

/** Bytes one character of a class, `.` or `\w` can take in UTF-8. */
const CHAR_BYTES = 4

function parse(src: string): Node[][] {
  let i = 0
  const fail = (): never => {
    throw new Unsupported()
  }
  const alternation = (): Node[][] => {
    const alts = [sequence()]
    while (src[i] === '|') {
      i++
      alts.push(sequence())
    }
    return alts
  }
  const sequence = (): Node[] => {
    const items: Node[] = []
    while (i < src.length && src[i] !== '|' && src[i] !== ')') {
      const atom = parseAtom()
      if (atom === undefined) continue
      items.push(quantified(atom))
    }
    return items
  }
  const quantified = (atom: Node): Node => {
    const c = src[i]
    let max: number | undefined
    if (c === '?') max = 1
    else if (c === '*' || c === '+') max = Number.POSITIVE_INFINITY
    else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(src.slice(i))
      if (m === null) return atom // a literal '{' in RE2 when it starts no repetition
      max = m[2] === undefined ? Number(m[1]) : m[3] === '' ? Number.POSITIVE_INFINITY : Number(m[3])
      i += m[0].length - 1
    }
    if (max === undefined) return atom
    i++
    if (src[i] === '?') i++ // lazy: same lengths
    return { t: 'rep', node: atom, max }
  }
  /** The next atom, or undefined for a flag group such as `(?i)` (zero-width, no node). */
  const parseAtom = (): Node | undefined => {
    const c = src[i] as string
    if (c === '(') {
      i++
      if (src[i] === '?') {
        i++
        if (src[i] === 'P' || src[i] === '<') {
          // Named capture: (?P<name>…) or (?<name>…)
          const close = src.indexOf('>', i)
          if (close < 0 || src[i + (src[i] === 'P' ? 1 : 0)] !== '<') fail()
          i = close + 1
        } else {
          const m = /^[a-zA-Z-]*([:)])/.exec(src.slice(i))
          if (m === null) fail()
          i += (m as RegExpExecArray)[0].length
          if ((m as RegExpExecArray)[1] === ')') return undefined
        }
      }
      const alts = alternation()
      if (src[i] !== ')') fail()
      i++
      return { t: 'group', alts }
    }
    if (c === '[') {
      i++
      if (src[i] === '^') i++
      if (src[i] === ']') i++ // a ']' first is literal
      while (i < src.length && src[i] !== ']') {
        if (src[i] === '\\') i++
        else if (src[i] === '[' && src[i + 1] === ':') {
          const close = src.indexOf(':]', i + 2)
          if (close < 0) fail()
          i = close + 1
        }
        i++
      }
      if (src[i] !== ']') fail()
      i++
      return { t: 'any' }
    }
    if (c === '\\') {
      const e = src[i + 1]
      if (e === undefined) fail()
      i += 2
      if (e === 'b' || e === 'B' || e === 'A' || e === 'z') return { t: 'zero' }
      if ('dDwWsS'.includes(e as string)) return { t: 'any' }
      if (e === 'p' || e === 'P') {
        if (src[i] === '{') {
          const close = src.indexOf('}', i)
          if (close < 0) fail()
          i = close + 1
        } else i++
        return { t: 'any' }
      }
      if (e === 'x') {
        const m = /^(?:\{([0-9a-fA-F]+)\}|([0-9a-fA-F]{2}))/.exec(src.slice(i))
        if (m === null) fail()
        i += (m as RegExpExecArray)[0].length
        return { t: 'lit', ch: String.fromCodePoint(Number.parseInt((m as RegExpExecArray)[1] ?? (m as RegExpExecArray)[2] ?? '', 16)) }
      }
      const controls: Record<string, string> = { n: '\n', t: '\t', r: '\r', f: '\f', v: '\v' }
      const control = controls[e as string]
      if (control !== undefined) return { t: 'lit', ch: control }
      // Any other escaped ASCII punctuation stands for itself; letters and digits (\Q, \C, back-references…) are not read here.
      if (/[A-Za-z0-9]/.test(e as string) || (e as string).charCodeAt(0) >= 128) fail()
      return { t: 'lit', ch: e as string }
    }
    if (c === '^' || c === '$') {
      i++
      return { t: 'zero' }
    }
    if (c === '.') {
      i++
      return { t: 'any' }
    }
    const cp = src.codePointAt(i) as number
    const ch = String.fromCodePoint(cp)
    i += ch.length
    return { t: 'lit', ch }
  }
  const top = alternation()
  if (i !== src.length) fail()
  return top
}

/**
 * The most bytes from the start of a match of `regex` to the end of a keyword it spells out, or
 * undefined when that is not bounded or not known. `keywords` are the rule's (lower-case ASCII): a
 * keyword found in the regex's literal text, in any case, is one the keyword automaton reports.
 * Under case folding, RE2 matches `k` and `s` with non-ASCII letters too (the Kelvin sign, the long
 * s), which the automaton does not read as those keywords: such keywords are not used.
 */
export function keywordLead(regex: string, keywords: readonly string[]): number | undefined {
  let top: Node[][]
  try {
    top = parse(regex)
  } catch (err) {
    if (err instanceof Unsupported) return undefined
    throw err
  }
  const folded = /\(\?[a-zA-Z-]*i/.test(regex)
  const usable = keywords.filter((k) => k.length > 0 && !(folded && /[ks]/.test(k)))
  // A literal character's bytes: under case folding an ASCII letter may match a longer non-ASCII one.
  const litBytes = (ch: string): number => (folded && /[a-zA-Z]/.test(ch) ? 3 : Buffer.byteLength(ch, 'utf8'))
  const maxLen = (n: Node): number => {
    switch (n.t) {
      case 'lit':
        return litBytes(n.ch)
      case 'any':
        return CHAR_BYTES
      case 'zero':
        return 0
      case 'group':
        return Math.max(...n.alts.map((a) => a.reduce((s, x) => s + maxLen(x), 0)))
      case 'rep':
        return n.max === Number.POSITIVE_INFINITY ? n.max : n.max * maxLen(n.node)
    }
  }
  /** Lead of a sequence: bytes from its start to the end of the first keyword it always spells, or undefined. */
  const leadOf = (items: readonly Node[]): number | undefined => {
    let acc = 0
    for (let j = 0; j < items.length; ) {
      const n = items[j] as Node
      if (n.t === 'lit') {
        const chars: string[] = []
        while (j < items.length && (items[j] as Node).t === 'lit') {
          chars.push((items[j] as { ch: string }).ch)
          j++
        }
        const run = chars.join('').toLowerCase()
        let best: number | undefined
        for (const k of usable) {
          const o = run.indexOf(k)
          if (o < 0) continue
          // The run's characters before the keyword, then the keyword's own bytes (ASCII: one each, as the automaton counts).
          let before = 0
          for (const ch of [...run.slice(0, o)]) before += litBytes(ch)
          const lead = acc + before + k.length
          if (best === undefined || lead < best) best = lead
        }
        if (best !== undefined) return best
        for (const ch of chars) acc += litBytes(ch)
        continue
      }
      if (n.t === 'group') {
        const leads = n.alts.map(leadOf)
        if (leads.every((l) => l !== undefined)) return acc + Math.max(...(leads as number[]))
      }
      const m = maxLen(n)
      if (m === Number.POSITIVE_INFINITY) return undefined
      acc += m
      j++
    }
    return undefined
  }
  const leads = top.map(leadOf)
  return leads.every((l) => l !== undefined) ? Math.max(...(leads as number[])) : undefined
}

/**
 * Where a search of `buf` for a rule whose lead is `lead` (keywordLead, Infinity for none) may start,
 * when the first of its keywords in `buf` ends at byte `first`: `lead` bytes before it, moved back to
 * the start of a UTF-8 character.
 */
export function searchStart(buf: Uint8Array, lead: number, first: number): number {
  let at = first - lead
  if (!(at > 0)) return 0
  while (at > 0 && ((buf[at] as number) & 0xc0) === 0x80) at--
  return at
}
