// Runs the leakwatch command line as users do: a child process with an
// environment free of the caller's LEAKWATCH_* variables.

import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const repo = fileURLToPath(new URL('../../', import.meta.url))
export const bin = join(repo, 'bin', 'leakwatch.ts')

export interface Run {
  code: number | null
  stdout: string
  stderr: string
}

export interface CliOptions {
  cwd: string
  env?: Record<string, string>
  stdin?: string | Buffer
  /** Run as this user (a root test run checks permissions as nobody). */
  uid?: number
  gid?: number
  /** Node options before the entry point (`--import`, `-r`). */
  node?: string[]
  /** The entry point, from the repository root; bin/leakwatch.ts by default. */
  entry?: string
}

export function cli(args: string[], opts: CliOptions): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(opts.node ?? []), opts.entry === undefined ? bin : join(repo, opts.entry), ...args], {
      cwd: opts.cwd,
      env: { PATH: process.env.PATH ?? '', HOME: opts.cwd, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: 30_000,
      ...(opts.uid === undefined ? {} : { uid: opts.uid }),
      ...(opts.gid === undefined ? {} : { gid: opts.gid })
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString('utf8')
    })
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString('utf8')
    })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
    child.stdin.end(opts.stdin ?? '')
  })
}

/** Neither the secret nor its random middle in any output. */
export function assertAbsent(run: Run, secret: string): void {
  for (const [name, text] of [
    ['stdout', run.stdout],
    ['stderr', run.stderr]
  ] as const) {
    assert.equal(text.includes(secret), false, `${name} holds the secret`)
    assert.equal(text.includes(secret.slice(6, 26)), false, `${name} holds part of the secret`)
  }
}

export interface LiveCli {
  /** The child's stdin, left open: a test writes to it and ends it. */
  stdin: NodeJS.WritableStream
  out: () => string
  err: () => string
  /** The exit code once the child closed. */
  closed: Promise<number | null>
  kill: () => void
}

/** The command line with its stdin open, for commands that must answer before their input ends (mask, scan -). */
export function liveCli(args: string[], cwd: string): LiveCli {
  const child = spawn(process.execPath, [bin, ...args], { cwd, env: { PATH: process.env.PATH ?? '' }, stdio: ['pipe', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString('utf8')
  })
  child.stderr.on('data', (c: Buffer) => {
    err += c.toString('utf8')
  })
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve))
  return {
    stdin: child.stdin,
    out: () => out,
    err: () => err,
    closed,
    kill: () => {
      if (child.exitCode === null) child.kill()
    }
  }
}
