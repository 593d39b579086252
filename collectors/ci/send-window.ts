// The CI collectors' way onto the bus: batches of LogChunks are encoded as
// they are cut, sent with a bounded number on the wire, and acknowledged to
// the caller strictly in order, so a job's stored progress never runs ahead
// of a batch that failed. The first failed send stops every acknowledgement
// after it, and no send waits behind it; nothing is left sending when the
// caller's work is over.
//
// Two bounds shape it: `onWire`, the sends in flight at once (a send beyond
// it starts when the one `onWire` places before it is acknowledged), and
// `held`, the sends not yet acknowledged that `send` may return with (the
// reader cuts the next batch meanwhile; past it, `send` waits, which is the
// backpressure on the log's reader).

import type { OutRecord, Publish } from '../../pipeline/runner.ts'

export interface SendWindow {
  /** Queues `records`; `onAcked` runs once they and everything before them are acknowledged. Resolves when fewer than `held` are left unacknowledged; rejects once a send failed. */
  send: (records: OutRecord[], onAcked?: () => Promise<void> | void) => Promise<void>
  /**
   * Runs `work` (which calls `send`), then waits for every send whatever happened, so nothing is left sending behind
   * the caller's back; rejects with `work`'s error, else with the first failed send.
   */
  run: (work: () => Promise<void>) => Promise<void>
}

export function sendWindow(publish: Publish, bounds: { onWire: number; held: number }): SendWindow {
  // Each entry: its send acknowledged and its callback run, after every entry before it.
  const window: Array<Promise<void>> = []
  let last: Promise<void> | undefined
  return {
    async send(records, onAcked) {
      const encoded = publish.encode === undefined ? records : publish.encode(records)
      const gate = window.length >= bounds.onWire ? window[window.length - bounds.onWire] : undefined
      // Sent right away while the wire has room; otherwise once the entry it waits on is acknowledged (not if that failed).
      const sent = gate === undefined ? publish(encoded) : gate.then(() => publish(encoded))
      // Awaited through the chain below; until then a failed send must not count as unhandled (it would end the process).
      sent.catch(() => {})
      const entry = (last ?? Promise.resolve()).then(async () => {
        await sent
        await onAcked?.()
      })
      entry.catch(() => {})
      last = entry
      window.push(entry)
      while (window.length > bounds.held) await window.shift()
    },
    async run(work) {
      try {
        await work()
      } finally {
        await last?.catch(() => {})
      }
      await last
    }
  }
}
