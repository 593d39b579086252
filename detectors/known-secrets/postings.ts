// The postings of the known-secret index: for each q-gram key t, the chain of
// (form, offset) pairs whose q-gram at that offset has key t. Flat typed
// arrays, so a probe costs a cache miss per structure, not per field:
//
// - table: open addressing on t, 2^bits slots of [key t, head posting]; head
//   −1 empty, −2 deleted (a tombstone, so later keys of a probe run stay
//   reachable). Kept at most half full, tombstones counted.
// - posts: [form id × STRIDE + offset, next posting] each, free ones reused.
//
// Chains are kept in (offset, form length) order: a scan then checks every
// candidate starting at one position by extending a single running hash,
// however many values share the q-gram.

import { fmix } from './index-keys.ts'

/** Sampling step in bytes, and the number of q-gram offsets indexed per form. */
export const STRIDE = 4
/** The empty and deleted marks of a slot's head. */
const EMPTY = -1
const DELETED = -2

export interface Postings {
  /** log2 of the table's slots. */
  bits: number
  table: Int32Array
  /** Slots holding a key, and tombstones. */
  used: number
  dead: number
  posts: Int32Array
  /** Posting capacity (posts holds 2 ints each). */
  cap: number
  free: number[]
  count: number
}

/** An empty table of 2^bits slots, heads EMPTY. */
function newTable(bits: number): Int32Array {
  const t = new Int32Array(2 << bits)
  for (let i = 1; i < t.length; i += 2) t[i] = EMPTY
  return t
}

export function createPostings(): Postings {
  return { bits: 10, table: newTable(10), used: 0, dead: 0, posts: new Int32Array(0), cap: 0, free: [], count: 0 }
}

/** The slot of key t, or where it would go (the first tombstone of its run, else the empty slot ending it). */
function slotOf(p: Postings, t: number): number {
  const table = p.table
  const mask = (1 << p.bits) - 1
  let i = fmix(t) & mask
  let firstDead = -1
  for (;;) {
    const head = table[2 * i + 1] as number
    if (head === EMPTY) return firstDead >= 0 ? firstDead : i
    if (head === DELETED) {
      if (firstDead < 0) firstDead = i
    } else if (table[2 * i] === t) return i
    i = (i + 1) & mask
  }
}

/** The first posting of key t, or −1: the lookup's read (no tombstone is reused here). */
export function headOf(p: Postings, t: number): number {
  const table = p.table
  const mask = (1 << p.bits) - 1
  let slot = fmix(t) & mask
  for (;;) {
    const head = table[2 * slot + 1] as number
    if (head === EMPTY) return -1
    if (head !== DELETED && table[2 * slot] === t) return head
    slot = (slot + 1) & mask
  }
}

function rehash(p: Postings): void {
  const old = p.table
  while ((p.used + 1) * 2 > 1 << p.bits) p.bits++
  p.table = newTable(p.bits)
  p.dead = 0
  for (let i = 0; i < old.length; i += 2) {
    const head = old[i + 1] as number
    if (head < 0) continue
    const slot = slotOf(p, old[i] as number)
    p.table[2 * slot] = old[i] as number
    p.table[2 * slot + 1] = head
  }
}

function grow(p: Postings): void {
  const n = Math.max(256, p.cap * 2)
  const a = new Int32Array(n * 2)
  a.set(p.posts)
  p.posts = a
  for (let i = n - 1; i >= p.cap; i--) p.free.push(i)
  p.cap = n
}

/**
 * Adds (form, off) to key t's chain, at its place by (offset, length of the form, `lengthOf`).
 * Returns whether t is a new key (the filter must learn it).
 */
export function addPosting(p: Postings, t: number, form: number, off: number, lengthOf: (form: number) => number): boolean {
  if ((p.used + p.dead + 1) * 2 > 1 << p.bits) rehash(p)
  const slot = slotOf(p, t)
  const table = p.table
  let added = false
  if ((table[2 * slot + 1] as number) < 0) {
    if (table[2 * slot + 1] === DELETED) p.dead--
    table[2 * slot] = t
    table[2 * slot + 1] = EMPTY
    p.used++
    added = true
  }
  if (p.free.length === 0) grow(p)
  const posts = p.posts
  const at0 = p.free.pop() as number
  posts[2 * at0] = form * STRIDE + off
  const len = lengthOf(form)
  let prev = -1
  let at = table[2 * slot + 1] as number
  while (at >= 0) {
    const fo = posts[2 * at] as number
    const o = fo & (STRIDE - 1)
    if (o > off || (o === off && lengthOf(fo >>> 2) >= len)) break
    prev = at
    at = posts[2 * at + 1] as number
  }
  posts[2 * at0 + 1] = at
  if (prev < 0) table[2 * slot + 1] = at0
  else posts[2 * prev + 1] = at0
  p.count++
  if (p.used * 2 > 1 << p.bits) rehash(p)
  return added
}

/** Removes the posting of `form` from key t's chain. Returns whether t lost its last posting (and is gone). */
export function removePosting(p: Postings, t: number, form: number): boolean {
  const slot = slotOf(p, t)
  const table = p.table
  const posts = p.posts
  let prev = -1
  for (let at = table[2 * slot + 1] as number; at >= 0; at = posts[2 * at + 1] as number) {
    if ((posts[2 * at] as number) >>> 2 !== form) {
      prev = at
      continue
    }
    if (prev < 0) table[2 * slot + 1] = posts[2 * at + 1] as number
    else posts[2 * prev + 1] = posts[2 * at + 1] as number
    posts[2 * at] = 0
    p.free.push(at)
    p.count--
    break
  }
  if (table[2 * slot + 1] === EMPTY && table[2 * slot] === t) {
    table[2 * slot + 1] = DELETED
    table[2 * slot] = 0
    p.used--
    p.dead++
    return true
  }
  return false
}

/** Visits every key with postings. */
export function forEachKey(p: Postings, visit: (t: number) => void): void {
  const table = p.table
  for (let i = 0; i < table.length; i += 2) if ((table[i + 1] as number) >= 0) visit(table[i] as number)
}
