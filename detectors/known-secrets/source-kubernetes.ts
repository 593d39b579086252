// Kubernetes Secrets as a source of known values: an informer (list + watch
// from @kubernetes/client-node's ListWatch) over all namespaces or a chosen
// set. ListWatch tracks the resourceVersion, relists on 410 Gone (an ERROR
// event with a 410 Status, or an HTTP 410) and reports Secrets that vanished
// meanwhile as deletes; we add watch bookmarks so a quiet watch keeps a fresh
// resourceVersion and rarely needs that relist, and restart the informer with
// backoff when it stops on any other error, keeping the index meanwhile.
//
// The informer's cache would keep every Secret's base64 data for the life of
// the process: each Secret's `data` is hashed into the index and then removed
// from the cached object, so the cache holds metadata only.

import type { V1Secret, V1SecretList } from '@kubernetes/client-node'
import { CoreV1Api, type KubeConfig, ListWatch, Watch } from '@kubernetes/client-node'
import { backoffMs } from '../../pipeline/backoff.ts'
import { LeakwatchError } from '../../pipeline/errors.ts'
import { guardedWatch } from '../../pipeline/k8s-watch.ts'
import type { Logger } from '../../pipeline/log.ts'
import type { KnownSecretIndex } from './index.ts'
import type { SkipReason } from './skip.ts'
import type { SourceState } from './source-state.ts'
import { createSyncState } from './source-state.ts'

export interface KubernetesSourceOptions {
  /** Namespaces to watch; empty: all (one cluster-wide watch). */
  namespaces: readonly string[]
  excludeNamespaces: readonly string[]
  /** Label selectors (`key`, `key=value`); a Secret matching one is not indexed. */
  excludeLabels: readonly string[]
  /** Secret types never indexed (`helm.sh/release.v1`). */
  excludeTypes: readonly string[]
  /** Keys never indexed: public or non-secret parts of a Secret (`tls.crt`, `ca.crt`, `namespace`). */
  excludeKeys: readonly string[]
  maxRetryDelayMs: number
  /** Page size of the list; a cluster's Secrets come in pages instead of one huge response. */
  pageSize?: number
}

export interface KubernetesSourceDeps {
  kubeConfig: KubeConfig
  index: KnownSecretIndex
  logger: Logger
  onSkip?: (reason: SkipReason | 'excluded-key') => void
  onState?: (state: SourceState) => void
  /** Each failed list or watch, as the coded error that is logged; the informer is retried after `details.retryInMs`. */
  onError?: (err: LeakwatchError) => void
}

export interface KnownSecretSource {
  start: () => void
  /** Resolves at the first complete view (all lists answered), or after `timeoutMs` (false). */
  synced: (timeoutMs: number) => Promise<boolean>
  state: () => SourceState
  stop: () => Promise<void>
}

/** The HTTP status and the API server's own message (it names the user and the verb it refused) of a failed list or watch. */
function describe(err: unknown): { status: number | undefined; reason: string | undefined } {
  const e = err as { code?: unknown; statusCode?: unknown; body?: unknown; message?: unknown } | null | undefined
  const code = e?.code ?? e?.statusCode
  const status = typeof code === 'number' ? code : undefined
  let body = e?.body
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body)
    } catch {
      /* not a Status */
    }
  }
  const fromBody = (body as { message?: unknown } | undefined)?.message
  const reason = typeof fromBody === 'string' ? fromBody : typeof e?.message === 'string' ? e.message : undefined
  return { status, reason: reason?.slice(0, 300) }
}

/** A failed list or watch as a coded error whose message says what to fix; retriable, as the informer is retried. */
export function sourceError(err: unknown, namespace: string | undefined, retryInMs: number): LeakwatchError {
  const { status, reason } = describe(err)
  const where = namespace === undefined ? 'in all namespaces' : `in namespace ${namespace}`
  const what =
    status === 403
      ? '403 Forbidden: the service account needs get, list and watch on secrets'
      : status === 401
        ? '401 Unauthorized: the API server does not accept the credentials'
        : status === undefined
          ? 'the API server cannot be reached'
          : `the API server answered ${status}`
  return new LeakwatchError(
    'LW_ERR_KNOWN_SECRETS_SOURCE',
    `cannot list/watch Secrets ${where} (${what}); the index keeps what it had and the informer is retried in ${retryInMs} ms`,
    { cause: err, details: { status, namespace, retryInMs, ...(reason === undefined ? {} : { reason }) } }
  )
}

/** `key` → `!key`, `key=value` → `key!=value`: the exclusions as a server-side selector. */
function negate(selector: string): string | undefined {
  const eq = selector.indexOf('=')
  if (/^[A-Za-z0-9./_-]+$/.test(selector)) return `!${selector}`
  if (eq > 0 && !selector.includes('!') && /^[A-Za-z0-9./_-]+=[A-Za-z0-9._-]*$/.test(selector)) return `${selector.slice(0, eq)}!=${selector.slice(eq + 1)}`
  return undefined
}

function labelMatches(selector: string, labels: Record<string, string>): boolean {
  const eq = selector.indexOf('=')
  return eq < 0 ? selector in labels : labels[selector.slice(0, eq)] === selector.slice(eq + 1)
}

