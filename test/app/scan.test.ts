// `leakwatch scan` end to end (spawned CLI), plus the parts that need a
// terminal (progress bar, colours), run in process with TTY-like streams.

import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { chmodSync, createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable, Writable } from 'node:stream'
import { after, test } from 'node:test'
import { stringify } from 'yaml'
import { formatText, scan } from '../../app/scan.ts'
import type { Finding } from '../../pipeline/events.ts'
import { createFingerprinter } from '../../pipeline/fingerprint.ts'
import { assertAbsent, cli } from '../support/cli.ts'
import { checkSarif } from '../support/sarif.ts'
import { seededGen } from '../support/seed.ts'

const dir = mkdtempSync(join(tmpdir(), 'lw-scan-'))
// Readable by an unprivileged user too: one test runs the CLI as nobody.
chmodSync(dir, 0o755)
after(() => rmSync(dir, { recursive: true, force: true }))
const gen = seededGen('gen')
const KEY = { LEAKWATCH_DETECTOR_FINGERPRINT_KEY: gen.base62(40) }
const ESC = String.fromCharCode(27)
/** Text without its SGR (colour) escape sequences. */
const stripSgr = (s: string): string =>
  s
    .split(ESC)
    .map((part, i) => (i === 0 ? part : part.replace(/^\[\d+m/, '')))
    .join('')

function file(name: string, content: string | Buffer): string {
  const path = join(dir, name)
  mkdirSync(join(path, '..'), { recursive: true })
  writeFileSync(path, content)
  return path
}

const run = (args: string[], opts: { env?: Record<string, string>; stdin?: string; uid?: number; gid?: number } = {}) => cli(args, { cwd: dir, ...opts })

type Record_ = Finding & { file?: string; line: number; column: number; endLine: number; endColumn: number; secret?: string }

function jsonl(stdout: string): Record_[] {
  return stdout
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record_)
}

test('json and jsonl findings carry the flat fields and the whole finding; streams of absolute paths read file:/path', async () => {
  const secret = gen.githubToken('ghp_')
  const path = file('flat/app.log', `boot\n  token=${secret}\n`)
  const out = await run(['scan', '--format', 'json', path])
  assert.equal(out.code, 1, out.stderr)
  const [f] = JSON.parse(out.stdout) as Record_[]
  assert.ok(f)
  assert.deepEqual(
    { rule: f.rule, kind: f.kind, severity: f.severity, file: f.file, line: f.line, column: f.column, endLine: f.endLine, endColumn: f.endColumn },
    { rule: 'github-pat-classic', kind: 'pattern', severity: 'critical', file: path, line: 2, column: 9, endLine: 2, endColumn: 49 }
  )
  assert.match(f.fingerprint, /^[0-9a-f]{64}$/)
  assert.equal(f.preview, `ghp_********${secret.slice(-2)}`)
  // The whole finding is there too.
  assert.deepEqual(f.location, { line: 2, column: 9, endLine: 2, endColumn: 49 })
  assert.equal(f.stream, `file:${path}`)
  assert.ok(!f.stream.includes('//'), f.stream)
  assert.equal(f.type, 'finding')
  assert.equal(f.context, `  token=ghp_********${secret.slice(-2)}`)
  assert.equal('secret' in f, false)
  assertAbsent(out, secret)

  // A relative path stays as given.
  const rel = await run(['scan', '--format', 'jsonl', 'flat/app.log'])
  const [r] = jsonl(rel.stdout)
  assert.equal(r?.file, 'flat/app.log')
  assert.equal(r?.stream, 'file:flat/app.log')

  const stdin = await run(['scan', '--format', 'jsonl'], { stdin: `x\ny ${secret}\n` })
  const [s] = jsonl(stdin.stdout)
  assert.equal(s?.stream, 'stdin')
  assert.equal('file' in (s ?? {}), false)
  assert.deepEqual([s?.line, s?.column], [2, 3])
})

