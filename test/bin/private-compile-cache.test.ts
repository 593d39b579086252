// Node's compile cache holds code the command runs (stripped TypeScript as JavaScript text, V8 code): it is
// kept in a folder of this user's own, never in a folder another user of the machine made or can write.

import assert from 'node:assert/strict'
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import module from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { enablePrivateCompileCache } from '../../bin/private-compile-cache.js'
import { cli } from '../support/cli.ts'

const dir = mkdtempSync(join(tmpdir(), 'lw-private-cache-'))
after(() => rmSync(dir, { recursive: true, force: true }))
const uid = process.getuid?.()

/** enablePrivateCompileCache with os.tmpdir() at `tmp`: what it returned and the folders it asked Node for ('' for Node's default). */
function enabled(tmp: string, env: NodeJS.ProcessEnv = {}): { dir: string | undefined; asked: string[] } {
  const asked: string[] = []
  const saved = process.env.TMPDIR
  process.env.TMPDIR = tmp
  try {
    const fake = (d?: unknown) => {
      const at = typeof d === 'string' ? d : ''
      asked.push(at)
      return { status: module.constants.compileCacheStatus.ENABLED, directory: at }
    }
    const got = enablePrivateCompileCache(env, fake as typeof module.enableCompileCache)
    return { dir: got, asked }
  } finally {
    if (saved === undefined) delete process.env.TMPDIR
    else process.env.TMPDIR = saved
  }
}

test('the compile cache goes to an owner-only folder of this uid, and nowhere when that name is taken by a folder others can write or own', {
  skip: uid === undefined
}, () => {
  const fresh = join(dir, 'fresh')
  mkdirSync(fresh)
  const mine = join(fresh, `leakwatch-compile-cache-${uid}`)
  assert.deepEqual(enabled(fresh), { dir: mine, asked: [mine] })
  assert.equal(statSync(mine).mode & 0o777, 0o700)
  assert.deepEqual(enabled(fresh), { dir: mine, asked: [mine] }, 'the same folder on the next start')

  // Planted before this user's first start: a folder anyone can write, a link to one, a file.
  for (const [name, plant] of [
    ['open', (p: string) => mkdirSync(p, { mode: 0o777 })],
    ['group', (p: string) => mkdirSync(p, { mode: 0o775 })],
    ['link', (p: string) => symlinkSync(fresh, p)],
    ['file', (p: string) => writeFileSync(p, '')]
  ] as const) {
    const tmp = join(dir, name)
    mkdirSync(tmp)
    const at = join(tmp, `leakwatch-compile-cache-${uid}`)
    plant(at)
    if (name === 'open' || name === 'group') chmodSync(at, name === 'open' ? 0o777 : 0o775)
    assert.deepEqual(enabled(tmp), { dir: undefined, asked: [] }, name)
  }
  if (uid === 0) {
    const tmp = join(dir, 'other-owner')
    mkdirSync(tmp)
    const at = join(tmp, `leakwatch-compile-cache-${uid}`)
    mkdirSync(at, { mode: 0o700 })
    chownSync(at, 65534, 65534)
    assert.deepEqual(enabled(tmp), { dir: undefined, asked: [] }, 'owned by another uid')
  }

  // The operator's own folder, and the switch that turns the cache off, as Node honours them.
  assert.deepEqual(enabled(fresh, { NODE_COMPILE_CACHE: '/somewhere' }), { dir: '', asked: [''] })
  assert.deepEqual(enabled(fresh, { NODE_DISABLE_COMPILE_CACHE: '1' }), { dir: undefined, asked: [] })
})

test("the installed entry keeps Node's compile cache in this user's folder, and starts without one when that folder is not its own", {
  skip: uid === undefined
}, async () => {
  // Says, as the process exits, where Node's compile cache is.
  const probe = join(dir, 'probe.cjs')
  writeFileSync(probe, `process.on('exit', () => process.stderr.write('cache:' + require('node:module').getCompileCacheDir() + '\\n'))`)
  const log = join(dir, 'app.log')
  writeFileSync(log, 'booting\nready\n')
  const start = (tmp: string) => cli(['scan', log], { cwd: dir, env: { TMPDIR: tmp }, node: ['-r', probe], entry: 'bin/leakwatch.js' })
  const tmp = join(dir, 'entry')
  mkdirSync(tmp)
  const run = await start(tmp)
  assert.equal(run.code, 0, run.stderr)
  assert.match(run.stderr, new RegExp(`^cache:${join(tmp, `leakwatch-compile-cache-${uid}`)}/`))
  const shared = join(dir, 'entry-shared')
  mkdirSync(shared)
  mkdirSync(join(shared, `leakwatch-compile-cache-${uid}`))
  chmodSync(join(shared, `leakwatch-compile-cache-${uid}`), 0o777)
  const refused = await start(shared)
  assert.equal(refused.code, 0, refused.stderr)
  assert.equal(refused.stderr, 'cache:undefined\n')
})
