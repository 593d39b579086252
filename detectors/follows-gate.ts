// A byte test at one keyword occurrence that tells, without RE2, when a rule's `follows` cannot match
// right after it (issue #15). The engine admits a candidate rule on a line by one RE2 search for a
// keyword then `follows`; the generic assignment rules' keywords (`token`, `secret`, `pass`, …) are in a
// tenth of all CI, plain and container log lines, and nine in ten of those searches failed: `"msg":"token
// refreshed"`, `secrets.NPM_TOKEN` at a line's end. Each cost an RE2 call (60,000 on a 16 MB CI log).
//
// Three shapes of `follows`, read from its source; anything else gets no gate and is searched as before:
// - an assignment head, `[\w.-]*["']?\s*(?:=>|:=|=|:)` (generic.ts): the rest of a name, an optional
//   quote, blanks, then `=` or `:`. Every part is a run of one class followed by a byte outside it, so
//   one forward walk decides it.
// - a run of one class, `[…]{n}` or `[…]{n,m}` (npm_, Twilio, Zoho keys): the next n bytes are in it.
// - a starred class and an optional quote before such a run or a literal (starThenRun).
// And three sources recognised whole and walked by hand (the rule files use the exported source, so an edit
// to one drops its gate rather than keeping a wrong one): http-bearer-token's, npm-legacy-token's and
// netrc-password-line's.
//
// Two gates read the bytes before the occurrence: the keyword's own case, for a rule whose regex spells
// its keywords in upper case (`upperKeywords`: `PASSWORD=`, `AKIA`), which the case-blind automaton meets in
// `password=***` and `Asia/Tokyo`; and the byte before it, for a rule whose regex reads some keywords only
// at a word start (`keywordStart`: `dd-`, `cf-`), which the automaton meets inside UUIDs and hex ids.
//
// The gate is a necessary condition only: where it says yes, the RE2 search still decides. It is asked
// on lines of ASCII text only (the caller's check): under `(?i)` RE2 also matches a keyword or a name
// spelled with the Kelvin sign or the long s, which the byte automaton does not report.

import { ASSIGN, ASSIGNMENT_HEAD, ASSIGNMENT_OPENING } from './rules/patterns.ts'

/** False when no match of `follows` can start at bytes[at]. */
export type FollowsGate = (bytes: Uint8Array, at: number) => boolean

export { ASSIGNMENT_HEAD }

const NAME = new Uint8Array(128)
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c)
  if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch === '_' || ch === '.' || ch === '-') NAME[c] = 1
}
/** RE2's \s: tab, newline, form feed, carriage return, space (and vertical tab here: a superset is safe). */
const BLANK = new Uint8Array(128)
for (const c of [9, 10, 11, 12, 13, 32]) BLANK[c] = 1

const isQuote = (c: number | undefined): boolean => c === 0x22 || c === 0x27

/** Most bytes one run (a name, blanks) is walked before the gate gives up and says yes. */
const MAX_WALK = 256

/**
 * The assignment head's test, and with `value` (the class run after ASSIGNMENT_OPENING) the value's: after
 * `=`, `:`, `=>` or `:=` (both readings of `:=` and `=>` are tried), blanks, an optional quote or one or two
 * backslashes and a quote, then `value.count` bytes of its class.
 */
