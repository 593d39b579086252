import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { envVariables } from '../../config/load.ts'
import { ERROR_CODES } from '../../pipeline/errors.ts'
import type { Finding } from '../../pipeline/events.ts'
import type { Run } from '../support/cli.ts'
import { repo, cli as run } from '../support/cli.ts'
import { seededGen } from '../support/seed.ts'

const dir = mkdtempSync(join(tmpdir(), 'lw-cli-'))
after(() => rmSync(dir, { recursive: true, force: true }))
const gen = seededGen('gen')

/** Runs the CLI as users do (test/support/cli.ts), in this file's scratch directory. */
function cli(args: string[], opts: { env?: Record<string, string>; stdin?: string } = {}): Promise<Run> {
  return run(args, { cwd: dir, ...opts })
}

function file(name: string, content: string | Buffer): string {
  const path = join(dir, name)
  mkdirSync(join(path, '..'), { recursive: true })
  writeFileSync(path, content)
  return path
}

function assertAbsent(run: Run, secret: string): void {
  for (const [name, text] of [
    ['stdout', run.stdout],
    ['stderr', run.stderr]
  ] as const) {
    assert.equal(text.includes(secret), false, `${name} holds the secret`)
    // Not even the random middle of it.
    assert.equal(text.includes(secret.slice(6, 26)), false, `${name} holds part of the secret`)
  }
}

test('--help and --version exit 0; no command prints usage and exits 2', async () => {
  const help = await cli(['--help'])
  assert.equal(help.code, 0)
  assert.match(help.stdout, /^leakwatch — /)
  assert.match(help.stdout, /leakwatch scan \[paths\.\.\.\|-\]/)
  assert.match(help.stdout, /^ {2}leakwatch mask /m)
  assert.match(help.stdout, /^ {2}leakwatch rules import-gitleaks gitleaks\.toml \[-o out\.yaml\]$/m)
  assert.equal(help.stderr, '')

  const version = await cli(['--version'])
  assert.equal(version.code, 0)
  const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string }
  assert.equal(version.stdout, `${pkg.version}\n`)

  const none = await cli([])
  assert.equal(none.code, 2)
  assert.match(none.stdout, /Usage:/)
})

test('config env lists every variable with its option path; config docs and errors print tables', async () => {
  const env = await cli(['config', 'env'])
  assert.equal(env.code, 0)
  const listed = new Map(
    env.stdout
      .trim()
      .split('\n')
      .map((l) => l.split('\t') as [string, string])
  )
  assert.deepEqual(listed, envVariables())
  assert.equal(listed.get('LEAKWATCH_KAFKA_BROKERS'), 'kafka.brokers')

  const docs = await cli(['config', 'docs'])
  assert.equal(docs.code, 0)
  assert.match(docs.stdout, /^\| option \| environment \| type \| default \| description \|$/m)
  assert.match(docs.stdout, /^\| `kafka\.brokers` \| `LEAKWATCH_KAFKA_BROKERS` \| string\[\] \| `\["localhost:9092"\]` \| /m)
  assert.match(docs.stdout, /^\| `kafka\.payloadKey` \| `LEAKWATCH_KAFKA_PAYLOAD_KEY` \| string \| \(unset\) \| /m)

  const errors = await cli(['errors'])
  assert.equal(errors.code, 0)
  for (const [code, e] of Object.entries(ERROR_CODES)) {
    assert.ok(errors.stdout.includes(`| \`${code}\` | ${e.retriable ? 'yes' : 'no'} | ${e.description} |`), code)
  }

  const bad = await cli(['config', 'nope'])
  assert.equal(bad.code, 2)
  assert.match(bad.stderr, /^leakwatch: LW_ERR_USAGE: usage: leakwatch config env\|docs\n$/)
})

