// `leakwatch mask`: line by line through a spawned CLI (each masked line is
// read back before the next is sent), then the block-hold bounds in process
// with small limits.

import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough, Writable } from 'node:stream'
import { after, test } from 'node:test'
import { mask, maskLines } from '../../app/mask.ts'
import { ALPHABETS } from '../../detectors/gen.ts'
import { BUILTIN_RULES } from '../../detectors/rules/registry.ts'
import type { Finding } from '../../pipeline/events.ts'
import { createFingerprinter, mask as maskValue } from '../../pipeline/fingerprint.ts'
import { bin, cli } from '../support/cli.ts'
import { threadCpuMs } from '../support/cost.ts'
import { body, klogLines } from '../support/hex-dump.ts'
import { seededGen } from '../support/seed.ts'
import { waitFor } from '../support/wait.ts'

const dir = mkdtempSync(join(tmpdir(), 'lw-mask-'))
after(() => rmSync(dir, { recursive: true, force: true }))
const gen = seededGen('gen')
const run = (args: string[], stdin: string) => cli(args, { cwd: dir, stdin })

function pem(bodyBytes: number): { lines: string[]; body: string } {
  const body = gen.pemBody(bodyBytes)
  return { body, lines: ['-----BEGIN RSA PRIVATE KEY-----', ...(body.match(/.{1,64}/g) ?? []), '-----END RSA PRIVATE KEY-----'] }
}

test('mask writes each line as soon as it is complete, masked, before the next one arrives', async (t) => {
  const child = spawn(process.execPath, [bin, 'mask'], { cwd: dir, env: { PATH: process.env.PATH ?? '' }, stdio: ['pipe', 'pipe', 'pipe'] })
  // Its stdin stays open between steps: a failed step must not leave it running (the test file would never end).
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill()
  })
  let out = ''
  let err = ''
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString('utf8')
  })
  child.stderr.on('data', (c: Buffer) => {
    err += c.toString('utf8')
  })
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve))
  const a = gen.githubToken('ghp_')
  const b = gen.githubToken('ghp_')
  const steps: Array<[string, string]> = [
    ['$ make test\n', '$ make test\n'],
    [`export GITHUB_TOKEN=${a}\n`, `export GITHUB_TOKEN=ghp_********${a.slice(-2)}\n`],
    ['ok 1 - builds\n', 'ok 1 - builds\n'],
    [`git push https://x:${b}@github.com/acme/shop.git\n`, `git push https://x:ghp_********${b.slice(-2)}@github.com/acme/shop.git\n`]
  ]
  let expected = ''
  for (const [input, masked] of steps) {
    child.stdin.write(input)
    expected += masked
    // The child's stdin stays open: the line can only come back if it was not buffered behind later input.
    await waitFor(() => out.length >= expected.length, `the masked line of ${JSON.stringify(input.slice(0, 12))}`, 10_000)
    assert.equal(out, expected)
  }
  child.stdin.end()
  assert.equal(await closed, 1)
  assert.equal(out.includes(a) || out.includes(b) || err.includes(a) || err.includes(b), false)
  assert.match(err, /^leakwatch mask: line 2:21 {2}CRITICAL {2}github-pat-classic {2}ghp_\*{8}..\n/)
  assert.match(err, /leakwatch mask: masked 2 secret\(s\), 2 distinct\n$/)
})

test('clean input passes through byte for byte (line endings, \\r progress lines, a last line without newline)', async () => {
  const input = 'one\r\ntwo\n\ndownloading 10%\rdownloading 100%\rdone\nno newline at the end'
  const r = await run(['mask'], input)
  assert.deepEqual(r, { code: 0, stdout: input, stderr: '' })
})

