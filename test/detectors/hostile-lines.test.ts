// Issue #12, "hostile logs": whoever writes a log line must not be able to make
// the engine print a secret, hide one, or stall it. Each test here failed on
// the engine before its fix.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import RE2 from 're2'
import { createDetectorStage } from '../../detectors/detector-stage.ts'
import { frameLines } from '../../detectors/framing.ts'
import { createKnownSecretDetector, previewOf, withKnownSecrets } from '../../detectors/known-secrets/detector.ts'
import { createKnownSecretIndex } from '../../detectors/known-secrets/index.ts'
import { BUILTIN_RULES } from '../../detectors/rules/registry.ts'
import { compileRule, createSecretDetector } from '../../detectors/secrets.ts'
import type { Finding, LogChunk } from '../../pipeline/events.ts'
import { TOPICS } from '../../pipeline/events.ts'
import { createFingerprinter } from '../../pipeline/fingerprint.ts'
import { createMetrics } from '../../pipeline/metrics.ts'
import { leastCpuMs } from '../support/cost.ts'
import { seededGen, testSeed } from '../support/seed.ts'

const gen = seededGen('hostile')

function chunk(lines: string[]): LogChunk {
  return {
    v: '1',
    type: 'log-chunk',
    stream: 'k8s/shop/api-0/api',
    source: { type: 'k8s', namespace: 'shop' },
    startLine: 1,
    offset: { start: 0, end: 0 },
    lines,
    collectedAt: new Date(0).toISOString()
  }
}

function detector(extra: Partial<Parameters<typeof createSecretDetector>[0]> = {}) {
  return createSecretDetector({ rules: BUILTIN_RULES, fingerprinter: createFingerprinter(undefined), maxContextChars: 240, ...extra })
}

/** The part of a value its mask hides: it may appear in no field of any finding. */
function hidden(value: string): string {
  return value.slice(4, -2)
}

function assertNoLeak(findings: readonly Finding[], values: readonly string[], what: string): void {
  for (const f of findings) {
    const text = JSON.stringify(f)
    for (const v of values) assert.equal(text.includes(hidden(v)), false, `${what}: finding ${f.rule} shows ${v.slice(0, 4)}… in ${text} (seed ${testSeed()})`)
  }
}

function awsKeyId(): string {
  return `AKIA${gen.chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16)}`
}

test('self-leak: every context masks every secret of its line, in every view (base64 .env, URL and JSON escapes)', () => {
  const d = detector()
  const aws = awsKeyId()
  const ghp = gen.githubToken('ghp_')
  const slack = `xoxb-${gen.digits(12)}-${gen.digits(13)}-${gen.base62(24)}`
  const env = `AWS_ACCESS_KEY_ID=${aws}\nGITHUB_TOKEN=${ghp}\nSLACK_BOT_TOKEN=${slack}\n`
  const b64 = Buffer.from(env).toString('base64')
  const lines: Array<[string, string]> = [
    ['base64 .env', `loading secret env: ${b64}`],
    ['base64 .env in JSON', JSON.stringify({ msg: 'env', data: b64 })],
    ['URL-encoded (%2D)', `GET /hook?env=${encodeURIComponent(env).replaceAll('-', '%2D')} HTTP/1.1`],
    ['JSON \\u002d', `{"env":"${JSON.stringify(env).slice(1, -1).replaceAll('-', '\\u002d')}"}`],
    ['JSON in JSON', JSON.stringify({ log: JSON.stringify({ env }) })]
  ]
  for (const [what, line] of lines) {
    const found = d.detect(chunk([line]))
    assert.ok(found.length >= 2, `${what}: ${found.length} findings in ${line} (seed ${testSeed()})`)
    // Every encoded form the line holds of each secret, too: a raw context shows the line as written.
    const forms = [aws, ghp, slack].flatMap((s) => [s, s.replaceAll('-', '%2D'), s.replaceAll('-', '\\u002d')])
    assertNoLeak(found, forms, what)
  }
})

test('self-leak: a base64 view holding a secret no rule located in the line is masked in the raw context too', () => {
  const d = detector()
  const ghp = gen.githubToken('ghp_')
  const b64 = Buffer.from(`GITHUB_TOKEN=${ghp}`).toString('base64')
  // The raw line's own finding (a generic value) shows the line; the base64 run must be masked in it.
  const pw = `${gen.base62(10)}Q9${gen.base62(10)}`
  const found = d.detect(chunk([`password=${pw} blob=${b64}`]))
  assert.ok(found.length >= 2, JSON.stringify(found))
  assertNoLeak(found, [ghp, pw, b64], 'raw and base64')
})