test('scan of a file holding a secret exits 1 and prints it masked, never in plaintext', async () => {
  const secret = gen.githubToken('ghp_')
  const path = file('leaky/app.log', `booting\nexport GITHUB_TOKEN=${secret}\nready\n`)
  const run = await cli(['scan', path])
  assert.equal(run.code, 1, run.stderr)
  assert.equal(run.stderr, '')
  assert.ok(run.stdout.includes(`${path}:2:21  CRITICAL  github-pat-classic  ghp_********${secret.slice(-2)}`), run.stdout)
  assert.ok(run.stdout.includes(`export GITHUB_TOKEN=ghp_********${secret.slice(-2)}`))
  assertAbsent(run, secret)
})

test('the installed entry (package.json bin) scans as bin/leakwatch.ts does, and once its compile cache is warm loads no TypeScript stripper', async () => {
  const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { bin: { leakwatch: string } }
  const secret = gen.githubToken('ghp_')
  const path = file('entry/app.log', `booting\nexport GITHUB_TOKEN=${secret}\nready\n`)
  // Says on stderr, as the process exits, whether Node loaded its TypeScript stripper (amaro).
  const probe = file(
    'entry/probe.cjs',
    `process.on('exit', () => process.stderr.write('stripper:' + process.moduleLoadList.some((m) => m.includes('amaro')) + '\\n'))`
  )
  const started = (entry: string): Promise<Run> => run(['scan', path], { cwd: dir, node: ['-r', probe], entry })
  const viaTs = await started('bin/leakwatch.ts')
  await started(pkg.bin.leakwatch)
  const viaBin = await started(pkg.bin.leakwatch)
  assert.equal(viaBin.code, 1, viaBin.stderr)
  assert.equal(viaBin.stdout, viaTs.stdout)
  assert.ok(viaBin.stdout.includes(`export GITHUB_TOKEN=ghp_********${secret.slice(-2)}`), viaBin.stdout)
  assertAbsent(viaBin, secret)
  assert.equal(viaTs.stderr, 'stripper:true\n')
  assert.equal(viaBin.stderr, 'stripper:false\n')
})

test('a scan without --known-secrets loads none of the known-secrets engine; with it, it finds the value', async () => {
  const value = gen.password()
  const path = file('lean/app.log', `booting\nconnecting with ${value} now\n`)
  const list = file('lean/known.txt', `${value}\n`)
  // Prints, as the process exits, how many modules of detectors/known-secrets/ it loaded (its configuration schema aside: every command reads the whole configuration).
  const hook = `data:text/javascript,${encodeURIComponent(
    'import { registerHooks } from "node:module"; const seen = []; registerHooks({ load(url, ctx, next) { if (url.includes("/detectors/known-secrets/") && !url.endsWith("/config.ts")) seen.push(url); return next(url, ctx) } }); process.on("exit", () => process.stderr.write(`known-secrets modules: ${seen.length}\\n`))'
  )}`
  const started = (args: string[]): Promise<Run> => run(args, { cwd: dir, node: ['--import', hook] })
  const plain = await started(['scan', path])
  assert.equal(plain.code, 0, plain.stderr)
  assert.equal(plain.stderr, 'known-secrets modules: 0\n')
  const known = await started(['scan', '--known-secrets', list, path])
  assert.equal(known.code, 1, known.stderr)
  assert.match(known.stderr, /known-secrets modules: [1-9]/)
  assertAbsent(known, value)
})

