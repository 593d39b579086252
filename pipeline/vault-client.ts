// The one Vault HTTP client: the known-secrets source (KV reads) and the
// Vault rotator both talk to Vault through it. No client library: Vault's API
// is JSON over HTTP and both callers use a handful of endpoints.
//
// Auth is a token, or Kubernetes auth: the pod's service-account JWT
// exchanged for a Vault token at the first request, again at two thirds of
// its lease, and again after a 403 (the token was revoked or expired early).
//
// Errors are LeakwatchErrors with the caller's codes: `failed` (retriable)
// for an unreachable Vault, a timeout, a standby or sealed node
// (429/472/473/503), 408, 412 (a performance standby not yet caught up) and
// 5xx; `rejected` for everything else. A caller that retries everything (a
// source re-read on an interval) passes its one code for both. Messages name
// the method, path and status and Vault's `errors` — which describe the
// request, and are still scrubbed of the token, the JWT and every string the
// request body held, so a value being written never reaches a log.

import { readFile } from 'node:fs/promises'
import type { ErrorCode } from './errors.ts'
import { LeakwatchError } from './errors.ts'

export type VaultAuth = { method: 'token'; token: string } | { method: 'kubernetes'; role: string; authMount: string; jwtPath: string }

export interface VaultClientOptions {
  address: string
  auth: VaultAuth
  /** Vault Enterprise namespace (X-Vault-Namespace). */
  namespace?: string | undefined
  /** Per request, login included. */
  timeoutMs: number
  codes: { failed: ErrorCode; rejected: ErrorCode }
}

export interface VaultClientDeps {
  fetch?: typeof fetch
  /** Reads the service-account JWT (Kubernetes auth). */
  readFile?: (path: string) => Promise<string>
  now?: () => number
  /** Milliseconds a Retry-After header asks for, put in the error's details as `retryAfterMs`. */
  retryAfterMs?: (header: string | null) => number | undefined
}

export interface VaultResponse {
  status: number
  /** The parsed body; `{}` for an empty one (204). */
  json: Record<string, unknown>
}

export interface VaultClient {
  /**
   * `path` is below `/v1/`, already encoded, and may carry a query. Answers 2xx, and the statuses in
   * `accept` (a 404 that means "nothing there"); throws a coded LeakwatchError otherwise. The error's
   * details carry `status` when Vault answered.
   */
  request: (method: string, path: string, opts?: { body?: unknown; accept?: readonly number[]; signal?: AbortSignal }) => Promise<VaultResponse>
}

/** Statuses worth retrying: a request timeout, a standby not caught up, rate limiting, standby/sealed nodes (472, 473) and 5xx. */
export function vaultRetriable(status: number): boolean {
  return status === 408 || status === 412 || status === 429 || status >= 472
}

/** Every string in a JSON body: what an error message must not repeat. */
function stringsOf(v: unknown, out: string[]): string[] {
  if (typeof v === 'string') out.push(v)
  else if (Array.isArray(v)) for (const x of v) stringsOf(x, out)
  else if (typeof v === 'object' && v !== null) for (const x of Object.values(v)) stringsOf(x, out)
  return out
}

function scrub(text: string, secrets: readonly string[]): string {
  let out = text
  // Short strings ('app', '1') would redact ordinary words; nothing that short is a credential.
  for (const s of secrets) if (s.length >= 6) out = out.split(s).join('[redacted]')
  return out
}

export function createVaultClient(opts: VaultClientOptions, deps: VaultClientDeps = {}): VaultClient {
  const doFetch = deps.fetch ?? fetch
  const read = deps.readFile ?? (async (p: string) => await readFile(p, 'utf8'))
  const now = deps.now ?? Date.now
  const base = opts.address.replace(/\/+$/, '')
  const { failed, rejected } = opts.codes
  let token: string | undefined = opts.auth.method === 'token' ? opts.auth.token : undefined
  let tokenExpiresAt = Number.POSITIVE_INFINITY

  async function send(method: string, path: string, body: unknown, accept: readonly number[], signal: AbortSignal | undefined): Promise<VaultResponse> {
    const headers: Record<string, string> = { accept: 'application/json', 'x-vault-request': 'true' }
    if (token !== undefined) headers['x-vault-token'] = token
    if (opts.namespace !== undefined) headers['x-vault-namespace'] = opts.namespace
    if (body !== undefined) headers['content-type'] = 'application/json'
    const timeout = AbortSignal.timeout(opts.timeoutMs)
    const what = `Vault ${method} /v1/${path.split('?')[0]}`
    let status: number
    let text: string
    let retryAfter: string | null
    try {
      const res = await doFetch(`${base}/v1/${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        redirect: 'manual',
        signal: signal === undefined ? timeout : AbortSignal.any([timeout, signal])
      })
      status = res.status
      retryAfter = res.headers.get('retry-after')
      text = await res.text()
    } catch (err) {
      // The cause is the transport's error (connection refused, abort): it holds neither headers nor body.
      throw new LeakwatchError(failed, `${what}: unreachable or timed out`, { cause: err })
    }
    // The login's body holds the JWT, so it is scrubbed with the rest of the body.
    const secrets = [...(token === undefined ? [] : [token]), ...stringsOf(body, [])]
    let json: Record<string, unknown> = {}
    let parsed = true
    try {
      if (text !== '') json = JSON.parse(text) as Record<string, unknown>
    } catch {
      // JSON.parse quotes the text it failed on, which may be a secret: neither it nor the text goes further.
      parsed = false
    }
    if ((status >= 200 && status < 300) || accept.includes(status)) {
      if (!parsed) throw new LeakwatchError(failed, `${what}: HTTP ${status} with a body that is not JSON`, { details: { status } })
      return { status, json }
    }
    if (status === 403 && opts.auth.method === 'kubernetes') token = undefined
    const errors = Array.isArray(json.errors) ? json.errors.filter((e): e is string => typeof e === 'string') : []
    const why = scrub(errors.join('; '), secrets).slice(0, 200)
    const retryAfterMs = deps.retryAfterMs?.(retryAfter)
    throw new LeakwatchError(vaultRetriable(status) ? failed : rejected, `${what}: HTTP ${status}${why === '' ? '' : ` (${why})`}`, {
      details: { status, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) }
    })
  }

  async function login(signal: AbortSignal | undefined): Promise<void> {
    if (opts.auth.method !== 'kubernetes') return
    if (token !== undefined && now() < tokenExpiresAt) return
    token = undefined
    // Read at each login, not kept: the kubelet rotates the projected token.
    let jwt: string
    try {
      jwt = (await read(opts.auth.jwtPath)).trim()
    } catch (err) {
      throw new LeakwatchError(failed, `Vault Kubernetes login: cannot read the service-account token at ${opts.auth.jwtPath}`, { cause: err })
    }
    const { json } = await send('POST', `auth/${opts.auth.authMount}/login`, { role: opts.auth.role, jwt }, [], signal)
    const auth = json.auth as { client_token?: unknown; lease_duration?: unknown } | undefined
    if (typeof auth?.client_token !== 'string') throw new LeakwatchError(failed, 'Vault Kubernetes login returned no client_token')
    token = auth.client_token
    const lease = typeof auth.lease_duration === 'number' ? auth.lease_duration : 3600
    // Log in again at two thirds of the lease, before the token can expire mid-refresh.
    tokenExpiresAt = now() + (lease * 1000 * 2) / 3
  }

  return {
    async request(method, path, o = {}) {
      await login(o.signal)
      return await send(method, path, o.body, o.accept ?? [], o.signal)
    }
  }
}
