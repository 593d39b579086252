// One job log onto the bus: progress only after the bus acknowledged, in
// order; a failed send fails the job (to be retried) without ending the
// process; the lines read before a download broke off are still sent.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { CiJobMeta } from '../../../collectors/ci/provider.ts'
import { shipJobLog } from '../../../collectors/ci/ship.ts'
import type { LogChunk } from '../../../pipeline/events.ts'
import type { OutRecord } from '../../../pipeline/runner.ts'
import { stdinChunk } from '../../support/log-chunk.ts'
import { logGroups } from '../../support/log-groups.ts'
import { blockCut, filler, findingsIn, keyLines, keysFound } from '../../support/pem-block.ts'
import { replayCommand, seededGen, seededRng } from '../../support/seed.ts'

const job: CiJobMeta = {
  provider: 'github',
  repository: 'o/r',
  workflow: 'CI',
  job: 'build',
  jobId: '1',
  runId: '2',
  runAttempt: 1,
  url: 'https://github.com/o/r/actions/runs/2/job/1',
  lineUrl: () => ''
}
const opts = { format: 'github' as const, maxLineBytes: 1024, maxChunkLines: 10, maxChunkBytes: 4096, maxBatchBytes: 2048, maxInFlightBytes: 8192 }

async function* bytes(n: number, breakAfter?: number): AsyncGenerator<Buffer> {
  for (let i = 1; i <= n; i++) {
    if (breakAfter !== undefined && i > breakAfter) throw new Error('socket hang up')
    // Bytes arrive from the network: the event loop turns between them, as it does while a send is on the wire.
    await new Promise((resolve) => setImmediate(resolve))
    yield Buffer.from(`2024-01-01T00:00:00.0000000Z line ${i} ${'x'.repeat(60)}\n`)
  }
}

test('progress is reported in order, after each batch was acknowledged, and covers every line', async () => {
  const acked: number[] = []
  const sent: LogChunk[] = []
  const r = await shipJobLog(job, bytes(500), opts, {
    publish: async (records: OutRecord[]) => {
      for (const rec of records) sent.push(rec.value as LogChunk)
    },
    onAcked: (line) => void acked.push(line)
  })
  assert.equal(r.lines, 500)
  assert.deepEqual(
    acked,
    [...acked].sort((a, b) => a - b)
  )
  assert.equal(acked.at(-1), 500)
  assert.equal(
    sent.reduce((n, c) => n + c.lines.length, 0),
    500
  )
  assert.equal(sent[0]?.stream, 'ci/github/o/r/1')
})

test('a send that fails rejects the job once, with nothing left unhandled', async () => {
  let calls = 0
  const acked: number[] = []
  await assert.rejects(
    shipJobLog(job, bytes(500), opts, {
      publish: async () => {
        calls++
        await new Promise((resolve) => setImmediate(resolve))
        if (calls === 2) throw new Error('broker gone')
      },
      onAcked: (line) => void acked.push(line)
    }),
    /broker gone/
  )
  assert.equal(acked.length, 1, 'only the first batch counts as progress')
})

test('a download broken off: the complete lines read so far are sent and acknowledged, then the error', async () => {
  const acked: number[] = []
  await assert.rejects(shipJobLog(job, bytes(300, 123), opts, { publish: async () => {}, onAcked: (line) => void acked.push(line) }), /socket hang up/)
  assert.equal(acked.at(-1), 123)
})

test('a resumed job sends only the lines after the acknowledged one', async () => {
  const sent: LogChunk[] = []
  const r = await shipJobLog(
    job,
    bytes(100),
    opts,
    {
      publish: async (records: OutRecord[]) => {
        for (const rec of records) sent.push(rec.value as LogChunk)
      }
    },
    60
  )
  assert.equal(r.skipped, 60)
  assert.equal(sent[0]?.startLine, 61)
  assert.equal(
    sent.reduce((n, c) => n + c.lines.length, 0),
    40
  )
})

/**
 * Ships `lines` of a job log (90 before a key, 20 after it) with the collectors' chunk cut; each line is sent once,
 * the first two chunks meet at the key's header (line 91), and the key is found whole.
 */
