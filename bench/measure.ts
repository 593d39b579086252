// Runs one measured process: wall time, CPU time and peak RSS, optionally
// pinned to one core. Shared by every benchmark module so their figures are
// taken the same way.

import { spawn, spawnSync } from 'node:child_process'
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface Measured {
  code: number | null
  wallMs: number
  /** CPU time of the process (and its children), user + system. */
  cpuMs: number
  maxRssKb: number
  stderr: string
}

export interface MeasureOptions {
  /** Pin to this CPU with taskset; undefined runs unpinned. */
  core?: number | undefined
  cwd?: string
  env?: NodeJS.ProcessEnv
  /** Write the child's stdout to this file (its findings); ignored otherwise. */
  stdout?: string
}

const GNU_TIME = '/usr/bin/time'
const hasTaskset = spawnSync('taskset', ['--version']).error === undefined

export function canPin(): boolean {
  return hasTaskset
}

/** GNU time reports the child's rusage (max RSS, user, system) exactly; without it we poll /proc (peak RSS via VmHWM). */
export async function measure(cmd: string, args: string[], opts: MeasureOptions = {}): Promise<Measured> {
  const pinned = opts.core !== undefined && hasTaskset ? ['taskset', '-c', String(opts.core), cmd, ...args] : [cmd, ...args]
  const timeFile = join(tmpdir(), `leakwatch-bench-time-${process.pid}-${Date.now()}`)
  const viaTime = existsSync(GNU_TIME)
  const argv = viaTime ? [GNU_TIME, '-f', '%e %U %S %M', '-o', timeFile, ...pinned] : pinned
  const stdout = opts.stdout === undefined ? 'ignore' : openSync(opts.stdout, 'w')
  const t0 = performance.now()
  const child = spawn(argv[0] as string, argv.slice(1), { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', stdout, 'pipe'] })
  if (typeof stdout === 'number') closeSync(stdout)
  let stderr = ''
  // Piped (stdio[2]), so never null; the union of stdio kinds hides that from the type.
  const errStream = child.stderr as NodeJS.ReadableStream
  errStream.setEncoding('utf8')
  errStream.on('data', (d: string) => {
    // Keep the tail only: a chatty tool must not grow the parent.
    stderr = (stderr + d).slice(-8192)
  })
  let polledKb = 0
  const poll = viaTime
    ? undefined
    : setInterval(() => {
        try {
          const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))
          if (m !== null) polledKb = Math.max(polledKb, Number(m[1]))
        } catch {
          // Gone between two polls.
        }
      }, 50)
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (c) => resolve(c))
  })
  const wallMs = performance.now() - t0
  if (poll !== undefined) clearInterval(poll)
  if (!viaTime) {
    const u = process.resourceUsage()
    // Without GNU time only the children's total is known: a fair stand-in for one child at a time.
    return { code, wallMs, cpuMs: Number.NaN, maxRssKb: polledKb || u.maxRSS, stderr }
  }
  const out = readFileSync(timeFile, 'utf8').trim().split('\n').pop() ?? ''
  rmSync(timeFile, { force: true })
  const [, user, sys, rss] = out.split(' ').map(Number)
  return { code, wallMs, cpuMs: ((user ?? Number.NaN) + (sys ?? Number.NaN)) * 1000, maxRssKb: rss ?? Number.NaN, stderr }
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}