test('scan --format jsonl and json print valid, masked findings', async () => {
  const secret = gen.githubToken('ghp_')
  const path = file('leaky/ci.log', `step 1\ntoken: ${secret}\n`)
  const jsonl = await cli(['scan', '--format', 'jsonl', path])
  assert.equal(jsonl.code, 1)
  const lines = jsonl.stdout.trim().split('\n')
  assert.equal(lines.length, 1)
  const f = JSON.parse(lines[0] ?? '') as Finding & { file: string }
  assert.equal(f.rule, 'github-pat-classic')
  assert.equal(f.file, path)
  assert.deepEqual(f.location, { line: 2, column: 8, endLine: 2, endColumn: 48 })
  assert.match(f.fingerprint, /^[0-9a-f]{64}$/)
  assertAbsent(jsonl, secret)

  const json = await cli(['scan', '--format=json', path])
  assert.equal(json.code, 1)
  const all = JSON.parse(json.stdout) as Finding[]
  assert.equal(all.length, 1)
  assert.equal(all[0]?.preview, f.preview)
  assertAbsent(json, secret)
})

test('with detector.fingerprintKey from the environment, fingerprints are stable across runs', async () => {
  const secret = gen.githubToken('ghp_')
  const path = file('stable/app.log', `GITHUB_TOKEN=${secret}\n`)
  const env = { LEAKWATCH_DETECTOR_FINGERPRINT_KEY: gen.base62(40) }
  const fp = async (e: Record<string, string>) => (JSON.parse((await cli(['scan', '--format', 'jsonl', path], { env: e })).stdout) as Finding).fingerprint
  const a = await fp(env)
  assert.equal(await fp(env), a)
  assert.notEqual(await fp({}), a, 'without a key the fingerprint is per process')
})

test('scan of a clean file or directory exits 0 and prints nothing; binaries are skipped', async () => {
  const clean = file('clean/app.log', 'GET /healthz 200\nuser logged in\n')
  const run = await cli(['scan', clean])
  assert.deepEqual(run, { code: 0, stdout: '', stderr: '' })

  const secret = gen.githubToken('ghp_')
  // Issue #12: binary is decided by more than one NUL (a log with a few is text), and a skipped binary is named on stderr.
  const blob = file('clean/blob.bin', Buffer.concat([Buffer.from(Array.from({ length: 64 }, (_, i) => i % 32)), Buffer.from(`GITHUB_TOKEN=${secret}\n`)]))
  const tree = await cli(['scan', join(dir, 'clean')])
  assert.deepEqual({ ...tree, stderr: '' }, { code: 0, stdout: '', stderr: '' })
  assert.equal(
    tree.stderr,
    `leakwatch: LW_ERR_SCAN_BINARY: ${blob} looks binary; skipped\nleakwatch: LW_ERR_SCAN_BINARY: 1 binary file(s) skipped (name a file to scan it anyway)\n`
  )
})

test('scan of a directory walks it recursively', async () => {
  const secret = gen.githubToken('ghp_')
  file('tree/a/b/deep.log', `x=1\nGITHUB_TOKEN=${secret}\n`)
  file('tree/top.log', 'nothing here\n')
  const run = await cli(['scan', join(dir, 'tree')])
  assert.equal(run.code, 1)
  assert.ok(run.stdout.startsWith(`${join(dir, 'tree', 'a', 'b', 'deep.log')}:2:`), run.stdout)
  assertAbsent(run, secret)
})

test('scan does not follow links inside a tree: a link to a parent neither loops nor repeats findings', async () => {
  const secret = gen.githubToken('ghp_')
  file('loop/sub/app.log', `GITHUB_TOKEN=${secret}\n`)
  symlinkSync('..', join(dir, 'loop', 'sub', 'up'))
  const run = await cli(['scan', join(dir, 'loop')])
  assert.equal(run.code, 1, run.stderr)
  assert.equal(run.stderr, '')
  assert.equal(run.stdout.match(/github-pat-classic/g)?.length, 1)
  // A link given explicitly is what the user asked for, and is followed.
  symlinkSync(join(dir, 'loop', 'sub'), join(dir, 'link-to-sub'))
  const direct = await cli(['scan', join(dir, 'link-to-sub')])
  assert.equal(direct.code, 1)
  assertAbsent(direct, secret)
})

