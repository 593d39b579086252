// A small runtime schema: the one description of a shape from which the
// TypeScript type is inferred, values are validated (configuration and every
// record crossing the bus), environment variables are mapped and the README's
// configuration reference is generated. Kept in-house because it is ~250 lines
// and the needs are narrow (strict objects, defaults, docs); a general library
// would be a dependency on the hot path of every bus record.

import type { ErrorCode } from './errors.ts'
import { LeakwatchError } from './errors.ts'

export interface Issue {
  path: string
  message: string
}

export interface Schema<T> {
  readonly type: string
  readonly description: string
  readonly hasDefault: boolean
  readonly defaultValue: T | undefined
  readonly optional: boolean
  /** Validates `value`; pushes issues and returns undefined on failure. */
  check(value: unknown, path: string, issues: Issue[]): T | undefined
  /**
   * True only when `check` would accept `value` and return it unchanged (no default to fill in), without
   * allocating: the bus's hot path (safeParse) hands such a value on as it is instead of copying it and writing a
   * path string per field. False is always safe (the full check decides). A schema that replaces `check` must
   * replace or drop `is`.
   */
  is?: (value: unknown) => boolean
  /** Converts an environment variable's text to the input of `check`. */
  fromEnv(text: string): unknown
  /** For objects, the field schemas; used to walk the tree for env mapping and docs. */
  readonly fields?: Record<string, Schema<unknown>>
}

export type Infer<S> = S extends Schema<infer T> ? T : never

interface Common<T> {
  description?: string
  default?: T
}

function leaf<T>(
  type: string,
  opts: Common<T>,
  test: (v: unknown, path: string, issues: Issue[]) => T | undefined,
  fromEnv: (t: string) => unknown,
  is?: (v: unknown) => boolean
): Schema<T> {
  return {
    type,
    description: opts.description ?? '',
    hasDefault: opts.default !== undefined,
    defaultValue: opts.default,
    optional: false,
    check: test,
    fromEnv,
    ...(is === undefined ? {} : { is })
  }
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

function describeValue(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'array'
  return typeof v
}

export function string(opts: Common<string> & { minLength?: number; maxLength?: number; pattern?: RegExp } = {}): Schema<string> {
  return leaf(
    'string',
    opts,
    (v, path, issues) => {
      if (typeof v !== 'string') {
        issues.push({ path, message: `expected a string, got ${describeValue(v)}` })
        return undefined
      }
      if (opts.minLength !== undefined && v.length < opts.minLength) {
        issues.push({ path, message: `must be at least ${opts.minLength} characters` })
        return undefined
      }
      if (opts.maxLength !== undefined && v.length > opts.maxLength) {
        issues.push({ path, message: `must be at most ${opts.maxLength} characters` })
        return undefined
      }
      if (opts.pattern !== undefined && !opts.pattern.test(v)) {
        issues.push({ path, message: `must match ${String(opts.pattern)}` })
        return undefined
      }
      return v
    },
    (t) => t,
    (v) =>
      typeof v === 'string' &&
      (opts.minLength === undefined || v.length >= opts.minLength) &&
      (opts.maxLength === undefined || v.length <= opts.maxLength) &&
      (opts.pattern === undefined || opts.pattern.test(v))
  )
}

export function number(opts: Common<number> & { min?: number; max?: number; integer?: boolean } = {}): Schema<number> {
  return leaf(
    opts.integer === true ? 'integer' : 'number',
    opts,
    (v, path, issues) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        issues.push({ path, message: `expected a number, got ${describeValue(v)}` })
        return undefined
      }
      if (opts.integer === true && !Number.isInteger(v)) {
        issues.push({ path, message: 'must be an integer' })
        return undefined
      }
      if (opts.min !== undefined && v < opts.min) {
        issues.push({ path, message: `must be >= ${opts.min}` })
        return undefined
      }
      if (opts.max !== undefined && v > opts.max) {
        issues.push({ path, message: `must be <= ${opts.max}` })
        return undefined
      }
      return v
    },
    // Text that is not a number stays text, so the message reads "got string" rather than "got number" for NaN.
    (t) => (t.trim() === '' || Number.isNaN(Number(t)) ? t : Number(t)),
    (v) =>
      typeof v === 'number' &&
      Number.isFinite(v) &&
      (opts.integer !== true || Number.isInteger(v)) &&
      (opts.min === undefined || v >= opts.min) &&
      (opts.max === undefined || v <= opts.max)
  )
}