test('--format sarif writes a structurally valid SARIF 2.1.0 log', async () => {
  const token = gen.githubToken('ghp_')
  const password = gen.password()
  file('sarif/logs/app one.log', `start\nGITHUB_TOKEN=${token}\nDB_PASSWORD=${password}\n`)
  const out = await run(['scan', '--format', 'sarif', 'sarif'], { env: KEY })
  assert.equal(out.code, 1, out.stderr)
  const log = JSON.parse(out.stdout) as {
    runs: Array<{
      tool: {
        driver: { name: string; version: string; informationUri: string; rules: Array<{ id: string; properties: { severity: string; tags: string[] } }> }
      }
      results: Array<{
        ruleId: string
        ruleIndex: number
        level: string
        message: { text: string }
        locations: Array<{ physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string }; region: Record<string, number> } }>
        partialFingerprints: Record<string, string>
      }>
    }>
  }
  assert.deepEqual(checkSarif(log), [])
  assert.equal(log.runs.length, 1)
  const [r] = log.runs
  assert.ok(r)
  assert.equal(r.tool.driver.name, 'leakwatch')
  assert.match(r.tool.driver.version, /^\d+\.\d+\.\d+/)
  assert.ok(r.tool.driver.rules.some((x) => x.id === 'github-pat-classic' && x.properties.severity === 'critical' && x.properties.tags.includes('secret')))
  const byRule = new Map(r.results.map((x) => [x.ruleId, x]))
  const gh = byRule.get('github-pat-classic')
  assert.ok(gh, out.stdout)
  assert.equal(gh.level, 'error')
  assert.equal(r.tool.driver.rules[gh.ruleIndex]?.id, 'github-pat-classic')
  assert.deepEqual(gh.locations[0]?.physicalLocation, {
    artifactLocation: { uri: 'sarif/logs/app%20one.log', uriBaseId: '%SRCROOT%' },
    region: { startLine: 2, startColumn: 14, endLine: 2, endColumn: 54 }
  })
  const pw = byRule.get('generic-password-assignment')
  assert.equal(pw?.level, 'warning')
  // The same fingerprints as the JSON output of a run with the same key.
  const json = jsonl((await run(['scan', '--format', 'jsonl', 'sarif'], { env: KEY })).stdout)
  assert.deepEqual(r.results.map((x) => Object.values(x.partialFingerprints)[0]).sort(), json.map((f) => f.fingerprint).sort())
  assertAbsent(out, token)
  assert.equal(out.stdout.includes(password), false)

  const clean = await run(['scan', '--format', 'sarif', '-'], { stdin: 'nothing\n' })
  assert.equal(clean.code, 0)
  const empty = JSON.parse(clean.stdout) as { runs: Array<{ results: unknown[] }> }
  assert.deepEqual(checkSarif(empty), [])
  assert.deepEqual(empty.runs[0]?.results, [])
})

test('--exit-code sets the code for findings; a bad value is a usage error', async () => {
  const path = file('exit/app.log', `GITHUB_TOKEN=${gen.githubToken('ghp_')}\n`)
  assert.equal((await run(['scan', '--exit-code', '7', path])).code, 7)
  assert.equal((await run(['scan', '--exit-code=0', path])).code, 0)
  assert.equal((await run(['scan', '--exit-code', '7', '-'], { stdin: 'clean\n' })).code, 0)
  const bad = await run(['scan', '--exit-code', 'many', path])
  assert.equal(bad.code, 2)
  assert.match(bad.stderr, /^leakwatch: LW_ERR_USAGE: --exit-code must be an integer/)
})

test('--reveal prints the plaintext in text, json and jsonl; never in sarif', async () => {
  const secret = gen.githubToken('ghp_')
  const path = file('reveal/app.log', `GITHUB_TOKEN=${secret}\n`)
  const text = await run(['scan', '--reveal', path])
  assert.equal(text.code, 1)
  assert.ok(text.stdout.includes(`github-pat-classic  ${secret}\n`), text.stdout)
  // The context line stays masked.
  assert.ok(text.stdout.includes(`GITHUB_TOKEN=ghp_********${secret.slice(-2)}`))
  const [j] = jsonl((await run(['scan', '--reveal', '--format', 'jsonl', path])).stdout)
  assert.equal(j?.secret, secret)
  const [a] = JSON.parse((await run(['scan', '--reveal', '--format', 'json', path])).stdout) as Record_[]
  assert.equal(a?.secret, secret)
  const sarif = await run(['scan', '--reveal', '--format', 'sarif', path])
  assert.equal(sarif.code, 2)
  assert.match(sarif.stderr, /LW_ERR_USAGE: --reveal does not go with --format sarif/)
  assertAbsent(sarif, secret)
})

