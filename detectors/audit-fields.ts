// An audit event as the one line the secret detectors scan, with a map from
// each column of that line back to the field it came from. The line is the
// event's JSON, written here rather than by JSON.stringify so that every
// string (key or value) is recorded with its span and its path in the object
// (`data.DB_URL`, `spec.containers[0].env[2].value`). A finding's column then
// names the field: binary search over spans in the order they were written.
//
// What is written differs from the event in three ways:
// - an object's `metadata` is written after its other fields (see below);
// - `kubectl.kubernetes.io/last-applied-configuration` holds the whole
//   applied object as a JSON string; it is decoded and written as an object,
//   so its values are scanned once-escaped (like any other field) and a
//   finding in it names the inner path too;
// - `metadata.managedFields` lists field names, never values: it is left out
//   (on a large object it is much of the text).
// The request/response objects of Secrets, TokenRequests and TokenReviews are
// left out by the caller (detector-stage.ts).

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration'
// Only a JSON document this large is decoded; a bigger annotation is scanned as the string it is.
const MAX_LAST_APPLIED_CHARS = 1024 * 1024

export interface FieldSpan {
  /** First and after-last index of the JSON string (quotes included) in the line. */
  start: number
  end: number
  /** Path from the event: requestObject.data.DB_URL, requestURI, … */
  path: string
}

export interface WrittenEvent {
  line: string
  spans: FieldSpan[]
}

function isIdentifier(k: string): boolean {
  if (k.length === 0) return false
  for (let i = 0; i < k.length; i++) {
    const c = k.charCodeAt(i)
    const letter = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f
    const digit = c >= 0x30 && c <= 0x39
    if (!(letter || (i > 0 && (digit || c === 0x2d)))) return false
  }
  return true
}

/** `a.b`, or `a["b.c"]` when the key is not an identifier. */
export function childPath(parent: string, key: string): string {
  if (isIdentifier(key)) return parent === '' ? key : `${parent}.${key}`
  return `${parent}[${JSON.stringify(key)}]`
}

/** Writes `value` as JSON with the span and path of every string. Depth is bounded by JSON.parse of the body it came from. */
export function writeEvent(event: Record<string, unknown>): WrittenEvent {
  const parts: string[] = []
  const spans: FieldSpan[] = []
  let pos = 0
  const emit = (s: string): void => {
    parts.push(s)
    pos += s.length
  }
  const str = (s: string, path: string): void => {
    const j = JSON.stringify(s)
    spans.push({ start: pos, end: pos + j.length, path })
    emit(j)
  }
  const write = (v: unknown, path: string, parentKey: string | undefined, grandKey: string | undefined): void => {
    if (typeof v === 'string') {
      if (parentKey === LAST_APPLIED && grandKey === 'annotations' && v.length <= MAX_LAST_APPLIED_CHARS && v.trimStart().startsWith('{')) {
        let inner: unknown
        try {
          inner = JSON.parse(v)
        } catch {
          inner = undefined
        }
        if (typeof inner === 'object' && inner !== null) {
          write(inner, `${path} → `, undefined, undefined)
          return
        }
      }
      str(v, path)
      return
    }
    if (Array.isArray(v)) {
      emit('[')
      for (let i = 0; i < v.length; i++) {
        if (i > 0) emit(',')
        write(v[i] ?? null, `${path}[${i}]`, undefined, parentKey)
      }
      emit(']')
      return
    }
    if (typeof v === 'object' && v !== null) {
      emit('{')
      let first = true
      const entries = Object.entries(v)
      // An object's metadata goes last: a scanner reports a value once per line, at its first place, and a
      // value's own field (data.X) says more than its copy in the last-applied annotation.
      const m = entries.findIndex(([k]) => k === 'metadata')
      if (m >= 0 && m < entries.length - 1) entries.push(...entries.splice(m, 1))
      for (const [k, x] of entries) {
        if (x === undefined) continue
        if (k === 'managedFields' && parentKey === 'metadata') continue
        if (!first) emit(',')
        first = false
        // The path of a value under the root of an inner document ("… → ") continues without a dot.
        const p = path.endsWith(' → ') ? `${path}${isIdentifier(k) ? k : `[${JSON.stringify(k)}]`}` : childPath(path, k)
        str(k, p)
        emit(':')
        write(x, p, k, parentKey)
      }
      emit('}')
      return
    }
    emit(v === undefined ? 'null' : (JSON.stringify(v) ?? 'null'))
  }
  write(event, '', undefined, undefined)
  return { line: parts.join(''), spans }
}

