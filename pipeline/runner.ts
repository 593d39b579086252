// The runner owns offsets. A stage gets validated records and returns what it
// wants produced; the runner produces those outputs (and the dead-letter
// copies of records that failed validation), waits for the bus to make them
// durable, and only then lets the bus commit the batch. Stages never commit,
// so a crash at any point replays the batch and idempotent stages make the
// replay harmless.

import { performance } from 'node:perf_hooks'
import type { Batch, Bus, Consumer, InMessage, Producer } from './bus.ts'
import type { Codec } from './codec.ts'
import { isLeakwatchError, isRetriable, isUncoded } from './errors.ts'
import { TOPIC_SCHEMAS, TOPICS } from './events.ts'
import type { Logger } from './log.ts'
import type { Metrics } from './metrics.ts'
import type { Schema } from './schema.ts'
import { formatIssues, safeParse } from './schema.ts'

export interface InRecord<T = unknown> {
  topic: string
  partition: number
  offset: string
  key: string | null
  value: T
}

export interface OutRecord {
  topic: string
  key: string | null
  value: unknown
  /** `value` already encoded for its topic (Publish.encode): sent as it is. */
  encoded?: Buffer
}

export interface Stage {
  name: string
  groupId: string
  topics: string[]
  /** Must be idempotent: the same records may be handed again after a crash. */
  process: (records: InRecord[]) => Promise<OutRecord[]>
}

export interface RunnerDeps {
  bus: Bus
  codec: Codec
  metrics: Metrics
  logger: Logger
  /** Retries of a batch that keeps throwing an uncoded error before it is bisected (`kafka.maxPoisonBatchRetries`). */
  maxPoisonBatchRetries?: number
}

export const DEFAULT_MAX_POISON_BATCH_RETRIES = 5

/** Failing batches remembered at once; more means partitions were lost while failing, and forgetting only costs retries. */
const MAX_REMEMBERED_BATCHES = 10_000

/**
 * What may be said of an uncoded error: its class and the frame that threw it. Its message is withheld from
 * logs and dead letters because an uncoded error may quote what it choked on, and that may be a secret.
 */
export function describeUncoded(err: unknown): string {
  const name = err instanceof Error ? err.name : typeof err
  const frame = err instanceof Error ? /\n\s+at (?:.*? \()?(?:file:\/\/)?([^\s()]+:\d+:\d+)\)?/.exec(err.stack ?? '')?.[1] : undefined
  const where = frame === undefined ? '' : ` at ${frame.startsWith(`${process.cwd()}/`) ? frame.slice(process.cwd().length + 1) : frame}`
  return `${name}${where}`
}

/** The `lw-error` of a poison record's dead letter. */
export function describePoison(err: unknown, attempts: number): string {
  return `${describeUncoded(err)} on ${attempts} attempts (message withheld: it may quote the record)`
}

export interface Publish {
  (records: OutRecord[]): Promise<void>
  /**
   * Encodes records ahead of sending (the value is dropped): a collector that queues records while earlier ones
   * are on the wire holds their compact payloads rather than the objects they were made of.
   */
  encode?: (records: OutRecord[]) => OutRecord[]
  /** The bus's `partitionOf`: where a record keyed `key` on `topic` would go, when the bus knows. */
  partitionOf?: Producer['partitionOf']
}

/** Encodes and sends records grouped by topic; resolves when all are durable. */
export function createPublisher(deps: RunnerDeps): Publish {
  const publish: Publish = async (records) => {
    const byTopic = new Map<string, OutRecord[]>()
    for (const r of records) {
      let list = byTopic.get(r.topic)
      if (list === undefined) {
        list = []
        byTopic.set(r.topic, list)
      }
      list.push(r)
    }
    await Promise.all(
      [...byTopic].map(async ([topic, list]) => {
        await deps.bus.send(
          topic,
          list.map((r) => {
            const value = r.encoded ?? deps.codec.encode(topic, r.value)
            const headers = deps.codec.sign(topic, r.key, value)
            return headers === undefined ? { key: r.key, value } : { key: r.key, value, headers }
          })
        )
        deps.metrics.recordsOut.inc({ topic }, list.length)
      })
    )
  }
  publish.encode = (records) =>
    records.map((r) => ({ topic: r.topic, key: r.key, value: undefined, encoded: r.encoded ?? deps.codec.encode(r.topic, r.value) }))
  if (deps.bus.partitionOf !== undefined) publish.partitionOf = deps.bus.partitionOf
  return publish
}

