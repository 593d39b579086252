import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { after, test } from 'node:test'
import type { KafkaConfig } from '../../pipeline/bus-kafka.config.ts'
import { kafkaConfigSchema } from '../../pipeline/bus-kafka.config.ts'
import { kafkaError, kafkaFailure, kafkaSecurity } from '../../pipeline/bus-kafka-security.ts'
import { isLeakwatchError } from '../../pipeline/errors.ts'
import { createLogger } from '../../pipeline/log.ts'
import * as s from '../../pipeline/schema.ts'

const dir = mkdtempSync(join(tmpdir(), 'lw-kafka-sec-'))
after(() => rmSync(dir, { recursive: true, force: true }))

function file(name: string, content: string): string {
  const p = join(dir, name)
  writeFileSync(p, content)
  return p
}

function section(value: Record<string, unknown>): KafkaConfig {
  return s.parse(kafkaConfigSchema, value, 'LW_ERR_CONFIG_INVALID', 'kafka')
}

function capture() {
  const lines: string[] = []
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk))
      cb()
    }
  })
  return { lines, logger: createLogger({ level: 'debug', destination: stream }) }
}

test('defaults: no TLS, no SASL, nothing read', () => {
  assert.deepEqual(kafkaSecurity(section({}), capture().logger), {})
})

test('SCRAM: user from the config, password from its file (trailing newline dropped), never logged', () => {
  const password = randomBytes(12).toString('hex')
  const { lines, logger } = capture()
  const sec = kafkaSecurity(
    section({
      tls: { enabled: true, caFile: file('ca.pem', 'CA PEM') },
      sasl: { mechanism: 'scram-sha-512', username: 'lw', passwordFile: file('pw', `${password}\n`) }
    }),
    logger
  )
  assert.deepEqual(sec.sasl, { mechanism: 'scram-sha-512', username: 'lw', password })
  assert.equal(sec.ssl?.ca, 'CA PEM')
  assert.equal(sec.ssl?.rejectUnauthorized, true)
  assert.equal(sec.ssl?.checkServerIdentity, undefined, 'hostname verification stays on by default')
  assert.ok(!lines.join('').includes(password))
})

test('usernameFile wins over username; PLAIN works the same way', () => {
  const sec = kafkaSecurity(
    section({ sasl: { mechanism: 'plain', username: 'ignored', usernameFile: file('user', 'from-file\n'), passwordFile: file('pw2', 'p') } }),
    capture().logger
  )
  assert.deepEqual(sec.sasl, { mechanism: 'plain', username: 'from-file', password: 'p' })
})

test('SASL without TLS is allowed but warned about', () => {
  const { lines, logger } = capture()
  kafkaSecurity(section({ sasl: { mechanism: 'scram-sha-256', username: 'u', passwordFile: file('pw3', 'p') } }), logger)
  assert.match(lines.join(''), /SASL without TLS/)
})

test('verifyHostname: false is explicit and logged as a warning; the chain is still verified', () => {
  const { lines, logger } = capture()
  const sec = kafkaSecurity(section({ tls: { enabled: true, verifyHostname: false } }), logger)
  assert.equal(sec.ssl?.rejectUnauthorized, true)
  assert.equal(typeof sec.ssl?.checkServerIdentity, 'function')
  assert.equal(sec.ssl?.checkServerIdentity?.('other.example', {} as never), undefined)
  const warning = lines.map((l) => JSON.parse(l) as { level: number; msg: string }).find((l) => /hostname verification is OFF/.test(l.msg))
  assert.equal(warning?.level, 40)
})

test('OAUTHBEARER re-reads the token file at every authentication', async () => {
  const tokenFile = file('token', 'first\n')
  const sec = kafkaSecurity(section({ sasl: { mechanism: 'oauthbearer', oauthTokenFile: tokenFile } }), capture().logger)
  assert.equal(sec.sasl?.mechanism, 'oauthbearer')
  const provider = (sec.sasl as { oauthBearerProvider: () => Promise<{ value: string }> }).oauthBearerProvider
  assert.deepEqual(await provider(), { value: 'first' })
  writeFileSync(tokenFile, 'rotated')
  assert.deepEqual(await provider(), { value: 'rotated' })
})

test('a missing, empty or absent credential file is a config error naming the key and path, never content', () => {
  const logger = capture().logger
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ sasl: { mechanism: 'scram-sha-256', username: 'u', passwordFile: join(dir, 'nope') } }, /kafka\.sasl\.passwordFile: cannot read .*nope \(ENOENT\)/],
    [{ sasl: { mechanism: 'scram-sha-256', username: 'u', passwordFile: file('empty', '\n') } }, /kafka\.sasl\.passwordFile: .*empty is empty/],
    [{ sasl: { mechanism: 'plain', passwordFile: file('pw4', 'p') } }, /kafka\.sasl\.username is required with kafka\.sasl\.mechanism=plain/],
    [{ sasl: { mechanism: 'scram-sha-512', username: 'u' } }, /kafka\.sasl\.passwordFile is required/],
    [{ sasl: { mechanism: 'oauthbearer' } }, /kafka\.sasl\.oauthTokenFile is required/],
    [{ tls: { enabled: true, certFile: file('c', 'C') } }, /certFile and kafka\.tls\.keyFile go together/],
    [{ tls: { caFile: file('ca2', 'C') } }, /kafka\.tls\.enabled is false/]
  ]
  for (const [cfg, message] of cases) {
    assert.throws(
      () => kafkaSecurity(section(cfg), logger),
      (err: unknown) => isLeakwatchError(err, 'LW_ERR_CONFIG_INVALID') && message.test(err.message),
      JSON.stringify(cfg)
    )
  }
})

test('kafkajs failures are classified through their causes into coded errors', () => {
  const sasl = Object.assign(new Error('SASL SCRAM SHA512 authentication failed: Authentication failed'), { name: 'KafkaJSSASLAuthenticationError' })
  const retried = Object.assign(new Error('retries exceeded'), { name: 'KafkaJSNumberOfRetriesExceeded', cause: sasl })
  assert.equal(kafkaFailure(retried), 'auth')
  const tls = Object.assign(new Error('Connection error: Hostname/IP does not match certificate'), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' })
  assert.equal(kafkaFailure({ name: 'KafkaJSConnectionError', message: 'x', cause: tls }), 'tls')
  const acl = Object.assign(new Error('Not authorized to access topics: [Topic authorization failed]'), { type: 'TOPIC_AUTHORIZATION_FAILED' })
  assert.equal(kafkaFailure(acl), 'denied')
  const bailed = { name: 'KafkaJSNonRetriableError', message: 'Not authorized to access group: Group authorization failed', retriable: false }
  assert.equal(kafkaFailure(bailed), 'denied', 'a protocol error wrapped by the retrier keeps only its message')
  assert.equal(kafkaFailure(new Error('Connection timeout')), 'unavailable')
  const coded = kafkaError(retried, 'cannot connect')
  assert.equal(coded.code, 'LW_ERR_KAFKA_AUTH')
  assert.equal(coded.retriable, true)
  assert.deepEqual(coded.details, { failure: 'auth' })
  assert.equal(kafkaError(acl, 'x').code, 'LW_ERR_KAFKA_DENIED')
  assert.equal(kafkaError(tls, 'x').code, 'LW_ERR_KAFKA_TLS')
  assert.equal(kafkaError(new Error('boom'), 'x').code, 'LW_ERR_KAFKA_UNAVAILABLE')
})
