// Findings on what real components write, not on our generator's lines (issue #15): the test harness's
// kube-apiserver (at -v=6), etcd and Vault dev server, their audit log, and the real kubectl at -v=9 (it
// hex-dumps protobuf bodies) and its output, while an operator's ordinary commands run: create a namespace,
// a Secret, a ConfigMap, a service account and a token for it, read them, bind a role, delete the Secret;
// write a KV secret to Vault and make a token. Every log is scanned with the built-in rules and each
// finding printed (rule, confidence, lines, context), so a reader can label them: the values the commands
// themselves pass (the Secret's password, the token, Vault's root token and unseal key) are true; anything
// else is a false positive.
//
//   node bench/real-components.ts [--keep DIR]
//
// Needs the harness's servers (test/harness/build-servers.sh builds them; minutes when cold). --keep copies
// the logs to DIR. The password is drawn here, at run time.

import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { appendFileSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BUILTIN_RULES } from '../detectors/rules/registry.ts'
import { createSecretDetector } from '../detectors/secrets.ts'
import { createFingerprinter } from '../pipeline/fingerprint.ts'
import { ensureServerBinaries, startKube } from '../test/harness/kube.ts'
import { kvMount, kvPut, scopedToken, startVault, vaultAdmin } from '../test/harness/vault.ts'
import { stdinChunk } from '../test/support/log-chunk.ts'

const keepAt = process.argv.indexOf('--keep')
const keep = keepAt > 0 ? process.argv[keepAt + 1] : undefined
const out = mkdtempSync(join(tmpdir(), 'leakwatch-real-components-'))
const password = randomBytes(15).toString('base64url')
const started = Date.now()
// The harness's server directories made by this run (a test run on the machine has its own).
const ours = (prefix: RegExp): string[] => readdirSync(tmpdir()).filter((n) => prefix.test(n) && statSync(join(tmpdir(), n)).mtimeMs >= started - 1000)

const kube = await startKube({ apiserverArgs: ['-v=6'], audit: {} })
const { kubectl } = await ensureServerBinaries(['kubectl'])
const k = (...args: string[]): void => {
  const r = spawnSync(kubectl as string, ['--kubeconfig', kube.kubeconfigPath, '-v=9', ...args], { encoding: 'utf8' })
  appendFileSync(join(out, 'kubectl-v9.log'), r.stderr)
  appendFileSync(join(out, 'kubectl-out.log'), `${r.stdout}\n`)
}
k('create', 'namespace', 'payments')
k('-n', 'payments', 'create', 'secret', 'generic', 'db', `--from-literal=password=${password}`)
k('-n', 'payments', 'create', 'configmap', 'app', '--from-literal=LOG_LEVEL=debug', '--from-literal=DB_HOST=db.payments.svc')
k('-n', 'payments', 'create', 'serviceaccount', 'api')
k('-n', 'payments', 'create', 'token', 'api')
k('-n', 'payments', 'get', 'secrets', '-o', 'yaml')
k('-n', 'payments', 'get', 'secret', 'missing')
k('auth', 'can-i', 'list', 'secrets', '--as', 'system:serviceaccount:payments:api', '-n', 'payments')
k('-n', 'payments', 'create', 'role', 'reader', '--verb=get,list', '--resource=secrets,configmaps')
k('-n', 'payments', 'create', 'rolebinding', 'reader', '--role=reader', '--serviceaccount=payments:api')
k('-n', 'payments', 'delete', 'secret', 'db')
k('get', 'ns')
k('-n', 'payments', 'run', 'x', '--image=nginx', '--dry-run=server', '-o', 'yaml')
const vault = await startVault()
const admin = vaultAdmin(vault)
const mount = await kvMount(admin, 'real')
await kvPut(admin, mount, 'app/db', { password })
await scopedToken(admin, ['default'], '1h')
// The dev server prints its banner (root token, unseal key) after it answers: wait for it, at most 10 s.
const vaultLog = (): string => {
  const d = ours(/^leakwatch-vault-/)[0]
  return d === undefined ? '' : readFileSync(join(tmpdir(), d, 'vault.log'), 'utf8')
}
for (const until = Date.now() + 10_000; !vaultLog().includes('Root Token:') && Date.now() < until; ) await new Promise((r) => setTimeout(r, 100))
// The servers' own logs, copied before stop() removes their directories.
for (const d of ours(/^leakwatch-(kube-apiserver|etcd|vault)-/))
  for (const f of readdirSync(join(tmpdir(), d)).filter((n) => n.endsWith('.log'))) cpSync(join(tmpdir(), d, f), join(out, `${d.replace(/-[^-]+$/, '')}-${f}`))
await vault.stop()
await kube.stop()

const detector = createSecretDetector({ rules: BUILTIN_RULES, fingerprinter: createFingerprinter(randomBytes(32).toString('hex')), maxContextChars: 160 })
console.log('log                                            lines  findings')
for (const f of readdirSync(out).sort()) {
  const lines = readFileSync(join(out, f), 'utf8').split('\n')
  const findings = []
  for (let i = 0; i < lines.length; i += 4096) findings.push(...detector.detect(stdinChunk(lines.slice(i, i + 4096), i + 1, f)))
  console.log(`${f.padEnd(46)} ${String(lines.length).padStart(6)}  ${findings.length}`)
  for (const x of findings) console.log(`    ${x.rule} ${x.confidence} lines ${x.location.line}-${x.location.endLine}: ${x.context.slice(0, 140)}`)
}
if (keep !== undefined) cpSync(out, keep, { recursive: true })
rmSync(out, { recursive: true, force: true })
