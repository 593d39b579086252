// The index and the detector on their own: every form a value leaks in is
// found wherever it sits in a line, values leave with their origin, and what
// must not be indexed is not.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createKnownSecretDetector, foldIntoKnownSecrets, previewOf, withKnownSecrets } from '../../../detectors/known-secrets/detector.ts'
import { base64Core, formsOf, utf8ToUnits } from '../../../detectors/known-secrets/encode.ts'
import type { Origin } from '../../../detectors/known-secrets/index.ts'
import { createKnownSecretIndex } from '../../../detectors/known-secrets/index.ts'
import { BUILTIN_RULES } from '../../../detectors/rules/registry.ts'
import { createSecretDetector } from '../../../detectors/secrets.ts'
import type { Finding, LogChunk } from '../../../pipeline/events.ts'
import { findingSchema } from '../../../pipeline/events.ts'
import { createFingerprinter, mask } from '../../../pipeline/fingerprint.ts'
import { safeParse } from '../../../pipeline/schema.ts'
import { seededGen } from '../../support/seed.ts'

const g = seededGen('g')
const fingerprinter = createFingerprinter(g.base62(40))
const ofBytes = (b: Uint8Array): string => fingerprinter.ofBytes?.(b) ?? ''

function setup(opts: { minLength?: number } = {}) {
  const index = createKnownSecretIndex({ fingerprint: ofBytes, preview: previewOf, ...opts })
  const detector = createKnownSecretDetector({ index, maxContextChars: 400, now: () => new Date(0) })
  return { index, detector }
}

function chunk(lines: string[], stream = 'k8s/app/api-0/api'): LogChunk {
  return {
    v: '1',
    type: 'log-chunk',
    stream,
    source: { type: 'k8s', namespace: 'app' },
    startLine: 1,
    offset: { start: 0, end: 0 },
    lines,
    collectedAt: new Date(0).toISOString()
  }
}

const k8s = (key: string): Origin => ({ source: 'kubernetes', namespace: 'prod', name: 'db', key })

test('a value is found raw, base64 (std/url, padded or not, inside a larger blob), URL-, form-, JSON- and HTML-escaped, anywhere in a line', () => {
  const { index, detector } = setup()
  // Characters that every encoding changes: quote, backslash, space, slash, plus, percent, ampersand, angle brackets, non-ASCII.
  const value = `${g.password()} "q\\/+%é&<a>'`
  assert.equal(index.set(k8s('password'), Buffer.from(value)), 'indexed')
  const b64 = Buffer.from(value).toString('base64')
  const lines = [
    `connecting with --password=${value}`,
    `${value}`,
    `postgres://app:${encodeURIComponent(value)}@db:5432/app`,
    `curl -d 'user=app&pass=${new URLSearchParams({ p: value }).toString().slice(2)}' https://x`,
    JSON.stringify({ level: 'info', msg: `password is ${value} ok` }),
    JSON.stringify({ msg: JSON.stringify({ env: { DB_PASSWORD: value } }) }),
    `secret: ${b64}`,
    `secret: ${b64.replace(/=+$/, '')}`,
    `token=${Buffer.from(value).toString('base64url')}`,
    // The value inside a base64'd .env file, at each of the three byte alignments.
    `env: ${Buffer.from(`A=1\nDB_PASSWORD=${value}\nB=2\n`).toString('base64')}`,
    `env: ${Buffer.from(`AB=1\nDB_PASSWORD=${value}\nB=2\n`).toString('base64')}`,
    `env: ${Buffer.from(`ABC=1\nDB_PASSWORD=${value}\nB=2\n`).toString('base64')}`,
    // HTML- and XML-escaped: element text, and attributes with named and numeric quotes.
    `<system-out>password ${value.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')}</system-out>`,
    `<input value="${value.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;')}">`,
    `<input value="${value.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&#34;').replaceAll("'", '&#39;')}">`
  ]
  const findings = detector.detect(chunk(lines))
  assert.deepEqual(
    findings.map((f) => f.location.line),
    lines.map((_, i) => i + 1)
  )
  const fp = fingerprinter.of(value)
  for (const f of findings) {
    assert.equal(f.fingerprint, fp, 'every form carries the fingerprint of the raw value')
    assert.equal(f.kind, 'known-secret')
    assert.equal(f.severity, 'high')
    assert.deepEqual(f.origin, k8s('password'))
    assert.deepEqual(f.secretRef, { type: 'kubernetes', namespace: 'prod', name: 'db', key: 'password' })
    assert.equal(f.preview, mask(value))
    assert.ok(!f.context.includes(value) && !f.context.includes(b64.slice(0, 12)), f.context)
    assert.ok(safeParse(findingSchema, f).ok)
  }
  assert.equal(findings[0]?.location.column, 'connecting with --password='.length + 1)
  assert.equal(findings[0]?.location.endColumn, 'connecting with --password='.length + value.length + 1)
})

