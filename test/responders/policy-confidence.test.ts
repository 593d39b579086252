// Rotation acts only above a confidence threshold (issue #15): with the default configuration an
// automatic plan rotates a high-confidence format finding, offers the button for a lower one, and a
// generic assignment only alerts; both knobs move those lines. Findings carry the level the detector
// computes from the measured precision (detectors/confidence.ts).

import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { RuleConfidence } from '../../detectors/confidence.ts'
import { confidenceOf } from '../../detectors/confidence.ts'
import type { Rule } from '../../detectors/rule.ts'
import type { Issue } from '../../pipeline/schema.ts'
import type { ResponderConfig } from '../../responders/config.ts'
import { responderConfigSchema } from '../../responders/config.ts'
import type { Subject } from '../../responders/policy.ts'
import { rotationPlan } from '../../responders/policy.ts'

function rotation(over: Record<string, unknown> = {}): ResponderConfig['rotation'] {
  const issues: Issue[] = []
  const cfg = responderConfigSchema.check({ rotation: { defaultMode: 'auto', ...over } }, 'responder', issues)
  assert.deepEqual(issues, [])
  return (cfg as ResponderConfig).rotation
}

const subject = (kind: string, confidence: NonNullable<Subject['confidence']>): Subject => ({
  rule: kind === 'generic' ? 'generic-secret-assignment' : 'github-pat-classic',
  kind,
  severity: 'high',
  stream: 'k8s/prod/app/main',
  source: { type: 'k8s', namespace: 'prod' },
  confidence
})
const webhook = [{ type: 'webhook' as const }]

test('defaults: auto rotation for high-confidence format findings only; a lower one gets the button; generic findings only alert', () => {
  const cfg = rotation()
  assert.equal(cfg.minConfidence, 'high')
  assert.equal(cfg.generic, 'alert')
  assert.equal(rotationPlan(subject('pattern', 'high'), cfg, webhook).mode, 'auto')
  assert.equal(rotationPlan(subject('pattern', 'medium'), cfg, webhook).mode, 'button')
  assert.equal(rotationPlan(subject('pattern', 'low'), cfg, webhook).mode, 'button')
  assert.equal(rotationPlan(subject('generic', 'high'), cfg, webhook).mode, 'alert')
  assert.equal(rotationPlan(subject('generic', 'medium'), cfg, webhook).mode, 'alert')
  // A policy entry saying auto is capped the same way.
  const policy = rotation({ policy: [{ match: { kind: ['generic', 'pattern'] }, mode: 'auto', actions: webhook }] })
  assert.equal(rotationPlan(subject('generic', 'medium'), policy, []).mode, 'alert')
  assert.equal(rotationPlan(subject('pattern', 'medium'), policy, []).mode, 'button')
  assert.equal(rotationPlan(subject('pattern', 'high'), policy, []).mode, 'auto')
  // Known secrets (your own values, matched exactly) are not generic: they rotate.
  assert.equal(rotationPlan({ ...subject('known-secret', 'high') }, cfg, webhook).mode, 'auto')
})

test('the knobs: minConfidence medium lets medium findings rotate, generic: auto lets generic ones', () => {
  const cfg = rotation({ minConfidence: 'medium', generic: 'auto' })
  assert.equal(rotationPlan(subject('pattern', 'medium'), cfg, webhook).mode, 'auto')
  assert.equal(rotationPlan(subject('pattern', 'low'), cfg, webhook).mode, 'button')
  assert.equal(rotationPlan(subject('generic', 'medium'), cfg, webhook).mode, 'auto')
  assert.equal(rotationPlan(subject('generic', 'low'), cfg, webhook).mode, 'button')
  assert.equal(rotationPlan(subject('generic', 'medium'), rotation({ generic: 'button' }), webhook).mode, 'button')
})

test('confidenceOf: measured precision decides the level, generic rules stay below high, thin support keeps the structural level', () => {
  const rule = (over: Partial<Rule>): Rule => ({
    id: 'r',
    title: 'r',
    severity: 'high',
    kind: 'pattern',
    regex: 'x',
    keywords: ['x'],
    examples: { positives: () => [], negatives: [] },
    ...over
  })
  const table = (precision: number, units = 50): Record<string, RuleConfidence> => ({ r: { precision, units } })
  assert.deepEqual(confidenceOf(rule({}), table(0.99)), { level: 'high', score: 0.99 })
  assert.deepEqual(confidenceOf(rule({}), table(0.9)), { level: 'medium', score: 0.9 })
  assert.deepEqual(confidenceOf(rule({}), table(0.5)), { level: 'low', score: 0.5 })
  assert.deepEqual(confidenceOf(rule({ kind: 'generic' }), table(1)), { level: 'medium', score: 1 })
  assert.deepEqual(confidenceOf(rule({ validate: () => true }), table(0.5, 2)), { level: 'high' })
  assert.deepEqual(confidenceOf(rule({}), {}), { level: 'medium' })
  assert.deepEqual(confidenceOf(rule({ tags: ['unchecked'], validate: () => true }), table(1)), { level: 'medium', score: 1 })
  assert.deepEqual(confidenceOf(rule({ tags: ['unchecked'], validate: () => true }), {}), { level: 'medium' })
  assert.deepEqual(confidenceOf(rule({ kind: 'generic' }), {}), { level: 'medium' })
  // One example in six shapes is not support enough for high without a checksum; with one it is.
  assert.deepEqual(confidenceOf(rule({}), table(1, 6)), { level: 'medium', score: 1 })
  assert.deepEqual(confidenceOf(rule({}), table(1, 12)), { level: 'high', score: 1 })
  assert.deepEqual(confidenceOf(rule({ validate: () => true }), table(1, 6)), { level: 'high', score: 1 })
})

test('password hashes: no default rotation target, and at most the button even when a policy entry says auto', () => {
  const hash = (rule: string): Subject => ({ ...subject('pattern', 'high'), rule, severity: 'low' })
  const cfg = rotation()
  for (const rule of ['password-hash-bcrypt', 'password-hash-sha512crypt', 'password-hash-md5crypt', 'kerberos-asrep-hash']) {
    assert.deepEqual(rotationPlan(hash(rule), cfg, webhook), { mode: 'alert', actions: [] }, rule)
    const policy = rotation({ policy: [{ match: { rule: '^password-hash-|^kerberos-' }, mode: 'auto', actions: webhook }] })
    assert.equal(rotationPlan(hash(rule), policy, []).mode, 'button', rule)
  }
  // A rule whose id merely contains the words is not a hash.
  assert.equal(rotationPlan(hash('vault-password-hash-token'), cfg, webhook).mode, 'auto')
})
