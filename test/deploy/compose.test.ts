// The deployment files are configuration too, and nothing else would run them
// here (no Docker engine): these checks hold them to the code they deploy, so a
// renamed option, a new source directory or a misspelled role fails here and
// not on an operator's first `docker compose up`.

import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { test } from 'node:test'
import { parse as parseYaml } from 'yaml'
import { ROLES } from '../../app/registry.ts'
import { envVariables, loadConfig } from '../../config/load.ts'
import { configSchema } from '../../config/schema.ts'
import { leaves } from '../../pipeline/schema.ts'

const root = resolve(import.meta.dirname, '../..')
const read = (p: string): string => readFileSync(join(root, p), 'utf8')

/** Stands in for the `${VAR}` values the operator supplies (the shared keys need 32+ characters). */
const DUMMY = 'test-only-placeholder-of-more-than-32-characters'

interface Service {
  image?: string
  build?: unknown
  command?: unknown
  environment?: Record<string, unknown> | string[]
  volumes?: unknown[]
  depends_on?: string[] | Record<string, { condition?: string }>
  healthcheck?: { test?: unknown }
}

// Compose merge keys (`<<: *anchor`) are YAML 1.1; the yaml package needs them asked for.
const compose = parseYaml(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Service> }
const services = compose.services
const leakwatchServices = Object.entries(services).filter(([, s]) => s.build !== undefined)

function environment(s: Service): Record<string, string> {
  if (Array.isArray(s.environment)) {
    return Object.fromEntries(
      s.environment.map((e) => {
        const at = e.indexOf('=')
        return at === -1 ? [e, ''] : [e.slice(0, at), e.slice(at + 1)]
      })
    )
  }
  return Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, String(v)]))
}

function substituted(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v.replace(/\$\{[^}]*\}/g, DUMMY)]))
}

function dependsOn(s: Service): Map<string, string | undefined> {
  const d = s.depends_on ?? []
  return Array.isArray(d) ? new Map(d.map((n) => [n, undefined])) : new Map(Object.entries(d).map(([n, v]) => [n, v.condition]))
}

/** Short-syntax volume `source:target[:mode]` → { source, target, readOnly }. */
function mounts(s: Service): Array<{ source: string; target: string; readOnly: boolean }> {
  return (s.volumes ?? []).map((v) => {
    assert.equal(typeof v, 'string', 'volumes use the short syntax')
    const parts = (v as string).replace(/\$\{[^}]*\}/g, 'X').split(':')
    return { source: parts[0] ?? '', target: parts[1] ?? '', readOnly: parts[2] === 'ro' }
  })
}

function serviceByImage(prefix: string): [string, Service] {
  const found = Object.entries(services).find(([, s]) => s.image?.startsWith(prefix) === true)
  assert.ok(found, `docker-compose.yml has a service with image ${prefix}*`)
  return found
}

test('docker-compose runs each clustered role once, as `run <role>`', () => {
  assert.ok(leakwatchServices.length > 0)
  const roles = leakwatchServices.map(([name, s]) => {
    assert.ok(Array.isArray(s.command) && s.command.length === 2 && s.command[0] === 'run', `${name}: command is ["run", "<role>"]`)
    const role = String(s.command[1])
    assert.ok((ROLES as readonly string[]).includes(role), `${name}: ${role} is one of ${ROLES.join(', ')}`)
    return role
  })
  assert.deepEqual(roles.sort(), ROLES.filter((r) => r !== 'all').sort())
})

test('every LEAKWATCH_* variable a leakwatch service sets is one the configuration reads', () => {
  const known = envVariables()
  for (const [name, s] of leakwatchServices) {
    const vars = Object.keys(environment(s)).filter((k) => k.startsWith('LEAKWATCH_'))
    assert.ok(vars.length > 0, `${name} is configured by LEAKWATCH_* variables`)
    for (const v of vars) assert.ok(known.has(v), `${name}: ${v} is not a configuration variable (see \`leakwatch config env\`)`)
  }
})