test('each line of a multi-line value and the whole escaped value are found; PEM armour and low-entropy lines are not indexed', () => {
  const { index, detector } = setup()
  const body = g.pemBody(96)
  const pem = `-----BEGIN PRIVATE KEY-----\n${body.slice(0, 64)}\n${body.slice(64)}\n-----END PRIVATE KEY-----\n`
  const doc = JSON.stringify({ type: 'service_account', project_id: 'demo', private_key: pem }, null, 2)
  assert.equal(index.set({ source: 'file', name: 'keys#1' }, Buffer.from(pem)), 'indexed')
  assert.equal(index.set({ source: 'file', name: 'keys#2' }, Buffer.from(doc)), 'indexed')
  const lines = [
    body.slice(0, 64),
    `  ${body.slice(64)}  `,
    JSON.stringify({ key: pem }),
    '-----BEGIN PRIVATE KEY-----',
    '  "type": "service_account",',
    JSON.stringify({ log: 'loaded', creds: doc })
  ]
  const found = detector.detect(chunk(lines))
  const lines_ = found.map((f) => f.location.line)
  assert.ok(lines_.includes(1) && lines_.includes(2) && lines_.includes(3) && lines_.includes(6), String(lines_))
  assert.ok(!lines_.includes(4) && !lines_.includes(5), String(lines_))
  const whole = found.find((f) => f.location.line === 6 && f.fingerprint === fingerprinter.of(doc.trim()))
  assert.ok(whole, 'the JSON document, JSON-escaped whole inside a log line, is found as itself')
})

test('short values, common non-secrets and hostnames are skipped, with the reason', () => {
  const { index } = setup()
  assert.equal(index.set({ source: 'file', name: 'a' }, Buffer.from('abc123')), 'too-short')
  assert.equal(index.set({ source: 'file', name: 'b' }, Buffer.from('Postgres')), 'common')
  assert.equal(index.set({ source: 'file', name: 'c' }, Buffer.from('changeme\n')), 'common')
  assert.equal(index.set({ source: 'file', name: 'd' }, Buffer.from('db.prod.svc.cluster.local')), 'hostname')
  assert.equal(index.set({ source: 'file', name: 'e' }, Buffer.from('summer.2024')), 'indexed')
  assert.equal(index.stats().values, 1)
  const short = setup({ minLength: 12 })
  assert.equal(short.index.set({ source: 'file', name: 'a' }, Buffer.from('Falcon2024!')), 'too-short')
})

test("the caller's buffer is zeroed; updates replace, deletes forget, shared values stay until their last origin goes", () => {
  const { index, detector } = setup()
  const a = g.password()
  const b = g.password()
  const buf = Buffer.from(a)
  index.set(k8s('one'), buf)
  assert.ok(buf.every((x) => x === 0))
  index.set(k8s('two'), Buffer.from(a))
  assert.equal(index.stats().values, 1)
  const seen = (v: string): number => detector.detect(chunk([`x ${v} y`])).length
  assert.equal(seen(a), 1)
  const both = detector.detect(chunk([`x ${a} y`]))[0]
  assert.match(both?.title ?? '', /prod\/db key one \(and 1 other\)/)
  index.set(k8s('one'), Buffer.from(b))
  assert.equal(seen(a), 1, 'still held by key two')
  assert.equal(seen(b), 1)
  assert.ok(index.delete('kubernetes/prod/db/two'))
  assert.equal(seen(a), 0)
  index.delete('kubernetes/prod/db/one')
  assert.equal(seen(b), 0)
  assert.deepEqual(index.stats(), { ...index.stats(), origins: 0, values: 0, forms: 0, qgrams: 0 })
})

