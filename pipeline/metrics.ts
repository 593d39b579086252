// Prometheus metrics in the text exposition format (version 0.0.4). In-house
// because counters, gauges and fixed-bucket histograms are all we need, and
// the node agent runs under a 64 MB old generation: this file is the whole
// cost (no dependency tree resident in every collector). Measured in a fresh
// Node 24 process that had already loaded a .ts file, after a full GC:
// prom-client 15.1.3 with 40 counters adds ~2.1 MB of heap, ~14-20 MB of RSS
// and ~70 ms of start-up CPU; this registry with leakwatch's metrics ~0.1 MB,
// ~7 MB and ~15 ms — 3% of the collector's heap budget. What changes
// between scrapes (process, heap, GC, event loop, ages) is read at scrape time
// by `collect` hooks instead of by timers (pipeline/process-metrics.ts).
// Label values are stage names, rule ids, topics, partitions and outcomes —
// never content, never a secret.

type Labels = Record<string, string>

interface Family {
  name: string
  help: string
  type: 'counter' | 'gauge' | 'histogram'
  render: () => string[]
}

function labelKey(labels: Labels): string {
  const keys = Object.keys(labels).sort()
  return keys.map((k) => `${k}="${escapeLabel(labels[k] ?? '')}"`).join(',')
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')
}

function withLabels(name: string, key: string): string {
  return key === '' ? name : `${name}{${key}}`
}

export interface Counter {
  inc: (labels?: Labels, by?: number) => void
  get: (labels?: Labels) => number
}
export interface Gauge {
  set: (value: number, labels?: Labels) => void
  inc: (labels?: Labels, by?: number) => void
  get: (labels?: Labels) => number
  /** Drops every series whose labels include `labels` (a partition this consumer no longer owns). */
  clear: (labels?: Labels) => void
}
export interface Histogram {
  observe: (value: number, labels?: Labels) => void
}

export class Registry {
  readonly #families = new Map<string, Family>()
  readonly #collectors = new Set<() => void>()

  /** Runs `fn` before every render, to read values that are only worth reading when scraped; returns its removal. */
  collect(fn: () => void): () => void {
    this.#collectors.add(fn)
    return () => {
      this.#collectors.delete(fn)
    }
  }

  #add(f: Family): void {
    if (this.#families.has(f.name)) throw new Error(`metric ${f.name} registered twice`)
    this.#families.set(f.name, f)
  }

  counter(name: string, help: string): Counter {
    const values = new Map<string, number>()
    this.#add({ name, help, type: 'counter', render: () => [...values].map(([k, v]) => `${withLabels(name, k)} ${v}`) })
    return {
      inc: (labels = {}, by = 1) => {
        const k = labelKey(labels)
        values.set(k, (values.get(k) ?? 0) + by)
      },
      get: (labels = {}) => values.get(labelKey(labels)) ?? 0
    }
  }

  gauge(name: string, help: string): Gauge {
    const values = new Map<string, number>()
    // The labels behind each key, so that clear() matches label values rather than parsing rendered text.
    const labelsOf = new Map<string, Labels>()
    const key = (labels: Labels): string => {
      const k = labelKey(labels)
      if (!labelsOf.has(k)) labelsOf.set(k, { ...labels })
      return k
    }
    this.#add({ name, help, type: 'gauge', render: () => [...values].map(([k, v]) => `${withLabels(name, k)} ${v}`) })
    return {
      set: (value, labels = {}) => {
        values.set(key(labels), value)
      },
      inc: (labels = {}, by = 1) => {
        const k = key(labels)
        values.set(k, (values.get(k) ?? 0) + by)
      },
      get: (labels = {}) => values.get(labelKey(labels)) ?? 0,
      clear: (labels = {}) => {
        for (const [k, l] of labelsOf) {
          if (Object.entries(labels).every(([n, v]) => l[n] === v)) {
            values.delete(k)
            labelsOf.delete(k)
          }
        }
      }
    }
  }