test('text output is coloured only on a colour terminal', () => {
  const f = {
    rule: 'r',
    severity: 'critical',
    preview: 'ab********',
    context: 'x=ab********',
    location: { line: 3, column: 4, endLine: 3, endColumn: 9 }
  } as Finding
  const plain = formatText(f, 'a.log', { color: false })
  assert.equal(plain, 'a.log:3:4  CRITICAL  r  ab********\n    x=ab********\n')
  const colored = formatText(f, 'a.log', { color: true })
  assert.notEqual(colored, plain)
  assert.ok(colored.includes(`${ESC}[31m`), JSON.stringify(colored))
  assert.equal(stripSgr(colored), plain)
})

/** A writable that keeps what it was given and claims to be a terminal. */
function tty(colors = true): Writable & { isTTY: boolean; text: () => string; hasColors: () => boolean } {
  const chunks: string[] = []
  const w = new Writable({
    write(c: Buffer, _e, cb) {
      chunks.push(c.toString('utf8'))
      cb()
    }
  }) as Writable & { isTTY: boolean; text: () => string; hasColors: () => boolean }
  w.isTTY = true
  w.hasColors = () => colors
  w.text = () => chunks.join('')
  return w
}

function pipe(): Writable & { text: () => string } {
  const w = tty()
  ;(w as { isTTY: boolean }).isTTY = false
  return w
}

const setup = { fingerprintKey: undefined, allow: { secrets: [], lines: [], streams: [] }, ruleFiles: [], maxContextChars: 240 }
const scanOpts = (paths: string[], stdout: Writable, stderr: Writable) => ({
  ...setup,
  paths,
  format: 'text' as const,
  exitCode: 1,
  reveal: false,
  tool: { name: 'leakwatch', version: '0', informationUri: 'https://example.invalid/' },
  cwd: dir,
  stdin: Readable.from([]),
  stdout,
  stderr
})

test('a progress bar goes to stderr for large inputs only when stderr is a terminal, and is erased', async () => {
  const secret = gen.githubToken('ghp_')
  const big = file('progress/big.log', `${'filler line of a busy service\n'.repeat(20_000)}GITHUB_TOKEN=${secret}\n`)
  let t = 0
  const stderr = tty()
  const stdout = pipe()
  const code = await scan({ ...scanOpts([join(dir, 'progress')], stdout, stderr), progressMinBytes: 1024, clock: () => (t += 1000) })
  assert.equal(code, 1)
  const err = stderr.text()
  assert.match(err.replaceAll(`\r${ESC}[K`, '<erase>'), /<erase>scanning \[[= ]{24}\] \d+% {2}[\d.]+\/[\d.]+ MiB {2}\d+\/1 files/)
  assert.ok(err.endsWith('\r\x1b[K'), JSON.stringify(err.slice(-40)))
  assert.ok(stdout.text().startsWith(`${big}:20001:14  CRITICAL`), stdout.text())
  assert.equal(stdout.text().includes('\x1b'), false, 'stdout is not a terminal: no colours')

  const quiet = pipe()
  await scan({ ...scanOpts([join(dir, 'progress')], pipe(), quiet), progressMinBytes: 1024 })
  assert.equal(quiet.text(), '', 'no progress on a non-terminal stderr')
  const small = tty()
  await scan({ ...scanOpts([join(dir, 'progress')], pipe(), small), progressMinBytes: 1024 * 1024 * 1024 })
  assert.equal(small.text(), '', 'no progress below the size threshold')

  const colour = tty(true)
  await scan({ ...scanOpts([big], colour, pipe()) })
  assert.ok(colour.text().includes(`${ESC}[1m`))
})

