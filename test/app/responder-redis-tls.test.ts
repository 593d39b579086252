// The clustered responder (Redis incidents, Slack limiter and lock, BullMQ jobs) on a Redis that listens only on
// TLS, with the `default` user off and leakwatch's ACL user limited to its key prefix (test/harness/services.ts
// startSecureRedis) with LEAKWATCH_REDIS_ACL, the rules docs/security.md gives operators.

import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { after, before, test } from 'node:test'
import { Redis } from 'ioredis'
import { startResponder } from '../../app/responder.ts'
import { loadConfig } from '../../config/load.ts'
import { createMemoryBus } from '../../pipeline/bus-memory.ts'
import { createCodec } from '../../pipeline/codec.ts'
import { isLeakwatchError } from '../../pipeline/errors.ts'
import { TOPICS } from '../../pipeline/events.ts'
import { createLogger } from '../../pipeline/log.ts'
import { createMetrics } from '../../pipeline/metrics.ts'
import { createPublisher } from '../../pipeline/runner.ts'
import type { SecureRedisService } from '../harness/services.ts'
import { LEAKWATCH_REDIS_ACL, startSecureRedis } from '../harness/services.ts'
import { finding, gen } from '../responders/fixtures.ts'
import { startSlack, startWebhookReceiver } from '../responders/standins.ts'
import { waitFor } from '../support/wait.ts'

const password = randomBytes(18).toString('base64url')
const dir = mkdtempSync(join(tmpdir(), 'lw-redis-tls-'))
const logLines: string[] = []
const log = createLogger({
  level: 'debug',
  destination: new Writable({
    write(chunk, _enc, cb) {
      logLines.push(String(chunk))
      cb()
    }
  })
})
let redis: SecureRedisService
let admin: Redis

before(
  async () => {
    redis = await startSecureRedis({ leakwatch: { password, rules: LEAKWATCH_REDIS_ACL } })
    writeFileSync(join(dir, 'password'), `${password}\n`)
    writeFileSync(join(dir, 'username'), 'leakwatch\n')
    const port = Number(new URL(redis.url).port)
    admin = new Redis({ host: 'localhost', port, tls: { ca: readFileSync(redis.caFile, 'utf8') }, ...redis.admin })
  },
  { timeout: 120_000 }
)

after(async () => {
  admin?.disconnect()
  await redis?.stop()
  rmSync(dir, { recursive: true, force: true })
  assert.ok(!logLines.join('').includes(password), 'the Redis password appears in the logs')
})

function redisOverrides(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    'redis.url': redis.url,
    'redis.keyPrefix': 'lw',
    'redis.usernameFile': join(dir, 'username'),
    'redis.passwordFile': join(dir, 'password'),
    'redis.tls.enabled': true,
    'redis.tls.caFile': redis.caFile,
    'redis.tls.certFile': redis.clientCertFile,
    'redis.tls.keyFile': redis.clientKeyFile,
    ...extra
  }
}

async function responder(overrides: Record<string, unknown>, signal?: AbortSignal, metrics = createMetrics()) {
  const config = loadConfig({ env: {}, overrides: { 'responder.console': false, 'responder.groupId': 'tls', ...overrides } })
  const bus = createMemoryBus()
  const codec = createCodec({ payloadKey: undefined, compress: false })
  const runner = { bus, codec, metrics, logger: log }
  const publish = createPublisher(runner)
  const r = await startResponder(config, { log, metrics, runner, publish, embedded: false, stdout: undefined, signal })
  return { ...r, publish }
}

