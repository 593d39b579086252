// The whole promise, end to end, on real servers only: an application logs its database connection URL
// with the password Vault gave it; leakwatch's three roles (collector → Kafka → detector → Kafka →
// responder → Redis/BullMQ, as test/e2e/pipeline.test.ts runs them) turn the line into a finding, an
// incident and a `vault-rotate-role` job; the job asks a real Vault (test/harness/vault.ts) to rotate the
// database static role; Vault's postgresql plugin changes the role's password in a real PostgreSQL
// (test/harness/postgres.ts), which from then on refuses the leaked one and has ended the session already
// open with it. Measured: from the line written to the first refusal of the old password, watched by a
// probe that logs in with it the whole time.
//
// The responder's Vault token carries only a policy for `<mount>/rotate-role/<role>`, the one the docs
// give (docs/responders.md), so the test also shows that policy is enough.

import assert from 'node:assert/strict'
import { appendFile, mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import type { App } from '../../app/roles.ts'
import { startApp } from '../../app/roles.ts'
import { loadConfig } from '../../config/load.ts'
import { createVaultSource } from '../../detectors/known-secrets/source-vault.ts'
import { createFingerprinter } from '../../pipeline/fingerprint.ts'
import { createLogger, silentLogger } from '../../pipeline/log.ts'
import type { VaultClient } from '../../pipeline/vault-client.ts'
import { createVaultClient } from '../../pipeline/vault-client.ts'
import type { Incident } from '../../responders/incidents.ts'
import { createVaultRotator } from '../../responders/vault.ts'
import type { PostgresServer } from '../harness/postgres.ts'
import { postgresSkip, startPostgres } from '../harness/postgres.ts'
import type { Services } from '../harness/services.ts'
import { getServices } from '../harness/services.ts'
import type { VaultServer } from '../harness/vault.ts'
import { getVault, scopedToken } from '../harness/vault.ts'
import { knownSecretScanner, leaks } from '../support/known-secrets.ts'
import { seededGen } from '../support/seed.ts'
import { capture, clusteredRun, dumpKafka, dumpRedis, forms, uniqueId, waitFor } from './helpers.ts'

const skip = postgresSkip()
const codes = { failed: 'LW_ERR_VAULT_FAILED', rejected: 'LW_ERR_VAULT_REJECTED' } as const

let services: Services
let vault: VaultServer
let pg: PostgresServer
let root: VaultClient
let dir: string

before(async () => {
  if (skip !== false) return // The three servers start side by side: the test waits for the slowest, not for their sum.
  ;[services, vault, pg, dir] = await Promise.all([getServices(), getVault(), startPostgres(), mkdtemp(join(tmpdir(), 'leakwatch-e2e-db-'))])
  root = createVaultClient({ address: vault.address, auth: { method: 'token', token: vault.token }, timeoutMs: 10_000, codes })
})

after(async () => {
  await pg?.stop()
  if (dir !== undefined) await rm(dir, { recursive: true, force: true })
})

/** A database secrets engine at `mount`, connected to the test's PostgreSQL as its superuser, for `roles`. */
async function databaseEngine(mount: string, roles: string[]): Promise<void> {
  await root.request('POST', `sys/mounts/${mount}`, { body: { type: 'database' } })
  await root.request('POST', `${mount}/config/pg`, {
    body: {
      plugin_name: 'postgresql-database-plugin',
      connection_url: `postgresql://{{username}}:{{password}}@127.0.0.1:${pg.port}/postgres?sslmode=disable`,
      username: pg.user,
      password: pg.password,
      allowed_roles: roles,
      verify_connection: true
    }
  })
}

const refused = (r: { ok: boolean; stderr: string }): boolean => !r.ok && /password authentication failed/.test(r.stderr)

// What the test below relies on the PostgreSQL harness for; here rather than in a file of its own, which
// would start a PostgreSQL (and a test process) just for this.
test('the PostgreSQL harness: loopback only, password authentication enforced, the server not run as root', { skip }, async () => {
  const who = await pg.psql("SELECT current_setting('listen_addresses'), current_setting('server_version_num')::int >= 150000, current_user")
  assert.deepEqual(who, { ok: true, stdout: `127.0.0.1|t|${pg.user}\n`, stderr: '' })
  // The server's own process (not psql's): its real uid, read from /proc through the server.
  const uid = await pg.psql("SELECT split_part(regexp_replace(pg_read_file('/proc/self/status'), '.*\\nUid:\\t([0-9]+).*', '\\1', 's'), E'\\t', 1)")
  assert.equal(uid.ok, true, uid.stderr)
  if (process.getuid?.() === 0) assert.match(uid.stdout.trim(), /^[1-9][0-9]*$/, 'postgres runs as an unprivileged user')
  const wrong = await pg.psql('SELECT 1', { user: pg.user, password: `${pg.password}x` })
  assert.equal(wrong.ok, false)
  assert.ok(refused(wrong), wrong.stderr)
  assert.equal(wrong.stderr.includes(pg.password), false, 'the password is not in the error')
})

test('a database password leaked in a log line ends with Vault rotating the static role and PostgreSQL refusing the old password', { skip }, async () => {
  const g = seededGen('e2e-database-rotation')
  const id = uniqueId()
  const mount = `lw-db-${id}`
  const role = 'orders-app'
  const dbUser = `orders_${id}`

  // The application's database role, managed by Vault from here on.
  assert.deepEqual(await pg.psql(`CREATE ROLE "${dbUser}" LOGIN PASSWORD '${g.hex(24)}'`), { ok: true, stdout: '', stderr: '' })
  await databaseEngine(mount, [role])
  // Creating a static role rotates its password at once: from here only Vault knows it. A new password
  // stops new logins only; the second statement (the one docs/responders.md gives) also ends the sessions
  // already open with the old one.
  await root.request('POST', `${mount}/static-roles/${role}`, {
    body: {
      db_name: 'pg',
      username: dbUser,
      rotation_period: '24h',
      rotation_statements: [
        `ALTER ROLE "{{name}}" WITH PASSWORD '{{password}}'`,
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{{name}}' AND pid <> pg_backend_pid()`
      ]
    }
  })
  const creds = async (): Promise<string> => {
    const got = (await root.request('GET', `${mount}/static-creds/${role}`)).json as { data: { password: string; username: string } }
    assert.equal(got.data.username, dbUser)
    return got.data.password
  }
  const leaked = await creds()
  const asApp = (password: string) => pg.psql('SELECT current_user', { user: dbUser, password })
  // Without this the end state (old password refused) could hold without any rotation by leakwatch.
  assert.deepEqual(await asApp(leaked), { ok: true, stdout: `${dbUser}\n`, stderr: '' }, 'the password Vault handed out works before the leak')

  // Someone already logged in with the leaked password, in a session that would otherwise last minutes.
  const sessions = async (): Promise<string> => (await pg.psql(`SELECT count(*) FROM pg_stat_activity WHERE usename = '${dbUser}'`)).stdout.trim()
  const held = pg.psql('SELECT pg_sleep(300)', { user: dbUser, password: leaked, timeoutMs: 320_000 })
  await waitFor('the held session to be open', async () => ((await sessions()) === '1' ? true : undefined))

  // The responder's token may rotate this one role and do nothing else.
  await root.request('PUT', `sys/policies/acl/${mount}-rotate`, { body: { policy: `path "${mount}/rotate-role/${role}" { capabilities = ["update"] }` } })
  const responderToken = await scopedToken(root, [`${mount}-rotate`], '1h')

  const logs = join(dir, `logs-${id}`)
  await mkdir(logs, { recursive: true })
  const fingerprintKey = `fp-key-${id}-`.padEnd(40, 'x')
  const config = loadConfig({
    env: {},
    overrides: {
      ...clusteredRun(services, { name: 'e2edb', id, dir, logs, fingerprintKey }),
      'responder.console': false,
      'responder.vault.address': vault.address,
      'responder.vault.token': responderToken,
      'responder.rotation.defaultMode': 'alert',
      'responder.rotation.policy': [{ match: { rule: '^database-url-postgres$' }, mode: 'auto', actions: [{ type: 'vault-rotate-role', mount, role }] }]
    }
  })
  const logOut = capture()
  const logger = createLogger({ level: 'debug', destination: logOut })
  const apps: App[] = []
  let probing = true
  try {
    apps.push(await startApp('responder', config, { logger }))
    apps.push(await startApp('detector', config, { logger }))
    apps.push(await startApp('collector', config, { logger }))

    // Logs in with the leaked password over and over, as an attacker holding it would, and notes when it stops working.
    let refusedAt: number | undefined
    let lastError = ''
    const t0 = performance.now()
    const probe = (async () => {
      while (probing) {
        const r = await asApp(leaked)
        if (refused(r)) {
          refusedAt = performance.now()
          return
        }
        if (!r.ok) lastError = r.stderr
        await sleep(25)
      }
    })()
    await appendFile(
      join(logs, 'orders.log'),
      [
        '{"level":"info","msg":"orders starting","version":"4.2.1"}',
        `{"level":"debug","msg":"connecting","dsn":"postgres://${dbUser}:${leaked}@127.0.0.1:${pg.port}/postgres?sslmode=disable"}`,
        ''
      ].join('\n')
    )
    await waitFor('PostgreSQL to refuse the leaked password', () => (refusedAt === undefined ? undefined : true), 60_000).catch((err: Error) => {
      throw new Error(`${err.message}; last probe error: ${lastError || 'none, it still logged in'}`)
    })
    await probe
    const ms = Math.round((refusedAt as number) - t0)
    process.stderr.write(`[e2e] leaked database password refused by PostgreSQL ${ms} ms after the line was written\n`)

    // Rotated by Vault, not locked out some other way: the password Vault now hands out logs in.
    const fresh = await creds()
    assert.notEqual(fresh, leaked)
    assert.deepEqual(await asApp(fresh), { ok: true, stdout: `${dbUser}\n`, stderr: '' })

    // The session opened with the leaked password was ended by the rotation, not left running.
    const ended = await held
    assert.equal(ended.ok, false)
    // psql prints the server's FATAL when it reads it before the socket closes, else only the closed connection.
    assert.match(ended.stderr, /terminating connection due to administrator command|server closed the connection unexpectedly/)
    // The backend leaves pg_stat_activity as it exits, which can be just after psql saw the connection end.
    await waitFor('no session of the role left', async () => ((await sessions()) === '0' ? true : undefined), 10_000)

    const fp = createFingerprinter(fingerprintKey).of(leaked)
    const incident = await waitFor('the incident resolved as rotated', async () => {
      const i = (await apps[0]?.incidents.list())?.find((x) => x.fingerprint === fp)
      return i?.resolution === 'rotated' ? i : undefined
    })
    assert.equal(incident.rule, 'database-url-postgres')
    assert.ok(
      incident.actions.some((a) => a.outcome === 'succeeded' && a.detail === `rotated static role ${mount}/${role}`),
      JSON.stringify(incident.actions)
    )

    for (const app of apps.splice(0).reverse()) await app.stop()
    // Neither password anywhere leakwatch wrote: Kafka (every topic), Redis, its logs.
    const places: Record<string, string> = {
      kafka: (await dumpKafka(services.kafkaBrokers, `e2edb${id}.`))
        .map((m) => `${m.key?.toString('latin1')} ${m.value?.toString('latin1')} ${m.headers}`)
        .join('\n'),
      redis: await dumpRedis(services.redisUrl, `e2edb${id}`),
      logs: logOut.text()
    }
    assert.ok(places.logs?.includes('"msg":"detector started"'), 'logs were captured')
    for (const s of [leaked, fresh])
      for (const [where, text] of Object.entries(places)) for (const f of forms(s)) assert.ok(!text.includes(f), `a database password appears in ${where}`)
  } finally {
    probing = false
    for (const app of apps.reverse()) await app.stop().catch(() => {})
    if (vault.external) await root.request('DELETE', `sys/mounts/${mount}`).catch(() => {})
  }
})

test('a Vault-managed database password is a known secret wherever it leaks, and its finding names the static role that rotation rotates', {
  skip
}, async () => {
  const g = seededGen('e2e-database-known-secret')
  const id = uniqueId()
  const mount = `lw-dbks-${id}`
  const roles = ['billing-app', 'reports-app']
  const users = roles.map((r) => `${r.replace('-app', '')}_${id}`)
  for (const u of users) assert.equal((await pg.psql(`CREATE ROLE "${u}" LOGIN PASSWORD '${g.hex(24)}'`)).ok, true)
  await databaseEngine(mount, roles)
  for (const [i, role] of roles.entries())
    await root.request('POST', `${mount}/static-roles/${role}`, { body: { db_name: 'pg', username: users[i], rotation_period: '24h' } })
  const creds = async (role: string): Promise<string> =>
    ((await root.request('GET', `${mount}/static-creds/${role}`)).json as { data: { password: string } }).data.password
  // The least the detector's token needs (docs/detection.md): list the roles, read their current passwords.
  await root.request('PUT', `sys/policies/acl/${mount}-read`, {
    body: { policy: `path "${mount}/static-roles" { capabilities = ["list"] }\npath "${mount}/static-creds/*" { capabilities = ["read"] }` }
  })
  await root.request('PUT', `sys/policies/acl/${mount}-rotate`, { body: { policy: `path "${mount}/rotate-role/*" { capabilities = ["update"] }` } })
  const [readToken, rotateToken] = await Promise.all([scopedToken(root, [`${mount}-read`], '1h'), scopedToken(root, [`${mount}-rotate`], '1h')])

  const said = (password: string): string => `retrying the billing pool with ${password}`
  const fingerprinter = createFingerprinter(g.base62(40))
  const { index, scan } = knownSecretScanner((b) => fingerprinter.ofBytes?.(b) ?? '')
  const source = createVaultSource(
    // No KV paths: only the database engine is read (the KV mount named here does not exist).
    {
      address: vault.address,
      mount: 'secret',
      paths: [],
      staticRoles: [{ mount }],
      auth: { method: 'token', token: readToken },
      refreshIntervalMs: 60_000,
      timeoutMs: 10_000
    },
    { index, logger: silentLogger() }
  )
  try {
    await source.refresh()
    assert.equal(source.state(), 'synced')
    const leaked = await creds('billing-app')
    // Found by value in every form issue 4 names, not only in a connection URL a rule would recognise.
    for (const [how, line] of Object.entries(leaks(leaked))) {
      const found = scan(line)
      assert.equal(found.length, 1, how)
      assert.deepEqual(found[0]?.secretRef, { type: 'vault', name: `${mount}/static-creds/billing-app`, key: 'password' }, how)
    }
    assert.equal(scan(`pool ready with ${await creds('reports-app')}`).length, 1, 'every static role of the mount is read when roles is unset')

    // One policy entry for the whole mount: the role comes from the finding.
    const incident = { secretRef: scan(said(leaked))[0]?.secretRef } as Incident
    const rotator = createVaultRotator({ address: vault.address, token: rotateToken, timeoutMs: 10_000 })
    assert.equal(await rotator.run({ type: 'vault-rotate-role', mount }, incident), `rotated static role ${mount}/billing-app`)
    const asBilling = (password: string) => pg.psql('SELECT current_user', { user: users[0] as string, password })
    assert.ok(refused(await asBilling(leaked)), 'PostgreSQL refuses the leaked password')
    const fresh = await creds('billing-app')
    assert.equal((await asBilling(fresh)).ok, true)
    await assert.rejects(rotator.run({ type: 'vault-rotate-role', mount }, {} as Incident), { code: 'LW_ERR_ACTION_UNSUPPORTED' })
    // The mount written with slashes, as Vault's own paths often are, is the same mount.
    assert.equal(await rotator.run({ type: 'vault-rotate-role', mount: `/${mount}/` }, incident), `rotated static role ${mount}/billing-app`)
    assert.notEqual(await creds('billing-app'), fresh)

    // The next refresh follows Vault: the old passwords are no longer known secrets, the current one is.
    const current = await creds('billing-app')
    await source.refresh()
    assert.equal(scan(said(leaked)).length, 0)
    assert.equal(scan(said(fresh)).length, 0)
    assert.equal(scan(said(current)).length, 1)
  } finally {
    source.stop()
    if (vault.external) await root.request('DELETE', `sys/mounts/${mount}`).catch(() => {})
  }
})