test('--rules adds rules from YAML and JSON files; invalid files and failing examples exit 2 naming file and rule', async () => {
  const secret = `zork_${gen.base62(32)}`
  const rule = {
    id: 'zork-api-key',
    title: 'Zork API key',
    severity: 'high',
    kind: 'pattern',
    regex: '\\b(zork_[A-Za-z0-9]{32})\\b',
    keywords: ['zork_'],
    minEntropy: 3,
    examples: { positives: [{ line: `ZORK_KEY=${secret}`, secret }], negatives: ['zork_ is the prefix'] }
  }
  const yamlPath = file('rules/zork.yaml', stringify({ rules: [rule] }))
  const jsonPath = file('rules/zork.json', JSON.stringify({ rules: [{ ...rule, id: 'zork-api-key-json' }] }))
  const leaked = `${gen.base62(8)} zork_${gen.base62(32)}`
  const log = file('rules/app.log', `request ok\nkey ${leaked}\n`)
  const out = await run(['scan', '--format', 'jsonl', '--rules', yamlPath, log])
  assert.equal(out.code, 1, out.stderr)
  assert.deepEqual(
    jsonl(out.stdout).map((f) => [f.rule, f.severity, f.line]),
    [['zork-api-key', 'high', 2]]
  )
  assertAbsent(out, leaked.slice(9))
  const withJson = await run(['scan', '--format', 'jsonl', '--rules', jsonPath, log])
  assert.deepEqual(
    jsonl(withJson.stdout).map((f) => f.rule),
    ['zork-api-key-json']
  )
  // Repeatable; the same id twice is an error.
  const twice = await run(['scan', '--rules', yamlPath, '--rules', yamlPath, log])
  assert.equal(twice.code, 2)
  assert.match(twice.stderr, /^leakwatch: LW_ERR_RULE_INVALID: .*zork\.yaml: rule zork-api-key: the id is already used by .*zork\.yaml/)

  const badSeverity = file('rules/bad.yaml', stringify({ rules: [{ ...rule, severity: 'urgent' }] }))
  const bad = await run(['scan', '--rules', badSeverity, log])
  assert.equal(bad.code, 2)
  assert.match(bad.stderr, /^leakwatch: LW_ERR_RULE_INVALID: .*bad\.yaml: rule zork-api-key: severity: must be one of low, medium, high, critical/)

  const badRegex = file('rules/regex.yaml', stringify({ rules: [{ ...rule, regex: '(?<=zork)_x' }] }))
  const re = await run(['scan', '--rules', badRegex, log])
  assert.equal(re.code, 2)
  assert.match(re.stderr, /LW_ERR_RULE_INVALID: .*regex\.yaml: rule zork-api-key: invalid RE2 pattern/)

  // A rule whose own example is not found is rejected, and the message does not print the example's secret.
  const failing = file('rules/failing.yaml', stringify({ rules: [{ ...rule, minEntropy: 7 }] }))
  const ex = await run(['scan', '--rules', failing, log])
  assert.equal(ex.code, 2)
  assert.match(ex.stderr, /LW_ERR_RULE_INVALID: .*failing\.yaml: rule zork-api-key: examples\.positives\[0\]: expected the secret zork\*{8}.., found nothing/)
  assertAbsent(ex, secret)

  const missing = await run(['scan', '--rules', join(dir, 'rules/absent.yaml'), log])
  assert.equal(missing.code, 2)
  assert.match(missing.stderr, /LW_ERR_RULE_INVALID: .*absent\.yaml: cannot read rule file \(ENOENT\)/)
})

