// Tails the API server's audit log (`--audit-log-path`, JSON lines), or an
// exported audit log, onto leakwatch.audit.v1. The tailing engine (../tail.ts)
// and its checkpoints are the pod-log tailer's: positions advance only after
// the bus acknowledged the events up to them. The API server rotates by
// renaming `audit.log` to `audit-<timestamp>.log` (--audit-log-maxsize,
// --audit-log-maxbackup): the engine drains the renamed file through the
// descriptor it holds and then picks up the new `audit.log`; the rotated
// copies in the directory are only ever read to finish a position.
//
// Each line goes through the same decoder as the webhook
// (pipeline/audit-decode.ts), so a provider's export file (GKE sink, EKS
// CloudWatch export, AKS diagnostic records) is read the same way. A line
// that is not an audit event is counted and skipped; a line longer than
// maxLineBytes is skipped whole (a piece of an event is not an event).

import { readdir } from 'node:fs/promises'
import { basename, dirname, extname, join } from 'node:path'
import type { AuditEvent } from '../../pipeline/audit-decode.ts'
import { auditDecodeReason, decodeAudit } from '../../pipeline/audit-decode.ts'
import type { OutRecord, Publish } from '../../pipeline/runner.ts'
import type { Collector, CollectorDeps } from '../../pipeline/stages.ts'
import type { ReadResult, TailFile, TailIo } from '../tail.ts'
import { createTailer } from '../tail.ts'
import type { AuditFileConfig } from './file.config.ts'
import { auditRecords, fitRecords, partitionOfAudit } from './records.ts'

export interface AuditFileDeps extends CollectorDeps {
  cluster: string
  /** The file system as the tailer sees it; tests rotate the log at chosen points of a cycle through it. */
  io?: TailIo
}

