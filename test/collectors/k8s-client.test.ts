// The pod informer loads only its part of @kubernetes/client-node (see
// collectors/k8s-client.ts): in a fresh process (k8s-client-child.ts), from a
// kubeconfig file with a bearer token, it lists and watches this node's pods
// through the stand-in API server, and none of the client's generated models
// or API classes, nor its package index, is loaded. A token the API server
// refuses makes the list fail like the generated client's would: the
// informer reports the API server unavailable (path-only metadata).

import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { promisify } from 'node:util'
import { deploymentPod, startStandInApiServer } from './pod-logs-apiserver.ts'

const run = promisify(execFile)
const NODE = 'node-1'

interface ChildReport {
  states: string[]
  info: { labels: Record<string, string>; workload?: string; node?: string } | null
  loaded: string[]
}

async function child(server: string, token: string, dir: string): Promise<ChildReport> {
  const kubeconfig = join(dir, `kubeconfig-${token}.yaml`)
  await writeFile(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      `clusters: [{ name: stand-in, cluster: { server: "${server}", insecure-skip-tls-verify: true } }]`,
      `users: [{ name: agent, user: { token: ${token} } }]`,
      'contexts: [{ name: stand-in, context: { cluster: stand-in, user: agent } }]',
      'current-context: stand-in',
      ''
    ].join('\n')
  )
  const { stdout } = await run(process.execPath, [join(import.meta.dirname, 'k8s-client-child.ts')], {
    env: { PATH: process.env.PATH ?? '', KUBECONFIG_PATH: kubeconfig, NODE_NAME: NODE, LOOKUP: 'shop/api-5d8f7c9b4-x2x7q/uid-api' }
  })
  return JSON.parse(stdout) as ChildReport
}

test('the informer syncs through the slim client: KubeConfig, Watch and ListWatch without the generated models and APIs', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'lw-k8s-client-'))
  const api = await startStandInApiServer([deploymentPod(NODE)], { token: 'agent-token' })
  t.after(async () => {
    await api.stop()
    await rm(dir, { recursive: true, force: true })
  })

  const ok = await child(api.url, 'agent-token', dir)
  assert.deepEqual(ok.states, ['synced'])
  assert.equal(ok.info?.workload, 'Deployment/api')
  assert.deepEqual(ok.info?.labels, { app: 'api', 'pod-template-hash': '5d8f7c9b4' })
  assert.equal(api.lists[0]?.get('fieldSelector'), `spec.nodeName=${NODE}`)
  assert.equal(api.watches[0]?.get('fieldSelector'), `spec.nodeName=${NODE}`)
  for (const f of ['dist/config.js', 'dist/cache.js', 'dist/watch.js'])
    assert.ok(
      ok.loaded.some((l) => l.endsWith(f)),
      `${f} is loaded`
    )
  const heavy = ok.loaded.filter((l) => /\/dist\/(index\.js|serializer\.js|api\.js|gen\/(index\.js|models\/|apis\/|types\/))/.test(l))
  assert.deepEqual(heavy, [], 'no generated model or API class, no package index')

  const refused = await child(api.url, 'wrong-token', dir)
  assert.deepEqual(refused.states, ['unavailable'], 'a refused list is the API server being unavailable')
  assert.equal(refused.info, null)
})
