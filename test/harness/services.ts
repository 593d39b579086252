// Real Kafka (official 4.1.0 jars, KRaft single node) and Redis for tests, started on free loopback ports.
// No Docker here, so the broker runs straight from Maven Central jars cached in .cache/kafka.

import { execFile, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { Redis } from 'ioredis'
import type { KafkaConfig } from 'kafkajs'
import { Kafka, logLevel } from 'kafkajs'
import { createPki } from './pki.ts'
import type { Guarded } from './proc.ts'
import { freePorts, readTail, spawnGuarded, tail, waitReady } from './proc.ts'

export interface KafkaService {
  brokers: string[]
  stop(): Promise<void>
  startupMs: number
  /** Stops the broker but keeps its port and data, for tests of an outage; resume() starts it again. */
  halt(): Promise<void>
  resume(): Promise<void>
}
export interface RedisService {
  url: string
  stop(): Promise<void>
  startupMs: number
}
export interface Services {
  kafkaBrokers: string[]
  redisUrl: string
}

const KAFKA_VERSION = '4.1.0'
const STARTUP_TIMEOUT_MS = 90_000
const repoRoot = resolve(import.meta.dirname, '../..')
export const kafkaLibsDir = join(repoRoot, '.cache', 'kafka', KAFKA_VERSION, 'libs')
// The binding is checked too: a libs dir fetched without it gives a broker that logs nothing, not even why it died.
const REQUIRED_JARS = [`kafka_2.13-${KAFKA_VERSION}.jar`, 'log4j-slf4j-impl-2.24.3.jar']
const KAFKA_HINT = 'or set KAFKA_BROKERS to a running broker'

function requireCommand(cmd: string, args: string[], fix: string): void {
  const r = spawnSync(cmd, args, { stdio: 'ignore', timeout: 30_000 })
  if (r.error !== undefined) throw new Error(`'${cmd}' is not usable (${r.error.message}); ${fix}`)
}

function run(cmd: string, args: string[], timeoutMs: number, cwd = repoRoot): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd, timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err === null) resolve(stdout)
      else reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${tail(stdout + stderr)}`))
    })
  })
}

/** Fetches the broker jars once; concurrent test processes each fetch into their own dir and rename, so no one sees half a copy. */
export async function ensureKafkaLibs(): Promise<string> {
  const complete = (): boolean => REQUIRED_JARS.every((j) => existsSync(join(kafkaLibsDir, j)))
  if (complete()) return kafkaLibsDir
  requireCommand('mvn', ['-v'], `install Maven to fetch the Kafka jars: apt-get install -y maven, ${KAFKA_HINT}`)
  const staging = `${kafkaLibsDir}.tmp-${process.pid}`
  rmSync(staging, { recursive: true, force: true })
  try {
    await run(
      'mvn',
      ['-q', '-B', '-Dstyle.color=never', '-f', join(repoRoot, 'test/harness/kafka-pom.xml'), 'dependency:copy-dependencies', `-DoutputDirectory=${staging}`],
      600_000
    )
  } catch (err) {
    rmSync(staging, { recursive: true, force: true })
    throw new Error(
      `could not fetch Kafka ${KAFKA_VERSION} jars from Maven Central into ${kafkaLibsDir} ` +
        `(needs network access to Maven Central), ${KAFKA_HINT}\n${(err as Error).message}`
    )
  }
  if (!complete()) rmSync(kafkaLibsDir, { recursive: true, force: true })
  try {
    renameSync(staging, kafkaLibsDir)
  } catch {
    /* another process won the race */
  }
  rmSync(staging, { recursive: true, force: true })
  if (!complete()) throw new Error(`Kafka jars missing from ${kafkaLibsDir} after mvn fetch; delete .cache/kafka and retry`)
  return kafkaLibsDir
}

// Kafka's Uuid is base64url of 16 random bytes; generated here to save a JVM start for `StorageTool random-uuid`.
function kafkaUuid(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url')
    if (!id.startsWith('-') && !/^A+$/.test(id)) return id
  }
}

async function probeKafka(brokers: string[], security: Pick<KafkaConfig, 'ssl' | 'sasl'> = {}): Promise<void> {
  const kafka = new Kafka({
    ...security,
    clientId: 'leakwatch-harness-probe',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    requestTimeout: 5000,
    retry: { retries: 0 }
  })
  const admin = kafka.admin()
  // kafkajs refuses an idempotent producer without retries.
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, retry: { retries: 2, initialRetryTime: 100 } })
  try {
    await admin.connect()
    await admin.describeCluster()
    await admin.createTopics({ topics: [{ topic: 'leakwatch-probe', numPartitions: 1 }], waitForLeaders: true })
    if (!(await admin.listTopics()).includes('leakwatch-probe')) throw new Error('probe topic not listed yet')
    // Creates __consumer_offsets and fails while the group coordinator is still loading, so the first consumer group joins fast.
    await admin.describeGroups(['leakwatch-probe'])
    // Idempotent producers need a producer id from the coordinator, which also loads lazily on a fresh cluster.
    await producer.connect()
  } finally {
    await producer.disconnect().catch(() => {})
    await admin.disconnect().catch(() => {})
  }
}

function kafkaProperties(dir: string, port: number, cport: number, extra: Record<string, string> = {}): string {
  return `${Object.entries({
    'process.roles': 'broker,controller',
    'node.id': '1',
    // Dynamic quorum (KIP-853), matching `format --standalone`.
    'controller.quorum.bootstrap.servers': `127.0.0.1:${cport}`,
    listeners: `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${cport}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${cport}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'log.dirs': join(dir, 'data'),
    'num.partitions': '3',
    'auto.create.topics.enable': 'true',
    'group.initial.rebalance.delay.ms': '0',
    // One partition each for internal topics: the defaults (50) make the first group join and producer init slow.
    'offsets.topic.replication.factor': '1',
    'offsets.topic.num.partitions': '1',
    'transaction.state.log.replication.factor': '1',
    'transaction.state.log.min.isr': '1',
    'transaction.state.log.num.partitions': '1',
    'share.coordinator.state.topic.replication.factor': '1',
    'share.coordinator.state.topic.min.isr': '1',
    ...extra
  })
    .map(([k, v]) => `${k}=${v}`)
    .join('\n')}\n`
}

const LOG4J2 = `status = error
appender.out.type = Console
appender.out.name = OUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.out.ref = OUT
logger.started.name = kafka.server.KafkaRaftServer
logger.started.level = INFO
`

interface KafkaSpec {
  /** Free ports this broker needs beyond its first listener and the controller's. */
  extraPorts: number
  /** Broker properties over the plaintext defaults; ports[0] is the client listener, ports[1] the controller's. */
  properties(dir: string, ports: number[]): Record<string, string>
  formatArgs: string[]
  brokers(ports: number[]): string[]
  security: Pick<KafkaConfig, 'ssl' | 'sasl'>
}

const PLAINTEXT: KafkaSpec = { extraPorts: 0, properties: () => ({}), formatArgs: [], brokers: ([port]) => [`127.0.0.1:${port}`], security: {} }

export function startKafka(): Promise<KafkaService> {
  return launchKafka(PLAINTEXT)
}

export interface SecureKafkaService extends KafkaService {
  /** The SASL_SSL listener by the name its certificate holds (localhost). */
  brokers: string[]
  /** The same listener by IP, which its certificate does not name: hostname verification must refuse it. */
  brokersByIp: string[]
  caFile: string
  /** A client certificate and key signed by the CA (the listener requires one: mutual TLS). */
  clientCertFile: string
  clientKeyFile: string
  /** The super user, which the harness uses to probe the broker and manage ACLs. */
  admin: { username: string; password: string }
}

/**
 * A second, separate broker whose client listener is SASL_SSL (SCRAM-SHA-256/512 users added when the KRaft storage
 * is formatted, PLAIN, and unsecured OAUTHBEARER for tests), requires a client certificate, and authorizes with
 * StandardAuthorizer: a user other than the super user can do only what its ACLs allow. Certificates come from a CA
 * made at start; `users` maps user names to passwords (SCRAM and PLAIN), which must be base64url (no quotes, commas, `=`).
 */
export async function startSecureKafka(users: Record<string, string>): Promise<SecureKafkaService> {
  const admin = { username: 'harness-admin', password: randomBytes(18).toString('base64url') }
  const all = { ...users, [admin.username]: admin.password }
  const pkiDir = mkdtempSync(join(tmpdir(), 'leakwatch-pki-'))
  process.once('exit', () => rmSync(pkiDir, { recursive: true, force: true }))
  const pki = createPki(pkiDir)
  const server = pki.issue('broker', { dns: ['localhost'] })
  const client = pki.issue('client', { client: true })
  // Kafka reads a PEM keystore as one file: the key, then the chain.
  const keystore = join(pkiDir, 'broker.pem')
  writeFileSync(keystore, readFileSync(server.keyFile, 'utf8') + readFileSync(server.certFile, 'utf8'))
  const plainUsers = Object.entries(all)
    .map(([u, p]) => `user_${u}="${p}"`)
    .join(' ')
  const scram = Object.entries(all).flatMap(([u, p]) => ['SCRAM-SHA-256', 'SCRAM-SHA-512'].flatMap((m) => ['--add-scram', `${m}=[name=${u},password=${p}]`]))
  const ssl = { ca: readFileSync(pki.caFile, 'utf8'), cert: readFileSync(client.certFile, 'utf8'), key: readFileSync(client.keyFile, 'utf8') }
  const spec: KafkaSpec = {
    extraPorts: 1,
    properties: (_dir, [port, cport, internal]) => ({
      // Clients only ever see SASL_SSL; the broker's own and the controller's listeners stay on loopback in clear,
      // their ANONYMOUS principal a super user so the node can manage itself.
      listeners: `SASL_SSL://127.0.0.1:${port},INTERNAL://127.0.0.1:${internal},CONTROLLER://127.0.0.1:${cport}`,
      'advertised.listeners': `SASL_SSL://localhost:${port},INTERNAL://127.0.0.1:${internal},CONTROLLER://127.0.0.1:${cport}`,
      'inter.broker.listener.name': 'INTERNAL',
      'listener.security.protocol.map': 'SASL_SSL:SASL_SSL,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT',
      'sasl.enabled.mechanisms': 'SCRAM-SHA-256,SCRAM-SHA-512,PLAIN,OAUTHBEARER',
      'listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required;',
      'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required;',
      'listener.name.sasl_ssl.plain.sasl.jaas.config': `org.apache.kafka.common.security.plain.PlainLoginModule required ${plainUsers};`,
      // Unsecured tokens (alg none, `sub` is the principal): a test of the mechanism, not of a token issuer.
      'listener.name.sasl_ssl.oauthbearer.sasl.jaas.config': 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;',
      'listener.name.sasl_ssl.ssl.client.auth': 'required',
      'ssl.keystore.type': 'PEM',
      'ssl.keystore.location': keystore,
      'ssl.truststore.type': 'PEM',
      'ssl.truststore.location': pki.caFile,
      'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      'super.users': `User:${admin.username};User:ANONYMOUS`,
      'allow.everyone.if.no.acl.found': 'false',
      'auto.create.topics.enable': 'false'
    }),
    formatArgs: scram,
    brokers: ([port]) => [`localhost:${port}`],
    security: { ssl, sasl: { mechanism: 'scram-sha-512', ...admin } }
  }
  const k = await launchKafka(spec)
  const port = k.brokers[0]?.split(':')[1] ?? ''
  return {
    ...k,
    brokersByIp: [`127.0.0.1:${port}`],
    caFile: pki.caFile,
    clientCertFile: client.certFile,
    clientKeyFile: client.keyFile,
    admin
  }
}

async function launchKafka(spec: KafkaSpec): Promise<KafkaService> {
  const t0 = performance.now()
  const deadline = Date.now() + STARTUP_TIMEOUT_MS
  requireCommand('java', ['-version'], `install a JDK 17+: apt-get install -y default-jdk-headless, ${KAFKA_HINT}`)
  const libs = await ensureKafkaLibs()
  const classpath = join(libs, '*')
  // A port picked free can be taken before the broker binds it; one retry with new ports covers that race.
  for (let attempt = 1; ; attempt++) {
    const dir = mkdtempSync(join(tmpdir(), 'leakwatch-kafka-'))
    const logFile = join(dir, 'kafka.log')
    const ports = await freePorts(2 + spec.extraPorts)
    const [port, cport] = ports as [number, number]
    writeFileSync(join(dir, 'server.properties'), kafkaProperties(dir, port, cport, spec.properties(dir, ports)))
    writeFileSync(join(dir, 'log4j2.properties'), LOG4J2)
    const jvm = [`-Dlog4j2.configurationFile=${join(dir, 'log4j2.properties')}`, '-cp', classpath]
    try {
      // The format JVM lives a second: tuned for startup, not throughput.
      await run(
        'java',
        [
          '-XX:TieredStopAtLevel=1',
          '-XX:+UseSerialGC',
          ...jvm,
          'kafka.tools.StorageTool',
          'format',
          '-t',
          kafkaUuid(),
          '-c',
          'server.properties',
          '--standalone',
          ...spec.formatArgs
        ],
        60_000,
        dir
      )
    } catch (err) {
      rmSync(dir, { recursive: true, force: true })
      throw new Error(`Kafka storage format failed: ${(err as Error).message}`)
    }
    const spawnBroker = (): Guarded => spawnGuarded('java', ['-Xmx512m', '-Xms256m', ...jvm, 'kafka.Kafka', 'server.properties'], dir, logFile)
    let proc = spawnBroker()
    const brokers = spec.brokers(ports)
    try {
      await waitReady('Kafka', proc, logFile, deadline, () => probeKafka(brokers, spec.security))
      return {
        brokers,
        stop: () => proc.stop(),
        halt: () => proc.halt(),
        // Same ports, same data directory: clients see the broker they knew come back.
        async resume() {
          proc = spawnBroker()
          await waitReady('Kafka', proc, logFile, Date.now() + STARTUP_TIMEOUT_MS, () => probeKafka(brokers, spec.security))
        },
        startupMs: Math.round(performance.now() - t0)
      }
    } catch (err) {
      const bindRace = /Address already in use/.test(readTail(logFile))
      await proc.stop()
      if (attempt >= 2 || !bindRace) throw err
    }
  }
}

function pingRedis(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let reply = ''
    socket.setTimeout(1000, () => socket.destroy(new Error('PING timed out')))
    socket.on('connect', () => socket.write('PING\r\n'))
    socket.on('data', (d) => {
      reply += d.toString()
      if (reply.includes('\r\n')) {
        socket.destroy()
        if (reply.startsWith('+PONG')) resolve()
        else reject(new Error(`PING answered ${JSON.stringify(reply)}`))
      }
    })
    socket.on('error', reject)
    socket.on('close', () => reject(new Error('connection closed before PONG')))
  })
}

