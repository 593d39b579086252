// The access state in Redis (store.ts explains the layout). One round trip per
// batch for the loads and one for the saves (pipelined); every key carries the
// configured TTL, renewed when written, so a principal that stops appearing
// costs nothing after `stateTtlMs`. Usernames longer than 200 bytes are hashed
// into their key: a hostile username cannot make a key of unbounded size.

import { createHash } from 'node:crypto'
import type { Redis } from 'ioredis'
import { LeakwatchError } from '../../pipeline/errors.ts'
import type { AccessStore, StoredPrincipal } from './store.ts'

function keyPart(s: string): string {
  return Buffer.byteLength(s) <= 200 ? s : `#${createHash('sha256').update(s).digest('hex')}`
}

function unavailable(err: unknown): LeakwatchError {
  return new LeakwatchError('LW_ERR_REDIS_UNAVAILABLE', `access state: Redis did not answer: ${(err as Error).message}`, { cause: err })
}

export function createRedisAccessStore(redis: Redis, opts: { prefix: string }): AccessStore {
  const core = (p: string) => `${opts.prefix}p:${keyPart(p)}`
  const known = (p: string) => `${opts.prefix}k:${keyPart(p)}`
  const fact = (h: string) => `${opts.prefix}f:${keyPart(h)}`
  const run = async <T>(f: () => Promise<T>): Promise<T> => {
    try {
      return await f()
    } catch (err) {
      throw unavailable(err)
    }
  }
  return {
    load: (principals) =>
      run(async () => {
        const out = new Map<string, StoredPrincipal>()
        if (principals.length === 0) return out
        const m = redis.multi()
        for (const p of principals) m.get(core(p)).smembers(known(p))
        const res = (await m.exec()) ?? []
        principals.forEach((p, i) => {
          const [e1, c] = res[2 * i] ?? [null, null]
          const [e2, k] = res[2 * i + 1] ?? [null, []]
          if (e1 !== null || e2 !== null) throw e1 ?? e2
          out.set(p, { ...(typeof c === 'string' ? { core: c } : {}), known: (k as string[] | null) ?? [] })
        })
        return out
      }),
    save: (updates, ttlMs) =>
      run(async () => {
        if (updates.length === 0) return
        const m = redis.multi()
        for (const u of updates) {
          m.set(core(u.principal), u.core, 'PX', ttlMs)
          const k = known(u.principal)
          if (u.rewriteKnown === true) m.del(k)
          if (u.addKnown.length > 0) m.sadd(k, ...u.addKnown)
          m.pexpire(k, ttlMs)
        }
        const res = (await m.exec()) ?? []
        for (const [err] of res) if (err !== null) throw err
      }),
    putFacts: (facts, ttlMs) =>
      run(async () => {
        if (facts.length === 0) return
        const m = redis.multi()
        for (const f of facts)
          (f.ifAbsent === true ? m.hsetnx(fact(f.hash), f.field, f.value) : m.hset(fact(f.hash), f.field, f.value)).pexpire(fact(f.hash), ttlMs)
        await m.exec()
      }),
    getFact: (hash, field) => run(async () => (await redis.hget(fact(hash), field)) ?? undefined),
    getFacts: (hash) => run(async () => await redis.hgetall(fact(hash))),
    getFactsMany: (hashes) =>
      run(async () => {
        if (hashes.length === 0) return []
        const m = redis.multi()
        for (const h of hashes) m.hgetall(fact(h))
        return ((await m.exec()) ?? []).map(([err, v]) => {
          if (err !== null) throw err
          return (v ?? {}) as Record<string, string>
        })
      }),
    learningStart: (candidateMs) =>
      run(async () => {
        const key = `${opts.prefix}learning-start`
        await redis.set(key, String(candidateMs), 'NX')
        return Number((await redis.get(key)) ?? candidateMs)
      }),
    async close() {}
  }
}