test('scan - reads stdin', async () => {
  const secret = gen.githubToken('ghp_')
  const run = await cli(['scan', '-'], { stdin: `line\nGITHUB_TOKEN=${secret}\n` })
  assert.equal(run.code, 1)
  assert.match(run.stdout, /^\(stdin\):2:14 {2}CRITICAL {2}github-pat-classic/)
  assertAbsent(run, secret)
  const clean = await cli(['scan'], { stdin: 'nothing to see\n' })
  assert.deepEqual(clean, { code: 0, stdout: '', stderr: '' })
})

test('bad configuration exits 2 with the LW_ERR code and the offending name', async () => {
  const env = await cli(['scan', '-'], { env: { LEAKWATCH_KAFKA_BROKERZ: 'a:1' } })
  assert.equal(env.code, 2)
  assert.equal(env.stdout, '')
  assert.match(env.stderr, /^leakwatch: LW_ERR_CONFIG_INVALID: unknown environment variable\(s\): LEAKWATCH_KAFKA_BROKERZ /)

  const yaml = file('bad.yaml', 'detector:\n  maxContextChar: 10\n')
  const key = await cli(['scan', '--config', yaml, '-'])
  assert.equal(key.code, 2)
  assert.match(key.stderr, /^leakwatch: LW_ERR_CONFIG_INVALID: .*detector\.maxContextChar: unknown key/)

  const viaEnv = await cli(['scan', '-'], { env: { LEAKWATCH_CONFIG: yaml } })
  assert.equal(viaEnv.code, 2)
  assert.match(viaEnv.stderr, /detector\.maxContextChar: unknown key/)

  const value = await cli(['scan', '-'], { env: { LEAKWATCH_DETECTOR_FINGERPRINT_KEY: 'too-short' } })
  assert.equal(value.code, 2)
  assert.match(value.stderr, /^leakwatch: LW_ERR_CONFIG_INVALID: .*detector\.fingerprintKey: must be at least 32 characters/)

  const missing = await cli(['scan', '--config', join(dir, 'absent.yaml'), '-'])
  assert.equal(missing.code, 2)
  assert.match(missing.stderr, /^leakwatch: LW_ERR_CONFIG_UNREADABLE: cannot read configuration file /)
})

test('a secret in a bad configuration value is not echoed back', async () => {
  // A value pasted into the wrong variable must not end up in CI logs through the error message.
  const secret = gen.githubToken('ghp_')
  const run = await cli(['scan', '-'], { env: { LEAKWATCH_HTTP_PORT: secret } })
  assert.equal(run.code, 2)
  assert.match(run.stderr, /LW_ERR_CONFIG_INVALID: .*http\.port: expected a number/)
  assertAbsent(run, secret)
})

test('usage errors exit 2 with LW_ERR_USAGE; an unreadable scan path exits 2 with LW_ERR_SCAN_INPUT', async () => {
  const unknown = await cli(['frobnicate'])
  assert.equal(unknown.code, 2)
  assert.match(unknown.stderr, /^leakwatch: LW_ERR_USAGE: unknown command frobnicate/)

  const flag = await cli(['scan', '--frobnicate'])
  assert.equal(flag.code, 2)
  assert.match(flag.stderr, /^leakwatch: LW_ERR_USAGE: /)

  const format = await cli(['scan', '--format', 'xml', '-'])
  assert.equal(format.code, 2)
  assert.match(format.stderr, /^leakwatch: LW_ERR_USAGE: unknown --format xml \(text, json, jsonl, sarif\)/)

  const role = await cli(['run', 'everything'])
  assert.equal(role.code, 2)
  assert.match(role.stderr, /^leakwatch: LW_ERR_USAGE: usage: leakwatch run all\|collector\|detector\|responder/)

  const absent = await cli(['scan', join(dir, 'does-not-exist.log')])
  assert.equal(absent.code, 2)
  assert.match(absent.stderr, /^leakwatch: LW_ERR_SCAN_INPUT: cannot read /)
})
