// What the detector role pays per audit event before any detector sees it, in
// one process and without Kafka: opening the sealed record (AES-GCM, inflate
// above the threshold), JSON.parse, and the record schema (the runner's fast
// test, Schema.is, then the full check only where it says no; `--full` runs
// the full check on every record as the runner did before). The records are
// bench/access.ts's seeded day of a 2,000-principal cluster sealed as the
// webhook sealed them before records were grouped by partition (v2, one
// principal a record, `maxEventsPerRecord` 100, batches of 400). CPU time
// per event, median of the rounds; bench/audit-consumer.ts measures the whole
// path through the real Kafka and Redis.
//
// With the secret rules on, each event is also written as the one line they
// scan (detectors/audit-fields.ts): `lineWithSpans` is writeEvent, which also
// records every string's span and path (what the detector stage did for every
// event), `line` is eventLine (what it does now; the spans are worked out only
// for an event with a finding), over the same events in the same process.
//
//   node bench/audit-open.ts [--events 50000] [--rounds 7] [--full] [--compress-min-bytes 2048]

import { parseArgs } from 'node:util'
import { auditRecords } from '../collectors/audit/records.ts'
import { eventLine, writeEvent } from '../detectors/audit-fields.ts'
import type { AuditEvent } from '../pipeline/audit-decode.ts'
import { createCodec } from '../pipeline/codec.ts'
import { TOPIC_SCHEMAS, TOPICS } from '../pipeline/events.ts'
import type { Schema } from '../pipeline/schema.ts'
import { safeParse } from '../pipeline/schema.ts'
import { accessStream } from './access.ts'
import { median } from './measure.ts'

export function runAuditOpenBench(opts: { events: number; rounds: number; full: boolean; compressMinBytes: number; seed: number }) {
  const events = accessStream({ events: opts.events, principals: 2000, seed: opts.seed, from: Date.parse('2026-11-02T00:00:00Z') }) as AuditEvent[]
  const codec = createCodec({ payloadKey: 'bench-audit-open-'.padEnd(40, 'k'), compress: true, compressMinBytes: opts.compressMinBytes })
  const receivedAt = new Date().toISOString()
  const records: Buffer[] = []
  for (let i = 0; i < events.length; i += 400)
    for (const r of auditRecords(events.slice(i, i + 400), 'bench', receivedAt, 100)) records.push(codec.encode(TOPICS.audit, r.value))
  const schema = TOPIC_SCHEMAS[TOPICS.audit] as Schema<unknown>
  const perEvent = (f: () => void): number => {
    const c = process.cpuUsage()
    f()
    const d = process.cpuUsage(c)
    return (d.user + d.system) / events.length
  }
  const open: number[] = []
  const parse: number[] = []
  const check: number[] = []
  const withSpans: number[] = []
  const line: number[] = []
  const plain = events as unknown as Array<Record<string, unknown>>
  for (let r = 0; r < opts.rounds; r++) {
    open.push(
      perEvent(() => {
        for (const b of records) codec.decodeBytes(TOPICS.audit, b)
      })
    )
    parse.push(
      perEvent(() => {
        for (const b of records) codec.decode(TOPICS.audit, b)
      })
    )
    check.push(
      perEvent(() => {
        for (const b of records) {
          const v = codec.decode(TOPICS.audit, b)
          // safeParse asks the fast test first; --full calls the checking copy itself, as the runner once did.
          const ok = opts.full ? schema.check(v, '', []) !== undefined : safeParse(schema, v).ok
          if (!ok) throw new Error('a generated record failed the schema')
        }
      })
    )
    let chars = 0
    withSpans.push(
      perEvent(() => {
        for (const e of plain) chars += writeEvent(e).line.length
      })
    )
    line.push(
      perEvent(() => {
        for (const e of plain) chars -= eventLine(e).length
      })
    )
    if (chars !== 0) throw new Error('the two writers wrote different lines')
  }
  const us = (xs: number[]) => Math.round(median(xs) * 100) / 100
  return {
    events: events.length,
    records: records.length,
    check: opts.full ? 'full' : 'fast test, full check where it says no',
    usPerEvent: { open: us(open), openAndParse: us(parse), openParseAndCheck: us(check), lineWithSpans: us(withSpans), line: us(line) },
    rounds: opts.rounds
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      events: { type: 'string', default: '50000' },
      rounds: { type: 'string', default: '7' },
      full: { type: 'boolean', default: false },
      'compress-min-bytes': { type: 'string', default: '2048' },
      seed: { type: 'string', default: '20250601' }
    }
  })
  const r = runAuditOpenBench({
    events: Number(values.events),
    rounds: Number(values.rounds),
    full: values.full,
    compressMinBytes: Number(values['compress-min-bytes']),
    seed: Number(values.seed)
  })
  process.stdout.write(`${JSON.stringify(r, null, 2)}\n`)
}
