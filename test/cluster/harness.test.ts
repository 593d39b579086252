// Failure paths of test/harness/kube.ts: what a machine that cannot run the servers gets to read.

import assert from 'node:assert/strict'
import { readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { test } from 'node:test'
import { ensureServerBinaries, startKube } from '../harness/kube.ts'

const leftovers = (): string[] => readdirSync(tmpdir()).filter((f) => /^leakwatch-(etcd|kube-apiserver)-/.test(f))

test('an unknown server name is refused before anything is built', async () => {
  await assert.rejects(ensureServerBinaries(['kube-nothing']), /build-servers\.sh kube-nothing failed \(exit 2\).*KUBECONFIG.*unknown server: kube-nothing/s)
})

test('a kube-apiserver that exits at start fails with the tail of its log, and etcd is stopped', {
  skip: process.env.KUBECONFIG ? 'KUBECONFIG cluster' : false
}, async () => {
  const before = new Set(leftovers())
  await assert.rejects(startKube({ apiserverArgs: ['--no-such-flag'] }), (err: Error) => {
    assert.match(err.message, /kube-apiserver did not start: process exited with code 1/)
    assert.match(err.message, /--- tail of .*kube-apiserver\.log ---\n[\s\S]*unknown flag: --no-such-flag/)
    return true
  })
  // Both servers' temp dirs (etcd data, certs, keys, token file) are gone with them.
  const added = leftovers().filter((f) => !before.has(f))
  assert.deepEqual(added, [])
})
