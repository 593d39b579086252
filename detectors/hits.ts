// Raw matches (hits) of the secret detector before they become findings: where
// a hit found in a decoded view points in its line, and which hits stand for
// the same secret in the same place. Overlapping windows and decoded views find
// a value again, and several rules can match one span; one finding is made per
// secret per place, from the most specific rule and the plainest reading.

import type { Rule } from './rule.ts'

/** What a hit needs of the rule that made it: its kind and whether it is a catch-all, and its order among the rules. */
export interface HitRule {
  rule: Pick<Rule, 'kind' | 'fallback'>
  index: number
}

/** A raw match before it becomes a Finding; `secret` never leaves the detector. */
export interface Hit<C extends HitRule = HitRule> {
  compiled: C
  lineIndex: number
  /** Span in the source line (code units), masked in the context. */
  start: number
  end: number
  endLineIndex: number
  endColumn: number
  secret: string
  /** Set when found in a decoded view: the context then shows the masked view. */
  via?: string
  viewText?: string
  viewStart?: number
  viewEnd?: number
  /** The value ran into a JSON escape and was cut there: a decoded view's reading of the place is better. */
  cut?: boolean
  /**
   * Found in a decoded view: its span in that view and, for a view decoded from another view, the
   * span of its encoded run in each view above. A context that shows any of those views masks it there.
   */
  marks?: ViewMark[]
}

/** A span of a decoded view's text that holds a secret, or its encoded form. */
export interface ViewMark {
  text: string
  start: number
  end: number
}

/** The encoded span of the line a decoded view came from, and how it was decoded (json, url+base64, …). */
export interface ViewSpan {
  via: string
  start: number
  end: number
  /** For a view decoded from another view: where its run lies in each view above it. */
  chain?: readonly ViewMark[]
  /**
   * The line's column of a column of the view, when every decoding from the line to the view kept
   * each value in place (JSON, URL and HTML escapes; not base64): a value found in the view is then
   * pointed at its escaped form in the line exactly.
   */
  toLine?: (col: number) => number
}

/** `value` as HTML and XML writers escape it: text content (`&amp;`, `&lt;`, `&gt;`), and attributes with `&quot;` and `&#39;` or `&apos;`. */
function htmlForms(value: string): string[] {
  const text = value.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')
  const quoted = text.replaceAll('"', '&quot;')
  return quoted === value ? [] : [text, quoted.replaceAll("'", '&#39;'), quoted.replaceAll("'", '&apos;')]
}

/**
 * A hit found in `text`, a decoded view of line `h.lineIndex` of `lines`, pointed at the line: at
 * the secret's escaped form where the line holds it, else at the view's whole encoded span (the
 * context then shows the view). A hit on the line itself (`view` undefined) is returned as it is.
 */
export function place<C extends HitRule>(lines: readonly string[], h: Hit<C>, text: string, view: ViewSpan | undefined): Hit<C> {
  if (view === undefined) return h
  h = { ...h, marks: [...(view.chain ?? []), { text, start: h.start, end: h.end }] }
  // Point at the secret itself when its escaped form is in the line, so the line's context can mask it exactly.
  // Only a form an encoder writes counts: `pass%71x` read as `passqx` is a misreading of a value written raw.
  const line = lines[h.lineIndex] ?? ''
  const forms = view.via.includes('base64')
    ? []
    : [h.secret, JSON.stringify(h.secret).slice(1, -1), encodeURIComponent(h.secret), encodeURI(h.secret), ...htmlForms(h.secret)]
  if (view.toLine !== undefined) {
    // The view's column map says where the value came from: one comparison, not a search of the line.
    // Each form is compared where the map puts the value's start, over the form's own length: the map's end of a
    // value that an escaped ANSI sequence follows (`\u001b[0m`, decoded to nothing) lies past that sequence.
    const at = view.toLine(h.start)
    for (const f of forms) {
      // In either case: an encoder may write hex escapes in lower case (`%1a`, `\u001A`), where the forms above have
      // one case; the map already placed every other character, and a view never changes a letter's case.
      const end = at + f.length
      if (line.slice(at, end).toLowerCase() === f.toLowerCase()) return { ...h, via: view.via, start: at, end, endColumn: end + 1, endLineIndex: h.lineIndex }
    }
  } else {
    // Without a map (a caller's own view), look for the escaped form (never in a base64 view: the line holds the encoding).
    for (const form of forms) {
      const at = line.indexOf(form, view.start)
      if (at >= 0 && at + form.length <= view.end)
        return { ...h, via: view.via, start: at, end: at + form.length, endColumn: at + form.length + 1, endLineIndex: h.lineIndex }
    }
  }
  return {
    ...h,
    via: view.via,
    viewText: text,
    viewStart: h.start,
    viewEnd: h.end,
    start: view.start,
    end: view.end,
    endColumn: view.end + 1,
    endLineIndex: h.lineIndex
  }
}

