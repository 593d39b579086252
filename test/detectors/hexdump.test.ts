// Credentials in hex dumps (detectors/hexdump.ts): kubectl -v=9 logs a protobuf request or response body as
// Go's hex.Dump, so a TokenRequest's service account token or a Secret's token stands cut into rows of sixteen
// bytes. Seen in the real kubectl's output against the harness's kube-apiserver (issue #15 closing note); the
// dumps here are written at test time in that format, around tokens the rules' own generators draw.

import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { test } from 'node:test'
import { findDumps, MAX_DUMP_BYTES, readDumpRow } from '../../detectors/hexdump.ts'
import { BUILTIN_RULES } from '../../detectors/rules/registry.ts'
import { createSecretDetector } from '../../detectors/secrets.ts'
import { body, goDump, klogLines } from '../support/hex-dump.ts'
import { stdinChunk } from '../support/log-chunk.ts'
import { seededGen, seededRng } from '../support/seed.ts'

const g = seededGen('hexdump')
const rng = seededRng('hexdump-bytes')

const sha = (v: string): string => createHash('sha256').update(v).digest('hex')
const detector = createSecretDetector({ rules: BUILTIN_RULES, fingerprinter: { of: sha, ephemeral: false }, maxContextChars: 160 })

function positive(ruleId: string): string {
  const rule = BUILTIN_RULES.find((r) => r.id === ruleId)
  const secret = rule?.examples?.positives(g)[0]?.secret
  assert.ok(secret !== undefined, ruleId)
  return secret
}

test('a token in a hex dump is found at every alignment, and the finding spans the rows that hold it', () => {
  for (const ruleId of ['kubernetes-service-account-token', 'github-pat-classic', 'slack-bot-token']) {
    for (let pad = 0; pad < 16; pad++) {
      const secret = positive(ruleId)
      const bytes = body('TokenRequest', pad, secret)
      const lines = klogLines(bytes)
      const findings = detector.detect(stdinChunk(lines, 1, 'test/hexdump'))
      const f = findings.find((x) => x.fingerprint === sha(secret))
      assert.ok(f !== undefined, `${ruleId} pad ${pad}: ${findings.map((x) => x.rule).join(', ')}`)
      assert.equal(f.rule, ruleId)
      // The rows from the one with the token's first byte to the one with its last, whole.
      const at = Buffer.from(bytes).indexOf(secret)
      const row = (offset: number): number => 2 + Math.floor(offset / 16) // line 1 is klog's
      assert.deepEqual([f.location.line, f.location.column, f.location.endLine], [row(at), 1, row(at + secret.length - 1)])
      assert.equal(f.location.endColumn, (lines[row(at + secret.length - 1) - 1] ?? '').length + 1)
      // No piece of the token in the finding: not in its text column, not as hex.
      const out = JSON.stringify(findings)
      for (let i = 0; i + 6 <= secret.length; i++) assert.ok(!out.includes(secret.slice(i, i + 6)), `${ruleId} pad ${pad}: piece at ${i}`)
      const hex = [...Buffer.from(secret)].map((b) => b.toString(16).padStart(2, '0'))
      for (let i = 0; i + 4 <= hex.length; i++) assert.ok(!out.includes(hex.slice(i, i + 4).join(' ')), `${ruleId} pad ${pad}: hex at ${i}`)
    }
  }
})

test('`hexdump -C` rows (no indentation) read the same, and a row that breaks the offsets ends the dump', () => {
  const secret = positive('github-pat-classic')
  const rows = goDump(body('Secret', 3, secret), '')
  const finds = (lines: string[]): string[] => detector.detect(stdinChunk(lines, 1, 'test/hexdump')).map((f) => f.fingerprint)
  assert.ok(finds(rows).includes(sha(secret)))
  // The token's rows apart (another dump's offsets, or a line between): no rule reads across the gap.
  const at = Math.floor(Buffer.from(body('Secret', 3, secret)).indexOf(secret) / 16)
  const cut = [...rows.slice(0, at + 1), 'I1207 13:56:37.333985   18709 loader.go:407] Config loaded', ...rows.slice(at + 1)]
  assert.ok(!finds(cut).includes(sha(secret)))
})

test('rows are read exactly: the bytes of random dumps come back, and lines that only look like rows are not rows', () => {
  for (let n = 1; n < 200; n += 7) {
    const bytes = new Uint8Array(n).map(() => rng.int(256))
    const dumps = findDumps(goDump(bytes, '\t'))
    if (n <= 16) {
      // One row shows on its own line all that a rule could read.
      assert.equal(dumps.length, 0)
      continue
    }
    assert.equal(dumps.length, 1)
    assert.equal(dumps[0]?.text, [...bytes].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : ' ')).join(''))
  }
  const into = new Uint8Array(16)
  for (const line of [
    '| name | value |',
    '00000000  6b 38 73 00 0a 0c 0a 02  76 31 12 06 53 65 63 72  |k8s.....v1..Sec|',
    '00000000  6B 38 73 00 0A 0C 0A 02  76 31 12 06 53 65 63 72  |k8s.....v1..Secr|',
    '0000000  6b 38 73 00 0a 0c 0a 02  76 31 12 06 53 65 63 72  |k8s.....v1..Secr|',
    '00000000  6b 38 73 00 0a 0c 0a 02 76 31 12 06 53 65 63 72  |k8s.....v1..Secr|',
    `00000000  ${'6b '.repeat(40)} |${'k'.repeat(40)}|`
  ])
    assert.equal(readDumpRow(line, into, 0), undefined, line)
})

test('a dump is read in pieces of at most MAX_DUMP_BYTES: work and memory per dump stay bounded', () => {
  const bytes = new Uint8Array(MAX_DUMP_BYTES + 1000).map(() => rng.int(256))
  const dumps = findDumps(goDump(bytes, ''))
  assert.deepEqual(
    dumps.map((d) => d.text.length),
    [MAX_DUMP_BYTES, 1000]
  )
})

test("a dump longer than the detector's line limit is read in overlapping windows: a value anywhere in it is found", () => {
  const small = createSecretDetector({
    rules: BUILTIN_RULES,
    fingerprinter: { of: sha, ephemeral: false },
    maxContextChars: 160,
    maxLineChars: 1024,
    windowOverlapChars: 256
  })
  const secret = positive('github-pat-classic')
  for (const pad of [100, 1000, 2990]) {
    const lines = klogLines(body('Secret', pad, secret))
    assert.ok(
      small.detect(stdinChunk(lines, 1, 'test/hexdump')).some((f) => f.fingerprint === sha(secret)),
      `pad ${pad}`
    )
  }
})