export function boolean(opts: Common<boolean> = {}): Schema<boolean> {
  return leaf(
    'boolean',
    opts,
    (v, path, issues) => {
      if (typeof v !== 'boolean') {
        issues.push({ path, message: `expected true or false, got ${describeValue(v)}` })
        return undefined
      }
      return v
    },
    (t) => (t === 'true' ? true : t === 'false' ? false : t),
    (v) => typeof v === 'boolean'
  )
}

export function literal<const L extends readonly string[]>(values: L, opts: Common<L[number]> = {}): Schema<L[number]> {
  return leaf(
    values.map((v) => JSON.stringify(v)).join(' | '),
    opts,
    (v, path, issues) => {
      if (typeof v !== 'string' || !values.includes(v)) {
        issues.push({ path, message: `must be one of ${values.join(', ')}` })
        return undefined
      }
      return v as L[number]
    },
    (t) => t,
    (v) => typeof v === 'string' && values.includes(v)
  )
}

/** Any JSON value, unvalidated: for embedded foreign documents (an audit Event's requestObject). */
export function unknownValue(opts: { description?: string } = {}): Schema<unknown> {
  return leaf(
    'any',
    opts,
    (v) => v,
    (t) => JSON.parse(t),
    (v) => v !== undefined
  )
}

export function array<T>(item: Schema<T>, opts: Common<T[]> & { maxItems?: number; minItems?: number } = {}): Schema<T[]> {
  return leaf(
    `${item.type}[]`,
    opts,
    (v, path, issues) => {
      if (!Array.isArray(v)) {
        issues.push({ path, message: `expected a list, got ${describeValue(v)}` })
        return undefined
      }
      if (opts.maxItems !== undefined && v.length > opts.maxItems) {
        issues.push({ path, message: `must have at most ${opts.maxItems} items` })
        return undefined
      }
      if (opts.minItems !== undefined && v.length < opts.minItems) {
        issues.push({ path, message: `must have at least ${opts.minItems} items` })
        return undefined
      }
      const out: T[] = []
      const before = issues.length
      for (let i = 0; i < v.length; i++) {
        const r = item.check(v[i], `${path}[${i}]`, issues)
        if (r !== undefined) out.push(r)
      }
      return issues.length === before ? out : undefined
    },
    (t) =>
      t.trim().startsWith('[')
        ? JSON.parse(t)
        : // Empty pieces are dropped before conversion: an empty variable is an empty list, also of objects (whose fromEnv is JSON.parse).
          t
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s !== '')
            .map((s) => item.fromEnv(s)),
    (v) => {
      const is = item.is
      if (is === undefined || !Array.isArray(v)) return false
      if ((opts.maxItems !== undefined && v.length > opts.maxItems) || (opts.minItems !== undefined && v.length < opts.minItems)) return false
      // A hole reads as undefined, which no item schema returns unchanged.
      for (let i = 0; i < v.length; i++) if (v[i] === undefined || !is(v[i])) return false
      return true
    }
  )
}

export function record<T>(value: Schema<T>, opts: Common<Record<string, T>> = {}): Schema<Record<string, T>> {
  return leaf(
    `map of ${value.type}`,
    opts,
    (v, path, issues) => {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) {
        issues.push({ path, message: `expected a map, got ${describeValue(v)}` })
        return undefined
      }
      const out: Record<string, T> = {}
      const before = issues.length
      for (const [k, x] of Object.entries(v)) {
        const r = value.check(x, join(path, k), issues)
        if (r !== undefined) setOwn(out, k, r)
      }
      return issues.length === before ? out : undefined
    },
    (t) => JSON.parse(t),
    (v) => {
      const is = value.is
      if (is === undefined || !isMap(v)) return false
      for (const k in v) if (Object.hasOwn(v, k) && !is(v[k])) return false
      // Inherited enumerable keys would be skipped by the loop's own-key test but are not in a JSON value anyway; a
      // prototype other than Object's means the value was not made by JSON.parse: let the full check copy it.
      return Object.getPrototypeOf(v) === Object.prototype
    }
  )
}

export function optional<T>(inner: Schema<T>): Schema<T | undefined> & { readonly optional: true } {
  const is = inner.is
  return {
    ...inner,
    optional: true as const,
    check: (v, path, issues) => (v === undefined ? undefined : inner.check(v, path, issues)),
    ...(is === undefined ? {} : { is: (v: unknown) => v === undefined || is(v) })
  }
}

type Shape = Record<string, Schema<unknown>>
type OptionalKeys<S extends Shape> = { [K in keyof S]: S[K] extends { readonly optional: true } ? K : never }[keyof S]
type ObjectOf<S extends Shape> = { [K in Exclude<keyof S, OptionalKeys<S>>]: Infer<S[K]> } & { [K in OptionalKeys<S>]?: Exclude<Infer<S[K]>, undefined> }
type Flat<T> = { [K in keyof T]: T[K] } & {}

