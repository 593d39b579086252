// A real Vault for tests: `vault server -dev` (in-memory storage, unsealed, KV v2 at secret/, every
// builtin engine available), built from the Go module proxy by build-servers.sh (see
// servers/vault/vault-v1.21.4.patch for why the build patches three lines) and started on a free loopback
// port with a root token made per start. VAULT_ADDR and VAULT_TOKEN point the tests at an existing Vault.

import { randomBytes } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { VaultClient } from '../../pipeline/vault-client.ts'
import { createVaultClient } from '../../pipeline/vault-client.ts'
import { ensureServerBinaries } from './kube.ts'
import { freePorts, readTail, spawnGuarded, waitReady } from './proc.ts'

export interface VaultServer {
  /** http://127.0.0.1:<port>, or VAULT_ADDR */
  address: string
  /** The root token (dev server), or VAULT_TOKEN. */
  token: string
  /** True when VAULT_ADDR named an existing Vault rather than one started here. */
  external: boolean
  startupMs: number
  stop(): Promise<void>
}

export interface StartVaultOptions {
  /** More `vault server` flags, after the harness's own, e.g. -dev-leased-kv. */
  args?: string[]
}

const STARTUP_TIMEOUT_MS = 60_000
const VAULT_HINT = 'or set VAULT_ADDR and VAULT_TOKEN to an existing Vault'

/** Status of GET /v1/sys/health: 200 only when initialized, unsealed and active. */
async function health(address: string): Promise<void> {
  const res = await fetch(`${address}/v1/sys/health`, { signal: AbortSignal.timeout(2000) })
  const body = await res.text()
  if (res.status !== 200) throw new Error(`GET ${address}/v1/sys/health: ${res.status} ${body.slice(0, 300)}`)
}

/** Starts a Vault dev server on a free loopback port; stop() kills it (its storage is in memory). */
export async function startVault(options: StartVaultOptions = {}): Promise<VaultServer> {
  const bins = await ensureServerBinaries(['vault'], VAULT_HINT)
  const deadline = Date.now() + STARTUP_TIMEOUT_MS
  const t0 = performance.now()
  // A port picked free can be taken before the server binds it; one retry with a new port covers that race.
  for (let attempt = 1; ; attempt++) {
    const dir = mkdtempSync(join(tmpdir(), 'leakwatch-vault-'))
    const logFile = join(dir, 'vault.log')
    const [port] = (await freePorts(1)) as [number]
    const address = `http://127.0.0.1:${port}`
    const token = randomBytes(24).toString('base64url')
    const proc = spawnGuarded(
      bins.vault as string,
      [
        'server',
        '-dev',
        `-dev-root-token-id=${token}`,
        `-dev-listen-address=127.0.0.1:${port}`,
        // Otherwise the dev server writes its root token to ~/.vault-token, over a developer's own.
        '-dev-no-store-token',
        ...(options.args ?? [])
      ],
      dir,
      logFile
    )
    try {
      await waitReady('vault', proc, logFile, deadline, () => health(address))
      const startupMs = Math.round(performance.now() - t0)
      process.stderr.write(`[services] vault ready in ${startupMs} ms at ${address}\n`)
      return { address, token, external: false, startupMs, stop: () => proc.stop() }
    } catch (err) {
      const bindRace = /address already in use/i.test(readTail(logFile))
      await proc.stop()
      if (attempt >= 2 || !bindRace) throw err
    }
  }
}

let shared: Promise<VaultServer> | undefined

/** The Vault for a test file: the one VAULT_ADDR names when set (with VAULT_TOKEN), otherwise one started here once per process. */
export function getVault(options: StartVaultOptions = {}): Promise<VaultServer> {
  shared ??= (async () => {
    const address = process.env.VAULT_ADDR?.trim()
    if (address) {
      const token = process.env.VAULT_TOKEN?.trim()
      if (!token) throw new Error('VAULT_ADDR is set but VAULT_TOKEN is not: the tests need a token that can mount engines and create tokens')
      await health(address)
      return { address: address.replace(/\/+$/, ''), token, external: true, startupMs: 0, stop: async () => {} }
    }
    // Not stopped by the caller: the exit hook of proc.ts kills the server when the test process ends.
    return startVault(options)
  })()
  return shared
}

/** A client with the harness's root token, for a test to set Vault up as an operator would. */
export function vaultAdmin(vault: VaultServer): VaultClient {
  return createVaultClient({
    address: vault.address,
    auth: { method: 'token', token: vault.token },
    timeoutMs: 10_000,
    codes: { failed: 'LW_ERR_VAULT_FAILED', rejected: 'LW_ERR_VAULT_REJECTED' }
  })
}

let mounts = 0

/**
 * A new KV v2 mount of the test's own, named `<prefix>-<run>-<n>`: tests in one process share the Vault, and
 * a VAULT_ADDR Vault is shared between runs, so none writes where another reads.
 */
export async function kvMount(admin: VaultClient, prefix: string): Promise<string> {
  const name = `${prefix}-${process.pid.toString(36)}${Date.now().toString(36)}-${++mounts}`
  await admin.request('POST', `sys/mounts/${name}`, { body: { type: 'kv', options: { version: '2' } } })
  return name
}

/** Writes a KV v2 secret (a new version). */
export async function kvPut(admin: VaultClient, mount: string, path: string, data: Record<string, unknown>): Promise<void> {
  await admin.request('POST', `${mount}/data/${path}`, { body: { data } })
}

/** A token holding `policies` and nothing else (not even `default`): what an operator hands one component. */
export async function scopedToken(admin: VaultClient, policies: string[], ttl: string): Promise<string> {
  const created = (await admin.request('POST', 'auth/token/create', { body: { policies, no_default_policy: true, ttl } })).json as {
    auth: { client_token: string }
  }
  return created.auth.client_token
}