test('self-leak: a value reported on one line is masked where another line, or a decoded view, shows it without a rule seeing it', () => {
  const d = detector()
  const pw = `${gen.base62(10)}Q9${gen.base62(10)}`
  const aws = awsKeyId()
  const ghp = gen.githubToken('ghp_')
  const b64 = Buffer.from(`GITHUB_TOKEN=${ghp} seen ${pw}`).toString('base64')
  // Line 1 shows the value bare (no keyword: no rule reads it there) beside an AWS key id, line 2 assigns it, line 3
  // holds it in a base64 view whose context is shown decoded. (Found by the fuzz harness, seed 20261207 case 662.)
  const found = d.detect(chunk([`retrying ${pw} with key ${aws}`, `password=${pw}`, `blob=${b64}`]))
  assert.deepEqual(
    found.map((f) => `${f.location.line} ${f.rule}`),
    ['1 aws-access-key-id', '2 generic-password-assignment', '3 github-pat-classic']
  )
  assertNoLeak(found, [pw, aws, ghp], 'a value shown on another line')
})

test('self-leak: a known-secret finding and a rule finding on one line each mask the other secret', () => {
  const fingerprinter = createFingerprinter(gen.base62(40))
  const index = createKnownSecretIndex({ fingerprint: (b) => fingerprinter.ofBytes?.(b) ?? '', preview: previewOf })
  const known = gen.password()
  index.set({ source: 'kubernetes', namespace: 'prod', name: 'db', key: 'password' }, Buffer.from(known))
  const both = withKnownSecrets(
    createSecretDetector({ rules: BUILTIN_RULES, fingerprinter, maxContextChars: 240 }),
    createKnownSecretDetector({ index, maxContextChars: 240 })
  )
  const ghp = gen.githubToken('ghp_')
  const b64 = Buffer.from(`GITHUB_TOKEN=${ghp}\n`).toString('base64')
  for (const line of [
    `db ${known} token ${ghp}`,
    `env ${b64} db=${Buffer.from(known).toString('base64')}`,
    `env ${Buffer.from(`GITHUB_TOKEN=${ghp}\nDB=${known}\n`).toString('base64')}`
  ]) {
    const found = both.detect(chunk([line]))
    assert.ok(
      found.some((f) => f.kind === 'known-secret'),
      line
    )
    assert.ok(
      found.some((f) => f.rule.startsWith('github')),
      line
    )
    assertNoLeak(found, [known, ghp], 'known and rule')
  }
})

test('inline allow: a bare leakwatch:allow hides nothing from the engine or the known-secret lookup; the fingerprint marker accepts its own secret only', () => {
  const key = gen.base62(40)
  const fingerprinter = createFingerprinter(key)
  const d = createSecretDetector({ rules: BUILTIN_RULES, fingerprinter, maxContextChars: 240 })
  const index = createKnownSecretIndex({ fingerprint: (b) => fingerprinter.ofBytes?.(b) ?? '', preview: previewOf })
  const known = gen.password()
  index.set({ source: 'kubernetes', namespace: 'prod', name: 'db', key: 'password' }, Buffer.from(known))
  const both = withKnownSecrets(d, createKnownSecretDetector({ index, maxContextChars: 240 }))
  const ghp = gen.githubToken('ghp_')
  for (const line of [`GET /x?u=leakwatch:allow&t=${ghp}&p=${encodeURIComponent(known)}`, `user="leakwatch:allow" token=${ghp} db=${known}`]) {
    const found = both.detect(chunk([line]))
    assert.deepEqual(found.map((f) => f.kind).sort(), ['known-secret', 'pattern'], `seed ${testSeed()}: ${line}`)
  }
  const ok = `fixture ${ghp} # leakwatch:allow=${fingerprinter.of(ghp).slice(0, 16)} db ${known} # leakwatch:allow=${fingerprinter.of(known).slice(0, 16)}`
  assert.deepEqual(both.detect(chunk([ok])), [])
  // A marker accepts its own secret only: another secret on the line is reported.
  const other = gen.githubToken('ghp_')
  assert.equal(both.detect(chunk([`${ghp} ${other} leakwatch:allow=${fingerprinter.of(ghp).slice(0, 16)}`])).length, 1)
})

function awsLine(n: number, sep = ' '): { line: string; keys: string[] } {
  const keys = Array.from({ length: n }, awsKeyId)
  return { line: keys.join(sep), keys }
}

