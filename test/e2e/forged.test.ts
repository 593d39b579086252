// A forged finding written straight to Kafka must not make leakwatch act: the
// responder role on the real Kafka and Redis of the harness gets forged
// findings (no MAC, a MAC by a key it does not know, a known key id with a MAC
// by another key, a genuine MAC copied onto another finding) and then one
// genuine finding. Only the genuine one opens an incident, enqueues a job and
// calls the webhook; the forgeries go to the dead-letter topic.

import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { Kafka, logLevel, Partitioners } from 'kafkajs'
import type { App } from '../../app/roles.ts'
import { startApp } from '../../app/roles.ts'
import { loadConfig } from '../../config/load.ts'
import { createCodec } from '../../pipeline/codec.ts'
import { TOPICS } from '../../pipeline/events.ts'
import { createLogger } from '../../pipeline/log.ts'
import { createRecordMac, MAC_KEY_HEADER } from '../../pipeline/record-mac.ts'
import type { Services } from '../harness/services.ts'
import { getServices } from '../harness/services.ts'
import { finding, gen } from '../responders/fixtures.ts'
import { capture, dumpKafka, dumpRedis, startReceiver, uniqueId, waitFor } from './helpers.ts'

let services: Services
before(
  async () => {
    services = await getServices()
  },
  { timeout: 600_000 }
)
const apps: App[] = []
after(async () => {
  for (const a of apps.splice(0)) await a.stop()
})

test('a forged finding written straight to Kafka causes no incident, no job and no webhook', { timeout: 120_000 }, async () => {
  const id = uniqueId()
  const prefix = `forged${id}.`
  const receiver = await startReceiver()
  const payloadKey = `payload-key-${id}-`.padEnd(40, 'y')
  const recordKey = gen.base62(40)
  const config = loadConfig({
    env: {},
    overrides: {
      'http.enabled': false,
      'kafka.brokers': services.kafkaBrokers,
      'kafka.payloadKey': payloadKey,
      'kafka.recordKey': recordKey,
      'kafka.partitions': 1,
      'kafka.topicPrefix': prefix,
      'redis.url': services.redisUrl,
      'redis.keyPrefix': `forged${id}`,
      'responder.console': false,
      'responder.groupId': `responder-${id}`,
      'responder.webhook.url': receiver.url,
      'responder.webhook.backoffMs': 50
    }
  })
  const logs = capture()
  try {
    apps.push(await startApp('responder', config, { logger: createLogger({ level: 'debug', destination: logs }) }))
    const app = apps[0]
    assert.ok(app !== undefined)

    const detector = createCodec({ payloadKey, compress: true, recordKey })
    const encode = (f: object) => Buffer.from(JSON.stringify(f))
    const [f1, f2, f3, f4, genuine] = [1, 2, 3, 4, 5].map((n) => finding(gen.githubToken('ghp_'), `k8s/prod/api-${n}/app`, 1, new Date().toISOString()))
    assert.ok(f1 !== undefined && f2 !== undefined && f3 !== undefined && f4 !== undefined && genuine !== undefined)
    // One Kafka key for all: one partition, consumed in order, so the genuine one is handled after the forgeries.
    const key = 'k'
    const genuineHeaders = detector.sign(TOPICS.findings, key, encode(genuine)) ?? {}
    const strangerHeaders = createRecordMac(Buffer.from(gen.base62(40))).sign(TOPICS.findings, key, encode(f2)) ?? {}
    const forgeries = [
      { key, value: encode(f1) },
      { key, value: encode(f2), headers: strangerHeaders },
      { key, value: encode(f3), headers: { ...strangerHeaders, [MAC_KEY_HEADER]: genuineHeaders[MAC_KEY_HEADER] ?? '' } },
      { key, value: encode(f4), headers: genuineHeaders }
    ]

    const kafka = new Kafka({ clientId: 'forger', brokers: services.kafkaBrokers, logLevel: logLevel.NOTHING })
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
    await producer.connect()
    await producer.send({ topic: prefix + TOPICS.findings, acks: -1, messages: forgeries })
    await producer.send({ topic: prefix + TOPICS.findings, acks: -1, messages: [{ key, value: encode(genuine), headers: genuineHeaders }] })
    await producer.disconnect()

    await waitFor('the genuine finding’s webhook', () => (receiver.received.length > 0 ? true : undefined))
    await waitFor('four dead letters', () => (app.metrics.recordsUnauthenticated.get({ topic: TOPICS.findings }) === 4 ? true : undefined), 10_000)

    const delivered = receiver.received.map((r) => (JSON.parse(r.body) as { data: { fingerprint: string } }).data.fingerprint)
    assert.deepEqual(delivered, [genuine.fingerprint], 'only the genuine finding called the webhook')
    assert.deepEqual(
      (await app.incidents.list()).map((i) => i.fingerprint),
      [genuine.fingerprint],
      'only the genuine finding opened an incident'
    )
    const redis = await dumpRedis(services.redisUrl, `forged${id}`)
    assert.ok(redis.includes(genuine.fingerprint.slice(0, 16)), 'the genuine finding’s incident and job are in Redis')
    for (const f of [f1, f2, f3, f4]) assert.equal(redis.includes(f.fingerprint.slice(0, 16)), false, 'no incident or job for a forgery')

    const dead = (await dumpKafka(services.kafkaBrokers, prefix)).filter((m) => m.topic === TOPICS.deadLetter)
    assert.equal(dead.length, 4)
    for (const d of dead) {
      const code = (JSON.parse(d.headers) as Record<string, { data: number[] }>)['lw-error-code']
      assert.equal(Buffer.from(code?.data ?? []).toString(), 'LW_ERR_RECORD_UNAUTHENTICATED')
    }
    assert.match(logs.text(), /record rejected to the dead-letter topic/)
    assert.equal(logs.text().includes(recordKey), false)
  } finally {
    await receiver.close()
  }
})