/** Deeper than this, eventLine leaves the event to writeEvent: the subtree checks below repeat once per level. */
const MAX_LINE_DEPTH = 32

/**
 * Whether JSON.stringify writes `v` as writeEvent does: no object with a key after `metadata` (writeEvent moves
 * it last; a Status is `{"metadata":{},"code":200}`), no `metadata.managedFields`, no last-applied annotation,
 * only plain objects and arrays. Conservative: `false` only means the level is written by hand. No allocation.
 */
function stringifiesAlike(v: unknown, parentKey: string | undefined, grandKey: string | undefined): boolean {
  if (typeof v === 'string') return !(parentKey === LAST_APPLIED && grandKey === 'annotations')
  if (v === null || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'undefined') return true
  if (typeof v !== 'object') return false
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (!stringifiesAlike(v[i], undefined, parentKey)) return false
    return true
  }
  // toJSON, getters or inherited keys would make the two writers differ; JSON.parse makes none of them.
  if (Object.getPrototypeOf(v) !== Object.prototype) return false
  let metadataSeen = false
  for (const k in v) {
    if (metadataSeen) return false
    if (k === 'metadata') metadataSeen = true
    else if (k === 'managedFields' && parentKey === 'metadata') return false
    if (!stringifiesAlike((v as Record<string, unknown>)[k], k, parentKey)) return false
  }
  return true
}

/** writeEvent's line of `v`, or undefined past MAX_LINE_DEPTH: JSON.stringify for every subtree it writes alike, by hand above those. */
function lineOf(v: unknown, parentKey: string | undefined, grandKey: string | undefined, depth: number): string | undefined {
  if (depth > MAX_LINE_DEPTH) return undefined
  if (stringifiesAlike(v, parentKey, grandKey)) return JSON.stringify(v) ?? 'null'
  if (typeof v === 'string') {
    // writeEvent's rule for the last-applied annotation, as it applies it.
    if (v.length <= MAX_LAST_APPLIED_CHARS && v.trimStart().startsWith('{')) {
      let inner: unknown
      try {
        inner = JSON.parse(v)
      } catch {
        inner = undefined
      }
      if (typeof inner === 'object' && inner !== null) return lineOf(inner, undefined, undefined, depth + 1)
    }
    return JSON.stringify(v)
  }
  if (Array.isArray(v)) {
    let out = '['
    for (let i = 0; i < v.length; i++) {
      const x = lineOf(v[i] ?? null, undefined, parentKey, depth + 1)
      if (x === undefined) return undefined
      out += i > 0 ? `,${x}` : x
    }
    return `${out}]`
  }
  if (typeof v !== 'object' || v === null) return JSON.stringify(v) ?? 'null'
  const entries = Object.entries(v)
  const m = entries.findIndex(([k]) => k === 'metadata')
  if (m >= 0 && m < entries.length - 1) entries.push(...entries.splice(m, 1))
  let out = '{'
  let first = true
  for (const [k, x] of entries) {
    if (x === undefined) continue
    if (k === 'managedFields' && parentKey === 'metadata') continue
    const w = lineOf(x, k, parentKey, depth + 1)
    if (w === undefined) return undefined
    out += `${first ? '' : ','}${JSON.stringify(k)}:${w}`
    first = false
  }
  return `${out}}`
}

/**
 * `writeEvent(event).line`, without the spans: the scanners need the line of every event, the spans only for an
 * event with a finding (rare), and recording a path per string was most of what scanning an audit event cost
 * (bench/audit-consumer.ts --scan profile). Most of an event is written by JSON.stringify itself.
 */
export function eventLine(event: Record<string, unknown>): string {
  return lineOf(event, undefined, undefined, 0) ?? writeEvent(event).line
}

/** The span holding index `at` of the line (0-based), if `at` is inside a string. */
export function spanAt(spans: readonly FieldSpan[], at: number): FieldSpan | undefined {
  let lo = 0
  let hi = spans.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const s = spans[mid] as FieldSpan
    if (at < s.start) hi = mid - 1
    else if (at >= s.end) lo = mid + 1
    else return s
  }
  return undefined
}
