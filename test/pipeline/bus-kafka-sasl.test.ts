// The Kafka bus against a real broker whose only client listener is SASL_SSL with mutual TLS and ACLs
// (test/harness/services.ts startSecureKafka): a second broker started by this file alone, so the
// plaintext broker every other test shares stays fast.

import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { after, before, test } from 'node:test'
import type { Admin } from 'kafkajs'
import kafkajs, { Kafka, logLevel } from 'kafkajs'
import { startApp } from '../../app/roles.ts'
import type { Config } from '../../config/schema.ts'
import { configSchema } from '../../config/schema.ts'
import type { Bus, InMessage } from '../../pipeline/bus.ts'
import { kafkaConfigSchema } from '../../pipeline/bus-kafka.config.ts'
import type { KafkaBusOptions } from '../../pipeline/bus-kafka.ts'
import { createKafkaBus } from '../../pipeline/bus-kafka.ts'
import { kafkaSecurity } from '../../pipeline/bus-kafka-security.ts'
import type { LeakwatchError } from '../../pipeline/errors.ts'
import { isLeakwatchError } from '../../pipeline/errors.ts'
import { TOPICS } from '../../pipeline/events.ts'
import type { Logger } from '../../pipeline/log.ts'
import { createLogger } from '../../pipeline/log.ts'
import * as s from '../../pipeline/schema.ts'
import type { SecureKafkaService } from '../harness/services.ts'
import { startSecureKafka } from '../harness/services.ts'
import { waitFor } from '../support/wait.ts'

// kafkajs's ACL enums are CommonJS properties Node cannot import by name.
const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } = kafkajs
type AclOperation = (typeof AclOperationTypes)[keyof typeof AclOperationTypes]
type AclResource = (typeof AclResourceTypes)[keyof typeof AclResourceTypes]
type ResourcePattern = (typeof ResourcePatternTypes)[keyof typeof ResourcePatternTypes]

const PREFIX = 'sec.'
// base64url: what the harness can put in a JAAS line and a SCRAM format argument as they are.
const passwords = { leakwatch: randomBytes(18).toString('base64url'), collector: randomBytes(18).toString('base64url') }
const dir = mkdtempSync(join(tmpdir(), 'lw-sasl-'))
const logLines: string[] = []
const logger: Logger = createLogger({
  level: 'debug',
  destination: new Writable({
    write(chunk, _enc, cb) {
      logLines.push(String(chunk))
      cb()
    }
  })
})
let kafka: SecureKafkaService
let admin: Admin
const buses: Bus[] = []

function file(name: string, content: string): string {
  const p = join(dir, name)
  writeFileSync(p, content)
  return p
}

function kafkaSection(sasl: Record<string, unknown>, tls: Record<string, unknown> = {}) {
  return s.parse(
    kafkaConfigSchema,
    {
      tls: { enabled: true, caFile: kafka.caFile, certFile: kafka.clientCertFile, keyFile: kafka.clientKeyFile, ...tls },
      sasl
    },
    'LW_ERR_CONFIG_INVALID',
    'kafka'
  )
}

function scram(user: keyof typeof passwords, mechanism = 'scram-sha-512', password = passwords[user]) {
  return { mechanism, username: user, passwordFile: file(`${user}-${mechanism}-pw`, `${password}\n`) }
}

function busOptions(overrides: Partial<KafkaBusOptions>): KafkaBusOptions {
  return {
    brokers: kafka.brokers,
    clientId: 'lw-sasl-test',
    topics: Object.values(TOPICS),
    topicPrefix: PREFIX,
    partitions: 1,
    replicationFactor: 1,
    sessionTimeoutMs: 10_000,
    connectionTimeoutMs: 3000,
    requestTimeoutMs: 10_000,
    maxBytesPerPartition: 1 << 20,
    connectBackoff: { baseMs: 50, maxMs: 200, jitter: 'none' },
    ...overrides
  }
}

async function bus(overrides: Partial<KafkaBusOptions>): Promise<Bus> {
  const b = await createKafkaBus(busOptions(overrides), logger)
  buses.push(b)
  return b
}

/** Connects with the options and stops the retries at the first failure, which it returns with how many were reported. */
async function firstConnectError(overrides: Partial<KafkaBusOptions>): Promise<{ reported: LeakwatchError[]; thrown: unknown }> {
  const abort = new AbortController()
  const reported: LeakwatchError[] = []
  const thrown = await createKafkaBus(
    busOptions({
      ...overrides,
      signal: abort.signal,
      onConnectError: (err) => {
        reported.push(err)
        abort.abort()
      }
    }),
    logger
  ).then(
    () => assert.fail('connected'),
    (err: unknown) => err
  )
  return { reported, thrown }
}

function acl(principal: string, resourceType: AclResource, resourceName: string, pattern: ResourcePattern, operation: AclOperation) {
  return {
    principal: `User:${principal}`,
    host: '*',
    resourceType,
    resourceName,
    resourcePatternType: pattern,
    operation,
    permissionType: AclPermissionTypes.ALLOW
  }
}

