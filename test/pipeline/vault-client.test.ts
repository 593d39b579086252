// The shared Vault client against real HTTP on 127.0.0.1: the stand-in Vault
// of the known-secrets tests for auth, and a scripted server for the statuses,
// bodies and silences a real Vault can answer with.

import assert from 'node:assert/strict'
import type { ServerResponse } from 'node:http'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test } from 'node:test'
import { createGen } from '../../detectors/gen.ts'
import { isLeakwatchError, isRetriable } from '../../pipeline/errors.ts'
import type { VaultClientOptions } from '../../pipeline/vault-client.ts'
import { createVaultClient, vaultRetriable } from '../../pipeline/vault-client.ts'
import { startVault } from '../detectors/known-secrets/standins.ts'

const g = createGen()
const codes: VaultClientOptions['codes'] = { failed: 'LW_ERR_VAULT_FAILED', rejected: 'LW_ERR_VAULT_REJECTED' }

interface Seen {
  method: string
  url: string
  headers: Record<string, string | string[] | undefined>
  body: string
}

/** A server whose every answer the test writes; `hold` leaves requests unanswered (a hung Vault). */
async function scripted(answer: (req: Seen, res: ServerResponse) => void) {
  const seen: Seen[] = []
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (d: Buffer) => {
      body += d.toString('utf8')
    })
    req.on('end', () => {
      const s = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body }
      seen.push(s)
      answer(s, res)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
  }
}

test('token auth: token, namespace, accept and content type sent; JSON answered; an accepted 404 returned, an unaccepted one refused', async () => {
  const token = `hvs.${g.base62(24)}`
  const s = await scripted((req, res) => {
    if (req.url.startsWith('/v1/secret/data/missing')) return res.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[]}')
    if (req.method === 'POST') return res.writeHead(204).end()
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: { keys: ['a', 'b/'] } }))
  })
  try {
    const c = createVaultClient({ address: `${s.url}//`, auth: { method: 'token', token }, namespace: 'team-a', timeoutMs: 2000, codes })
    assert.deepEqual(await c.request('GET', 'secret/metadata/app/?list=true'), { status: 200, json: { data: { keys: ['a', 'b/'] } } })
    assert.deepEqual(await c.request('POST', 'database/rotate-role/x', { body: { n: 1 } }), { status: 204, json: {} })
    assert.deepEqual(await c.request('GET', 'secret/data/missing', { accept: [404] }), { status: 404, json: { errors: [] } })
    await assert.rejects(
      c.request('GET', 'secret/data/missing'),
      (e: unknown) =>
        isLeakwatchError(e, 'LW_ERR_VAULT_REJECTED') && !e.retriable && e.details?.status === 404 && e.message === 'Vault GET /v1/secret/data/missing: HTTP 404'
    )
    const [list, post] = s.seen
    assert.equal(list?.url, '/v1/secret/metadata/app/?list=true')
    assert.equal(list?.headers['x-vault-token'], token)
    assert.equal(list?.headers['x-vault-namespace'], 'team-a')
    assert.equal(list?.headers['x-vault-request'], 'true')
    assert.equal(list?.headers.accept, 'application/json')
    assert.equal(list?.headers['content-type'], undefined)
    assert.equal(post?.headers['content-type'], 'application/json')
    assert.equal(post?.body, '{"n":1}')
  } finally {
    await s.close()
  }
})

test('Kubernetes auth: one login reused, a new one at two thirds of the lease and after a 403; a refused login is coded', async () => {
  const jwt = g.base62(60)
  const vault = await startVault({ rootToken: `hvs.${g.base62(24)}`, kubernetes: { role: 'leakwatch', jwt } })
  vault.put('secret/app/db', { password: g.base62(20) })
  let now = 1_000_000
  let reads = 0
  try {
    const auth = { method: 'kubernetes', role: 'leakwatch', authMount: 'kubernetes', jwtPath: '/var/run/sa/token' } as const
    const deps = {
      now: () => now,
      readFile: async (p: string) => {
        assert.equal(p, '/var/run/sa/token')
        reads++
        return `${jwt}\n`
      }
    }
    const c = createVaultClient({ address: vault.url, auth, timeoutMs: 2000, codes }, deps)
    assert.equal((await c.request('GET', 'secret/data/app/db')).status, 200)
    assert.equal((await c.request('GET', 'secret/data/app/db')).status, 200)
    assert.equal(vault.logins(), 1)
    const login = vault.requests.find((r) => r.path === '/v1/auth/kubernetes/login')
    assert.deepEqual(JSON.parse(login?.body ?? ''), { role: 'leakwatch', jwt })
    // The stand-in's lease is 3600 s: past 2400 s the client logs in again before the request.
    now += 2_401_000
    await c.request('GET', 'secret/data/app/db')
    assert.equal(vault.logins(), 2)
    // Revoked: the request is refused once, and the next one logs in again.
    vault.revokeAll()
    await assert.rejects(c.request('GET', 'secret/data/app/db'), (e: unknown) => isLeakwatchError(e, 'LW_ERR_VAULT_REJECTED') && e.details?.status === 403)
    assert.equal((await c.request('GET', 'secret/data/app/db')).status, 200)
    assert.equal(vault.logins(), 3)
    assert.equal(reads, 3)
    const wrong = createVaultClient({ address: vault.url, auth: { ...auth, role: 'other' }, timeoutMs: 2000, codes }, deps)
    await assert.rejects(
      wrong.request('GET', 'secret/data/app/db'),
      (e: unknown) => isLeakwatchError(e, 'LW_ERR_VAULT_REJECTED') && /auth\/kubernetes\/login: HTTP 403/.test(e.message) && !e.message.includes(jwt)
    )
    const unreadable = createVaultClient(
      { address: vault.url, auth, timeoutMs: 2000, codes },
      {
        readFile: async () => {
          throw new Error('ENOENT')
        }
      }
    )
    await assert.rejects(unreadable.request('GET', 'secret/data/app/db'), (e: unknown) => isLeakwatchError(e, 'LW_ERR_VAULT_FAILED') && e.retriable)
  } finally {
    await vault.close()
  }
})

