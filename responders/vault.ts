// Vault rotation over its HTTP API (no client library: three endpoints):
//   vault-rotate-role   POST /v1/<mount>/rotate-role/<role>        database static role: new password now
//   vault-revoke-lease  PUT  /v1/sys/leases/revoke {lease_id}       the dynamic secret's lease (named by the incident),
//                       PUT  /v1/sys/leases/revoke-prefix/<prefix>  or every lease under a role's prefix
//   vault-kv-generate   GET then POST /v1/<mount>/data/<path>        a new KV v2 version with a generated value for
//                                                                    one key, the other keys kept, check-and-set on
//                                                                    the version read so a concurrent write is not lost
// Standby and sealed nodes (429/472/473/503), 5xx and timeouts are retried;
// 400/403/404 are final. The generated value is never logged or returned.

import { LeakwatchError } from '../pipeline/errors.ts'
import type { RotationAction } from './config.ts'
import type { Incident } from './incidents.ts'
import { generateValue } from './kubernetes.ts'
import { parseRetryAfter } from './webhook.ts'

export interface VaultOptions {
  address: string
  token: string
  namespace?: string | undefined
  timeoutMs: number
}

function seg(s: string): string {
  return s
    .split('/')
    .filter((p) => p !== '')
    .map(encodeURIComponent)
    .join('/')
}

export function createVaultRotator(opts: VaultOptions, deps: { fetch?: typeof fetch } = {}) {
  const doFetch = deps.fetch ?? fetch
  const base = opts.address.replace(/\/+$/, '')

  async function call(method: string, path: string, body?: unknown): Promise<Record<string, unknown> | undefined> {
    const headers: Record<string, string> = { 'x-vault-token': opts.token, 'x-vault-request': 'true' }
    if (opts.namespace !== undefined) headers['x-vault-namespace'] = opts.namespace
    if (body !== undefined) headers['content-type'] = 'application/json'
    let res: Response
    try {
      res = await doFetch(`${base}/v1/${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        redirect: 'manual',
        signal: AbortSignal.timeout(opts.timeoutMs)
      })
    } catch (err) {
      throw new LeakwatchError('LW_ERR_VAULT_FAILED', `vault ${method} ${path}: unreachable or timed out`, { cause: err })
    }
    const text = await res.text()
    if (res.ok) return text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>)
    const retriable = res.status === 408 || res.status === 412 || res.status === 429 || res.status >= 472
    // Vault's error bodies are `{"errors": [...]}` messages about the request, never secret data.
    let why = ''
    try {
      why = ((JSON.parse(text) as { errors?: string[] }).errors ?? []).join('; ').slice(0, 200)
    } catch {}
    const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), Date.now())
    throw new LeakwatchError(
      retriable ? 'LW_ERR_VAULT_FAILED' : 'LW_ERR_VAULT_REJECTED',
      `vault ${method} ${path}: HTTP ${res.status}${why === '' ? '' : ` (${why})`}`,
      {
        ...(retryAfterMs === undefined ? {} : { details: { retryAfterMs } })
      }
    )
  }

  function need(v: string | undefined, what: string, type: string): string {
    if (v === undefined || v === '') throw new LeakwatchError('LW_ERR_ACTION_UNSUPPORTED', `${type} needs ${what}`)
    return v
  }

  return {
    async run(action: RotationAction, incident: Incident): Promise<string> {
      switch (action.type) {
        case 'vault-rotate-role': {
          const mount = need(action.mount, 'mount', action.type)
          const role = need(action.role, 'role', action.type)
          await call('POST', `${seg(mount)}/rotate-role/${encodeURIComponent(role)}`)
          return `rotated static role ${mount}/${role}`
        }
        case 'vault-revoke-lease': {
          const lease = incident.secretRef?.type === 'vault' ? incident.secretRef.leaseId : undefined
          if (lease !== undefined) {
            await call('PUT', 'sys/leases/revoke', { lease_id: lease })
            return `revoked lease ${lease}`
          }
          const prefix = need(action.leasePrefix, 'a lease id on the incident or leasePrefix', action.type)
          await call('PUT', `sys/leases/revoke-prefix/${seg(prefix)}`)
          return `revoked every lease under ${prefix}`
        }
        case 'vault-kv-generate': {
          const mount = need(action.mount, 'mount', action.type)
          // The known-secrets detector names a Vault value `<mount>/<path>`; the mount is the action's.
          const named =
            incident.secretRef?.type === 'vault'
              ? incident.secretRef.name?.replace(new RegExp(`^${mount.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/`), '')
              : undefined
          const path = need(action.path ?? named, 'path', action.type)
          const key = need(action.key ?? incident.secretRef?.key, 'key', action.type)
          let current: Record<string, unknown> = {}
          let version = 0
          try {
            const r = (await call('GET', `${seg(mount)}/data/${seg(path)}`)) as { data?: { data?: Record<string, unknown>; metadata?: { version?: number } } }
            current = r?.data?.data ?? {}
            version = r?.data?.metadata?.version ?? 0
          } catch (err) {
            // A path that does not exist yet is created (cas 0); anything else is an error.
            if (!(err instanceof LeakwatchError && / HTTP 404/.test(err.message))) throw err
          }
          const value = generateValue(action.lengthChars ?? 32, 'alnum')
          const r = (await call('POST', `${seg(mount)}/data/${seg(path)}`, { options: { cas: version }, data: { ...current, [key]: value } })) as {
            data?: { version?: number }
          }
          return `wrote version ${r?.data?.version ?? version + 1} of ${mount}/${path} with a new ${key}`
        }
        default:
          throw new LeakwatchError('LW_ERR_ACTION_UNSUPPORTED', `${action.type} is not a Vault action`)
      }
    }
  }
}