test('baselines: written without secrets, suppress what they list, refuse to work without a fixed fingerprint key', async () => {
  const old = gen.githubToken('ghp_')
  const log = file('baseline/app.log', `one\nGITHUB_TOKEN=${old}\n`)
  const base = join(dir, 'baseline/.leakwatch-baseline.json')

  for (const flag of ['--baseline', '--write-baseline']) {
    const refused = await run(['scan', flag, base, log])
    assert.equal(refused.code, 2)
    assert.match(
      refused.stderr,
      new RegExp(`^leakwatch: LW_ERR_BASELINE_INVALID: ${flag} needs a fixed detector\\.fingerprintKey \\(LEAKWATCH_DETECTOR_FINGERPRINT_KEY\\)`)
    )
  }

  const wrote = await run(['scan', '--write-baseline', base, log], { env: KEY })
  assert.equal(wrote.code, 0, wrote.stderr)
  assert.match(wrote.stderr, /wrote 1 fingerprint\(s\) to /)
  const text = readFileSync(base, 'utf8')
  assert.equal(text.includes(old), false)
  assert.equal(text.includes(old.slice(6, 26)), false)
  const doc = JSON.parse(text) as { version: string; findings: Array<Record<string, unknown>> }
  assert.equal(doc.version, '1')
  assert.deepEqual(Object.keys(doc.findings[0] ?? {}).sort(), ['file', 'fingerprint', 'line', 'preview', 'rule'])
  assert.deepEqual([doc.findings[0]?.rule, doc.findings[0]?.file, doc.findings[0]?.line], ['github-pat-classic', log, 2])

  const quiet = await run(['scan', '--baseline', base, log], { env: KEY })
  assert.deepEqual(quiet, { code: 0, stdout: '', stderr: '' })

  const fresh = gen.githubToken('ghp_')
  writeFileSync(log, `one\nGITHUB_TOKEN=${old}\nGH=${fresh}\n`)
  const next = await run(['scan', '--format', 'jsonl', '--baseline', base, log], { env: KEY })
  assert.equal(next.code, 1)
  assert.deepEqual(
    jsonl(next.stdout).map((f) => f.line),
    [3]
  )
  // Another key makes every fingerprint new: the baseline no longer matches.
  const otherKey = await run(['scan', '--baseline', base, log], { env: { LEAKWATCH_DETECTOR_FINGERPRINT_KEY: gen.base62(40) } })
  assert.equal(otherKey.stdout.match(/github-pat-classic/g)?.length, 2)

  // Updating keeps what was accepted and adds the new one.
  await run(['scan', '--baseline', base, '--write-baseline', base, log], { env: KEY })
  assert.equal((JSON.parse(readFileSync(base, 'utf8')) as typeof doc).findings.length, 2)
  assert.equal((await run(['scan', '--baseline', base, log], { env: KEY })).code, 0)

  const broken = file('baseline/broken.json', '{"version":"1","findings":[{"fingerprint":"nope"}]}')
  const b = await run(['scan', '--baseline', broken, log], { env: KEY })
  assert.equal(b.code, 2)
  assert.match(b.stderr, /^leakwatch: LW_ERR_BASELINE_INVALID: baseline .*broken\.json is invalid: findings\[0\]\.fingerprint: must match/)
})

test('detector.allow (config) and the inline leakwatch:allow=<fingerprint> marker silence findings in scan', async () => {
  const a = gen.githubToken('ghp_')
  const b = gen.githubToken('ghp_')
  const c = gen.githubToken('ghp_')
  const d = gen.githubToken('ghp_')
  file('allow/vendor/third-party.log', `GITHUB_TOKEN=${d}\n`)
  // The inline marker names the secret's keyed fingerprint (issue #12: a bare marker could be injected through data).
  const marker = `leakwatch:allow=${createFingerprinter(KEY.LEAKWATCH_DETECTOR_FINGERPRINT_KEY).of(c).slice(0, 16)}`
  const log = file('allow/app.log', [`GITHUB_TOKEN=${a}`, `fixture: GITHUB_TOKEN=${b}`, `GITHUB_TOKEN=${c} # ${marker}`, 'end'].join('\n'))
  const all = await run(['scan', '--format', 'jsonl', join(dir, 'allow')], { env: KEY })
  assert.equal(jsonl(all.stdout).length, 3)

  const yaml = file(
    'allow/leakwatch.yaml',
    stringify({ detector: { allow: { secrets: [`^${a.slice(0, 12)}`], lines: ['^fixture:'], streams: ['^file:.*/vendor/'] } } })
  )
  const allowed = await run(['scan', '--config', yaml, join(dir, 'allow')], { env: KEY })
  assert.deepEqual(allowed, { code: 0, stdout: '', stderr: '' })

  const viaEnv = await run(['scan', '--format', 'jsonl', log], { env: { ...KEY, LEAKWATCH_DETECTOR_ALLOW_LINES: '["^fixture:"]' } })
  assert.deepEqual(
    jsonl(viaEnv.stdout).map((f) => f.line),
    [1]
  )
  const bad = await run(['scan', log], { env: { LEAKWATCH_DETECTOR_ALLOW_SECRETS: '(?<=x)' } })
  assert.equal(bad.code, 2)
  // Issue #12: the pattern is not echoed (config values never are); the option path names it.
  assert.match(bad.stderr, /^leakwatch: LW_ERR_CONFIG_INVALID: detector\.allow\.secrets\[0\]: invalid RE2 pattern/)
})

