// Vault rotation over its HTTP API (no client library: three endpoints):
//   vault-rotate-role   POST /v1/<mount>/rotate-role/<role>        database static role: new password now
//   vault-revoke-lease  PUT  /v1/sys/leases/revoke {lease_id}       the dynamic secret's lease (named by the incident),
//                       PUT  /v1/sys/leases/revoke-prefix/<prefix>  or every lease under a role's prefix
//   vault-kv-generate   GET then POST /v1/<mount>/data/<path>        a new KV v2 version with a generated value for
//                                                                    one key, the other keys kept, check-and-set on
//                                                                    the version read so a concurrent write is not lost
// Standby and sealed nodes (429/472/473/503), 5xx and timeouts are retried;
// 400/403/404 are final. The generated value is never logged or returned.

import { parseRetryAfter } from '../pipeline/backoff.ts'
import { LeakwatchError } from '../pipeline/errors.ts'
import type { VaultResponse } from '../pipeline/vault-client.ts'
import { createVaultClient } from '../pipeline/vault-client.ts'
import type { RotationAction } from './config.ts'
import type { Incident } from './incidents.ts'
import { generateValue } from './kubernetes.ts'

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
  // Rotation jobs retry what is retriable and dead-letter the rest, so the two codes.
  const vault = createVaultClient(
    {
      address: opts.address,
      auth: { method: 'token', token: opts.token },
      namespace: opts.namespace,
      timeoutMs: opts.timeoutMs,
      codes: { failed: 'LW_ERR_VAULT_FAILED', rejected: 'LW_ERR_VAULT_REJECTED' }
    },
    { ...(deps.fetch === undefined ? {} : { fetch: deps.fetch }), retryAfterMs: (h) => parseRetryAfter(h, Date.now()) }
  )

  async function call(method: string, path: string, body?: unknown, accept: readonly number[] = []): Promise<VaultResponse> {
    return await vault.request(method, path, body === undefined ? { accept } : { body, accept })
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
          // Unset: the role whose password the known-secrets index found (its Vault source reads
          // `<mount>/static-creds/<role>`), so one policy entry covers every role of the mount.
          const ref = incident.secretRef?.type === 'vault' ? incident.secretRef.name : undefined
          // The known-secrets source names the mount without slashes at either end; `database/` is the same mount.
          const bare = mount.replace(/^\/+|\/+$/g, '')
          const fromRef = ref?.startsWith(`${bare}/static-creds/`) === true ? ref.slice(bare.length + '/static-creds/'.length) : undefined
          const role = need(action.role ?? fromRef, "role (or a known-secret finding of the mount's static-creds)", action.type)
          await call('POST', `${seg(mount)}/rotate-role/${encodeURIComponent(role)}`)
          return `rotated static role ${bare}/${role}`
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
          // A path that does not exist yet (404) is created with cas 0.
          const got = (await call('GET', `${seg(mount)}/data/${seg(path)}`, undefined, [404])).json as {
            data?: { data?: Record<string, unknown>; metadata?: { version?: number } }
          }
          const current = got.data?.data ?? {}
          const version = got.data?.metadata?.version ?? 0
          const value = generateValue(action.lengthChars ?? 32, 'alnum')
          const r = (await call('POST', `${seg(mount)}/data/${seg(path)}`, { options: { cas: version }, data: { ...current, [key]: value } })).json as {
            data?: { version?: number }
          }
          return `wrote version ${r.data?.version ?? version + 1} of ${mount}/${path} with a new ${key}`
        }
        default:
          throw new LeakwatchError('LW_ERR_ACTION_UNSUPPORTED', `${action.type} is not a Vault action`)
      }
    }
  }
}
