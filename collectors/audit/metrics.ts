// The audit collectors' metrics, registered once per registry: `run all` and
// tests may create both collectors (or one twice) on one registry.

import type { Counter, Histogram, Registry } from '../../pipeline/metrics.ts'

export interface AuditMetrics {
  /** Events by collector and outcome: produced, duplicate, stage-dropped, rejected. */
  events: Counter
  /** Bodies or lines that could not be read, and list items that are not events, by collector and reason (LW_ERR_AUDIT_INVALID). */
  invalid: Counter
  /** Webhook answers by HTTP status. */
  requests: Counter
  /** Seconds from the request's first byte to the answer, by status class. */
  answerSeconds: Histogram
}

const byRegistry = new WeakMap<Registry, AuditMetrics>()

export function auditMetrics(registry: Registry): AuditMetrics {
  let m = byRegistry.get(registry)
  if (m === undefined) {
    m = {
      events: registry.counter(
        'leakwatch_audit_events_total',
        'Audit events received, by collector and outcome (produced, duplicate, stage-dropped, rejected).'
      ),
      invalid: registry.counter(
        'leakwatch_audit_invalid_total',
        'Audit bodies, lines or list items that are not audit events (LW_ERR_AUDIT_INVALID), by collector and reason.'
      ),
      requests: registry.counter('leakwatch_audit_webhook_requests_total', 'Requests to the audit webhook, by HTTP status of the answer.'),
      answerSeconds: registry.histogram(
        'leakwatch_audit_webhook_answer_seconds',
        "Time from a webhook request's arrival to its answer (Kafka's acknowledgement included), by status class.",
        [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
      )
    }
    byRegistry.set(registry, m)
  }
  return m
}
