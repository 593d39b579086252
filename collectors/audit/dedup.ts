// A bounded set of recently seen keys, oldest forgotten first: Map keeps
// insertion order, and touching a key moves it to the end. O(1) per
// operation, at most `capacity` keys.

export interface Seen {
  has: (key: string) => boolean
  add: (key: string) => void
  readonly size: number
}

export function createSeen(capacity: number): Seen {
  const keys = new Map<string, true>()
  return {
    has: (key) => capacity > 0 && keys.has(key),
    add(key) {
      if (capacity <= 0) return
      keys.delete(key)
      keys.set(key, true)
      if (keys.size > capacity) {
        const oldest = keys.keys().next()
        if (oldest.done !== true) keys.delete(oldest.value)
      }
    },
    get size() {
      return keys.size
    }
  }
}
