// leakwatch never leaks, not even to a memory dump: after the index is built
// from every source, a heap snapshot of the process holds none of the values
// nor any of the encodings it would find them in. The indexing runs in a
// child process (heap-child.ts) so the values this test generates, and the
// servers serving them, are not in the heap that is searched. The Secrets come
// from the real kube-apiserver (test/harness/kube.ts), the Vault values from
// a real Vault (test/harness/vault.ts), in a KV v2 mount of this test's own.

import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { promisify } from 'node:util'
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node'
import { getKube } from '../../harness/kube.ts'
import { getVault, kvMount, kvPut, vaultAdmin } from '../../harness/vault.ts'
import { seededGen } from '../../support/seed.ts'

const run = promisify(execFile)

test('after indexing Kubernetes, Vault and file values, a heap snapshot contains none of them in any form', async () => {
  const g = seededGen('g')
  const dir = await mkdtemp(join(tmpdir(), 'lw-heap-'))
  // Started side by side: the test waits for the slower, not for both.
  const [kube, vault] = await Promise.all([getKube(), getVault()])
  const admin = vaultAdmin(vault)
  const mount = await kvMount(admin, 'lw-heap')
  const kc = new KubeConfig()
  kc.loadFromFile(kube.kubeconfigPath)
  const core = kc.makeApiClient(CoreV1Api)
  // Namespaces of this run only, so a shared KUBECONFIG cluster's other Secrets are not indexed.
  const run36 = `${Date.now().toString(36)}-${process.pid}`
  const namespaces = ['ns0', 'ns1', 'ns2', 'tls'].map((n) => `lw-heap-${n}-${run36}`)
  for (const name of namespaces) await core.createNamespace({ body: { metadata: { name } } })
  const upsert = async (ns: string, name: string, values: Record<string, string>): Promise<void> => {
    const data = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Buffer.from(v).toString('base64')]))
    await core.createNamespacedSecret({ namespace: `lw-heap-${ns}-${run36}`, body: { metadata: { name }, data } })
  }
  try {
    const k8s = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? g.password() : `${g.base62(20)}/+"${g.base62(6)}`))
    const pem = `-----BEGIN PRIVATE KEY-----\n${g.pemBody(48)}\n${g.pemBody(48)}\n-----END PRIVATE KEY-----\n`
    for (const [i, v] of k8s.entries()) await upsert(`ns${i % 3}`, `s${i}`, { value: v })
    await upsert('tls', 'key', { 'tls.key': pem })
    const fromVault = Array.from({ length: 5 }, () => g.password())
    for (const [i, v] of fromVault.entries()) await kvPut(admin, mount, `apps/a${i}`, { password: v })
    const fromFile = Array.from({ length: 5 }, () => g.base62(24))
    await writeFile(join(dir, 'values.txt'), `${fromFile.join('\n')}\n`)
    const values = [...k8s, ...fromVault, ...fromFile]
    // Each value leaked once raw and once base64'd, for the child to find after its snapshot.
    const lines = values.flatMap((v) => [`password=${v}`, `data=${Buffer.from(v).toString('base64')}`])
    lines.push(JSON.stringify({ key: pem }))
    await writeFile(join(dir, 'lines.txt'), `${lines.join('\n')}\n`)
    const canary = `canary-${g.base62(24)}`
    const snapshotPath = join(dir, 'heap.heapsnapshot')
    const { stdout } = await run(process.execPath, [join(import.meta.dirname, 'heap-child.ts')], {
      env: {
        ...process.env,
        KUBECONFIG_PATH: kube.kubeconfigPath,
        KUBE_NAMESPACES: namespaces.join(','),
        VAULT_URL: vault.address,
        VAULT_TOKEN: vault.token,
        VAULT_MOUNT: mount,
        VALUES_FILE: join(dir, 'values.txt'),
        LINES_FILE: join(dir, 'lines.txt'),
        SNAPSHOT_PATH: snapshotPath,
        CANARY: canary.split('').reverse().join('')
      },
      maxBuffer: 1 << 20
    })
    const report = JSON.parse(stdout) as { synced: boolean[]; stats: { values: number }; lines: number; found: number }
    assert.deepEqual(report.synced, [true, true, true])
    assert.equal(report.stats.values, values.length + 1)
    assert.equal(report.found, report.lines, 'the index built in that process finds every value, raw and base64')

    const heap = await readFile(snapshotPath, 'utf8')
    assert.ok(heap.includes(canary), 'the search sees strings of the heap')
    // Strings sit JSON-escaped in the snapshot file; search each form as it would be written there.
    const inSnapshot = (s: string): string => JSON.stringify(s).slice(1, -1)
    for (const v of values) {
      const forms = {
        raw: v,
        base64: Buffer.from(v).toString('base64').replace(/=+$/, ''),
        base64url: Buffer.from(v).toString('base64url'),
        url: encodeURIComponent(v),
        json: JSON.stringify(v).slice(1, -1)
      }
      for (const [how, form] of Object.entries(forms)) assert.ok(!heap.includes(inSnapshot(form)), `${how} form of an indexed value in the heap snapshot`)
    }
    const body = pem.split('\n')[1] ?? ''
    assert.ok(!heap.includes(body.slice(0, 40)), 'a PEM body line in the heap snapshot')
    assert.ok(!heap.includes(inSnapshot(Buffer.from(pem).toString('base64').slice(0, 40))), 'the base64 of the PEM key in the heap snapshot')
  } finally {
    await admin.request('DELETE', `sys/mounts/${mount}`)
    await rm(dir, { recursive: true, force: true })
  }
})
