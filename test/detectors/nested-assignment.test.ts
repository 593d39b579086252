// A secret-ish name whose value is itself an assignment of a URL
// (`client_secret: DATABASE_URL=postgres://app:…@db/…`): the generic rule's
// value stops at the scheme's colon and took `DATABASE_URL=postgres` for the
// secret. The fuzz harness (seed 20261211, mask-scan case 2540) met it in a
// URL-encoded view, and since that "secret" is also written in plaintext on
// any line holding the URL, scan's contexts then showed it. The URL's
// password is the database-url rules' to report.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { BUILTIN_RULES } from '../../detectors/rules/registry.ts'
import { createSecretDetector, revealedSecret } from '../../detectors/secrets.ts'
import type { LogChunk } from '../../pipeline/events.ts'
import { createFingerprinter } from '../../pipeline/fingerprint.ts'
import { seededGen, testSeed } from '../support/seed.ts'

const gen = seededGen('nested-assignment')
const detector = createSecretDetector({ rules: BUILTIN_RULES, fingerprinter: createFingerprinter(undefined), maxContextChars: 240, reveal: true })

function chunk(lines: string[]): LogChunk {
  return {
    v: '1',
    type: 'log-chunk',
    stream: 'file:app.conf',
    source: { type: 'stdin' },
    startLine: 1,
    offset: { start: 0, end: 0 },
    lines,
    collectedAt: new Date(0).toISOString()
  }
}

/** Every character percent-encoded, as the fuzz case's ConfigMap held it. */
const percent = (s: string): string => [...Buffer.from(s)].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('')

test('a nested NAME=scheme:// assignment is not the secret; the URL password is reported (fuzz seed 20261211, mask-scan case 2540)', () => {
  for (let i = 0; i < 50; i++) {
    const pw = gen.base62(16)
    const url = `DATABASE_URL=postgres://app:${pw}@db.internal:5432/orders?sslmode=require`
    for (const line of [`client_secret: ${url}`, `# rendered by helm\\nclient_secret: ${percent(url)}\\nmax_connections = 64`]) {
      const found = detector.detect(chunk([line]))
      const generic = found.filter((f) => f.rule === 'generic-secret-assignment')
      assert.deepEqual(
        generic.map((f) => f.preview),
        [],
        `seed ${testSeed()}: the nested assignment's name and scheme are no secret`
      )
      assert.ok(
        found.some((f) => f.rule === 'database-url-postgres' && revealedSecret(f) === pw),
        `seed ${testSeed()}: the URL's password is still reported (${found.map((f) => f.rule).join(', ')})`
      )
      for (const f of found) assert.ok(!f.context.includes(pw), `seed ${testSeed()}`)
    }
  }
})

test('the generic rule still reports a random value, cut at a colon or holding an =', () => {
  for (let i = 0; i < 50; i++) {
    const a = gen.base62(24)
    const b = `${gen.base62(12)}=${gen.base62(12)}`
    const c = gen.base62(24)
    const lines = [`client_secret: ${a}:x`, `client_secret: ${b}`, `API_TOKEN=${c}`]
    const found = detector.detect(chunk(lines)).filter((f) => f.rule === 'generic-secret-assignment')
    assert.deepEqual(
      found.map((f) => revealedSecret(f)),
      [a, b, c],
      `seed ${testSeed()}`
    )
  }
})

/** Every character JSON-escaped (`\u002f`), as the fuzz case's UTF-16 line held it. */
const jsonEscaped = (s: string): string => [...s].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')

test('a connection string assigned to a secret-ish name: its HostName=… head is no secret; its key is reported (fuzz seed 20261212, mask-scan case 1726)', () => {
  for (let i = 0; i < 50; i++) {
    const key = `${gen.chars('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/', 43)}=`
    const conn = `HostName=acme.azure-devices.net;DeviceId=sensor-1;SharedAccessKey=${key}`
    for (const line of [`token: ${conn}`, `token: ${percent(conn)}`, `{"config":"token: ${jsonEscaped(conn)}"}`]) {
      const found = detector.detect(chunk([line]))
      const heads = found.filter((f) => revealedSecret(f)?.startsWith('HostName') === true)
      assert.deepEqual(
        heads.map((f) => `${f.rule} ${f.preview}`),
        [],
        `seed ${testSeed()}: the connection string's host assignment is no secret (${line.slice(0, 40)})`
      )
      assert.ok(
        found.some((f) => revealedSecret(f) === key),
        `seed ${testSeed()}: the shared access key is still reported (${found.map((f) => f.rule).join(', ')})`
      )
      for (const f of found) assert.ok(!f.context.includes(key), `seed ${testSeed()}`)
    }
  }
})

test('an .npmrc line assigned to a secret-ish name: its //registry/ key is no secret; its token is reported (fuzz seed 20261212, mask-scan case 1601)', () => {
  for (let i = 0; i < 50; i++) {
    const token = gen.base62(36)
    const npmrc = `//registry.npmjs.org/:_authToken=${token}`
    for (const line of [
      `client_secret: ${npmrc}`,
      `{"msg":"client_secret: ${jsonEscaped(npmrc)}"}`,
      `client_secret: //npm.pkg.example.com:8443/repo/:_authToken=${token}`
    ]) {
      const found = detector.detect(chunk([line]))
      const keys = found.filter((f) => revealedSecret(f)?.startsWith('//') === true)
      assert.deepEqual(
        keys.map((f) => `${f.rule} ${f.preview}`),
        [],
        `seed ${testSeed()}: the registry address is no secret (${line.slice(0, 40)})`
      )
      assert.ok(
        found.some((f) => revealedSecret(f) === token),
        `seed ${testSeed()}: the registry token is still reported (${found.map((f) => f.rule).join(', ')})`
      )
    }
  }
})