/**
 * A strict object: unknown keys are an error (a typo in a config file must not
 * be a silent no-op). Missing fields take their default; an object whose fields
 * all have defaults defaults to `{}` itself.
 */
export function object<S extends Shape>(shape: S, opts: { description?: string; allowUnknown?: boolean } = {}): Schema<Flat<ObjectOf<S>>> {
  const allDefaulted = Object.values(shape).every((f) => f.hasDefault || f.optional)
  const fields = Object.entries(shape)
  // Only when every field can be tested without copying; a field with a default must be filled in, so a value
  // missing one goes the full way.
  const fieldIs = fields.every(([, f]) => f.is !== undefined)
    ? fields.map(([k, f]) => ({ k, is: f.is as (v: unknown) => boolean, absentOk: f.optional && !(f.hasDefault && f.defaultValue !== undefined) }))
    : undefined
  const self: Schema<Flat<ObjectOf<S>>> = {
    type: 'object',
    description: opts.description ?? '',
    hasDefault: allDefaulted,
    defaultValue: undefined,
    optional: false,
    fields: shape,
    fromEnv: (t) => JSON.parse(t),
    check(v, path, issues) {
      if (v === undefined && allDefaulted) v = {}
      if (typeof v !== 'object' || v === null || Array.isArray(v)) {
        issues.push({ path, message: `expected an object, got ${describeValue(v)}` })
        return undefined
      }
      const input = v as Record<string, unknown>
      const before = issues.length
      const out: Record<string, unknown> = {}
      for (const k of Object.keys(input)) {
        if (Object.hasOwn(shape, k)) continue
        // Foreign documents (audit events) keep what we do not describe: a field added upstream must reach the detectors.
        if (opts.allowUnknown === true) setOwn(out, k, input[k])
        else issues.push({ path: join(path, k), message: `unknown key (known: ${Object.keys(shape).join(', ')})` })
      }
      for (const [k, field] of Object.entries(shape)) {
        const p = join(path, k)
        let x = input[k]
        if (x === undefined) {
          if (field.hasDefault && field.defaultValue !== undefined) x = structuredClone(field.defaultValue)
          else if (field.optional) continue
          else if (!field.hasDefault) {
            issues.push({ path: p, message: 'is required' })
            continue
          }
        }
        const r = field.check(x, p, issues)
        if (r !== undefined) out[k] = r
      }
      return issues.length === before ? (out as Flat<ObjectOf<S>>) : undefined
    },
    ...(fieldIs === undefined
      ? {}
      : {
          is(v: unknown): boolean {
            if (!isMap(v) || Object.getPrototypeOf(v) !== Object.prototype) return false
            for (const f of fieldIs) {
              const x = v[f.k]
              if (x === undefined ? !f.absentOk : !f.is(x)) return false
            }
            if (opts.allowUnknown === true) return true
            for (const k in v) if (!Object.hasOwn(shape, k)) return false
            return true
          }
        })
  }
  return self
}

/** Plain assignment of a "__proto__" key (JSON.parse makes it an own key) would set the prototype and drop the data. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
  else target[key] = value
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`
}

export function formatIssues(issues: Issue[]): string {
  return issues.map((i) => `${i.path === '' ? '(root)' : i.path}: ${i.message}`).join('; ')
}

/** Validates or throws a coded error that lists every offending path. */
export function parse<T>(schema: Schema<T>, value: unknown, code: ErrorCode, what: string): T {
  const issues: Issue[] = []
  const out = schema.check(value, '', issues)
  if (issues.length > 0 || out === undefined) {
    throw new LeakwatchError(code, `${what} is invalid: ${formatIssues(issues)}`, { details: { issues } })
  }
  return out
}

/** Validates without throwing, for hot paths that count failures instead. */
export function safeParse<T>(schema: Schema<T>, value: unknown): { ok: true; value: T } | { ok: false; issues: Issue[] } {
  // A value `is` accepts is what `check` would return: handed on as it is, without the checking copy.
  if (schema.is?.(value) === true) return { ok: true, value: value as T }
  const issues: Issue[] = []
  const out = schema.check(value, '', issues)
  return issues.length > 0 || out === undefined ? { ok: false, issues } : { ok: true, value: out }
}

export interface Leaf {
  path: string
  schema: Schema<unknown>
}

/** Every non-object field of a schema tree with its dotted path. */
export function leaves(schema: Schema<unknown>, path = ''): Leaf[] {
  if (schema.fields === undefined) return [{ path, schema }]
  return Object.entries(schema.fields).flatMap(([k, f]) => leaves(f, join(path, k)))
}