test('invalid allowlist and rule regexes are reported by option path and RE2 error kind, never echoed', async () => {
  const secret = gen.githubToken('ghp_')
  const log = file('echo/app.log', 'nothing here\n')
  const yaml = file('echo/leakwatch.yaml', stringify({ detector: { allow: { lines: ['^fixture:', `(${secret}`] } } }))
  const cfg = await run(['scan', '--config', yaml, log])
  assert.equal(cfg.code, 2)
  assert.match(cfg.stderr, /^leakwatch: LW_ERR_CONFIG_INVALID: detector\.allow\.lines\[1\]: invalid RE2 pattern \(missing \), at character 1 of 41\)/)
  assertAbsent(cfg, secret)

  const rule = {
    id: 'echo-key',
    severity: 'high',
    kind: 'pattern',
    regex: `\\b(echo_[a-z]{8})${secret}[z-a]`,
    keywords: ['echo_']
  }
  const regexFile = file('echo/regex.yaml', stringify({ rules: [rule] }))
  const re = await run(['scan', '--rules', regexFile, log])
  assert.equal(re.code, 2)
  assert.match(
    re.stderr,
    /LW_ERR_RULE_INVALID: .*regex\.yaml: rule echo-key: invalid RE2 pattern in regex \(invalid character class range, at character 59 of 62\)/
  )
  assertAbsent(re, secret)

  const allowFile = file(
    'echo/allow.yaml',
    stringify({ allow: { secrets: [`x{2,1}${secret}`] }, rules: [{ ...rule, regex: '\\b(echo_[a-z]{8})\\b', allow: { matches: ['ok', `a**${secret}`] } }] })
  )
  const al = await run(['scan', '--rules', allowFile, log])
  assert.equal(al.code, 2)
  assert.match(al.stderr, /LW_ERR_RULE_INVALID: .*allow\.yaml: allow\.secrets\[0\]: invalid RE2 pattern \(invalid repetition size, at character 2 of 46\)/)
  assertAbsent(al, secret)
  const ruleAllow = file(
    'echo/rule-allow.yaml',
    stringify({ rules: [{ ...rule, regex: '\\b(echo_[a-z]{8})\\b', allow: { matches: ['ok', `a**${secret}`] } }] })
  )
  const ra = await run(['scan', '--rules', ruleAllow, log])
  assert.equal(ra.code, 2)
  assert.match(
    ra.stderr,
    /LW_ERR_RULE_INVALID: .*rule-allow\.yaml: rule echo-key: invalid RE2 pattern in allow\.matches\[1\] \(bad repetition operator, at character 2 of 43\)/
  )
  assertAbsent(ra, secret)
})

test('a path named on the command line that is missing exits 2 before anything is scanned', async () => {
  const secret = gen.githubToken('ghp_')
  const present = file('missing/app.log', `GITHUB_TOKEN=${secret}\n`)
  const absent = join(dir, 'missing', 'nope.log')
  const r = await run(['scan', present, absent])
  assert.equal(r.code, 2)
  assert.equal(r.stdout, '')
  assert.match(r.stderr, /^leakwatch: LW_ERR_SCAN_INPUT: cannot read .*nope\.log \(ENOENT\)\n$/)
})