test("each leakwatch service's environment is a valid configuration that points at the compose services", () => {
  for (const [name, s] of leakwatchServices) {
    const config = loadConfig({ env: substituted(environment(s)) })
    // The clustered roles refuse to start without the shared payload key; the detector also needs its fingerprint key.
    assert.ok(config.kafka.payloadKey !== undefined, `${name}: kafka.payloadKey is set`)
    if ((s.command as string[])[1] === 'detector') assert.ok(config.detector.fingerprintKey !== undefined, `${name}: detector.fingerprintKey is set`)
    for (const broker of config.kafka.brokers) {
      const host = broker.split(':')[0] ?? ''
      assert.ok(host in services, `${name}: broker ${broker} is a compose service`)
    }
    if ('LEAKWATCH_REDIS_URL' in environment(s)) assert.ok(new URL(config.redis.url).hostname in services, `${name}: redis.url names a compose service`)
  }
})

test('the shared keys come from the operator, the same variable for every role, never a literal', () => {
  const payloadKeys = new Set<string>()
  for (const [name, s] of leakwatchServices) {
    const env = environment(s)
    for (const key of ['LEAKWATCH_KAFKA_PAYLOAD_KEY', 'LEAKWATCH_DETECTOR_FINGERPRINT_KEY']) {
      const v = env[key]
      if (v !== undefined) assert.match(v, /^\$\{[A-Z0-9_]+(:?[?-][^}]*)?\}$/, `${name}: ${key} is a \${...} reference`)
    }
    payloadKeys.add(env.LEAKWATCH_KAFKA_PAYLOAD_KEY ?? '(unset)')
  }
  assert.equal(payloadKeys.size, 1, 'every role reads the payload key from the same variable')
})

test('Kafka and Redis run with healthchecks and the roles wait for the ones they use', () => {
  const [kafkaName, kafka] = serviceByImage('apache/kafka')
  const [redisName, redis] = serviceByImage('redis:7-alpine')
  assert.ok(kafka.healthcheck?.test !== undefined, 'kafka has a healthcheck')
  assert.ok(redis.healthcheck?.test !== undefined, 'redis has a healthcheck')
  const kenv = environment(kafka)
  for (const k of ['KAFKA_NODE_ID', 'KAFKA_PROCESS_ROLES', 'KAFKA_LISTENERS', 'KAFKA_CONTROLLER_QUORUM_VOTERS', 'KAFKA_CONTROLLER_LISTENER_NAMES']) {
    assert.ok(kenv[k] !== undefined, `kafka sets ${k}`)
  }
  assert.equal(kenv.KAFKA_PROCESS_ROLES, 'broker,controller', 'single-node KRaft: broker and controller in one')
  assert.equal(kenv.KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR, '1', 'one broker cannot hold more replicas')
  for (const [name, s] of leakwatchServices) {
    const deps = dependsOn(s)
    assert.equal(deps.get(kafkaName), 'service_healthy', `${name} waits for a healthy Kafka`)
    const usesRedis = (s.command as string[])[1] === 'responder' || 'LEAKWATCH_REDIS_URL' in environment(s)
    if (usesRedis) assert.equal(deps.get(redisName), 'service_healthy', `${name} waits for a healthy Redis`)
  }
})

test('the collector tails a read-only host folder and keeps its checkpoint on a volume', () => {
  const collector = leakwatchServices.find(([, s]) => (s.command as string[])[1] === 'collector')
  assert.ok(collector)
  const [, s] = collector
  const config = loadConfig({ env: substituted(environment(s)) })
  const m = mounts(s)
  const logs = m.find((v) => v.target === config.collector.files.path)
  assert.ok(logs, `a folder is mounted at collector.files.path (${config.collector.files.path})`)
  assert.ok(logs.readOnly, 'the log folder is mounted read-only')
  assert.ok(logs.source.startsWith('.') || logs.source.startsWith('/') || logs.source === 'X', 'the log folder is a host path')
  const state = m.find((v) => v.target === dirname(config.collector.files.checkpointPath))
  assert.ok(state, `a volume holds the checkpoint directory (${dirname(config.collector.files.checkpointPath)})`)
  assert.ok(!state.readOnly)
})

test('config/leakwatch.example.yaml loads and sets every option', () => {
  const file = join(root, 'config/leakwatch.example.yaml')
  const config = loadConfig({ file, env: {} })
  assert.equal(typeof config.cluster, 'string')
  const doc = parseYaml(readFileSync(file, 'utf8')) as Record<string, unknown>
  for (const { path } of leaves(configSchema)) {
    let node: unknown = doc
    for (const part of path.split('.')) node = (node as Record<string, unknown> | undefined)?.[part]
    assert.ok(node !== undefined, `the example sets ${path}`)
  }
  // Keys in the example are placeholders that say so, never something that could be a real key.
  assert.match(config.kafka.payloadKey ?? '', /^change-me/)
  assert.match(config.detector.fingerprintKey ?? '', /^change-me/)
})

