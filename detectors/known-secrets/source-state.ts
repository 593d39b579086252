// What every known-secret source (Kubernetes, Vault, file) shares: its sync
// state, with waiters for the first sync, and — for the sources that poll —
// the refresh loop that never overlaps itself and stops cleanly.

export type SourceState = 'starting' | 'synced' | 'unavailable'

export interface SyncState {
  get: () => SourceState
  set: (s: SourceState) => void
  /** Resolves true once synced, false when `timeoutMs` passes first. */
  synced: (timeoutMs: number) => Promise<boolean>
}

export function createSyncState(onState?: (s: SourceState) => void): SyncState {
  let state: SourceState = 'starting'
  const waiters: Array<() => void> = []
  return {
    get: () => state,
    set(s) {
      if (s !== state) {
        state = s
        onState?.(s)
      }
      if (s === 'synced') for (const w of waiters.splice(0)) w()
    },
    async synced(timeoutMs) {
      if (state === 'synced') return true
      return await new Promise<boolean>((resolve) => {
        const t = setTimeout(() => resolve(false), timeoutMs)
        waiters.push(() => {
          clearTimeout(t)
          resolve(true)
        })
      })
    }
  }
}

/** Runs `refresh` now and again `intervalMs` after each run ends (never two at once), until stopped. */
export function createPoller(refresh: () => Promise<void>, intervalMs: number): { start: () => void; stop: () => Promise<void> } {
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> | undefined
  let stopped = true
  function loop(): void {
    if (stopped) return
    running = refresh().finally(() => {
      running = undefined
      if (stopped) return
      timer = setTimeout(loop, intervalMs)
      timer.unref()
    })
  }
  return {
    start() {
      stopped = false
      loop()
    },
    async stop() {
      stopped = true
      clearTimeout(timer)
      await running
    }
  }
}
