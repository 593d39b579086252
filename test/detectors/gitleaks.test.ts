import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { convertGitleaks, FALLBACK_KEYWORDS, requiredLiteral } from '../../detectors/gitleaks.ts'
import { parseRuleDocument } from '../../detectors/rule-file.ts'
import { isLeakwatchError } from '../../pipeline/errors.ts'

const fixture = fileURLToPath(new URL('./fixtures/gitleaks.toml', import.meta.url))

test('the fixture converts: fields mapped, allowlists by target, keywords lower-cased or derived, unusable rules reported', () => {
  const { document, warnings, skipped } = convertGitleaks(readFileSync(fixture, 'utf8'), 'gitleaks.toml')
  assert.deepEqual(document.allow, { secrets: ['^acme_live_0{8}', '(?i)(?:sandbox)'] })
  assert.deepEqual(
    document.rules.map((r) => r.id),
    ['acme-api-key', 'widget-token', 'globex-hex-secret']
  )
  const [acme, widget, globex] = document.rules
  assert.deepEqual(acme, {
    id: 'acme-api-key',
    title: 'Acme API key',
    severity: 'critical',
    kind: 'pattern',
    regex: '\\b(acme_(?:live|test)_[a-zA-Z0-9]{32})\\b',
    keywords: ['acme_live_', 'acme_test_'],
    secretGroup: 1,
    minEntropy: 3,
    allow: { matches: ['^acme_test_'], lines: ['fixtures\\.load\\('], secrets: ['(?i)(?:deadbeef)'] },
    tags: ['key', 'Acme', 'critical']
  })
  assert.equal(widget?.severity, 'high', 'no severity tag: high')
  assert.deepEqual(widget?.keywords, ['widget'])
  assert.equal(widget?.secretGroup, undefined)
  // The targeted [[allowlists]] entry and the legacy [rules.allowlist] table.
  assert.deepEqual(widget?.allow, { lines: ['loadgen'], secrets: ['^0{40}$', '(?i)(?:example)'] })
  assert.deepEqual(globex?.keywords, FALLBACK_KEYWORDS)
  assert.equal(globex?.minEntropy, 3.5)

  assert.deepEqual(
    skipped.map((s) => s.id),
    ['pkcs12-file', 'initech-session']
  )
  assert.match(skipped[0]?.reason ?? '', /path-only rule/)
  assert.match(skipped[1]?.reason ?? '', /invalid RE2 pattern/)
  for (const expected of [
    /^\[extend\]: gitleaks' default or extended rules are not imported/,
    /^global allowlist 1: paths ignored/,
    /^rule acme-api-key allowlist 3: condition AND over several criteria cannot be expressed; allowlist dropped/,
    /^rule Widget_Token: renamed widget-token/,
    /^rule widget-token: path ignored/,
    /^rule widget-token: no keywords; using "widget" from its regex/,
    /^rule widget-token allowlist 1: commits ignored/,
    /^rule globex-hex-secret: no keywords and no literal in its regex/
  ])
    assert.ok(
      warnings.some((w) => expected.test(w)),
      `a warning matching ${expected}; got:\n${warnings.join('\n')}`
    )

  // What it writes is a valid rule file.
  assert.equal(parseRuleDocument(JSON.parse(JSON.stringify(document)), 'out.yaml').length, 3)
})

test('a regex that does not compile in an allowlist drops that pattern, not the rule', () => {
  const toml = ['[[rules]]', 'id = "a"', "regex = '''tok_[a-z]{20}'''", '[[rules.allowlists]]', "regexes = ['''(?!x)y''', '''^tok_fake''']"].join('\n')
  const r = convertGitleaks(toml, 'g.toml')
  assert.deepEqual(r.document.rules[0]?.allow, { secrets: ['^tok_fake'] })
  assert.deepEqual(r.document.rules[0]?.keywords, ['tok_'])
  // Issue #12: named by its index and RE2's error kind, the pattern not echoed.
  assert.ok(
    r.warnings.some((w) => /allowlist regexes\[0\] does not compile \(invalid perl operator, at character 1 of 6\)/.test(w)),
    r.warnings.join('\n')
  )
  assert.ok(r.warnings.every((w) => !w.includes('(?!x)y')))
})

test('invalid TOML is LW_ERR_RULE_INVALID naming the file', () => {
  assert.throws(
    () => convertGitleaks('[[rules]\nid = ', 'broken.toml'),
    (err: unknown) => isLeakwatchError(err, 'LW_ERR_RULE_INVALID') && /^broken\.toml: not valid TOML/.test(err.message)
  )
})

test('requiredLiteral finds the longest literal every match contains', () => {
  const cases: Array<[string, string | undefined]> = [
    ['(?i)widget[_-]?token\\s*=\\s*([a-z0-9]{40})', 'widget'],
    ['\\b(xoxb-[0-9]{10,13}-[a-zA-Z0-9]{24})', undefined],
    ['xoxb-[0-9]{10,13}', 'xoxb-'],
    ['[a-z0-9]{32}\\.apps\\.googleusercontent\\.com', '.apps.googleusercontent.com'],
    ['AKIA[A-Z2-7]{16}', 'akia'],
    ['abcd?ef', 'abc'],
    ['abcx*yz', 'abc'],
    ['token_{0,1}secret', 'secret'],
    ['(?:foo|bar)baz', 'baz'],
    ['foo|barbaz', undefined],
    ['[0-9a-f]{48}', undefined],
    ['\\x{41}BCD', 'bcd'],
    ['\\pLabcd', 'abcd'],
    ['\\x41bcd', 'bcd']
  ]
  for (const [re, want] of cases) assert.equal(requiredLiteral(re), want, re)
})
