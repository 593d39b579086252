// Vault KV v2 as a source of known values, re-read on an interval (KV has no
// watch). Paths ending in `/` are listed recursively through the metadata
// endpoint. Database static roles' current passwords (`<mount>/static-creds/<role>`)
// are read the same way: Vault rotates them on its own schedule and only Vault
// knows them, so an application logging one is caught by value wherever it
// lands, not only inside a connection URL a rule recognises, and the finding
// names the role to rotate. Auth is a token, or Kubernetes auth (pipeline/vault-client.ts
// logs in and renews). A refresh that fails leaves the index as it was; a secret or
// field that is gone from Vault leaves the index at the next good refresh.
//
// Vault answers in JSON, so a value briefly exists as a JS string while the
// response is parsed; it is turned into a Buffer for the index at once and
// the response object dropped (the heap-snapshot test checks nothing stays).

import type { Logger } from '../../pipeline/log.ts'
import type { VaultAuth, VaultResponse } from '../../pipeline/vault-client.ts'
import { createVaultClient } from '../../pipeline/vault-client.ts'
import type { KnownSecretIndex } from './index.ts'
import type { SkipReason } from './skip.ts'
import type { KnownSecretSource } from './source-kubernetes.ts'
import type { SourceState } from './source-state.ts'
import { createPoller, createSyncState } from './source-state.ts'

export interface VaultSourceOptions {
  address: string
  mount: string
  /** Paths in the mount; a trailing `/` reads every secret below it. */
  paths: readonly string[]
  auth: VaultAuth
  /** Vault Enterprise namespace (X-Vault-Namespace). */
  namespace?: string
  refreshIntervalMs: number
  timeoutMs: number
  /** Most secrets read per refresh: a path that lists far more than expected is cut, not followed for ever. */
  maxSecrets?: number
  /** Database secrets engines whose static roles' passwords are indexed; `roles` unset = every static role (LIST). */
  staticRoles?: ReadonlyArray<{ mount: string; roles?: readonly string[] | undefined }>
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
  const mount = opts.mount.replace(/^\/+|\/+$/g, '')
  // Every failure is retried at the next refresh, so one code (retriable) for all.
  const vault = createVaultClient(
    {
      address: opts.address,
      auth: opts.auth,
      namespace: opts.namespace,
      timeoutMs: opts.timeoutMs,
      codes: { failed: 'LW_ERR_KNOWN_SECRETS_SOURCE', rejected: 'LW_ERR_KNOWN_SECRETS_SOURCE' }
    },
    {
      ...(deps.fetch === undefined ? {} : { fetch: deps.fetch }),
      ...(deps.readFile === undefined ? {} : { readFile: deps.readFile })
    }
  )
  const sync = createSyncState(deps.onState)
  const call = (path: string): Promise<VaultResponse> => vault.request('GET', path, { accept: [404] })

  async function list(path: string, out: string[]): Promise<void> {
    // LIST as `GET ?list=true`, which Vault documents as equivalent: proxies and HTTP stacks that only know the standard methods pass it.
    const { status, json } = await call(`${mount}/metadata/${path}?list=true`)
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
      const paths: string[] = []
      for (const p of opts.paths) {
        const clean = p.replace(/^\/+/, '')
        if (clean === '' || clean.endsWith('/')) await list(clean, paths)
        else paths.push(clean)
      }
      const seen = new Set<string>()
      const dbMounts = new Set<string>()
      for (const db of opts.staticRoles ?? []) {
        const dbMount = db.mount.replace(/^\/+|\/+$/g, '')
        dbMounts.add(dbMount)
        let roles = db.roles
        if (roles === undefined) {
          const listed = await call(`${dbMount}/static-roles?list=true`)
          const keys = listed.status === 404 ? [] : (((listed.json.data as { keys?: unknown } | undefined)?.keys ?? []) as unknown[])
          roles = keys.filter((k): k is string => typeof k === 'string').slice(0, opts.maxSecrets ?? 10_000)
        }
        for (const role of roles) {
          const { status, json } = await call(`${dbMount}/static-creds/${encodeURIComponent(role)}`)
          if (status === 404) continue
          const password = (json.data as { password?: unknown } | undefined)?.password
          if (typeof password !== 'string') {
            deps.onSkip?.('not-text')
            continue
          }
          // The same origin shape as a KV field, so findings, secretRef and the rotation action need no new kind:
          // the path `static-creds/<role>` is what `vault-rotate-role` reads the role from.
          const origin = { source: 'vault' as const, mount: dbMount, path: `static-creds/${role}`, field: 'password' }
          const r = deps.index.set(origin, Buffer.from(password, 'utf8'))
          if (r !== 'indexed') deps.onSkip?.(r)
          seen.add(`vault/${dbMount}/static-creds/${role}#password`)
        }
      }
      for (const path of paths) {
        const { status, json } = await call(`${mount}/data/${path}`)
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
      for (const m of [mount, ...dbMounts]) for (const k of deps.index.keys(`vault/${m}/`)) if (!seen.has(k)) deps.index.delete(k)
      sync.set('synced')
    } catch (err) {
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
