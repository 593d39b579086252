// A credential written into a container's env in plain text, where it belonged in a Secret: as a pod spec is
// printed in YAML by `kubectl get -o yaml`, `helm template` or `kustomize build` into a CI log (the name on one
// line, the value on the next), and in JSON. What the rules must do: report the value on its own line, masked;
// leave `valueFrom`, Kubernetes' `$(VAR)` references and names that are no credential alone. Values are drawn
// from a seeded generator. (The JSON form in audit events: audit-fields.test.ts.)

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { BUILTIN_RULES } from '../../detectors/rules/registry.ts'
import { createSecretDetector } from '../../detectors/secrets.ts'
import { createFingerprinter } from '../../pipeline/fingerprint.ts'
import { stdinChunk } from '../support/log-chunk.ts'
import { replayCommand, seededGen } from '../support/seed.ts'

const gen = seededGen('kubernetes-env')
const detector = createSecretDetector({ rules: BUILTIN_RULES, fingerprinter: createFingerprinter(undefined), maxContextChars: 200 })
const TS = '2026-12-07T10:00:01.0000000Z '

function envFindings(lines: string[], secrets: string[]) {
  const findings = detector.detect(stdinChunk(lines, 1))
  for (const s of secrets) assert.ok(!JSON.stringify(findings).includes(s), `a value leaked into a finding; ${replayCommand()}`)
  return findings.filter((f) => f.rule.startsWith('kubernetes-env'))
}

test('kubectl get -o yaml in a CI log: the value line after a credential name line is reported, pointed at, masked', () => {
  const pw = `${gen.base62(7)}!${gen.digits(3)}`
  const key = gen.base62(32)
  const lines = [
    `${TS}+ kubectl get deploy api -n shop -o yaml`,
    `${TS}      containers:`,
    `${TS}      - env:`,
    `${TS}        - name: LOG_LEVEL`,
    `${TS}          value: info`,
    `${TS}        - name: DB_PASSWORD`,
    `${TS}          value: ${pw}`,
    `${TS}        - name: STRIPE_API_KEY`,
    `${TS}          value: "${key}"`,
    `${TS}        - name: DB_USER_PASSWORD`,
    `${TS}          valueFrom:`,
    `${TS}            secretKeyRef: {name: db, key: password}`
  ]
  const found = envFindings(lines, [pw, key])
  assert.deepEqual(
    found.map((f) => [f.rule, f.location.line]),
    [
      ['kubernetes-env-yaml-credential', 7],
      ['kubernetes-env-yaml-credential', 9]
    ],
    replayCommand()
  )
  for (const [f, secret] of [
    [found[0], pw],
    [found[1], key]
  ] as const) {
    const line = lines[(f?.location.line ?? 0) - 1] ?? ''
    assert.equal(line.slice((f?.location.column ?? 0) - 1, (f?.location.endColumn ?? 0) - 1), secret, replayCommand())
  }
})

test('valueFrom, $(VAR), an empty or short value, a name that is no credential, or a value that is not on the next line: nothing', () => {
  const lines = [
    '- name: DB_PASSWORD',
    '  value: $(DB_PASS)',
    '- name: API_TOKEN',
    '  value: ""',
    '- name: SECRET_NAME',
    `  value: ${gen.base62(20)}`,
    '- name: DB_PASSWORD',
    '  # the value comes from the chart',
    `  value: ${gen.base62(20)}`,
    '- name: DB_PASSWORD'
  ]
  assert.deepEqual(envFindings(lines, []), [], replayCommand())
  // The JSON form keeps to the same rules.
  assert.deepEqual(envFindings(['{"name":"DB_PASSWORD","valueFrom":{"secretKeyRef":{"name":"db","key":"password"}}}'], []), [])
})