export async function startRedis(): Promise<RedisService> {
  const t0 = performance.now()
  const deadline = Date.now() + STARTUP_TIMEOUT_MS
  requireCommand('redis-server', ['--version'], 'install redis-server: apt-get install -y redis-server, or set REDIS_URL to a running Redis')
  for (let attempt = 1; ; attempt++) {
    const dir = mkdtempSync(join(tmpdir(), 'leakwatch-redis-'))
    const logFile = join(dir, 'redis.log')
    const [port] = (await freePorts(1)) as [number]
    const proc = spawnGuarded('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], dir, logFile)
    try {
      await waitReady('Redis', proc, logFile, deadline, () => pingRedis(port))
      return { url: `redis://127.0.0.1:${port}`, stop: proc.stop, startupMs: Math.round(performance.now() - t0) }
    } catch (err) {
      const bindRace = /Address already in use/.test(readTail(logFile))
      await proc.stop()
      if (attempt >= 2 || !bindRace) throw err
    }
  }
}

/**
 * The ACL of leakwatch's Redis user, as docs/security.md gives it: its keys only, no dangerous commands but INFO,
 * which ioredis's ready check and BullMQ's version check run (found by taking it away).
 */
export const LEAKWATCH_REDIS_ACL = ['resetchannels', '~lw:*', '+@all', '-@dangerous', '+info']

export interface SecureRedisService extends RedisService {
  /** rediss://localhost:<tls-port>: the name its certificate holds. The plaintext port is closed. */
  url: string
  caFile: string
  /** A client certificate and key signed by the CA (Redis accepts but does not require one). */
  clientCertFile: string
  clientKeyFile: string
  /** A user allowed everything, for the test's own checks; `default` is disabled. */
  admin: { username: string; password: string }
}

/**
 * A Redis that listens only on a TLS port, with the `default` user disabled and the given ACL users:
 * `users` maps a name to its password (base64url) and its ACL rules, e.g. `['~lw:*', '+@all', '-@dangerous']`.
 */
export async function startSecureRedis(users: Record<string, { password: string; rules: string[] }>): Promise<SecureRedisService> {
  const t0 = performance.now()
  const deadline = Date.now() + STARTUP_TIMEOUT_MS
  requireCommand('redis-server', ['--version'], "install redis-server (built with TLS, as Debian's is)")
  const admin = { username: 'harness-admin', password: randomBytes(18).toString('base64url') }
  const pkiDir = mkdtempSync(join(tmpdir(), 'leakwatch-redis-pki-'))
  process.once('exit', () => rmSync(pkiDir, { recursive: true, force: true }))
  const pki = createPki(pkiDir)
  const server = pki.issue('redis', { dns: ['localhost'], ips: ['127.0.0.1'] })
  const client = pki.issue('redis-client', { client: true })
  const ca = readFileSync(pki.caFile, 'utf8')
  const acl = [
    ['default', 'off'],
    [admin.username, 'on', `>${admin.password}`, '~*', '&*', '+@all'],
    ...Object.entries(users).map(([name, u]) => [name, 'on', `>${u.password}`, ...u.rules])
  ].flatMap((rule) => ['--user', ...rule])
  for (let attempt = 1; ; attempt++) {
    const dir = mkdtempSync(join(tmpdir(), 'leakwatch-redis-'))
    const logFile = join(dir, 'redis.log')
    const [port] = (await freePorts(1)) as [number]
    const proc = spawnGuarded(
      'redis-server',
      [
        ...['--port', '0', '--tls-port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
        ...['--tls-cert-file', server.certFile, '--tls-key-file', server.keyFile, '--tls-ca-cert-file', pki.caFile, '--tls-auth-clients', 'optional'],
        ...acl
      ],
      dir,
      logFile
    )
    const probe = async (): Promise<void> => {
      const r = new Redis({ host: 'localhost', port, tls: { ca }, ...admin, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 })
      r.on('error', () => {})
      try {
        await r.connect()
        await r.ping()
      } finally {
        r.disconnect()
      }
    }
    try {
      await waitReady('Redis', proc, logFile, deadline, probe)
      return {
        url: `rediss://localhost:${port}`,
        caFile: pki.caFile,
        clientCertFile: client.certFile,
        clientKeyFile: client.keyFile,
        admin,
        stop: proc.stop,
        startupMs: Math.round(performance.now() - t0)
      }
    } catch (err) {
      const bindRace = /Address already in use/.test(readTail(logFile))
      await proc.stop()
      if (attempt >= 2 || !bindRace) throw err
    }
  }
}

let services: Promise<Services> | undefined

/**
 * Services for a test file: KAFKA_BROKERS / REDIS_URL when set (test/global-setup.ts sets them for every
 * test process), otherwise started here once per process and killed when it exits.
 */
export function getServices(): Promise<Services> {
  services ??= (async () => {
    const brokersEnv = process.env.KAFKA_BROKERS?.trim()
    const redisEnv = process.env.REDIS_URL?.trim()
    const [kafka, redis] = await Promise.allSettled([
      brokersEnv
        ? brokersEnv
            .split(',')
            .map((b) => b.trim())
            .filter(Boolean)
        : startKafka().then((k) => k.brokers),
      redisEnv || startRedis().then((r) => r.url)
    ])
    if (kafka.status === 'fulfilled' && redis.status === 'fulfilled') return { kafkaBrokers: kafka.value, redisUrl: redis.value }
    // Both reasons at once, so a fresh machine learns everything it lacks in one run.
    const reasons = [kafka, redis].flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message] : []))
    throw new Error(`test services could not start:\n${reasons.join('\n\n')}`)
  })()
  return services
}
