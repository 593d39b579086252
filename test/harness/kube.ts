// A real Kubernetes API server for tests: etcd plus kube-apiserver, built from the Go module proxy by
// build-servers.sh (no Docker, no release downloads here) and started on free loopback ports. No
// scheduler, controller-manager or kubelet: objects are stored and served, pods stay Pending, and a
// namespace deletion never finishes. KUBECONFIG points the tests at an existing cluster instead.

import { spawn } from 'node:child_process'
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Guarded } from './proc.ts'
import { freePorts, readTail, spawnGuarded, tail, waitReady } from './proc.ts'

export interface KubeAuditOptions {
  /** Audit policy YAML; the default records every request and response body (RequestResponse), without the RequestReceived stage. */
  policy?: string
  /** Where the API server POSTs audit.k8s.io/v1 EventList batches; without it only the log file is written. */
  webhookUrl?: string
  /** How long the webhook backend collects events before it sends a batch. Default 100 ms (Kubernetes' own: 30 s). */
  batchMaxWaitMs?: number
}

export interface KubeAudit {
  /** JSON lines, one audit.k8s.io/v1 Event each. */
  logPath: string
  policyPath: string
  webhookConfigPath?: string
}

export interface KubeCluster {
  /** https://127.0.0.1:<port> */
  server: string
  /** Bearer token of user "leakwatch-admin" in group system:masters; empty for a KUBECONFIG cluster. */
  token: string
  /** Base64 PEM bundle that verifies the server certificate; empty for a KUBECONFIG cluster. */
  caData: string
  kubeconfigPath: string
  /** True when KUBECONFIG named an existing cluster rather than one started here. */
  external: boolean
  audit?: KubeAudit
  startupMs: { etcd: number; apiserver: number }
  stop(): Promise<void>
  /**
   * Stops kube-apiserver and starts it again on the same port, certificates, tokens and etcd: what a client
   * sees when the control plane is upgraded or crashes. Resolves when /readyz answers again. Absent for a
   * KUBECONFIG cluster.
   */
  restartApiserver?: (opts?: { whileDown?: () => Promise<void> }) => Promise<void>
  /** Compacts etcd's history at its current revision (returned): a watch resuming from before it gets 410 Gone. Absent for a KUBECONFIG cluster. */
  compactEtcd?: () => Promise<number>
}

export interface StartKubeOptions {
  audit?: KubeAuditOptions
  /** More kube-apiserver flags, after the harness's own (a later flag wins), e.g. --feature-gates. */
  apiserverArgs?: string[]
}

const STARTUP_TIMEOUT_MS = 90_000
// A cold build of kube-apiserver takes 6-14 min on two cores; a test run that has to build waits for it.
const BUILD_TIMEOUT_MS = 40 * 60_000
const KUBE_HINT = 'or set KUBECONFIG to an existing cluster'
const buildScript = join(import.meta.dirname, 'build-servers.sh')

export const DEFAULT_AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
  - level: RequestResponse
