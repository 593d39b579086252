// One incident per fingerprint. Occurrences are counted by finding id, so a
// replayed finding (same id) changes nothing. Incidents hold only what a
// finding holds: fingerprint, masked preview, where — never a value.

import type { Redis } from 'ioredis'
import type { Finding } from '../pipeline/events.ts'

export interface Incident {
  fingerprint: string
  rule: string
  title: string
  kind: string
  severity: string
  preview: string
  status: string
  cluster: string
  firstStream: string
  lastStream: string
  firstSeen: string
  lastSeen: string
  occurrences: number
  /** Whether the "opened" actions were enqueued (set after the enqueue, so a crash in between re-enqueues). */
  alerted: boolean
}

export interface Upsert {
  incident: Incident
  /** The finding id was seen before: a replay, nothing changed. */
  replay: boolean
  /** This finding created the incident. */
  created: boolean
}

export interface IncidentStore {
  record: (finding: Finding, cluster: string) => Promise<Upsert>
  markAlerted: (fingerprint: string) => Promise<void>
  get: (fingerprint: string) => Promise<Incident | undefined>
  list: () => Promise<Incident[]>
}

function fresh(f: Finding, cluster: string): Incident {
  return {
    fingerprint: f.fingerprint,
    rule: f.rule,
    title: f.title,
    kind: f.kind,
    severity: f.severity,
    preview: f.preview,
    status: 'open',
    cluster,
    firstStream: f.stream,
    lastStream: f.stream,
    firstSeen: f.detectedAt,
    lastSeen: f.detectedAt,
    occurrences: 0,
    alerted: false
  }
}

export function createMemoryIncidentStore(): IncidentStore {
  const incidents = new Map<string, Incident>()
  const seen = new Set<string>()
  return {
    async record(f, cluster) {
      let inc = incidents.get(f.fingerprint)
      const created = inc === undefined
      if (inc === undefined) {
        inc = fresh(f, cluster)
        incidents.set(f.fingerprint, inc)
      }
      if (seen.has(f.id)) return { incident: { ...inc }, replay: true, created: false }
      seen.add(f.id)
      inc.occurrences++
      inc.lastSeen = f.detectedAt
      inc.lastStream = f.stream
      return { incident: { ...inc }, replay: false, created }
    },
    async markAlerted(fp) {
      const inc = incidents.get(fp)
      if (inc !== undefined) inc.alerted = true
    },
    async get(fp) {
      const inc = incidents.get(fp)
      return inc === undefined ? undefined : { ...inc }
    },
    async list() {
      return [...incidents.values()].map((i) => ({ ...i }))
    }
  }
}

// One round trip, atomic: the occurrence set decides replay vs new, the hash
// is created on first sight and updated otherwise; both expire together.
const RECORD_LUA = `
local inc, occ, index = KEYS[1], KEYS[2], KEYS[3]
local fid, ttl = ARGV[1], tonumber(ARGV[2])
local created = redis.call('HSETNX', inc, 'fingerprint', ARGV[3])
if created == 1 then
  redis.call('HSET', inc, 'rule', ARGV[4], 'title', ARGV[5], 'kind', ARGV[6], 'severity', ARGV[7], 'preview', ARGV[8],
    'status', 'open', 'cluster', ARGV[9], 'firstStream', ARGV[10], 'firstSeen', ARGV[11], 'lastStream', ARGV[10],
    'lastSeen', ARGV[11], 'occurrences', 0, 'alerted', 0)
end
local replay = 1
if redis.call('SADD', occ, fid) == 1 then
  replay = 0
  redis.call('HINCRBY', inc, 'occurrences', 1)
  redis.call('HSET', inc, 'lastSeen', ARGV[11], 'lastStream', ARGV[10])
end
redis.call('PEXPIRE', inc, ttl)
redis.call('PEXPIRE', occ, ttl)
redis.call('ZADD', index, ARGV[12], ARGV[3])
return {created, replay, redis.call('HGETALL', inc)}
`

function fromHash(flat: string[] | Record<string, string>): Incident {
  const h: Record<string, string> = {}
  if (Array.isArray(flat)) for (let i = 0; i + 1 < flat.length; i += 2) h[flat[i] ?? ''] = flat[i + 1] ?? ''
  else Object.assign(h, flat)
  return {
    fingerprint: h.fingerprint ?? '',
    rule: h.rule ?? '',
    title: h.title ?? '',
    kind: h.kind ?? '',
    severity: h.severity ?? '',
    preview: h.preview ?? '',
    status: h.status ?? '',
    cluster: h.cluster ?? '',
    firstStream: h.firstStream ?? '',
    lastStream: h.lastStream ?? '',
    firstSeen: h.firstSeen ?? '',
    lastSeen: h.lastSeen ?? '',
    occurrences: Number(h.occurrences ?? 0),
    alerted: h.alerted === '1'
  }
}

export function createRedisIncidentStore(redis: Redis, prefix: string, retentionMs: number): IncidentStore {
  const key = (fp: string): string => `${prefix}:incident:${fp}`
  const index = `${prefix}:incidents`
  return {
    async record(f, cluster) {
      const r = (await redis.eval(
        RECORD_LUA,
        3,
        key(f.fingerprint),
        `${key(f.fingerprint)}:occ`,
        index,
        f.id,
        String(retentionMs),
        f.fingerprint,
        f.rule,
        f.title,
        f.kind,
        f.severity,
        f.preview,
        cluster,
        f.stream,
        f.detectedAt,
        String(Date.parse(f.detectedAt) || Date.now())
      )) as [number, number, string[]]
      return { created: r[0] === 1, replay: r[1] === 1, incident: fromHash(r[2]) }
    },
    async markAlerted(fp) {
      await redis.hset(key(fp), 'alerted', 1)
    },
    async get(fp) {
      const h = await redis.hgetall(key(fp))
      return Object.keys(h).length === 0 ? undefined : fromHash(h)
    },
    async list() {
      const fps = await redis.zrevrange(index, 0, 999)
      const out: Incident[] = []
      for (const fp of fps) {
        const h = await redis.hgetall(key(fp))
        if (Object.keys(h).length > 0) out.push(fromHash(h))
      }
      return out
    }
  }
}
