// The bus contract shared by the Kafka bus and the in-process bus.
//
// send() resolves only once the messages are durable (for Kafka: acknowledged
// by all in-sync replicas), which is what lets a collector advance its
// checkpoint after it. consume() hands a handler one batch of one partition at
// a time and commits the batch's offsets only after the handler resolved, so a
// crash anywhere before that replays the batch instead of losing it.

import { backoffMs } from './backoff.ts'

export interface OutMessage {
  key: string | null
  value: Buffer | string
  headers?: Record<string, string>
}

export interface InMessage {
  topic: string
  partition: number
  offset: string
  key: string | null
  value: Buffer
  headers: Record<string, string>
}

export interface Batch {
  topic: string
  partition: number
  messages: InMessage[]
}

export interface ConsumeOptions {
  groupId: string
  topics: string[]
  /** Where a group with no committed offset starts. */
  fromBeginning: boolean
  /** Called per batch; offsets are committed after it resolves. A throw retries the batch. */
  handle: (batch: Batch) => Promise<void>
  /** Notified when handle threw and the batch will be retried. */
  onRetry?: (err: unknown, attempt: number) => void
}

export interface Consumer {
  stop: () => Promise<void>
}

export interface Producer {
  send: (topic: string, messages: OutMessage[]) => Promise<void>
  /**
   * The partition a message keyed `key` goes to on `topic`, as the next send would choose it; undefined while the
   * producer does not know the topic's partitions (Kafka: before its first send to the topic). A producer that puts
   * the messages of several keys into one record asks this, so that each key's messages still reach one partition.
   */
  partitionOf?: (topic: string, key: string) => number | undefined
}

export interface Bus extends Producer {
  readonly kind: 'kafka' | 'memory'
  consume: (opts: ConsumeOptions) => Promise<Consumer>
  /** Whether the bus is connected and usable (readiness). */
  ready: () => boolean
  close: () => Promise<void>
}

/** Backoff for handler retries: exponential with full jitter, capped (`attempt` 0 is the first retry). */
export function retryDelayMs(attempt: number, baseMs = 200, capMs = 30_000): number {
  return backoffMs(attempt + 1, { baseMs, maxMs: capMs, jitter: 'full' })
}