before(
  async () => {
    kafka = await startSecureKafka(passwords)
    const client = new Kafka({
      clientId: 'lw-sasl-admin',
      brokers: kafka.brokers,
      logLevel: logLevel.NOTHING,
      ssl: kafkaSecurity(kafkaSection({ mechanism: 'none' }), logger).ssl ?? {},
      sasl: { mechanism: 'scram-sha-512', ...kafka.admin }
    })
    admin = client.admin()
    await admin.connect()
    // The operator's part: topics exist, leakwatch's service user owns its prefix, the collector may only write logs.
    await admin.createTopics({ waitForLeaders: true, topics: Object.values(TOPICS).map((t) => ({ topic: PREFIX + t, numPartitions: 1 })) })
    await admin.createAcls({
      acl: [
        acl('leakwatch', AclResourceTypes.TOPIC, PREFIX, ResourcePatternTypes.PREFIXED, AclOperationTypes.ALL),
        acl('leakwatch', AclResourceTypes.GROUP, 'sec-', ResourcePatternTypes.PREFIXED, AclOperationTypes.ALL),
        acl('collector', AclResourceTypes.TOPIC, PREFIX + TOPICS.logs, ResourcePatternTypes.LITERAL, AclOperationTypes.WRITE),
        acl('collector', AclResourceTypes.TOPIC, PREFIX + TOPICS.logs, ResourcePatternTypes.LITERAL, AclOperationTypes.DESCRIBE)
      ]
    })
  },
  { timeout: 300_000 }
)

after(async () => {
  for (const b of buses) await b.close().catch(() => {})
  await admin?.disconnect().catch(() => {})
  await kafka?.stop()
  rmSync(dir, { recursive: true, force: true })
  // Whatever failed above, no credential reached a log line.
  for (const p of Object.values(passwords)) assert.ok(!logLines.join('').includes(p), 'a password appears in the logs')
})

test('SCRAM-SHA-512 over mutual TLS: a least-privilege user produces and consumes through createKafkaBus', { timeout: 120_000 }, async () => {
  const b = await bus({ security: kafkaSecurity(kafkaSection(scram('leakwatch')), logger) })
  assert.equal(b.ready(), true)
  const received: InMessage[] = []
  const consumer = await b.consume({
    groupId: 'sec-e2e',
    topics: [TOPICS.findings],
    fromBeginning: true,
    handle: async (batch) => {
      received.push(...batch.messages)
    }
  })
  try {
    const marker = randomBytes(8).toString('hex')
    await b.send(TOPICS.findings, [{ key: 'k', value: marker, headers: { via: 'sasl_ssl' } }])
    await waitFor(() => received.some((m) => m.value.toString() === marker), 'the record back through the SASL_SSL listener', 60_000, 50)
    const got = received.find((m) => m.value.toString() === marker)
    assert.equal(got?.topic, TOPICS.findings)
    assert.equal(got?.headers.via, 'sasl_ssl')
  } finally {
    await consumer.stop()
  }
})

test('SCRAM-SHA-256, PLAIN and OAUTHBEARER (token from a file) each connect and produce', { timeout: 120_000 }, async () => {
  const b64 = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url')
  const now = Math.floor(Date.now() / 1000)
  // An unsecured JWT (alg none), which the harness broker's default OAUTHBEARER validator accepts: `sub` is the principal.
  const token = `${b64({ alg: 'none' })}.${b64({ sub: 'leakwatch', iat: now, exp: now + 3600 })}.`
  const mechanisms = [
    scram('leakwatch', 'scram-sha-256'),
    scram('leakwatch', 'plain'),
    { mechanism: 'oauthbearer', oauthTokenFile: file('token', `${token}\n`) }
  ]
  for (const sasl of mechanisms) {
    const b = await bus({ security: kafkaSecurity(kafkaSection(sasl), logger) })
    await b.send(TOPICS.actions, [{ key: null, value: `via ${sasl.mechanism}` }])
    await b.close()
  }
})

