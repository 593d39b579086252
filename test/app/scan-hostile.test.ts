// `leakwatch scan` on input an attacker or an odd tool writes (issue #12):
// NULs and UTF-16, container log records split mid-secret, a pipe that never
// ends, lines too long to hold.

import assert from 'node:assert/strict'
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { assertAbsent, cli, liveCli } from '../support/cli.ts'
import { seededGen, seededRng } from '../support/seed.ts'
import { waitFor } from '../support/wait.ts'

const dir = mkdtempSync(join(tmpdir(), 'lw-scan-hostile-'))
after(() => rmSync(dir, { recursive: true, force: true }))
const gen = seededGen('hostile')
const rng = seededRng('bytes')

function file(name: string, content: string | Buffer): string {
  const path = join(dir, name)
  mkdirSync(join(path, '..'), { recursive: true })
  writeFileSync(path, content)
  return path
}

const run = (args: string[], opts: { env?: Record<string, string>; stdin?: string } = {}) => cli(args, { cwd: dir, ...opts })

interface Rec {
  rule: string
  file?: string
  line: number
  column: number
  endColumn: number
  fingerprint: string
}
const jsonl = (stdout: string): Rec[] =>
  stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Rec)

function utf16be(text: string): Buffer {
  const le = Buffer.from(text, 'utf16le')
  for (let i = 0; i + 1 < le.length; i += 2) {
    const a = le[i] as number
    le[i] = le[i + 1] as number
    le[i + 1] = a
  }
  return le
}

test('NULs in the first 8 KiB and UTF-16 (with and without BOM) are scanned as text; a binary file in a directory is reported, a named one scanned', async () => {
  const s = Array.from({ length: 6 }, () => gen.githubToken('ghp_'))
  const text = (secret: string): string => `boot\nconnecting\nGITHUB_TOKEN=${secret}\n`
  const nul = file('enc/nul.log', `header\u0000\u0000 padded record\n${text(s[0] as string)}`)
  const le = file('enc/le-bom.log', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text(s[1] as string), 'utf16le')]))
  const leBare = file('enc/le.log', Buffer.from(text(s[2] as string), 'utf16le'))
  const be = file('enc/be-bom.log', Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(text(s[3] as string))]))
  const beBare = file('enc/be.log', utf16be(text(s[4] as string)))
  const binary = file('enc/blob.bin', Buffer.concat([Buffer.from(Array.from({ length: 4096 }, () => rng.int(256))), Buffer.from(`\nGITHUB_TOKEN=${s[5]}\n`)]))

  const out = await run(['scan', '--format', 'jsonl', join(dir, 'enc')])
  assert.equal(out.code, 1, out.stderr)
  const got = jsonl(out.stdout).map((f) => [f.file, f.line, f.column])
  assert.deepEqual(
    got.sort(),
    [
      [be, 3, 14],
      [beBare, 3, 14],
      [le, 3, 14],
      [leBare, 3, 14],
      [nul, 4, 14]
    ].sort()
  )
  // Not silent: the skipped binary is named with a code, and counted.
  assert.match(out.stderr, new RegExp(`^leakwatch: LW_ERR_SCAN_BINARY: ${binary.replaceAll('.', '\\.')} looks binary; skipped$`, 'm'))
  assert.match(out.stderr, /^leakwatch: LW_ERR_SCAN_BINARY: 1 binary file\(s\) skipped/m)
  for (const secret of s) assertAbsent(out, secret)

  // Named on the command line, each is scanned, the binary one too.
  for (const [path, line] of [
    [nul, 4],
    [le, 3],
    [beBare, 3]
  ] as const) {
    const one = await run(['scan', '--format', 'jsonl', path])
    assert.equal(one.code, 1, `${path}: ${one.stderr}`)
    assert.deepEqual(
      jsonl(one.stdout).map((f) => f.line),
      [line],
      path
    )
  }
  const blob = await run(['scan', '--format', 'jsonl', binary])
  assert.equal(blob.code, 1, blob.stderr)
  assert.equal(jsonl(blob.stdout).length, 1)
  assertAbsent(blob, s[5] as string)
})

test('a file that starts in UTF-16 and goes on in UTF-8 does not hide its secrets: scan finds them, mask masks them', async () => {
  const secret = gen.githubToken('ghp_')
  const tail = `connecting\nGITHUB_TOKEN=${secret}\n`
  for (const [name, head] of [
    ['mixed-le.log', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('started by a windows tool\r\n', 'utf16le')])],
    ['mixed-be.log', Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be('started by a windows tool\r\n')])],
    ['mixed-bare.log', Buffer.from('started by a windows tool\r\n'.repeat(4), 'utf16le')]
  ] as const) {
    const path = file(`mixed/${name}`, Buffer.concat([head, Buffer.from(tail)]))
    const out = await run(['scan', '--format', 'jsonl', path])
    assert.equal(out.code, 1, `${name}: ${out.stderr}`)
    assert.deepEqual(
      jsonl(out.stdout).map((f) => [f.rule, f.column]),
      [['github-pat-classic', 14]],
      name
    )
    assertAbsent(out, secret)
    const m = liveCli(['mask'], dir)
    m.stdin.end(Buffer.concat([head, Buffer.from(tail)]))
    await m.closed
    assert.ok(!m.out().includes(secret) && !m.err().includes(secret), `${name}: mask printed the secret`)
    assert.match(m.out(), /GITHUB_TOKEN=ghp_\*+/, name)
  }
})

