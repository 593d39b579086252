// An incident from an audit event shows, in Slack's "Where", the object, the
// field and the principal who wrote it (escaped: all of it is user-controlled).

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { applyFinding } from '../../responders/incidents.ts'
import { renderMessage } from '../../responders/slack-blocks.ts'
import { ctx, finding, gen } from './fixtures.ts'

test('Where names the object, the field and who wrote it, as whom; mrkdwn control characters are escaped', () => {
  const secret = gen.githubToken('ghp_')
  const f = finding(secret, 'audit/prod/configmaps/shop/app-config', 1, '2026-12-06T12:00:00.000Z', {
    source: {
      type: 'audit',
      cluster: 'prod',
      namespace: 'shop',
      object: 'ConfigMap shop/app-config',
      field: 'data["<!channel>"]',
      principal: 'dev@acme.example',
      impersonatedUser: 'system:serviceaccount:ci:deployer',
      verb: 'create',
      auditID: 'a1'
    }
  })
  const { incident } = applyFinding(undefined, f, ctx())
  assert.equal(incident.locations[0]?.field, 'data["<!channel>"]')
  const m = renderMessage(incident)
  const where = JSON.stringify(m.blocks)
  assert.ok(
    where.includes('prod / ConfigMap shop/app-config · data[\\"&lt;!channel&gt;\\"] · create by dev@acme.example as system:serviceaccount:ci:deployer — 1×'),
    where
  )
  assert.ok(!where.includes(secret))
})
