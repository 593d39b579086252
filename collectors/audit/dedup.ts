// A bounded memory of recently produced (auditID, stage) pairs, oldest
// forgotten first. Keyed by the auditID alone, with a bit per stage: the
// auditID string comes from JSON.parse and V8 keeps its hash once computed,
// where a joined `${auditID}\0${stage}` key was a new string to hash (and
// flatten) on every lookup.
//
// The order of arrival is a ring of IDs, not the Map's own order: taking the
// oldest with `map.keys().next()` walks over every entry deleted since V8
// last compacted the table, so at capacity each eviction cost O(capacity) and
// the dedup took over a third of the webhook's CPU at 20,000 events/s
// (bench/audit-webhook-load.ts --profile). At most `capacity` auditIDs.

export interface Seen {
  /** Whether `id` was added with stage bit `bit` (a power of two below 2^31). */
  has: (id: string, bit: number) => boolean
  add: (id: string, bit: number) => void
  readonly size: number
}

export function createSeen(capacity: number): Seen {
  const ids = new Map<string, number>()
  // IDs in the order they came; once full, `oldest` is the next to go and the slot the newest takes.
  const order: string[] = []
  let oldest = 0
  return {
    has: (id, bit) => capacity > 0 && ((ids.get(id) ?? 0) & bit) !== 0,
    add(id, bit) {
      if (capacity <= 0) return
      const had = ids.get(id)
      // A stage of a known auditID keeps the ID's place: a request's stages arrive together.
      if (had !== undefined) {
        ids.set(id, had | bit)
        return
      }
      ids.set(id, bit)
      if (order.length < capacity) {
        order.push(id)
        return
      }
      ids.delete(order[oldest] as string)
      order[oldest] = id
      oldest = oldest + 1 === capacity ? 0 : oldest + 1
    },
    get size() {
      return ids.size
    }
  }
}
