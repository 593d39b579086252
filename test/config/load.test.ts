import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { envName, envVariables, LOADER_ENV, loadConfig } from '../../config/load.ts'
import { configSchema } from '../../config/schema.ts'
import { isLeakwatchError } from '../../pipeline/errors.ts'
import { leaves } from '../../pipeline/schema.ts'

const dir = mkdtempSync(join(tmpdir(), 'lw-config-'))
after(() => rmSync(dir, { recursive: true, force: true }))

let n = 0
function yamlFile(text: string): string {
  const path = join(dir, `config-${n++}.yaml`)
  writeFileSync(path, text)
  return path
}

function rejects(fn: () => unknown, code: 'LW_ERR_CONFIG_INVALID' | 'LW_ERR_CONFIG_UNREADABLE', message: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isLeakwatchError(err, code), `expected ${code}, got ${String(err)}`)
    assert.match(err.message, message)
    return true
  })
}

test('no file and no variables gives the schema defaults', () => {
  const c = loadConfig({ env: {} })
  assert.equal(c.cluster, 'default')
  assert.deepEqual(c.kafka.brokers, ['localhost:9092'])
  assert.equal(c.http.port, 9464)
  assert.equal(c.collector.files.readFrom, 'end')
  assert.equal(c.responder.webhook.attempts, 8)
  assert.equal('payloadKey' in c.kafka, false)
  assert.equal('url' in c.responder.webhook, false)
})

test('environment overrides the YAML file, which overrides the defaults', () => {
  const file = yamlFile(['cluster: prod-eu', 'kafka:', '  brokers: [file:9092]', '  clientId: from-file', 'http:', '  port: 8000'].join('\n'))
  const c = loadConfig({
    file,
    env: {
      LEAKWATCH_KAFKA_BROKERS: 'a:1,b:2',
      LEAKWATCH_HTTP_ENABLED: 'false',
      LEAKWATCH_COLLECTOR_FILES_MAX_LINE_BYTES: '4096',
      LEAKWATCH_RESPONDER_WEBHOOK_URL: 'https://hooks.example.test/lw',
      PATH: '/usr/bin',
      HOME: '/root'
    }
  })
  assert.deepEqual(c.kafka.brokers, ['a:1', 'b:2'])
  assert.equal(c.kafka.clientId, 'from-file')
  assert.equal(c.cluster, 'prod-eu')
  assert.equal(c.http.port, 8000)
  assert.equal(c.http.enabled, false)
  assert.equal(c.collector.files.maxLineBytes, 4096)
  assert.equal(c.responder.webhook.url, 'https://hooks.example.test/lw')
  // Siblings of an overridden option keep their defaults.
  assert.equal(c.collector.files.maxChunkLines, 500)
})

test('LEAKWATCH_CONFIG names the file; an explicit file wins over it', () => {
  const a = yamlFile('cluster: from-env-file\n')
  const b = yamlFile('cluster: from-flag\n')
  assert.equal(loadConfig({ env: { LEAKWATCH_CONFIG: a } }).cluster, 'from-env-file')
  assert.equal(loadConfig({ file: b, env: { LEAKWATCH_CONFIG: a } }).cluster, 'from-flag')
  assert.deepEqual([...LOADER_ENV], ['LEAKWATCH_CONFIG', 'LEAKWATCH_API_URL', 'LEAKWATCH_API_TOKEN', 'LEAKWATCH_INGEST_TOKEN', 'LEAKWATCH_STEP'])
})

test('a JSON list in a list variable keeps commas inside items', () => {
  const c = loadConfig({ env: { LEAKWATCH_KAFKA_BROKERS: '["a:1","b:2"]' } })
  assert.deepEqual(c.kafka.brokers, ['a:1', 'b:2'])
})

