// Every error leakwatch raises on purpose carries a stable code, a retriable
// flag and the original error as `cause`, so operators can grep and alert on
// codes and the runner can decide between "retry" and "dead-letter" without
// parsing messages. The README's error table is generated from ERROR_CODES and
// a test checks that both agree.

export const ERROR_CODES = {
  LW_ERR_CONFIG_INVALID: {
    retriable: false,
    description: 'The configuration file or environment does not match the schema; the message names the offending key path.'
  },
  LW_ERR_CONFIG_UNREADABLE: { retriable: false, description: 'The configuration file could not be read or is not valid YAML.' },
  LW_ERR_RECORD_INVALID: {
    retriable: false,
    description: 'A bus record failed schema validation or is not valid JSON; it is counted and sent to the dead-letter topic.'
  },
  LW_ERR_RECORD_UNAUTHENTICATED: {
    retriable: false,
    description:
      'A record that can cause an action (a finding) carries no MAC, one by a key id not configured (`kafka.recordKey`, `kafka.recordVerifyKeys`), or one that does not match: it is not acted on, and goes to the dead-letter topic.'
  },
  LW_ERR_RECORD_POISON: {
    retriable: false,
    description:
      'Handling a record kept throwing an uncoded error (a bug the record trips) for `kafka.maxPoisonBatchRetries` retries; the batch was bisected and the record dead-lettered with the error class and where it was thrown (never its message, which may quote the record).'
  },
  LW_ERR_KAFKA_UNAVAILABLE: { retriable: true, description: 'Kafka could not be reached or did not acknowledge a produce or commit in time.' },
  // Retriable, like an outage: once the operator fixes the Secret or the ACL, the records wait on the bus instead of being dead-lettered.
  LW_ERR_KAFKA_AUTH: {
    retriable: true,
    description:
      'Kafka refused the SASL credentials (`kafka.sasl`: wrong user, password or token, or a mechanism the listener does not offer); leakwatch stays up, not ready, and retries with backoff.'
  },
  LW_ERR_KAFKA_TLS: {
    retriable: true,
    description:
      "The TLS handshake with a broker failed (`kafka.tls`: unknown CA, the certificate does not name the broker's host, expired, a client certificate the broker wants is missing); retried with backoff, not ready meanwhile."
  },
  LW_ERR_KAFKA_DENIED: {
    retriable: true,
    description:
      "The broker's ACLs deny this principal an operation (read, write or describe a topic, join a consumer group, create topics); the message names the operation."
  },
  LW_ERR_REDIS_UNAVAILABLE: { retriable: true, description: 'Redis could not be reached or a command failed.' },
  LW_ERR_REDIS_AUTH: {
    retriable: true,
    description:
      'Redis refused the ACL user or password (`redis.username`/`usernameFile`/`passwordFile`: WRONGPASS, NOAUTH, NOPERM); the responder stays up, not ready, and retries with backoff.'
  },
  LW_ERR_REDIS_TLS: {
    retriable: true,
    description:
      'The TLS handshake with Redis failed (`redis.tls`: unknown CA, a certificate that does not name the host, a client certificate Redis wants); retried with backoff, not ready meanwhile.'
  },
  LW_ERR_CHECKPOINT_IO: { retriable: true, description: 'The collector could not read or durably write its checkpoint file.' },
  LW_ERR_SOURCE_IO: { retriable: true, description: 'A collector could not read a log file or directory.' },
  LW_ERR_RULE_INVALID: { retriable: false, description: 'A detection rule is malformed (bad regex, unknown field, secret group out of range).' },
  LW_ERR_WEBHOOK_REJECTED: {
    retriable: false,
    description: 'A webhook endpoint answered with a redirect (not followed) or a 4xx status other than 408 or 429; the job is not retried.'
  },
  LW_ERR_WEBHOOK_FAILED: {
    retriable: true,
    description: 'A webhook endpoint timed out, could not be reached, or answered 408, 429 or 5xx; the job is retried with backoff.'
  },
  LW_ERR_SLACK_FAILED: {
    retriable: true,
    description: 'A Slack Web API call timed out, could not connect, answered 5xx or `ratelimited` (Retry-After honoured); the Slack job is retried.'
  },
  LW_ERR_SLACK_REJECTED: {
    retriable: false,
    description: 'Slack refused a call for good (`invalid_auth`, `channel_not_found`, `not_in_channel`, invalid blocks); the job is dead-lettered.'
  },
  LW_ERR_KUBERNETES_FAILED: { retriable: true, description: 'The Kubernetes API server could not be reached, timed out, or answered 429 or 5xx; retried.' },
  LW_ERR_KUBERNETES_REJECTED: {
    retriable: false,
    description: 'The Kubernetes API server refused a rotation request (403 forbidden, 404 not found, 422 invalid patch); not retried.'
  },
  LW_ERR_VAULT_FAILED: { retriable: true, description: 'Vault could not be reached, timed out, is sealed or on standby, or answered 429 or 5xx; retried.' },
  LW_ERR_VAULT_REJECTED: {
    retriable: false,
    description: 'Vault refused a rotation request (403 permission denied, 400/404 unknown role, mount or lease); not retried.'
  },
  LW_ERR_GITHUB_FAILED: {
    retriable: true,
    description: "GitHub's credential revocation API could not be reached, timed out, or answered 429 or 5xx; retried."
  },
  LW_ERR_GITHUB_REJECTED: {
    retriable: false,
    description: "GitHub's credential revocation API refused the request (422: not a revocable token); not retried."
  },
  LW_ERR_SEALED_INVALID: {
    retriable: false,
    description:
      'A sealed secret on a finding does not open with `responder.sealPrivateKey` (wrong key, tampered, or moved to another fingerprint), or no key is configured.'
  },
  LW_ERR_ACTION_UNSUPPORTED: {
    retriable: false,
    description:
      'A rotation action does not apply to the incident (no Kubernetes Secret named, no sealed value, action not configured); it is recorded and skipped.'
  },
  LW_ERR_KNOWN_SECRETS_SOURCE: {
    retriable: true,
    description:
      'A known-secret source (Kubernetes Secrets, Vault KV, the file of values) could not be read; the index keeps what it had and the source is retried with backoff.'
  },
  LW_ERR_API_REQUEST: {
    retriable: false,
    description:
      '`leakwatch incidents` could not reach the incidents API, or it refused the request (401 wrong token, 404 unknown incident, 409 impossible status change).'
  },
  LW_ERR_CI_FETCH_FAILED: {
    retriable: true,
    description:
      "A CI provider's API (GitHub, GitLab) could not be reached, timed out, kept answering 404 for a job's log after the job completed, or kept answering 429/5xx or a rate limit after the retries (Retry-After and the rate-limit reset honoured); the job is retried later."
  },
  LW_ERR_CI_FETCH_REJECTED: {
    retriable: false,
    description:
      "A CI provider's API refused the request for good (401/403: the token or GitHub App installation lacks `actions:read`, 410: the log expired) or answered something that is not a job log; the job is skipped and counted."
  },
  LW_ERR_CI_WEBHOOK_REJECTED: {
    retriable: false,
    description:
      'A CI webhook delivery was refused: its signature or token does not match (401), it is a replay of a delivery already taken or older than the allowed age, its body is over the bound (413), or it is not the JSON the provider sends (400). Counted in leakwatch_ci_webhook_rejected_total; nothing of it is logged.'
  },
  LW_ERR_USAGE: { retriable: false, description: 'The command line was not understood.' },
  LW_ERR_HTTP_REQUEST: {
    retriable: false,
    description:
      "A request to one of leakwatch's HTTP endpoints (`/metrics`, `/healthz`, `/readyz`, the incidents API) has a request target that is not a valid URL path; it is answered 400 with this code, and the target is never logged."
  },
  LW_ERR_SCAN_INPUT: {
    retriable: false,
    description:
      'A path given to `leakwatch scan` does not exist or cannot be read (exit 2); a file inside a scanned directory that cannot be read is skipped with this code as a warning.'
  },
  LW_ERR_SCAN_BINARY: {
    retriable: false,
    description:
      'A file inside a directory given to `leakwatch scan` looks binary (not UTF-8 or UTF-16 text: over 10% control bytes in its first 8 KiB, or 1% control bytes and 20% invalid UTF-8); it is skipped with this warning on stderr and counted. A file named on the command line is always scanned.'
  },
  LW_ERR_BASELINE_INVALID: {
    retriable: false,
    description:
      'The baseline of `scan --baseline`/`--write-baseline` cannot be read or written, is not valid JSON, does not match the format, or no fixed `detector.fingerprintKey` is set.'
  },
  LW_ERR_AUDIT_INVALID: {
    retriable: false,
    description:
      'An audit body or line is not an audit.k8s.io Event or EventList (v1, v1beta1) nor a GKE, EKS or AKS log record holding one, is larger than the configured bound, or holds too many events; `details.reason` says which (`too-large`, `not-json`, `unknown-shape`, `too-many-events`, `unsupported-version`, `invalid-event`, `not-audit`). The webhook answers 400 with the reason; the file collector counts and skips the line.'
  },
  LW_ERR_SHUTDOWN: { retriable: false, description: 'The operation was abandoned because the process is shutting down.' },
  LW_ERR_CI_BUSY: {
    retriable: true,
    description:
      'A CI endpoint (the GitLab job hook, the log ingest endpoint) cannot take the request now: its queue of jobs is full, or Redis or Kafka is unavailable. Answered 503 with Retry-After; the sender retries (GitLab does, `leakwatch mask --forward` warns and goes on masking).'
  },
  LW_ERR_CI_INGEST_REJECTED: {
    retriable: false,
    description:
      'A request to the log ingest endpoint was refused: 401 missing or wrong bearer token, 400 metadata missing or not understood, 413 body or line over the bound, 415 not text/plain. The answer names the problem, never the request.'
  }
} as const satisfies Record<string, { retriable: boolean; description: string }>

