// Values that are public because a project published them as examples are not leaks: each rule that
// refuses such a list is held to the list's source when a clone of it is present (the lists are kept
// as digests, so the source is where the values are).

import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { ALPHABETS } from '../../detectors/gen.ts'
import { unpublishedGcpKey } from '../../detectors/rules/gcp.ts'
import { seededGen } from '../support/seed.ts'

test("gcp-api-key refuses every firebase-android-sdk example key of gitleaks' allowlist, and no random key", (t) => {
  const g = seededGen('gcp-keys')
  for (let i = 0; i < 1000; i++) assert.ok(unpublishedGcpKey(`AIza${g.chars(ALPHABETS.base64url, 35)}`))
  const dir = join(process.env.LEAKWATCH_MIRRORS ?? '/work/.mirror', 'gitleaks+gitleaks', 'repo')
  if (!existsSync(dir)) {
    t.skip(`no gitleaks clone at ${dir}`)
    return
  }
  const src = execFileSync('git', [`--git-dir=${dir}`, 'show', 'HEAD:cmd/generate/config/rules/gcp.go'], { encoding: 'utf8' })
  const listed = [...src.matchAll(/MustCompile\(`(AIza[\w-]{35})`\)/g)].map((m) => m[1] as string)
  assert.ok(listed.length >= 16, `only ${listed.length} allowlisted keys found in gcp.go`)
  for (const k of listed) assert.equal(unpublishedGcpKey(k), false)
})
