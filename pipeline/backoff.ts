// The one retry-delay formula: exponential from a base, capped, with a jitter
// mode chosen by what retries. Five loops used to carry their own copy.
//
// - 'full': a uniform draw below the ceiling (AWS's "full jitter"), for
//   consumers of one partition retrying a handler: spreading matters more
//   than a floor.
// - 'over': up to 25% on top of the ceiling, never below it, for jobs whose
//   operators (and tests) rely on "at least base·2^(n-1)" while replicas
//   retrying one endpoint still spread out.
// - 'none': the ceiling itself, for a single local loop (a tailer, an
//   informer) where nobody else competes for the same resource.

export type Jitter = 'full' | 'over' | 'none'

export interface Backoff {
  /** Delay after the first failure. */
  baseMs: number
  /** Ceiling of one delay. */
  maxMs: number
  jitter: Jitter
}

/** 2^30 already exceeds any cap in milliseconds; bounding the exponent keeps the product finite. */
const MAX_EXPONENT = 30

/**
 * Delay before the next try after `failures` consecutive failures (1 = the first failure waits `baseMs`).
 * `random` is injectable so tests can pin the jitter.
 */
export function backoffMs(failures: number, b: Backoff, random: () => number = Math.random): number {
  const exponent = Math.min(MAX_EXPONENT, Math.max(0, failures - 1))
  const ceiling = Math.min(b.maxMs, b.baseMs * 2 ** exponent)
  if (b.jitter === 'full') return Math.floor(random() * ceiling)
  if (b.jitter === 'over') return Math.ceil(ceiling * (1 + random() * 0.25))
  return ceiling
}

/**
 * A Retry-After header (delta-seconds or an HTTP date) in milliseconds from `nowMs`; undefined when
 * absent or unreadable. Every HTTP client that retries (webhooks, GitHub, Vault, the CI collectors)
 * hands this to its coded error as `details.retryAfterMs`, which the job queue honours.
 */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null || value.trim() === '') return undefined
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000
  const at = Date.parse(value)
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs)
}
