// The keyword prefilter: which rules can match where. Every rule names
// lower-case keywords that any match of it contains; a rule's regex runs only
// on lines holding one of its keywords, in any ASCII case.
//
// An Aho-Corasick automaton over every keyword of every rule, run over the
// chunk's UTF-8 bytes in one pass. Its table is kept small enough to stay in
// the CPU caches: bytes map to ~45 classes (the characters keywords use, case
// folded, and "other"), a state's row is 64 entries of 16 bits, and the top
// bit of an entry says "a keyword ends here", so the loop does one table read
// per byte and tests a bit. The first version (128-entry rows of 32-bit
// states, a separate output table, per-line calls) ran at half the speed;
// bench/prefilter.ts measures this against RE2.Set on the corpus.
//
// In `scan`, V8 runs in efficiency mode, where this loop stays in its lower tiers: scanText runs it as
// WebAssembly (keywords-wasm.ts), the JavaScript loop below where WebAssembly is not available.
//
// The same module finds the runs of base64 characters long enough to hide a
// credential, so the decoder does not walk every line a second time.

import { createWasmScans } from './keywords-wasm.ts'

/** A rule as the prefilter sees it: its keywords, and anything else the caller carries along. */
export interface KeywordRule {
  rule: { keywords: readonly string[] }
}

export interface KeywordScanner<C extends KeywordRule> {
  /**
   * Scans buf[from, to) and calls `found(end, rules)` for every place a keyword ends (the index
   * just past its last byte), with the rules whose keywords end there, in increasing `end`.
   */
  scan(buf: Uint8Array, from: number, to: number, found: (end: number, rules: readonly C[]) => void): void
  /**
   * The same over the whole of `text` at once: its UTF-8 bytes and every place a keyword ends, in
   * increasing order, as `hits[2j]` (the offset just past it) and `hits[2j + 1]` (the automaton
   * state there, see `rulesAt`), for j < count. `bytes` and `hits` are reused by the next call.
   */
  scanText(text: string): { bytes: Buffer; hits: Int32Array; count: number }
  /**
   * The same over bytes that `fill` writes into the scanner's buffer (at least `capacity` bytes long,
   * with 16 to spare after them) and whose length it returns; -1 from `fill` returns undefined.
   */
  scanBytes(capacity: number, fill: (space: Buffer) => number): { bytes: Buffer; hits: Int32Array; count: number } | undefined
  /** The rules whose keywords end in automaton state `state`. */
  rulesAt(state: number): readonly C[]
  /**
   * findBase64Runs over bytes[0, len) at once, as `runs[2j]` (start) and `runs[2j + 1]` (end, padding
   * included), for j < count; `runs` is reused by the next call.
   */
  base64Runs(bytes: Uint8Array, len: number): { runs: Int32Array; count: number }
  /** What runs scanText's automaton: WebAssembly (keywords-wasm.ts), or JavaScript where that is not available. */
  readonly pairs: 'wasm' | 'js'
}

/** Every UTF-16 unit below 128 (a loop: spreading each of ~800 keywords into characters was a tenth of building the automaton). */
export function isAscii(k: string): boolean {
  for (let i = 0; i < k.length; i++) if (k.charCodeAt(i) >= 128) return false
  return true
}

const ROW = 64
/** Shorter ranges stay in JavaScript: the call into WebAssembly and the copy cost more than they save. */
const WASM_MIN_BYTES = 64
const OUTPUT = 0x8000

