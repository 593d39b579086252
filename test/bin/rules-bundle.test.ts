import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { pathToFileURL } from 'node:url'
import { bundleRegistry } from '../../bin/rules-bundle.ts'
import type { Rule } from '../../detectors/rule.ts'
import { BUILTIN_RULES } from '../../detectors/rules/registry.ts'
import { cli, repo } from '../support/cli.ts'
import { seededGen } from '../support/seed.ts'

const dir = mkdtempSync(join(tmpdir(), 'lw-rules-bundle-'))
after(() => rmSync(dir, { recursive: true, force: true }))
const registry = pathToFileURL(join(repo, 'detectors/rules/registry.ts')).href

/** A rule as comparable data: its functions (validate, example generators) by their source text. */
function comparable(rules: readonly Rule[]): string[] {
  return rules.map((r) => JSON.stringify(r, (_k, v: unknown) => (typeof v === 'function' ? `fn:${v.toString()}` : v)))
}

test('every built-in provider file is in the bundled shape, and the bundle holds the same rules in the same order', async () => {
  const source = bundleRegistry(registry)
  assert.ok(source !== undefined, 'a provider file left the bundled shape: see bin/rules-bundle.ts')
  // The bundle's imports are relative to the registry's folder, where the hook serves it; written here, they
  // point there (not written beside the rules: other test files list that folder).
  const file = join(dir, 'builtin-bundle.ts')
  writeFileSync(
    file,
    source.replace(/^(import \* as \w+ from )"(\.{1,2}\/[^"]+)"$/gm, (_all, start: string, spec: string) => `${start}"${new URL(spec, registry).href}"`)
  )
  const bundled = (await import(pathToFileURL(file).href)) as { BUILTIN_RULES: readonly Rule[] }
  assert.equal(bundled.BUILTIN_RULES.length, BUILTIN_RULES.length)
  assert.deepEqual(comparable(bundled.BUILTIN_RULES), comparable(BUILTIN_RULES))
  // Not the same objects: the bundle ran the providers' code itself.
  assert.notEqual(bundled.BUILTIN_RULES[0], BUILTIN_RULES[0])
})

/** A registry of `providers` (file name → source) in a folder of its own; returns its URL. */
function fakeRegistry(name: string, providers: Record<string, string>): string {
  const folder = join(dir, name)
  mkdirSync(folder, { recursive: true })
  const locals = Object.keys(providers).map((f, i) => [`p${i}`, f] as const)
  writeFileSync(
    join(folder, 'registry.ts'),
    [
      "import type { Rule } from '../rule.ts'",
      ...locals.map(([l, f]) => `import { rules as ${l} } from './${f}'`),
      `export const ALL: readonly Rule[] = [${locals.map(([l]) => `...${l}`).join(', ')}]`
    ].join('\n')
  )
  for (const [f, text] of Object.entries(providers)) writeFileSync(join(folder, f), text)
  return pathToFileURL(join(folder, 'registry.ts')).href
}

test('providers that import each other come after what they import; their own top-level names stay their own', async () => {
  const url = fakeRegistry('order', {
    'b.ts': "import { helper } from './a.ts'\nconst local = 'b'\nexport const rules = [helper(local)]\n",
    'a.ts':
      "// a comment first\nimport type { X } from './types.ts'\nconst local = 'a'\nexport function helper(s: string): string {\n  return `${local}:${s}`\n}\nexport interface Y { x: X }\nexport const rules = [helper('self')]\n"
  })
  const source = bundleRegistry(url)
  assert.ok(source !== undefined)
  const file = join(dir, 'order', 'bundle.ts')
  writeFileSync(file, source)
  const { ALL } = (await import(pathToFileURL(file).href)) as { ALL: string[] }
  assert.deepEqual(ALL, ['a:b', 'a:self'])
})

