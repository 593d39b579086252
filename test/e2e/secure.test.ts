// End to end over production transport: Kafka with only a SASL_SSL listener (mutual TLS, SCRAM, StandardAuthorizer)
// and one Kafka user per role holding just the ACLs docs/security.md lists, and Redis on a TLS port only with an ACL
// user limited to leakwatch's key prefix. A secret written to a tailed file must reach the webhook as in
// test/e2e/pipeline.test.ts, with no refused connect and no command Redis denied. Its own broker and Redis: the
// shared plaintext ones stay as they are.

import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { appendFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { Redis } from 'ioredis'
import kafkajs, { Kafka, logLevel } from 'kafkajs'
import type { App } from '../../app/roles.ts'
import { startApp } from '../../app/roles.ts'
import { loadConfig } from '../../config/load.ts'
import { TOPICS } from '../../pipeline/events.ts'
import { createFingerprinter } from '../../pipeline/fingerprint.ts'
import { createLogger } from '../../pipeline/log.ts'
import type { SecureKafkaService, SecureRedisService } from '../harness/services.ts'
import { LEAKWATCH_REDIS_ACL, startSecureKafka, startSecureRedis } from '../harness/services.ts'
import { seededGen } from '../support/seed.ts'
import { capture, startReceiver, waitFor } from './helpers.ts'

const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } = kafkajs
const PREFIX = 'secure.'
const ROLES = ['collector', 'detector', 'responder'] as const
const passwords = Object.fromEntries(ROLES.map((r) => [r, randomBytes(18).toString('base64url')])) as Record<(typeof ROLES)[number], string>
const redisPassword = randomBytes(18).toString('base64url')
let kafka: SecureKafkaService
let redis: SecureRedisService
let dir: string

// docs/security.md, "Kafka and Redis: users and ACLs": each role's topics and operations, and its group.
const ACLS: Record<(typeof ROLES)[number], { topics: Array<[string, Array<'READ' | 'WRITE' | 'DESCRIBE'>]>; group?: string }> = {
  collector: {
    topics: [
      [TOPICS.logs, ['WRITE', 'DESCRIBE']],
      [TOPICS.audit, ['WRITE', 'DESCRIBE']]
    ]
  },
  detector: {
    topics: [
      [TOPICS.logs, ['READ', 'DESCRIBE']],
      [TOPICS.audit, ['READ', 'DESCRIBE']],
      [TOPICS.findings, ['WRITE', 'DESCRIBE']],
      [TOPICS.deadLetter, ['WRITE', 'DESCRIBE']]
    ],
    group: 'secure-detector'
  },
  responder: {
    topics: [
      [TOPICS.findings, ['READ', 'DESCRIBE']],
      [TOPICS.actions, ['WRITE', 'DESCRIBE']],
      [TOPICS.deadLetter, ['WRITE', 'DESCRIBE']]
    ],
    group: 'secure-responder'
  }
}

before(
  async () => {
    dir = await mkdtemp(join(tmpdir(), 'leakwatch-secure-'))
    ;[kafka, redis] = await Promise.all([startSecureKafka(passwords), startSecureRedis({ leakwatch: { password: redisPassword, rules: LEAKWATCH_REDIS_ACL } })])
    const admin = new Kafka({
      clientId: 'secure-admin',
      brokers: kafka.brokers,
      logLevel: logLevel.NOTHING,
      ssl: { ca: await readFile(kafka.caFile, 'utf8'), cert: await readFile(kafka.clientCertFile, 'utf8'), key: await readFile(kafka.clientKeyFile, 'utf8') },
      sasl: { mechanism: 'scram-sha-512', ...kafka.admin }
    }).admin()
    await admin.connect()
    try {
      await admin.createTopics({ waitForLeaders: true, topics: Object.values(TOPICS).map((t) => ({ topic: PREFIX + t, numPartitions: 2 })) })
      const allow = { host: '*', permissionType: AclPermissionTypes.ALLOW }
      await admin.createAcls({
        acl: ROLES.flatMap((role) => [
          ...ACLS[role].topics.flatMap(([topic, ops]) =>
            ops.map((op) => ({
              ...allow,
              principal: `User:${role}`,
              resourceType: AclResourceTypes.TOPIC,
              resourceName: PREFIX + topic,
              resourcePatternType: ResourcePatternTypes.LITERAL,
              operation: AclOperationTypes[op]
            }))
          ),
          ...(ACLS[role].group === undefined
            ? []
            : [
                {
                  ...allow,
                  principal: `User:${role}`,
                  resourceType: AclResourceTypes.GROUP,
                  resourceName: ACLS[role].group,
                  resourcePatternType: ResourcePatternTypes.LITERAL,
                  operation: AclOperationTypes.READ
                }
              ])
        ])
      })
    } finally {
      await admin.disconnect()
    }
    for (const role of ROLES) await writeFile(join(dir, `kafka-${role}`), `${passwords[role]}\n`)
    await writeFile(join(dir, 'redis-password'), redisPassword)
  },
  { timeout: 300_000 }
)