/** `wasm: false` keeps scanText in JavaScript (the tests compare the two). */
export function createKeywordScanner<C extends KeywordRule>(compiled: readonly C[], opts: { wasm?: boolean } = {}): KeywordScanner<C> {
  const keywords = new Map<string, C[]>()
  for (const c of compiled) {
    const list = c.rule.keywords
    for (let i = 0; i < list.length; i++) {
      const k = list[i] as string
      if (k.length === 0 || !isAscii(k) || k !== k.toLowerCase()) throw new RangeError(`keywords[${i}]: lower-case ASCII expected`) // not echoed: a rule file's keyword may be a secret
      const rules = keywords.get(k) ?? []
      if (!rules.includes(c)) rules.push(c)
      keywords.set(k, rules)
    }
  }
  // Byte → class: 0 for bytes no keyword holds (non-ASCII included), upper case as its lower case.
  const CLASS = new Uint8Array(256)
  let classes = 1
  for (const k of keywords.keys()) {
    for (let i = 0; i < k.length; i++) {
      const code = k.charCodeAt(i)
      if (CLASS[code] === 0) CLASS[code] = classes++
    }
  }
  if (classes > ROW) throw new RangeError(`keywords use ${classes - 1} distinct characters; at most ${ROW - 1} are supported`)
  for (let c = 65; c <= 90; c++) CLASS[c] = CLASS[c + 32] ?? 0

  // The trie, then failure links breadth first: a state's transitions and outputs include those of
  // the longest proper suffix that is also a trie state. Built in typed arrays, each row over the
  // classes in use only, and with each state's rules gathered when the scan first meets the state:
  // this runs on every start, and the version with a Map per state and an output list per state was a
  // sixth of the CPU of starting `leakwatch scan` (issue #15).
  let size = 1
  for (const k of keywords.keys()) size += k.length
  if (size > OUTPUT) size = OUTPUT + 1
  const delta = new Uint16Array(size * ROW)
  /** Trie edges while building: delta holds the child (a state > 0) or 0. The rules of the keywords ending in a state, for the states where one does. */
  const ends: Array<C[] | undefined> = []
  /** Each state's parent in the trie, and the class of the edge into it. */
  const parent = new Uint16Array(size)
  const edge = new Uint8Array(size)
  let states = 1
  for (const [k, rules] of keywords) {
    let s = 0
    for (let i = 0; i < k.length; i++) {
      const cls = CLASS[k.charCodeAt(i)] ?? 0
      let next = delta[s * ROW + cls] ?? 0
      if (next === 0) {
        next = states++
        if (states >= OUTPUT) throw new RangeError(`keywords need more than ${OUTPUT - 1} automaton states; at most ${OUTPUT - 1} are supported`)
        delta[s * ROW + cls] = next
        parent[next] = s
        edge[next] = cls
      }
      s = next
    }
    const own = ends[s] ?? []
    own.push(...rules)
    ends[s] = own
  }
  // Each state's children, contiguous (children[firstChild[s], firstChild[s + 1])): a state's row is
  // then its failure state's row, copied whole, with its own children written over it. Most states
  // have one child; walking every class of every state instead was two thirds of this function.
  const firstChild = new Uint16Array(states + 1)
  for (let t = 1; t < states; t++) {
    const at = (parent[t] ?? 0) + 1
    firstChild[at] = (firstChild[at] ?? 0) + 1
  }
  for (let t = 1; t <= states; t++) firstChild[t] = (firstChild[t] ?? 0) + (firstChild[t - 1] ?? 0)
  const children = new Uint16Array(states)
  const filled = firstChild.slice(0, states)
  for (let t = 1; t < states; t++) {
    const p = parent[t] ?? 0
    children[filled[p] ?? 0] = t
    filled[p] = (filled[p] ?? 0) + 1
  }
  const fail = new Uint16Array(states)
  /** A keyword ends in the state (its own or one of its suffix's). */
  const emits = new Uint8Array(states)
  const queue = new Uint16Array(states)
  let queued = 0
  for (let c = firstChild[0] ?? 0; c < (firstChild[1] ?? 0); c++) {
    const next = children[c] ?? 0
    emits[next] = (ends[next]?.length ?? 0) > 0 ? 1 : 0
    delta[edge[next] ?? 0] = next | (emits[next] === 1 ? OUTPUT : 0)
    queue[queued++] = next
  }
  for (let head = 0; head < queued; head++) {
    const s = queue[head] ?? 0
    const row = s * ROW
    const failRow = (fail[s] ?? 0) * ROW
    // The failure state's row is final (it is shallower) and carries its output flags.
    delta.copyWithin(row, failRow, failRow + classes)
    for (let c = firstChild[s] ?? 0; c < (firstChild[s + 1] ?? 0); c++) {
      const next = children[c] ?? 0
      const cls = edge[next] ?? 0
      const f = (delta[row + cls] ?? 0) & 0x7fff
      fail[next] = f
      emits[next] = (ends[next]?.length ?? 0) > 0 || emits[f] === 1 ? 1 : 0
      delta[row + cls] = next | (emits[next] === 1 ? OUTPUT : 0)
      queue[queued++] = next
    }
  }
  const outputs: Array<C[] | undefined> = new Array(states)
  outputs[0] = []
  /** The rules of state `s`: its own keywords', then its failure state's, each once. */
  const outputsOf = (s: number): C[] => {
    let out = outputs[s]
    if (out === undefined) {
      out = [...new Set([...(ends[s] ?? []), ...outputsOf(fail[s] ?? 0)])]
      outputs[s] = out
    }
    return out
  }
  const table = delta
  const classOf = CLASS
  const longest = Math.max(1, ...[...keywords.keys()].map((k) => k.length))
  let hits = new Int32Array(1 << 12)
  let tail = new Int32Array(1 << 12)
  // The bytes of the text being scanned, reused: a new buffer per chunk was external memory that
  // V8 answered with full collections, a third of the engine's first pass over the bench corpus.
  // Its own ArrayBuffer from offset 0, with room past the text: the known-secret scan reads the same
  // bytes as aligned 32-bit words (detectors/known-secrets/index.ts scanBytes).
  let space = Buffer.from(new ArrayBuffer(1 << 16))
  const scans = opts.wasm === false ? undefined : createWasmScans(table, classOf, B64)
  const wasm = scans?.pairs
  let runs = new Int32Array(64)

  const scanBytes: KeywordScanner<C>['scanBytes'] = (capacity, fill) => {
    if (space.length < capacity + 16) space = Buffer.from(new ArrayBuffer(Math.ceil((capacity + 16) / 8) * 8))
    const len = fill(space)
    if (len < 0) return undefined
    const bytes = space.subarray(0, len)
    if (wasm !== undefined) {
      const pairs = wasm(bytes, len, longest)
      return { bytes, hits: pairs, count: pairs.length / 2 }
    }
    if (hits.length < 2 * len) {
      hits = new Int32Array(2 * len)
      tail = new Int32Array(2 * len)
    }
    const count = scanPairs(table, classOf, bytes, len, longest, hits, tail)
    return { bytes, hits, count }
  }

  return {
    scanText(text) {
      // UTF-8 takes at most three bytes per UTF-16 code unit; this fill never refuses.
      return scanBytes(3 * text.length, (into) => into.write(text, 0, 'utf8')) as { bytes: Buffer; hits: Int32Array; count: number }
    },
    scanBytes,
    rulesAt: outputsOf,
    base64Runs(bytes, len) {
      if (scans !== undefined) {
        const found = scans.runs(bytes, len)
        return { runs: found, count: found.length / 2 }
      }
      let count = 0
      findBase64Runs(bytes, 0, len, (start, end) => {
        if (runs.length < 2 * count + 2) {
          const grown = new Int32Array(2 * runs.length)
          grown.set(runs)
          runs = grown
        }
        runs[2 * count] = start
        runs[2 * count + 1] = end
        count++
      })
      return { runs, count }
    },
    pairs: wasm === undefined ? 'js' : 'wasm',
    scan(buf, from, to, found) {
      if (wasm !== undefined && to - from >= WASM_MIN_BYTES) {
        // A copy: `found` may scan again, and the module's memory is reused by the next call.
        const pairs = wasm(buf.subarray(from, to), to - from, longest).slice()
        for (let h = 0; h < pairs.length; h += 2) found(from + (pairs[h] as number), outputsOf(pairs[h + 1] as number))
        return
      }
      let s = 0
      for (let i = from; i < to; i++) {
        const t = table[(s << 6) | (classOf[buf[i] as number] as number)] as number
        s = t & 0x7fff
        if (t >= OUTPUT) found(i + 1, outputsOf(s))
      }
    }
  }
}