`

/**
 * Paths of the server binaries, building the missing ones first (minutes, once per machine). `hint` ends
 * each error: how to run the tests without building (vault.ts passes its own).
 */
export function ensureServerBinaries(names: string[], hint = KUBE_HINT): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    // stderr is passed on as it comes (a cold build is long) and kept for the error: go's own messages say what failed.
    const child = spawn('bash', [buildScript, ...names], { stdio: ['ignore', 'pipe', 'pipe'], timeout: BUILD_TIMEOUT_MS })
    let out = ''
    let err = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d
    })
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      err += d
      process.stderr.write(d)
    })
    child.once('error', (e) => reject(new Error(`could not run ${buildScript}: ${e.message}; ${hint}`)))
    child.once('close', (code, signal) => {
      if (code !== 0) {
        reject(new Error(`${buildScript} ${names.join(' ')} failed (${signal ?? `exit ${code}`}); needs go and the Go module proxy, ${hint}\n${tail(err)}`))
        return
      }
      const paths: Record<string, string> = {}
      for (const line of out.split('\n')) {
        const [name, path] = line.split(' ', 2)
        if (name !== undefined && path !== undefined) paths[name] = path
      }
      const missing = names.filter((n) => paths[n] === undefined)
      if (missing.length > 0) reject(new Error(`${buildScript} did not report ${missing.join(', ')}:\n${out}`))
      else resolve(paths)
    })
  })
}

/** GET on a loopback server; resolves with the body on a 2xx. TLS is not verified: only readiness is asked. */
function get(url: string, token?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = url.startsWith('https:') ? httpsRequest : httpRequest
    const req = request(url, { timeout: 2000, rejectUnauthorized: false, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (d: string) => {
        body += d
      })
      res.on('end', () => {
        const status = res.statusCode ?? 0
        if (status >= 200 && status < 300) resolve(body)
        else reject(new Error(`GET ${url}: ${status} ${body.slice(0, 300)}`))
      })
    })
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)))
    req.on('error', reject)
    req.end()
  })
}

/** POST of a JSON body to etcd's gRPC-gateway (/v3/...); resolves with the parsed answer on a 2xx. */
function etcdPost(url: string, body: unknown): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body)
    const req = httpRequest(url, { method: 'POST', timeout: 5000, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (d: string) => {
        text += d
      })
      res.on('end', () => {
        const status = res.statusCode ?? 0
        if (status >= 200 && status < 300) resolve(JSON.parse(text) as Record<string, unknown>)
        else reject(new Error(`POST ${url}: ${status} ${text.slice(0, 300)}`))
      })
    })
    req.on('timeout', () => req.destroy(new Error(`POST ${url} timed out`)))
    req.on('error', reject)
    req.end(data)
  })
}

/** Compacts etcd at its current revision through the gRPC-gateway (etcdctl is not built here). */
async function compactEtcd(etcdUrl: string): Promise<number> {
  // A range read of one key returns the store's current revision in its header; count_only keeps the answer small.
  const range = await etcdPost(`${etcdUrl}/v3/kv/range`, { key: Buffer.from('\0').toString('base64'), count_only: true })
  const revision = Number((range.header as { revision?: string } | undefined)?.revision)
  if (!Number.isInteger(revision) || revision <= 0) throw new Error(`etcd range: no revision in ${JSON.stringify(range)}`)
  // physical: the answer comes after the old revisions are gone, not just scheduled to go.
  await etcdPost(`${etcdUrl}/v3/kv/compaction`, { revision: String(revision), physical: true })
  return revision
}

function kubeconfig(server: string, caData: string, token: string): string {
  // JSON is YAML, and every kubeconfig reader takes it.
  return JSON.stringify(
    {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'leakwatch-test', cluster: { server, 'certificate-authority-data': caData } }],
      users: [{ name: 'leakwatch-admin', user: { token } }],
      contexts: [{ name: 'leakwatch-test', context: { cluster: 'leakwatch-test', user: 'leakwatch-admin' } }],
      'current-context': 'leakwatch-test'
    },
    null,
    2
  )
}

async function startEtcd(bin: string, deadline: number): Promise<{ url: string; proc: Guarded; startupMs: number }> {
  const t0 = performance.now()
  // A port picked free can be taken before the server binds it; one retry with new ports covers that race.
  for (let attempt = 1; ; attempt++) {
    const dir = mkdtempSync(join(tmpdir(), 'leakwatch-etcd-'))
    const logFile = join(dir, 'etcd.log')
    const [client, peer] = (await freePorts(2)) as [number, number]
    const url = `http://127.0.0.1:${client}`
    const peerUrl = `http://127.0.0.1:${peer}`
    const proc = spawnGuarded(
      bin,
      [
        '--name=leakwatch',
        `--data-dir=${join(dir, 'data')}`,
        `--listen-client-urls=${url}`,
        `--advertise-client-urls=${url}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=leakwatch=${peerUrl}`,
        // The data is thrown away after the run; fsync would only slow every write on a shared disk.
        '--unsafe-no-fsync',
        '--log-level=warn'
      ],
      dir,
      logFile
    )
    try {
      await waitReady('etcd', proc, logFile, deadline, async () => {
        const health = JSON.parse(await get(`${url}/health`)) as { health?: string }
        if (health.health !== 'true') throw new Error(`etcd /health: ${JSON.stringify(health)}`)
      })
      return { url, proc, startupMs: Math.round(performance.now() - t0) }
    } catch (err) {
      const bindRace = /address already in use/i.test(readTail(logFile))
      await proc.stop()
      if (attempt >= 2 || !bindRace) throw err
    }
  }
}

function writeAudit(dir: string, options: KubeAuditOptions): { audit: KubeAudit; flags: string[] } {
  const policyPath = join(dir, 'audit-policy.yaml')
  const logPath = join(dir, 'audit.log')
  writeFileSync(policyPath, options.policy ?? DEFAULT_AUDIT_POLICY)
  const flags = [`--audit-policy-file=${policyPath}`, `--audit-log-path=${logPath}`, '--audit-log-format=json']
  const audit: KubeAudit = { logPath, policyPath }
  if (options.webhookUrl !== undefined) {
    const webhookConfigPath = join(dir, 'audit-webhook.kubeconfig')
    writeFileSync(
      webhookConfigPath,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'audit-sink', cluster: { server: options.webhookUrl } }],
        users: [{ name: 'kube-apiserver', user: {} }],
        contexts: [{ name: 'audit', context: { cluster: 'audit-sink', user: 'kube-apiserver' } }],
        'current-context': 'audit'
      })
    )
    flags.push(
      `--audit-webhook-config-file=${webhookConfigPath}`,
      '--audit-webhook-mode=batch',
      `--audit-webhook-batch-max-wait=${options.batchMaxWaitMs ?? 100}ms`
    )
    audit.webhookConfigPath = webhookConfigPath
  }
  return { audit, flags }
}

