import assert from 'node:assert/strict'
import { test } from 'node:test'
import { fresh } from '../../responders/incidents.ts'
import { formatIncident } from '../../responders/responder-stage.ts'
import { ctx, finding, gen } from './fixtures.ts'

test('formatIncident escapes control characters: one line, no raw escape sequence, whatever the stream is called', () => {
  const ESC = String.fromCharCode(27)
  const f = finding(gen.githubToken('ghp_'), `file:/var/log/x\nleak found: forged [critical] ${ESC}[2K\u202e`, 1, '2025-01-01T00:00:00.000Z', {
    title: `title${ESC}]0;x\x07`
  })
  const text = formatIncident(fresh(f, ctx()))
  assert.equal(text.endsWith('\n'), true)
  assert.equal(/[\p{Cc}\u202a-\u202e\u2066-\u2069]/u.test(text.slice(0, -1)), false, JSON.stringify(text))
  assert.match(text, /^leak found: title\\x1b\]0;x\\x07 \[critical\] .* in file:\/var\/log\/x\\nleak found: forged \[critical\] \\x1b\[2K\\u202e \(rule/)
})
