// A string that a simple regex matches, drawn from a seeded PRNG: how gitleaks'
// rule files state most of their true positives (`secrets.NewSecret(regex)`),
// which the extractor must turn into text to scan. Only the subset those rules
// use: literals, escapes, classes with ranges, groups with alternation and the
// quantifiers ?, *, +, {n}, {n,}, {n,m}. Anything else (look-around, back
// references, anchors inside) makes the sample undefined and the example is
// left out and counted, never guessed.

import type { Rng } from '../../detectors/gen.ts'

type Node = { t: 'chars'; set: string } | { t: 'alt'; options: Node[][] } | { t: 'rep'; node: Node; min: number; max: number }

const DIGITS = '0123456789'
const LOWER = 'abcdefghijklmnopqrstuvwxyz'
const UPPER = LOWER.toUpperCase()
const CLASS_ESCAPES: Record<string, string> = { d: DIGITS, w: `${LOWER}${UPPER}${DIGITS}_`, s: ' ' }
/** The characters of `.`: printable, not a quote or a backslash (a value must stay one token). */
const ANY = `${LOWER}${UPPER}${DIGITS}-_`

class Unsupported extends Error {}

function parse(src: string): Node[] {
  let i = 0
  let flagsI = false
  const seq = (): Node[][] => {
    const options: Node[][] = [[]]
    while (i < src.length && src[i] !== ')') {
      const c = src[i] as string
      if (c === '|') {
        options.push([])
        i++
        continue
      }
      const atom = parseAtom()
      if (atom === undefined) continue
      ;(options.at(-1) as Node[]).push(quantified(atom))
    }
    return options
  }
  const parseAtom = (): Node | undefined => {
    const c = src[i] as string
    if (c === '^' || c === '$') {
      i++
      return undefined
    }
    if (c === '(') {
      i++
      if (src.startsWith('?i)', i)) {
        flagsI = true
        i += 3
        return undefined
      }
      if (src.startsWith('?:', i)) i += 2
      else if (src.startsWith('?i:', i) || src.startsWith('?-i:', i)) i += src[i + 1] === '-' ? 4 : 3
      else if (src[i] === '?') throw new Unsupported(src.slice(i, i + 3))
      const options = seq()
      if (src[i] !== ')') throw new Unsupported('unclosed group')
      i++
      return { t: 'alt', options }
    }
    if (c === '[') return parseClass()
    if (c === '.') {
      i++
      return { t: 'chars', set: ANY }
    }
    if (c === '\\') {
      const e = src[i + 1] as string
      i += 2
      if (e === 'b' || e === 'B' || e === 'A' || e === 'z') return undefined
      const set = CLASS_ESCAPES[e]
      if (set !== undefined) return { t: 'chars', set }
      if (/[A-Za-z0-9]/.test(e)) throw new Unsupported(`\\${e}`)
      return { t: 'chars', set: e }
    }
    i++
    // Under (?i) a letter may be drawn in either case.
    return { t: 'chars', set: flagsI && /[a-z]/i.test(c) ? `${c.toLowerCase()}${c.toUpperCase()}` : c }
  }
  const parseClass = (): Node => {
    i++
    if (src[i] === '^') throw new Unsupported('negated class')
    let set = ''
    let first = true
    while (i < src.length && (src[i] !== ']' || first)) {
      first = false
      let c = src[i] as string
      if (c === '\\') {
        const e = src[i + 1] as string
        i += 2
        const esc = CLASS_ESCAPES[e]
        if (esc !== undefined) {
          set += esc
          continue
        }
        c = e
      } else if (c === '[' && src[i + 1] === ':') throw new Unsupported('POSIX class')
      else i++
      if (src[i] === '-' && src[i + 1] !== ']' && i + 1 < src.length) {
        let hi = src[i + 1] as string
        i += 2
        if (hi === '\\') {
          hi = src[i] as string
          i++
        }
        for (let k = c.charCodeAt(0); k <= hi.charCodeAt(0); k++) set += String.fromCharCode(k)
      } else set += c
    }
    if (src[i] !== ']') throw new Unsupported('unclosed class')
    i++
    return { t: 'chars', set }
  }
  const quantified = (atom: Node): Node => {
    const c = src[i]
    let node: Node = atom
    if (c === '?' || c === '*' || c === '+') {
      i++
      node = { t: 'rep', node: atom, min: c === '+' ? 1 : 0, max: c === '?' ? 1 : c === '+' ? 24 : 8 }
    } else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(src.slice(i))
      if (m === null) throw new Unsupported('brace')
      i += m[0].length
      const min = Number(m[1])
      const max = m[2] === undefined ? min : m[3] === '' || m[3] === undefined ? min + 8 : Number(m[3])
      node = { t: 'rep', node: atom, min, max }
    }
    if (src[i] === '?') i++ // lazy: same strings
    return node
  }
  const options = seq()
  if (i !== src.length) throw new Unsupported('unbalanced')
  return options.length === 1 ? (options[0] as Node[]) : [{ t: 'alt', options }]
}

function draw(nodes: readonly Node[], r: Rng): string {
  let out = ''
  for (const n of nodes) {
    if (n.t === 'chars') out += n.set[r.int(n.set.length)] ?? ''
    else if (n.t === 'alt') out += draw(r.pick(n.options), r)
    else {
      // Toward the low end of long ranges: tokens have lengths near their minimum.
      const span = Math.min(n.max - n.min, 16)
      const count = n.min + r.int(span + 1)
      for (let k = 0; k < count; k++) out += draw([n.node], r)
    }
  }
  return out
}

/** A string `regex` matches, or undefined when it uses more than the subset above. */
export function sampleRegex(regex: string, r: Rng): string | undefined {
  try {
    return draw(parse(regex), r)
  } catch (e) {
    if (e instanceof Unsupported) return undefined
    throw e
  }
}
