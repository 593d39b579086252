// `leakwatch rules import-gitleaks`, then `scan --rules` with the result, on
// lines generated here: the converted rules find their true positives and
// stay silent on what the gitleaks allowlists and stopwords exclude.

import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { parse as parseYaml } from 'yaml'
import { shannonEntropy } from '../../detectors/entropy.ts'
import { ALPHABETS } from '../../detectors/gen.ts'
import type { Finding } from '../../pipeline/events.ts'
import { createFingerprinter } from '../../pipeline/fingerprint.ts'
import { assertAbsent, cli } from '../support/cli.ts'
import { seededGen } from '../support/seed.ts'

const dir = mkdtempSync(join(tmpdir(), 'lw-rules-'))
after(() => rmSync(dir, { recursive: true, force: true }))
const fixture = fileURLToPath(new URL('../detectors/fixtures/gitleaks.toml', import.meta.url))
const gen = seededGen('gen')
const key = gen.base62(40)
const run = (args: string[]) => cli(args, { cwd: dir, env: { LEAKWATCH_DETECTOR_FINGERPRINT_KEY: key } })
const IMPORTED = new Set(['acme-api-key', 'widget-token', 'globex-hex-secret', 'initech-session'])

test('import-gitleaks writes a rule file that scan --rules uses: true positives found, allowlisted values not', async () => {
  const out = join(dir, 'gitleaks-rules.yaml')
  const imported = await run(['rules', 'import-gitleaks', fixture, '-o', out])
  assert.equal(imported.code, 0, imported.stderr)
  assert.equal(imported.stdout, '')
  assert.match(imported.stderr, /^leakwatch: warning: \[extend\]/m)
  assert.match(imported.stderr, /^leakwatch: skipped rule initech-session: invalid RE2 pattern/m)
  assert.match(imported.stderr, /^leakwatch: skipped rule pkcs12-file: a path-only rule/m)
  assert.match(imported.stderr, /leakwatch: converted 3 rule\(s\), skipped 2 into .*gitleaks-rules\.yaml\n$/)
  const doc = parseYaml(readFileSync(out, 'utf8')) as { rules: Array<{ id: string }> }
  assert.deepEqual(
    doc.rules.map((r) => r.id),
    ['acme-api-key', 'widget-token', 'globex-hex-secret']
  )

  const lower = (n: number) => gen.chars(ALPHABETS.alnumLower, n)
  const acme = `acme_live_${gen.base62(32)}`
  const acmeOld = `acme_live_old${gen.base62(29)}`
  const widget = lower(40)
  // About 1 in 100 random 48-hex strings falls under the rule's entropy floor of 3.5 (gitleaks would
  // skip it too): draw until the value is one the rule is meant to report.
  let globex = gen.hex(48)
  while (shannonEntropy(globex) < 3.5) globex = gen.hex(48)
  const lines: Array<[string, string | undefined]> = [
    [`charging card with key=${acme}`, 'acme-api-key'],
    [`docs sample: acme_test_${gen.base62(32)}`, undefined], // match allowlist
    [`fixtures.load("acme_live_${gen.base62(32)}")`, undefined], // line allowlist
    [`key acme_live_${gen.base62(12)}deadbeef${gen.base62(12)}`, undefined], // rule stopword
    [`key acme_live_00000000${gen.base62(24)}`, undefined], // global [allowlist] regex
    [`key acme_live_${gen.base62(10)}SandBox${gen.base62(15)}`, undefined], // global stopword, any case
    // An AND allowlist cannot be expressed: it is dropped, so this is still reported.
    [`key ${acmeOld}`, 'acme-api-key'],
    [`export WIDGET_TOKEN="${widget}"`, 'widget-token'],
    [`widget-token: ${'0'.repeat(40)}`, undefined], // legacy [rules.allowlist] regex
    [`widget_token=example${lower(33)}`, undefined], // legacy [rules.allowlist] stopword
    [`loadgen: widget_token=${lower(40)}`, undefined], // [[allowlists]] with targetRules
    [`signing secret ${globex}`, 'globex-hex-secret'],
    [`digest ${'ab'.repeat(24)}`, undefined], // below the entropy threshold
    [`session=${lower(24)}`, undefined] // its rule was skipped
  ]
  const log = join(dir, 'app.log')
  writeFileSync(log, `${lines.map(([l]) => l).join('\n')}\n`)
  const scan = await run(['scan', '--format', 'jsonl', '--rules', out, log])
  assert.equal(scan.code, 1, scan.stderr)
  const found = scan.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Finding)
    .filter((f) => IMPORTED.has(f.rule))
  const expected = lines.flatMap(([, rule], i) => (rule === undefined ? [] : [[rule, i + 1]]))
  assert.deepEqual(
    found.map((f) => [f.rule, f.location.line]),
    expected
  )
  const fp = createFingerprinter(key)
  assert.deepEqual(
    found.map((f) => f.fingerprint),
    [acme, acmeOld, widget, globex].map((s) => fp.of(s)),
    'each finding holds exactly the secret group'
  )
  assert.equal(found[0]?.severity, 'critical', 'severity from the gitleaks tags')
  for (const s of [acme, acmeOld, widget, globex]) assertAbsent(scan, s)
})

test('import-gitleaks writes to stdout without -o; usage and input errors exit 2', async () => {
  const r = await run(['rules', 'import-gitleaks', fixture])
  assert.equal(r.code, 0)
  assert.match(r.stdout, /^# Converted from .*gitleaks\.toml by `leakwatch rules import-gitleaks`\.\n/)
  assert.equal((parseYaml(r.stdout) as { rules: unknown[] }).rules.length, 3)

  const usage = await run(['rules', 'import'])
  assert.equal(usage.code, 2)
  assert.match(usage.stderr, /^leakwatch: LW_ERR_USAGE: usage: leakwatch rules import-gitleaks gitleaks\.toml \[-o out\.yaml\]/)
  const missing = await run(['rules', 'import-gitleaks', join(dir, 'none.toml')])
  assert.equal(missing.code, 2)
  assert.match(missing.stderr, /^leakwatch: LW_ERR_USAGE: cannot read .*none\.toml \(ENOENT\)/)
  const broken = join(dir, 'broken.toml')
  writeFileSync(broken, '[[rules]\n')
  const bad = await run(['rules', 'import-gitleaks', broken])
  assert.equal(bad.code, 2)
  assert.match(bad.stderr, /^leakwatch: LW_ERR_RULE_INVALID: .*broken\.toml: not valid TOML/)
})