test('the responder over TLS as an ACL user limited to lw:*: incidents, the Slack limiter and lock, a BullMQ rotation job; no command denied', {
  timeout: 120_000
}, async () => {
  await admin.acl('LOG', 'RESET')
  const token = `xoxb-${gen.digits(12)}-${gen.base62(24)}`
  const key = `whsec_${randomBytes(32).toString('base64')}`
  const slack = await startSlack(token)
  const receiver = await startWebhookReceiver([key])
  const r = await responder(
    redisOverrides({
      'responder.slack.token': token,
      'responder.slack.apiUrl': slack.apiUrl,
      'responder.slack.defaultChannel': 'C0SECURITY',
      'responder.slack.coalesceMs': 50,
      'responder.webhook.url': `${receiver.url}/rotate`,
      'responder.webhook.secrets': [key],
      'responder.webhook.notify': false,
      'responder.rotation.defaultMode': 'auto'
    })
  )
  try {
    const f = finding(gen.githubToken('ghp_'), 'k8s/payments/api/app', 1, new Date().toISOString())
    await r.publish([{ topic: TOPICS.findings, key: f.fingerprint, value: f }])
    await waitFor(async () => (await r.incidents.get(f.fingerprint))?.resolution === 'rotated', 'the incident rotated through a BullMQ job', 60_000, 50)
    await waitFor(() => slack.messages.length === 1, 'the Slack message', 30_000, 50)
    assert.equal(receiver.processed.length, 1)
    assert.equal(r.ready.redis?.(), true)
  } finally {
    await r.stop()
    await receiver.close()
    await slack.close()
  }
  // Everything it wrote is under the prefix, and Redis refused it nothing.
  const keys = await admin.keys('*')
  assert.ok(keys.length > 0 && keys.every((k) => k.startsWith('lw:')), keys.join(' '))
  assert.deepEqual(await admin.acl('LOG'), [])
})

test('the ACL user cannot touch a key outside its prefix nor run a dangerous command', { timeout: 60_000 }, async () => {
  const port = Number(new URL(redis.url).port)
  const client = new Redis({ host: 'localhost', port, tls: { ca: readFileSync(redis.caFile, 'utf8') }, username: 'leakwatch', password })
  try {
    await client.set('lw:probe', '1')
    await assert.rejects(client.set('other:key', '1'), /NOPERM/)
    await assert.rejects(client.get('other:key'), /NOPERM/)
    await assert.rejects(client.flushall(), /NOPERM/)
    await assert.rejects(client.config('GET', 'dir'), /NOPERM/)
  } finally {
    client.disconnect()
  }
})

test('a wrong Redis password: LW_ERR_REDIS_AUTH saying WRONGPASS and the metric, retried with backoff, not thrown until stopped', {
  timeout: 60_000
}, async () => {
  writeFileSync(join(dir, 'wrong'), 'not-the-password')
  const abort = new AbortController()
  const metrics = createMetrics()
  let outcome: unknown
  const settled = responder({ ...redisOverrides({ 'redis.passwordFile': join(dir, 'wrong') }) }, abort.signal, metrics).then(
    () => {
      outcome = 'started'
    },
    (err: unknown) => {
      outcome = err
    }
  )
  // A second refusal counted means the first did not end the start: it backed off and tried again.
  await waitFor(() => metrics.redisConnectErrors.get({ reason: 'auth' }) >= 2, 'two refused Redis logins', 30_000, 50)
  assert.equal(outcome, undefined, 'still retrying')
  abort.abort()
  await settled
  assert.ok(isLeakwatchError(outcome, 'LW_ERR_REDIS_AUTH'), String(outcome))
  assert.match((outcome as Error).message, /WRONGPASS/)
  assert.ok(!(outcome as Error).message.includes('not-the-password'))
})

test('plaintext to the TLS port is refused: redis.tls matters', { timeout: 60_000 }, async () => {
  const abort = new AbortController()
  const metrics = createMetrics()
  const started = responder(
    {
      ...redisOverrides({ 'redis.url': redis.url.replace('rediss:', 'redis:') }),
      'redis.tls.enabled': false,
      'redis.tls.caFile': undefined,
      'redis.tls.certFile': undefined,
      'redis.tls.keyFile': undefined
    },
    abort.signal,
    metrics
  )
  await waitFor(() => metrics.redisConnectErrors.get({ reason: 'unavailable' }) >= 1, 'the refused plaintext connect', 30_000, 50)
  abort.abort()
  await assert.rejects(started, (err: unknown) => isLeakwatchError(err, 'LW_ERR_REDIS_UNAVAILABLE'))
})

test("a CA that did not sign Redis's certificate: LW_ERR_REDIS_TLS", { timeout: 60_000 }, async () => {
  const abort = new AbortController()
  const metrics = createMetrics()
  // The client certificate is no CA of the server's: verification fails.
  const started = responder(redisOverrides({ 'redis.tls.caFile': redis.clientCertFile }), abort.signal, metrics)
  await waitFor(() => metrics.redisConnectErrors.get({ reason: 'tls' }) >= 1, 'the refused handshake', 30_000, 50)
  abort.abort()
  await assert.rejects(started, (err: unknown) => isLeakwatchError(err, 'LW_ERR_REDIS_TLS'))
})