test('cost: a line of N distinct key-shaped values costs linear time (16x the values: far less than 16^2 the time), raw, URL- and base64-encoded', () => {
  const d = detector()
  for (const shape of ['raw', 'url', 'base64'] as const) {
    const encode = (l: string): string => (shape === 'raw' ? l : shape === 'url' ? l.replaceAll(' ', '%20') : Buffer.from(l).toString('base64'))
    const small = encode(awsLine(250).line)
    const large = encode(awsLine(4000).line)
    const t1 = leastCpuMs(() => d.detect(chunk([small])))
    const t16 = leastCpuMs(() => d.detect(chunk([large])))
    // Linear is ~16x; quadratic was ~256x. The bound leaves room for a loaded machine and a small run that fits a cache.
    assert.ok(t16 < Math.max(t1, 10) * 100, `${shape}: 1x ${t1.toFixed(1)} ms, 16x ${t16.toFixed(1)} ms (seed ${testSeed()})`)
  }
})

test('cap: past maxFindingsPerLine a line makes no more findings but is still scanned by every rule, its secrets masked in every context, the event reported once', () => {
  const limits: string[] = []
  const d = detector({ maxFindingsPerLine: 50, onLimit: (l) => limits.push(l) })
  const { line, keys } = awsLine(300)
  const ghp = gen.githubToken('ghp_')
  const found = d.detect(chunk([`${line} GITHUB_TOKEN=${ghp}`, `next GITHUB_TOKEN=${ghp}`]))
  assert.deepEqual(limits, ['findings-per-line'])
  assert.equal(found.filter((f) => f.location.line === 1 && f.rule === 'aws-access-key-id').length <= 50, true)
  assert.ok(
    found.some((f) => f.location.line === 1 && f.rule.startsWith('github')),
    'the rules after the capped one still run on the line'
  )
  assert.ok(found.some((f) => f.location.line === 2))
  assertNoLeak(found, [...keys, ghp], 'capped line')
})

test('cost: a line of one keyword repeated (pass, token, secret, postgres) costs linear time in the rules’ follows checks', () => {
  const d = detector()
  for (const word of ['pass', 'token', 'secret_', 'password.', 'postgres', 'machine ']) {
    const small = word.repeat(Math.ceil(4096 / word.length))
    const large = word.repeat(Math.ceil((16 * 4096) / word.length))
    const t1 = leastCpuMs(() => d.detect(chunk([small])))
    const t16 = leastCpuMs(() => d.detect(chunk([large])))
    // Linear is ~16x; a check that rescans the rest of the line at each occurrence was ~256x (8 s at 64 KB).
    assert.ok(t16 < Math.max(t1, 5) * 64, `${word}: 1x ${t1.toFixed(1)} ms, 16x ${t16.toFixed(1)} ms (seed ${testSeed()})`)
  }
})

test("cost: a line of one block header repeated (a JWK's kty, a PEM BEGIN line) costs linear time in the block readers", () => {
  const d = detector()
  for (const header of ['"kty":"EC",', '\\"kty\\":\\"oct\\",', '-----BEGIN RSA PRIVATE KEY-----', '-----BEGIN PGP PRIVATE KEY BLOCK----- ']) {
    const small = header.repeat(Math.ceil(4096 / header.length))
    const large = header.repeat(Math.ceil((16 * 4096) / header.length))
    const t1 = leastCpuMs(() => d.detect(chunk([small, '  "x": "y"'])))
    const t16 = leastCpuMs(() => d.detect(chunk([large, '  "x": "y"'])))
    // A reader that reads the rest of the line at each header was ~256x (a 1 MB line of kty: 8.6 s).
    assert.ok(t16 < Math.max(t1, 5) * 64, `${header}: 1x ${t1.toFixed(1)} ms, 16x ${t16.toFixed(1)} ms (seed ${testSeed()})`)
  }
})

test('cost: a key header after a long prefix, with lines after it that almost carry that prefix, costs linear time', () => {
  const d = detector()
  // Each body line matches every tail of the header's prefix until the tail's last pair: a reader trying every tail
  // after a blank, each compared in full, was quadratic in the prefix's length.
  const lines = (n: number): string[] => [
    `${'a '.repeat(n)}c -----BEGIN RSA PRIVATE KEY-----`,
    ...Array.from({ length: 20 }, () => `${'a '.repeat(n)}d QUJDRA==`),
    '-----END RSA PRIVATE KEY-----'
  ]
  const t1 = leastCpuMs(() => d.detect(chunk(lines(1024))))
  const t16 = leastCpuMs(() => d.detect(chunk(lines(16 * 1024))))
  assert.ok(t16 < Math.max(t1, 5) * 64, `1x ${t1.toFixed(1)} ms, 16x ${t16.toFixed(1)} ms (seed ${testSeed()})`)
})