test('multi-line private keys are masked body and all; decoded-view hits are masked in their encoded form', async () => {
  const key = pem(600)
  const token = gen.githubToken('ghp_')
  const b64 = Buffer.from(`GITHUB_TOKEN=${token}`).toString('base64')
  const password = gen.password()
  const urlPassword = encodeURIComponent(password)
  const input = ['starting', ...key.lines, `{"env":"${b64}"}`, `GET /login?user=bob&password=${urlPassword} 200`, 'done', ''].join('\n')
  const r = await run(['mask'], input)
  assert.equal(r.code, 1, r.stderr)
  const out = r.stdout.split('\n')
  assert.equal(out.length, input.split('\n').length, 'one output line per input line')
  assert.equal(out[0], 'starting')
  // Every body line is masked, whatever its length; the END marker stays.
  for (let i = 2; i <= key.lines.length - 1; i++) assert.equal(out[i], '********', `body line ${i}`)
  assert.equal(out[key.lines.length], '-----END RSA PRIVATE KEY-----')
  for (const line of key.lines.slice(1, -1)) assert.equal(r.stdout.includes(line), false)
  assert.equal(r.stdout.includes(b64), false, 'the base64 span holding a token is masked')
  assert.equal(r.stdout.includes(token.slice(4, 20)), false)
  assert.equal(r.stdout.includes(urlPassword), false, 'the URL-encoded password is masked')
  assert.ok(r.stdout.includes('GET /login?user=bob&password='))
  assert.match(r.stderr, /private-key/)
  assert.match(r.stderr, /github-pat-classic/)
  assert.match(r.stderr, /generic-password-assignment/)
})

test('a line with leakwatch:allow=<fingerprint> passes unmasked and unreported; --exit-code sets the code for findings', async () => {
  const t = gen.githubToken('ghp_')
  const key = gen.base62(40)
  const allowed = `fixture GITHUB_TOKEN=${t} # leakwatch:allow=${createFingerprinter(key).of(t).slice(0, 16)}\n`
  assert.deepEqual(await cli(['mask'], { cwd: dir, stdin: allowed, env: { LEAKWATCH_DETECTOR_FINGERPRINT_KEY: key } }), {
    code: 0,
    stdout: allowed,
    stderr: ''
  })
  const r = await run(['mask', '--exit-code', '0'], `GITHUB_TOKEN=${gen.githubToken('ghp_')}\n`)
  assert.equal(r.code, 0)
  assert.match(r.stdout, /^GITHUB_TOKEN=ghp_\*{8}..\n$/)
  const extra = await run(['mask', 'file.log'], '')
  assert.equal(extra.code, 2)
  assert.match(extra.stderr, /LW_ERR_USAGE: usage: leakwatch mask/)
  const flag = await run(['mask', '--reveal'], '')
  assert.equal(flag.code, 2)
  assert.match(flag.stderr, /LW_ERR_USAGE: --reveal does not go with mask/)
})

interface Piped {
  stdin: PassThrough
  out: () => string
  err: () => string
  done: Promise<number>
}

function inProcess(limits: { maxHoldLines?: number; maxLineChars?: number }, input?: AsyncIterable<string>): Piped & { bytes: () => Buffer } {
  const stdin = new PassThrough()
  let out = ''
  let err = ''
  const raw: Buffer[] = []
  // Recorded as written (no 'data' event a tick later): what a test reads is exactly what mask wrote so far.
  const stdout = new Writable({
    write(c: Buffer, _encoding, done) {
      raw.push(c)
      out += c.toString('utf8')
      done()
    }
  })
  const stderr = new PassThrough()
  stderr.on('data', (c: Buffer) => {
    err += c.toString('utf8')
  })
  const done = mask({
    fingerprintKey: undefined,
    allow: { secrets: [], lines: [], streams: [] },
    ruleFiles: [],
    maxContextChars: 240,
    exitCode: 1,
    stdin: input ?? stdin,
    stdout,
    stderr,
    ...limits
  })
  return { stdin, out: () => out, err: () => err, done, bytes: () => Buffer.concat(raw) }
}

test('a header without its END is held at most maxHoldLines lines', async () => {
  // mask reads the next piece only once it has handled the one before: each `yield` returns exactly then.
  let out = (): string => ''
  const seen: string[] = []
  async function* input(): AsyncGenerator<string> {
    yield '-----BEGIN PRIVATE KEY----- expected in config/tls.key\n'
    yield 'line a\nline b\n'
    seen.push(out())
    yield 'line c\n'
    seen.push(out())
    yield 'line d\n'
    seen.push(out())
  }
  const p = inProcess({ maxHoldLines: 4 }, input())
  out = p.out
  assert.equal(await p.done, 0)
  assert.deepEqual(seen, [
    '',
    '-----BEGIN PRIVATE KEY----- expected in config/tls.key\nline a\nline b\nline c\n',
    '-----BEGIN PRIVATE KEY----- expected in config/tls.key\nline a\nline b\nline c\nline d\n'
  ])
})

