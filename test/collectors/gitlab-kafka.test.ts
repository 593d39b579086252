// The GitLab collector against the real Kafka and Redis (test/global-setup.ts):
// a job event answered by one replica is taken once by all replicas sharing
// Redis (SET NX PX), the job stays pending in Redis until Kafka acknowledged
// its last chunk, and what lands on `leakwatch.logs.v1` is every line of the
// trace, in order, once, decoded by the pipeline's codec.

import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { request } from 'node:http'
import { after, before, test } from 'node:test'
import { Redis } from 'ioredis'
import { redisDeliveryStore } from '../../collectors/ci/deliveries.ts'
import type { GitlabCollector } from '../../collectors/ci/gitlab/collector.ts'
import { createGitlabCollector } from '../../collectors/ci/gitlab/collector.ts'
import { gitlabConfigSchema } from '../../collectors/ci/gitlab.config.ts'
import type { Bus, InMessage } from '../../pipeline/bus.ts'
import { createKafkaBus } from '../../pipeline/bus-kafka.ts'
import { createCodec } from '../../pipeline/codec.ts'
import type { LogChunk } from '../../pipeline/events.ts'
import { TOPICS } from '../../pipeline/events.ts'
import { createLogger, silentLogger } from '../../pipeline/log.ts'
import { createMetrics } from '../../pipeline/metrics.ts'
import type { Publish } from '../../pipeline/runner.ts'
import { createPublisher } from '../../pipeline/runner.ts'
import { parse } from '../../pipeline/schema.ts'
import { getServices } from '../harness/services.ts'
import { jobEvent, runnerTrace, startGitlabStandin } from '../support/gitlab-standin.ts'
import { seededGen } from '../support/seed.ts'
import { waitFor } from '../support/wait.ts'

const gen = seededGen('gitlab-kafka')
const API_TOKEN = `glpat-${gen.base62(20)}`
const HOOK_TOKEN = gen.base62(32)
const prefix = `gl-${randomUUID().slice(0, 8)}-`

let bus: Bus
let redis: Redis
const standin = await startGitlabStandin({ token: API_TOKEN })
before(async () => {
  const { kafkaBrokers, redisUrl } = await getServices()
  bus = await createKafkaBus(
    {
      brokers: kafkaBrokers,
      clientId: 'gitlab-test',
      topics: [TOPICS.logs],
      topicPrefix: prefix,
      partitions: 2,
      replicationFactor: 1,
      sessionTimeoutMs: 10_000,
      connectionTimeoutMs: 3000,
      requestTimeoutMs: 30_000,
      maxBytesPerPartition: 1024 * 1024
    },
    createLogger({ level: 'silent' })
  )
  redis = new Redis(redisUrl)
})
after(async () => {
  await bus?.close()
  redis?.disconnect()
  await standin.close()
})

function post(port: number, body: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/hooks/gitlab', method: 'POST', headers: { 'content-type': 'application/json', ...headers } },
      (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
      }
    )
    req.on('error', reject)
    req.end(body)
  })
}

test('two replicas sharing Redis take a redelivered job event once; the job is pending in Redis until Kafka has its last line', async () => {
  const codec = createCodec({ payloadKey: gen.base62(40), compress: true })
  const publish = createPublisher({ bus, codec, metrics: createMetrics(), logger: silentLogger() })
  const lines = Array.from({ length: 2500 }, (_, i) => `test ${i} ${gen.base62(24)}`)
  const job = {
    projectId: 31,
    projectPath: 'platform/checkout',
    id: 777_001,
    name: 'integration',
    status: 'success' as const,
    ref: 'main',
    sha: gen.hex(40),
    pipelineId: 4242,
    username: 'release-bot',
    finishedAt: '2026-12-06T12:30:00.000Z',
    trace: runnerTrace(lines),
    notFoundFirst: 1
  }
  standin.addJob(job)
  const keyPrefix = `lwtest-${randomUUID().slice(0, 8)}`
  const store = redisDeliveryStore(redis, keyPrefix, 'gitlab')
  const config = parse(
    gitlabConfigSchema,
    { enabled: true, url: standin.url, port: 0, retryBaseMs: 5, retryMaxMs: 50, maxChunkLines: 300 },
    'LW_ERR_CONFIG_INVALID',
    'gitlab'
  )
  // The pending entry is read at every acknowledged chunk: it must still be there until the last one.
  const pendingAtChunk: number[] = []
  const observed: Publish = async (records) => {
    pendingAtChunk.push((await store.pending()).length)
    await publish(records)
  }
  let delivered = 0
  const replicas: GitlabCollector[] = [0, 1].map(() =>
    createGitlabCollector(config, {
      publish: observed,
      logger: silentLogger(),
      metrics: createMetrics(),
      webhookTokens: [HOOK_TOKEN],
      apiToken: API_TOKEN,
      store,
      onJob: () => {
        delivered++
      }
    })
  )
  const ac = new AbortController()
  const started = replicas.map((r) => r.start(ac.signal))
  try {
    await waitFor(() => replicas.every((r) => r.port() !== 0), 'both replicas listening')
    const body = JSON.stringify(jobEvent(job, standin.url))
    const key = randomUUID()
    const headers = { 'x-gitlab-event': 'Job Hook', 'x-gitlab-token': HOOK_TOKEN, 'idempotency-key': key }
    // GitLab retried the delivery, and a load balancer sent each attempt to another replica.
    const statuses = [await post(replicas[0]?.port() ?? 0, body, headers), await post(replicas[1]?.port() ?? 0, body, headers)]
    assert.deepEqual(statuses, [202, 200])
    await waitFor(() => delivered === 1, 'the job delivered', 30_000)
  } finally {
    ac.abort()
    await Promise.all(replicas.map((r) => r.close()))
    await Promise.all(started)
  }
  assert.ok(pendingAtChunk.length >= 9, `chunks published: ${pendingAtChunk.length}`)
  assert.ok(
    pendingAtChunk.every((n) => n === 1),
    'pending in Redis while chunks were being acknowledged'
  )
  assert.deepEqual(await store.pending(), [], 'no longer pending once Kafka had every line')

  // Every line on Kafka once, in order, with the job's stream and metadata.
  const got: LogChunk[] = []
  const consumer = await bus.consume({
    groupId: `gl-read-${randomUUID()}`,
    topics: [TOPICS.logs],
    fromBeginning: true,
    handle: async (batch) => {
      for (const m of batch.messages as InMessage[]) got.push(codec.decode(TOPICS.logs, m.value) as LogChunk)
    }
  })
  try {
    await waitFor(() => got.reduce((n, c) => n + c.lines.length, 0) >= lines.length, 'the lines on Kafka', 30_000)
  } finally {
    await consumer.stop()
  }
  got.sort((a, b) => a.startLine - b.startLine)
  const text = got.flatMap((c) => c.lines)
  assert.deepEqual(
    text.filter((l) => l.startsWith('test ')),
    lines
  )
  assert.ok(got.every((c) => c.stream === 'ci/gitlab/platform/checkout/777001' && c.source.repository === 'platform/checkout'))
  for (let i = 1; i < got.length; i++)
    assert.equal(got[i]?.startLine, (got[i - 1]?.startLine ?? 0) + (got[i - 1]?.lines.length ?? 0), 'no line twice, none missing')
})
