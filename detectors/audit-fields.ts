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
