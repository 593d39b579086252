// The true and false positives that gitleaks states with each of its rules
// (cmd/generate/config/rules/*.go, MIT), read as data: the `tps` and `fps`
// lists of each rule function. Most true positives are expressions —
// `"ghp_"+secrets.NewSecret(utils.AlphaNumeric("36"))`,
// `utils.GenerateSampleSecrets("github", …)` — so this evaluates the few
// forms those lists use, drawing regex-generated values from a seeded PRNG
// (regex-sample.ts). An expression of any other form is left out and
// counted, so the table says how much of the source it covers. No gitleaks
// code runs or is copied; only the examples are read.

import type { Rng } from '../../detectors/gen.ts'
import { sampleRegex } from './regex-sample.ts'

export interface GitleaksExamples {
  rule: string
  positives: string[]
  negatives: string[]
  /** Elements of the lists that were not literal text or a supported expression. */
  skipped: number
  /** The positives that hold a value drawn from a regex (they change with the seed). */
  drawn: Set<string>
}

type Tok = { k: 'str'; v: string } | { k: 'id'; v: string } | { k: 'p'; v: string }

function tokenize(src: string): Tok[] {
  const out: Tok[] = []
  let i = 0
  while (i < src.length) {
    const c = src[i] as string
    if (c === '/' && src[i + 1] === '/') {
      const nl = src.indexOf('\n', i)
      i = nl < 0 ? src.length : nl
    } else if (c === '/' && src[i + 1] === '*') {
      const e = src.indexOf('*/', i + 2)
      i = e < 0 ? src.length : e + 2
    } else if (/\s/.test(c)) i++
    else if (c === '`') {
      const e = src.indexOf('`', i + 1)
      out.push({ k: 'str', v: src.slice(i + 1, e < 0 ? src.length : e) })
      i = e < 0 ? src.length : e + 1
    } else if (c === '"') {
      let j = i + 1
      let v = ''
      while (j < src.length && src[j] !== '"') {
        if (src[j] === '\\') {
          const e = src[j + 1] as string
          v += e === 'n' ? '\n' : e === 't' ? '\t' : e
          j += 2
        } else v += src[j++]
      }
      out.push({ k: 'str', v })
      i = j + 1
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][\w.]*/.exec(src.slice(i, i + 200)) as RegExpExecArray
      out.push({ k: 'id', v: m[0] })
      i += m[0].length
    } else if (src.startsWith('...', i) || src.startsWith(':=', i)) {
      const v = src.startsWith('...', i) ? '...' : ':='
      out.push({ k: 'p', v })
      i += v.length
    } else {
      out.push({ k: 'p', v: c })
      i++
    }
  }
  return out
}

/** What an expression evaluates to: one string, a list, or nothing we can evaluate. */
type Val = string | string[] | undefined

/** Shapes gitleaks' GenerateSampleSecrets(s) write a secret in (a config assignment); the facts, not its code. */
const sampleLines = (id: string, s: string): string[] => [`${id}_token: ${s}`, `${id.toUpperCase().replace(/\W/g, '_')}_TOKEN=${s}`]

const SIZED: Record<string, (n: string) => string> = {
  'utils.Numeric': (n) => `[0-9]{${n}}`,
  'utils.Hex': (n) => `[a-f0-9]{${n}}`,
  'utils.AlphaNumeric': (n) => `[a-z0-9]{${n}}`,
  'utils.AlphaNumericExtendedShort': (n) => `[a-z0-9_-]{${n}}`,
  'utils.AlphaNumericExtended': (n) => `[a-z0-9=_\\-]{${n}}`,
  'utils.AlphaNumericExtendedLong': (n) => `[a-z0-9\\/=_\\+\\-]{${n}}`
}