/**
 * One hit per secret per place, in line and column order: overlapping windows and decoded views
 * find the same value again, and of two rules matching one span the more specific is kept (pattern
 * over generic). Hits placed on the line come before unlocated view hits, which are kept only if
 * they add a value. Sorts `hits` in place.
 */
export function distinctHits<C extends HitRule>(hits: Array<Hit<C>>): Array<Hit<C>> {
  const unlocated = (h: Hit<C>): number => (h.viewText === undefined ? 0 : 1)
  hits.sort(
    (a, b) =>
      unlocated(a) - unlocated(b) ||
      a.lineIndex - b.lineIndex ||
      a.start - b.start ||
      rank(a) - rank(b) ||
      reading(a) - reading(b) ||
      a.compiled.index - b.compiled.index
  )
  // What the hits kept so far on each line rule out, so each hit is judged in constant time (a line
  // with thousands of values was quadratic here): the values kept, where the located ones end, and the
  // rules that matched the line as written.
  const seen = new Map<number, { secrets: Set<string>; end: number; rules: Set<C> }>()
  const kept: Array<Hit<C>> = []
  for (const h of hits) {
    let line = seen.get(h.lineIndex)
    if (line === undefined) {
      line = { secrets: new Set(), end: -1, rules: new Set() }
      seen.set(h.lineIndex, line)
    }
    if (line.secrets.has(h.secret)) {
      // The same value again elsewhere on the line is one finding; its place is still taken, so another
      // reading of that place (a decoded view that cuts the value short) is not a second value.
      if (h.viewText === undefined) line.end = Math.max(line.end, h.end)
      continue
    }
    if (h.viewText === undefined) {
      // Sorted by start: a located hit overlaps one kept before it exactly when it starts before the furthest end.
      if (h.start < line.end) continue
      line.end = Math.max(line.end, h.end)
      line.rules.add(h.compiled)
    } else if (line.rules.has(h.compiled)) {
      // An unlocated view hit of a rule that already matched the raw line is the same value read another way.
      continue
    }
    // A view the secret could not be located in spans the whole encoded text: it only duplicates the same value.
    line.secrets.add(h.secret)
    kept.push(h)
  }
  return kept.sort((a, b) => a.lineIndex - b.lineIndex || a.start - b.start)
}

/** Of two readings of one place: the line as written, then a decoded view, then a value cut at an escape. */
function reading(h: Hit): number {
  return h.cut === true ? 2 : h.via === undefined ? 0 : 1
}

/** Format rules win over generic rules; catch-alls yield to the specific rules of their kind. */
function rank(h: Hit): number {
  const r = h.compiled.rule
  // Within a kind, a catch-all (any JDBC URL, any secret-ish name) yields to a rule that names its format.
  return (r.kind === 'pattern' ? 0 : 2) + (r.fallback === true ? 1 : 0)
}