test('every regex a rule applies to log content is RE2 (linear time): its pattern, its follows check and its allowlists', () => {
  let follows = 0
  for (const [i, rule] of BUILTIN_RULES.entries()) {
    const c = compileRule(rule, i)
    const all = [c.re, c.follows, ...c.allowSecrets, ...c.allowMatches, ...c.allowLines, ...c.allowStreams].filter((r) => r !== undefined)
    for (const re of all) assert.ok(re instanceof RE2, `${rule.id}: ${String(re)} is not RE2`)
    if (c.follows !== undefined) follows++
  }
  assert.ok(follows >= 5, 'the rules with a follows check were found')
})

test('a private key whose every line carries a prefix ([app], svc |, INFO, a timestamp, a CRI header) is found, body and all', () => {
  const d = detector()
  const body = gen.pemBody(600)
  const rows = body.match(/.{1,64}/g) ?? []
  const stamp = (i: number): string => `2026-12-06T10:00:${String(10 + i).padStart(2, '0')}.${String(100 + 7 * i).padStart(3, '0')}Z `
  const prefixes: Array<[string, (i: number) => string]> = [
    ['[app] ', () => '[app] '],
    ['svc | ', () => 'svc | '],
    ['INFO ', () => 'INFO '],
    ['a timestamp', stamp],
    ['a CRI header and [app]', (i) => `${stamp(i)}stdout F [app] `],
    ['a timestamp and a level', (i) => `${stamp(i)}INFO  `]
  ]
  for (const [what, prefix] of prefixes) {
    const lines = ['-----BEGIN RSA PRIVATE KEY-----', ...rows, '-----END RSA PRIVATE KEY-----'].map((l, i) => `${prefix(i)}${l}`)
    const found = d.detect(chunk(['starting', ...lines, 'done']))
    const key = found.find((f) => f.rule === 'private-key')
    assert.ok(key, `${what}: no private-key finding in ${JSON.stringify(found.map((f) => f.rule))} (seed ${testSeed()})`)
    assert.deepEqual([key.location.line, key.location.endLine], [2, lines.length + 1], what)
    assertNoLeak(
      found,
      rows.filter((r) => r.length >= 16),
      what
    )
  }
})

test('cost: a line of unclosed GitLab section markers or escape sequences costs linear time in the framing', () => {
  for (const [what, unit] of [
    ['section markers', 'section_start:1:a['],
    ['escape sequences', '\u001b[31mx']
  ] as const) {
    const small = `${unit.repeat(Math.ceil(8192 / unit.length))}\r`
    const large = `${unit.repeat(Math.ceil((16 * 8192) / unit.length))}\r`
    const t1 = leastCpuMs(() => frameLines([small]))
    const t16 = leastCpuMs(() => frameLines([large]))
    assert.ok(t16 < Math.max(t1, 5) * 64, `${what}: 1x ${t1.toFixed(1)} ms, 16x ${t16.toFixed(1)} ms`)
  }
})

test('inline allow and caps in the detector stage (run all, run detector): an injected bare marker hides nothing; a capped line is counted in leakwatch_detector_limits_total', async () => {
  const metrics = createMetrics()
  const d = detector({ maxFindingsPerLine: 20, onLimit: (limit) => metrics.detectorLimits.inc({ limit }) })
  const stage = createDetectorStage({ groupId: 'g' }, { detectors: [d], metrics })
  const ghp = gen.githubToken('ghp_')
  const { line } = awsLine(100)
  const out = await stage.process([
    { topic: TOPICS.logs, partition: 0, offset: '0', key: 'k', value: chunk([`GET /x?note=leakwatch:allow&token=${ghp}`, line]) }
  ])
  const findings = out.map((o) => o.value as Finding)
  assert.ok(
    findings.some((f) => f.location.line === 1 && f.rule.startsWith('github')),
    `seed ${testSeed()}`
  )
  assert.equal(findings.filter((f) => f.location.line === 2).length, 20)
  assert.match(metrics.registry.render(), /leakwatch_detector_limits_total\{limit="findings-per-line"\} 1/)
})
