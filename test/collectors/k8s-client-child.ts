// Run by test/cluster/pod-informer.test.ts in a process of its own, so that nothing has
// loaded @kubernetes/client-node before the pod informer does: starts the
// informer from a kubeconfig file (KUBECONFIG_PATH), waits for it to sync or
// fail, and prints its states, what it found for the pod in LOOKUP
// (namespace/name/uid) and every client-node file the process loaded.

import { registerHooks } from 'node:module'

const loaded: string[] = []
// A load hook, not a resolve hook: it sees only files actually loaded, after any redirection.
registerHooks({
  load(url, context, next) {
    if (url.includes('/@kubernetes/client-node/')) loaded.push(url.slice(url.indexOf('/@kubernetes/client-node/') + 1))
    return next(url, context)
  }
})

const { podMetadataFromConfig } = await import('../../collectors/k8s-pods.ts')
const { silentLogger } = await import('../../pipeline/log.ts')
const { waitFor } = await import('../support/wait.ts')

const states: string[] = []
const metadata = podMetadataFromConfig(
  { nodeName: process.env.NODE_NAME, metadata: { enabled: true, kubeconfigPath: process.env.KUBECONFIG_PATH, deletedRetentionMs: 60_000 } },
  { logger: silentLogger(), onState: (s) => states.push(s) }
)
if (metadata === undefined) throw new Error('metadata is enabled')
metadata.start()
await waitFor(() => metadata.state() !== 'starting', 'the informer to sync or fail', 10_000)
const [namespace, name, uid] = (process.env.LOOKUP ?? '').split('/') as [string, string, string]
const info = metadata.lookup(namespace, name, uid)
await metadata.stop()
process.stdout.write(JSON.stringify({ states, info: info ?? null, loaded }))
