// End to end on the real Kafka and Redis started by the harness: a secret
// written to a tailed file travels collector → Kafka → detector → Kafka →
// responder → Redis → BullMQ → a local webhook receiver. Then everything
// leakwatch wrote anywhere is searched for the plaintext.

import assert from 'node:assert/strict'
import { appendFile, mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import type { App } from '../../app/roles.ts'
import { startApp } from '../../app/roles.ts'
import { loadConfig } from '../../config/load.ts'
import { TOPICS } from '../../pipeline/events.ts'
import { createFingerprinter } from '../../pipeline/fingerprint.ts'
import { createLogger } from '../../pipeline/log.ts'
import type { Services } from '../harness/services.ts'
import { getServices } from '../harness/services.ts'
import { seededGen } from '../support/seed.ts'
import { capture, clusteredRun, dumpKafka, dumpRedis, forms, responderSettled, startReceiver, uniqueId, waitFor } from './helpers.ts'

let services: Services
let dir: string

before(async () => {
  services = await getServices()
  dir = await mkdtemp(join(tmpdir(), 'leakwatch-e2e-'))
})

after(async () => {
  await rm(dir, { recursive: true, force: true })
})

test('a leaked secret travels the whole pipeline and is never stored or printed in plaintext', async () => {
  const g = seededGen('g')
  const id = uniqueId()
  const logs = join(dir, `logs-${id}`)
  await mkdir(logs, { recursive: true })
  const receiver = await startReceiver()
  const logOut = capture()
  const consoleOut = capture()
  const fingerprintKey = `fp-key-${id}-`.padEnd(40, 'x')
  const config = loadConfig({
    env: {},
    overrides: {
      ...clusteredRun(services, { name: 'e2e', id, dir, logs, fingerprintKey }),
      'kafka.partitions': 3,
      'responder.webhook.url': receiver.url,
      'responder.webhook.backoffMs': 50
    }
  })
  const logger = createLogger({ level: 'debug', destination: logOut })
  const apps: App[] = []
  try {
    // The three clustered roles, each with its own bus connection, as three pods would run them.
    apps.push(await startApp('responder', config, { logger, stdout: consoleOut }))
    apps.push(await startApp('detector', config, { logger }))
    apps.push(await startApp('collector', config, { logger }))

    const secrets = [g.githubToken('ghp_'), `AKIA${g.chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16)}`, g.password()]
    await appendFile(
      join(logs, 'api.log'),
      [
        '{"level":"info","msg":"starting"}',
        `{"level":"error","msg":"push failed","remote":"https://x-access-token:${secrets[0]}@github.com/acme/api.git"}`,
        'INFO GET /healthz 200 1ms',
        `DEBUG loaded AWS_ACCESS_KEY_ID=${secrets[1]} from env`,
        `INFO connecting with DB_PASSWORD=${secrets[2]}`,
        ''
      ].join('\n')
    )

    const fp = createFingerprinter(fingerprintKey)
    const expected = new Set(secrets.map((s) => fp.of(s)))
    await waitFor('three webhook deliveries', () => (receiver.received.length >= 3 ? true : undefined))
    // A duplicate delivery, if there were going to be one, has been made once the responder is idle.
    await responderSettled(services, { topicPrefix: `e2e${id}.`, keyPrefix: `e2e${id}`, groupId: `responder-${id}` })
    assert.equal(receiver.received.length, 3, 'one webhook per incident')

    const got = receiver.received.map((r) => JSON.parse(r.body) as { type: string; data: { fingerprint: string; preview: string; rule: string } })
    assert.deepEqual(new Set(got.map((b) => b.data.fingerprint)), expected)
    assert.deepEqual(got.map((b) => b.data.rule).sort(), ['aws-access-key-id', 'generic-password-assignment', 'github-pat-classic'])
    for (const b of got) {
      assert.equal(b.type, 'incident.opened')
      assert.match(b.data.preview, /\*{8}/)
    }
    for (const r of receiver.received) assert.match(String(r.headers['webhook-id']), /^webhook-[0-9a-f]{64}-opened$/)
    assert.match(consoleOut.text(), /leak found: GitHub personal access token \(classic\) \[critical\] ghp_\*{8}/)

    // The incident is in Redis with its occurrence, and the action was recorded on Kafka.
    const incidents = await apps[0]?.incidents.list()
    assert.deepEqual(new Set(incidents?.map((i) => i.fingerprint)), expected)
    for (const i of incidents ?? []) assert.equal(i.occurrences, 1)

    const metrics = await fetch(`http://127.0.0.1:${apps[1]?.http?.port}/metrics`).then((r) => r.text())
    assert.match(metrics, /leakwatch_findings_total\{rule="github-pat-classic",severity="critical"\} 1/)
    const ready = await fetch(`http://127.0.0.1:${apps[0]?.http?.port}/readyz`)
    assert.equal(ready.status, 200)

    await waitFor('action records on Kafka', async () => {
      const actions = (await dumpKafka(services.kafkaBrokers, `e2e${id}.`)).filter(
        (m) => m.topic === TOPICS.actions && m.value?.toString().includes('"succeeded"')
      )
      const mine = actions.filter((m) => [...expected].some((f) => m.value?.toString().includes(f)))
      return mine.length >= 3 ? mine : undefined
    })

    for (const app of apps.splice(0).reverse()) await app.stop()

    // Nowhere in plaintext: Kafka (every topic, keys, values, headers), Redis, the webhook bodies, our logs, our stdout.
    const kafka = await dumpKafka(services.kafkaBrokers, `e2e${id}.`)
    assert.ok(
      kafka.some((m) => m.topic === TOPICS.logs),
      'the log chunks went through Kafka'
    )
    const kafkaText = kafka.map((m) => `${m.key?.toString('latin1')} ${m.value?.toString('latin1')} ${m.headers}`).join('\n')
    const chunks = kafka.filter((m) => m.topic === TOPICS.logs).map((m) => m.value?.toString('latin1') ?? '')
    assert.ok(
      chunks.every((c) => !c.includes('push failed') && !c.includes('healthz')),
      'log chunks are sealed on Kafka'
    )
    const redisText = await dumpRedis(services.redisUrl, `e2e${id}`)
    assert.ok(redisText.includes('incident'), 'incidents are in Redis')
    assert.ok(redisText.includes(':bull:'), 'BullMQ jobs are in Redis')
    const places: Record<string, string> = {
      kafka: kafkaText,
      redis: redisText,
      webhook: receiver.received.map((r) => r.body + JSON.stringify(r.headers)).join('\n'),
      logs: logOut.text(),
      console: consoleOut.text(),
      metrics
    }
    assert.ok(logOut.text().includes('"msg":"detector started"'), 'logs were captured')
    for (const s of secrets) {
      for (const [where, text] of Object.entries(places)) {
        for (const form of forms(s)) assert.ok(!text.includes(form), `a secret appears in ${where}`)
      }
    }
  } finally {
    for (const app of apps.reverse()) await app.stop().catch(() => {})
    await receiver.close()
  }
})
