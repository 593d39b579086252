// Cost tests time a small input and one 16 times larger and bound the ratio: linear work stays near
// 16x, the quadratic work they guard against is 256x. They time CPU, not the wall clock: on a loaded
// machine (CI's two cores, or five engineers' test runs on one) the wall clock also counts the time
// the thread waited for a core, and the long run waits more (known-secrets/hostile-lines.test.ts
// measured 89x for linear work, 5.7 ms against 505 ms, under a load average of 17).

/** This thread's CPU milliseconds so far (user and system; a worker thread's own). */
export function threadCpuMs(): number {
  const u = process.threadCpuUsage()
  return (u.user + u.system) / 1000
}

/**
 * The least CPU time of `f` over `runs` runs, after one warm-up run: the run the machine disturbed least.
 * A thread's CPU clock may advance by scheduler ticks (a few ms; a 3 ms run measured 0 here): callers
 * bound the ratio against a floor of 5 ms or more for the small input, as they did with wall time.
 */
export function leastCpuMs(f: () => void, runs = 3): number {
  f()
  let least = Number.POSITIVE_INFINITY
  for (let i = 0; i < runs; i++) {
    const t = threadCpuMs()
    f()
    least = Math.min(least, threadCpuMs() - t)
  }
  return least
}