test('an unknown LEAKWATCH_* variable is an error that names it', () => {
  rejects(
    () => loadConfig({ env: { LEAKWATCH_KAFKA_BROKER: 'a:1', LEAKWATCH_HTTP_PORT: '1' } }),
    'LW_ERR_CONFIG_INVALID',
    /unknown environment variable\(s\): LEAKWATCH_KAFKA_BROKER \(/
  )
})

test('an unknown YAML key is an error that names its full path', () => {
  const file = yamlFile(['collector:', '  files:', '    maxLineByte: 1024', 'kafka:', '  brokers: [a:1]'].join('\n'))
  rejects(() => loadConfig({ file, env: {} }), 'LW_ERR_CONFIG_INVALID', /collector\.files\.maxLineByte: unknown key/)
  rejects(() => loadConfig({ file, env: {} }), 'LW_ERR_CONFIG_INVALID', new RegExp(`configuration \\(${file.replaceAll('.', '\\.')}\\) is invalid`))
})

test('invalid values from the file or the environment name the option path', () => {
  rejects(() => loadConfig({ file: yamlFile('http:\n  port: 70000\n'), env: {} }), 'LW_ERR_CONFIG_INVALID', /http\.port: must be <= 65535/)
  rejects(() => loadConfig({ env: { LEAKWATCH_HTTP_PORT: 'eighty' } }), 'LW_ERR_CONFIG_INVALID', /http\.port: expected a number, got string/)
  rejects(() => loadConfig({ env: { LEAKWATCH_HTTP_ENABLED: 'yes' } }), 'LW_ERR_CONFIG_INVALID', /http\.enabled: expected true or false/)
  rejects(
    () => loadConfig({ env: { LEAKWATCH_KAFKA_BROKERS: '["a:1"' } }),
    'LW_ERR_CONFIG_INVALID',
    /LEAKWATCH_KAFKA_BROKERS \(kafka\.brokers\) is not valid JSON/
  )
  rejects(() => loadConfig({ env: { LEAKWATCH_KAFKA_PAYLOAD_KEY: 'short' } }), 'LW_ERR_CONFIG_INVALID', /kafka\.payloadKey: must be at least 32 characters/)
  rejects(() => loadConfig({ env: { LEAKWATCH_LOG_LEVEL: 'loud' } }), 'LW_ERR_CONFIG_INVALID', /log\.level: must be one of/)
})

test('a file that cannot be read or parsed is LW_ERR_CONFIG_UNREADABLE; a non-mapping document is invalid', () => {
  rejects(() => loadConfig({ file: join(dir, 'absent.yaml'), env: {} }), 'LW_ERR_CONFIG_UNREADABLE', /cannot read configuration file/)
  rejects(() => loadConfig({ file: yamlFile('kafka: [unclosed\n'), env: {} }), 'LW_ERR_CONFIG_UNREADABLE', /not valid YAML/)
  rejects(() => loadConfig({ file: yamlFile('- a\n- b\n'), env: {} }), 'LW_ERR_CONFIG_INVALID', /must be a mapping/)
  assert.equal(loadConfig({ file: yamlFile(''), env: {} }).cluster, 'default', 'an empty file is an empty mapping')
})

test('overrides are applied last, as dotted paths', () => {
  const c = loadConfig({ env: { LEAKWATCH_HTTP_PORT: '1000' }, overrides: { 'http.port': 2000, 'detector.maxContextChars': 80 } })
  assert.equal(c.http.port, 2000)
  assert.equal(c.detector.maxContextChars, 80)
})

test('every option has exactly one environment variable and every leaf a description', () => {
  assert.equal(envName('kafka.maxBytesPerPartition'), 'LEAKWATCH_KAFKA_MAX_BYTES_PER_PARTITION')
  assert.equal(envName('responder.webhook.url'), 'LEAKWATCH_RESPONDER_WEBHOOK_URL')
  const all = leaves(configSchema)
  const vars = envVariables()
  assert.equal(vars.size, all.length, 'two options map to the same variable')
  for (const l of all) {
    assert.equal(vars.get(envName(l.path)), l.path)
    assert.ok(l.schema.description.length > 0, `${l.path} has no description`)
  }
  for (const name of vars.keys()) assert.ok(!(LOADER_ENV as readonly string[]).includes(name))
})

test('every variable listed by envVariables is accepted by the loader', () => {
  // Values that satisfy each option's type, to prove the names round-trip through the loader.
  const sample: Record<string, string> = {}
  for (const l of leaves(configSchema)) {
    const name = envName(l.path)
    const d = l.schema.defaultValue
    if (d === undefined) continue
    sample[name] = Array.isArray(d) ? d.join(',') : String(d)
  }
  const c = loadConfig({ env: sample })
  assert.deepEqual(c, loadConfig({ env: {} }))
})
