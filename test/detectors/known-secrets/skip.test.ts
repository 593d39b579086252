// What the index refuses, alone: too short (in characters, not bytes), too
// long, common non-secrets in any case, hostnames but not dotted passwords.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isHostname, skipReason, skipRules } from '../../../detectors/known-secrets/skip.ts'

test('skip reasons', () => {
  const r = skipRules(8, 64, ['Our-Team-Default'])
  const why = (s: string): string | undefined => skipReason(r, Buffer.from(s))
  assert.equal(why('short'), 'too-short')
  // Eight characters, sixteen bytes: long enough.
  assert.equal(why('éééééééé'), undefined)
  assert.equal(why('x'.repeat(65)), 'too-long')
  assert.equal(why('PassWord123'), 'common')
  assert.equal(why('our-team-default'), 'common')
  assert.equal(why('db.prod.svc.cluster.local'), 'hostname')
  assert.equal(why('summer.2024'), undefined)
  assert.equal(why('k9x2mQ7vLp'), undefined)
})

test('hostnames: dotted lower-case labels ending in a name', () => {
  for (const h of ['a.bc', 'redis-0.redis.svc', 'api.example.internal']) assert.equal(isHostname(Buffer.from(h)), true, h)
  for (const h of ['nodots', '.a.com', 'a..com', 'a.com.', 'a.b', 'A.com', 'a.c0m', 'a_b.com']) assert.equal(isHostname(Buffer.from(h)), false, h)
})
