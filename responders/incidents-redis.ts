// The incident store on Redis. Each incident is a hash {doc: JSON, rev};
// a change is read, computed in TypeScript (the same pure transitions as the
// memory store) and written back by a compare-and-set script that fails when
// `rev` moved in between, and is then retried. Optimistic CAS rather than
// WATCH/MULTI because WATCH belongs to a connection, and the stage, the job
// handlers and the API share one.
//
// Keys (all expire `retentionMs` after the incident's last write):
//   <prefix>:incident:<fp>         hash doc, rev
//   <prefix>:incident:<fp>:occ     zset of finding ids (score: insertion order), capped
//   <prefix>:incident:<fp>:sealed  the sealed value, when a finding carried one
//   <prefix>:incidents             zset fp → lastSeen (ms), the list index

import type { Redis } from 'ioredis'
import { LeakwatchError } from '../pipeline/errors.ts'
import type { Incident, IncidentStore } from './incidents.ts'
import { applyFinding, matchesFilter } from './incidents.ts'

// KEYS: inc, occ, index, sealed. ARGV: expectedRev, doc, ttlMs, fp, lastSeenMs, findingId ('' = none), maxIds, sealed ('' = none)
// Returns 1 written, 0 rev moved (retry), -1 the finding id is already known (a replay).
const CAS_LUA = `
local rev = tonumber(redis.call('HGET', KEYS[1], 'rev') or '0')
if rev ~= tonumber(ARGV[1]) then return 0 end
local ttl = tonumber(ARGV[3])
if ARGV[6] ~= '' then
  if redis.call('ZSCORE', KEYS[2], ARGV[6]) then return -1 end
  local n = redis.call('INCR', KEYS[2] .. ':n')
  redis.call('ZADD', KEYS[2], n, ARGV[6])
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -(tonumber(ARGV[7]) + 1))
  redis.call('PEXPIRE', KEYS[2], ttl)
  redis.call('PEXPIRE', KEYS[2] .. ':n', ttl)
end
if ARGV[8] ~= '' then redis.call('SET', KEYS[4], ARGV[8], 'PX', ttl, 'NX') end
if redis.call('EXISTS', KEYS[4]) == 1 then redis.call('PEXPIRE', KEYS[4], ttl) end
redis.call('HSET', KEYS[1], 'doc', ARGV[2], 'rev', rev + 1)
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('ZADD', KEYS[3], ARGV[5], ARGV[4])
return 1
`

export interface RedisStoreOptions {
  prefix: string
  retentionMs: number
  maxOccurrenceIds: number
}

const MAX_CAS_TRIES = 50

export function createRedisIncidentStore(redis: Redis, opts: RedisStoreOptions): IncidentStore {
  const key = (fp: string): string => `${opts.prefix}:incident:${fp}`
  const index = `${opts.prefix}:incidents`

  async function read(fp: string): Promise<{ rev: number; doc: Incident | undefined }> {
    const [doc, rev] = await redis.hmget(key(fp), 'doc', 'rev')
    return { rev: Number(rev ?? 0), doc: doc === null || doc === undefined ? undefined : (JSON.parse(doc) as Incident) }
  }

  async function cas(fp: string, rev: number, doc: Incident, findingId: string, sealed: string): Promise<number> {
    return (await redis.eval(
      CAS_LUA,
      4,
      key(fp),
      `${key(fp)}:occ`,
      index,
      `${key(fp)}:sealed`,
      String(rev),
      JSON.stringify(doc),
      String(opts.retentionMs),
      fp,
      String(Date.parse(doc.lastSeen) || Date.now()),
      findingId,
      String(opts.maxOccurrenceIds),
      sealed
    )) as number
  }

  function contended(fp: string): LeakwatchError {
    return new LeakwatchError('LW_ERR_REDIS_UNAVAILABLE', `incident ${fp.slice(0, 12)} changed ${MAX_CAS_TRIES} times while being updated`)
  }

  return {
    async record(f, ctx) {
      for (let n = 0; n < MAX_CAS_TRIES; n++) {
        const [[, known], [, cur]] = (await redis
          .multi()
          .zscore(`${key(f.fingerprint)}:occ`, f.id)
          .hmget(key(f.fingerprint), 'doc', 'rev')
          .exec()) as [[unknown, string | null], [unknown, [string | null, string | null]]]
        const prev = cur[0] === null ? undefined : (JSON.parse(cur[0]) as Incident)
        if (known !== null && prev !== undefined) return { incident: prev, replay: true, created: false, reopened: false }
        const r = applyFinding(prev, f, ctx)
        if (f.sealed !== undefined) r.incident.sealed = true
        const w = await cas(f.fingerprint, Number(cur[1] ?? 0), r.incident, f.id, f.sealed ?? '')
        if (w === 1) return { ...r, replay: false }
        if (w === -1 && prev !== undefined) return { incident: prev, replay: true, created: false, reopened: false }
      }
      throw contended(f.fingerprint)
    },
    async update(fp, change) {
      for (let n = 0; n < MAX_CAS_TRIES; n++) {
        const { rev, doc } = await read(fp)
        if (doc === undefined) return undefined
        const next = change(structuredClone(doc))
        if (next === undefined) return doc
        if ((await cas(fp, rev, next, '', '')) === 1) return next
      }
      throw contended(fp)
    },
    async get(fp) {
      return (await read(fp)).doc
    },
    async list(filter = {}) {
      const limit = filter.limit ?? 100
      const out: Incident[] = []
      // Newest first, in pages; index entries whose incident expired are dropped on the way.
      for (let start = 0; out.length < limit && start < 20_000; start += 200) {
        const fps = await redis.zrevrange(index, start, start + 199)
        if (fps.length === 0) break
        const p = redis.pipeline()
        for (const fp of fps) p.hget(key(fp), 'doc')
        const docs = ((await p.exec()) ?? []).map(([, d]) => d as string | null)
        const gone: string[] = []
        docs.forEach((d, i) => {
          if (d === null) gone.push(fps[i] as string)
          else {
            const inc = JSON.parse(d) as Incident
            if (out.length < limit && matchesFilter(inc, filter)) out.push(inc)
          }
        })
        if (gone.length > 0) {
          await redis.zrem(index, ...gone)
          start -= gone.length
        }
      }
      return out
    },
    async sealed(fp) {
      return (await redis.get(`${key(fp)}:sealed`)) ?? undefined
    }
  }
}
