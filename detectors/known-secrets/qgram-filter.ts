// The q-gram prefilter: a blocked Bloom filter over the distinct q-gram keys,
// the only structure a sample of unrelated text touches. A key t selects one
// 32-bit word by its top bits and sets three bits in it chosen by t·kC; ~24
// bits per key (16 to 32: sizes are powers of two), so about 1 in 500
// samples of unrelated text gets past it, and the filter (512 KiB at 10,000
// values) stays in cache beside the pattern engine's working set.
//
// Bits cannot be cleared, so a removed key's bits stay (a false positive,
// never a miss) until the filter is rebuilt from the keys that remain, which
// also resizes it.

/** Filter size: the next power of two of 16 bits per distinct key (so 16 to 32 bits each). */
export const BITS_PER_KEY = 16
/** log2 of the smallest filter, in bits (4 KiB). */
const MIN_FILTER_BITS = 15
/** Removed keys tolerated before a rebuild: at least this many, or as many as there are keys. */
const MIN_STALE = 4096

export interface QgramFilter {
  /** The filter's words; key t's word is words[t >>> shift]. */
  words: Int32Array
  shift: number
  /** Keys removed since the last rebuild (their bits are still set). */
  stale: number
  readonly kC: number
}

export function createQgramFilter(kC: number): QgramFilter {
  return { words: new Int32Array(1 << 10), shift: 22, stale: 0, kC }
}

/** The three bits of key t in its word, from the top bits of t·kC (the scan computes the same inline). */
export function filterBits(t: number, kC: number): number {
  const b = Math.imul(t, kC)
  return (1 << (b >>> 27)) | (1 << (b >>> 22)) | (1 << (b >>> 17))
}

export function filterAdd(f: QgramFilter, t: number): void {
  f.words[t >>> f.shift] = (f.words[t >>> f.shift] as number) | filterBits(t, f.kC)
}

/** Whether t may be a key (false: it certainly is not). */
export function filterMayHave(f: QgramFilter, t: number): boolean {
  const bits = filterBits(t, f.kC)
  return ((f.words[t >>> f.shift] as number) & bits) === bits
}

/** Whether `keys` distinct keys need a larger filter than this one. */
export function filterFull(f: QgramFilter, keys: number): boolean {
  return keys * BITS_PER_KEY > f.words.length * 32
}

/** Sizes the filter for `keys` keys and sets the bits of each key `forEachKey` visits. */
export function filterRebuild(f: QgramFilter, keys: number, forEachKey: (visit: (t: number) => void) => void): void {
  let bits = 32 - Math.clz32(Math.max(1, keys * BITS_PER_KEY) - 1)
  bits = Math.max(MIN_FILTER_BITS, Math.min(31, bits))
  f.shift = 32 - (bits - 5)
  f.words = new Int32Array(1 << (bits - 5))
  f.stale = 0
  forEachKey((t) => filterAdd(f, t))
}

/**
 * Notes that a key went, `keys` remaining; rebuilds from `forEachKey` once enough went to make that
 * worth it (their bits cost false positives, and the filter may be far too big for what is left).
 */
export function filterForget(f: QgramFilter, keys: number, forEachKey: (visit: (t: number) => void) => void): void {
  if (++f.stale > Math.max(MIN_STALE, keys)) filterRebuild(f, keys, forEachKey)
}
