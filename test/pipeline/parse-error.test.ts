import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { parse as parseYaml } from 'yaml'
import { loadConfig } from '../../config/load.ts'
import { loadRuleFiles } from '../../detectors/rule-file.ts'
import { parseErrorPosition } from '../../pipeline/parse-error.ts'
import { seededGen } from '../support/seed.ts'

const gen = seededGen('gen')
const dir = mkdtempSync(join(tmpdir(), 'lw-parse-error-'))
after(() => rmSync(dir, { recursive: true, force: true }))

function thrown(f: () => unknown): Error {
  try {
    f()
  } catch (err) {
    return err as Error
  }
  throw new Error('expected a throw')
}

test('a YAML or JSON syntax error is reported by position, never by quoting the line', () => {
  const secret = gen.githubToken('ghp_')
  assert.match(parseErrorPosition(thrown(() => parseYaml(`a: [${secret}\nb: "x`))), /at line \d+, column \d+$/)
  assert.match(parseErrorPosition(thrown(() => JSON.parse(`{"a": "${secret}" x}`))), /^syntax error at (line \d+, column \d+|offset \d+)$/)
  assert.equal(parseErrorPosition(new Error('weird')), 'syntax error')
})

test('config and rule files that do not parse name the file and position, not the value (and leave no cause that quotes it)', () => {
  const secret = gen.githubToken('ghp_')
  for (const text of [`kafka:\n  payloadKey: ${secret}\n   bad: [`, `responder: { webhook: { url: "${secret}" }`]) {
    const file = join(dir, 'c.yaml')
    writeFileSync(file, text)
    const err = thrown(() => loadConfig({ file, env: {} }))
    assert.match(err.message, /not valid YAML: .*line \d+/)
    assert.equal(JSON.stringify({ m: err.message, c: String(err.cause ?? '') }).includes(secret), false)
    const rules = join(dir, 'r.yaml')
    writeFileSync(rules, `rules:\n  - id: x\n    regex: ${secret}\n   oops: [`)
    const rerr = thrown(() => loadRuleFiles([rules], []))
    assert.equal(JSON.stringify({ m: rerr.message, c: String(rerr.cause ?? '') }).includes(secret), false, rerr.message)
  }
})

test('a rule keyword outside ASCII is a rule error, not a crash', () => {
  const rules = join(dir, 'k.yaml')
  writeFileSync(rules, 'rules:\n  - id: non-ascii\n    title: x\n    severity: low\n    regex: "h\\u00e4r[0-9]{8}"\n    keywords: ["h\\u00e4r"]\n')
  const err = thrown(() => loadRuleFiles([rules], []))
  assert.equal((err as { code?: string }).code, 'LW_ERR_RULE_INVALID', err.message)
  assert.match(err.message, /keywords\[0\] must be ASCII/)
})