class Parser {
  i = 0
  skipped = 0
  readonly toks: Tok[]
  readonly r: Rng
  readonly vars: Map<string, string[]>
  /** Every value drawn from a regex while evaluating this rule's lists. */
  readonly drawn = new Set<string>()
  constructor(toks: Tok[], r: Rng, vars: Map<string, string[]>) {
    this.toks = toks
    this.r = r
    this.vars = vars
  }
  peek(o = 0): Tok | undefined {
    return this.toks[this.i + o]
  }
  eat(v: string): boolean {
    const t = this.peek()
    if (t !== undefined && t.k === 'p' && t.v === v) {
      this.i++
      return true
    }
    return false
  }
  /** expr := term ('+' term)* */
  expr(): Val {
    let v = this.term()
    while (this.eat('+')) {
      const w = this.term()
      v = typeof v === 'string' && typeof w === 'string' ? v + w : undefined
    }
    return v
  }
  term(): Val {
    const t = this.peek()
    if (t === undefined) return undefined
    this.i++
    if (t.k === 'str') return t.v
    if (t.k === 'p' && t.v === '[') {
      // []string{ a, b, … }
      while (this.peek() !== undefined && !(this.peek()?.k === 'p' && this.peek()?.v === '{')) this.i++
      this.i++
      return this.list('}')
    }
    if (t.k !== 'id') return undefined
    if (!this.eat('(')) return this.vars.get(t.v)
    const args = this.args()
    this.eat('...')
    const [a0, a1] = args
    switch (t.v) {
      case 'append':
        return args.slice(1).flatMap((a) => {
          if (a !== undefined) return a
          this.skipped++
          return []
        })
      case 'utils.GenerateSampleSecrets':
        return typeof a0 === 'string' && typeof a1 === 'string' ? sampleLines(a0, a1) : undefined
      case 'utils.GenerateSampleSecret':
        return typeof a0 === 'string' && typeof a1 === 'string' ? `${a0}_api_token = "${a1}"` : undefined
      case 'secrets.NewSecret':
      case 'newPlausibleSecret': {
        const v = typeof a0 === 'string' ? sampleRegex(a0, this.r) : undefined
        if (v !== undefined) this.drawn.add(v)
        return v
      }
      case 'utils.Hex8_4_4_4_12':
        return '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'
      case 'strings.Repeat':
        return typeof a0 === 'string' && typeof a1 === 'string' ? a0.repeat(Number(a1)) : undefined
      default: {
        const sized = SIZED[t.v]
        return sized !== undefined && typeof a0 === 'string' ? sized(a0) : undefined
      }
    }
  }
  args(): Val[] {
    const out: Val[] = []
    while (this.peek() !== undefined && !this.eat(')')) {
      const before = this.i
      const t = this.peek()
      // A bare number argument (strings.Repeat("x", 40)).
      if (t?.k === 'p' && /[0-9]/.test(t.v)) {
        let n = ''
        while (this.peek()?.k === 'p' && /[0-9]/.test(this.peek()?.v ?? '')) n += (this.toks[this.i++] as Tok).v
        out.push(n)
      } else out.push(this.expr())
      this.eat('...')
      this.eat(',')
      if (this.i === before) this.i++
    }
    return out
  }
  /** Elements up to `close`, each evaluated; those that are not text are counted as skipped. */
  list(close: string): string[] {
    const out: string[] = []
    while (this.peek() !== undefined && !this.eat(close)) {
      const before = this.i
      const v = this.expr()
      if (typeof v === 'string') out.push(v)
      else if (Array.isArray(v)) out.push(...v)
      else {
        this.skipped++
        // Skip the rest of the element.
        let depth = 0
        while (this.peek() !== undefined) {
          const t = this.peek() as Tok
          if (t.k === 'p' && (t.v === '(' || t.v === '{' || t.v === '[')) depth++
          if (t.k === 'p' && (t.v === ')' || t.v === '}' || t.v === ']')) {
            if (depth === 0) break
            depth--
          }
          if (depth === 0 && t.k === 'p' && t.v === ',') break
          this.i++
        }
      }
      this.eat(',')
      if (this.i === before) this.i++
    }
    return out
  }
}

/** The examples of every rule function in one gitleaks rules file. */
export function gitleaksExamples(go: string, r: Rng): GitleaksExamples[] {
  const out: GitleaksExamples[] = []
  // One rule per function: its id, then its tps/fps statements up to the function's end.
  for (const body of go.split(/\nfunc /).slice(1)) {
    const id = /RuleID:\s*"([^"]+)"/.exec(body)?.[1]
    if (id === undefined) continue
    const toks = tokenize(body)
    const vars = new Map<string, string[]>()
    const p = new Parser(toks, r, vars)
    for (; p.i < toks.length; p.i++) {
      const t = toks[p.i] as Tok
      const next = toks[p.i + 1]
      if (t.k !== 'id' || (t.v !== 'tps' && t.v !== 'fps') || next?.k !== 'p' || (next.v !== ':=' && next.v !== '=')) continue
      p.i += 2
      const v = p.expr()
      const list = v === undefined ? [] : Array.isArray(v) ? v : [v]
      if (v === undefined) p.skipped++
      // `tps = append(tps, …)` adds to what is there.
      vars.set(t.v, [...(next.v === '=' ? (vars.get(t.v) ?? []) : []), ...list])
      p.i--
    }
    const positives = vars.get('tps') ?? []
    const drawn = new Set(positives.filter((t) => [...p.drawn].some((v) => v !== '' && t.includes(v))))
    out.push({ rule: id, positives, negatives: vars.get('fps') ?? [], skipped: p.skipped, drawn })
  }
  return out
}

/** The rule ids of gitleaks' default configuration (config/gitleaks.toml), in file order. */
export function gitleaksRuleIds(toml: string): string[] {
  return [...toml.matchAll(/^id\s*=\s*"([^"]+)"/gm)].map((m) => m[1] as string)
}
