// The node agent's collector: every container's stdout/stderr as the kubelet
// keeps it, /var/log/pods/<namespace>_<pod>_<uid>/<container>/<restart>.log.
// Following files through rotation, truncation and deletion, and checkpointing
// only what Kafka acknowledged, is the tailing engine's (tail.ts); decoding CRI
// and docker records is pod-logs-decode.ts; pod metadata is k8s-pods.ts. Here:
// which files, whose lines may be read (selection), and how lines become one
// LogChunk stream per container, `k8s/<ns>/<pod>/<container>`.
//
// Line numbers run on across a container's restarts and rotations (the
// checkpoint keeps each stream's count), so a finding's position stays unique
// in its stream: the detector derives finding ids from it.

import type { Dirent } from 'node:fs'
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { LogChunk, Source } from '../pipeline/events.ts'
import { TOPICS } from '../pipeline/events.ts'
import type { Logger } from '../pipeline/log.ts'
import type { Metrics } from '../pipeline/metrics.ts'
import type { Publish } from '../pipeline/runner.ts'
import type { ChunkCut, Collector } from '../pipeline/stages.ts'
import { bytesOf, carryOpenBlock, chunkLines, holdOpenBlock, openChunk } from './chunk-cut.ts'
import type { PodInfo, PodMetadata } from './k8s-pods.ts'
import type { PodLogsConfig } from './pod-logs.config.ts'
import { decode } from './pod-logs-decode.ts'
import type { ReadResult, TailFile, TailIo } from './tail.ts'
import { createTailer } from './tail.ts'

export interface PodLogsDeps {
  publish: Publish
  logger: Logger
  metrics: Metrics
  /** Pod metadata cache; without it, lines carry what the log path says and label/annotation selection is off. */
  metadata?: PodMetadata
  cluster?: string
  now?: () => number
  /** Called after each cycle whose chunks were acknowledged (tests wait on it). */
  onCycle?: (delivered: number) => void
  /** The file system as the tailer sees it; tests change files at chosen points of a cycle through it. */
  io?: TailIo
  chunkCut?: ChunkCut
}

export const EXCLUDE_ANNOTATION = 'leakwatch.io/exclude'
export const EXCLUDE_CONTAINERS_ANNOTATION = 'leakwatch.io/exclude-containers'

export interface PodLogPath {
  namespace: string
  pod: string
  uid: string
  container: string
  /** The restart count the kubelet names the file after. */
  restart: number
  rotated: boolean
  stream: string
}

// Namespaces and pod names are DNS names and cannot hold `_`, so the directory name splits unambiguously.
const FILE = /^(\d+)\.log(\.\d{8}-\d{6})?$/
/** How long a live file waits on a container directory that cannot be listed before it is read all the same. */
const UNLISTABLE_HOLD_MS = 60_000

export function parsePodLogPath(rel: string): PodLogPath | undefined {
  const [dir, container, file] = rel.split('/')
  if (dir === undefined || container === undefined || file === undefined) return undefined
  const parts = dir.split('_')
  const m = FILE.exec(file)
  if (parts.length !== 3 || m === null) return undefined
  const [namespace, pod, uid] = parts as [string, string, string]
  return { namespace, pod, uid, container, restart: Number(m[1]), rotated: m[2] !== undefined, stream: `k8s/${namespace}/${pod}/${container}` }
}

type Requirement = (labels: Record<string, string>) => boolean

/** Equality-based label selectors, as kubectl -l takes them: `a=b,c!=d,e,!f`. */
export function compileSelector(selector: string): Requirement {
  const reqs: Requirement[] = selector
    .split(',')
    .map((r) => r.trim())
    .filter((r) => r !== '')
    .map((r) => {
      const ne = r.indexOf('!=')
      if (ne !== -1) {
        const [k, v] = [r.slice(0, ne).trim(), r.slice(ne + 2).trim()]
        return (l) => l[k] !== v
      }
      const eq = r.indexOf('=')
      if (eq !== -1) {
        const [k, v] = [r.slice(0, eq).trim(), r.slice(r[eq + 1] === '=' ? eq + 2 : eq + 1).trim()]
        return (l) => l[k] === v
      }
      if (r.startsWith('!')) return (l) => !(r.slice(1) in l)
      return (l) => r in l
    })
  return (labels) => reqs.every((q) => q(labels))
}

type Decision = 'read' | 'skip' | 'wait'