after(async () => {
  await Promise.allSettled([kafka?.stop(), redis?.stop()])
  await rm(dir, { recursive: true, force: true })
})

test('a leaked secret travels collector → SASL_SSL Kafka → detector → responder → TLS Redis → webhook, each role with only its ACLs', {
  timeout: 300_000
}, async () => {
  const g = seededGen('secure')
  const logs = join(dir, 'logs')
  await mkdir(logs, { recursive: true })
  const receiver = await startReceiver()
  const logOut = capture()
  const fingerprintKey = randomBytes(24).toString('hex')
  const configFor = (role: (typeof ROLES)[number]) =>
    loadConfig({
      env: {},
      overrides: {
        'http.enabled': false,
        'kafka.brokers': kafka.brokers,
        'kafka.payloadKey': 'p'.repeat(40),
        'kafka.partitions': 2,
        'kafka.topicPrefix': PREFIX,
        'kafka.tls.enabled': true,
        'kafka.tls.caFile': kafka.caFile,
        'kafka.tls.certFile': kafka.clientCertFile,
        'kafka.tls.keyFile': kafka.clientKeyFile,
        'kafka.sasl.mechanism': 'scram-sha-512',
        'kafka.sasl.username': role,
        'kafka.sasl.passwordFile': join(dir, `kafka-${role}`),
        'redis.url': redis.url,
        'redis.keyPrefix': 'lw',
        'redis.username': 'leakwatch',
        'redis.passwordFile': join(dir, 'redis-password'),
        'redis.tls.enabled': true,
        'redis.tls.caFile': redis.caFile,
        'collector.files.path': logs,
        'collector.files.checkpointPath': join(dir, 'checkpoint.json'),
        'collector.files.readFrom': 'beginning',
        'collector.files.pollIntervalMs': 50,
        'detector.fingerprintKey': fingerprintKey,
        'detector.groupId': 'secure-detector',
        'responder.groupId': 'secure-responder',
        'responder.console': false,
        'responder.webhook.url': receiver.url,
        'responder.webhook.backoffMs': 50
      }
    })
  const logger = createLogger({ level: 'debug', destination: logOut })
  const apps: App[] = []
  const admin = new Redis({ host: 'localhost', port: Number(new URL(redis.url).port), tls: { ca: await readFile(redis.caFile, 'utf8') }, ...redis.admin })
  try {
    for (const role of ['responder', 'detector', 'collector'] as const) apps.push(await startApp(role, configFor(role), { logger }))
    const secret = g.githubToken('ghp_')
    await appendFile(join(logs, 'api.log'), `{"level":"error","msg":"push failed","remote":"https://x-access-token:${secret}@github.com/acme/api.git"}\n`)

    await waitFor('the webhook delivery', () => (receiver.received.length >= 1 ? true : undefined), 120_000)
    const body = JSON.parse(receiver.received[0]?.body ?? '{}') as { type: string; data: { fingerprint: string; rule: string } }
    assert.equal(body.type, 'incident.opened')
    assert.equal(body.data.rule, 'github-pat-classic')
    assert.equal(body.data.fingerprint, createFingerprinter(fingerprintKey).of(secret))
    const incidents = await apps[0]?.incidents.list()
    assert.deepEqual(
      incidents?.map((i) => i.fingerprint),
      [body.data.fingerprint]
    )
    for (const app of apps) assert.equal(app.bus.ready(), true)
    for (const app of apps) assert.equal(app.metrics.kafkaConnectErrors.get({ reason: 'denied' }) + app.metrics.kafkaConnectErrors.get({ reason: 'auth' }), 0)
    // Nothing the roles needed was refused: by Redis (its ACL log) or by Kafka (no coded refusal logged).
    assert.deepEqual(await admin.acl('LOG'), [])
    assert.doesNotMatch(logOut.text(), /LW_ERR_KAFKA_(AUTH|TLS|DENIED)/)
    for (const p of [...Object.values(passwords), redisPassword, secret]) assert.ok(!logOut.text().includes(p), 'no credential or secret in the logs')
  } finally {
    for (const app of apps.reverse()) await app.stop()
    admin.disconnect()
    await receiver.close()
  }
})