interface Instruction {
  op: string
  args: string
}

function dockerfile(): Instruction[] {
  return read('Dockerfile')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const at = l.search(/\s/)
      return { op: l.slice(0, at).toUpperCase(), args: l.slice(at + 1).trim() }
    })
}

/** Top-level directories of every local module reachable from `entry`, following relative imports. */
function sourceDirs(entry: string): Set<string> {
  const seen = new Set<string>()
  const queue = [join(root, entry)]
  while (queue.length > 0) {
    const file = queue.pop() as string
    if (seen.has(file)) continue
    seen.add(file)
    for (const m of readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+\.ts)'/g)) {
      queue.push(resolve(dirname(file), m[1] as string))
    }
  }
  return new Set([...seen].map((f) => relative(root, f).split(sep)[0] as string))
}

test('the Dockerfile runs bin/leakwatch.js (which loads bin/leakwatch.ts) as a non-root user with every source directory it imports', () => {
  const ins = dockerfile()
  const froms = ins.filter((i) => i.op === 'FROM').map((i) => i.args.split(/\s+/)[0])
  assert.ok(froms.length >= 2, 'multi-stage build')
  for (const f of froms) assert.equal(f, 'node:24-bookworm-slim')

  const entrypoint = ins.findLast((i) => i.op === 'ENTRYPOINT')
  assert.ok(entrypoint)
  assert.deepEqual(JSON.parse(entrypoint.args), ['node', 'bin/leakwatch.js'])
  assert.match(read('bin/leakwatch.js'), /await import\('\.\/leakwatch\.ts'\)/)
  const cmd = ins.findLast((i) => i.op === 'CMD')
  assert.ok(cmd)
  assert.deepEqual(JSON.parse(cmd.args), ['run', 'all'])

  // Only the runtime stage (after the last FROM) decides who the process runs as and what it contains.
  const lastFrom = ins.findLastIndex((i) => i.op === 'FROM')
  const runtime = ins.slice(lastFrom)
  const user = runtime.findLast((i) => i.op === 'USER')
  assert.ok(user, 'the runtime stage sets USER')
  assert.ok(!['root', '0', '0:0', 'root:root'].includes(user.args), `USER is ${user.args}; it must not be root`)
  assert.ok(runtime.some((i) => i.op === 'EXPOSE' && i.args.split(/\s+/).includes(String(configSchema.fields?.http?.fields?.port?.defaultValue))))

  const copied = new Set(
    runtime
      .filter((i) => i.op === 'COPY' && !i.args.includes('--from='))
      .flatMap((i) => {
        const parts = i.args.split(/\s+/).filter((p) => !p.startsWith('--'))
        return parts.slice(0, -1).map((p) => p.replace(/^\.\//, '').replace(/\/$/, ''))
      })
  )
  const needed = sourceDirs('bin/leakwatch.ts')
  for (const d of ['pipeline', 'collectors', 'detectors', 'responders', 'config', 'bin']) assert.ok(needed.has(d), `bin/leakwatch.ts reaches ${d}/`)
  for (const d of needed) assert.ok(copied.has(d), `the runtime stage copies ${d}/`)
  // bin/leakwatch.ts reads its version from package.json, and Node needs its "type": "module".
  assert.ok(copied.has('package.json'))
  assert.ok(
    runtime.some((i) => i.op === 'COPY' && i.args.includes('--from=') && /\bnode_modules\b/.test(i.args)),
    'node_modules come from the build stage'
  )

  const ignored = read('.dockerignore')
    .split('\n')
    .map((l) => l.trim().replace(/^\.\//, '').replace(/\/$/, ''))
    .filter((l) => l !== '' && !l.startsWith('#'))
  for (const c of [...copied, 'package-lock.json']) assert.ok(!ignored.includes(c), `.dockerignore keeps ${c} in the build context`)
  for (const secret of ['.env', '.git']) assert.ok(ignored.includes(secret), `.dockerignore leaves ${secret} out of the build context`)

  const known = envVariables()
  for (const env of runtime.filter((i) => i.op === 'ENV')) {
    const name = env.args.split(/[=\s]/)[0] ?? ''
    if (name.startsWith('LEAKWATCH_')) assert.ok(known.has(name), `Dockerfile ENV ${name} is a configuration variable`)
  }
})