export type ErrorCode = keyof typeof ERROR_CODES

export class LeakwatchError extends Error {
  readonly code: ErrorCode
  readonly retriable: boolean
  readonly details: Record<string, unknown> | undefined

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'LeakwatchError'
    this.code = code
    this.retriable = ERROR_CODES[code].retriable
    this.details = options.details
  }
}

export function isLeakwatchError(err: unknown, code?: ErrorCode): err is LeakwatchError {
  return err instanceof LeakwatchError && (code === undefined || err.code === code)
}

// Errors of clients that gave up retrying: an outage, not a bad record (ioredis, fetch timeouts and aborts).
const TRANSIENT_NAMES: ReadonlySet<string> = new Set(['MaxRetriesPerRequestError', 'AbortError', 'TimeoutError'])

/**
 * Whether `err` says nothing about itself: not a LeakwatchError, no `retriable` flag of its client, no system
 * error code (ECONNRESET, ETIMEDOUT …) and not a client's "gave up retrying". Such an error is retried like a
 * transient one, but when it keeps coming back on the same batch it is most likely a bug tripped by a record.
 */
export function isUncoded(err: unknown): boolean {
  if (err instanceof LeakwatchError) return false
  if (typeof err !== 'object' || err === null) return true
  if ('retriable' in err) return false
  const { code, name } = err as { code?: unknown; name?: unknown }
  if (typeof code === 'string' && /^E[A-Z0-9_]+$/.test(code)) return false
  return !(typeof name === 'string' && TRANSIENT_NAMES.has(name))
}

/** Whether an operation that threw `err` is worth trying again. Unknown errors are assumed transient. */
export function isRetriable(err: unknown): boolean {
  if (err instanceof LeakwatchError) return err.retriable
  if (typeof err === 'object' && err !== null && 'retriable' in err) return Boolean((err as { retriable: unknown }).retriable)
  return true
}