async function shippedAroundKey(lines: string[], body: string, limits: Partial<typeof opts>) {
  async function* log(): AsyncGenerator<Buffer> {
    yield Buffer.from(lines.map((l) => `2024-01-01T00:00:00.0000000Z ${l}\n`).join(''))
  }
  const sent: LogChunk[] = []
  const acked: number[] = []
  await shipJobLog(
    job,
    log(),
    { ...opts, ...limits },
    {
      publish: async (records: OutRecord[]) => {
        for (const rec of records) sent.push(rec.value as LogChunk)
        // What was acknowledged so far is in chunks sent so far.
        assert.ok((acked.at(-1) ?? 0) <= Math.max(0, ...sent.map((c) => c.startLine + c.lines.length - 1)))
      },
      onAcked: (line) => void acked.push(line),
      cut: blockCut
    }
  )
  assert.deepEqual(
    sent.map((c) => [c.startLine, c.lines.length]),
    [
      [1, 90],
      [91, 50]
    ]
  )
  assert.deepEqual(
    sent.flatMap((c) => c.lines),
    lines
  )
  assert.equal(sent[0]?.offset.end, sent[1]?.offset.start)
  assert.deepEqual(keysFound(sent), [body])
  return acked
}

test('a private key a full chunk would cut opens the next chunk whole; progress covers a carried line only once it is sent', async () => {
  const key = keyLines(seededGen('ship'))
  // maxChunkLines 100: the key's header is line 91, and a cut by count would read its body in two parts.
  const lines = [...filler('step', 90, 20), ...key.lines, ...filler('after', 20, 20)]
  const acked = await shippedAroundKey(lines, key.body, {
    maxChunkLines: 100,
    maxChunkBytes: 64 * 1024,
    maxBatchBytes: 64 * 1024,
    maxInFlightBytes: 256 * 1024
  })
  assert.equal(acked.at(-1), lines.length)
})

test('a private key still open where a full batch is sent opens the next chunk; progress stops before its header', async () => {
  const key = keyLines(seededGen('ship-batch'))
  // Lines of 100 bytes as the batch counts them: the batch is full (9,357 bytes) after the key's fifth body line.
  const lines = [...filler('x', 90, 99), ...key.lines, ...filler('y', 20, 99)]
  const acked = await shippedAroundKey(lines, key.body, {
    maxChunkLines: 1000,
    maxChunkBytes: 64 * 1024,
    maxBatchBytes: 9_000 + 32 + 5 * 65,
    maxInFlightBytes: 64 * 1024
  })
  assert.deepEqual(acked, [90, 140])
})

test('shipped in chunks and batches of any size, a job log gives the detector what its lines give it whole: keys, JWKs, env pairs, hex dumps and every rule example', async () => {
  const rng = seededRng('ship-chunks-agree')
  const { lines } = logGroups(seededGen('ship-chunks-agree'), rng)
  const whole = findingsIn([stdinChunk(lines, 1)])
  assert.ok(whole.length > 300, `${whole.length} findings in the whole log`)
  for (const [maxChunkLines, maxBatchBytes] of [
    [31, 256 * 1024],
    [32 + rng.int(60), 32 * 1024 + rng.int(32 * 1024)]
  ] as const) {
    async function* log(): AsyncGenerator<Buffer> {
      yield Buffer.from(lines.map((l) => `2024-01-01T00:00:00.0000000Z ${l}\n`).join(''))
    }
    const sent: LogChunk[] = []
    await shipJobLog(
      job,
      log(),
      { ...opts, maxLineBytes: 16 * 1024, maxChunkLines, maxChunkBytes: 256 * 1024, maxBatchBytes, maxInFlightBytes: 1024 * 1024 },
      {
        publish: async (records: OutRecord[]) => {
          for (const rec of records) sent.push(rec.value as LogChunk)
        },
        onAcked: () => {},
        cut: blockCut
      }
    )
    assert.deepEqual(
      sent.flatMap((c) => c.lines),
      lines
    )
    assert.deepEqual(findingsIn(sent), whole, `maxChunkLines ${maxChunkLines}, maxBatchBytes ${maxBatchBytes} (${replayCommand()})`)
  }
})
