import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import {
  chmodSync,
  chownSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync
} from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { after, test } from 'node:test'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { bundleRegistry, cachedBundle } from '../../bin/rules-bundle.ts'
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
  // A declaration of several names: only the first is seen exported, so an import of another is not bundled.
  const several = fakeRegistry('several', { 'a.ts': "export const a = 1, rules = ['a']\n" })
  assert.equal(bundleRegistry(several), undefined, '`export const a = 1, rules = …`')
  const severalImported = fakeRegistry('several-imported', {
    'a.ts': 'export const a = 1, b = 2\nexport const rules = [a]\n',
    'b.ts': "import { b } from './a.ts'\nexport const rules = [b]\n"
  })
  assert.equal(bundleRegistry(severalImported), undefined, '`export const a = 1, b = 2` with b imported by another provider')
  const missing = fakeRegistry('missing', { 'a.ts': 'export const rules = []\n' })
  rmSync(join(dir, 'missing', 'a.ts'))
  assert.equal(bundleRegistry(missing), undefined, 'an unreadable provider')
  const odd = join(dir, 'odd-registry')
  mkdirSync(odd, { recursive: true })
  writeFileSync(join(odd, 'registry.ts'), "import { rules } from './a.ts'\nexport const ALL = rules\n")
  assert.equal(bundleRegistry(pathToFileURL(join(odd, 'registry.ts')).href), undefined, 'a registry import other than `rules as x`')
})