test('an unreadable file inside a scanned directory is warned about and skipped; the rest is scanned', async () => {
  // Root reads everything: run the CLI as nobody so the permission bits count.
  const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {}
  const secret = gen.githubToken('ghp_')
  file('perm/a-readable.log', `GITHUB_TOKEN=${secret}\n`)
  const locked = file('perm/b-locked.log', `GITHUB_TOKEN=${gen.githubToken('ghp_')}\n`)
  file('perm/c-after.log', `GH=${gen.githubToken('ghp_')}\n`)
  chmodSync(locked, 0o000)
  const r = await run(['scan', join(dir, 'perm')], asUser)
  assert.equal(r.code, 1, r.stderr)
  assert.equal(r.stderr, `leakwatch: LW_ERR_SCAN_INPUT: cannot read ${locked} (EACCES); skipped\n`)
  assert.equal(r.stdout.match(/github-pat-classic/g)?.length, 2, 'files before and after the unreadable one are scanned')
  assertAbsent(r, secret)

  // Nothing found but the scan was incomplete: it must not pass as clean.
  const onlyLocked = join(dir, 'perm-only')
  mkdirSync(onlyLocked)
  chmodSync(onlyLocked, 0o755)
  const l2 = file('perm-only/locked.log', 'nothing\n')
  file('perm-only/clean.log', 'nothing\n')
  chmodSync(l2, 0o000)
  const r2 = await run(['scan', onlyLocked], asUser)
  assert.equal(r2.code, 2)
  assert.equal(r2.stdout, '')
  assert.match(r2.stderr, /cannot read .*locked\.log \(EACCES\); skipped\n.*LW_ERR_SCAN_INPUT: 1 input\(s\) could not be read; the scan is incomplete\n$/s)
})

test('a named pipe given on the command line is read as a stream', async () => {
  const fifo = join(dir, 'pipe.fifo')
  const made = spawnSync('mkfifo', [fifo])
  assert.equal(made.status, 0, 'mkfifo is available')
  const secret = gen.githubToken('ghp_')
  const pending = run(['scan', '--format', 'jsonl', fifo])
  const w = createWriteStream(fifo)
  w.end(`hello\nGITHUB_TOKEN=${secret}\n`)
  const r = await pending
  assert.equal(r.code, 1, r.stderr)
  assert.deepEqual(
    jsonl(r.stdout).map((f) => [f.rule, f.line, f.file]),
    [['github-pat-classic', 2, fifo]]
  )
})

test('control characters in file names and contexts are printed escaped: no raw escape sequence, no forged line', async () => {
  const secret = gen.githubToken('ghp_')
  const name = `evil\nleak found: forged [critical]\nx.log:1:1  CRITICAL  forged  ${ESC}[2J\u202e.log`
  file(`ctl/${name}`, `${ESC}]0;title\x07 ${ESC}[8m token=${secret} \u202e\u2066 \x85 done\n`)
  const out = await run(['scan', join(dir, 'ctl')])
  assert.equal(out.code, 1, out.stderr)
  assertAbsent(out, secret)
  for (const [stream, text] of [
    ['stdout', out.stdout],
    ['stderr', out.stderr]
  ] as const)
    assert.equal(/[\p{Cc}\u202a-\u202e\u2066-\u2069]/u.test(text.replaceAll('\n', '')), false, `${stream}: ${JSON.stringify(text)}`)
  const lines = out.stdout.trimEnd().split('\n')
  assert.equal(lines.length, 2, out.stdout)
  assert.ok(lines[0]?.startsWith(`${join(dir, 'ctl')}/evil\\nleak found: forged [critical]\\nx.log:1:1  CRITICAL  forged  \\x1b[2J\\u202e.log:1:`), lines[0])
  assert.match(lines[1] ?? '', /^ {4}.*\\x1b\]0;title\\x07 .*token=ghp_\*{8}.. \\u202e\\u2066 \\x85 done$/)
})
