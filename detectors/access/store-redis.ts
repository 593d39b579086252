// The access state in Redis (store.ts explains the layout). One round trip per
// batch for the loads and one for the saves; every key carries the configured
// TTL, renewed when written, so a principal that stops appearing costs nothing
// after `stateTtlMs`. Usernames longer than 200 bytes are hashed into their
// key: a hostile username cannot make a key of unbounded size.
//
// Loads and saves are one Lua script call for the whole batch, not a MULTI of
// two or three commands per principal: the client's cost is per command (an
// object, a promise and a reply each), and with 2,000 principals saved every
// second it was a third of what the detector's Redis work cost in the process
// (bench/audit-consumer.ts profile). The script does what the MULTI did, as
// atomically.

import { createHash } from 'node:crypto'
import type { Redis } from 'ioredis'
import { LeakwatchError } from '../../pipeline/errors.ts'
import type { AccessStore, StoredPrincipal } from './store.ts'

/** KEYS: core and known set of each principal, in pairs. Reply: the core (nil when none) and the members, in pairs. */
const LOAD_LUA = `
local out = {}
for i = 1, #KEYS, 2 do
  out[i] = redis.call('GET', KEYS[i])
  out[i + 1] = redis.call('SMEMBERS', KEYS[i + 1])
end
return out`

/** KEYS: fact hashes. Reply: each hash's fields and values, flat, in order. */
const FACTS_LUA = `
local out = {}
for i = 1, #KEYS do out[i] = redis.call('HGETALL', KEYS[i]) end
return out`

/**
 * KEYS: core and known set of each principal, in pairs. ARGV: the TTL in ms, then per principal its core, '1' to
 * replace the set, the number of members to add and the members. SADD takes them 1,000 at a time: Lua's unpack has
 * a bounded stack.
 */
const SAVE_LUA = `
local ttl = ARGV[1]
local a = 2
for i = 1, #KEYS, 2 do
  redis.call('SET', KEYS[i], ARGV[a], 'PX', ttl)
  local known = KEYS[i + 1]
  if ARGV[a + 1] == '1' then redis.call('DEL', known) end
  local n = tonumber(ARGV[a + 2])
  a = a + 3
  local j = 0
  while j < n do
    local m = math.min(1000, n - j)
    redis.call('SADD', known, unpack(ARGV, a + j, a + j + m - 1))
    j = j + m
  end
  a = a + n
  redis.call('PEXPIRE', known, ttl)
end
return #KEYS / 2`

/**
 * KEYS: one fact hash per fact. ARGV: the TTL in ms, then per fact '1' when it is written only if absent, its field
 * and its value. What the MULTI of an HSET (or HSETNX) and a PEXPIRE per fact did, in one command: the peers a
 * learning detector records are thousands a second, and the client's cost is per command.
 */
const PUT_FACTS_LUA = `
local ttl = ARGV[1]
for i = 1, #KEYS do
  local a = 2 + (i - 1) * 3
  if ARGV[a] == '1' then
    redis.call('HSETNX', KEYS[i], ARGV[a + 1], ARGV[a + 2])
  else
    redis.call('HSET', KEYS[i], ARGV[a + 1], ARGV[a + 2])
  end
  redis.call('PEXPIRE', KEYS[i], ttl)
end
return #KEYS`

const sha1 = (s: string): string => createHash('sha1').update(s).digest('hex')
const LOAD_SHA = sha1(LOAD_LUA)
const SAVE_SHA = sha1(SAVE_LUA)
const FACTS_SHA = sha1(FACTS_LUA)
const PUT_FACTS_SHA = sha1(PUT_FACTS_LUA)

/** Principals per script call: a call runs alone on the Redis server, and a save of 100,000 must not stall it for long. */
const PER_CALL = 500