test('statuses: standby, sealed, rate limits and 5xx are retriable (Retry-After kept); the rest are not', async () => {
  const table: Array<[number, boolean]> = [
    [400, false],
    [401, false],
    [403, false],
    [404, false],
    [405, false],
    [307, false],
    [408, true],
    [412, true],
    [429, true],
    [472, true],
    [473, true],
    [500, true],
    [503, true]
  ]
  for (const [status, retriable] of table) assert.equal(vaultRetriable(status), retriable, String(status))
  let next = 0
  const s = await scripted((_req, res) => {
    const status = table[next++]?.[0] ?? 500
    res.writeHead(status, { 'content-type': 'application/json', 'retry-after': '7', ...(status === 307 ? { location: '/elsewhere' } : {}) })
    res.end(JSON.stringify({ errors: [`status ${status}`] }))
  })
  try {
    const c = createVaultClient(
      { address: s.url, auth: { method: 'token', token: g.base62(26) }, timeoutMs: 2000, codes },
      { retryAfterMs: (h) => (h === null ? undefined : Number(h) * 1000) }
    )
    for (const [status, retriable] of table) {
      await assert.rejects(c.request('GET', 'sys/health'), (e: unknown) => {
        assert.ok(isLeakwatchError(e), String(status))
        assert.equal(e.code, retriable ? 'LW_ERR_VAULT_FAILED' : 'LW_ERR_VAULT_REJECTED', String(status))
        assert.equal(isRetriable(e), retriable, String(status))
        assert.deepEqual(e.details, { status, retryAfterMs: 7000 })
        assert.equal(e.message, `Vault GET /v1/sys/health: HTTP ${status} (status ${status})`)
        return true
      })
    }
    // A caller that retries everything passes one code for both.
    const one = createVaultClient({
      address: s.url,
      auth: { method: 'token', token: g.base62(26) },
      timeoutMs: 2000,
      codes: { failed: 'LW_ERR_KNOWN_SECRETS_SOURCE', rejected: 'LW_ERR_KNOWN_SECRETS_SOURCE' }
    })
    next = 0
    await assert.rejects(one.request('GET', 'sys/health'), (e: unknown) => isLeakwatchError(e, 'LW_ERR_KNOWN_SECRETS_SOURCE') && e.retriable)
  } finally {
    await s.close()
  }
})

test('errors never repeat the token, the body sent or a body that is not JSON', async () => {
  const token = `hvs.${g.base62(24)}`
  const value = g.base62(32)
  const kept = g.base62(20)
  let mode: 'echo' | 'garbage' | 'garbage-ok' = 'echo'
  const s = await scripted((req, res) => {
    if (mode === 'echo') {
      // A misbehaving proxy or plugin repeating the request in its error.
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [`bad request with token ${token}`, `body ${req.body}`] }))
      return
    }
    res.writeHead(mode === 'garbage' ? 502 : 200, { 'content-type': 'text/html' }).end(`<html>${value}</html>`)
  })
  try {
    const c = createVaultClient({ address: s.url, auth: { method: 'token', token }, timeoutMs: 2000, codes })
    const body = { options: { cas: 3 }, data: { user: 'app', password: value, other: kept } }
    const clean = (e: unknown): boolean => {
      const text = `${(e as Error).message} ${JSON.stringify((e as { details?: unknown }).details)}`
      assert.ok(!text.includes(token) && !text.includes(value) && !text.includes(kept), text)
      return isLeakwatchError(e)
    }
    await assert.rejects(c.request('POST', 'secret/data/app', { body }), (e: unknown) => clean(e) && /\[redacted\]/.test((e as Error).message))
    mode = 'garbage'
    await assert.rejects(c.request('GET', 'secret/data/app'), (e: unknown) => clean(e) && isLeakwatchError(e, 'LW_ERR_VAULT_FAILED'))
    mode = 'garbage-ok'
    await assert.rejects(c.request('GET', 'secret/data/app'), (e: unknown) => clean(e) && /not JSON/.test((e as Error).message))
  } finally {
    await s.close()
  }
})

test('a Vault that does not answer times out, one that is gone is unreachable, a caller can abort; all retriable', async () => {
  const s = await scripted(() => {
    // Never answers: the client's timeout must end the request.
  })
  const token = g.base62(26)
  try {
    const c = createVaultClient({ address: s.url, auth: { method: 'token', token }, timeoutMs: 50, codes })
    await assert.rejects(
      c.request('GET', 'sys/health'),
      (e: unknown) => isLeakwatchError(e, 'LW_ERR_VAULT_FAILED') && e.retriable && /unreachable or timed out/.test(e.message)
    )
    const patient = createVaultClient({ address: s.url, auth: { method: 'token', token }, timeoutMs: 60_000, codes })
    const ac = new AbortController()
    const pending = patient.request('GET', 'sys/health', { signal: ac.signal })
    ac.abort()
    await assert.rejects(pending, (e: unknown) => isLeakwatchError(e, 'LW_ERR_VAULT_FAILED'))
  } finally {
    await s.close()
  }
  const gone = createVaultClient({ address: s.url, auth: { method: 'token', token }, timeoutMs: 2000, codes })
  await assert.rejects(gone.request('GET', 'sys/health'), (e: unknown) => isLeakwatchError(e, 'LW_ERR_VAULT_FAILED') && !e.message.includes(token))
})
