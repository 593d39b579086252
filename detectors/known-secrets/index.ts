// The known-secret index: keyed hashes of every form of every value, never
// the values. A look-up costs O(text length) whatever the number of values.
//
// Sampling scheme: with q-grams of q = 4 bytes (3 when the minimum length is
// 6) and the text sampled at every 4th byte, any occurrence of a form of
// L ≥ q + 3 bytes covers a sampled position p at which the form has a q-gram
// starting at an offset o in [0, 3]. So each form is indexed by the keyed
// hashes of its q-grams at offsets 0..3, and a scan reads one aligned 32-bit
// word per sample: no per-character work, and the same cost for 10 or 10,000
// values. The parts, each in its file:
//
//   index-keys.ts    the keys and the keyed hashes (q-gram key, span check, MAC, value id)
//   qgram-filter.ts  the blocked Bloom filter over q-gram keys, what most samples stop at
//   postings.ts      q-gram key → chain of (form, offset)
//   form-store.ts    per form: length, span checks, MAC, q-gram keys, value id
//   lookup.ts        the scan of a buffer of lines through all of the above
//   skip.ts          what is not indexed (too short, common, hostnames)
//
// This file keeps values and origins (which origin holds which value, a value
// staying while any origin holds it) and puts the parts together.
//
// Trade-off, documented for operators: with the index keys (process memory),
// the q-gram hashes reveal a value's first 7 bytes to a 4-bytes-at-a-time
// brute force; the rest of a long value is protected by the HMAC. The keys
// are random per process unless set, so the index means nothing outside it,
// and no plaintext survives indexing (heap-snapshot test). The buffer that
// held a chunk's text is zeroed after each scan.

import { randomBytes } from 'node:crypto'
import type { FormKind } from './encode.ts'
import { FORM_KINDS, formsOf, trimBytes, unitsToUtf8 } from './encode.ts'
import { addForm, createFormStore, formKey, formLength, formStoreBytes, removeForm } from './form-store.ts'
import { deriveIndexKeys, valueId } from './index-keys.ts'
import type { IndexTables } from './lookup.ts'
import { createLookup, scanBufferBytes } from './lookup.ts'
import { addPosting, createPostings, forEachKey, removePosting, STRIDE } from './postings.ts'
import { createQgramFilter, filterAdd, filterForget, filterFull, filterRebuild } from './qgram-filter.ts'
import type { SkipReason } from './skip.ts'
import { skipReason, skipRules } from './skip.ts'

/** Where a value came from: what a finding names and what rotation acts on. */
export type Origin =
  | { source: 'kubernetes'; namespace: string; name: string; key: string }
  | { source: 'vault'; mount: string; path: string; field: string }
  | { source: 'file'; name: string }

export function originKey(o: Origin): string {
  if (o.source === 'kubernetes') return `kubernetes/${o.namespace}/${o.name}/${o.key}`
  if (o.source === 'vault') return `vault/${o.mount}/${o.path}#${o.field}`
  return `file/${o.name}`
}

export interface IndexedValue {
  /** The detector's fingerprint of the raw value (the same HMAC every finding of it carries). */
  fingerprint: string
  /** Masked preview, as `mask()` makes it. */
  preview: string
  /** Origin keys, first added first. */
  origins: Set<string>
}

export interface Hit {
  start: number
  end: number
  kind: FormKind
  value: IndexedValue
}

export interface KnownSecretIndex {
  /** Indexes `value` for `origin` (replacing what it had) and zeroes the buffer. */
  set: (origin: Origin, value: Uint8Array) => 'indexed' | SkipReason
  /** Forgets an origin; its value goes when no other origin holds it. */
  delete: (key: string) => boolean
  origin: (key: string) => Origin | undefined
  /** Origin keys starting with `prefix` (a Secret's keys, a file's lines). */
  keys: (prefix: string) => string[]
  /** Every hit in a chunk's lines, in line order; `line` is the index in `lines`. */
  scanLines: (lines: readonly string[], onHit: (line: number, hit: Hit) => void) => void
  /**
   * `scanLines` over bytes someone already wrote: `bytes` holds `lines` joined by '\n' with a '\n'
   * after the last (`n` bytes in all, line i at `starts[i]`), then at least 8 zero bytes, at offset 0
   * of its ArrayBuffer (the detector engine's chunk buffer: the lines are not encoded twice). The
   * bytes are zeroed afterwards, like the index's own.
   */
  scanBytes: (bytes: Buffer, n: number, starts: ArrayLike<number>, lines: readonly string[], onHit: (line: number, hit: Hit) => void) => void
  /** The hits in one text (one line). */
  scan: (text: string, onHit: (hit: Hit) => void) => void
  stats: () => { origins: number; values: number; forms: number; qgrams: number; bytes: number }
  readonly minLength: number
}

