import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import type { CheckpointData } from '../../pipeline/checkpoint.ts'
import { loadCheckpoint, saveCheckpoint } from '../../pipeline/checkpoint.ts'
import { isLeakwatchError } from '../../pipeline/errors.ts'

const dir = mkdtempSync(join(tmpdir(), 'lw-checkpoint-'))
after(() => rmSync(dir, { recursive: true, force: true }))

const data: CheckpointData = {
  version: 1,
  files: { 'a/app.log': { dev: 1, ino: 2, offset: 300, line: 7, head: 'ab'.repeat(32), headBytes: 300 } }
}

test('a missing checkpoint is an empty one', async () => {
  assert.deepEqual(await loadCheckpoint(join(dir, 'absent', 'cp.json')), { version: 1, files: {} })
})

test('save then load round-trips, creating the directory, owner-only, leaving no temporary file', async () => {
  const sub = join(dir, 'nested', 'deeper')
  const path = join(sub, 'cp.json')
  await saveCheckpoint(path, data)
  assert.deepEqual(await loadCheckpoint(path), data)
  assert.deepEqual(readdirSync(sub), ['cp.json'])
  assert.equal(statSync(path).mode & 0o777, 0o600)

  const next: CheckpointData = { version: 1, files: {} }
  await saveCheckpoint(path, next)
  assert.deepEqual(await loadCheckpoint(path), next, 'the new checkpoint replaces the old one')
  assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), next)
})

test('a corrupt or foreign checkpoint is LW_ERR_CHECKPOINT_IO, not silently reset', async () => {
  for (const [name, text] of [
    ['torn.json', '{"version":1,"files":{"a":'],
    ['null.json', 'null'],
    ['v2.json', '{"version":2,"files":{}}'],
    ['nofiles.json', '{"version":1}']
  ] as const) {
    const path = join(dir, name)
    writeFileSync(path, text)
    await assert.rejects(loadCheckpoint(path), (err: unknown) => {
      assert.ok(isLeakwatchError(err, 'LW_ERR_CHECKPOINT_IO'), name)
      assert.match(err.message, /is corrupt/)
      return true
    })
  }
})

test('a path that is a directory cannot be read or written', async () => {
  const path = join(dir, 'is-a-dir')
  mkdirSync(path)
  await assert.rejects(loadCheckpoint(path), (err: unknown) => isLeakwatchError(err, 'LW_ERR_CHECKPOINT_IO') && /cannot read/.test(err.message))
  await assert.rejects(saveCheckpoint(path, data), (err: unknown) => isLeakwatchError(err, 'LW_ERR_CHECKPOINT_IO') && /cannot write/.test(err.message))
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.endsWith('.tmp')),
    [],
    'a failed save leaves no temporary file behind'
  )
})