/** Starts etcd and kube-apiserver on free loopback ports, with an admin token and RBAC; stop() kills both and removes their files. */
export async function startKube(options: StartKubeOptions = {}): Promise<KubeCluster> {
  const bins = await ensureServerBinaries(['etcd', 'kube-apiserver'])
  const deadline = Date.now() + STARTUP_TIMEOUT_MS
  const etcd = await startEtcd(bins.etcd as string, deadline)
  process.stderr.write(`[services] etcd ready in ${etcd.startupMs} ms at ${etcd.url}\n`)
  try {
    return await startApiserver(bins['kube-apiserver'] as string, etcd, options, deadline)
  } catch (err) {
    await etcd.proc.stop()
    throw err
  }
}

async function startApiserver(
  bin: string,
  etcd: { url: string; proc: Guarded; startupMs: number },
  options: StartKubeOptions,
  deadline: number
): Promise<KubeCluster> {
  const t0 = performance.now()
  for (let attempt = 1; ; attempt++) {
    const dir = mkdtempSync(join(tmpdir(), 'leakwatch-kube-apiserver-'))
    const logFile = join(dir, 'kube-apiserver.log')
    const certDir = join(dir, 'certs')
    const [port] = (await freePorts(1)) as [number]
    const server = `https://127.0.0.1:${port}`
    // Made per start and kept only in the temp dir: the service-account signing key and the admin token.
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    writeFileSync(join(dir, 'sa.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 })
    writeFileSync(join(dir, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }))
    const token = randomBytes(32).toString('base64url')
    writeFileSync(join(dir, 'tokens.csv'), `${token},leakwatch-admin,leakwatch-admin,"system:masters"\n`, { mode: 0o600 })
    const audit = options.audit === undefined ? undefined : writeAudit(dir, options.audit)
    const args = [
      `--etcd-servers=${etcd.url}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${port}`,
      `--cert-dir=${certDir}`,
      `--token-auth-file=${join(dir, 'tokens.csv')}`,
      '--authorization-mode=RBAC',
      `--service-account-issuer=${server}`,
      `--service-account-key-file=${join(dir, 'sa.pub')}`,
      `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
      '--service-cluster-ip-range=10.0.0.0/24',
      // Without a controller-manager no namespace gets its "default" service account, and this plugin
      // would refuse every pod that does not name an existing one.
      '--disable-admission-plugins=ServiceAccount',
      ...(audit?.flags ?? []),
      ...(options.apiserverArgs ?? [])
    ]
    let proc = spawnGuarded(bin, args, dir, logFile)
    const ready = (until: number) => waitReady('kube-apiserver', proc, logFile, until, () => get(`${server}/readyz`, token).then(() => undefined))
    try {
      // /readyz turns 200 only after the post-start hooks ran, RBAC's bootstrap roles included.
      await ready(deadline)
      // Written by --cert-dir before the port opens: the serving certificate followed by the CA that signed it.
      const caData = readFileSync(join(certDir, 'apiserver.crt')).toString('base64')
      const kubeconfigPath = join(dir, 'kubeconfig')
      writeFileSync(kubeconfigPath, kubeconfig(server, caData, token), { mode: 0o600 })
      const startupMs = Math.round(performance.now() - t0)
      process.stderr.write(`[services] kube-apiserver ready in ${startupMs} ms at ${server}\n`)
      const cluster: KubeCluster = {
        server,
        token,
        caData,
        kubeconfigPath,
        external: false,
        startupMs: { etcd: etcd.startupMs, apiserver: startupMs },
        async stop() {
          await proc.stop()
          await etcd.proc.stop()
        },
        async restartApiserver(opts = {}) {
          // halt, not stop: the directory holds the certificates, keys and token file the new process reuses.
          await proc.halt()
          await opts.whileDown?.()
          proc = spawnGuarded(bin, args, dir, logFile)
          const t1 = performance.now()
          await ready(Date.now() + STARTUP_TIMEOUT_MS)
          process.stderr.write(`[services] kube-apiserver restarted in ${Math.round(performance.now() - t1)} ms at ${server}\n`)
        },
        compactEtcd: () => compactEtcd(etcd.url)
      }
      if (audit !== undefined) cluster.audit = audit.audit
      return cluster
    } catch (err) {
      const bindRace = /address already in use/i.test(readTail(logFile))
      await proc.stop()
      if (attempt >= 2 || !bindRace) throw err
    }
  }
}

let shared: Promise<KubeCluster> | undefined

/**
 * The cluster for a test file: the one KUBECONFIG names when set (server, token and caData are then
 * left empty: read them from the kubeconfig), otherwise one started here once per process.
 */
export function getKube(options: StartKubeOptions = {}): Promise<KubeCluster> {
  shared ??= (async () => {
    const kubeconfigPath = process.env.KUBECONFIG?.trim()
    if (kubeconfigPath) {
      return { server: '', token: '', caData: '', kubeconfigPath, external: true, startupMs: { etcd: 0, apiserver: 0 }, stop: async () => {} }
    }
    // Not stopped by the caller: the exit hooks of proc.ts kill both servers when the test process ends.
    return startKube(options)
  })()
  return shared
}
