// A private-key block that starts in one chunk of `leakwatch scan` and ends in the next is carried into the
// next chunk whole (app/scan.ts openBlock). The search for such a block runs line by line only when one
// search over a chunk's last lines finds a block rule's keyword (issue #15): these tests fail if that
// check ever lets a header through unseen.

import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { blockKeywords, carried, pemBlock } from '../../detectors/open-block.ts'
import type { Rule } from '../../detectors/rule.ts'
import { BUILTIN_RULES } from '../../detectors/rules/registry.ts'
import { cli } from '../support/cli.ts'
import { seededGen } from '../support/seed.ts'

const dir = mkdtempSync(join(tmpdir(), 'lw-scan-blocks-'))
after(() => rmSync(dir, { recursive: true, force: true }))
const gen = seededGen('blocks')
/** app/scan.ts CHUNK_LINES: the first chunk holds lines 1 to 4096. */
const CHUNK_LINES = 4096

test('a private key whose header is the last line of a chunk is found, its body read from the next chunk', async () => {
  const body = gen.pemBody(120)
  const filler = Array.from({ length: CHUNK_LINES - 1 }, (_, i) => `2026-12-06T21:00:00Z INFO request ${i} served in 3 ms`)
  const key = ['-----BEGIN OPENSSH PRIVATE KEY-----', body.slice(0, 70), body.slice(70), '-----END OPENSSH PRIVATE KEY-----']
  const path = join(dir, 'split.log')
  writeFileSync(path, `${[...filler, ...key, 'INFO done'].join('\n')}\n`)
  const out = await cli(['scan', '--format', 'jsonl', path], { cwd: dir })
  assert.equal(out.code, 1, out.stderr)
  const found = out.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { rule: string; line: number; endLine: number })
  assert.deepEqual(
    found.map((f) => ({ rule: f.rule, line: f.line, endLine: f.endLine })),
    [{ rule: 'private-key', line: CHUNK_LINES, endLine: CHUNK_LINES + 3 }]
  )
  assert.ok(!out.stdout.includes(body.slice(0, 24)), 'the key body is never printed')
})

test('the block keyword check finds every block rule’s header in any ASCII case, and not a line without one', () => {
  const check = blockKeywords(BUILTIN_RULES)
  assert.ok(check !== undefined)
  // PEM-style blocks: a reader's header is looked for by its own keywords on its reach of last lines (open-block.ts).
  const pem = (r: Rule): boolean => pemBlock(r) !== undefined
  const blocks = BUILTIN_RULES.filter(pem)
  assert.ok(blocks.length >= 3)
  assert.ok(BUILTIN_RULES.filter(carried).length > blocks.length)
  for (const r of blocks) {
    for (const k of r.keywords) {
      for (const text of [k, k.toUpperCase(), [...k].map((c, i) => (i % 2 === 0 ? c.toUpperCase() : c)).join('')]) {
        assert.equal(check.test(`INFO something ${text} and more`), true, `${r.id}: ${text}`)
      }
    }
  }
  assert.equal(check.test('INFO -----BEGIN CERTIFICATE----- private key rotated\nnext line'), false)
  assert.equal(blockKeywords(BUILTIN_RULES.filter((r) => !pem(r))), undefined)
})