test('a kept bundle is read back while its inputs are unchanged, and rebuilt when a provider file changes or the entry is damaged', () => {
  const url = fakeRegistry('kept', {
    'a.ts': "const local = 'a'\nexport const rules = [local]\n",
    'b.ts': "import { x } from './x.ts'\nexport const rules = [x, 'b']\n"
  })
  const cache = join(dir, 'kept-cache')
  mkdirSync(cache)
  const fresh = bundleRegistry(url)
  assert.ok(fresh !== undefined)
  assert.equal(cachedBundle(url, cache), fresh)
  const entries = readdirSync(cache)
  assert.equal(entries.length, 1, 'one entry, no partial file left')
  const entry = join(cache, entries[0] as string)
  // Read back, not rebuilt: a change to the kept bundle (its copy of the inputs intact) is what the next start gets.
  const kept = readFileSync(entry, 'utf8')
  assert.ok(kept.endsWith(fresh))
  writeFileSync(entry, `${kept}\n// kept`)
  assert.equal(cachedBundle(url, cache), `${fresh}\n// kept`)
  // A changed provider file, even of the same length, is rebuilt with the change, and replaces the entry.
  writeFileSync(join(dir, 'kept', 'a.ts'), "const local = 'z'\nexport const rules = [local]\n")
  const same = cachedBundle(url, cache)
  assert.ok(same?.includes("const local = 'z'"))
  assert.equal(same, bundleRegistry(url))
  writeFileSync(join(dir, 'kept', 'a.ts'), "const local = 'a2'\nexport const rules = [local]\n")
  const changed = cachedBundle(url, cache)
  assert.ok(changed?.includes("const local = 'a2'"))
  assert.equal(changed, bundleRegistry(url))
  assert.deepEqual(readdirSync(cache), entries)
  // A damaged entry (cut short) is rebuilt and rewritten.
  writeFileSync(entry, kept.slice(0, 10))
  assert.equal(cachedBundle(url, cache), bundleRegistry(url))
  assert.ok(readFileSync(entry, 'utf8').endsWith(bundleRegistry(url) ?? '-'))
  // A folder that cannot be written keeps nothing and still serves the bundle; no folder means no cache.
  assert.equal(cachedBundle(url, join(dir, 'no-such-folder')), bundleRegistry(url))
  assert.equal(cachedBundle(url, undefined), bundleRegistry(url))
  // Out of the bundled shape: undefined (loaded as written), as bundleRegistry says, and nothing kept.
  const odd = fakeRegistry('kept-odd', { 'a.ts': 'export default []\nexport const rules = []\n' })
  const oddCache = join(dir, 'kept-odd-cache')
  mkdirSync(oddCache)
  assert.equal(cachedBundle(odd, oddCache), undefined)
  assert.deepEqual(readdirSync(oddCache), [])
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

/** The bundle's source map, decoded: bundle line (0-based) → [provider file URL, its line (1-based)]. */
function decodeMap(source: string): Map<number, [string, number]> {
  const url = /\n\/\/# sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)$/.exec(source)
  assert.ok(url !== null, 'a source map at the end of the bundle')
  const map = JSON.parse(Buffer.from(url[1] ?? '', 'base64').toString('utf8')) as { sources: string[]; mappings: string }
  const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
  const out = new Map<number, [string, number]>()
  let src = 0
  let line = 0
  for (const [g, segments] of map.mappings.split(';').entries()) {
    if (segments === '') continue
    const values: number[] = []
    let v = 0
    let shift = 0
    for (const ch of segments.split(',')[0] ?? '') {
      const d = B64.indexOf(ch)
      v += (d & 31) << shift
      shift += 5
      if ((d & 32) === 0) {
        values.push(v & 1 ? -(v >>> 1) : v >>> 1)
        v = 0
        shift = 0
      }
    }
    src += values[1] ?? 0
    line += values[2] ?? 0
    out.set(g, [map.sources[src] ?? '', line + 1])
  }
  return out
}

test("the bundle's source map names each line's rule file and line: every mapped line is that line of that file", () => {
  const source = bundleRegistry(registry)
  assert.ok(source !== undefined)
  const lines = source.split('\n')
  const files = new Map<string, string[]>()
  let checked = 0
  for (const [g, [url, line]] of decodeMap(source)) {
    let text = files.get(url)
    if (text === undefined) {
      text = readFileSync(fileURLToPath(url), 'utf8').split('\n')
      files.set(url, text)
    }
    const bundled = lines[g] ?? ''
    const original = text[line - 1] ?? ''
    // The head's leftovers (comments, blank lines where imports were) map to line 1; an `export ` is taken off.
    if (line === 1 && !original.startsWith('export ')) continue
    assert.ok(
      bundled === original || `export ${bundled}` === original,
      `bundle line ${g + 1} mapped to ${url}:${line}: ${JSON.stringify(bundled)} vs ${JSON.stringify(original)}`
    )
    checked++
  }
  assert.ok(checked > 5000, `${checked} lines checked`)
})

test("with --enable-source-maps, an error thrown in a bundled rule's code is reported at its rule file's line", () => {
  const script = [
    'import module from "node:module"',
    `const { ownModulesResolver } = await import(${JSON.stringify(new URL('../../bin/own-modules.ts', import.meta.url).href)})`,
    `const { rulesBundleLoader } = await import(${JSON.stringify(new URL('../../bin/rules-bundle.ts', import.meta.url).href)})`,
    `const root = ${JSON.stringify(pathToFileURL(repo).href)}`,
    'module.registerHooks({ resolve: ownModulesResolver(root), load: rulesBundleLoader(`${root}detectors/rules/registry.ts`) })',
    'const { BUILTIN_RULES } = await import(`${root}detectors/rules/registry.ts`)',
    'try { BUILTIN_RULES.find((r) => r.id === "github-pat-classic").validate(undefined) } catch (e) { process.stdout.write(e.stack.split("\\n")[1]) }'
  ].join('\n')
  const run = spawnSync(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', script], { encoding: 'utf8' })
  assert.equal(run.status, 0, run.stderr)
  const github = readFileSync(join(repo, 'detectors/rules/github.ts'), 'utf8').split('\n')
  const line = github.findIndex((l) => l.includes("token.indexOf('_')")) + 1
  assert.ok(line > 0)
  assert.match(run.stdout, new RegExp(`githubChecksumValid \\(.*detectors/rules/github\\.ts:${line}:`))
})

test('a kept bundle is served only from a folder and entry this uid owns and no one else can write (the default folder is under the shared tmpdir)', (t) => {
  const url = fakeRegistry('trust', { 'a.ts': "const local = 'a'\nexport const rules = [local]\n" })
  const fresh = bundleRegistry(url)
  assert.ok(fresh !== undefined)
  const injected = `${fresh}\n// injected`
  /** A cache folder whose entry is a valid copy of the inputs followed by `injected`; returns [folder, entry]. */
  const planted = (name: string): [string, string] => {
    const cache = join(dir, name)
    mkdirSync(cache, { mode: 0o755 })
    chmodSync(cache, 0o755)
    assert.equal(cachedBundle(url, cache), fresh)
    const [entryName] = readdirSync(cache)
    const entry = join(cache, entryName as string)
    writeFileSync(entry, `${readFileSync(entry, 'utf8')}\n// injected`)
    chmodSync(entry, 0o644)
    // The control: this uid's own 0o644 entry in its own 0o755 folder is served as kept.
    assert.equal(cachedBundle(url, cache), injected)
    return [cache, entry]
  }
  // A folder anyone can write (as a shared /tmp/node-compile-cache could be): nothing served, nothing written.
  const [open, openEntry] = planted('trust-open-folder')
  chmodSync(open, 0o777)
  assert.equal(cachedBundle(url, open), fresh)
  assert.ok(readFileSync(openEntry, 'utf8').endsWith(injected), 'the entry in a shared folder is not rewritten')
  chmodSync(open, 0o775)
  assert.equal(cachedBundle(url, open), fresh)
  // An entry others can write.
  const [, writable] = planted('trust-open-file')
  chmodSync(writable, 0o666)
  assert.equal(cachedBundle(url, join(dir, 'trust-open-file')), fresh)
  chmodSync(writable, 0o664)
  assert.equal(cachedBundle(url, join(dir, 'trust-open-file')), fresh)
  // A symlink planted at the entry's name, to a file with the right contents.
  const [linked, linkedEntry] = planted('trust-symlink')
  const elsewhere = join(dir, 'trust-symlink-target')
  renameSync(linkedEntry, elsewhere)
  symlinkSync(elsewhere, linkedEntry)
  assert.equal(cachedBundle(url, linked), fresh)
  assert.ok(lstatSync(linkedEntry).isFile(), 'the symlink is replaced by an entry of our own')
  // A second link to the entry (a hard link planted from elsewhere).
  const [hard, hardEntry] = planted('trust-hardlink')
  linkSync(hardEntry, join(dir, 'trust-hardlink-other'))
  assert.equal(cachedBundle(url, hard), fresh)
  // A symlink planted at the partial file's name is not written through.
  const [partialCache, partialEntry] = planted('trust-partial')
  rmSync(partialEntry)
  const victim = join(dir, 'trust-victim')
  writeFileSync(victim, 'untouched')
  symlinkSync(victim, `${partialEntry}.${process.pid}.tmp`)
  assert.equal(cachedBundle(url, partialCache), fresh)
  assert.equal(readFileSync(victim, 'utf8'), 'untouched')
  assert.ok(lstatSync(partialEntry).isFile(), 'kept, the stale link at the partial name removed')
  assert.equal(cachedBundle(url, partialCache), fresh)
  // A partial file left by a start of the same pid that crashed does not stop the entry being kept.
  rmSync(partialEntry)
  writeFileSync(`${partialEntry}.${process.pid}.tmp`, 'half')
  assert.equal(cachedBundle(url, partialCache), fresh)
  assert.ok(lstatSync(partialEntry).isFile())
  assert.deepEqual(readdirSync(partialCache), [basename(partialEntry)])
  // Owned by another uid: simulated where this test may chown (root).
  if (process.getuid?.() !== 0) {
    t.diagnostic('not root: the other-owner cases are not run')
    return
  }
  const [other, otherEntry] = planted('trust-other-file')
  chownSync(otherEntry, 65534, 65534)
  assert.equal(cachedBundle(url, other), fresh)
  const [otherFolder] = planted('trust-other-folder')
  chownSync(otherFolder, 65534, 65534)
  assert.equal(cachedBundle(url, otherFolder), fresh)
})

test('starts running at once each get the bundle and leave one whole entry, no partial file', async () => {
  const url = fakeRegistry('concurrent', { 'a.ts': "const local = 'a'\nexport const rules = [local]\n", 'b.ts': "export const rules = ['b']\n" })
  const fresh = bundleRegistry(url)
  assert.ok(fresh !== undefined)
  const cache = join(dir, 'concurrent-cache')
  mkdirSync(cache, { mode: 0o755 })
  const script = `const { cachedBundle } = await import(${JSON.stringify(new URL('../../bin/rules-bundle.ts', import.meta.url).href)}); process.stdout.write(cachedBundle(${JSON.stringify(url)}, ${JSON.stringify(cache)}) ?? 'undefined')`
  const start = () =>
    new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
      let out = ''
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString('utf8')
      })
      child.on('error', reject)
      child.on('close', () => resolve(out))
    })
  for (let round = 0; round < 2; round++) {
    const got = await Promise.all(Array.from({ length: 6 }, start))
    for (const text of got) assert.equal(text, fresh, `round ${round}`)
    const entries = readdirSync(cache)
    assert.equal(entries.length, 1, entries.join(' '))
    assert.ok(readFileSync(join(cache, entries[0] as string), 'utf8').endsWith(fresh))
  }
})
