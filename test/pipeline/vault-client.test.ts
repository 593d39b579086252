// The shared Vault client: against the real Vault (test/harness/vault.ts) for what it sends and what
// Vault answers, and a scripted server for the statuses, bodies and silences a real Vault can answer with
// but cannot be made to on demand.

import assert from 'node:assert/strict'
import type { ServerResponse } from 'node:http'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test } from 'node:test'
import { isLeakwatchError, isRetriable } from '../../pipeline/errors.ts'
import type { VaultClientOptions } from '../../pipeline/vault-client.ts'
import { createVaultClient, vaultRetriable } from '../../pipeline/vault-client.ts'
import { getVault, kvMount, kvPut, vaultAdmin } from '../harness/vault.ts'
import { seededGen } from '../support/seed.ts'

const g = seededGen('vault-client')
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

/**
 * A pass-through proxy in front of the real Vault that records each request as it arrives: what the client
 * sends (headers, body) is seen here, what it gets back is Vault's own answer.
 */
function recording(target: string) {
  return scripted((req, res) => {
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => k !== 'host' && k !== 'connection' && k !== 'content-length')) as Record<
      string,
      string
    >
    fetch(`${target}${req.url}`, { method: req.method, headers, ...(req.body === '' ? {} : { body: req.body }) }).then(
      async (r) => res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/json' }).end(Buffer.from(await r.arrayBuffer())),
      (err: Error) => res.writeHead(502).end(err.message)
    )
  })
}

test('token auth against the real Vault: token, namespace, accept and content type sent; JSON answered; an accepted 404 returned, an unaccepted one refused', async () => {
  const vault = await getVault()
  const admin = vaultAdmin(vault)
  const kv = await kvMount(admin, 'lw-client')
  await kvPut(admin, kv, 'app/a', { v: g.base62(20) })
  await kvPut(admin, kv, 'app/b/c', { v: g.base62(20) })
  const s = await recording(vault.address)
  try {
    // Vault without Enterprise ignores X-Vault-Namespace; that the client sends it is what is checked.
    const c = createVaultClient({ address: `${s.url}//`, auth: { method: 'token', token: vault.token }, namespace: 'team-a', timeoutMs: 5000, codes })
    assert.deepEqual((await c.request('GET', `${kv}/metadata/app/?list=true`)).json.data, { keys: ['a', 'b/'] })
    const policy = `${kv}-p`
    assert.deepEqual(await c.request('POST', `sys/policies/acl/${policy}`, { body: { policy: `path "${kv}/data/*" { capabilities = ["read"] }` } }), {
      status: 204,
      json: {}
    })
    assert.deepEqual(await c.request('GET', `${kv}/data/missing`, { accept: [404] }), { status: 404, json: { errors: [] } })
    await assert.rejects(
      c.request('GET', `${kv}/data/missing`),
      (e: unknown) =>
        isLeakwatchError(e, 'LW_ERR_VAULT_REJECTED') && !e.retriable && e.details?.status === 404 && e.message === `Vault GET /v1/${kv}/data/missing: HTTP 404`
    )
    const [list, post] = s.seen
    assert.equal(list?.url, `/v1/${kv}/metadata/app/?list=true`)
    assert.equal(list?.headers['x-vault-token'], vault.token)
    assert.equal(list?.headers['x-vault-namespace'], 'team-a')
    assert.equal(list?.headers['x-vault-request'], 'true')
    assert.equal(list?.headers.accept, 'application/json')
    assert.equal(list?.headers['content-type'], undefined)
    assert.equal(post?.headers['content-type'], 'application/json')
    assert.equal(JSON.parse(post?.body ?? '').policy, `path "${kv}/data/*" { capabilities = ["read"] }`)
    await admin.request('DELETE', `sys/policies/acl/${policy}`)
  } finally {
    await s.close()
    await admin.request('DELETE', `sys/mounts/${kv}`)
  }
})

test('a rate limit of the real Vault (a rate-limit quota) is retriable, with its Retry-After', {
  skip: process.env.VAULT_ADDR ? 'VAULT_ADDR Vault: the test would change its quota configuration' : false
}, async () => {
  const vault = await getVault()
  const admin = vaultAdmin(vault)
  const kv = await kvMount(admin, 'lw-client')
  await admin.request('POST', 'sys/quotas/config', { body: { enable_rate_limit_response_headers: true } })
  await admin.request('POST', `sys/quotas/rate-limit/${kv}`, { body: { path: `${kv}/`, rate: 1, interval: '1m' } })
  try {
    const c = createVaultClient(
      { address: vault.address, auth: { method: 'token', token: vault.token }, timeoutMs: 5000, codes },
      { retryAfterMs: (h) => (h === null ? undefined : Number(h) * 1000) }
    )
    assert.equal((await c.request('GET', `${kv}/data/x`, { accept: [404] })).status, 404)
    await assert.rejects(c.request('GET', `${kv}/data/x`, { accept: [404] }), (e: unknown) => {
      assert.ok(isLeakwatchError(e, 'LW_ERR_VAULT_FAILED'), String(e))
      assert.equal(isRetriable(e), true)
      assert.equal(e.details?.status, 429)
      assert.equal(e.details?.retryAfterMs, 60_000)
      assert.match(e.message, /HTTP 429 \(request path .* rate limit quota exceeded\)/)
      return true
    })
  } finally {
    await admin.request('DELETE', `sys/quotas/rate-limit/${kv}`)
    await admin.request('POST', 'sys/quotas/config', { body: { enable_rate_limit_response_headers: false } })
    await admin.request('DELETE', `sys/mounts/${kv}`)
  }
})

// Kubernetes auth (login, re-login at two thirds of the lease and after a 403) runs against the real Vault
// and kube-apiserver in
// test/cluster/known-secrets-informer.test.ts. The tests below keep a scripted server: each needs an
// answer a healthy Vault cannot be made to give on demand — every retriable status (standby and sealed
// nodes, 412, 5xx), a proxy that echoes the request into its error, a body that is not JSON, a Vault
// that never answers.
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
