// A bounded memory of recently produced (auditID, stage) pairs, oldest
// forgotten first (pipeline/fifo.ts: O(1) per event at capacity, where a Map
// used as its own queue cost O(capacity) per eviction and over a third of the
// webhook's CPU at 20,000 events/s). Keyed by the auditID alone, with a bit
// per stage: the auditID string comes from JSON.parse and V8 keeps its hash
// once computed, where a joined `${auditID}\0${stage}` key was a new string to
// hash (and flatten) on every lookup. At most `capacity` auditIDs.

import { FifoMap } from '../../pipeline/fifo.ts'

export interface Seen {
  /** Whether `id` was added with stage bit `bit` (a power of two below 2^31). */
  has: (id: string, bit: number) => boolean
  add: (id: string, bit: number) => void
  readonly size: number
}

export function createSeen(capacity: number): Seen {
  const ids = new FifoMap<string, number>(capacity)
  return {
    has: (id, bit) => ((ids.get(id) ?? 0) & bit) !== 0,
    // A stage of a known auditID makes it the newest: a watch's ResponseComplete comes long after its
    // ResponseStarted, and its retry must be recognised for as long as any other event's.
    add: (id, bit) => ids.set(id, (ids.get(id) ?? 0) | bit, true),
    get size() {
      return ids.size
    }
  }
}