test('a wrong password: LW_ERR_KAFKA_AUTH and the metric, retried with backoff while /readyz says not ready, no exit', { timeout: 120_000 }, async () => {
  const port = await new Promise<number>((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const p = (srv.address() as AddressInfo).port
      srv.close(() => resolve(p))
    })
  })
  const config: Config = s.parse(
    configSchema,
    {
      http: { host: '127.0.0.1', port },
      kafka: {
        brokers: kafka.brokers,
        topicPrefix: PREFIX,
        payloadKey: randomBytes(24).toString('hex'),
        tls: { enabled: true, caFile: kafka.caFile, certFile: kafka.clientCertFile, keyFile: kafka.clientKeyFile },
        sasl: scram('leakwatch', 'scram-sha-512', 'not-the-password')
      },
      collector: { files: { path: dir } }
    },
    'LW_ERR_CONFIG_INVALID',
    'config'
  )
  const abort = new AbortController()
  const started = startApp('collector', config, { logger, signal: abort.signal })
  let outcome: unknown
  const settled = started.then(
    () => {
      outcome = 'started'
    },
    (err: unknown) => {
      outcome = err
    }
  )
  const metric = async (): Promise<number> => {
    const text = await fetch(`http://127.0.0.1:${port}/metrics`).then(
      (r) => r.text(),
      () => ''
    )
    return Number(/leakwatch_kafka_connect_errors_total\{reason="auth"\} (\d+)/.exec(text)?.[1] ?? 0)
  }
  // A second failure means the first did not end the process: it backed off and tried again.
  await waitFor(async () => (await metric()) >= 2, 'two refused connects counted', 60_000, 100)
  assert.equal(outcome, undefined, 'startApp still retrying')
  const ready = await fetch(`http://127.0.0.1:${port}/readyz`)
  assert.equal(ready.status, 503)
  assert.deepEqual(((await ready.json()) as { checks: Record<string, boolean> }).checks, { bus: false, started: false })
  abort.abort()
  await settled
  assert.ok(isLeakwatchError(outcome, 'LW_ERR_KAFKA_AUTH'), String(outcome))
  assert.match((outcome as Error).message, /SASL authentication failed: check kafka\.sasl/)
  const logged = logLines.map((l) => JSON.parse(l) as { code?: string; level: number }).filter((l) => l.code === 'LW_ERR_KAFKA_AUTH')
  assert.ok(logged.length >= 2 && logged.every((l) => l.level === 50), 'each refused connect is logged as an error with its code')
  // The endpoint went away with the failed start.
  await assert.rejects(fetch(`http://127.0.0.1:${port}/metrics`))
})

test('a broker certificate that does not name the host: LW_ERR_KAFKA_TLS', { timeout: 180_000 }, async () => {
  const { reported, thrown } = await firstConnectError({
    brokers: kafka.brokersByIp,
    security: kafkaSecurity(kafkaSection(scram('leakwatch')), logger)
  })
  assert.equal(reported[0]?.code, 'LW_ERR_KAFKA_TLS')
  assert.ok(isLeakwatchError(thrown, 'LW_ERR_KAFKA_TLS'))
  assert.match((thrown as Error).message, /TLS handshake failed/)
})

test('verifyHostname: false accepts the same broker by IP (the chain is still checked)', { timeout: 120_000 }, async () => {
  const b = await bus({ brokers: kafka.brokersByIp, security: kafkaSecurity(kafkaSection(scram('leakwatch'), { verifyHostname: false }), logger) })
  await b.send(TOPICS.actions, [{ key: null, value: 'by ip' }])
})

test("the broker's ACLs: a collector may write logs but neither read nor forge findings (LW_ERR_KAFKA_DENIED)", { timeout: 120_000 }, async () => {
  // It may not create the topics it cannot see either: the bus assumes the operator did and connects.
  const b = await bus({ security: kafkaSecurity(kafkaSection(scram('collector')), logger) })
  await b.send(TOPICS.logs, [{ key: null, value: 'a log chunk' }])
  await assert.rejects(
    b.consume({ groupId: 'sec-collector', topics: [TOPICS.findings], fromBeginning: true, handle: async () => {} }),
    (err: unknown) => isLeakwatchError(err, 'LW_ERR_KAFKA_DENIED') && /ACLs deny/.test(err.message)
  )
  await assert.rejects(b.send(TOPICS.findings, [{ key: null, value: '{"forged":true}' }]), (err: unknown) => isLeakwatchError(err, 'LW_ERR_KAFKA_DENIED'))
})

test('a consumer group the ACLs deny: LW_ERR_KAFKA_DENIED, not ready, and consuming once the operator adds the ACL', { timeout: 120_000 }, async () => {
  const reported: LeakwatchError[] = []
  const b = await bus({
    security: kafkaSecurity(kafkaSection(scram('leakwatch')), logger),
    onConnectError: (err) => {
      reported.push(err)
    }
  })
  const group = `denied-${randomBytes(4).toString('hex')}`
  const received: string[] = []
  const marker = randomBytes(8).toString('hex')
  await b.send(TOPICS.actions, [{ key: null, value: marker }])
  // The topic is allowed, the group is not: kafkajs gives up on the group and leakwatch keeps trying.
  const consumer = await b.consume({
    groupId: group,
    topics: [TOPICS.actions],
    fromBeginning: true,
    handle: async (batch) => {
      received.push(...batch.messages.map((m) => m.value.toString()))
    }
  })
  try {
    await waitFor(() => reported.some((e) => e.code === 'LW_ERR_KAFKA_DENIED'), 'the denied group reported', 60_000, 50)
    assert.match(reported.find((e) => e.code === 'LW_ERR_KAFKA_DENIED')?.message ?? '', new RegExp(`consumer group ${group}`))
    assert.equal(b.ready(), false, 'not ready while a consumer cannot join')
    await admin.createAcls({ acl: [acl('leakwatch', AclResourceTypes.GROUP, group, ResourcePatternTypes.LITERAL, AclOperationTypes.READ)] })
    await waitFor(() => received.includes(marker), 'the record, once the group is allowed', 90_000, 50)
    await waitFor(() => b.ready(), 'ready again', 10_000, 50)
  } finally {
    await consumer.stop()
  }
})