export function createPodLogsCollector(config: PodLogsConfig, deps: PodLogsDeps): Collector {
  const log = deps.logger.child({ collector: 'pod-logs' })
  const now = deps.now ?? Date.now
  const meta = deps.metadata
  const includeNs = new Set(config.includeNamespaces)
  const excludeNs = new Set(config.excludeNamespaces)
  const includeLabels = config.includePodLabels.map(compileSelector)
  const excludeLabels = config.excludePodLabels.map(compileSelector)
  const streams = new Map<string, number>()
  // First time a pod's files were seen, for the bounded wait on its metadata.
  const firstSeen = new Map<string, number>()
  // When unread bytes were first seen in a file that is not read yet, for flushIntervalMs.
  const pendingSince = new Map<string, number>()
  // One read buffer for the whole collector: files are read one after the other. It holds a merge at its bound
  // twice over, so a partial line never needs more than one read.
  const buf = Buffer.allocUnsafe(Math.max(config.maxChunkBytes, 2 * config.maxLineBytes + 64 * 1024))
  let listing: { at: number; files: string[] } | undefined
  let decisionsLogged = new Set<string>()
  // A listing is a snapshot of names, and a live name (<restart>.log) may name another file by the time the
  // tailer opens it: rotated meanwhile, once or more, its copies in no listing yet, so that nothing older of
  // its container is known to olderPending. A live file is therefore read only once its container directory
  // was listed after the file was first seen (so after it was opened): that listing shows every copy rotated
  // before it (the kubelet renames 0.log before the runtime opens the new one). `tick` orders the two events.
  let tick = 0
  // Container directory (`<ns>_<pod>_<uid>/<container>`) → tick taken just before its last readdir.
  let dirListed = new Map<string, number>()
  // A followed file → tick when read() first saw it.
  const seenAt = new WeakMap<TailFile, number>()
  // Container directory → the paths its last listing showed.
  let dirFiles = new Map<string, string[]>()
  // A live file → the newest copy of its restart the listing that let it be read showed ('' for none): see `older`.
  const validAfter = new WeakMap<TailFile, string>()
  // Container directories to list again at the next cycle, the cached listing notwithstanding.
  const relist = new Set<string>()
  // Container directory whose readdir fails (EMFILE, EIO, …) → when it first failed, until one succeeds.
  const unlistable = new Map<string, number>()

  async function entries(dir: string): Promise<Dirent[]> {
    try {
      return await readdir(dir, { withFileTypes: true })
    } catch {
      return [] // gone, or not a directory: nothing to follow there
    }
  }

  /**
   * The log files of one container directory (`<ns>_<pod>_<uid>/<container>`), as paths relative to config.path;
   * undefined when it could not be read (EMFILE, EIO, …). Such a directory does not count as listed: a live file it
   * holds is not let be read on a listing that showed none of its rotated copies.
   */
  async function containerFiles(dir: string, listed: Map<string, number>, shown: Map<string, string[]>): Promise<string[] | undefined> {
    const at = ++tick
    let dirents: Dirent[]
    try {
      dirents = await readdir(join(config.path, dir), { withFileTypes: true })
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      // Gone, or not a directory: nothing is there to follow.
      if (code === 'ENOENT' || code === 'ENOTDIR') dirents = []
      else {
        let since = unlistable.get(dir)
        if (since === undefined) {
          since = now()
          unlistable.set(dir, since)
          log.warn({ dir, code }, 'cannot list container log directory')
        }
        // What it showed last stands; and a live file is not held for ever on a directory that stays unreadable.
        const last = dirFiles.get(dir)
        if (last !== undefined) shown.set(dir, last)
        if (now() - since >= UNLISTABLE_HOLD_MS) listed.set(dir, at)
        return undefined
      }
    }
    unlistable.delete(dir)
    listed.set(dir, at)
    const files: string[] = []
    for (const f of dirents) {
      if (!FILE.test(f.name)) continue
      // With docker (cri-dockerd) the kubelet links these names to the json-file logs: follow the link.
      if (
        f.isSymbolicLink() &&
        !(await stat(join(config.path, dir, f.name)).then(
          (s) => s.isFile(),
          () => false
        ))
      )
        continue
      if (!f.isFile() && !f.isSymbolicLink()) continue
      files.push(`${dir}/${f.name}`)
    }
    shown.set(dir, files)
    return files
  }

  async function list(): Promise<string[]> {
    if (listing !== undefined && now() - listing.at < config.discoveryIntervalMs) {
      if (relist.size === 0) return listing.files
      // Only the directories asked for are read again, into the listing in use, in place: the tailer takes the
      // same array for the same listing, so finished files elsewhere are not forgotten on account of these.
      const dirs = new Set(relist)
      relist.clear()
      const files = listing.files
      const fresh: string[] = []
      for (const dir of [...dirs]) {
        const found = await containerFiles(dir, dirListed, dirFiles)
        // Unreadable now: what the listing had of it stays.
        if (found === undefined) dirs.delete(dir)
        else for (const f of found) fresh.push(f)
      }
      const keep = files.filter((f) => !dirs.has(f.slice(0, f.lastIndexOf('/'))))
      // Not splice(0, n, ...keep): a node's listing can exceed the number of arguments a call may take.
      files.length = 0
      for (const f of keep) files.push(f)
      for (const f of fresh) files.push(f)
      files.sort()
      return files
    }
    relist.clear()
    const files: string[] = []
    const pods = new Set<string>()
    const listed = new Map<string, number>()
    const shown = new Map<string, string[]>()
    for (const podDir of await entries(config.path)) {
      const [ns] = podDir.name.split('_')
      if (ns === undefined || !namespaceSelected(ns)) continue
      if (!podDir.isDirectory()) continue
      pods.add(podDir.name)
      for (const c of await entries(join(config.path, podDir.name))) {
        if (!c.isDirectory()) continue
        const dir = `${podDir.name}/${c.name}`
        // Unreadable now: what it showed last stays listed, so its finished files are not forgotten.
        for (const f of (await containerFiles(dir, listed, shown)) ?? shown.get(dir) ?? []) files.push(f)
      }
    }
    dirListed = listed
    dirFiles = shown
    // Streams and waits of pods whose directory the kubelet removed are forgotten.
    for (const k of firstSeen.keys()) if (!pods.has(k)) firstSeen.delete(k)
    for (const d of unlistable.keys()) if (!pods.has(d.slice(0, d.indexOf('/')))) unlistable.delete(d)
    const present = new Set<string>()
    for (const p of pods) {
      const [ns, pod] = p.split('_')
      present.add(`k8s/${ns}/${pod}/`)
    }
    for (const s of streams.keys()) if (!present.has(s.slice(0, s.lastIndexOf('/') + 1))) streams.delete(s)
    files.sort()
    listing = { at: now(), files }
    deps.metrics.filesFollowed.set(tailer.files().size, { collector: 'pod-logs' })
    return files
  }

  function namespaceSelected(ns: string): boolean {
    return !excludeNs.has(ns) && (includeNs.size === 0 || includeNs.has(ns))
  }

  function decide(p: PodLogPath, info: PodInfo | undefined): Decision {
    if (!namespaceSelected(p.namespace)) return 'skip'
    if (info === undefined) {
      if (meta === undefined || meta.state() === 'unavailable') return 'read'
      const key = `${p.namespace}_${p.pod}_${p.uid}`
      const seen = firstSeen.get(key) ?? now()
      firstSeen.set(key, seen)
      return now() - seen < config.metadata.waitMs ? 'wait' : 'read'
    }
    if (info.annotations[EXCLUDE_ANNOTATION] === 'true') return 'skip'
    const containers = info.annotations[EXCLUDE_CONTAINERS_ANNOTATION]
    if (containers?.split(',').some((c) => c.trim() === p.container) === true) return 'skip'
    if (excludeLabels.some((sel) => sel(info.labels))) return 'skip'
    if (includeLabels.length > 0 && !includeLabels.some((sel) => sel(info.labels))) return 'skip'
    return 'read'
  }

  function sourceOf(t: TailFile, p: PodLogPath, info: PodInfo | undefined): Source {
    const node = info?.node ?? config.nodeName
    return {
      type: 'k8s',
      path: t.abs,
      ...(deps.cluster === undefined ? {} : { cluster: deps.cluster }),
      ...(node === undefined ? {} : { node }),
      namespace: p.namespace,
      pod: p.pod,
      podUid: p.uid,
      container: p.container,
      ...(info?.workload === undefined ? {} : { workload: info.workload }),
      ...(info === undefined || Object.keys(info.labels).length === 0 ? {} : { labels: info.labels })
    }
  }

  /**
   * Whether file `a` of a container is older than its file `b`: one order over its files, so no two wait for each
   * other. Files of earlier restarts first; a restart's rotated copies by name (their rotation time), a file still
   * followed under the live name it was rotated away from by its rotated name once a listing showed it (`alias`).
   * The live file comes after the copies there were when it was let be read (`validAfter`), and before any copy
   * named after those: such a copy was rotated later, so from this file, whose own copy the kubelet may have
   * gzipped away (it compresses every copy but the newest at its next rotation) before a listing showed its name.
   */
  function older(a: TailFile, b: TailFile): boolean {
    const an = a.alias ?? a.rel
    const bn = b.alias ?? b.rel
    const p = parsePodLogPath(an)
    const q = parsePodLogPath(bn)
    if (p === undefined || q === undefined) return false
    if (p.restart !== q.restart) return p.restart < q.restart
    if (p.rotated && q.rotated) return an < bn
    if (p.rotated === q.rotated) return false
    const after = validAfter.get(p.rotated ? b : a)
    const liveFirst = after !== undefined && (p.rotated ? an : bn) > after
    return p.rotated ? !liveFirst : liveFirst
  }

  /** The newest rotated copy of `restart` the last listing of `dir` showed; '' for none. */
  function newestCopy(dir: string, restart: number): string {
    let newest = ''
    for (const rel of dirFiles.get(dir) ?? []) {
      const q = parsePodLogPath(rel)
      if (q?.rotated === true && q.restart === restart && rel > newest) newest = rel
    }
    return newest
  }

  /** Whether an older file of the same container (previous restart, rotated copy) still has lines to give. */
  function olderPending(t: TailFile, files: ReadonlyMap<string, TailFile>): boolean {
    const dir = t.rel.slice(0, t.rel.lastIndexOf('/') + 1)
    for (const o of files.values()) {
      // Lines read but not acknowledged count as pending: the stream's line count moves on their acknowledgement.
      if (o === t || !o.rel.startsWith(dir) || (o.offset === o.readOffset && (o.offset >= o.size || o.stuckAt === o.size))) continue
      if (older(o, t)) return true
    }
    return false
  }

  async function read(t: TailFile, budget: number, files: ReadonlyMap<string, TailFile>): Promise<ReadResult> {
    const stay: ReadResult = { outputs: [], offset: t.readOffset, line: t.readLine }
    // Not read now, with lines left: a rotated file is not let go meanwhile (tail-state.ts readDone).
    const held: ReadResult = { ...stay, held: true }
    if (!seenAt.has(t)) seenAt.set(t, ++tick)
    const p = parsePodLogPath(t.rel)
    if (p === undefined || t.readOffset >= t.size) return stay
    const info = meta?.lookup(p.namespace, p.pod, p.uid)
    const decision = decide(p, info)
    if (decision !== 'read' && !decisionsLogged.has(`${t.rel}:${decision}`)) {
      decisionsLogged.add(`${t.rel}:${decision}`)
      log.debug({ file: t.rel, decision }, decision === 'skip' ? 'file excluded by selection' : 'waiting for pod metadata')
    }
    // Excluded: moved past without reading, so an excluded container's output never enters this process.
    if (decision === 'skip') return { outputs: [], offset: t.size, line: t.readLine }
    if (decision === 'wait') return held
    if (!p.rotated) {
      // See `tick`: a copy of this container rotated before this file was opened may be in no listing yet.
      const dir = t.rel.slice(0, t.rel.lastIndexOf('/'))
      if ((dirListed.get(dir) ?? 0) < (seenAt.get(t) ?? 0)) {
        relist.add(dir)
        return held
      }
      if (!validAfter.has(t)) validAfter.set(t, newestCopy(dir, p.restart))
    }
    if (olderPending(t, files)) return held
    // A file that still grows waits up to flushIntervalMs for enough lines to fill a chunk.
    if (t.size - t.readOffset < config.maxChunkBytes && t.goneAt === undefined && config.flushIntervalMs > 0) {
      const since = pendingSince.get(t.rel) ?? now()
      pendingSince.set(t.rel, since)
      if (now() - since < config.flushIntervalMs) return held
    }
    pendingSince.delete(t.rel)
    const source = sourceOf(t, p, info)
    // A file read from its start continues its container's line count; so do lines that reach a rotated copy
    // after the newer file was read (the runtime's last writes before it reopened): numbers stay unique.
    let line = Math.max(t.readLine, streams.get(p.stream) ?? 0)
    const startLine = line
    let offset = t.readOffset
    const chunks: LogChunk[] = []
    let current: LogChunk | undefined
    let per = chunkLines()
    let currentBytes = 0
    let malformed = 0
    const collectedAt = new Date(now()).toISOString()
    // Rotated away (or deleted): the runtime writes on in a new file, so a line still open at this file's end goes on there.
    const left = p.rotated || t.alias !== undefined || t.goneAt !== undefined
    while (offset - t.readOffset < budget) {
      const want = Math.min(buf.length, t.size - offset)
      if (want <= 0) break
      const { bytesRead } = await t.fh.read(buf, 0, want, offset)
      if (bytesRead === 0) break
      const d = decode(buf, bytesRead, config.maxLineBytes, bytesRead === buf.length, left && offset + bytesRead >= t.size)
      malformed += d.malformed
      for (const l of d.lines) {
        const bytes = Buffer.byteLength(l.text) + 1
        if (current === undefined || current.lines.length >= config.maxChunkLines || currentBytes + bytes > config.maxChunkBytes) {
          // A private-key block still open at a full chunk's end opens the next chunk instead (chunk-cut.ts).
          const carried = current === undefined ? undefined : carryOpenBlock(current, per, bytes, config, deps.chunkCut)
          per = carried ?? chunkLines()
          current = openChunk({ stream: p.stream, source, collectedAt }, per, { line: line + 1, start: offset + l.start, end: offset + l.end })
          currentBytes = bytesOf(per)
          chunks.push(current)
        }
        current.lines.push(l.text)
        per.starts.push(offset + l.start)
        per.ends.push(offset + l.end)
        per.sizes.push(bytes)
        current.offset.end = Math.max(current.offset.end, offset + l.end)
        currentBytes += bytes
        // A piece of a split line ends its chunk, so the next piece starts a chunk of its own with the same
        // line number: lines[i] is line startLine + i.
        if (l.split) current = undefined
        else line++
      }
      if (d.consumed === 0) break
      offset += d.consumed
      if (bytesRead < want) break
    }
    // A private key still open where this read stopped is read again next cycle, whole with its rest (chunk-cut.ts):
    // not from a file its writer has left, which nothing follows.
    const last = chunks.at(-1)
    if (last !== undefined && last === current && !left) {
      const held = holdOpenBlock(last, per, config, deps.chunkCut)
      if (held !== undefined) {
        offset = held.offset
        line -= held.lines
      }
    }
    if (malformed > 0) log.debug({ file: t.rel, records: malformed }, 'records in neither CRI nor docker format passed on as they are')
    deps.metrics.linesCollected.inc({ collector: 'pod-logs' }, line - startLine)
    deps.metrics.bytesCollected.inc({ collector: 'pod-logs' }, offset - t.readOffset)
    return { outputs: chunks.map((c) => ({ topic: TOPICS.logs, key: c.stream, value: c })), offset, line }
  }

  const tailer = createTailer(
    {
      name: 'pod-logs',
      checkpointPath: config.checkpointPath,
      pollIntervalMs: config.pollIntervalMs,
      readFrom: config.readFrom,
      // A quarter of the bound per cycle: while one cycle is on the wire the next ones are read and encoded.
      maxCycleBytes: Math.max(buf.length, Math.floor(config.maxInFlightBytes / 4)),
      maxInFlightBytes: config.maxInFlightBytes,
      minFileBytes: buf.length,
      list,
      absolute: (rel) => join(config.path, rel),
      read,
      isRotated: (rel) => parsePodLogPath(rel)?.rotated === true,
      deletedHoldMs: config.rotatedHoldMs,
      onLost: (_t, lines) => deps.metrics.linesLost.inc({ collector: 'pod-logs', reason: 'rotated' }, lines),
      acknowledged: (t) => {
        const p = parsePodLogPath(t.rel)
        if (p !== undefined && t.line > (streams.get(p.stream) ?? 0)) streams.set(p.stream, t.line)
      },
      streams
    },
    {
      publish: deps.publish,
      logger: deps.logger,
      now,
      metrics: deps.metrics,
      ...(deps.io === undefined ? {} : { io: deps.io }),
      onCycle: (delivered) => {
        if (decisionsLogged.size > 10_000) decisionsLogged = new Set()
        deps.onCycle?.(delivered)
      }
    }
  )

  return {
    async start(signal) {
      meta?.start()
      log.info({ path: config.path, node: config.nodeName, metadata: meta !== undefined }, 'pod-logs collector started')
      await tailer.start(signal)
    },
    async close() {
      await tailer.close()
      await meta?.stop()
    }
  }
}
