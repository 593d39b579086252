// Bounded maps and sets that forget their oldest keys, in O(1) amortised per
// operation.
//
// A plain Map or Set used as a queue (`m.delete(m.keys().next().value)` once
// full) is not O(1) in V8: a delete leaves a hole at the front of the table,
// and every new iterator walks over the holes until the table is rebuilt. At
// a capacity of 100,000 each eviction cost about 48 µs on the development
// machine, and the audit webhook's dedup memory took over a third of its CPU
// at 20,000 events/s. Here the order of arrival is kept in arrays of keys and
// add numbers; an entry deleted or replaced leaves a stale slot that eviction
// skips, and the arrays are compacted once half of them is stale.

/** A Map of at most `capacity` keys; past it, the key set (or touched) longest ago goes. */
export class FifoMap<K, V> {
  readonly capacity: number
  readonly #entries = new Map<K, { value: V; n: number }>()
  #keys: K[] = []
  #nums: number[] = []
  #head = 0
  #next = 0

  constructor(capacity: number) {
    if (!(capacity >= 0)) throw new RangeError(`capacity must be 0 or more, got ${capacity}`)
    this.capacity = capacity
  }

  get size(): number {
    return this.#entries.size
  }

  has(key: K): boolean {
    return this.#entries.has(key)
  }

  get(key: K): V | undefined {
    return this.#entries.get(key)?.value
  }

  /**
   * Sets `key` to `value`. A key already held keeps its place in the order unless `touch` (then it is
   * the newest, as in an LRU cache). Returns the key that made room, if one was forgotten.
   */
  set(key: K, value: V, touch = false): K | undefined {
    if (this.capacity === 0) return undefined
    const had = this.#entries.get(key)
    if (had !== undefined) {
      had.value = value
      if (touch) {
        had.n = this.#next++
        this.#push(key, had.n)
      }
      return undefined
    }
    const n = this.#next++
    this.#entries.set(key, { value, n })
    this.#push(key, n)
    return this.#entries.size > this.capacity ? this.#evict() : undefined
  }

  delete(key: K): boolean {
    const had = this.#entries.delete(key)
    if (had) this.#compactIfStale()
    return had
  }

  /** Keys from the oldest to the newest; not while the map is changed (a compaction swaps the arrays under it). */
  *keys(): IterableIterator<K> {
    for (let i = this.#head; i < this.#keys.length; i++) {
      const k = this.#keys[i] as K
      if (this.#entries.get(k)?.n === this.#nums[i]) yield k
    }
  }

  #push(key: K, n: number): void {
    this.#keys.push(key)
    this.#nums.push(n)
    this.#compactIfStale()
  }

  /** Forgets the oldest live key; stale slots before it are dropped on the way. */
  #evict(): K | undefined {
    while (this.#head < this.#keys.length) {
      const i = this.#head++
      const k = this.#keys[i] as K
      if (this.#entries.get(k)?.n !== this.#nums[i]) continue
      this.#entries.delete(k)
      this.#compactIfStale()
      return k
    }
    return undefined
  }

  /** Rewrites the order arrays once more than half their slots are stale or consumed: each slot is moved O(1) times. */
  #compactIfStale(): void {
    const slots = this.#keys.length
    if (slots < 64 || slots <= 2 * this.#entries.size) return
    const keys: K[] = []
    const nums: number[] = []
    for (let i = this.#head; i < slots; i++) {
      const k = this.#keys[i] as K
      const n = this.#nums[i] as number
      if (this.#entries.get(k)?.n !== n) continue
      keys.push(k)
      nums.push(n)
    }
    this.#keys = keys
    this.#nums = nums
    this.#head = 0
  }
}

/** A Set of at most `capacity` keys; past it, the key added longest ago goes. */
export class FifoSet<K> {
  readonly #map: FifoMap<K, true>

  constructor(capacity: number) {
    this.#map = new FifoMap(capacity)
  }

  get size(): number {
    return this.#map.size
  }

  has(key: K): boolean {
    return this.#map.has(key)
  }

  /** Adds `key` (a key already held keeps its place); returns the key that made room, if one was forgotten. */
  add(key: K): K | undefined {
    return this.#map.set(key, true)
  }

  delete(key: K): boolean {
    return this.#map.delete(key)
  }

  keys(): IterableIterator<K> {
    return this.#map.keys()
  }
}
