// Pod metadata for the node agent: labels, annotations, owner workload and
// node of the pods on this node, from an informer (list + watch) on the API
// server restricted to `spec.nodeName=<this node>`, so a 5,000-pod cluster
// costs each agent only its own ~100 pods. The cache is what the collector
// reads; it never calls the API server on the hot path.
//
// The API server being unreachable is not fatal: the informer is restarted
// with backoff, the cache keeps what it had, and the collector falls back to
// what the log path says (namespace, pod, uid, container).

import type { KubeConfig, V1Pod } from '@kubernetes/client-node'
import { backoffMs } from '../pipeline/backoff.ts'
import { LeakwatchError } from '../pipeline/errors.ts'
import { guardedWatch } from '../pipeline/k8s-watch.ts'
import type { Logger } from '../pipeline/log.ts'
import { loadInformerClient } from './k8s-client.ts'

// Only the informer's part of the client, not its package index: see k8s-client.ts.
const client = await loadInformerClient()

export interface PodInfo {
  namespace: string
  name: string
  uid: string
  labels: Record<string, string>
  annotations: Record<string, string>
  /** Owner workload as kind/name: Deployment/api, StatefulSet/db, DaemonSet/x, Job/y, CronJob/z, Node/n (static pods). */
  workload?: string
  node?: string
}

/** `starting`: first list not answered yet; `synced`: cache complete; `unavailable`: the API server cannot be reached. */
export type MetadataState = 'starting' | 'synced' | 'unavailable'

export interface PodMetadata {
  /** By uid from the log path; a static pod's path carries its config hash, which its mirror pod has as an annotation. */
  lookup: (namespace: string, name: string, uid: string) => PodInfo | undefined
  state: () => MetadataState
  start: () => void
  stop: () => Promise<void>
}

export interface PodMetadataOptions {
  nodeName: string | undefined
  /** Deleted pods stay this long, so the lines their containers wrote last are still enriched and selected. */
  deletedRetentionMs: number
  maxRetryDelayMs: number
}

export interface PodMetadataDeps {
  kubeConfig: KubeConfig
  logger: Logger
  now?: () => number
  onState?: (state: MetadataState) => void
}

const MIRROR = 'kubernetes.io/config.mirror'

export function workloadOf(pod: V1Pod): string | undefined {
  const owner = pod.metadata?.ownerReferences?.find((o) => o.controller === true) ?? pod.metadata?.ownerReferences?.[0]
  if (owner === undefined) return undefined
  if (owner.kind === 'ReplicaSet') {
    // A Deployment's ReplicaSet is <deployment>-<pod-template-hash>; the pod carries the hash as a label.
    const hash = pod.metadata?.labels?.['pod-template-hash']
    if (hash !== undefined && owner.name.endsWith(`-${hash}`)) return `Deployment/${owner.name.slice(0, -hash.length - 1)}`
    return `ReplicaSet/${owner.name}`
  }
  return `${owner.kind}/${owner.name}`
}

function infoOf(pod: V1Pod): PodInfo {
  const m = pod.metadata ?? {}
  const workload = workloadOf(pod)
  return {
    namespace: m.namespace ?? '',
    name: m.name ?? '',
    uid: m.uid ?? '',
    labels: { ...(m.labels ?? {}) },
    annotations: { ...(m.annotations ?? {}) },
    ...(workload === undefined ? {} : { workload }),
    ...(pod.spec?.nodeName === undefined ? {} : { node: pod.spec.nodeName })
  }
}

/**
 * What the informer keeps of a pod. ListWatch caches every object it is sent, and spec, status and
 * managedFields make up most of a pod's 5-20 KB; on a full node (110 pods) that is megabytes of a heap
 * capped at 64 MiB, for fields nothing here reads. Kept: what infoOf and workloadOf read, and what ListWatch
 * itself uses (name, namespace, resourceVersion).
 */
export function slimPod(pod: V1Pod): V1Pod {
  const m = pod.metadata ?? {}
  return {
    metadata: {
      ...(m.namespace === undefined ? {} : { namespace: m.namespace }),
      ...(m.name === undefined ? {} : { name: m.name }),
      ...(m.uid === undefined ? {} : { uid: m.uid }),
      ...(m.resourceVersion === undefined ? {} : { resourceVersion: m.resourceVersion }),
      ...(m.labels === undefined ? {} : { labels: m.labels }),
      ...(m.annotations === undefined ? {} : { annotations: m.annotations }),
      ...(m.ownerReferences === undefined ? {} : { ownerReferences: m.ownerReferences })
    },
    ...(pod.spec?.nodeName === undefined ? {} : { spec: { nodeName: pod.spec.nodeName, containers: [] } })
  }
}

