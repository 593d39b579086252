// The delivery contract under failure: the detector process is killed with
// SIGKILL mid-stream and started again, then its whole input is replayed from
// the beginning. Every planted secret must still become exactly one incident
// with one occurrence and one webhook delivery.

import assert from 'node:assert/strict'
import type { ChildProcess } from 'node:child_process'
import { spawn } from 'node:child_process'
import { appendFile, mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { Kafka, logLevel } from 'kafkajs'
import type { App } from '../../app/roles.ts'
import { startApp } from '../../app/roles.ts'
import { envName, loadConfig } from '../../config/load.ts'
import { TOPICS } from '../../pipeline/events.ts'
import { createFingerprinter } from '../../pipeline/fingerprint.ts'
import { createLogger } from '../../pipeline/log.ts'
import type { Services } from '../harness/services.ts'
import { getServices } from '../harness/services.ts'
import { seededGen } from '../support/seed.ts'
import { capture, dumpKafka, forms, responderSettled, startReceiver, uniqueId, waitFor } from './helpers.ts'

let services: Services
let dir: string

before(async () => {
  services = await getServices()
  dir = await mkdtemp(join(tmpdir(), 'leakwatch-restart-'))
})

after(async () => {
  await rm(dir, { recursive: true, force: true })
})

function startDetector(env: Record<string, string>, out: { text: string }): ChildProcess {
  const child = spawn(process.execPath, ['bin/leakwatch.ts', 'run', 'detector'], {
    cwd: join(import.meta.dirname, '../..'),
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  child.stdout?.on('data', (d: Buffer) => {
    out.text += d.toString()
  })
  child.stderr?.on('data', (d: Buffer) => {
    out.text += d.toString()
  })
  return child
}

async function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  await new Promise<void>((resolve) => child.once('exit', () => resolve()))
}

test('a detector killed mid-stream and a full replay still give exactly one incident per secret', async () => {
  const g = seededGen('g')
  const id = uniqueId()
  const logs = join(dir, 'logs')
  await mkdir(logs, { recursive: true })
  const receiver = await startReceiver()
  const fingerprintKey = `restart-fp-${id}-`.padEnd(40, 'f')
  const settings: Record<string, unknown> = {
    'kafka.brokers': services.kafkaBrokers,
    'kafka.payloadKey': `restart-payload-${id}-`.padEnd(40, 'p'),
    'kafka.sessionTimeoutMs': 6000,
    'kafka.topicPrefix': `restart${id}.`,
    'detector.fingerprintKey': fingerprintKey,
    'detector.groupId': `detector-${id}`,
    'http.port': 0,
    'http.host': '127.0.0.1'
  }
  const config = loadConfig({
    env: {},
    overrides: {
      ...settings,
      'redis.url': services.redisUrl,
      'redis.keyPrefix': `restart${id}`,
      'collector.files.path': logs,
      'collector.files.checkpointPath': join(dir, 'checkpoint.json'),
      'collector.files.readFrom': 'beginning',
      'collector.files.pollIntervalMs': 50,
      'collector.files.maxChunkLines': 50,
      'responder.groupId': `responder-${id}`,
      'responder.webhook.url': receiver.url,
      'responder.webhook.backoffMs': 50,
      'responder.console': false
    }
  })
  const detectorEnv: Record<string, string> = { LEAKWATCH_LOG_LEVEL: 'info' }
  for (const [path, value] of Object.entries(settings)) detectorEnv[envName(path)] = Array.isArray(value) ? value.join(',') : String(value)

  const logOut = capture()
  const logger = createLogger({ level: 'info', destination: logOut })
  const apps: App[] = []
  const children: ChildProcess[] = []
  const childOut = { text: '' }
  const secrets: string[] = []
  const fp = createFingerprinter(fingerprintKey)
  let line = 0
  async function wave(n: number): Promise<void> {
    const lines: string[] = []
    for (let i = 0; i < n; i++) {
      const s = g.githubToken('ghp_')
      secrets.push(s)
      for (let j = 0; j < 40; j++) lines.push(`{"level":"info","msg":"request ${line++}","status":200}`)
      lines.push(`{"level":"warn","msg":"clone with token","url":"https://${s}@github.com/acme/x.git"}`)
    }
    await appendFile(join(logs, 'app.log'), `${lines.join('\n')}\n`)
  }
  const incidents = async () => (await apps[0]?.incidents.list())?.filter((i) => secrets.some((s) => fp.of(s) === i.fingerprint)) ?? []

  try {
    apps.push(await startApp('responder', config, { logger }))
    apps.push(await startApp('collector', config, { logger }))

    children.push(startDetector(detectorEnv, childOut))
    await wave(10)
    await waitFor('first incidents', async () => ((await incidents()).length >= 3 ? true : undefined), 90_000)
    children[0]?.kill('SIGKILL')
    await exited(children[0] as ChildProcess)
    await wave(10) // written while no detector runs

    children.push(startDetector(detectorEnv, childOut))
    await waitFor('20 incidents after the restart', async () => ((await incidents()).length >= 20 ? true : undefined), 90_000)
    children[1]?.kill('SIGTERM')
    await exited(children[1] as ChildProcess)

    // Replay everything: the detector group starts again from the first chunk.
    const kafka = new Kafka({ clientId: 'leakwatch-test-admin', brokers: services.kafkaBrokers, logLevel: logLevel.NOTHING })
    const admin = kafka.admin()
    await admin.connect()
    await waitFor(
      'the detector group to be empty',
      async () => {
        const d = await admin.describeGroups([`detector-${id}`])
        return d.groups[0]?.members.length === 0 ? true : undefined
      },
      30_000
    )
    await admin.resetOffsets({ groupId: `detector-${id}`, topic: `restart${id}.${TOPICS.logs}`, earliest: true })
    await admin.disconnect()
    children.push(startDetector(detectorEnv, childOut))

    // Caught up when every finding of ours is on the findings topic twice and the responder consumed the topic to its end.
    const ours = new Set(secrets.map((s) => fp.of(s)))
    await waitFor(
      'the replay to reach the responder',
      async () => {
        const findings = (await dumpKafka(services.kafkaBrokers, `restart${id}.`)).filter((m) => m.topic === TOPICS.findings)
        const replayed = findings.filter((m) => [...ours].some((f) => m.value?.toString().includes(f)))
        const consumed = apps[0]?.metrics.recordsIn.get({ topic: TOPICS.findings }) ?? 0
        return replayed.length >= 40 && consumed >= findings.length ? true : undefined
      },
      90_000
    )

    const final = await incidents()
    assert.equal(final.length, 20, 'one incident per planted secret')
    for (const i of final) assert.equal(i.occurrences, 1, `incident ${i.fingerprint.slice(0, 8)} counted a replay as an occurrence`)
    await responderSettled(services, { topicPrefix: `restart${id}.`, keyPrefix: `restart${id}`, groupId: `responder-${id}` })
    const delivered = receiver.received.map((r) => String(r.headers['webhook-id']))
    assert.equal(delivered.length, 20, 'exactly one webhook per incident')
    assert.equal(new Set(delivered).size, 20)

    const everything = childOut.text + logOut.text() + receiver.received.map((r) => r.body).join('\n')
    assert.ok(childOut.text.includes('detector started'), 'the detector child logged')
    for (const s of secrets) for (const form of forms(s)) assert.ok(!everything.includes(form), 'a secret leaked into logs or webhooks')
  } finally {
    for (const c of children) {
      c.kill('SIGKILL')
      await exited(c)
    }
    for (const app of apps.reverse()) await app.stop().catch(() => {})
    await receiver.close()
  }
})
