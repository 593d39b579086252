// An audit event as the record both audit collectors produce: an AuditEnvelope
// on leakwatch.audit.v1, keyed by principal so one principal's events stay in
// order on one partition (the access detector's windows are per principal).
// The codec seals the topic's payloads (pipeline/codec.ts).

import type { AuditEvent } from '../../pipeline/audit-decode.ts'
import type { AuditEnvelope } from '../../pipeline/events.ts'
import { TOPICS } from '../../pipeline/events.ts'
import type { OutRecord } from '../../pipeline/runner.ts'

/** The partition key: the authenticated username (an event always names one; `system:unknown` guards a foreign record that does not). */
export function principalKey(e: AuditEvent): string {
  return e.user.username ?? 'system:unknown'
}

export function auditRecord(e: AuditEvent, cluster: string, receivedAt: string): OutRecord {
  const value: AuditEnvelope = { v: '1', type: 'audit', cluster, receivedAt, event: e }
  return { topic: TOPICS.audit, key: principalKey(e), value }
}