test('thousands of values: every one found, churn leaves the table consistent, unrelated text silent', () => {
  const { index, detector } = setup()
  const values = Array.from({ length: 3000 }, (_, i) => (i % 2 === 0 ? g.password() : g.base62(8 + (i % 40))))
  for (const [i, v] of values.entries()) index.set({ source: 'file', name: `f#${i}` }, Buffer.from(v))
  for (let i = 0; i < values.length; i += 2) index.delete(`file/f#${i}`)
  values.forEach((v, i) => {
    if (i % 4 === 0) index.set({ source: 'file', name: `f#${i}` }, Buffer.from(v))
  })
  const lines = values.map((v, i) => `${i} ${g.hex(8)}${v}${i % 3 === 0 ? '' : ' trailing'}`)
  const found = new Set(detector.detect(chunk(lines)).map((f) => f.location.line - 1))
  for (let i = 0; i < values.length; i++) assert.equal(found.has(i), i % 2 === 1 || i % 4 === 0, `value ${i}`)
  const noise = Array.from({ length: 2000 }, () => `GET /api/v1/items/${g.base62(20)} 200 ${g.hex(32)} "Mozilla/5.0"`)
  assert.equal(detector.detect(chunk(noise)).length, 0)
})

test('every form of every value is found at each of the four alignments, including the ones whose key made the filter grow', () => {
  const { index, detector } = setup()
  // Enough values for the filter to be rebuilt several times while they are added (a rebuild once lost the key that triggered it).
  const values = Array.from({ length: 3000 }, () => g.base62(12))
  for (const [i, v] of values.entries()) index.set({ source: 'file', name: `a#${i}` }, Buffer.from(v))
  const texts = values.flatMap((v) => formsOf(Buffer.from(v), 8).map((f) => String.fromCharCode(...f.units)))
  for (const pad of ['', 'x', 'xy', 'xyz']) {
    // Each line a multiple of 4 bytes long, so every form starts at the same alignment.
    const lines = texts.map((t) => `${pad}${t}${' '.repeat(3 - pad.length)}`.padEnd(Math.ceil((t.length + 3) / 4) * 4 + 4, ' '))
    const found = new Set(detector.detect(chunk(lines)).map((f) => f.location.line - 1))
    const missed = texts.map((_, i) => i).filter((i) => !found.has(i))
    assert.deepEqual(missed, [], `forms missed at alignment ${pad.length}`)
  }
})

test('binary values are indexed in their base64 forms only; base64Core keeps only the determined characters', () => {
  const { index, detector } = setup()
  const bin = Buffer.from([0xff, 0xfe, ...Buffer.from(g.hex(60), 'hex')])
  const b64 = bin.toString('base64')
  assert.equal(index.set({ source: 'file', name: 'bin' }, Buffer.from(bin)), 'indexed')
  assert.equal(detector.detect(chunk([`keystore=${b64}`])).length, 1)
  assert.equal(utf8ToUnits(bin), undefined)
  const x = Buffer.from('abcdefgh')
  assert.equal(String.fromCharCode(...base64Core(x, 0, false)), Buffer.from(x).toString('base64').slice(0, 10))
  assert.ok(
    Buffer.from(Buffer.concat([Buffer.from('z'), x]))
      .toString('base64')
      .includes(String.fromCharCode(...base64Core(x, 1, false)))
  )
  assert.ok(
    Buffer.from(Buffer.concat([Buffer.from('zz'), x]))
      .toString('base64')
      .includes(String.fromCharCode(...base64Core(x, 2, false)))
  )
})

test('a value that also matches a format rule yields one finding: the known secret, naming the rule', () => {
  const { index, detector } = setup()
  const engine = createSecretDetector({ rules: BUILTIN_RULES, fingerprinter, maxContextChars: 400 })
  const token = g.githubToken('ghp_')
  index.set(k8s('github-token'), Buffer.from(token))
  const c = chunk([`git push https://x-access-token:${token}@github.com/acme/api.git`, `export GITHUB_TOKEN=${g.githubToken('ghp_')}`])
  const all: Finding[] = [...engine.detect(c), ...detector.detect(c)]
  const merged = foldIntoKnownSecrets(all)
  const line1 = merged.filter((f) => f.location.line === 1)
  assert.equal(line1.length, 1)
  assert.equal(line1[0]?.kind, 'known-secret')
  assert.ok(
    (line1[0]?.alsoMatched ?? []).some((r) => r.startsWith('github')),
    String(line1[0]?.alsoMatched)
  )
  assert.equal(merged.filter((f) => f.location.line === 2).length, 1, 'an unrelated token on another line stays a pattern finding')
  assert.equal(merged.find((f) => f.location.line === 2)?.kind, 'pattern')
})