function assignmentGate(value: ClassRun | undefined): FollowsGate {
  const valueAt = (bytes: Uint8Array, from: number): boolean => {
    if (value === undefined) return true
    let j = from
    const stop = Math.min(bytes.length, from + MAX_WALK)
    while (j < stop && BLANK[bytes[j] as number] === 1) j++
    if (j === stop && stop < bytes.length) return true
    // `\\{1,2}["']`: one or two backslashes, then the quote (the value's class holds no backslash).
    if (bytes[j] === 0x5c) {
      j++
      if (bytes[j] === 0x5c && isQuote(bytes[j + 1])) j++
      if (!isQuote(bytes[j])) return false
    }
    if (isQuote(bytes[j])) j++
    return runAt(value, bytes, j)
  }
  return (bytes, at) => {
    let i = at
    const n = bytes.length
    // A walk past MAX_WALK bytes says yes (RE2 decides): each keyword of a run like `tokentoken…` would
    // otherwise walk to the run's end, quadratic in the line (hostile-lines.test.ts, `pass` repeated).
    let stop = Math.min(n, at + MAX_WALK)
    while (i < stop && NAME[bytes[i] as number] === 1) i++
    if (i === stop && stop < n) return true
    if (isQuote(bytes[i])) i++
    stop = Math.min(n, i + MAX_WALK)
    while (i < stop && BLANK[bytes[i] as number] === 1) i++
    if (i === stop && stop < n) return true
    const op = bytes[i]
    if (op !== 0x3d && op !== 0x3a) return false // '=' ':'
    if (valueAt(bytes, i + 1)) return true
    const second = bytes[i + 1]
    return ((op === 0x3d && second === 0x3e) || (op === 0x3a && second === 0x3d)) && valueAt(bytes, i + 2) // '=>' ':='
  }
}

interface ClassRun {
  set: Uint8Array
  count: number
  /** What must come right after the run (a literal's other bytes). */
  then?: FollowsGate
}

function runAt(run: ClassRun, bytes: Uint8Array, at: number): boolean {
  if (at + run.count > bytes.length) return false
  for (let i = at; i < at + run.count; i++) if (run.set[bytes[i] as number] !== 1) return false
  return true
}

/**
 * The bytes of an RE2 character class body (between the brackets), case-folded as `(?i)` reads it, or
 * undefined for what this reader does not take (negation, escapes other than of punctuation, non-ASCII).
 */
function classBytes(body: string): Uint8Array | undefined {
  if (body.startsWith('^') || body.length === 0) return undefined
  const chars: number[] = []
  for (let i = 0; i < body.length; i++) {
    let c = body.charCodeAt(i)
    if (c === 0x5c) {
      // An escaped punctuation character stands for itself, \t \n \r \f \v for their control characters;
      // \d, \w, \s and the rest are not read here.
      const next = body.charCodeAt(i + 1)
      const control = CONTROL_ESCAPES[body[i + 1] ?? '']
      if (control !== undefined) c = control
      else if (Number.isNaN(next) || NAME[next] === 1) return undefined
      else c = next
      i++
    }
    if (c >= 128) return undefined
    // A range whose end is escaped (`[\t-\r]`, `[!-\/]`) is a range to RE2: not read here, rather than
    // read as its two ends and a '-' (a gate missing the bytes between says no where RE2 matches).
    if (body[i + 1] === '-' && body[i + 2] === '\\') return undefined
    if (body[i + 1] === '-' && i + 2 < body.length && body[i + 2] !== '\\') {
      const to = body.charCodeAt(i + 2)
      if (to >= 128 || to < c) return undefined
      for (let x = c; x <= to; x++) chars.push(x)
      i += 2
      continue
    }
    chars.push(c)
  }
  const set = new Uint8Array(128)
  for (const c of chars) {
    set[c] = 1
    if (c >= 65 && c <= 90) set[c + 32] = 1
    if (c >= 97 && c <= 122) set[c - 32] = 1
  }
  return set
}

const CONTROL_ESCAPES: Record<string, number> = { t: 9, n: 10, v: 11, f: 12, r: 13 }

/** `[body]{min}` or `[body]{min,…}` at the start of `source`: its class body, least count and the source after it. */
function leadingRun(source: string): { body: string; min: number; rest: string } | undefined {
  if (source[0] !== '[') return undefined
  let i = 1
  while (i < source.length && source[i] !== ']') i += source[i] === '\\' ? 2 : 1
  if (i >= source.length || i === 1 || source[i + 1] !== '{') return undefined
  const body = source.slice(1, i)
  let j = i + 2
  let min = 0
  while (j < source.length && source.charCodeAt(j) >= 48 && source.charCodeAt(j) <= 57) min = min * 10 + source.charCodeAt(j++) - 48
  if (j === i + 2 || (source[j] !== '}' && source[j] !== ',')) return undefined
  const close = source.indexOf('}', j)
  if (close < 0) return undefined
  return { body, min, rest: source.slice(close + 1) }
}