export interface IndexOptions {
  /** Shortest value indexed, in characters (default 8; at least 6). */
  minLength?: number
  maxValueBytes?: number
  /** Key of the index hashes; random per process when unset. */
  key?: Uint8Array
  /** HMAC-SHA256 of the raw value under the detector's fingerprint key, hex. */
  fingerprint: (value: Uint8Array) => string
  /** The masked preview of the raw value. */
  preview: (value: Uint8Array) => string
  /** Extra values never indexed (lower case), added to the built-in list. */
  common?: readonly string[]
}

type Entry = IndexedValue & { id: number; key: string; forms: number[] }

export function createKnownSecretIndex(opts: IndexOptions): KnownSecretIndex {
  const m = Math.max(6, opts.minLength ?? 8)
  // Forms are at least m bytes; a q-gram at offset 3 must fit in the shortest.
  const keys = deriveIndexKeys(opts.key ?? randomBytes(32), Math.min(4, m - 3))
  const skip = skipRules(m, opts.maxValueBytes ?? 64 * 1024, opts.common)
  const forms = createFormStore()
  const postings = createPostings()
  const filter = createQgramFilter(keys.kC)
  const valuesById: Array<Entry | undefined> = []
  const tables: IndexTables = { keys, filter, postings, forms, values: valuesById }
  const lookup = createLookup(tables)
  const values = new Map<string, Entry>()
  const origins = new Map<string, { origin: Origin; value: string }>()
  let nextValue = 0
  const lengthOf = (f: number): number => formLength(forms, f)
  const everyKey = (visit: (t: number) => void): void => forEachKey(postings, visit)

  function index(value: number, kind: FormKind, b: Uint8Array): number {
    const f = addForm(forms, keys, value, FORM_KINDS.indexOf(kind), b)
    for (let o = 0; o < STRIDE; o++) {
      const t = formKey(forms, f, o)
      if (!addPosting(postings, t, f, o, lengthOf)) continue
      if (filterFull(filter, postings.used)) filterRebuild(filter, postings.used, everyKey)
      else filterAdd(filter, t)
    }
    return f
  }

  function unindex(f: number): void {
    for (let o = 0; o < STRIDE; o++) if (removePosting(postings, formKey(forms, f, o), f)) filterForget(filter, postings.used, everyKey)
    removeForm(forms, f)
  }

  function release(v: Entry, key: string): void {
    v.origins.delete(key)
    if (v.origins.size > 0) return
    for (const f of v.forms) unindex(f)
    values.delete(v.key)
    valuesById[v.id] = undefined
  }

  function del(key: string): boolean {
    const o = origins.get(key)
    if (o === undefined) return false
    origins.delete(key)
    const v = values.get(o.value)
    if (v !== undefined) release(v, key)
    return true
  }

  function add(b: Uint8Array, id: string): Entry {
    const v: Entry = { id: nextValue++, key: id, fingerprint: opts.fingerprint(b), preview: opts.preview(b), origins: new Set(), forms: [] }
    for (const f of formsOf(b, m)) {
      const bytes = unitsToUtf8(f.units)
      f.units.fill(0)
      // Lines are split on '\n': a form holding one can never be seen whole (and would break the scan's line separation).
      if (!bytes.includes(0x0a)) v.forms.push(index(v.id, f.kind, bytes))
      bytes.fill(0)
    }
    values.set(id, v)
    valuesById[v.id] = v
    return v
  }

  return {
    minLength: m,
    set(origin, value) {
      const key = originKey(origin)
      try {
        const b = trimBytes(value)
        const reason = skipReason(skip, b)
        if (reason !== undefined) {
          del(key)
          return reason
        }
        const id = valueId(keys, b)
        const had = origins.get(key)
        if (had?.value === id) return 'indexed'
        if (had !== undefined) del(key)
        const v = values.get(id) ?? add(b, id)
        v.origins.add(key)
        origins.set(key, { origin, value: id })
        return 'indexed'
      } finally {
        value.fill(0)
      }
    },
    delete: del,
    origin: (key) => origins.get(key)?.origin,
    keys: (prefix) => [...origins.keys()].filter((k) => k.startsWith(prefix)),
    scanLines(lines, onHit) {
      if (postings.used > 0) lookup.scanLines(lines, onHit)
    },
    scanBytes(bytes, n, starts, lines, onHit) {
      if (postings.used > 0) lookup.scanBytes(bytes, n, starts, lines, onHit)
    },
    scan(text, onHit) {
      if (postings.used > 0) lookup.scanLines([text], (_, hit) => onHit(hit))
    },
    stats: () => ({
      origins: origins.size,
      values: values.size,
      forms: forms.count,
      qgrams: postings.count,
      bytes: formStoreBytes(forms) + postings.posts.byteLength + postings.table.byteLength + filter.words.byteLength + scanBufferBytes(lookup.buffer)
    })
  }
}
