// The records both audit collectors produce on leakwatch.audit.v1, each keyed by
// a principal so one principal's events stay in order on one partition (the
// access detector's windows are per principal): several events a record (v2, an
// AuditGroup; the webhook's batch or the file collector's read), or one (v1, an
// AuditEnvelope) when maxEventsPerRecord is 1 or a group has one event. The
// codec seals the topic's payloads (pipeline/codec.ts).
//
// A group holds the events of every principal whose key goes to the same
// partition (the bus's partitionOf), keyed by the first of them: each principal's
// events reach the partition its own key would, so nothing moves on upgrade and
// the topic's partitions share the load as they did with one group per
// principal. A 400-event batch of a busy cluster holds ~340 principals, and
// one group per principal made records of 1.2 events: sealing, producing,
// fetching, opening and checking a record cost the detector more than the
// event's own JSON (docs/benchmarks.md, audit consumer). Until the bus knows the
// topic's partitions (Kafka: until its first send to the topic), a group is one
// principal's. When an operator adds partitions, the batch being built as the
// producer learns it may send a principal's events with its group's first
// principal, once; every key's partition moves at that moment anyway.

import type { AuditEvent } from '../../pipeline/audit-decode.ts'
import type { AuditEnvelope, AuditGroup } from '../../pipeline/events.ts'
import { TOPICS } from '../../pipeline/events.ts'
import type { OutRecord, Publish } from '../../pipeline/runner.ts'

/** The grouping of a collector's records: by partition where `publish` knows the audit topic's partitions. */
export function partitionOfAudit(publish: Publish): PartitionOf | undefined {
  const of = publish.partitionOf
  return of === undefined ? undefined : (principal) => of(TOPICS.audit, principal)
}

/** Set on an event whose request/response objects were dropped to fit a Kafka record; the value says why. */
export const TRUNCATED_ANNOTATION = 'leakwatch.io/truncated'

/** The partition key: the authenticated username (an event always names one; `system:unknown` guards a foreign record that does not). */
export function principalKey(e: AuditEvent): string {
  return e.user.username ?? 'system:unknown'
}

export function auditRecord(e: AuditEvent, cluster: string, receivedAt: string): OutRecord {
  const value: AuditEnvelope = { v: '1', type: 'audit', cluster, receivedAt, event: e }
  return { topic: TOPICS.audit, key: principalKey(e), value }
}

/**
 * Where a record keyed by a principal goes on the audit topic (the bus's partitionOf), or undefined when that is
 * not known yet.
 */
export type PartitionOf = (principal: string) => number | undefined

/**
 * A batch's events as records of up to `maxEvents` events each (v2 groups; a lone event is a v1 record): the
 * events of the principals that `partitionOf` sends to one partition, or of one principal when it is not given or
 * does not know, in the order of each group's first event, each record keyed by its first event's principal. A
 * principal's events keep their order: its group's records follow one another in the same send, to its partition.
 */
export function auditRecords(events: readonly AuditEvent[], cluster: string, receivedAt: string, maxEvents: number, partitionOf?: PartitionOf): OutRecord[] {
  if (maxEvents <= 1) return events.map((e) => auditRecord(e, cluster, receivedAt))
  const keys = events.map(principalKey)
  // Each principal's partition, asked once; the first one the bus cannot place makes the whole batch one group
  // per principal.
  let partitions: Map<string, number> | undefined = partitionOf === undefined ? undefined : new Map()
  for (const p of keys) {
    if (partitions === undefined) break
    if (partitions.has(p)) continue
    const at = partitionOf?.(p)
    if (at === undefined) partitions = undefined
    else partitions.set(p, at)
  }
  // In batch order within a group: each principal's events stay in order, and so does the batch.
  const groups = new Map<string | number, AuditEvent[]>()
  for (let i = 0; i < events.length; i++) {
    const p = keys[i] as string
    const k = partitions === undefined ? p : (partitions.get(p) as number)
    const list = groups.get(k)
    if (list === undefined) groups.set(k, [events[i] as AuditEvent])
    else list.push(events[i] as AuditEvent)
  }
  const out: OutRecord[] = []
  for (const list of groups.values()) for (let i = 0; i < list.length; i += maxEvents) out.push(groupRecord(list.slice(i, i + maxEvents), cluster, receivedAt))
  return out
}

/** The events as one record, keyed by the first event's principal. */
function groupRecord(events: AuditEvent[], cluster: string, receivedAt: string): OutRecord {
  const first = events[0] as AuditEvent
  if (events.length === 1) return auditRecord(first, cluster, receivedAt)
  const value: AuditGroup = { v: '2', type: 'audit', cluster, receivedAt, events }
  return { topic: TOPICS.audit, key: principalKey(first), value }
}

function withoutObjects(e: AuditEvent, maxRecordBytes: number): AuditEvent {
  const { requestObject: _q, responseObject: _r, ...rest } = e
  return {
    ...rest,
    annotations: { ...rest.annotations, [TRUNCATED_ANNOTATION]: `request and response objects dropped: record over ${maxRecordBytes} bytes` }
  }
}

/**
 * The records encoded for the bus, each at most `maxRecordBytes` (the broker's message.max.bytes) sealed: a group
 * over it is halved until its parts fit, and a lone event over it is produced without its request and response
 * objects, as the API server's own truncating backend does. One record the broker refuses would otherwise fail
 * its whole batch on every retry, until the API server gives up on all of it. Without an encoder (an in-process
 * bus), the records are returned as they are. `truncated` counts events.
 */
export function fitRecords(records: OutRecord[], publish: Publish, maxRecordBytes: number): { records: OutRecord[]; truncated: number } {
  const encode = publish.encode
  if (encode === undefined || records.length === 0) return { records, truncated: 0 }
  let truncated = 0
  const out: OutRecord[] = []
  const fit = (r: OutRecord, enc: OutRecord): void => {
    if ((enc.encoded?.length ?? 0) <= maxRecordBytes) {
      out.push(enc)
      return
    }
    const value = r.value as AuditEnvelope | AuditGroup
    if (value.v === '2') {
      const mid = Math.ceil(value.events.length / 2)
      const parts = [value.events.slice(0, mid), value.events.slice(mid)].map((events) =>
        // Each half keyed by its own first principal: every principal of the group goes to the same partition.
        groupRecord(events, value.cluster, value.receivedAt)
      )
      const encoded = encode(parts)
      for (let i = 0; i < parts.length; i++) fit(parts[i] as OutRecord, encoded[i] as OutRecord)
      return
    }
    out.push(encode([{ ...r, value: { ...value, event: withoutObjects(value.event, maxRecordBytes) } }])[0] as OutRecord)
    truncated++
  }
  const encoded = encode(records)
  for (let i = 0; i < records.length; i++) fit(records[i] as OutRecord, encoded[i] as OutRecord)
  return { records: out, truncated }
}