test('a key block is held however long its body takes (no time limit): the clock passing releases nothing', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'setInterval'] })
  const turn = (): Promise<void> => new Promise((r) => setImmediate(r))
  const key = pem(400)
  const [header, ...rest] = key.lines
  const body = rest.slice(0, -1)
  const p = inProcess({})
  p.stdin.write(`before\n${header}\n`)
  for (let i = 0; i < 5; i++) await turn()
  assert.equal(p.out(), 'before\n')
  // A slow writer: minutes between the header and its body.
  t.mock.timers.tick(5 * 60_000)
  for (let i = 0; i < 5; i++) await turn()
  assert.equal(p.out(), 'before\n', 'nothing of the block is written while its END may still come')
  p.stdin.write(`${body.slice(0, 2).join('\n')}\n`)
  t.mock.timers.tick(5 * 60_000)
  for (let i = 0; i < 5; i++) await turn()
  assert.equal(p.out(), 'before\n')
  p.stdin.end(`${body.slice(2).join('\n')}\n-----END RSA PRIVATE KEY-----\nafter\n`)
  assert.equal(await p.done, 1)
  const lines = p.out().split('\n')
  assert.deepEqual(lines.slice(2, body.length + 2), Array(body.length).fill('********'))
  assert.deepEqual(lines.slice(-3), ['-----END RSA PRIVATE KEY-----', 'after', ''])
  for (const b of body) assert.equal(p.out().includes(b), false)
})

test('a block cut at maxHoldLines keeps its later body lines masked, prefixed or not, up to its END', async () => {
  const key = pem(400)
  const [header, ...rest] = key.lines
  const body = rest.slice(0, -1)
  const p = inProcess({ maxHoldLines: 3 })
  p.stdin.end(
    `${header}\n${body.slice(0, 4).join('\n')}\n${body
      .slice(4)
      .map((b) => `app | ${b}`)
      .join('\n')}\n-----END RSA PRIVATE KEY-----\nafter\n`
  )
  await p.done
  for (const b of body) assert.equal(p.out().includes(b), false, p.out())
  assert.match(p.out(), /\napp \| \*{8}\n/)
  assert.ok(p.out().endsWith('-----END RSA PRIVATE KEY-----\nafter\n'))
})

test('input ending inside a key block flushes it masked', async () => {
  const key = pem(300)
  const p = inProcess({})
  p.stdin.end(`${key.lines.slice(0, 4).join('\n')}\n`)
  await p.done
  assert.deepEqual(p.out().split('\n').slice(1, 4), ['********', '********', '********'])
})

test("an env var's name line is held until its value line is in, and the value is masked (kubectl get -o yaml)", async () => {
  const value = gen.base62(28)
  const other = gen.password()
  let out = (): string => ''
  const seen: string[] = []
  async function* input(): AsyncGenerator<string> {
    yield 'env:\n'
    seen.push(out())
    // Written alone, the name line names no secret: it waits for the line after it.
    yield '  - name: DB_PASSWORD\n'
    seen.push(out())
    yield `    value: "${value}"\n`
    seen.push(out())
    // A name line right after another: each is held until the line after it.
    yield '  - name: LOG_TOKEN_TTL\n  - name: API_TOKEN\n'
    seen.push(out())
    yield `    value: ${other}\n`
    seen.push(out())
    // The input ends on a name line: it is written as it is.
    yield '  - name: CACHE_SECRET\n'
  }
  const p = inProcess({}, input())
  out = p.out
  assert.equal(await p.done, 1)
  assert.deepEqual(seen.slice(0, 3), ['env:\n', 'env:\n', `env:\n  - name: DB_PASSWORD\n    value: "${maskValue(value)}"\n`])
  // LOG_TOKEN_TTL's line went out once the line after it came (a name, not its value); API_TOKEN's waits for its own.
  assert.equal(seen[3], `${seen[2]}  - name: LOG_TOKEN_TTL\n`, 'the second name line waits for the line after it')
  assert.equal(seen[4], `${seen[3]}  - name: API_TOKEN\n    value: ${maskValue(other)}\n`)
  assert.ok(p.out().endsWith('  - name: CACHE_SECRET\n'))
  assert.equal(p.out().includes(value) || p.out().includes(other) || p.err().includes(value) || p.err().includes(other), false, p.out())
  assert.match(p.err(), /kubernetes-env-yaml-credential/)
})