  histogram(name: string, help: string, buckets: number[]): Histogram {
    const series = new Map<string, { counts: number[]; sum: number; count: number }>()
    this.#add({
      name,
      help,
      type: 'histogram',
      render: () =>
        [...series].flatMap(([k, s]) => {
          const sep = k === '' ? '' : ','
          const lines = buckets.map((b, i) => `${name}_bucket{${k}${sep}le="${b}"} ${s.counts[i] ?? 0}`)
          lines.push(
            `${name}_bucket{${k}${sep}le="+Inf"} ${s.count}`,
            `${withLabels(`${name}_sum`, k)} ${s.sum}`,
            `${withLabels(`${name}_count`, k)} ${s.count}`
          )
          return lines
        })
    })
    return {
      observe: (value, labels = {}) => {
        const k = labelKey(labels)
        let s = series.get(k)
        if (s === undefined) {
          s = { counts: buckets.map(() => 0), sum: 0, count: 0 }
          series.set(k, s)
        }
        for (let i = 0; i < buckets.length; i++) if (value <= (buckets[i] ?? Infinity)) s.counts[i] = (s.counts[i] ?? 0) + 1
        s.sum += value
        s.count++
      }
    }
  }

  render(): string {
    for (const fn of this.#collectors) fn()
    const out: string[] = []
    for (const f of this.#families.values()) {
      out.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`, ...f.render())
    }
    return `${out.join('\n')}\n`
  }
}

/** The metrics every stage shares; stage-specific ones are added by the stage. */
export function createMetrics(registry = new Registry()) {
  return {
    registry,
    recordsIn: registry.counter('leakwatch_records_in_total', 'Records consumed from the bus, by topic.'),
    recordsInvalid: registry.counter('leakwatch_records_invalid_total', 'Records that failed validation and went to the dead-letter topic, by topic.'),
    recordsOut: registry.counter('leakwatch_records_out_total', 'Records produced to the bus, by topic.'),
    recordsUnauthenticated: registry.counter(
      'leakwatch_records_unauthenticated_total',
      'Records without a valid MAC (forged, or signed with a key not configured here) that went to the dead-letter topic, by topic.'
    ),
    poisonRecords: registry.counter(
      'leakwatch_records_poison_total',
      'Records dead-lettered because handling them kept throwing an uncoded error (LW_ERR_RECORD_POISON), by stage and topic.'
    ),
    batchRetries: registry.counter('leakwatch_batch_retries_total', 'Batches whose handler failed and was retried, by stage.'),
    redisConnectErrors: registry.counter(
      'leakwatch_redis_connect_errors_total',
      'Failed attempts of the responder to connect to Redis, by reason (auth, tls, unavailable); it retries with backoff and is not ready meanwhile.'
    ),
    kafkaConnectErrors: registry.counter(
      'leakwatch_kafka_connect_errors_total',
      'Failed attempts to connect to Kafka, by reason (auth, tls, denied, unavailable); the role retries with backoff and is not ready meanwhile.'
    ),
    batchSeconds: registry.histogram('leakwatch_batch_seconds', 'Time to handle one consumed batch, by stage.', [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5]),
    linesCollected: registry.counter('leakwatch_lines_collected_total', 'Lines read by collectors, by collector.'),
    bytesCollected: registry.counter('leakwatch_bytes_collected_total', 'Bytes read by collectors, by collector.'),
    linesLost: registry.counter(
      'leakwatch_lines_lost_total',
      'Lines collectors could not deliver, by collector and reason (rotated: a rotated, deleted file let go before Kafka took its unread lines).'
    ),
    filesFollowed: registry.gauge('leakwatch_files_followed', 'Files collectors hold open and follow, by collector.'),
    podMetadataUp: registry.gauge('leakwatch_pod_metadata_up', '1 while the pod informer has a synced view of this node from the API server, else 0.'),
    auditEvents: registry.counter(
      'leakwatch_audit_events_total',
      'Audit events received, by collector and outcome (produced, duplicate, stage-dropped, rejected).'
    ),
    auditInvalid: registry.counter(
      'leakwatch_audit_invalid_total',
      'Audit bodies, lines or list items that are not audit events (LW_ERR_AUDIT_INVALID), by collector and reason.'
    ),
    auditWebhookRequests: registry.counter('leakwatch_audit_webhook_requests_total', 'Requests to the audit webhook, by HTTP status of the answer.'),
    auditWebhookSeconds: registry.histogram(
      'leakwatch_audit_webhook_answer_seconds',
      "Time from an audit webhook request's arrival to its answer (Kafka's acknowledgement included), by status class.",
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
    ),
    findings: registry.counter('leakwatch_findings_total', 'Findings produced, by rule and severity.'),
    accessEvents: registry.counter(
      'leakwatch_access_events_total',
      'Audit events the access detector evaluated, by verb (the Kubernetes verbs; anything else is "other") and outcome (allowed, denied: 401/403, failed: another error).'
    ),
    accessSkipped: registry.counter(
      'leakwatch_access_events_skipped_total',
      "Audit events the access detector counted but could not place in its windows: no timestamp, or older than the principal's state by more than episodeGapMs."
    ),
    accessLearning: registry.gauge('leakwatch_access_learning', '1 while the access detector is in its learning period (by event time), else 0.'),
    accessLearningRemaining: registry.gauge(
      'leakwatch_access_learning_remaining_seconds',
      "Event-time seconds until the access detector's learning period ends (0 once it has)."
    ),
    accessPrincipals: registry.gauge('leakwatch_access_principals', 'Principals whose baseline this access detector process holds in memory.'),
    accessStoreSeconds: registry.histogram(
      'leakwatch_access_store_seconds',
      'Time of one access-state store operation (Redis round trip), by operation.',
      [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1]
    ),
    accessStoreErrors: registry.counter(
      'leakwatch_access_store_errors_total',
      'Access-state store operations that failed (LW_ERR_REDIS_UNAVAILABLE), by operation.'
    ),
    detectorLimits: registry.counter(
      'leakwatch_detector_limits_total',
      'Times a per-line cap of the detector was reached, by limit (findings-per-line: a rule matched more than detector.maxFindingsPerLine times on one line; the rest are masked, not reported).'
    ),
    knownSecretsIndexed: registry.gauge(
      'leakwatch_known_secrets_indexed',
      'Known-secret values held by the index (as keyed hashes), by source; a value in two places counts in each.'
    ),
    knownSecretsSkipped: registry.counter(
      'leakwatch_known_secrets_skipped_total',
      'Values a known-secret source did not index, by source and reason (too-short, common, hostname, too-long, excluded-key, not-text).'
    ),
    knownSecretsSourceUp: registry.gauge(
      'leakwatch_known_secrets_source_up',
      '1 while a known-secret source (kubernetes, vault, file) has a current view, else 0.'
    ),
    incidents: registry.counter('leakwatch_incidents_opened_total', 'Incidents opened (new fingerprints).'),
    occurrences: registry.counter('leakwatch_occurrences_total', 'Occurrences recorded on incidents (replays excluded).'),
    jobs: registry.counter('leakwatch_jobs_total', 'Responder job attempts, by action and outcome (succeeded, retrying, failed, dead-lettered).'),
    jobsDeadLetter: registry.gauge(
      'leakwatch_jobs_dead_letter',
      'Responder jobs in the dead-letter list (exhausted or rejected); list and retry them through the incidents API.'
    ),
    incidentsReopened: registry.counter('leakwatch_incidents_reopened_total', 'Resolved incidents reopened because their secret appeared again (regressions).'),
    slackRequests: registry.counter('leakwatch_slack_requests_total', 'Slack Web API calls, by method and outcome (ok, ratelimited, error).'),
    consumerLag: registry.gauge(
      'leakwatch_consumer_lag_records',
      'Records on a partition past what this consumer committed (high watermark minus committed offset) as of its last fetched batch, by group, topic and partition.'
    ),
    ciWebhookRejected: registry.counter(
      'leakwatch_ci_webhook_rejected_total',
      'CI webhook deliveries refused, by provider and reason (signature, token, replay, stale, too-large, malformed).'
    ),
    ciJobs: registry.counter(
      'leakwatch_ci_jobs_total',
      'CI job logs handled, by provider and outcome (scanned: every line acknowledged by the bus; failed: retried later; rejected: skipped for good).'
    ),
    ciFetchRetries: registry.counter(
      'leakwatch_ci_fetch_retries_total',
      'Retries of CI provider API calls, by provider and reason (not-ready: 404 right after completion, rate-limit, server, network).'
    ),
    unackedLineAge: registry.gauge(
      'leakwatch_collector_unacked_age_seconds',
      'Seconds since the oldest line a collector read and the bus has not acknowledged was read (0 when all is acknowledged), by collector.'
    )
  }
}

export type Metrics = ReturnType<typeof createMetrics>
