// Job logs shaped like GitHub Actions' raw job logs (`…/actions/jobs/{id}/logs`):
// every line stamped `2024-01-01T00:00:00.0000000Z `, steps opened by
// `##[group]Run …` and `##[endgroup]`, the runner's set-up preamble, ANSI
// colour in command echoes and tool output, `\r` progress redraws, CRLF from
// Windows tools, `***` where GitHub masked a registered secret, and chosen
// lines (secrets planted by the test) at chosen line numbers. Generated from a
// seed, chunk by chunk, so a 50 MB log costs no memory and is the same bytes
// on every call.

import type { Rng } from '../../detectors/gen.ts'
import { createRng } from '../../detectors/gen.ts'

export interface GithubLogSpec {
  seed: number
  /** Roughly this many bytes (the log ends at the first line past it, after the planted lines). */
  bytes: number
  /** Raw line number (1-based) → the line's text, without timestamp. */
  plant: Map<number, string>
  start: Date
}

function stamp(ms: number): string {
  const iso = new Date(ms).toISOString()
  return `${iso.slice(0, 19)}.${iso.slice(20, 23)}${String(ms % 7).padStart(4, '0')}Z`
}

const PREAMBLE = [
  "Current runner version: '2.321.0'",
  '##[group]Operating System',
  'Ubuntu',
  '24.04.1',
  'LTS',
  '##[endgroup]',
  '##[group]Runner Image',
  'Image: ubuntu-24.04',
  'Version: 20241201.1.0',
  '##[endgroup]',
  '##[group]GITHUB_TOKEN Permissions',
  'Contents: read',
  'Metadata: read',
  '##[endgroup]',
  'Secret source: Actions',
  'Prepare workflow directory',
  'Prepare all required actions',
  'Getting action download info',
  "Download action repository 'actions/checkout@v4' (SHA:11bd71901bbe5b1630ceea73d27597364c9af683)",
  'Complete job name: build',
  '##[group]Run actions/checkout@v4',
  'with:',
  '  repository: octo-org/octo-repo',
  '  token: ***',
  '  ssh-strict: true',
  '##[endgroup]',
  'Syncing repository: octo-org/octo-repo',
  '##[group]Getting Git version info',
  "Working directory is '/home/runner/work/octo-repo/octo-repo'",
  '[command]/usr/bin/git version',
  'git version 2.47.1',
  '##[endgroup]',
  '##[group]Run npm test',
  '\u001b[36;1mnpm test\u001b[0m',
  'shell: /usr/bin/bash -e {0}',
  'env:',
  '  NODE_ENV: test',
  '  NPM_TOKEN: ***',
  '##[endgroup]'
]

function bodyLine(rng: Rng, n: number): string {
  switch (rng.int(12)) {
    case 0:
      return `\u001b[32m✔\u001b[39m test ${n} passes (${1 + rng.int(899)}ms)`
    case 1:
      return `npm \u001b[33mWARN\u001b[39m deprecated inflight@1.0.6: This module is not supported, and leaks memory.`
    case 2:
      return `Downloading ${1 + rng.int(99)}%\rDownloading ${1 + rng.int(99)}%\rDownloading 100%`
    case 3:
      return `  at Object.<anonymous> (/home/runner/work/octo-repo/octo-repo/src/file${1 + rng.int(98)}.ts:${1 + rng.int(399)}:${1 + rng.int(79)})`
    case 4:
      return `[build] compiled ${1 + rng.int(2999)} modules in ${100 + rng.int(8900)} ms\r`
    case 5:
      return `GET https://registry.npmjs.org/${rng.chars('abcdefghijklmnopqrstuvwxyz', 8)} 200 ${10 + rng.int(890)}ms`
    case 6:
      return `Authorization: ***`
    case 7:
      return `\u001b[1m\u001b[31m●\u001b[39m\u001b[22m suite ${n} › handles the edge case number ${1 + rng.int(99998)}`
    default:
      return `info  ${rng.chars('abcdefghijklmnopqrstuvwxyz0123456789 ', 20 + rng.int(90))}`
  }
}

export interface GithubLog {
  generate: () => AsyncIterable<Buffer>
}

export function githubLog(spec: GithubLogSpec): GithubLog {
  return {
    async *generate() {
      const rng = createRng(spec.seed)
      let ms = spec.start.getTime()
      let line = 0
      let size = 0
      let parts: string[] = []
      let partBytes = 0
      const maxPlanted = Math.max(0, ...spec.plant.keys())
      const text = (l: number): string => spec.plant.get(l) ?? (l <= PREAMBLE.length ? (PREAMBLE[l - 1] as string) : bodyLine(rng, l))
      while (size < spec.bytes || line < maxPlanted) {
        line++
        ms += rng.int(3)
        const eol = line % 997 === 0 ? '\r\n' : '\n'
        const s = `${stamp(ms)} ${text(line)}${eol}`
        parts.push(s)
        partBytes += s.length
        size += s.length
        if (partBytes >= 64 * 1024) {
          yield Buffer.from(parts.join(''))
          parts = []
          partBytes = 0
        }
      }
      for (const tail of ['Post job cleanup.', 'Cleaning up orphan processes']) parts.push(`${stamp(ms)} ${tail}\n`)
      yield Buffer.from(parts.join(''))
    }
  }
}