export async function runStage(stage: Stage, deps: RunnerDeps, opts: { fromBeginning: boolean }): Promise<Consumer> {
  const log = deps.logger.child({ stage: stage.name })
  const publish = createPublisher(deps)
  const maxPoisonRetries = deps.maxPoisonBatchRetries ?? DEFAULT_MAX_POISON_BATCH_RETRIES
  // Attempts of batches that failed with an uncoded error, by topic/partition/first offset; a batch that goes
  // through is forgotten.
  const uncodedFailures = new Map<string, number>()

  async function handle(batch: Batch): Promise<void> {
    const started = performance.now()
    const schema: Schema<unknown> | undefined = (TOPIC_SCHEMAS as Record<string, Schema<unknown>>)[batch.topic]
    const valid: InRecord[] = []
    const dead: Array<{ key: string | null; value: Buffer; headers: Record<string, string> }> = []
    // Only a record that fails needs its raw message back: built on the first such lookup, not an entry per record.
    let byOffset: Map<string, InMessage> | undefined
    const raw = {
      get(offset: string): InMessage | undefined {
        byOffset ??= new Map(batch.messages.map((m) => [m.offset, m]))
        return byOffset.get(offset)
      }
    }

    function reject(m: InMessage, problem: { code: string; message: string }): void {
      // Log the position and the reason, never the payload: it may be a log line holding a secret.
      log.warn(
        { topic: m.topic, partition: m.partition, offset: m.offset, code: problem.code, reason: problem.message },
        'record rejected to the dead-letter topic'
      )
      if (problem.code === 'LW_ERR_RECORD_POISON') deps.metrics.poisonRecords.inc({ stage: stage.name, topic: batch.topic })
      else if (problem.code === 'LW_ERR_RECORD_UNAUTHENTICATED') deps.metrics.recordsUnauthenticated.inc({ topic: batch.topic })
      else deps.metrics.recordsInvalid.inc({ topic: batch.topic })
      dead.push({
        key: m.key,
        value: deps.codec.encodeBytes(TOPICS.deadLetter, m.value),
        headers: {
          'lw-error-code': problem.code,
          'lw-error': problem.message.slice(0, 500),
          'lw-origin': `${m.topic}/${m.partition}/${m.offset}`,
          'lw-stage': stage.name
        }
      })
    }

    // A retriable failure (Kafka, Redis) retries the whole batch. A non-retriable one would fail the same
    // way forever and block the partition: find the records that cause it, dead-letter them, keep the rest.
    async function processBatch(records: InRecord[]): Promise<OutRecord[]> {
      try {
        return await stage.process(records)
      } catch (err) {
        if (isRetriable(err)) throw err
        const out: OutRecord[] = []
        for (const r of records) {
          try {
            out.push(...(await stage.process([r])))
          } catch (one) {
            if (isRetriable(one)) throw one
            const m = raw.get(r.offset)
            const e = one as { code?: string; message?: string }
            if (m !== undefined) reject(m, { code: e.code ?? 'LW_ERR_RECORD_INVALID', message: e.message ?? String(one) })
          }
        }
        return out
      }
    }

    // A batch past its retries for an uncoded error: halve it until the records that throw are alone, dead-letter
    // those, keep what the rest produced. A coded retriable error on the way (an outage) retries the whole batch.
    async function bisect(records: InRecord[], err: unknown, attempts: number): Promise<OutRecord[]> {
      const first = records[0]
      if (records.length === 1 && first !== undefined) {
        const m = raw.get(first.offset)
        const coded = isLeakwatchError(err) ? err : undefined
        if (m !== undefined) reject(m, coded ?? { code: 'LW_ERR_RECORD_POISON', message: describePoison(err, attempts) })
        return []
      }
      const mid = Math.ceil(records.length / 2)
      const out: OutRecord[] = []
      for (const half of [records.slice(0, mid), records.slice(mid)]) {
        try {
          out.push(...(await stage.process(half)))
        } catch (e) {
          if (isRetriable(e) && !isUncoded(e)) throw e
          out.push(...(await bisect(half, e, attempts)))
        }
      }
      return out
    }

    async function processGuarded(records: InRecord[]): Promise<OutRecord[]> {
      const at = `${batch.topic}/${batch.partition}/${batch.messages[0]?.offset}`
      try {
        const out = await processBatch(records)
        uncodedFailures.delete(at)
        return out
      } catch (err) {
        if (!isUncoded(err)) throw err
        const attempts = (uncodedFailures.get(at) ?? 0) + 1
        if (attempts <= maxPoisonRetries) {
          if (uncodedFailures.size >= MAX_REMEMBERED_BATCHES) uncodedFailures.clear()
          uncodedFailures.set(at, attempts)
          throw err
        }
        log.error({ topic: batch.topic, partition: batch.partition, offset: batch.messages[0]?.offset, attempts }, 'batch keeps failing; bisecting it')
        const out = await bisect(records, err, attempts)
        uncodedFailures.delete(at)
        return out
      }
    }

    for (const m of batch.messages) {
      let problem: { code: string; message: string } | undefined
      try {
        // Before anything reads it: a forged finding must not reach a stage that acts on it.
        deps.codec.verify(batch.topic, m.key, m.value, m.headers)
        const value = deps.codec.decode(batch.topic, m.value)
        const r = schema === undefined ? { ok: true as const, value } : safeParse(schema, value)
        if (r.ok) valid.push({ topic: m.topic, partition: m.partition, offset: m.offset, key: m.key, value: r.value })
        else problem = { code: 'LW_ERR_RECORD_INVALID', message: formatIssues(r.issues.slice(0, 5)) }
      } catch (err) {
        if (!isLeakwatchError(err)) throw err
        problem = { code: err.code, message: err.message }
      }
      if (problem !== undefined) reject(m, problem)
    }
    deps.metrics.recordsIn.inc({ topic: batch.topic }, batch.messages.length)
    const outputs = valid.length > 0 ? await processGuarded(valid) : []
    if (dead.length > 0) {
      await deps.bus.send(TOPICS.deadLetter, dead)
      deps.metrics.recordsOut.inc({ topic: TOPICS.deadLetter }, dead.length)
    }
    if (outputs.length > 0) await publish(outputs)
    deps.metrics.batchSeconds.observe((performance.now() - started) / 1000, { stage: stage.name })
  }

  return await deps.bus.consume({
    groupId: stage.groupId,
    topics: stage.topics,
    fromBeginning: opts.fromBeginning,
    handle,
    onRetry: (err, attempt) => {
      deps.metrics.batchRetries.inc({ stage: stage.name })
      const e = err as { code?: string; message?: string }
      log.warn({ attempt, code: e.code, reason: isUncoded(err) ? describeUncoded(err) : e.message }, 'batch failed; retrying')
    }
  })
}
