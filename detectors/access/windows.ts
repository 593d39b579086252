// The two running statistics of the access rules: an EWMA mean and variance
// (hourly secret reads), and a sliding window of distinct items kept in
// last-touched order so that expiring it costs nothing per event.

export interface Ewma {
  n: number
  m: number
  v: number
}

/** Keeps a last-touched-ordered window: the oldest entries are dropped first, then past the bound. */
export function touch(w: Map<string, number>, item: string, t: number, windowMs: number, max: number): number {
  w.delete(item)
  w.set(item, t)
  for (const [k, at] of w) {
    if (at > t - windowMs && w.size <= max) break
    w.delete(k)
  }
  return w.size
}

export function fold(e: Ewma | undefined, x: number, halfLife: number): Ewma {
  const cur = e ?? { n: 0, m: 0, v: 0 }
  // A cumulative average until the half-life's worth of samples, then exponential.
  const alpha = Math.max(1 - 2 ** (-1 / halfLife), 1 / (cur.n + 1))
  const diff = x - cur.m
  const inc = alpha * diff
  return { n: cur.n + 1, m: cur.m + inc, v: (1 - alpha) * (cur.v + diff * inc) }
}

/**
 * The window as JSON.stringify(Object.fromEntries(w)) writes it, without the object: each principal's windows hold other
 * items, so every such object got keys no other had, and building and walking those objects cost more than the text.
 * The one difference, members named like integers (a namespace `123`) in the Map's order rather than first, is gone
 * once read back: Object.entries of the parsed document puts them first either way.
 */
export function windowJson(w: ReadonlyMap<string, number>): string {
  let s = ''
  for (const [k, v] of w) {
    const part = `${JSON.stringify(k)}:${Number.isFinite(v) ? String(v) : JSON.stringify(v)}`
    s = s === '' ? part : `${s},${part}`
  }
  return `{${s}}`
}