/** A class run `[…]{n}` / `[…]{n,…}` at the start of `source` that this reader takes, and what follows it. */
function classRun(source: string): (ClassRun & { rest: string }) | undefined {
  const run = leadingRun(source)
  if (run === undefined) return undefined
  const set = classBytes(run.body)
  if (set === undefined || run.min < 1) return undefined
  return { set, count: run.min, rest: run.rest }
}

/** The gate of a rule's `follows` source, or undefined when it has none of the two shapes above. */
export function followsGate(follows: string): FollowsGate | undefined {
  // Six sources read whole, each by its own walk (below).
  if (follows === BEARER_FOLLOWS) return bearerGate
  if (follows === RAW_AUTHORIZATION_FOLLOWS) return rawAuthorizationGate
  if (follows === ENV_VALUE_FOLLOWS) return envValueGate
  if (follows === ENV_NAME_LINE_FOLLOWS) return envNameLineGate
  if (follows === NETRC_FOLLOWS) return netrcGate
  if (follows === NPM_FOLLOWS) return npmGate()
  // `a|b` at the top level: what the shapes read is only the first way to match, and the gate would refuse the others.
  if (topLevelAlternative(follows)) return undefined
  if (follows.startsWith(ASSIGNMENT_HEAD)) {
    const after = follows.slice(ASSIGNMENT_HEAD.length)
    const value = after.startsWith(ASSIGNMENT_OPENING) ? classRun(after.slice(ASSIGNMENT_OPENING.length)) : undefined
    // The value is read after blanks and a quote (or backslashes and a quote): a class that holds any of them
    // would make that ambiguous.
    const plain = value !== undefined && [9, 10, 11, 12, 13, 32, 0x22, 0x27, 0x5c].every((c) => value.set[c] !== 1)
    return assignmentGate(plain ? value : undefined)
  }
  const run = classRun(follows)
  if (run !== undefined) return (bytes, at) => runAt(run, bytes, at)
  return starThenRun(follows)
}

const QUOTE_OPTIONAL = `["']?`

/**
 * The third shape, `[…]*["']?[…]{n}` (kubernetes-bootstrap-token's `[= \t]*["']?[a-z0-9]{6}\.`, whose
 * keywords `token:` and `-token` stand in every `NPM_TOKEN: ***` and `--token $X` of a CI log: 18,000 RE2
 * searches and one match on a 16 MB one, issue #15): the star's run, an optional quote, then the class run.
 * Only when no byte is in two of the three: then a match takes the star's whole run, so one walk decides.
 */
function starThenRun(source: string): FollowsGate | undefined {
  if (source[0] !== '[') return undefined
  let i = 1
  while (i < source.length && source[i] !== ']') i += source[i] === '\\' ? 2 : 1
  if (i >= source.length || i === 1 || source[i + 1] !== '*') return undefined
  const star = classBytes(source.slice(1, i))
  let rest = source.slice(i + 2)
  const quote = rest.startsWith(QUOTE_OPTIONAL)
  if (quote) rest = rest.slice(QUOTE_OPTIONAL.length)
  // Or a literal after the star: the database URL rules' `[a-z0-9+]*://`, whose keywords (`postgres`,
  // `redis`, …) name services in JSON and container logs far more often than they start a URL there
  // (22,000 searches and no match on the 16 MB JSON shape).
  const run = classRun(rest) ?? literalRun(rest)
  if (star === undefined || run === undefined) return undefined
  for (let c = 0; c < 128; c++) {
    const inQuote = quote && (c === 0x22 || c === 0x27)
    if ((star[c] === 1 ? 1 : 0) + (inQuote ? 1 : 0) + (run.set[c] === 1 ? 1 : 0) > 1) return undefined
  }
  return (bytes, at) => {
    let j = at
    const stop = Math.min(bytes.length, at + MAX_WALK)
    while (j < stop && star[bytes[j] as number] === 1) j++
    if (j === stop && stop < bytes.length) return true
    if (quote && isQuote(bytes[j])) j++
    return runAt(run, bytes, j) && (run.then === undefined || run.then(bytes, j + run.count))
  }
}