/**
 * The automaton over bytes[0, len), as two automata side by side. Each step waits for the previous
 * state's table read, so one automaton leaves the CPU idle most of the time; two in one loop, over
 * the two halves, overlap their waits: 715 MB/s against 439 on the bench sample. (In WebAssembly
 * the single loop ran no faster: the wait is the load, not the checks.) The second half starts
 * `longest - 1` bytes early so that it sees every keyword ending in it, and both run the same number
 * of steps: one loop, no tail loop whose branches V8 would meet without feedback (a tail loop made
 * the optimised code bail out 150 times over the bench corpus). Writes (end, state) pairs into
 * `hits` in increasing order (`tail` is scratch) and returns how many.
 */
function scanPairs(table: Uint16Array, classOf: Uint8Array, bytes: Uint8Array, len: number, longest: number, hits: Int32Array, tail: Int32Array): number {
  // The first automaton takes ends in (0, half], the second ends in (half, len].
  const half = halfOf(len, longest)
  const from2 = len - half
  let n = 0
  let m = 0
  let s = 0
  let s2 = 0
  for (let i = 0, j = from2; i < half; i++, j++) {
    const t = table[(s << 6) | (classOf[bytes[i] as number] as number)] as number
    s = t & 0x7fff
    if (t >= OUTPUT) {
      hits[n++] = i + 1
      hits[n++] = s
    }
    const t2 = table[(s2 << 6) | (classOf[bytes[j] as number] as number)] as number
    s2 = t2 & 0x7fff
    if (t2 >= OUTPUT && j >= half) {
      tail[m++] = j + 1
      tail[m++] = s2
    }
  }
  hits.set(tail.subarray(0, m), n)
  return (n + m) / 2
}