/** EVALSHA, and EVAL once when this Redis does not hold the script yet (a restart, a failover, SCRIPT FLUSH). */
async function script(redis: Redis, sha: string, lua: string, keys: string[], args: string[]): Promise<unknown> {
  // One array, not spread: a call's arguments can number tens of thousands.
  const all = args.length === 0 ? keys : keys.concat(args)
  try {
    return await redis.evalsha(sha, keys.length, all)
  } catch (err) {
    if (!String((err as Error).message).startsWith('NOSCRIPT')) throw err
    return await redis.eval(lua, keys.length, all)
  }
}

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
        const calls: Array<Promise<unknown>> = []
        for (let i = 0; i < principals.length; i += PER_CALL) {
          const keys: string[] = []
          for (const p of principals.slice(i, i + PER_CALL)) keys.push(core(p), known(p))
          calls.push(script(redis, LOAD_SHA, LOAD_LUA, keys, []))
        }
        const replies = (await Promise.all(calls)) as Array<Array<string | null | string[]>>
        principals.forEach((p, i) => {
          const res = replies[Math.floor(i / PER_CALL)] ?? []
          const j = i % PER_CALL
          const c = res[2 * j]
          const k = res[2 * j + 1]
          out.set(p, { ...(typeof c === 'string' ? { core: c } : {}), known: Array.isArray(k) ? k : [] })
        })
        return out
      }),
    save: (updates, ttlMs) =>
      run(async () => {
        const calls: Array<Promise<unknown>> = []
        for (let i = 0; i < updates.length; i += PER_CALL) {
          const keys: string[] = []
          const args: string[] = [String(ttlMs)]
          for (const u of updates.slice(i, i + PER_CALL)) {
            keys.push(core(u.principal), known(u.principal))
            args.push(u.core, u.rewriteKnown === true ? '1' : '0', String(u.addKnown.length))
            for (const k of u.addKnown) args.push(k)
          }
          calls.push(script(redis, SAVE_SHA, SAVE_LUA, keys, args))
        }
        await Promise.all(calls)
      }),
    putFacts: (facts, ttlMs) =>
      run(async () => {
        const calls: Array<Promise<unknown>> = []
        for (let i = 0; i < facts.length; i += PER_CALL) {
          const keys: string[] = []
          const args: string[] = [String(ttlMs)]
          for (const f of facts.slice(i, i + PER_CALL)) {
            keys.push(fact(f.hash))
            args.push(f.ifAbsent === true ? '1' : '0', f.field, f.value)
          }
          calls.push(script(redis, PUT_FACTS_SHA, PUT_FACTS_LUA, keys, args))
        }
        await Promise.all(calls)
      }),
    getFact: (hash, field) => run(async () => (await redis.hget(fact(hash), field)) ?? undefined),
    getFacts: (hash) => run(async () => await redis.hgetall(fact(hash))),
    getFactsMany: (hashes) =>
      run(async () => {
        if (hashes.length === 0) return []
        // The grants of every principal a batch reads secrets as (its own hash and its groups'): one script call per
        // 500 hashes, not an HGETALL command each.
        const calls: Array<Promise<unknown>> = []
        for (let i = 0; i < hashes.length; i += PER_CALL)
          calls.push(
            script(
              redis,
              FACTS_SHA,
              FACTS_LUA,
              hashes.slice(i, i + PER_CALL).map((h) => fact(h)),
              []
            )
          )
        const out: Array<Record<string, string>> = []
        for (const reply of (await Promise.all(calls)) as string[][][])
          for (const flat of reply) {
            const h: Record<string, string> = {}
            for (let j = 0; j + 1 < flat.length; j += 2) {
              const field = flat[j] as string
              const value = flat[j + 1] as string
              // A field named like a special property (`__proto__`) is an own property, as ioredis's HGETALL makes it.
              if (field in h) Object.defineProperty(h, field, { value, configurable: true, enumerable: true, writable: true })
              else h[field] = value
            }
            out.push(h)
          }
        return out
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
