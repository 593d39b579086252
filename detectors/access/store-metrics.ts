// The access store, timed: every operation is one Redis round trip (or a
// pipelined batch of them) on the detector's path, so its latency and its
// failures are what an operator looks at when the detector falls behind.
// Labels are the operation names only.

import type { Counter, Histogram } from '../../pipeline/metrics.ts'
import type { AccessStore } from './store.ts'

export interface StoreMetrics {
  seconds: Histogram
  errors: Counter
}

export function instrumentStore(store: AccessStore, m: StoreMetrics): AccessStore {
  async function timed<T>(op: string, f: () => Promise<T>): Promise<T> {
    const t0 = performance.now()
    try {
      return await f()
    } catch (err) {
      m.errors.inc({ op })
      throw err
    } finally {
      m.seconds.observe((performance.now() - t0) / 1000, { op })
    }
  }
  return {
    load: (principals) => timed('load', () => store.load(principals)),
    save: (updates, ttlMs) => timed('save', () => store.save(updates, ttlMs)),
    putFacts: (facts, ttlMs) => timed('put-facts', () => store.putFacts(facts, ttlMs)),
    getFact: (hash, field) => timed('get-fact', () => store.getFact(hash, field)),
    getFacts: (hash) => timed('get-facts', () => store.getFacts(hash)),
    getFactsMany: (hashes) => timed('get-facts', () => store.getFactsMany(hashes)),
    learningStart: (candidateMs) => timed('learning-start', () => store.learningStart(candidateMs)),
    close: () => store.close()
  }
}