/**
 * A literal at the start of `source` (letters, digits and escaped or plain punctuation up to the first
 * metacharacter or quantified character) as a run of its first byte (case-folded, as `(?i)` reads it)
 * and a test of the rest; undefined when there is none.
 */
function literalRun(source: string): (ClassRun & { then: FollowsGate }) | undefined {
  const bytes: number[] = []
  for (let i = 0; i < source.length; ) {
    let c = source.charCodeAt(i)
    let width = 1
    if (c === 0x5c) {
      const next = source.charCodeAt(i + 1)
      if (Number.isNaN(next) || NAME[next] === 1) break
      c = next
      width = 2
    } else if (c >= 128 || '[](){}|?*+.^$'.includes(source[i] ?? '')) break
    // A quantified character may be absent: the literal stops before it.
    if ('?*+{'.includes(source[i + width] ?? '')) break
    bytes.push(c)
    i += width
  }
  const first = bytes[0]
  if (first === undefined) return undefined
  const set = new Uint8Array(128)
  for (const c of fold(first)) set[c] = 1
  const rest = bytes.slice(1)
  // Each byte and its other case, made once: the test runs at every keyword.
  const one = Uint8Array.from(rest, (c) => fold(c)[0] as number)
  const other = Uint8Array.from(rest, (c) => fold(c).at(-1) as number)
  const then: FollowsGate = (b, at) => {
    if (at + rest.length > b.length) return false
    for (let k = 0; k < rest.length; k++) {
      const x = b[at + k]
      if (x !== one[k] && x !== other[k]) return false
    }
    return true
  }
  return { set, count: 1, then }
}

/** A byte and its other case, if a letter. */
function fold(c: number): number[] {
  if (c >= 65 && c <= 90) return [c, c + 32]
  if (c >= 97 && c <= 122) return [c, c - 32]
  return [c]
}

/**
 * The gate of a rule whose matches spell its keywords in upper case (`upperKeywords`): true when one of
 * `keywords` (lower case) ends at `at` spelled without a lower-case letter. A keyword the automaton reports
 * there is one of them, in some case, so an occurrence of `password=` in `db password=***` is refused and
 * one of `DB_PASSWORD=` passes.
 */
export function upperKeywordGate(keywords: readonly string[]): FollowsGate {
  return (bytes, at) => {
    for (const k of keywords) {
      const from = at - k.length
      if (from < 0) continue
      let spelled = true
      for (let i = 0; i < k.length && spelled; i++) {
        const b = bytes[from + i] as number
        // The keyword's own byte in upper case, or itself where it has no case.
        const want = k.charCodeAt(i)
        spelled = b === (want >= 0x61 && want <= 0x7a ? want - 32 : want)
      }
      if (spelled) return true
    }
    return false
  }
}

/** Whether `source` has a `|` outside every group and class. */
function topLevelAlternative(source: string): boolean {
  let depth = 0
  let inClass = false
  for (let i = 0; i < source.length; i++) {
    const c = source[i]
    if (c === '\\') i++
    else if (inClass) inClass = c !== ']'
    else if (c === '[') inClass = true
    else if (c === '(') depth++
    else if (c === ')') depth--
    else if (c === '|' && depth === 0) return true
  }
  return false
}

const ALNUM = new Uint8Array(256)
const LETTER = new Uint8Array(256)
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c)
  const letter = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')
  LETTER[c] = letter ? 1 : 0
  ALNUM[c] = letter || (ch >= '0' && ch <= '9') ? 1 : 0
}

