// The fuzz runner's hang watchdog (test/fuzz/run.ts): decides, from the main
// thread, that the worker running a case is stuck and must be stopped.
//
// It judges the worker thread's CPU time, not the wall clock: on the shared
// machine the fuzz runs on (2 cores, load average often 6 to 10), a case that
// needs 4 s of CPU took 33 s of wall time and was recorded as a hang (seed
// 20261207, engine case 4959). A case is a `hang` once the worker has spent
// `hangMs` of CPU on it, however long that took. A case that spends no CPU
// at all cannot be caught that way (a promise that never settles, a socket
// that never answers): it is a `stall` once `stallMs` of wall time pass in
// which the worker used less than `idleCpuMs` of CPU. A loaded machine still
// gives a busy worker far more than that, so neither verdict comes from load.

export type Verdict = 'hang' | 'stall'

export interface WatchdogLimits {
  /** CPU milliseconds a case may use. */
  hangMs: number
  /** Wall milliseconds without CPU progress after which a case has stalled. */
  stallMs: number
  /** Less CPU than this over `stallMs` of wall time is no progress. */
  idleCpuMs: number
}

export interface Watchdog {
  /** A case began; `cpuMs` is the worker thread's CPU time then (process.threadCpuUsage in the worker). */
  start: (cpuMs: number) => void
  /** The case ended. */
  done: () => void
  /**
   * One check: reads the worker's CPU time (`cpu`) and returns a verdict for the running case, or
   * undefined. Checks do not overlap: a check while one is under way returns undefined.
   */
  check: () => Promise<Verdict | undefined>
  /** CPU milliseconds the running case has used, as of the last check. */
  used: () => number
}

/** `cpu` reads the worker thread's CPU milliseconds (Worker#cpuUsage); `clock` is wall milliseconds. */
export function createWatchdog(limits: WatchdogLimits, cpu: () => Promise<number>, clock: () => number = () => performance.now()): Watchdog {
  // The running case: its CPU time at start, and the last point (wall, CPU) at which it was seen progressing.
  let current: { startCpu: number; lastCpu: number; progressAt: number; progressCpu: number } | undefined
  let generation = 0
  let checking = false
  return {
    start(cpuMs) {
      generation++
      const now = clock()
      current = { startCpu: cpuMs, lastCpu: cpuMs, progressAt: now, progressCpu: cpuMs }
    },
    done() {
      generation++
      current = undefined
    },
    async check() {
      if (current === undefined || checking) return undefined
      checking = true
      const gen = generation
      let cpuMs: number
      try {
        cpuMs = await cpu()
      } catch {
        // The worker exited while asked: its exit is handled elsewhere.
        return undefined
      } finally {
        checking = false
      }
      // The case ended (or another began) while the reading was under way: it is not this case's.
      const c = current
      if (c === undefined || gen !== generation) return undefined
      const now = clock()
      c.lastCpu = cpuMs
      if (cpuMs - c.startCpu > limits.hangMs) return 'hang'
      if (cpuMs - c.progressCpu >= limits.idleCpuMs) {
        c.progressAt = now
        c.progressCpu = cpuMs
        return undefined
      }
      return now - c.progressAt > limits.stallMs ? 'stall' : undefined
    },
    used() {
      return current === undefined ? 0 : current.lastCpu - current.startCpu
    }
  }
}

/** A worker's CPU time in milliseconds, for `createWatchdog`. */
export async function workerCpuMs(worker: { cpuUsage: () => Promise<{ user: number; system: number }> }): Promise<number> {
  const u = await worker.cpuUsage()
  return (u.user + u.system) / 1000
}
