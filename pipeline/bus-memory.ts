// The in-process bus of `leakwatch run all`: one partition per topic, offsets
// per consumer group, the same commit-after-handle contract as Kafka so the
// stages cannot tell the difference. Nothing survives the process, which is the
// point of the embedded mode: no infrastructure.

import { setTimeout as sleep } from 'node:timers/promises'
import type { Bus, ConsumeOptions, Consumer, InMessage, OutMessage } from './bus.ts'
import { retryDelayMs } from './bus.ts'

export interface MemoryBusOptions {
  /** Most messages handed to a handler at once. */
  maxBatchMessages?: number
  /** Oldest messages are dropped past this many per topic once every group consumed them. */
  retainMessages?: number
}

export function createMemoryBus(opts: MemoryBusOptions = {}): Bus & { messages: (topic: string) => InMessage[] } {
  const maxBatch = opts.maxBatchMessages ?? 500
  const logs = new Map<string, { base: number; items: InMessage[] }>()
  const committed = new Map<string, number>() // `${group}\u0000${topic}` → next offset
  const waiters = new Set<() => void>()
  const consumers = new Set<{ stop: () => Promise<void> }>()
  let closed = false

  function log(topic: string): { base: number; items: InMessage[] } {
    let l = logs.get(topic)
    if (l === undefined) {
      l = { base: 0, items: [] }
      logs.set(topic, l)
    }
    return l
  }

  function wake(): void {
    for (const w of waiters) w()
    waiters.clear()
  }

  function trim(topic: string): void {
    const retain = opts.retainMessages
    if (retain === undefined) return
    const l = log(topic)
    const excess = l.items.length - retain
    if (excess <= 0) return
    // With no group on the topic (actions and dead letters in `run all`) every group has vacuously consumed it.
    let minCommitted = l.base + l.items.length
    for (const [k, v] of committed) if (k.endsWith(`\u0000${topic}`)) minCommitted = Math.min(minCommitted, v)
    const drop = Math.min(excess, minCommitted - l.base)
    if (drop > 0) {
      l.items.splice(0, drop)
      l.base += drop
    }
  }

  return {
    kind: 'memory',
    ready: () => !closed,
    messages: (topic) => [...log(topic).items],

    // One partition per topic.
    partitionOf: () => 0,
    async send(topic: string, messages: OutMessage[]): Promise<void> {
      if (closed) throw new Error('memory bus is closed')
      const l = log(topic)
      for (const m of messages) {
        l.items.push({
          topic,
          partition: 0,
          offset: String(l.base + l.items.length),
          key: m.key,
          value: Buffer.isBuffer(m.value) ? m.value : Buffer.from(m.value),
          headers: m.headers ?? {}
        })
      }
      trim(topic)
      wake()
    },

    async consume(o: ConsumeOptions): Promise<Consumer> {
      let running = true
      const loops = o.topics.map(async (topic) => {
        const key = `${o.groupId}\u0000${topic}`
        if (!committed.has(key)) committed.set(key, o.fromBeginning ? log(topic).base : log(topic).base + log(topic).items.length)
        let attempt = 0
        while (running) {
          const l = log(topic)
          const next = Math.max(committed.get(key) ?? 0, l.base)
          const slice = l.items.slice(next - l.base, next - l.base + maxBatch)
          if (slice.length === 0) {
            await new Promise<void>((resolve) => waiters.add(resolve))
            continue
          }
          try {
            await o.handle({ topic, partition: 0, messages: slice })
            committed.set(key, next + slice.length)
            attempt = 0
            trim(topic)
          } catch (err) {
            attempt++
            o.onRetry?.(err, attempt)
            await sleep(retryDelayMs(attempt, 50, 5_000))
          }
        }
      })
      const consumer = {
        async stop() {
          running = false
          wake()
          await Promise.all(loops)
          consumers.delete(consumer)
        }
      }
      consumers.add(consumer)
      return consumer
    },

    async close() {
      for (const c of [...consumers]) await c.stop()
      closed = true
    }
  }
}
