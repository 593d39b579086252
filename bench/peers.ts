// The peers leakwatch is compared with, run on the same files: secretlint
// (npm, recommended preset) and gitleaks (`gitleaks dir`). Their reports hold
// plaintext secrets, so each is read into Reported (file, line, rule, SHA-256)
// and deleted at once.

import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { homedir } from 'node:os'
import { basename, delimiter, dirname, join } from 'node:path'
import type { Measured } from './measure.ts'
import { measure } from './measure.ts'
import type { Reported } from './score.ts'

const sha256 = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex')

export interface PeerRun {
  measured: Measured
  findings: Reported[]
}

/** gitleaks on the PATH, else where `go install` puts it (GOPATH/bin, ~/go/bin by default). */
export function findGitleaks(): string | undefined {
  const dirs = (process.env.PATH ?? '').split(delimiter)
  if (process.env.GOPATH !== undefined) dirs.push(join(process.env.GOPATH, 'bin'))
  dirs.push(join(homedir(), 'go', 'bin'))
  for (const d of dirs) {
    const p = join(d, 'gitleaks')
    if (d !== '' && existsSync(p)) return p
  }
  return undefined
}

export function gitleaksVersion(bin: string): string {
  const v = spawnSync(bin, ['version'], { encoding: 'utf8' }).stdout.trim()
  // `go install` builds report "version is set by build process"; the module version is then in the binary's build info.
  if (/^v?\d/.test(v)) return v
  const info = spawnSync('go', ['version', '-m', bin], { encoding: 'utf8' })
  const mod = /\bmod\s+\S+\s+(v\S+)/.exec(info.stdout ?? '')
  return mod?.[1] ?? v
}

interface GitleaksFinding {
  RuleID: string
  File: string
  StartLine: number
  Secret: string
}

/**
 * `gitleaks dir` with its default rules and settings (decoding to depth 5
 * included). Run from the scanned directory's parent so no .gitleaksignore or
 * .gitleaks.toml of the repository applies.
 */
export async function runGitleaks(bin: string, dir: string, report: string, core: number | undefined): Promise<PeerRun> {
  rmSync(report, { force: true })
  const measured = await measure(
    bin,
    ['dir', basename(dir), '--no-banner', '--no-color', '--log-level', 'error', '--exit-code', '0', '--report-format', 'json', '--report-path', report],
    { core, cwd: dirname(dir) }
  )
  if (measured.code !== 0) throw new Error(`gitleaks exited with ${measured.code}: ${measured.stderr}`)
  try {
    const found = JSON.parse(readFileSync(report, 'utf8')) as GitleaksFinding[]
    return { measured, findings: found.map((f) => ({ file: basename(f.File), line: f.StartLine, rule: f.RuleID, sha256: sha256(f.Secret) })) }
  } finally {
    rmSync(report, { force: true })
  }
}

export function secretlintVersion(): string {
  const require = createRequire(import.meta.url)
  const own = (name: string): string => (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version
  return `${own('secretlint')} (preset-recommend ${own('@secretlint/secretlint-rule-preset-recommend')})`
}

interface SecretlintResult {
  filePath: string
  sourceContent: string
  messages: Array<{ ruleId: string; range: [number, number]; loc: { start: { line: number } } }>
}

/**
 * secretlint with the recommended preset on the given files. Its JSON report
 * carries every file's whole content; the value of a finding is the message's
 * range in it, so masking (its default) can stay on.
 */
export async function runSecretlint(config: string, dir: string, files: readonly string[], report: string, core: number | undefined): Promise<PeerRun> {
  const require = createRequire(import.meta.url)
  const bin = join(dirname(require.resolve('secretlint/package.json')), 'bin', 'secretlint.js')
  rmSync(report, { force: true })
  const measured = await measure(
    process.execPath,
    // --no-gitignore: the corpus lives in the ignored .cache/, which secretlint (v13+) would otherwise skip silently.
    [bin, '--secretlintrc', config, '--no-gitignore', '--no-glob', '--no-color', '--format', 'json', '--output', report, ...files.map((f) => join(dir, f))],
    { core }
  )
  // Exit code 1 means "found something".
  if (measured.code !== 0 && measured.code !== 1) throw new Error(`secretlint exited with ${measured.code}: ${measured.stderr}`)
  try {
    const results = JSON.parse(readFileSync(report, 'utf8')) as SecretlintResult[]
    const findings: Reported[] = []
    for (const r of results)
      for (const m of r.messages)
        findings.push({ file: basename(r.filePath), line: m.loc.start.line, rule: m.ruleId, sha256: sha256(r.sourceContent.slice(m.range[0], m.range[1])) })
    return { measured, findings }
  } finally {
    rmSync(report, { force: true })
  }
}
