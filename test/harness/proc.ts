// Process plumbing for servers the tests run as child processes (etcd, kube-apiserver): free ports, a
// spawn whose process group dies with the test process, and a readiness wait that shows the server log.
// Same design as the private helpers in services.ts (Kafka, Redis); kept separate so that file stays as is
// while issue #9 moves code around. services.ts can import these instead of its own copies later.

import type { ChildProcess } from 'node:child_process'
import { spawn } from 'node:child_process'
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs'
import type { AddressInfo, Socket } from 'node:net'
import { createServer } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'

export function tail(text: string, lines = 40): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n')
}

export function readTail(file: string): string {
  try {
    return tail(readFileSync(file, 'utf8'))
  } catch {
    return '(no log)'
  }
}

export async function freePorts(count: number): Promise<number[]> {
  // All held open at once so the same port is not handed out twice.
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const s = createServer()
          s.once('error', reject)
          s.listen(0, '127.0.0.1', () => resolve(s))
        })
    )
  )
  const ports = servers.map((s) => (s.address() as AddressInfo).port)
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))))
  return ports
}

export interface Guarded {
  exited: Promise<number | null>
  hasExited(): boolean
  stop(): Promise<void>
  /** Like stop(), but leaves the directory for a new process on the same data. */
  halt(): Promise<void>
}

/** The user a server runs as (postgres.ts: PostgreSQL refuses to run as root); unset = this process's own. */
export interface RunAs {
  uid?: number
  gid?: number
  env?: NodeJS.ProcessEnv
}

/**
 * Spawns a server in its own process group, killed with the group on stop() and on exit of this process.
 * A watchdog shell holds a pipe from us: if this process dies in a way that skips 'exit' (SIGKILL, an
 * unhandled signal), the pipe closes and the watchdog kills the group, so no orphan server outlives a test run.
 */
export function spawnGuarded(cmd: string, args: string[], dir: string, logFile: string, as: RunAs = {}): Guarded {
  const log = openSync(logFile, 'a')
  const child: ChildProcess = spawn(cmd, args, { cwd: dir, detached: true, stdio: ['ignore', log, log], ...as })
  closeSync(log)
  child.unref()
  let code: number | null | undefined
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (c) => {
      code = c
      resolve(c)
    })
    child.once('error', () => {
      code = null
      resolve(null)
    })
  })
  const pid = child.pid
  const killGroup = (signal: NodeJS.Signals): void => {
    if (pid === undefined || code !== undefined) return
    try {
      process.kill(-pid, signal)
    } catch {
      /* already gone */
    }
  }
  let dog: ChildProcess | undefined
  if (pid !== undefined) {
    dog = spawn(
      'sh',
      ['-c', 'cat >/dev/null; kill -TERM -"$1" 2>/dev/null && sleep 3; kill -KILL -"$1" 2>/dev/null; rm -rf "$2"', 'watchdog', String(pid), dir],
      { detached: true, stdio: ['pipe', 'ignore', 'ignore'] }
    )
    dog.unref()
    ;(dog.stdin as Socket).unref()
  }
  const stopDog = (): void => {
    if (dog?.pid !== undefined)
      try {
        process.kill(-dog.pid, 'SIGKILL')
      } catch {
        /* already gone */
      }
    dog = undefined
  }
  const onExit = (): void => {
    killGroup('SIGKILL')
    stopDog()
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 })
    } catch {
      /* best effort at exit */
    }
  }
  process.once('exit', onExit)
  void exited.then(stopDog)
  return {
    exited,
    hasExited: () => code !== undefined,
    async stop() {
      await halt()
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 })
    },
    halt
  }

  async function halt(): Promise<void> {
    // Without this an otherwise idle process could exit mid-stop; the exit hook would still kill the group, but abruptly.
    child.ref()
    killGroup('SIGTERM')
    // Data is throwaway, so a slow graceful shutdown is cut short rather than waited for.
    if ((await within(exited, 5000)) === undefined) killGroup('SIGKILL')
    await exited
    // Only now: until the group is dead, the exit hook and the watchdog must still be able to kill it.
    process.off('exit', onExit)
    stopDog()
  }
}

/** Resolves with p, or with undefined after ms; the timer keeps the process alive meanwhile and is cleared after. */
export async function within<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([
      p,
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), ms)
      })
    ])
  } finally {
    clearTimeout(timer)
  }
}

export function startupError(what: string, detail: string, logFile: string): Error {
  return new Error(`${what} did not start: ${detail}\n--- tail of ${logFile} ---\n${readTail(logFile)}`)
}

/** Polls probe until it resolves; fails fast with the server log if the process dies, and after the deadline. */
export async function waitReady(name: string, proc: Guarded, logFile: string, deadline: number, probe: () => Promise<void>): Promise<void> {
  const timeoutS = Math.round((deadline - Date.now()) / 1000)
  let lastError = 'no probe finished'
  while (Date.now() < deadline) {
    if (proc.hasExited()) throw startupError(name, `process exited with code ${await proc.exited}`, logFile)
    const outcome = await within(
      Promise.race([
        probe().then(
          () => 'ok',
          (err: unknown) => {
            lastError = err instanceof Error ? err.message : String(err)
            return 'retry'
          }
        ),
        proc.exited.then(() => 'exited')
      ]),
      Math.max(0, deadline - Date.now())
    )
    if (outcome === 'ok') return
    if (outcome === 'retry') await sleep(100)
  }
  throw startupError(name, `not ready within ${timeoutS} s (last probe error: ${lastError})`, logFile)
}