export function createKubernetesSource(opts: KubernetesSourceOptions, deps: KubernetesSourceDeps): KnownSecretSource {
  const log = deps.logger.child({ component: 'known-secrets-kubernetes' })
  const api = deps.kubeConfig.makeApiClient(CoreV1Api)
  const labelSelector =
    opts.excludeLabels
      .map(negate)
      .filter((s) => s !== undefined)
      .join(',') || undefined
  const fieldSelector = opts.excludeTypes.map((t) => `type!=${t}`).join(',') || undefined
  const excludedNs = new Set(opts.excludeNamespaces)
  const scopes: Array<string | undefined> = opts.namespaces.length === 0 ? [undefined] : [...new Set(opts.namespaces)].filter((n) => !excludedNs.has(n))
  const sync = createSyncState(deps.onState)
  let stopped = false

  function excluded(secret: V1Secret): boolean {
    const m = secret.metadata ?? {}
    if (excludedNs.has(m.namespace ?? '')) return true
    if (secret.type !== undefined && opts.excludeTypes.includes(secret.type)) return true
    const labels = m.labels ?? {}
    return opts.excludeLabels.some((sel) => labelMatches(sel, labels))
  }

  function put(secret: V1Secret): void {
    const ns = secret.metadata?.namespace ?? ''
    const name = secret.metadata?.name ?? ''
    const prefix = `kubernetes/${ns}/${name}/`
    const data = secret.data ?? {}
    // From here on the cached object holds metadata only.
    delete secret.data
    if (excluded(secret)) {
      for (const k of deps.index.keys(prefix)) deps.index.delete(k)
      return
    }
    const seen = new Set<string>()
    for (const [key, b64] of Object.entries(data)) {
      if (opts.excludeKeys.includes(key)) {
        deps.onSkip?.('excluded-key')
        continue
      }
      seen.add(`${prefix}${key}`)
      const r = deps.index.set({ source: 'kubernetes', namespace: ns, name, key }, Buffer.from(b64, 'base64'))
      if (r !== 'indexed') deps.onSkip?.(r)
    }
    for (const k of deps.index.keys(prefix)) if (!seen.has(k)) deps.index.delete(k)
  }

  function remove(secret: V1Secret): void {
    delete secret.data
    for (const k of deps.index.keys(`kubernetes/${secret.metadata?.namespace ?? ''}/${secret.metadata?.name ?? ''}/`)) deps.index.delete(k)
  }

  async function listAll(namespace: string | undefined): Promise<V1SecretList> {
    const items: V1Secret[] = []
    let cont: string | undefined
    let first: V1SecretList | undefined
    do {
      const params = {
        limit: opts.pageSize ?? 500,
        ...(cont === undefined ? {} : { _continue: cont }),
        ...(labelSelector === undefined ? {} : { labelSelector }),
        ...(fieldSelector === undefined ? {} : { fieldSelector })
      }
      const page: V1SecretList =
        namespace === undefined ? await api.listSecretForAllNamespaces(params) : await api.listNamespacedSecret({ namespace, ...params })
      first ??= page
      items.push(...page.items)
      cont = page.metadata?._continue || undefined
    } while (cont !== undefined)
    // The watch resumes from the resourceVersion of the consistent snapshot the pages were read at.
    const metadata = { ...(first?.metadata ?? {}) }
    delete metadata._continue
    return { ...first, items, metadata }
  }

  const informers = scopes.map((namespace) => {
    const path = namespace === undefined ? '/api/v1/secrets' : `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets`
    const watch = guardedWatch(Watch, deps.kubeConfig, {
      // The history the watch would resume from is compacted (or out of the watch cache): a new list
      // follows, and Secrets deleted meanwhile are reported as deletes from it.
      onGone: () => log.info({ namespace, code: 410 }, 'Secrets watch expired (410 Gone); listing the Secrets again'),
      // ListWatch itself passes only resourceVersion and selectors.
      params: { allowWatchBookmarks: true }
    })
    const informer = new ListWatch<V1Secret>(path, watch, async () => await listAll(namespace), false, labelSelector, fieldSelector)
    const entry = { namespace, informer, watch, failures: 0, synced: false, timer: undefined as NodeJS.Timeout | undefined }
    informer.on('add', put)
    informer.on('update', put)
    informer.on('delete', remove)
    informer.on('error', (err: unknown) => {
      entry.failures++
      sync.set('unavailable')
      const coded = sourceError(err, namespace, retryDelay(entry))
      log.warn({ code: coded.code, ...coded.details, failures: entry.failures }, coded.message)
      deps.onError?.(coded)
      schedule(entry)
    })
    return entry
  })

  function retryDelay(entry: { failures: number }): number {
    return backoffMs(entry.failures + 1, { baseMs: 250, maxMs: opts.maxRetryDelayMs, jitter: 'none' })
  }

  function schedule(entry: (typeof informers)[number]): void {
    if (stopped) return
    const delay = retryDelay(entry)
    clearTimeout(entry.timer)
    entry.timer = setTimeout(() => run(entry), delay)
    entry.timer.unref()
  }

  function run(entry: (typeof informers)[number]): void {
    if (stopped) return
    const before = entry.failures
    // start() resolves once the list is indexed and the watch is open; a failed list is reported through 'error'.
    entry.informer.start().then(
      () => {
        if (stopped || entry.failures !== before) return
        entry.failures = 0
        entry.synced = true
        if (informers.every((i) => i.synced)) sync.set('synced')
      },
      () => {
        entry.failures++
        sync.set('unavailable')
        schedule(entry)
      }
    )
  }

  return {
    start() {
      stopped = false
      for (const e of informers) {
        e.watch.closed = false
        run(e)
      }
    },
    synced: sync.synced,
    state: sync.get,
    async stop() {
      stopped = true
      for (const e of informers) {
        e.watch.closed = true
        clearTimeout(e.timer)
        await e.informer.stop()
      }
    }
  }
}