test('a provider or registry outside the bundled shape is loaded as written (undefined), never half-bundled', () => {
  const cases: Record<string, string> = {
    'default export': 'export default []\nexport const rules = []\n',
    'export list': 'const rules = []\nexport { rules }\n',
    'star export': "export * from './x.ts'\nexport const rules = []\n",
    'dynamic import': "export const rules = [await import('./x.ts')]\n",
    'import.meta': 'export const rules = [import.meta.url]\n',
    'namespace import': "import * as d from './define.ts'\nexport const rules = [d]\n",
    'default import': "import d from './define.ts'\nexport const rules = [d]\n",
    'import after code': "const x = 1\nimport { y } from './define.ts'\nexport const rules = [x, y]\n",
    'block comment before imports': "/* header */\nimport { y } from './define.ts'\nexport const rules = [y]\n"
  }
  for (const [name, text] of Object.entries(cases)) {
    const url = fakeRegistry(name.replaceAll(' ', '-'), { 'a.ts': text })
    assert.equal(bundleRegistry(url), undefined, name)
  }
  const loop = fakeRegistry('loop', {
    'a.ts': "import { y } from './b.ts'\nexport const x = 1\nexport const rules = [y]\n",
    'b.ts': "import { x } from './a.ts'\nexport const y = 2\nexport const rules = [x]\n"
  })
  assert.equal(bundleRegistry(loop), undefined, 'a loop between providers')
  const missing = fakeRegistry('missing', { 'a.ts': 'export const rules = []\n' })
  rmSync(join(dir, 'missing', 'a.ts'))
  assert.equal(bundleRegistry(missing), undefined, 'an unreadable provider')
  const odd = join(dir, 'odd-registry')
  mkdirSync(odd, { recursive: true })
  writeFileSync(join(odd, 'registry.ts'), "import { rules } from './a.ts'\nexport const ALL = rules\n")
  assert.equal(bundleRegistry(pathToFileURL(join(odd, 'registry.ts')).href), undefined, 'a registry import other than `rules as x`')
})

test('the installed entry loads the built-in rules as one module and finds what bin/leakwatch.ts finds', async () => {
  const log = join(dir, 'app.log')
  // The rules' own first positive examples, drawn at test time from their formats.
  const g = seededGen('rules-bundle')
  const lines = BUILTIN_RULES.flatMap((r) =>
    r.examples
      .positives(g)
      .slice(0, 1)
      .map((e) => e.line)
  )
  writeFileSync(log, `${lines.join('\n')}\n`)
  // Counts, as the process exits, the provider files it loaded one by one.
  const hook = `data:text/javascript,${encodeURIComponent(
    'import { registerHooks } from "node:module"; let n = 0; registerHooks({ load(url, ctx, next) { if (/\\/detectors\\/rules\\/(?!registry|define|patterns)[\\w-]+\\.ts$/.test(url)) n++; return next(url, ctx) } }); process.on("exit", () => process.stderr.write(`providers loaded: ${n}\\n`))'
  )}`
  const env = { LEAKWATCH_DETECTOR_FINGERPRINT_KEY: 'rules-bundle-test-fixed-fingerprint-key' }
  const viaBin = await cli(['scan', '--format', 'jsonl', log], { cwd: dir, env, node: ['--import', hook], entry: 'bin/leakwatch.js' })
  const viaTs = await cli(['scan', '--format', 'jsonl', log], { cwd: dir, env, node: ['--import', hook] })
  assert.equal(viaBin.code, 1, viaBin.stderr)
  assert.equal(viaBin.stderr, 'providers loaded: 0\n')
  assert.match(viaTs.stderr, /^providers loaded: [1-9]\d+\n$/)
  // The findings as printed, but for the time of detection.
  const findings = (stdout: string): unknown[] =>
    stdout
      .trim()
      .split('\n')
      .map((l) => ({ ...(JSON.parse(l) as Record<string, unknown>), detectedAt: undefined }))
  assert.ok(findings(viaBin.stdout).length > BUILTIN_RULES.length / 2, 'most rules found their example')
  assert.deepEqual(findings(viaBin.stdout), findings(viaTs.stdout))
})
