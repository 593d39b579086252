// Vault KV v2 as a source of known values, re-read on an interval (KV has no
// watch). Paths ending in `/` are listed recursively through the metadata
// endpoint. Auth is a token, or Kubernetes auth: the pod's service-account
// JWT exchanged for a Vault token, renewed by logging in again before its
// lease ends. A refresh that fails leaves the index as it was; a secret or
// field that is gone from Vault leaves the index at the next good refresh.
//
// Vault answers in JSON, so a value briefly exists as a JS string while the
// response is parsed; it is turned into a Buffer for the index at once and
// the response object dropped (the heap-snapshot test checks nothing stays).

import { readFile } from 'node:fs/promises'
import { LeakwatchError } from '../../pipeline/errors.ts'
import type { Logger } from '../../pipeline/log.ts'
import type { KnownSecretIndex, SkipReason } from './index.ts'
import type { KnownSecretSource } from './source-kubernetes.ts'
import type { SourceState } from './source-state.ts'
import { createPoller, createSyncState } from './source-state.ts'

export interface VaultSourceOptions {
  address: string
  mount: string
  /** Paths in the mount; a trailing `/` reads every secret below it. */
  paths: readonly string[]
  auth: { method: 'token'; token: string } | { method: 'kubernetes'; role: string; authMount: string; jwtPath: string }
  /** Vault Enterprise namespace (X-Vault-Namespace). */
  namespace?: string
  refreshIntervalMs: number
  timeoutMs: number
  /** Most secrets read per refresh: a path that lists far more than expected is cut, not followed for ever. */
  maxSecrets?: number
}

export interface VaultSourceDeps {
  index: KnownSecretIndex
  logger: Logger
  fetch?: typeof fetch
  readFile?: (path: string) => Promise<string>
  onSkip?: (reason: SkipReason | 'not-text') => void
  onState?: (state: SourceState) => void
}

export function createVaultSource(opts: VaultSourceOptions, deps: VaultSourceDeps): KnownSecretSource & { refresh: () => Promise<void> } {
  const log = deps.logger.child({ component: 'known-secrets-vault' })
  const doFetch = deps.fetch ?? fetch
  const read = deps.readFile ?? (async (p: string) => await readFile(p, 'utf8'))
  const base = opts.address.replace(/\/+$/, '')
  const mount = opts.mount.replace(/^\/+|\/+$/g, '')
  let token: string | undefined = opts.auth.method === 'token' ? opts.auth.token : undefined
  let tokenExpiresAt = Number.POSITIVE_INFINITY
  const sync = createSyncState(deps.onState)

  async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
    const headers: Record<string, string> = { accept: 'application/json' }
    if (token !== undefined) headers['x-vault-token'] = token
    if (opts.namespace !== undefined) headers['x-vault-namespace'] = opts.namespace
    if (body !== undefined) headers['content-type'] = 'application/json'
    let res: Response
    try {
      res = await doFetch(`${base}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        redirect: 'manual',
        signal: AbortSignal.timeout(opts.timeoutMs)
      })
    } catch (err) {
      throw new LeakwatchError('LW_ERR_KNOWN_SECRETS_SOURCE', `Vault ${method} ${path}: ${(err as Error).message}`, { cause: err })
    }
    const text = await res.text()
    const json = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>)
    if (res.status === 404) return { status: 404, json }
    if (res.status >= 300) {
      const errors = Array.isArray(json.errors) ? json.errors.join('; ').slice(0, 200) : ''
      throw new LeakwatchError('LW_ERR_KNOWN_SECRETS_SOURCE', `Vault ${method} ${path} answered ${res.status} ${errors}`, { details: { status: res.status } })
    }
    return { status: res.status, json }
  }

  async function login(): Promise<void> {
    if (opts.auth.method !== 'kubernetes') return
    if (token !== undefined && Date.now() < tokenExpiresAt) return
    const jwt = (await read(opts.auth.jwtPath)).trim()
    const { json } = await call('POST', `/v1/auth/${opts.auth.authMount}/login`, { role: opts.auth.role, jwt })
    const auth = json.auth as { client_token?: string; lease_duration?: number } | undefined
    if (auth?.client_token === undefined) throw new LeakwatchError('LW_ERR_KNOWN_SECRETS_SOURCE', 'Vault Kubernetes login returned no client_token')
    token = auth.client_token
    // Log in again at two thirds of the lease, before the token can expire mid-refresh.
    tokenExpiresAt = Date.now() + ((auth.lease_duration ?? 3600) * 1000 * 2) / 3
  }

  async function list(path: string, out: string[]): Promise<void> {
    // LIST as `GET ?list=true`, which Vault documents as equivalent: proxies and HTTP stacks that only know the standard methods pass it.
    const { status, json } = await call('GET', `/v1/${mount}/metadata/${path}?list=true`)
    if (status === 404) return
    const keys = ((json.data as { keys?: unknown } | undefined)?.keys ?? []) as unknown[]
    for (const k of keys) {
      if (typeof k !== 'string') continue
      if (out.length >= (opts.maxSecrets ?? 10_000)) return
      if (k.endsWith('/')) await list(`${path}${k}`, out)
      else out.push(`${path}${k}`)
    }
  }

  async function refresh(): Promise<void> {
    try {
      await login()
      const paths: string[] = []
      for (const p of opts.paths) {
        const clean = p.replace(/^\/+/, '')
        if (clean === '' || clean.endsWith('/')) await list(clean, paths)
        else paths.push(clean)
      }
      const seen = new Set<string>()
      for (const path of paths) {
        const { status, json } = await call('GET', `/v1/${mount}/data/${path}`)
        if (status === 404) continue
        const fields = ((json.data as { data?: unknown } | undefined)?.data ?? {}) as Record<string, unknown>
        for (const [field, value] of Object.entries(fields)) {
          if (typeof value !== 'string') {
            deps.onSkip?.('not-text')
            continue
          }
          const origin = { source: 'vault' as const, mount, path, field }
          const r = deps.index.set(origin, Buffer.from(value, 'utf8'))
          if (r !== 'indexed') deps.onSkip?.(r)
          seen.add(`vault/${mount}/${path}#${field}`)
        }
      }
      // Only a complete refresh may forget: a failed read above threw before this line.
      for (const k of deps.index.keys(`vault/${mount}/`)) if (!seen.has(k)) deps.index.delete(k)
      sync.set('synced')
    } catch (err) {
      if (err instanceof LeakwatchError && err.details?.status === 403) token = opts.auth.method === 'kubernetes' ? undefined : token
      sync.set('unavailable')
      log.warn({ code: (err as { code?: string }).code, reason: (err as Error).message }, 'Vault refresh failed; the index keeps what it had')
    }
  }

  const poller = createPoller(refresh, opts.refreshIntervalMs)

  return {
    refresh,
    start: poller.start,
    synced: sync.synced,
    state: sync.get,
    stop: poller.stop
  }
}