export function createAuditFileCollector(config: AuditFileConfig, deps: AuditFileDeps): Collector {
  const m = { events: deps.metrics.auditEvents, invalid: deps.metrics.auditInvalid }
  const log = deps.logger.child({ collector: 'auditFile' })
  // A record holds the events of the principals that share a partition (records.ts).
  const partitionOf = partitionOfAudit(deps.publish)
  const now = deps.now ?? (() => new Date())
  const dir = dirname(config.path)
  const base = basename(config.path)
  const ext = extname(base)
  const stem = ext === '' ? base : base.slice(0, -ext.length)
  const stages = new Set<string>(config.stages)
  /** Files (dev:ino) whose read position is inside an over-long line: skipped to its newline. */
  const skipping = new Set<string>()

  const isRotated = (rel: string): boolean => rel !== base && rel.startsWith(`${stem}-`) && rel.endsWith(ext)

  async function list(): Promise<string[]> {
    let names: string[]
    try {
      names = await readdir(dir)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
      throw err
    }
    // Rotated copies first, oldest first (their timestamps sort as text), then the live file.
    const rotated = names.filter(isRotated).sort()
    return names.includes(base) ? [...rotated, base] : rotated
  }

  function take(text: string, outputs: Map<string, AuditEvent[]>): void {
    let decoded: ReturnType<typeof decodeAudit>
    try {
      decoded = decodeAudit(text, { maxBytes: config.maxLineBytes, maxEvents: config.maxEventsPerLine })
    } catch (err) {
      const reason = auditDecodeReason(err)
      if (reason === undefined) throw err
      m.invalid.inc({ collector: 'file', reason })
      return
    }
    for (const r of decoded.rejected) m.invalid.inc({ collector: 'file', reason: r.reason })
    if (decoded.rejected.length > 0) m.events.inc({ collector: 'file', outcome: 'rejected' }, decoded.rejected.length)
    let dropped = 0
    for (const e of decoded.events) {
      if (!stages.has(e.stage)) {
        dropped++
        continue
      }
      const cluster = decoded.cluster ?? deps.cluster
      const list = outputs.get(cluster)
      if (list === undefined) outputs.set(cluster, [e])
      else list.push(e)
    }
    if (dropped > 0) m.events.inc({ collector: 'file', outcome: 'stage-dropped' }, dropped)
  }

  async function read(t: TailFile, budget: number): Promise<ReadResult> {
    // A read's events by cluster (a managed-cluster envelope names its own), sealed as v2 records of one
    // partition each, like the webhook's: the detector opens and checks one record for up to
    // maxEventsPerRecord events instead of one per event.
    const events = new Map<string, AuditEvent[]>()
    const id = `${t.dev}:${t.ino}`
    const receivedAt = now().toISOString()
    let offset = t.readOffset
    let line = t.readLine
    // Room for the longest line and its newline; no more than the file holds past our position.
    const size = Math.max(64 * 1024, Math.min(budget, config.maxLineBytes + 1, t.size - t.readOffset + 1))
    const buf = Buffer.alloc(size)
    while (offset - t.readOffset < budget) {
      const { bytesRead } = await t.fh.read(buf, 0, buf.length, offset)
      if (bytesRead === 0) break
      let consumed = 0
      while (consumed < bytesRead) {
        const nl = buf.indexOf(10, consumed)
        if (nl === -1 || nl >= bytesRead) {
          if (bytesRead - consumed > config.maxLineBytes || skipping.has(id)) {
            // No newline within maxLineBytes: the rest of this line is skipped as it is read.
            if (!skipping.has(id)) {
              skipping.add(id)
              m.invalid.inc({ collector: 'file', reason: 'too-large' })
              log.warn({ code: 'LW_ERR_AUDIT_INVALID', reason: 'too-large', path: t.abs, line: line + 1 }, 'audit log line longer than maxLineBytes skipped')
            }
            consumed = bytesRead
          }
          break
        }
        if (skipping.has(id)) skipping.delete(id)
        else {
          let end = nl
          if (end > consumed && buf[end - 1] === 13) end--
          if (end > consumed) take(buf.toString('utf8', consumed, end), events)
        }
        consumed = nl + 1
        line++
      }
      if (consumed === 0) break
      offset += consumed
      if (bytesRead < buf.length) break
    }
    const outputs: OutRecord[] = []
    let count = 0
    for (const [cluster, list] of events) {
      outputs.push(...auditRecords(list, cluster, receivedAt, config.maxEventsPerRecord, partitionOf))
      count += list.length
    }
    const fit = fitRecords(outputs, deps.publish, config.maxRecordBytes)
    if (fit.truncated > 0) m.events.inc({ collector: 'file', outcome: 'truncated' }, fit.truncated)
    // The records are sealed by now: what a read's records hold is remembered for the count of acknowledged events.
    if (fit.records.length > 0) eventsIn.set(fit.records[0] as OutRecord, count)
    deps.metrics.linesCollected.inc({ collector: 'auditFile' }, line - t.readLine)
    deps.metrics.bytesCollected.inc({ collector: 'auditFile' }, offset - t.readOffset)
    return { outputs: fit.records, offset, line }
  }

  // Counts what the bus acknowledged; keeps the runner's encode, so queued cycles hold encoded records.
  // A read's event count is kept on its first record (sealed records no longer say how many events they hold).
  const eventsIn = new WeakMap<OutRecord, number>()
  const publish: Publish = Object.assign(
    async (records: OutRecord[]) => {
      await deps.publish(records)
      let n = 0
      for (const r of records) n += eventsIn.get(r) ?? 0
      m.events.inc({ collector: 'file', outcome: 'produced' }, n)
    },
    // The bus's encode makes new records (the tailer queues those): the count moves to them, else it is lost.
    deps.publish.encode === undefined
      ? {}
      : {
          encode: (records: OutRecord[]): OutRecord[] => {
            const out = (deps.publish.encode as (r: OutRecord[]) => OutRecord[])(records)
            for (let i = 0; i < records.length; i++) {
              const n = eventsIn.get(records[i] as OutRecord)
              const o = out[i]
              if (n !== undefined && o !== undefined) eventsIn.set(o, n)
            }
            return out
          }
        }
  )
  const cycleBytes = Math.max(8 * 1024 * 1024, 2 * (config.maxLineBytes + 1))
  const tailer = createTailer(
    {
      name: 'auditFile',
      checkpointPath: config.checkpointPath,
      pollIntervalMs: config.pollIntervalMs,
      readFrom: config.readFrom,
      maxCycleBytes: cycleBytes,
      minFileBytes: config.maxLineBytes + 1,
      list,
      absolute: (rel) => join(dir, rel),
      read,
      isRotated
    },
    {
      publish,
      logger: deps.logger,
      metrics: deps.metrics,
      ...(deps.io === undefined ? {} : { io: deps.io }),
      ...(deps.onCycle === undefined ? {} : { onCycle: deps.onCycle })
    }
  )
  return { start: tailer.start, close: tailer.close }
}
