// An audit event as the record both audit collectors produce: an AuditEnvelope
// on leakwatch.audit.v1, keyed by principal so one principal's events stay in
// order on one partition (the access detector's windows are per principal).
// The codec seals the topic's payloads (pipeline/codec.ts).

import type { AuditEvent } from '../../pipeline/audit-decode.ts'
import type { AuditEnvelope } from '../../pipeline/events.ts'
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
 * The records encoded for the bus, an event whose sealed record would exceed `maxRecordBytes` (the broker's
 * message.max.bytes) without its request and response objects, as the API server's own truncating backend
 * does. One event the broker refuses would otherwise fail its whole batch on every retry, until the API server
 * gives up on all of it. Without an encoder (an in-process bus), the records are returned as they are.
 */
export function fitRecords(records: OutRecord[], publish: Publish, maxRecordBytes: number): { records: OutRecord[]; truncated: number } {
  if (publish.encode === undefined || records.length === 0) return { records, truncated: 0 }
  const encoded = publish.encode(records)
  let truncated = 0
  for (let i = 0; i < encoded.length; i++) {
    const r = encoded[i] as OutRecord
    if ((r.encoded?.length ?? 0) <= maxRecordBytes) continue
    const env = (records[i] as OutRecord).value as AuditEnvelope
    const { requestObject: _q, responseObject: _r, ...rest } = env.event
    const event: AuditEvent = {
      ...rest,
      annotations: { ...rest.annotations, [TRUNCATED_ANNOTATION]: `request and response objects dropped: record over ${maxRecordBytes} bytes` }
    }
    encoded[i] = publish.encode([{ ...(records[i] as OutRecord), value: { ...env, event } }])[0] as OutRecord
    truncated++
  }
  return { records: encoded, truncated }
}
