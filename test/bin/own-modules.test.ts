import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import type { ResolveFnOutput, ResolveHookContext } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { ownModulesResolver } from '../../bin/own-modules.ts'
import { cli, repo } from '../support/cli.ts'

const root = 'file:///opt/leakwatch/'
const resolve = ownModulesResolver(root)
const DEFAULT = { url: 'default:', shortCircuit: true }

/** What the hook answers, and whether it handed the specifier to Node's resolver. */
function resolved(specifier: string, parentURL: string | undefined): { out: ResolveFnOutput; delegated: boolean } {
  let delegated = false
  const context: ResolveHookContext = { conditions: ['node', 'import'], importAttributes: {}, parentURL }
  const out = resolve(specifier, context, () => {
    delegated = true
    return DEFAULT
  })
  return { out, delegated }
}

test("a relative .ts import inside the package resolves to its URL as TypeScript, without Node's resolver", () => {
  for (const [specifier, parent, url] of [
    ['./scan.ts', `${root}app/roles.ts`, `${root}app/scan.ts`],
    ['../detectors/rules/registry.ts', `${root}app/scan.ts`, `${root}detectors/rules/registry.ts`],
    ['./leakwatch.ts', `${root}bin/leakwatch.js`, `${root}bin/leakwatch.ts`]
  ] as const) {
    const { out, delegated } = resolved(specifier, parent)
    assert.equal(delegated, false, specifier)
    assert.deepEqual(out, { url, format: 'module-typescript', shortCircuit: true })
  }
})

test("everything else goes to Node's resolver unchanged", () => {
  for (const [specifier, parent] of [
    ['re2', `${root}detectors/secrets.ts`],
    ['node:fs', `${root}app/scan.ts`],
    ['./confidence.json', `${root}detectors/confidence.ts`],
    ['./util.js', `${root}app/scan.ts`],
    // A dependency's own files, and climbing out of the package or into node_modules.
    ['./index.ts', `${root}node_modules/some-dep/lib/main.ts`],
    ['../../../elsewhere/x.ts', `${root}app/scan.ts`],
    ['../node_modules/dep/x.ts', `${root}app/scan.ts`],
    // Another package's files, and the entry point itself (no parent).
    ['./x.ts', 'file:///opt/other/app.ts'],
    ['./x.ts', undefined]
  ] as const) {
    const { out, delegated } = resolved(specifier, parent)
    assert.equal(delegated, true, `${specifier} from ${String(parent)}`)
    assert.equal(out, DEFAULT)
  }
})

test("a dependency's bare specifier is resolved by Node once, then answered the same for the package's other modules", () => {
  const hook = ownModulesResolver(root)
  const asked: string[] = []
  const ask = (specifier: string, parentURL: string, conditions: string[] = ['node', 'import'], importAttributes: Record<string, string> = {}) =>
    hook(specifier, { conditions, importAttributes, parentURL }, (s, ctx) => {
      asked.push(`${s} from ${ctx?.parentURL}`)
      return { url: `file:///opt/leakwatch/node_modules/${s}/index.js`, format: 'commonjs' }
    })
  const first = ask('re2', `${root}detectors/secrets.ts`)
  assert.deepEqual(first, { url: 'file:///opt/leakwatch/node_modules/re2/index.js', format: 'commonjs' })
  assert.deepEqual(ask('re2', `${root}app/scan.ts`), { ...first, shortCircuit: true })
  assert.deepEqual(asked, [`re2 from ${root}detectors/secrets.ts`])
  // Other conditions, import attributes, a dependency's own imports and builtins are Node's every time.
  ask('re2', `${root}app/scan.ts`, ['node', 'require'])
  ask('re2', `${root}app/scan.ts`, ['node', 'import'], { type: 'json' })
  ask('re2', `${root}node_modules/other/index.js`)
  ask('node:fs', `${root}app/scan.ts`)
  ask('node:fs', `${root}app/scan.ts`)
  assert.equal(asked.length, 6)
})

