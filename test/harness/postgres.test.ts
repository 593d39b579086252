// The PostgreSQL harness itself: what the database tests rely on it for.

import assert from 'node:assert/strict'
import { readdirSync } from 'node:fs'
import { test } from 'node:test'
import { postgresSkip, postgresTmpBase, startPostgres } from './postgres.ts'

test('postgres: a fresh cluster on loopback, password auth enforced, not run as root, nothing left after stop()', { skip: postgresSkip() }, async () => {
  const leftovers = (): string[] => readdirSync(postgresTmpBase()).filter((f) => f.startsWith('leakwatch-postgres-'))
  const before = new Set(leftovers())
  const pg = await startPostgres()
  try {
    const who = await pg.psql("SELECT current_setting('listen_addresses'), current_setting('server_version_num')::int >= 150000, current_user")
    assert.deepEqual(who, { ok: true, stdout: `127.0.0.1|t|${pg.user}\n`, stderr: '' })
    // The server's own process, not psql's: its effective user, read from /proc through the server.
    const uid = await pg.psql("SELECT split_part(regexp_replace(pg_read_file('/proc/self/status'), '.*\\nUid:\\t([0-9]+).*', '\\1', 's'), E'\\t', 1)")
    assert.equal(uid.ok, true, uid.stderr)
    if (process.getuid?.() === 0) assert.match(uid.stdout.trim(), /^[1-9][0-9]*$/, 'postgres runs as an unprivileged user')
    const wrong = await pg.psql('SELECT 1', { user: pg.user, password: `${pg.password}x` })
    assert.equal(wrong.ok, false)
    assert.match(wrong.stderr, /password authentication failed for user "leakwatch"/)
    assert.equal(wrong.stderr.includes(pg.password), false, 'the password is not in the error')
  } finally {
    await pg.stop()
  }
  assert.deepEqual(
    leftovers().filter((f) => !before.has(f)),
    []
  )
})
