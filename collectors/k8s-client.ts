// The part of @kubernetes/client-node the node agent's pod informer uses —
// KubeConfig (in-cluster service account, kubeconfig files, every auth
// method), Watch and ListWatch — loaded without the generated API.
//
// Why: the package index, and even dist/config.js on its own, import
// dist/gen/index.js, which loads every generated model and API class (~30 MB
// of JavaScript): +50 MiB RSS and +22 MB of V8 heap in a collector that makes
// one list and one watch call, against a DaemonSet memory budget of 150 MB
// and --max-old-space-size=64. KubeConfig takes only createConfiguration and
// ServerConfiguration from gen/index.js, and ListWatch only a string
// serializer from serializer.js (which loads every model), so a module
// resolution hook hands those two imports slim stand-ins
// (k8s-client-gen.ts, k8s-client-serializer.ts): +13 MiB RSS, +6 MB heap,
// undici (the client's HTTP) being half of it. The list call goes through
// the client's own HTTP layer and authentication (RequestContext,
// applySecurityAuthentication, IsomorphicFetchHttpLibrary), as the generated
// CoreV1Api would, and returns the API server's JSON as is, as Watch does.
//
// The package has no "exports" map, so these deep imports are allowed; the
// hook matches the importing file and the imported file exactly, and
// test/cluster/pod-informer.test.ts checks in a fresh process that the
// generated code stays out and the informer still works, so an upgrade that
// moves these files fails there rather than in a node's memory graph.
// Modules loaded before the hook (a process that already imported the index,
// like `run all` with its responder) are left as they are.

import { registerHooks } from 'node:module'
import type { KubeConfig, KubernetesListObject, ListWatch, V1Pod, Watch } from '@kubernetes/client-node'

const DIST = '/node_modules/@kubernetes/client-node/dist/'
const REDIRECTS: ReadonlyArray<{ from: string; to: string; slim: URL }> = [
  { from: `${DIST}config.js`, to: `${DIST}gen/index.js`, slim: new URL('./k8s-client-gen.ts', import.meta.url) },
  { from: `${DIST}cache.js`, to: `${DIST}serializer.js`, slim: new URL('./k8s-client-serializer.ts', import.meta.url) }
]

let hooked = false

function hook(): void {
  if (hooked) return
  hooked = true
  registerHooks({
    resolve(specifier, context, next) {
      const resolved = next(specifier, context)
      const parent = context.parentURL
      if (parent === undefined) return resolved
      // Resolved afresh, not just renamed: its format (TypeScript) is the stand-in's, not the original's.
      for (const r of REDIRECTS) if (parent.endsWith(r.from) && resolved.url.endsWith(r.to)) return next(r.slim.href, context)
      return resolved
    }
  })
}

export interface InformerClient {
  KubeConfig: typeof KubeConfig
  Watch: typeof Watch
  ListWatch: typeof ListWatch
  /** GET /api/v1/pods (all namespaces), with a field selector; the API server's PodList as it sent it. */
  listPods: (kc: KubeConfig, fieldSelector: string | undefined) => Promise<KubernetesListObject<V1Pod>>
}

let loading: Promise<InformerClient> | undefined

export function loadInformerClient(): Promise<InformerClient> {
  loading ??= load()
  return loading
}

async function load(): Promise<InformerClient> {
  hook()
  const [config, watch, cache, http] = await Promise.all([
    import('@kubernetes/client-node/dist/config.js'),
    import('@kubernetes/client-node/dist/watch.js'),
    import('@kubernetes/client-node/dist/cache.js'),
    import('@kubernetes/client-node/dist/gen/http/http.js')
  ])
  const transport = new http.IsomorphicFetchHttpLibrary()
  return {
    KubeConfig: config.KubeConfig,
    Watch: watch.Watch,
    ListWatch: cache.ListWatch,
    async listPods(kc, fieldSelector) {
      const cluster = kc.getCurrentCluster()
      if (cluster === null) throw new Error('No currently active cluster')
      const url = new URL(`${cluster.server}/api/v1/pods`)
      if (fieldSelector !== undefined) url.searchParams.set('fieldSelector', fieldSelector)
      const request = new http.RequestContext(url.toString(), http.HttpMethod.GET)
      request.setHeaderParam('Accept', 'application/json')
      await kc.applySecurityAuthentication(request)
      const response = await transport.send(request).toPromise()
      const body = await response.body.text()
      if (response.httpStatusCode !== 200) {
        // Shaped like the generated client's ApiException: the informer's error handler reads `code`.
        throw Object.assign(new Error(`HTTP-Code: ${response.httpStatusCode}\nMessage: listing pods failed\nBody: ${body.slice(0, 500)}`), {
          code: response.httpStatusCode,
          body
        })
      }
      return JSON.parse(body) as KubernetesListObject<V1Pod>
    }
  }
}