/**
 * The gate of a rule with `keywordStart`: true when one of `keywords` (lower case) ends at `at`, in any
 * ASCII case, and is not in `start.keywords` or stands at the line's start or after a byte outside
 * `start.notAfter`. Sound where the regex reads those keywords only after `^` or a class that holds no
 * byte of `notAfter` (the rule's comment says where): an occurrence right after such a byte cannot be
 * one a match holds, and every match holds an occurrence of some keyword (keywords.ts). Bytes from 0x80
 * up (and every non-ASCII character) are outside both sets, so the gate never refuses them.
 */
export function keywordStartGate(keywords: readonly string[], start: { keywords: readonly string[]; notAfter: 'alnum' | 'letter' }): FollowsGate {
  const refused = start.notAfter === 'alnum' ? ALNUM : LETTER
  const bounded = keywords.map((k) => start.keywords.includes(k))
  return (bytes, at) => {
    for (let j = 0; j < keywords.length; j++) {
      const k = keywords[j] as string
      const from = at - k.length
      if (from < 0) continue
      let spelled = true
      for (let i = 0; i < k.length && spelled; i++) {
        const b = bytes[from + i] as number
        spelled = (b >= 0x41 && b <= 0x5a ? b + 32 : b) === k.charCodeAt(i)
      }
      if (!spelled) continue
      if (bounded[j] !== true || from === 0 || refused[bytes[from - 1] as number] !== 1) return true
    }
    return false
  }
}

/** RE2's \s exactly (no vertical tab): the netrc gate's run after the blanks excludes these and no more. */
const SPACE = new Uint8Array(256)
for (const c of [9, 10, 12, 13, 32]) SPACE[c] = 1

/**
 * http-bearer-token's `follows`: `["']?\s*[:=]\s*["']?(?:bearer|token)\s`. Its keyword `authorization` is in
 * every `authorization.k8s.io` of an audit log (18,000 RE2 searches and 2 matches on a 16 MB one, issue #15).
 * Quotes, blanks, `:`/`=` and letters are four disjoint sets and each optional part is followed by a byte
 * outside it, so a match takes each run whole: one forward walk decides.
 */
export const BEARER_FOLLOWS = `["']?\\s*[:=]\\s*["']?(?:bearer|token)\\s`

function bearerGate(bytes: Uint8Array, at: number): boolean {
  const i = headerValueAt(bytes, at)
  if (i === UNDECIDED) return true
  if (i < 0) return false
  const word = spelledAt(bytes, i, 'bearer') ? 6 : spelledAt(bytes, i, 'token') ? 5 : 0
  return word > 0 && SPACE[bytes[i + word] as number] === 1
}

/**
 * http-authorization-token's `follows`: the header's value with no scheme, `["']?\s*[:=]\s*["']?` then 20 of
 * the token class. Same keyword, so the same audit lines, and the same walk up to the value.
 */
export const RAW_AUTHORIZATION_FOLLOWS = `["']?\\s*[:=]\\s*["']?[A-Za-z0-9_.~+/-]{20}`

