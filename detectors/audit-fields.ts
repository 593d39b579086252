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

const UNWRITABLE = Symbol('unwritable')

/**
 * `v`, or a copy of it that JSON.stringify writes as writeEvent writes `v`: an object with a key after `metadata`
 * has it moved last (a Status is `{"metadata":{},"code":200}`), `metadata.managedFields` is left out, the
 * last-applied annotation decoded. Only the levels that differ are copied, in one walk: checking a level first and
 * copying it after walked the unchanged parts twice and allocated entry pairs for every key of a Status's parent
 * (every event), the largest part of building an event's line. UNWRITABLE past MAX_LINE_DEPTH or on a value
 * JSON.parse does not make (writeEvent is then left to write it).
 */
function stringifiable(v: unknown, parentKey: string | undefined, grandKey: string | undefined, depth: number): unknown {
  if (depth > MAX_LINE_DEPTH) return UNWRITABLE
  if (typeof v === 'string') {
    // writeEvent's rule for the last-applied annotation, as it applies it.
    if (parentKey === LAST_APPLIED && grandKey === 'annotations' && v.length <= MAX_LAST_APPLIED_CHARS && v.trimStart().startsWith('{')) {
      let inner: unknown
      try {
        inner = JSON.parse(v)
      } catch {
        inner = undefined
      }
      if (typeof inner === 'object' && inner !== null) return stringifiable(inner, undefined, undefined, depth + 1)
    }
    return v
  }
  if (v === null || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'undefined') return v
  if (typeof v !== 'object') return UNWRITABLE
  if (Array.isArray(v)) {
    let out: unknown[] | undefined
    for (let i = 0; i < v.length; i++) {
      const x = v[i]
      const y = stringifiable(x ?? null, undefined, parentKey, depth + 1)
      if (y === UNWRITABLE) return UNWRITABLE
      // A hole or undefined is written as null either way; only a changed item needs the copy.
      if (out === undefined && y !== (x ?? null)) out = v.slice(0, i).map((z) => z ?? null)
      if (out !== undefined) out.push(y)
    }
    return out ?? v
  }
  // toJSON, getters or inherited keys would make the two writers differ; JSON.parse makes none of them.
  if (Object.getPrototypeOf(v) !== Object.prototype) return UNWRITABLE
  const o = v as Record<string, unknown>
  let changed: Map<string, unknown> | undefined
  let metadataSeen = false
  let reorder = false
  for (const k in o) {
    if (metadataSeen) reorder = true
    if (k === 'metadata') metadataSeen = true
    const x = o[k]
    if (x === undefined) continue
    if (k === 'managedFields' && parentKey === 'metadata') {
      changed ??= new Map()
      changed.set(k, UNWRITABLE)
      continue
    }
    const y = stringifiable(x, k, parentKey, depth + 1)
    if (y === UNWRITABLE) return UNWRITABLE
    if (y !== x) {
      changed ??= new Map()
      changed.set(k, y)
    }
  }
  if (changed === undefined && !reorder) return v
  // No prototype: a `__proto__` key of the event is a key of the copy too, not its prototype.
  const out = Object.create(null) as Record<string, unknown>
  for (const k in o) {
    if (k === 'metadata' || o[k] === undefined) continue
    const y = changed?.has(k) === true ? changed.get(k) : o[k]
    if (y !== UNWRITABLE) out[k] = y
  }
  if (metadataSeen && o.metadata !== undefined) out.metadata = changed?.has('metadata') === true ? changed.get('metadata') : o.metadata
  return out
}

/**
 * `writeEvent(event).line`, without the spans: the scanners need the line of every event, the spans only for an
 * event with a finding (rare), and recording a path per string was most of what scanning an audit event cost
 * (bench/audit-consumer.ts --scan profile). The line is one JSON.stringify of the event, or of a copy of the levels
 * writeEvent writes differently (every Status is `{"metadata":{},"code":…}`).
 */
export function eventLine(event: Record<string, unknown>): string {
  const v = stringifiable(event, undefined, undefined, 0)
  return v === UNWRITABLE ? writeEvent(event).line : JSON.stringify(v)
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