/** Where scanPairs' first automaton stops: the second starts `longest - 1` bytes before it. */
function halfOf(len: number, longest: number): number {
  return Math.min(len, Math.ceil((len + longest - 1) / 2))
}

// Per byte: 0 outside the base64 alphabets (standard and URL-safe), else a bit for its class
// (1 lower, 2 upper, 4 digit or symbol). A run that does not mix all three is a word, a hex
// digest or a path, not base64 of anything.
const B64 = new Uint8Array(256)
for (let c = 97; c <= 122; c++) B64[c] = 1
for (let c = 65; c <= 90; c++) B64[c] = 2
for (const ch of '0123456789+/_-') B64[ch.charCodeAt(0)] = 4
/** Shorter runs rarely hold a whole credential. */
export const BASE64_MIN_RUN = 24

/**
 * Calls `found(start, end)` for every run of buf[from, to) worth decoding as base64: 24+ characters
 * of the alphabets that mix lower case, upper case and digits or symbols, with up to two `=` after.
 */
export function findBase64Runs(buf: Uint8Array, from: number, to: number, found: (start: number, end: number) => void): void {
  const alphabet = B64
  // `last`: a position known to be outside the alphabet (or just before `from`). A run of 24 or more
  // that starts after it must cover last + 24: when that byte is outside the alphabet, nothing in
  // between is worth reading. Most log text is short words, so most probes skip 24 bytes.
  let last = from - 1
  for (;;) {
    const probe = last + BASE64_MIN_RUN
    if (probe >= to) return
    if (alphabet[buf[probe] as number] === 0) {
      last = probe
      continue
    }
    let start = probe
    let mixed = alphabet[buf[probe] as number] as number
    while (start - 1 > last) {
      const k = alphabet[buf[start - 1] as number] as number
      if (k === 0) break
      mixed |= k
      start--
    }
    let end = probe + 1
    while (end < to) {
      const k = alphabet[buf[end] as number] as number
      if (k === 0) break
      mixed |= k
      end++
    }
    if (end - start >= BASE64_MIN_RUN && mixed === 7) {
      let padded = end
      while (padded < to && padded - end < 2 && buf[padded] === 61) padded++ // '='
      found(start, padded)
    }
    last = end
  }
}