test("a pretty-printed JWK's member lines are held from its kty or private member to the object's end, and its d is masked", async () => {
  const b64u = (n: number): string => gen.chars(ALPHABETS.base64url, n)
  for (const ktyFirst of [true, false]) {
    const d = b64u(43)
    const members = [`  "crv": "P-256",`, `  "x": "${b64u(43)}",`, `  "y": "${b64u(43)}",`]
    const kty = '  "kty": "EC",'
    const priv = `  "d": "${d}",`
    // Node's KeyObject.export writes kty last; most libraries write it first.
    const object = ktyFirst ? [kty, ...members, priv] : [members[0] as string, priv, ...members.slice(1), kty]
    let out = (): string => ''
    const seen: string[] = []
    async function* input(): AsyncGenerator<string> {
      yield 'signing key:\n{\n'
      yield `${object.slice(0, 2).join('\n')}\n`
      seen.push(out())
      yield `${object.slice(2).join('\n')}\n}\nnext\n`
    }
    const p = inProcess({}, input())
    out = p.out
    assert.equal(await p.done, 1)
    // Written at once: the lines before the object's first line that may take part in a finding.
    const before = ktyFirst ? 'signing key:\n{\n' : `signing key:\n{\n${members[0]}\n`
    assert.equal(seen[0], before, `kty first: ${ktyFirst}`)
    assert.equal(p.out().includes(d) || p.err().includes(d), false, p.out())
    assert.equal(p.out().split('\n').length, object.length + 5)
    assert.ok(p.out().endsWith('}\nnext\n'))
    assert.match(p.err(), /jwk-private-key/)
  }
})

test("a hex dump's rows are held while they go on, and a token cut over them is masked in every row (kubectl -v=8)", async () => {
  const secret = BUILTIN_RULES.find((r) => r.id === 'slack-bot-token')?.examples.positives(gen)[0]?.secret
  assert.ok(secret !== undefined)
  // klog's line, the dump's rows (tab-indented), its closing line and the next log line.
  const lines = klogLines(body('Secret', 5, secret))
  const rows = lines.slice(1, -2)
  const text = (ls: readonly string[]): string => ls.map((l) => `${l}\n`).join('')
  let out = (): string => ''
  const seen: string[] = []
  async function* input(): AsyncGenerator<string> {
    yield text(lines.slice(0, 1))
    seen.push(out())
    yield text(rows.slice(0, 2))
    seen.push(out())
    yield text(lines.slice(3))
  }
  const p = inProcess({}, input())
  out = p.out
  assert.equal(await p.done, 1)
  assert.equal(seen[0], text(lines.slice(0, 1)), 'a line that is no row goes out at once')
  assert.equal(seen[1], seen[0], 'full rows wait for the rows after them')
  const written = p.out().split('\n')
  assert.equal(written.length, lines.length + 1)
  assert.deepEqual(written.slice(-3), lines.slice(-2).concat(''))
  // No piece of the token anywhere: not in a text column, not as hex.
  const all = p.out() + p.err()
  for (let i = 0; i + 6 <= secret.length; i++) assert.ok(!all.includes(secret.slice(i, i + 6)), `piece at ${i}: ${p.out()}`)
  const hex = [...Buffer.from(secret)].map((b) => b.toString(16).padStart(2, '0'))
  for (let i = 0; i + 4 <= hex.length; i++) assert.ok(!all.includes(hex.slice(i, i + 4).join(' ')), `hex at ${i}`)
  assert.match(p.err(), /slack-bot-token/)
})

test('an over-long line without a break is processed in pieces rather than buffered without bound', async () => {
  const p = inProcess({ maxLineChars: 1024 })
  p.stdin.write('x'.repeat(2500))
  // Windows of 1024 overlapping by 256: what is settled is written before the line ends.
  await waitFor(() => p.out().length >= 1500, 'the settled part of the long line')
  p.stdin.end()
  await p.done
  assert.equal(p.out(), 'x'.repeat(2500))
})