const TOKEN_BYTE = new Uint8Array(256)
for (const ch of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.~+/-') TOKEN_BYTE[ch.charCodeAt(0)] = 1

function rawAuthorizationGate(bytes: Uint8Array, at: number): boolean {
  const i = headerValueAt(bytes, at)
  if (i === UNDECIDED) return true
  if (i < 0 || i + 20 > bytes.length) return false
  for (let k = i; k < i + 20; k++) if (TOKEN_BYTE[bytes[k] as number] !== 1) return false
  return true
}

const UNDECIDED = -2

/**
 * Where a header's value starts after its name ends at `at`: past an optional closing quote, blanks, `:` or
 * `=`, blanks and an optional opening quote. -1 when no operator follows; UNDECIDED when a run of blanks
 * outlasts the walk (the regex decides).
 */
function headerValueAt(bytes: Uint8Array, at: number): number {
  let i = blanksFrom(bytes, isQuote(bytes[at]) ? at + 1 : at)
  if (i === UNDECIDED) return UNDECIDED
  if (bytes[i] !== 0x3a && bytes[i] !== 0x3d) return -1
  i = blanksFrom(bytes, i + 1)
  if (i === UNDECIDED) return UNDECIDED
  return isQuote(bytes[i]) ? i + 1 : i
}

/**
 * kubernetes-env-credential's `follows`: the rest of an env var's name, its closing quote, `,"value":` (blanks
 * allowed around the comma and the colon, as Python's json writes them), then the value's opening quote and first
 * character, which is not a blank, a quote, a backslash or the `$(` of Kubernetes' own variable references. Its
 * keywords (`token`, `secret`, `pass`) are in every other audit event, and a pod spec's env names a credential
 * there far more often with `$(…)`, an empty value or `valueFrom` than with a value: the regex ran on 922 of the
 * 11,768 lines of the 16 MB audit shape, for nothing, and cost 5% (paired) before the value's start was walked too.
 */
export const ENV_VALUE_FOLLOWS = `[\\w.-]*"\\s*,\\s*"value"\\s*:\\s*"(?:[^"\\\\\\s$]|\\$[^"\\\\\\s(])`

function envValueGate(bytes: Uint8Array, at: number): boolean {
  let i = at
  const stop = Math.min(bytes.length, i + MAX_WALK)
  while (i < stop && NAME[bytes[i] as number] === 1) i++
  if (i === stop && stop < bytes.length) return true
  if (bytes[i] !== 0x22) return false
  i = blanksFrom(bytes, i + 1)
  if (i === UNDECIDED) return true
  if (bytes[i] !== 0x2c) return false
  i = blanksFrom(bytes, i + 1)
  if (i === UNDECIDED) return true
  if (bytes[i] !== 0x22 || !spelledAt(bytes, i + 1, 'value') || bytes[i + 6] !== 0x22) return false
  i = blanksFrom(bytes, i + 7)
  if (i === UNDECIDED) return true
  if (bytes[i] !== 0x3a) return false
  i = blanksFrom(bytes, i + 1)
  if (i === UNDECIDED) return true
  if (bytes[i] !== 0x22) return false
  const first = bytes[i + 1]
  if (first === undefined || first === 0x22 || first === 0x5c || SPACE[first] === 1) return false
  if (first !== 0x24) return true
  const second = bytes[i + 2]
  return second !== undefined && second !== 0x22 && second !== 0x5c && second !== 0x28 && SPACE[second] !== 1
}

/**
 * kubernetes-env-yaml-credential's `follows`: the rest of the name, an optional closing quote and blanks, then
 * the line's end (a newline, a carriage return, the text's end, or the backslash of a JSON-escaped newline in a
 * line not yet decoded). Same keywords as kubernetes-env-credential, the same reason for a walk.
 */
export const ENV_NAME_LINE_FOLLOWS = `[\\w.-]*["']?[ \\t]*(?:[\\r\\n\\\\]|$)`

function envNameLineGate(bytes: Uint8Array, at: number): boolean {
  let i = at
  let stop = Math.min(bytes.length, i + MAX_WALK)
  while (i < stop && NAME[bytes[i] as number] === 1) i++
  if (i === stop && stop < bytes.length) return true
  if (isQuote(bytes[i])) i++
  stop = Math.min(bytes.length, i + MAX_WALK)
  while (i < stop && (bytes[i] === 0x20 || bytes[i] === 0x09)) i++
  if (i === stop && stop < bytes.length) return true
  const b = bytes[i]
  return b === undefined || b === 0x0a || b === 0x0d || b === 0x5c
}

/** Past the blanks (RE2's \s) from `at`; UNDECIDED when they outlast the walk. */
function blanksFrom(bytes: Uint8Array, at: number): number {
  let i = at
  const stop = Math.min(bytes.length, i + MAX_WALK)
  while (i < stop && SPACE[bytes[i] as number] === 1) i++
  return i === stop && stop < bytes.length ? UNDECIDED : i
}

/** `word` (lower-case ASCII) at bytes[at…], in any ASCII case. */
function spelledAt(bytes: Uint8Array, at: number, word: string): boolean {
  if (at + word.length > bytes.length) return false
  for (let k = 0; k < word.length; k++) {
    const b = bytes[at + k] as number
    if ((b >= 0x41 && b <= 0x5a ? b + 32 : b) !== word.charCodeAt(k)) return false
  }
  return true
}

/**
 * netrc-password-line's `follows`: `[^\S\n]+[^\s"'\\]{7}`. Its keyword `password` is in a line in ten of a
 * JSON or container log's (4,000 RE2 searches, none matching, on a 16 MB one; issue #15). The blank run and
 * the seven bytes after it are disjoint sets, so a match takes the whole run: one walk decides.
 */
export const NETRC_FOLLOWS = `[^\\S\\n]+[^\\s"'\\\\]{7}`

function netrcGate(bytes: Uint8Array, at: number): boolean {
  let i = at
  const stop = Math.min(bytes.length, at + MAX_WALK)
  while (i < stop && SPACE[bytes[i] as number] === 1 && bytes[i] !== 0x0a) i++
  if (i === at) return false
  if (i === stop && stop < bytes.length) return true
  if (i + 7 > bytes.length) return false
  for (let k = i; k < i + 7; k++) {
    const b = bytes[k] as number
    if (SPACE[b] === 1 || b === 0x22 || b === 0x27 || b === 0x5c) return false
  }
  return true
}

/** Name bytes of ASSIGN's `[\w.-]`, its quotes and blanks `[\\"'\x60\s]`, and the hex of `[a-f0-9]` under (?i). */
const QUOTE_BLANK = new Uint8Array(256)
for (const c of [0x5c, 0x22, 0x27, 0x60, 9, 10, 12, 13, 32]) QUOTE_BLANK[c] = 1
const HEX = new Uint8Array(256)
for (const ch of '0123456789abcdefABCDEF') HEX[ch.charCodeAt(0)] = 1

/**
 * npm-legacy-token's `follows`, patterns.ts's ASSIGN then `[a-f0-9]{8}-`. Its keywords are in every
 * `NPM_TOKEN: ***` and `secrets.NPM_TOKEN }}` of a CI log (11,900 RE2 searches and no match on a 16 MB one;
 * issue #15). The name run, the quote/blank runs, the operators' bytes and the hex are disjoint, so each
 * run is taken whole and must fit its bound; the operator is tried in each of its readings (`:`, `::=`,
 * `=`, `=>`, `?=`); the `, "value":` reading (a JSON list of name/value pairs) is left to RE2.
 */
export const NPM_FOLLOWS = `${ASSIGN}[a-f0-9]{8}-`

function npmGate(): FollowsGate {
  const valueAt = (bytes: Uint8Array, from: number): boolean => {
    let i = from
    while (i < from + 5 && QUOTE_BLANK[bytes[i] as number] === 1) i++
    if (QUOTE_BLANK[bytes[i] as number] === 1) return false
    if (i + 9 > bytes.length) return false
    for (let k = i; k < i + 8; k++) if (HEX[bytes[k] as number] !== 1) return false
    return bytes[i + 8] === 0x2d
  }
  const gate: FollowsGate = (bytes, at) => {
    let i = at
    while (i < at + 20 && NAME[bytes[i] as number] === 1) i++
    if (NAME[bytes[i] as number] === 1) return false
    const q = i
    while (i < q + 4 && QUOTE_BLANK[bytes[i] as number] === 1) i++
    if (QUOTE_BLANK[bytes[i] as number] === 1) return false
    const op = bytes[i]
    if (op === 0x2c) return true
    if (op === 0x3d) return valueAt(bytes, i + 1) || (bytes[i + 1] === 0x3e && valueAt(bytes, i + 2))
    if (op === 0x3f) return bytes[i + 1] === 0x3d && valueAt(bytes, i + 2)
    if (op !== 0x3a) return false
    if (valueAt(bytes, i + 1)) return true
    let j = i
    while (j < i + 3 && bytes[j] === 0x3a) j++
    return bytes[j] === 0x3d && valueAt(bytes, j + 1)
  }
  return gate
}