test("with the engine (the stage): the lookup scans the engine's framed bytes and points at the written columns, framing and all", () => {
  const { index, detector } = setup()
  const engine = createSecretDetector({ rules: BUILTIN_RULES, fingerprinter, maxContextChars: 400 })
  const both = withKnownSecrets(engine, detector)
  const v = g.password()
  const w = g.password()
  index.set(k8s('password'), Buffer.from(v))
  index.set(k8s('other'), Buffer.from(w))
  const esc = String.fromCharCode(27)
  const lines = [
    `2025-06-01T12:00:00.123456789Z stdout F connecting with ${v} now`,
    `2025-06-01T12:00:00.2Z stderr F ${esc}[31mfailed: ${esc}[1m${w}${esc}[0m retrying`,
    `plain é line ${v}`,
    'nothing here'
  ]
  const c = chunk(lines)
  const viaEngine = both.detect(c).filter((f) => f.kind === 'known-secret')
  const alone = detector.detect(c)
  assert.deepEqual(
    viaEngine.map((f) => [f.location.line, f.location.column, f.location.endColumn]),
    alone.map((f) => [f.location.line, f.location.column, f.location.endColumn]),
    'same places as the lookup over the written lines'
  )
  for (const f of viaEngine) {
    const line = lines[f.location.line - 1] ?? ''
    assert.equal(line.slice(f.location.column - 1, f.location.endColumn - 1), f.location.line === 2 ? w : v)
  }
  assert.equal(viaEngine.length, 3)
  // An allow-listed stream for the engine: the lookup scans on its own.
  const skipping = createSecretDetector({ rules: BUILTIN_RULES, fingerprinter, maxContextChars: 400, allow: { streams: ['^k8s/'] } })
  assert.equal(withKnownSecrets(skipping, detector).detect(c).length, 3)
})

test('inline leakwatch:allow=<fingerprint>, allowed streams and baseline fingerprints are honoured', () => {
  const index = createKnownSecretIndex({ fingerprint: ofBytes, preview: previewOf })
  const v = g.password()
  index.set(k8s('p'), Buffer.from(v))
  const d = createKnownSecretDetector({ index, maxContextChars: 200, allowStreams: [/^ci\//] })
  assert.equal(d.detect(chunk([`${v} # leakwatch:allow=${fingerprinter.of(v).slice(0, 16)}`])).length, 0)
  assert.equal(d.detect(chunk([v], 'ci/github/acme/1')).length, 0)
  assert.equal(d.detect(chunk([v])).length, 1)
  const b = createKnownSecretDetector({ index, maxContextChars: 200, fingerprints: new Set([fingerprinter.of(v)]) })
  assert.equal(b.detect(chunk([v])).length, 0)
})

test('columns count UTF-16 code units whatever precedes the value (accents, emoji, lone surrogates); minimum length 6 is found at every alignment', () => {
  const { index, detector } = setup()
  const v = g.base62(20)
  index.set(k8s('token'), Buffer.from(v))
  for (const prefix of ['é', '日本語 ', '🔑 key=', '\ud800 lone ', 'ascii ']) {
    const line = `${prefix}${v} tail`
    const [f] = detector.detect(chunk([line]))
    assert.equal(f?.location.column, prefix.length + 1, JSON.stringify(prefix))
    assert.equal(f?.location.endColumn, prefix.length + v.length + 1, JSON.stringify(prefix))
  }
  const short = setup({ minLength: 6 })
  const s = 'Qz7#kP'
  assert.equal(short.index.set(k8s('short'), Buffer.from(s)), 'indexed')
  for (let pad = 0; pad < 8; pad++) {
    assert.equal(short.detector.detect(chunk([`${'x'.repeat(pad)}${s}`]))[0]?.location.column, pad + 1, `at offset ${pad}`)
  }
})

test('a chunk larger than the scan buffer, and a line longer than it, are scanned whole', () => {
  const { index, detector } = setup()
  const v = g.password()
  index.set(k8s('password'), Buffer.from(v))
  // ~1 MiB of lines (several buffer segments) with the value on the last line of each 2,000.
  const lines = Array.from({ length: 8000 }, (_, i) => (i % 2000 === 1999 ? `line ${i} pw=${v}` : `line ${i} ${g.hex(100)}`))
  assert.deepEqual(
    detector.detect(chunk(lines)).map((f) => f.location.line),
    [2000, 4000, 6000, 8000]
  )
  const long = `${g.hex(400_000)} ${v}`
  const found = detector.detect(chunk(['before', long, `after ${v}`]))
  assert.deepEqual(
    found.map((f) => [f.location.line, f.location.column]),
    [
      [2, 400_002],
      [3, 7]
    ]
  )
})
