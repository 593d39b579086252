// The Watch both informers hand to client-node's ListWatch (the collector's
// pod metadata and the detector's known-secrets source), with the two things
// ListWatch does not do:
// - it relists after a 410 Gone without telling anyone: `onGone` makes the
//   expiry visible (etcd compacted the history the watch would resume from);
// - it opens its next watch without checking whether it was stopped meanwhile
//   (after a list in flight, after its reconnect delay), so a stopped informer
//   would go on watching and indexing: `closed` refuses that watch.
// The Watch class is passed in, not imported: the collector loads client-node
// through a slim entry (collectors/k8s-client.ts) to keep its generated models
// out of a 64 MB heap.

import type { KubeConfig, Watch } from '@kubernetes/client-node'

type Params = Record<string, string | number | boolean | undefined>
type Callback = (phase: string, apiObj: unknown, watchObj?: unknown) => void

/** ListWatch's own test for a 410 Gone: a watch ERROR event's Status, or a failed watch request. */
export function isGone(x: unknown): boolean {
  const e = x as { code?: unknown; statusCode?: unknown } | null | undefined
  return e?.code === 410 || e?.statusCode === 410
}

export interface GuardedWatch extends Watch {
  /** Set by the informer's stop() (and cleared by start()): no new watch is opened while set. */
  closed: boolean
}

export interface WatchHooks {
  onGone: () => void
  /** Extra query parameters of every watch (e.g. allowWatchBookmarks). */
  params?: Params
  /** Applied to ADDED, MODIFIED and DELETED objects before ListWatch caches them (e.g. slimming). */
  map?: (obj: unknown) => unknown
}

export function guardedWatch(Base: new (config: KubeConfig) => Watch, config: KubeConfig, hooks: WatchHooks): GuardedWatch {
  class Guarded extends Base {
    closed = false

    override async watch(path: string, params: Params, callback: Callback, done: (err: unknown) => void): Promise<AbortController> {
      if (this.closed) {
        const none = new AbortController()
        none.abort()
        return none
      }
      return await super.watch(
        path,
        hooks.params === undefined ? params : { ...params, ...hooks.params },
        (phase, obj, raw) => {
          if (phase === 'ERROR' && isGone(obj)) hooks.onGone()
          const object = hooks.map !== undefined && (phase === 'ADDED' || phase === 'MODIFIED' || phase === 'DELETED') ? hooks.map(obj) : obj
          callback(phase, object, raw)
        },
        (err) => {
          if (isGone(err)) hooks.onGone()
          done(err)
        }
      )
    }
  }
  return new Guarded(config)
}
