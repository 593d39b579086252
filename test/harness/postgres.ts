// A real PostgreSQL for tests (Debian's `postgresql` package: /usr/lib/postgresql/<major>/bin): initdb into
// a temp dir (in memory when /dev/shm is there), then `postgres` on a free loopback port with its socket in
// that dir, no system service, no files left behind. Password (SCRAM) authentication everywhere, local socket included, so a refused
// password is PostgreSQL's own verdict — the Vault database tests depend on that.
//
// initdb and postgres refuse to run as root (a server process with root's rights would hand them to any
// SQL that reaches the file system: COPY ... TO PROGRAM, untrusted languages). Test runs here and in CI are
// root, so both run as an unprivileged user: LEAKWATCH_POSTGRES_USER, else `postgres` (the package creates
// it), through spawn's uid/gid, with the temp dir handed to that user. As any other user they run as is.
//
// Outside CI a machine without the package skips the tests that need it (postgresSkip()); under CI=true
// that is a failure saying how to fix it, so CI cannot go green without the database tests.

import type { ExecFileException } from 'node:child_process'
import { execFile, execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { accessSync, chmodSync, chownSync, constants, existsSync, mkdtempSync, readdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { RunAs } from './proc.ts'
import { freePorts, readTail, spawnGuarded, waitReady } from './proc.ts'

export interface PostgresServer {
  host: '127.0.0.1'
  port: number
  /** The superuser initdb made, with `password`: what Vault's database engine connects as. */
  user: string
  password: string
  /** Where the binaries are (psql, pg_isready). */
  binDir: string
  startupMs: number
  /**
   * Runs SQL through psql as `as` (default: the superuser). The password goes in PGPASSWORD, never on the
   * command line (visible in ps) nor in an error message.
   */
  psql(sql: string, as?: { user: string; password: string; database?: string; timeoutMs?: number }): Promise<PsqlResult>
  stop(): Promise<void>
}

export interface PsqlResult {
  ok: boolean
  stdout: string
  stderr: string
}

const STARTUP_TIMEOUT_MS = 60_000
const SHM_NEEDED_BYTES = 512 * 1024 * 1024
const FIX = 'install it with `apt-get install -y postgresql` (.ci/run does), or set LEAKWATCH_POSTGRES_BIN to the directory holding initdb, postgres and psql'

/** The directory with initdb and postgres: LEAKWATCH_POSTGRES_BIN, else the newest Debian major installed. */
export function postgresBinDir(): string | undefined {
  const set = process.env.LEAKWATCH_POSTGRES_BIN?.trim()
  if (set) return existsSync(join(set, 'initdb')) && existsSync(join(set, 'postgres')) ? set : undefined
  const root = '/usr/lib/postgresql'
  let majors: string[]
  try {
    majors = readdirSync(root).filter((m) => /^\d+$/.test(m))
  } catch {
    return undefined
  }
  const found = majors
    .sort((a, b) => Number(b) - Number(a))
    .map((m) => join(root, m, 'bin'))
    .find((d) => existsSync(join(d, 'initdb')) && existsSync(join(d, 'postgres')))
  return found
}

/**
 * Where the cluster's temp dir goes: /dev/shm (memory) when there is one, else the OS temp dir. initdb
 * writes ~40 MB; on the shared CI disk under load that took 7-9 s, in memory 2-2.5 s (0.7-0.9 s idle).
 */
export function postgresTmpBase(): string {
  try {
    accessSync('/dev/shm', constants.W_OK)
    // Containers often get a 64 MB /dev/shm, which one cluster plus PostgreSQL's own shared memory would fill.
    const { bavail, bsize } = statfsSync('/dev/shm')
    return bavail * bsize >= SHM_NEEDED_BYTES ? '/dev/shm' : tmpdir()
  } catch {
    return tmpdir()
  }
}

/** For `test(..., { skip: postgresSkip() })`: a reason outside CI when PostgreSQL is not installed; never under CI. */
export function postgresSkip(): string | false {
  if (postgresBinDir() !== undefined || process.env.CI === 'true') return false
  return `PostgreSQL is not installed: ${FIX}`
}

/** Root cannot run the server: the unprivileged user to run it as instead. */
function runAs(): RunAs & { name?: string } {
  if (process.getuid?.() !== 0) return {}
  const name = process.env.LEAKWATCH_POSTGRES_USER?.trim() || 'postgres'
  const id = (flag: string): number => {
    try {
      return Number(execFileSync('id', [flag, name], { encoding: 'utf8' }).trim())
    } catch {
      throw new Error(
        `PostgreSQL refuses to run as root and there is no user '${name}' to run it as: create one (the postgresql package does) or set LEAKWATCH_POSTGRES_USER`
      )
    }
  }
  // HOME and a plain PATH only: nothing of the test process's environment (tokens, keys) reaches the server.
  return { name, uid: id('-u'), gid: id('-g'), env: { PATH: '/usr/bin:/bin', LC_ALL: 'C', HOME: '/nonexistent' } }
}

function run(file: string, args: string[], opts: RunAs & { cwd?: string; timeoutMs: number }): Promise<PsqlResult> {
  return new Promise((resolve) => {
    const { timeoutMs, ...rest } = opts
    execFile(file, args, { ...rest, timeout: timeoutMs, encoding: 'utf8', maxBuffer: 4 << 20 }, (err: ExecFileException | null, stdout, stderr) => {
      resolve({ ok: err === null, stdout, stderr: err !== null && stderr === '' ? err.message : stderr })
    })
  })
}

/** Starts a PostgreSQL on a free loopback port with a fresh cluster; stop() kills it and removes its files. */
export async function startPostgres(): Promise<PostgresServer> {
  const binDir = postgresBinDir()
  if (binDir === undefined)
    throw new Error(
      `PostgreSQL is not installed (no initdb and postgres in ${process.env.LEAKWATCH_POSTGRES_BIN?.trim() || '/usr/lib/postgresql/*/bin'}): ${FIX}`
    )
  const as = runAs()
  const deadline = Date.now() + STARTUP_TIMEOUT_MS
  const t0 = performance.now()
  const user = 'leakwatch'
  const password = randomBytes(18).toString('base64url')
  // A port picked free can be taken before the server binds it; one retry with a new port covers that race.
  for (let attempt = 1; ; attempt++) {
    const dir = mkdtempSync(join(postgresTmpBase(), 'leakwatch-postgres-'))
    const data = join(dir, 'data')
    const logFile = join(dir, 'postgres.log')
    writeFileSync(logFile, '')
    const pwFile = join(dir, 'pw')
    writeFileSync(pwFile, `${password}\n`, { mode: 0o600 })
    if (as.uid !== undefined && as.gid !== undefined) for (const f of [dir, logFile, pwFile]) chownSync(f, as.uid, as.gid)
    chmodSync(dir, 0o700)
    const init = await run(
      join(binDir, 'initdb'),
      // --no-sync and the fsync=off below: the data is thrown away, durability would only cost time on a shared disk.
      ['-D', data, '-U', user, `--pwfile=${pwFile}`, '--auth=scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions'],
      { ...as, cwd: dir, timeoutMs: Math.max(1000, deadline - Date.now()) }
    )
    rmSync(pwFile, { force: true })
    if (!init.ok) {
      rmSync(dir, { recursive: true, force: true })
      throw new Error(`initdb failed${as.name === undefined ? '' : ` (as ${as.name})`}: ${init.stderr.trim()}`)
    }
    const [port] = (await freePorts(1)) as [number]
    const proc = spawnGuarded(
      join(binDir, 'postgres'),
      [
        '-D',
        data,
        '-k',
        dir,
        '-h',
        '127.0.0.1',
        '-p',
        String(port),
        '-c',
        'fsync=off',
        '-c',
        'synchronous_commit=off',
        '-c',
        'full_page_writes=off',
        '-c',
        'max_connections=30',
        '-c',
        'shared_buffers=16MB'
      ],
      dir,
      logFile,
      as
    )
    const psql: PostgresServer['psql'] = (sql, who = { user, password }) =>
      run(
        join(binDir, 'psql'),
        ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', String(port), '-U', who.user, '-d', who.database ?? 'postgres', '-c', sql],
        {
          env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PGPASSWORD: who.password, PGCONNECT_TIMEOUT: '5', PGSSLMODE: 'disable', LC_ALL: 'C' },
          timeoutMs: who.timeoutMs ?? 15_000
        }
      )
    try {
      await waitReady('postgres', proc, logFile, deadline, async () => {
        const r = await psql('SELECT 1')
        if (!r.ok) throw new Error(r.stderr.trim())
      })
      const startupMs = Math.round(performance.now() - t0)
      process.stderr.write(`[services] postgres ready in ${startupMs} ms at 127.0.0.1:${port}\n`)
      return { host: '127.0.0.1', port, user, password, binDir, startupMs, psql, stop: () => proc.stop() }
    } catch (err) {
      const bindRace = /address already in use/i.test(readTail(logFile))
      await proc.stop()
      if (attempt >= 2 || !bindRace) throw err
    }
  }
}