test('a secret straddling a window cut of a long line is masked, and stderr names input lines', async () => {
  const [a, b, c] = [gen.githubToken('ghp_'), gen.githubToken('ghp_'), gen.githubToken('ghp_')]
  const aAt = 65_536 - 20
  const long = `${' '.repeat(aAt)}GITHUB_TOKEN=${a} ${' '.repeat(140_000)}GITHUB_TOKEN=${b}`
  const r = await run(['mask'], `first\n${long}\nGITHUB_TOKEN=${c}\n`)
  assert.equal(r.code, 1, r.stderr)
  for (const s of [a, b, c]) {
    assert.equal(r.stdout.includes(s.slice(4, 24)), false, 'stdout holds a secret')
    assert.equal(r.stdout.includes(s.slice(-20)), false, 'stdout holds the tail of a secret')
  }
  const bAt = long.length - 40 + 1
  assert.equal(
    r.stdout,
    `first\n${long.replace(a, `ghp_********${a.slice(-2)}`).replace(b, `ghp_********${b.slice(-2)}`)}\nGITHUB_TOKEN=ghp_********${c.slice(-2)}\n`
  )
  assert.deepEqual(
    r.stderr
      .split('\n')
      .filter((l) => l.includes('CRITICAL'))
      .map((l) => /line (\d+:\d+)/.exec(l)?.[1]),
    [`2:${aAt + 14}`, `2:${bAt}`, '3:14']
  )
})

test('UTF-16 input is masked and written back in UTF-16', async () => {
  const a = gen.githubToken('ghp_')
  for (const [encoding, bom] of [
    ['utf16le', Buffer.from([0xff, 0xfe])],
    ['utf16le', Buffer.alloc(0)]
  ] as const) {
    const p = inProcess({})
    p.stdin.end(Buffer.concat([bom, Buffer.from(`boot\r\nexport GITHUB_TOKEN=${a}\r\nok\r\n`, encoding)]))
    assert.equal(await p.done, 1)
    assert.deepEqual(p.bytes(), Buffer.concat([bom, Buffer.from(`boot\r\nexport GITHUB_TOKEN=ghp_********${a.slice(-2)}\r\nok\r\n`, encoding)]))
    assert.match(p.err(), /line 2:21 {2}CRITICAL/)
  }
})

test('maskLines masks every reported span, multi-line spans included, and merges overlaps', () => {
  const f = (line: number, column: number, endLine: number, endColumn: number, preview: string) =>
    ({ location: { line, column, endLine, endColumn }, preview }) as Finding
  assert.deepEqual(maskLines(['a=SECRET1 b=SECRET2'], 1, [f(1, 3, 1, 10, 'S*'), f(1, 13, 1, 20, 'T*')]), ['a=S* b=T*'])
  assert.deepEqual(maskLines(['k: HEAD', 'BODY', 'TAIL-----END'], 10, [f(10, 4, 12, 5, 'P*')]), ['k: P*', '********', '********-----END'])
  assert.deepEqual(maskLines(['xxABCDEFyy'], 1, [f(1, 3, 1, 9, 'A*'), f(1, 5, 1, 11, 'C*')]), ['xxA*'])
})

test('every place of a secret on a line is masked: repeats, and its JSON- and URL-escaped forms', async () => {
  const t = gen.githubToken('ghp_')
  const json = t.replace('_', '\\u005f')
  const url = t.replace('_', '%5F')
  const lines = [`GITHUB_TOKEN=${t} retrying with GITHUB_TOKEN=${t}`, `{"env":{"GITHUB_TOKEN":"${t}","copy":"${json}"}}`, `curl -d token=${url}&t2=${t}`]
  const p = inProcess({})
  p.stdin.end(`${lines.join('\n')}\n`)
  assert.equal(await p.done, 1)
  const body = t.slice(4)
  for (const [i, line] of p.out().split('\n').entries()) {
    assert.equal(
      line.includes(body.slice(0, 12)) || line.includes(body.slice(-12)),
      false,
      `line ${i + 1} shows the secret: ${line.replaceAll(body, '<secret>')}`
    )
  }
  assert.equal(p.out().split('\n')[0], `GITHUB_TOKEN=ghp_********${t.slice(-2)} retrying with GITHUB_TOKEN=ghp_********${t.slice(-2)}`)
  // One finding per secret per line: the repeats are masked without being reported again.
  assert.match(p.err(), /masked 3 secret\(s\), 1 distinct\n$/)
})