test('the installed entry loads the same modules, at the same URLs, as Node resolves them, without asking Node for its own', async () => {
  // Lists, as the process exits, every module URL it loaded and how many relative .ts imports reached the
  // hooks registered before the entry's (hooks run last-registered first: the entry's answers first).
  const hook = `data:text/javascript,${encodeURIComponent(
    'import { registerHooks } from "node:module"; const seen = new Set(); let asked = 0; registerHooks({ resolve(s, ctx, next) { if (s.startsWith(".") && s.endsWith(".ts")) asked++; return next(s, ctx) }, load(url, ctx, next) { seen.add(url); return next(url, ctx) } }); process.on("exit", () => process.stderr.write(`asked ${asked}\\n` + [...seen].filter((u) => !u.endsWith("/bin/leakwatch.js") && !u.endsWith("/bin/own-modules.ts") && !u.endsWith("/bin/rules-bundle.ts")).sort().join("\\n")))'
  )}`
  const viaBin = await cli(['scan', '/dev/null'], { cwd: repo, node: ['--import', hook], entry: 'bin/leakwatch.js' })
  const viaTs = await cli(['scan', '/dev/null'], { cwd: repo, node: ['--import', hook] })
  assert.equal(viaBin.code, 0, viaBin.stderr)
  assert.equal(viaTs.code, 0, viaTs.stderr)
  const [askedBin, ...modulesBin] = viaBin.stderr.split('\n')
  const [askedTs, ...modulesTs] = viaTs.stderr.split('\n')
  assert.ok(
    modulesTs.some((u) => u.endsWith('/detectors/rules/registry.ts')),
    viaTs.stderr
  )
  // The built-in rules' provider files come bundled into registry.ts, whose text the entry's own load hook
  // serves without asking the earlier ones (bin/rules-bundle.ts, its own test).
  const provider = /\/detectors\/rules\/(?!define\.ts$|patterns\.ts$)[\w-]+\.ts$/
  assert.deepEqual(
    modulesBin,
    modulesTs.filter((u) => !provider.test(u))
  )
  assert.equal(askedBin, 'asked 2', 'only bin/own-modules.ts and bin/rules-bundle.ts, imported before the hooks are registered, reach the earlier hooks')
  assert.ok(Number(askedTs?.slice('asked '.length)) > 100, askedTs)
})

test('a require() of a dependency from the package (no import attributes in its context) resolves as Node resolves it', () => {
  // createRequire(import.meta.url)('yaml') (config/load.ts, detectors/rule-file.ts) reaches the hook with
  // importAttributes undefined.
  const hook = ownModulesResolver(root)
  const asked: string[] = []
  const ask = (parentURL: string) =>
    hook('yaml', { conditions: ['require', 'node'], importAttributes: undefined as unknown as Record<string, string>, parentURL }, (s) => {
      asked.push(s)
      return { url: 'file:///opt/leakwatch/node_modules/yaml/dist/index.js', format: 'commonjs' }
    })
  assert.equal(ask(`${root}config/load.ts`).url, 'file:///opt/leakwatch/node_modules/yaml/dist/index.js')
  assert.equal(ask(`${root}detectors/rule-file.ts`).url, 'file:///opt/leakwatch/node_modules/yaml/dist/index.js')
})

test('the installed entry reads a YAML configuration and a YAML rule file as bin/leakwatch.ts does', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lw-own-modules-'))
  try {
    writeFileSync(join(dir, 'leakwatch.yaml'), 'detector:\n  fingerprintKey: own-modules-test-fixed-fingerprint-key\n')
    // An empty rule list: the schema's own error names it, where a YAML library that failed to load reads as a syntax error.
    writeFileSync(join(dir, 'rules.yaml'), 'rules: []\n')
    for (const args of [
      ['scan', '--config', 'leakwatch.yaml', '/dev/null'],
      ['scan', '--rules', 'rules.yaml', '/dev/null']
    ]) {
      const viaBin = await cli(args, { cwd: dir, entry: 'bin/leakwatch.js' })
      const viaTs = await cli(args, { cwd: dir })
      assert.doesNotMatch(viaTs.stderr, /not valid YAML/, viaTs.stderr)
      assert.deepEqual({ code: viaBin.code, stderr: viaBin.stderr }, { code: viaTs.code, stderr: viaTs.stderr }, args.join(' '))
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('where module.registerHooks throws, the installed entry runs without its hooks', async () => {
  const breaks = `data:text/javascript,${encodeURIComponent('import m from "node:module"; m.registerHooks = () => { throw new Error("registerHooks unavailable") }')}`
  const log = join(mkdtempSync(join(tmpdir(), 'lw-own-modules-')), 'empty.log')
  writeFileSync(log, 'nothing to see\n')
  try {
    const run = await cli(['scan', log], { cwd: repo, node: ['--import', breaks], entry: 'bin/leakwatch.js' })
    assert.deepEqual({ code: run.code, stderr: run.stderr }, { code: 0, stderr: '' })
  } finally {
    rmSync(join(log, '..'), { recursive: true, force: true })
  }
})
