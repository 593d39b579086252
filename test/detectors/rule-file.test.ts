import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { loadRuleFiles, parseRuleDocument } from '../../detectors/rule-file.ts'
import { BUILTIN_RULES } from '../../detectors/rules/registry.ts'
import { createSecretDetector } from '../../detectors/secrets.ts'
import { isLeakwatchError } from '../../pipeline/errors.ts'
import type { LogChunk } from '../../pipeline/events.ts'
import { createFingerprinter } from '../../pipeline/fingerprint.ts'
import { seededGen } from '../support/seed.ts'

const gen = seededGen('gen')
const dir = mkdtempSync(join(tmpdir(), 'lw-rule-file-'))
after(() => rmSync(dir, { recursive: true, force: true }))

function rule(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const secret = `quux_${gen.base62(28)}`
  return {
    id: 'quux-token',
    title: 'Quux token',
    severity: 'medium',
    regex: '\\b(quux_[A-Za-z0-9]{28})\\b',
    keywords: ['quux_'],
    examples: { positives: [{ line: `QUUX=${secret}`, secret }], negatives: ['quux_ is our prefix'] },
    ...overrides
  }
}

function rejects(doc: unknown, message: RegExp): void {
  assert.throws(
    () => parseRuleDocument(doc, 'team.yaml'),
    (err: unknown) => isLeakwatchError(err, 'LW_ERR_RULE_INVALID') && message.test(err.message),
    String(message)
  )
}

function chunk(lines: string[]): LogChunk {
  return { v: '1', type: 'log-chunk', stream: 'stdin', source: { type: 'stdin' }, startLine: 1, offset: { start: 0, end: 0 }, lines, collectedAt: '' }
}

test('a valid file yields rules with defaults; its examples travel with them', () => {
  const [r] = parseRuleDocument({ rules: [rule({ severity: undefined, title: undefined })] }, 'team.yaml')
  assert.ok(r)
  assert.equal(r.severity, 'high')
  assert.equal(r.kind, 'pattern')
  assert.equal(r.title, 'quux-token')
  assert.equal(r.examples.positives(gen).length, 1)
  assert.deepEqual(r.examples.negatives, ['quux_ is our prefix'])
})

test('schema violations name the file, the rule and the field', () => {
  rejects({ rules: [rule({ colour: 'red' })] }, /^team\.yaml: rule quux-token: colour: unknown key/)
  rejects({ rules: [rule({ keywords: [] })] }, /^team\.yaml: rule quux-token: keywords: must have at least 1 items/)
  // A malformed id is not echoed (it is whatever the file held there): the rule is named by its position.
  rejects({ rules: [rule({ id: 'Quux Token' })] }, /^team\.yaml: rules\[0\]: id: must match/)
  rejects({ rules: [{ regex: 'x' }] }, /^team\.yaml: rules\[0\]: id: is required/)
  rejects({ rules: [rule({ minEntropy: 9 })] }, /minEntropy: must be <= 8/)
  rejects({ rules: [] }, /^team\.yaml: rules: must have at least 1 items/)
  rejects({ allow: { secret: ['x'] }, rules: [rule()] }, /^team\.yaml: allow\.secret: unknown key/)
  rejects([rule()], /^team\.yaml: .*expected an object, got array/)
})

test('engine checks: lower-case keywords, a secret group the regex has', () => {
  // Named by position, never echoed: a whole token written where a keyword belongs (fuzz: seed 20261207 case 357).
  const token = `QUUX_${gen.base62(28)}`
  rejects({ rules: [rule({ keywords: ['quux_', token] })] }, /^team\.yaml: rule quux-token: keywords\[1\] must be non-empty lower case$/)
  rejects({ rules: [rule({ secretGroup: 2 })] }, /^team\.yaml: rule quux-token: secretGroup 2 but the regex has 1 group/)
})

test('a rule whose own examples fail is rejected, naming the example, never printing its secret', () => {
  const secret = `quux_${gen.base62(28)}`
  const doc = { rules: [rule({ examples: { positives: [{ line: `QUUX=${secret}`, secret: `${secret}x` }], negatives: [] } })] }
  assert.throws(
    () => parseRuleDocument(doc, 'team.yaml'),
    (err: unknown) =>
      isLeakwatchError(err, 'LW_ERR_RULE_INVALID') &&
      /^team\.yaml: rule quux-token: examples\.positives\[0\]: expected the secret quux\*{8}.x, found quux\*{8}/.test(err.message) &&
      !err.message.includes(secret.slice(5))
  )
  const negative = `QUUX=quux_${gen.base62(28)}`
  rejects({ rules: [rule({ examples: { positives: [], negatives: ['fine', negative] } })] }, /examples\.negatives\[1\]: reported quux\*{8}.., expected nothing/)
})

test('the file-level allow applies to each rule of the file', () => {
  const rules = parseRuleDocument({ allow: { secrets: ['^quux_0{6}'] }, rules: [rule({ allow: { lines: ['^#'] } })] }, 'team.yaml')
  assert.deepEqual(rules[0]?.allow, { secrets: ['^quux_0{6}'], lines: ['^#'] })
  const detector = createSecretDetector({ rules, fingerprinter: createFingerprinter(undefined), maxContextChars: 80 })
  const found = detector.detect(chunk([`a quux_000000${gen.base62(22)}`, `# quux_${gen.base62(28)}`, `b quux_${gen.base62(28)}`]))
  assert.deepEqual(
    found.map((f) => f.location.line),
    [3]
  )
})

test('loadRuleFiles reads YAML and JSON, and refuses ids that repeat', () => {
  const yaml = join(dir, 'a.yaml')
  const json = join(dir, 'b.json')
  writeFileSync(yaml, `rules:\n  - ${JSON.stringify(rule())}\n`)
  writeFileSync(json, JSON.stringify({ rules: [rule({ id: 'quux-token-2' })] }))
  assert.deepEqual(
    loadRuleFiles([yaml, json], BUILTIN_RULES).map((r) => r.id),
    ['quux-token', 'quux-token-2']
  )
  writeFileSync(join(dir, 'builtin.yaml'), JSON.stringify({ rules: [rule({ id: BUILTIN_RULES[0]?.id })] }))
  assert.throws(
    () => loadRuleFiles([join(dir, 'builtin.yaml')], BUILTIN_RULES),
    (err: unknown) => isLeakwatchError(err, 'LW_ERR_RULE_INVALID') && / is already used by the built-in rules$/.test(err.message)
  )
  writeFileSync(join(dir, 'bad.json'), '{"rules": [')
  assert.throws(
    () => loadRuleFiles([join(dir, 'bad.json')], []),
    (err: unknown) => isLeakwatchError(err, 'LW_ERR_RULE_INVALID') && /bad\.json: not valid JSON/.test(err.message)
  )
})