export function createPodMetadata(opts: PodMetadataOptions, deps: PodMetadataDeps): PodMetadata {
  const log = deps.logger.child({ component: 'k8s-pods' })
  const now = deps.now ?? Date.now
  const byUid = new Map<string, PodInfo>()
  const byName = new Map<string, PodInfo>()
  const deleted = new Map<string, number>()
  let state: MetadataState = 'starting'
  let stopped = false
  let failures = 0
  let timer: NodeJS.Timeout | undefined
  const fieldSelector = opts.nodeName === undefined || opts.nodeName === '' ? undefined : `spec.nodeName=${opts.nodeName}`
  const watch = guardedWatch(client.Watch, deps.kubeConfig, {
    // Etcd compacted the history the watch would resume from (or the watch cache moved past it): the pods
    // that changed meanwhile are only in a new list, which ListWatch makes next, reporting what vanished as deletes.
    onGone: () => log.info({ code: 410 }, 'pod watch expired (410 Gone); listing the pods again'),
    // Pod events reach ListWatch's cache already slimmed: spec, status and managedFields are most of a pod.
    map: (obj) => slimPod(obj as V1Pod)
  })
  const informer = new client.ListWatch<V1Pod>(
    '/api/v1/pods',
    watch,
    async () => {
      const list = await client.listPods(deps.kubeConfig, fieldSelector)
      return { ...list, items: list.items.map(slimPod) }
    },
    false,
    undefined,
    fieldSelector
  )

  function setState(s: MetadataState): void {
    if (s === state) return
    state = s
    deps.onState?.(s)
  }

  function keys(info: PodInfo): string[] {
    const mirror = info.annotations[MIRROR]
    return mirror === undefined ? [info.uid] : [info.uid, mirror]
  }

  function put(pod: V1Pod): void {
    const info = infoOf(pod)
    for (const k of keys(info)) {
      byUid.set(k, info)
      deleted.delete(k)
    }
    byName.set(`${info.namespace}/${info.name}`, info)
  }

  function remove(pod: V1Pod): void {
    const info = infoOf(pod)
    const at = now()
    for (const k of keys(info)) if (byUid.has(k)) deleted.set(k, at)
  }

  function expire(): void {
    const cutoff = now() - opts.deletedRetentionMs
    for (const [k, at] of deleted) {
      if (at > cutoff) continue
      const info = byUid.get(k)
      byUid.delete(k)
      deleted.delete(k)
      if (info !== undefined && byName.get(`${info.namespace}/${info.name}`) === info) byName.delete(`${info.namespace}/${info.name}`)
    }
  }

  informer.on('add', put)
  informer.on('update', put)
  informer.on('delete', remove)
  informer.on('error', (err: unknown) => {
    // The informer stops on an error; we start it again, keeping the cache meanwhile.
    failures++
    setState('unavailable')
    const e = err as { code?: unknown; statusCode?: unknown; message?: unknown }
    const status = e.code ?? e.statusCode
    // A refusal is not an outage: it lasts until someone changes the RBAC or the credentials, so say what to change.
    const refused =
      status === 403
        ? 'Kubernetes API refused to list/watch pods (403 Forbidden: the service account needs get, list and watch on pods)'
        : status === 401
          ? 'Kubernetes API does not accept the credentials (401 Unauthorized)'
          : undefined
    log.warn(
      { code: status, reason: typeof e.message === 'string' ? e.message.slice(0, 200) : undefined, failures, retryInMs: retryDelay() },
      `${refused ?? 'Kubernetes API unavailable'}; pods are enriched from their log path only until it is back`
    )
    schedule()
  })

  function retryDelay(): number {
    return backoffMs(failures + 1, { baseMs: 500, maxMs: opts.maxRetryDelayMs, jitter: 'none' })
  }

  function schedule(): void {
    if (stopped) return
    const delay = retryDelay()
    clearTimeout(timer)
    timer = setTimeout(run, delay)
    timer.unref()
  }

  function run(): void {
    if (stopped) return
    const before = failures
    // start() resolves once the list is in the cache and the watch is open, and also after a failed list
    // (reported through 'error', which schedules the next attempt).
    informer.start().then(
      () => {
        if (stopped || failures !== before) return
        failures = 0
        setState('synced')
      },
      () => {
        failures++
        setState('unavailable')
        schedule()
      }
    )
  }

  let expiredAt = 0
  return {
    lookup(namespace, name, uid) {
      if (deleted.size > 0 && now() - expiredAt > 1000) {
        expiredAt = now()
        expire()
      }
      return byUid.get(uid) ?? byName.get(`${namespace}/${name}`)
    },
    state: () => state,
    start() {
      stopped = false
      watch.closed = false
      run()
    },
    async stop() {
      stopped = true
      watch.closed = true
      clearTimeout(timer)
      await informer.stop()
    }
  }
}

/** The metadata cache as configured (`collector.podLogs.metadata`), or undefined when it is off. */
export function podMetadataFromConfig(
  config: { nodeName?: string | undefined; metadata: { enabled: boolean; kubeconfigPath?: string | undefined; deletedRetentionMs: number } },
  deps: { logger: Logger; onState?: (state: MetadataState) => void }
): PodMetadata | undefined {
  if (!config.metadata.enabled) return undefined
  const kc = new client.KubeConfig()
  try {
    if (config.metadata.kubeconfigPath === undefined) kc.loadFromDefault()
    else kc.loadFromFile(config.metadata.kubeconfigPath)
  } catch (err) {
    throw new LeakwatchError('LW_ERR_CONFIG_INVALID', `cannot load Kubernetes client configuration (collector.podLogs.metadata.kubeconfigPath)`, {
      cause: err
    })
  }
  return createPodMetadata(
    { nodeName: config.nodeName, deletedRetentionMs: config.metadata.deletedRetentionMs, maxRetryDelayMs: 30_000 },
    { kubeConfig: kc, logger: deps.logger, ...(deps.onState === undefined ? {} : { onState: deps.onState }) }
  )
}