test('a value reported on a line is masked where the line shows it bare too (no keyword, inside a blob)', async () => {
  const pw = `${gen.base62(10)}Q9${gen.base62(10)}`
  // Found by the fuzz harness (seed 20261208 case 8): the value inside a base64-looking run, then assigned.
  const line = `blob=ZWF/Olk${pw}dsEJ6wYCLiPp retry ${pw}; db_password=${pw}`
  const p = inProcess({})
  p.stdin.end(`${line}\n`)
  assert.equal(await p.done, 1)
  assert.equal(p.out().includes(pw), false, 'the bare value is printed')
  assert.match(p.err(), /generic-password-assignment/)
})

test('a value found on a line is masked wherever a later line shows it, where no rule would see it', async () => {
  const pw = `${gen.base62(10)}Q9${gen.base62(10)}`
  const t = gen.githubToken('ghp_')
  const p = inProcess({ maxLineChars: 1024 })
  // The last line is long: it goes through windows, which search for the remembered values too.
  p.stdin.end(`db_password=${pw} GITHUB_TOKEN=${t}\nretrying with ${pw}\nblob=x${t}x\n${'-'.repeat(1500)} ${pw} ${'-'.repeat(1500)}\n`)
  assert.equal(await p.done, 1)
  assert.equal(p.out().includes(pw) || p.out().includes(t), false, 'a later line prints a value found before')
  assert.equal(p.out().split('\n')[1], `retrying with ${pw.slice(0, 3)}********`)
})

test('cost: remembering the values found is linear in the lines: 16x the lines, each with a new value, is far less than 256x the time', async () => {
  const lines = (n: number): string => Array.from({ length: n }, (_, i) => `step ${i} GITHUB_TOKEN=${gen.githubToken('ghp_')} ok\n`).join('')
  const time = async (input: string): Promise<number> => {
    const p = inProcess({})
    // CPU time (test/support/cost.ts): mask runs in this thread, and the wall clock would count the waits of a loaded machine.
    const t = threadCpuMs()
    p.stdin.end(input)
    assert.equal(await p.done, 1)
    return threadCpuMs() - t
  }
  const small = lines(500)
  const large = lines(8000)
  await time(small)
  const t1 = await time(small)
  const t16 = await time(large)
  // Rebuilding the index of remembered values for each new one made this several hundred times (16,000 lines: 28 s of CPU).
  assert.ok(t16 < Math.max(t1, 20) * 40, `1x ${t1.toFixed(0)} ms, 16x ${t16.toFixed(0)} ms`)
})

test('past the findings cap of a line, the rest of its secrets are still masked, and stderr says the line was capped', async () => {
  // DEFAULT_MAX_FINDINGS_PER_LINE (1000) findings of one rule, then 60 more values of it on the same line.
  const tokens = Array.from({ length: 1060 }, () => gen.githubToken('ghp_'))
  const p = inProcess({})
  p.stdin.end(`first\nexport TOKENS="${tokens.join(' ')}"\nlast\n`)
  assert.equal(await p.done, 1)
  const leaked = tokens.filter((t) => p.out().includes(t.slice(4)))
  assert.deepEqual(
    leaked.map((t) => tokens.indexOf(t)),
    [],
    'values past the cap printed in plaintext'
  )
  assert.equal(p.out(), `first\nexport TOKENS="${tokens.map((t) => `ghp_********${t.slice(-2)}`).join(' ')}"\nlast\n`)
  assert.match(p.err(), /leakwatch mask: line 2: over 1000 secrets of one rule; the rest are masked, not reported\n/)
  assert.match(p.err(), /masked 1000 secret\(s\), 1000 distinct\n$/)
})

test('a long line masked in windows masks every repeat of a secret, across the cuts too', async () => {
  const t = gen.githubToken('ghp_')
  // 300 × 57 characters through windows of 2,048 overlapping by 512: repeats fall on both sides of every cut.
  const long = Array.from({ length: 300 }, (_, i) => `n=${String(i).padStart(3, '0')} GITHUB_TOKEN=${t}`).join(' ')
  const p = inProcess({ maxLineChars: 2048 })
  p.stdin.end(`${long}\nok\n`)
  assert.equal(await p.done, 1)
  assert.equal(p.out().split(t.slice(4)).length - 1, 0, 'repeats of the secret printed in plaintext')
  assert.equal(p.out(), `${long.replaceAll(t, `ghp_********${t.slice(-2)}`)}\nok\n`)
})