test('a secret split across CRI P/F records, or docker json-file pieces, is found by scan as by the pod-log collector', async () => {
  const a = gen.githubToken('ghp_')
  const b = gen.githubToken('ghp_')
  const c = gen.githubToken('ghp_')
  const ts = (n: number): string => `2025-03-01T10:00:0${n}.123456789Z`
  const cri = file(
    'cri/0.log',
    [
      `${ts(0)} stdout F starting`,
      `${ts(1)} stdout P export GITHUB_TOKEN=${a.slice(0, 17)}`,
      `${ts(1)} stderr F unrelated stderr line`,
      `${ts(1)} stdout P ${a.slice(17, 30)}`,
      `${ts(2)} stdout F ${a.slice(30)} done`,
      `${ts(3)} stdout F token=${b}`,
      ''
    ].join('\n')
  )
  const docker = file(
    'docker/json.log',
    [
      JSON.stringify({ log: 'starting\n', stream: 'stdout', time: ts(0) }),
      JSON.stringify({ log: `GITHUB_TOKEN=${c.slice(0, 20)}`, stream: 'stdout', time: ts(1) }),
      JSON.stringify({ log: `${c.slice(20)}\n`, stream: 'stdout', time: ts(1) }),
      ''
    ].join('\n')
  )
  const out = await run(['scan', '--format', 'jsonl', cri, docker])
  assert.equal(out.code, 1, out.stderr)
  assert.deepEqual(
    jsonl(out.stdout).map((f) => [f.file, f.line, f.column]),
    [
      // Lines are the container's, numbered as they complete (as the collector numbers them): the merged one is third.
      [cri, 3, 21],
      [cri, 4, 7],
      [docker, 2, 14]
    ]
  )
  for (const s of [a, b, c]) assertAbsent(out, s)
})

test('scan - prints a finding while its input stays open (kubectl logs -f | leakwatch scan -)', async (t) => {
  const child = liveCli(['scan', '-', '--format', 'jsonl'], dir)
  // A failed wait leaves stdin open: the child must not outlive the test.
  t.after(child.kill)
  const a = gen.githubToken('ghp_')
  const b = gen.githubToken('ghp_')
  child.stdin.write(`log line\nGITHUB_TOKEN=${a}\n`)
  // stdin stays open: the finding must come without EOF and without 4,096 lines behind it.
  await waitFor(() => child.out().includes('\n'), 'the first finding while stdin is open', 15_000)
  assert.deepEqual(
    jsonl(child.out()).map((f) => f.line),
    [2]
  )
  child.stdin.write(`more\nmore\nGITHUB_TOKEN=${b}\n`)
  await waitFor(() => jsonl(child.out()).length === 2, 'the second finding while stdin is open', 15_000)
  assert.deepEqual(
    jsonl(child.out()).map((f) => f.line),
    [2, 5]
  )
  child.stdin.end()
  assert.equal(await child.closed, 1, child.err())
  assert.equal(child.out().includes(a) || child.out().includes(b), false)
})

test('a 64 MiB line is scanned in bounded memory: findings before, inside (across a window cut) and after it', async () => {
  const [a, b, c, d] = Array.from({ length: 4 }, () => gen.githubToken('ghp_'))
  const path = join(dir, 'huge.log')
  const fd = openSync(path, 'w')
  writeSync(fd, `GITHUB_TOKEN=${a}\n`)
  const filler = Buffer.from('lorem ipsum dolor sit amet, '.repeat(4096)) // 112 KiB
  let col = 0
  const put = (buf: Buffer | string): void => {
    if (typeof buf === 'string') writeSync(fd, buf)
    else writeSync(fd, buf)
    col += buf.length
  }
  for (let i = 0; i < 9; i++) put(filler)
  // Straddles the cut of the first 1 MiB window.
  put(' '.repeat(1024 * 1024 - col - 20))
  const bAt = col + 1
  put(`token=${b} `)
  while (col < 64 * 1024 * 1024) put(filler)
  put(` key ${c}`)
  const cAt = col - 39
  writeSync(fd, `\nGITHUB_TOKEN=${d}\n`)
  closeSync(fd)
  // The old reader held the whole line (and the detector several copies of it): it aborted in this heap.
  const out = await run(['scan', '--format', 'jsonl', path], { env: { NODE_OPTIONS: '--max-old-space-size=128' } })
  assert.equal(out.code, 1, out.stderr.slice(0, 2000))
  assert.deepEqual(
    jsonl(out.stdout).map((f) => [f.line, f.column]),
    [
      [1, 14],
      [2, bAt + 6],
      [2, cAt],
      [3, 14]
    ]
  )
  for (const s of [a, b, c, d]) assertAbsent(out, s as string)
})
