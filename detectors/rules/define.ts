// Builders for the shape most provider rules share: a token of a known
// format (a literal prefix, runs of a charset of fixed or bounded length)
// standing alone between boundaries, or after a provider's name. A format
// carries both its RE2 source and a generator of values it matches, so a rule
// states its format once and its true positives are drawn from it at test
// time. Not a provider: the registry does not list it.

import type { Gen } from '../gen.ts'
import { ALPHABETS } from '../gen.ts'
import type { Rule, RuleExample } from '../rule.ts'
import { END, END_DASH, START } from './patterns.ts'

/** A credential format, or a piece of one. */
export interface Format {
  /** RE2 source, without a capture group. */
  regex: string
  /** A value the regex matches in full, drawn from `g`. */
  make: (g: Gen) => string
  /** The literal text every value starts with ('' if none): a rule's default keyword. */
  prefix: string
  /** A value may hold a '-', so the token's right boundary must exclude it (END_DASH, not END). */
  dash: boolean
}

/** Runs of one character class: `cs(n)` exactly n (`cs(1)` one character, no count), `cs.atLeast(min, draw)`, `cs.between(min, max, draw)`; `draw` is the generated length. */
export interface Charset {
  (n: number): Format
  atLeast: (min: number, draw: number) => Format
  between: (min: number, max: number, draw: number) => Format
}

/** `cls` is the RE2 class body exactly as the regex spells it; examples are drawn from `alphabet`. */
export function charset(cls: string, alphabet: string): Charset {
  const run = (count: string, draw: number): Format => ({
    regex: count === '1' ? `[${cls}]` : `[${cls}]{${count}}`,
    make: (g) => g.chars(alphabet, draw),
    prefix: '',
    dash: cls.endsWith('-')
  })
  return Object.assign((n: number) => run(`${n}`, n), {
    atLeast: (min: number, draw: number) => run(`${min},`, draw),
    between: (min: number, max: number, draw: number) => run(`${min},${max}`, draw)
  })
}

export const BASE62 = charset('A-Za-z0-9', ALPHABETS.base62)
export const HEX = charset('a-f0-9', ALPHABETS.hex)
/** Hex of either case; examples are lower-case. */
export const HEX_ANY_CASE = charset('a-fA-F0-9', ALPHABETS.hex)
export const BASE64URL = charset('A-Za-z0-9_-', ALPHABETS.base64url)
/** The same class spelled digits first, as the Google and GitLab rules have always written it. */
export const BASE64URL_DIGITS_FIRST = charset('0-9A-Za-z_-', ALPHABETS.base64url)
export const DIGITS = charset('0-9', ALPHABETS.digits)
export const UPPER_DIGITS = charset('A-Z0-9', ALPHABETS.upperDigits)

/** A UUID (lower-case hex); examples are version 4. */
export const UUID: Format = {
  regex: '[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}',
  make: (g) => `${g.hex(8)}-${g.hex(4)}-4${g.hex(3)}-${g.chars('89ab', 1)}${g.hex(3)}-${g.hex(12)}`,
  prefix: '',
  dash: false
}

const escapeLiteral = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** Parts in sequence; a string is literal text (escaped in the regex, written as is in examples). */
export function format(...parts: (string | Format)[]): Format {
  const fs = parts.map((p): Format => (typeof p === 'string' ? { regex: escapeLiteral(p), make: () => p, prefix: p, dash: false } : p))
  let prefix = ''
  for (const p of parts) {
    if (typeof p === 'string') prefix += p
    else {
      prefix += p.prefix
      break
    }
  }
  return {
    regex: fs.map((f) => f.regex).join(''),
    make: (g) => fs.map((f) => f.make(g)).join(''),
    prefix,
    dash: fs.some((f) => f.dash)
  }
}

/** A regex piece the examples leave out, or draw with `make`: an alternation, an optional tail. A class ending in '-' admits a dash. */
export function re(regex: string, make: (g: Gen) => string = () => ''): Format {
  return { regex, make, prefix: '', dash: regex.includes('-]') }
}

/** `body` then a checksum of it: `regex` matches the checksum, `sum` computes it from a generated body. */
export function checksummed(body: Format, regex: string, sum: (body: string) => string): Format {
  return {
    ...body,
    regex: body.regex + regex,
    make: (g) => {
      const b = body.make(g)
      return b + sum(b)
    }
  }
}

/** The same format with examples drawn by `make`: a layout the regex admits but does not spell (GitHub's CRC tail). */
export function drawnBy(f: Format, make: (g: Gen) => string): Format {
  return { ...f, make }
}

/** True positives: each line with a newly drawn secret, drawn in line order. */
export function secretsIn(make: (g: Gen) => string, lines: ((secret: string) => string)[]): (g: Gen) => RuleExample[] {
  return (g) =>
    lines.map((line) => {
      const secret = make(g)
      return { line: line(secret), secret }
    })
}

/** A password a person picked (word, digits, symbol): the value of password-shaped rules' examples. */
export const password = (g: Gen): string => g.password()

type Optional = Pick<Rule, 'follows' | 'keywordStart' | 'upperKeywords' | 'minEntropy' | 'validate' | 'allow' | 'tags'>

export interface TokenSpec extends Optional {
  id: string
  title: string
  severity: Rule['severity']
  token: Format
  /** Default: the token's literal prefix, lower-cased. A token without one must name its keywords. */
  keywords?: string[]
  /** Boundaries around the token. Default START, and END or END_DASH by whether the token may hold a '-'. */
  before?: string
  after?: string
  /** The whole regex, given the token's, which it must put in group 1: for a token anchored on a name (`assigned`). Replaces before/after. */
  regex?: (token: string) => string
  /** Log lines the token is leaked in, each with a newly drawn token; or `positives` where lines need more than the token. */
  lines?: ((token: string) => string)[]
  positives?: (g: Gen) => RuleExample[]
  /** Look-alikes that must not be reported. */
  negatives: string[]
}

/** A `kind: 'pattern'` rule for one token format, its true positives drawn from the format. */
export function tokenRule(spec: TokenSpec): Rule {
  const { token } = spec
  const keywords = spec.keywords ?? (token.prefix === '' ? undefined : [token.prefix.toLowerCase()])
  if (keywords === undefined) throw new Error(`${spec.id}: a token without a literal prefix needs keywords`)
  const positives = spec.positives ?? (spec.lines === undefined ? undefined : secretsIn(token.make, spec.lines))
  if (positives === undefined) throw new Error(`${spec.id}: lines or positives required`)
  const regex = spec.regex?.(token.regex) ?? `${spec.before ?? START}(${token.regex})${spec.after ?? (token.dash ? END_DASH : END)}`
  const rule: Rule = {
    id: spec.id,
    title: spec.title,
    severity: spec.severity,
    kind: 'pattern',
    regex,
    keywords,
    examples: { positives, negatives: spec.negatives }
  }
  if (spec.follows !== undefined) rule.follows = spec.follows
  if (spec.keywordStart !== undefined) rule.keywordStart = spec.keywordStart
  if (spec.upperKeywords !== undefined) rule.upperKeywords = spec.upperKeywords
  if (spec.minEntropy !== undefined) rule.minEntropy = spec.minEntropy
  if (spec.validate !== undefined) rule.validate = spec.validate
  if (spec.allow !== undefined) rule.allow = spec.allow
  if (spec.tags !== undefined) rule.tags = spec.tags
  return rule
}
