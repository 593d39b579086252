// How the GitHub collector authenticates: a token from configuration (a
// fine-grained or classic PAT, or any token with `actions:read`), or a GitHub
// App. An App signs a short JWT (RS256) with its private key and trades it for
// an installation access token (`POST /app/installations/{id}/access_tokens`),
// which lives an hour; it is cached until shortly before it expires. The
// installation is the one a webhook delivery names, or the one installed on
// the repository (`GET /repos/{owner}/{repo}/installation`).
//
// Tokens and the key stay in this module's memory: errors name the status and
// the installation, never a credential.

import { createPrivateKey, createSign, type KeyObject } from 'node:crypto'
import { LeakwatchError } from '../../../pipeline/errors.ts'

export interface GithubAuth {
  /** The Authorization header value for a request about `repository`, with the installation a delivery named. */
  header: (repository: string, installationId?: number, signal?: AbortSignal) => Promise<string>
  /** A 401 answered with this header: forget it, the next call mints a new one. */
  invalidate: (header: string) => void
  readonly kind: 'token' | 'app'
}

export function tokenAuth(token: string): GithubAuth {
  const header = `Bearer ${token.trim()}`
  return { kind: 'token', header: async () => header, invalidate: () => {} }
}

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url')
}

/** An App JWT: issued a minute in the past against clock drift, valid 9 minutes (GitHub allows 10). */
export function appJwt(appId: string, key: KeyObject, nowMs: number): string {
  const iat = Math.floor(nowMs / 1000) - 60
  const head = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }))
  const body = b64url(JSON.stringify({ iat, exp: iat + 600 - 60, iss: appId }))
  const sig = createSign('RSA-SHA256').update(`${head}.${body}`).sign(key)
  return `${head}.${body}.${b64url(sig)}`
}

export interface AppAuthOptions {
  apiUrl: string
  appId: string
  privateKeyPem: string
  /** The installation to use when a request names none and the repository lookup is not wanted. */
  installationId?: number
  fetch?: typeof fetch
  now?: () => number
  timeoutMs: number
  userAgent: string
}

/** Installation tokens are renewed this long before GitHub says they expire. */
const RENEW_BEFORE_MS = 5 * 60 * 1000

export function appAuth(opts: AppAuthOptions): GithubAuth {
  const doFetch = opts.fetch ?? fetch
  const now = opts.now ?? Date.now
  let key: KeyObject
  try {
    key = createPrivateKey(opts.privateKeyPem)
  } catch (err) {
    throw new LeakwatchError('LW_ERR_CONFIG_INVALID', 'collector.github.app.privateKeyFile does not hold a PEM private key', { cause: err })
  }
  const api = opts.apiUrl.replace(/\/+$/, '')
  const tokens = new Map<number, { header: string; expiresAt: number }>()
  const byRepo = new Map<string, number>()
  const inflight = new Map<number, Promise<string>>()

  async function call(method: string, path: string, signal?: AbortSignal): Promise<unknown> {
    let res: Response
    try {
      res = await doFetch(`${api}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${appJwt(opts.appId, key, now())}`,
          accept: 'application/vnd.github+json',
          'x-github-api-version': '2022-11-28',
          'user-agent': opts.userAgent
        },
        redirect: 'error',
        signal: signal === undefined ? AbortSignal.timeout(opts.timeoutMs) : AbortSignal.any([signal, AbortSignal.timeout(opts.timeoutMs)])
      })
    } catch (err) {
      throw new LeakwatchError('LW_ERR_CI_FETCH_FAILED', `GitHub App token request unreachable or timed out (${method} ${path})`, { cause: err })
    }
    if (!res.ok) {
      await res.body?.cancel()
      const retriable = res.status === 429 || res.status >= 500
      throw new LeakwatchError(
        retriable ? 'LW_ERR_CI_FETCH_FAILED' : 'LW_ERR_CI_FETCH_REJECTED',
        `GitHub App ${method} ${path} answered HTTP ${res.status} (check collector.github.app.id, the private key and the installation)`
      )
    }
    return res.json()
  }

  async function mint(installationId: number, signal?: AbortSignal): Promise<string> {
    const body = (await call('POST', `/app/installations/${installationId}/access_tokens`, signal)) as { token?: unknown; expires_at?: unknown }
    if (typeof body.token !== 'string' || typeof body.expires_at !== 'string')
      throw new LeakwatchError('LW_ERR_CI_FETCH_REJECTED', `GitHub App installation ${installationId}: the token answer has no token or expiry`)
    const header = `Bearer ${body.token}`
    tokens.set(installationId, { header, expiresAt: Date.parse(body.expires_at) })
    return header
  }

  async function installationOf(repository: string, signal?: AbortSignal): Promise<number> {
    const known = byRepo.get(repository)
    if (known !== undefined) return known
    const body = (await call('GET', `/repos/${repository}/installation`, signal)) as { id?: unknown }
    if (typeof body.id !== 'number') throw new LeakwatchError('LW_ERR_CI_FETCH_REJECTED', `GitHub App is not installed on ${repository}`)
    byRepo.set(repository, body.id)
    return body.id
  }

  return {
    kind: 'app',
    async header(repository, installationId, signal) {
      const id = installationId ?? opts.installationId ?? (await installationOf(repository, signal))
      const cached = tokens.get(id)
      if (cached !== undefined && cached.expiresAt - RENEW_BEFORE_MS > now()) return cached.header
      // Concurrent jobs of one installation share one mint.
      let p = inflight.get(id)
      if (p === undefined) {
        p = mint(id, signal).finally(() => inflight.delete(id))
        inflight.set(id, p)
      }
      return p
    },
    invalidate(header) {
      for (const [id, t] of tokens) if (t.header === header) tokens.delete(id)
    }
  }
}
