// Where the access detector keeps what it learned, so replicas and restarts
// keep their baselines. State is per principal (the audit collectors send a
// principal's events to the partition of its own key, so they reach one replica):
// a small document of counters and windows, rewritten when it changed, and an
// append-only set of what the principal was seen doing (secrets, namespaces,
// networks, user agents, sensitive operations), of which only the new items
// are written. Facts about the cluster that one principal creates and another
// uses (an RBAC role that grants secrets, a binding to it, a pod that mounts
// secrets) are small hashes any replica reads.
//
// The detector holds the states it works on in memory and loads a principal
// once; `save` runs once per batch, for the principals the batch changed.

export interface StoredPrincipal {
  /** The detector's state document (JSON), undefined for a principal never saved. */
  core?: string
  known: string[]
}

export interface PrincipalUpdate {
  principal: string
  core: string
  /** Items new since the last save. */
  addKnown: string[]
  /** Replace the whole set (it was trimmed to its bound): `addKnown` is then the full set. */
  rewriteKnown?: boolean
}

export interface Fact {
  hash: string
  field: string
  value: string
  ifAbsent?: boolean
}

export interface AccessStore {
  load: (principals: readonly string[]) => Promise<Map<string, StoredPrincipal>>
  save: (updates: readonly PrincipalUpdate[], ttlMs: number) => Promise<void>
  /**
   * Sets a field of a cluster-fact hash (`roles`, `grants:<principal>`, `pods`) with the hash's TTL renewed; with `ifAbsent`
   * the first value written stays (a first time, whichever replica saw it first).
   */
  putFacts: (facts: ReadonlyArray<Fact>, ttlMs: number) => Promise<void>
  getFact: (hash: string, field: string) => Promise<string | undefined>
  getFacts: (hash: string) => Promise<Record<string, string>>
  /** Several hashes in one round trip, in order. */
  getFactsMany: (hashes: readonly string[]) => Promise<Array<Record<string, string>>>
  /** The cluster's learning start: the first caller's value wins, every caller gets it. */
  learningStart: (candidateMs: number) => Promise<number>
  close: () => Promise<void>
}

/** The in-process store of `run all` and `audit analyze`. TTLs are not enforced (the process is short-lived or small). */
export function createMemoryAccessStore(): AccessStore & { principals: () => number } {
  const cores = new Map<string, string>()
  const known = new Map<string, Set<string>>()
  const facts = new Map<string, Map<string, string>>()
  let start: number | undefined
  return {
    principals: () => cores.size,
    async load(principals) {
      const out = new Map<string, StoredPrincipal>()
      for (const p of principals) {
        const core = cores.get(p)
        out.set(p, { ...(core === undefined ? {} : { core }), known: [...(known.get(p) ?? [])] })
      }
      return out
    },
    async save(updates) {
      for (const u of updates) {
        cores.set(u.principal, u.core)
        let set = known.get(u.principal)
        if (set === undefined || u.rewriteKnown === true) {
          set = new Set()
          known.set(u.principal, set)
        }
        for (const k of u.addKnown) set.add(k)
      }
    },
    async putFacts(list) {
      for (const f of list) {
        let h = facts.get(f.hash)
        if (h === undefined) {
          h = new Map()
          facts.set(f.hash, h)
        }
        if (f.ifAbsent !== true || !h.has(f.field)) h.set(f.field, f.value)
      }
    },
    async getFact(hash, field) {
      return facts.get(hash)?.get(field)
    },
    async getFacts(hash) {
      return Object.fromEntries(facts.get(hash) ?? [])
    },
    async getFactsMany(hashes) {
      return hashes.map((h) => Object.fromEntries(facts.get(h) ?? []))
    },
    async learningStart(candidateMs) {
      start ??= candidateMs
      return start
    },
    async close() {}
  }
}
