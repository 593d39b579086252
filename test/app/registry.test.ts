// The registry and the configuration tree describe the same components, and
// reading either loads no component: a collector on a node must not pay for
// the detector's rules or the responders' API clients.

import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { test } from 'node:test'
import { COLLECTORS, DETECTORS, RESPONDERS } from '../../app/registry.ts'
import { configSchema } from '../../config/schema.ts'
import type { Schema } from '../../pipeline/schema.ts'
import { parse } from '../../pipeline/schema.ts'
import { ROTATION_ACTIONS } from '../../responders/config.ts'

function field(schema: Schema<unknown>, path: string): Schema<unknown> | undefined {
  let node: Schema<unknown> | undefined = schema
  for (const key of path.split('.')) node = node?.fields?.[key]
  return node
}

test('each registry is in alphabetical order with unique names', () => {
  for (const [stage, entries] of Object.entries({ COLLECTORS, DETECTORS, RESPONDERS })) {
    const names = entries.map((e) => e.name)
    assert.deepEqual(names, [...names].sort(), `${stage} is alphabetical`)
    assert.equal(new Set(names).size, names.length, `${stage} names are unique`)
  }
})

test('every collector is mounted in the configuration at collector.<name> with its own schema, and nothing else is', () => {
  const mounted = field(configSchema, 'collector')?.fields ?? {}
  assert.deepEqual(Object.keys(mounted).sort(), COLLECTORS.map((c) => c.name).sort())
  for (const c of COLLECTORS) assert.equal(mounted[c.name], c.configSchema, `collector.${c.name} is the schema beside the component`)
})

test('the detectors own the detector section and its knownSecrets part; every rotation action has exactly one responder', () => {
  const byName = new Map(DETECTORS.map((d) => [d.name, d]))
  assert.equal(byName.get('secrets')?.configSchema, field(configSchema, 'detector'))
  assert.equal(byName.get('knownSecrets')?.configSchema, field(configSchema, 'detector.knownSecrets'))
  for (const r of RESPONDERS) assert.equal(r.configSchema, field(configSchema, 'responder'))
  const handled = RESPONDERS.flatMap((r) => r.actions)
  assert.deepEqual([...handled].sort(), [...ROTATION_ACTIONS].sort())
})

test("every component's example parses with its own schema", () => {
  for (const e of [...COLLECTORS, ...DETECTORS, ...RESPONDERS]) {
    assert.doesNotThrow(() => parse(e.configSchema, e.example, 'LW_ERR_CONFIG_INVALID', `example of ${e.name}`), `example of ${e.name}`)
    assert.ok(Object.keys(e.example).length > 0, `${e.name} has an example`)
  }
})

test('loading the registry and the whole configuration schema loads no component code and no client package', () => {
  const child = `
    import { registerHooks } from 'node:module'
    const loaded = []
    registerHooks({ load(url, context, next) { loaded.push(url); return next(url, context) } })
    await import('./app/registry.ts')
    await import('./config/load.ts')
    process.stdout.write(JSON.stringify(loaded))
  `
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', child], { cwd: new URL('../..', import.meta.url).pathname, encoding: 'utf8' })
  assert.equal(r.status, 0, r.stderr)
  const loaded = (JSON.parse(r.stdout) as string[]).map((u) =>
    u.replace(/^.*?\/(node_modules\/|(?=(app|collectors|config|detectors|pipeline|responders)\/))/, '')
  )
  const components = loaded.filter((u) => /^(collectors|detectors|responders)\/.*\.ts$/.test(u) && !/(\.config|\/config)\.ts$/.test(u))
  assert.deepEqual(components, [], 'only configuration schemas are loaded from the stage folders')
  const clients = loaded.filter((u) => /^(node_modules\/)?(re2|kafkajs|ioredis|bullmq|@kubernetes|@slack)\//.test(u))
  assert.deepEqual(clients, [])
  assert.ok(
    loaded.some((u) => u === 'collectors/pod-logs.config.ts'),
    `the hook saw the loads: ${loaded.slice(0, 5).join(', ')}`
  )
})
