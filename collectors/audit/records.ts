// The records both audit collectors produce on leakwatch.audit.v1, keyed by
// principal so one principal's events stay in order on one partition (the
// access detector's windows are per principal): several events of one principal
// a record (v2, an AuditGroup; the webhook's batch or the file collector's read),
// or one (v1, an AuditEnvelope) when maxEventsPerRecord is 1 or a principal has
// one event. The codec seals the topic's payloads (pipeline/codec.ts).

import type { AuditEvent } from '../../pipeline/audit-decode.ts'
import type { AuditEnvelope, AuditGroup } from '../../pipeline/events.ts'
import { TOPICS } from '../../pipeline/events.ts'
import type { OutRecord, Publish } from '../../pipeline/runner.ts'

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
 * A batch's events as records of up to `maxEvents` events of one principal each (v2 groups; a lone event is a
 * v1 record), in the order of each principal's first event. A principal's events keep their order: its groups
 * follow one another in the same send, to the same partition.
 */
export function auditRecords(events: readonly AuditEvent[], cluster: string, receivedAt: string, maxEvents: number): OutRecord[] {
  if (maxEvents <= 1) return events.map((e) => auditRecord(e, cluster, receivedAt))
  const byKey = new Map<string, AuditEvent[]>()
  for (const e of events) {
    const k = principalKey(e)
    const list = byKey.get(k)
    if (list === undefined) byKey.set(k, [e])
    else list.push(e)
  }
  const out: OutRecord[] = []
  for (const [key, list] of byKey)
    for (let i = 0; i < list.length; i += maxEvents) out.push(groupRecord(key, list.slice(i, i + maxEvents), cluster, receivedAt))
  return out
}

function groupRecord(key: string, events: AuditEvent[], cluster: string, receivedAt: string): OutRecord {
  const [first] = events
  if (events.length === 1 && first !== undefined) return auditRecord(first, cluster, receivedAt)
  const value: AuditGroup = { v: '2', type: 'audit', cluster, receivedAt, events }
  return { topic: TOPICS.audit, key, value }
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
        groupRecord(r.key ?? principalKey(value.events[0] as AuditEvent), events, value.cluster, value.receivedAt)
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
