// docs/configuration.md and docs/errors.md hold what `leakwatch config docs` and `leakwatch errors`
// print, between markers, so the reference cannot drift from the schema and the error list. biome
// formats Markdown (it pads tables), so a page is rendered as: the page with its block replaced by the
// command's output, then formatted by biome. `npm run docs` writes that back; test/docs/docs.test.ts
// renders each page the same way and fails when the file differs.
//
// Usage: node scripts/docs.ts [--check]   (--check writes nothing and exits 1 when a page is stale)

import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

export const root = resolve(import.meta.dirname, '..')

export interface Generated {
  /** The page, relative to the repository root. */
  page: string
  /** The arguments of `node bin/leakwatch.ts` whose output the block holds. */
  command: readonly string[]
}

export const GENERATED: readonly Generated[] = [
  { page: 'docs/configuration.md', command: ['config', 'docs'] },
  { page: 'docs/errors.md', command: ['errors'] }
]

export const END = '<!-- END GENERATED -->'

export function beginMarker(command: readonly string[]): string {
  return `<!-- BEGIN GENERATED: ${command.join(' ')} -->`
}

/** Output of `node bin/leakwatch.ts ...args`, without the caller's LEAKWATCH_* variables (they could change what it prints). */
export function leakwatch(...args: string[]): string {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('LEAKWATCH_')))
  return execFileSync(process.execPath, [join(root, 'bin/leakwatch.ts'), ...args], { encoding: 'utf8', env })
}

/** The text between the BEGIN marker of `command` and the END marker that follows it. */
export function block(page: string, command: readonly string[]): string {
  const begin = beginMarker(command)
  const from = page.indexOf(begin)
  const to = from < 0 ? -1 : page.indexOf(END, from)
  if (to < 0) throw new Error(`no "${begin}" … "${END}" block`)
  return page.slice(from + begin.length, to)
}

/** `page` with the block of `command` replaced by `output`. */
export function fill(page: string, command: readonly string[], output: string): string {
  const inner = block(page, command)
  const at = page.indexOf(beginMarker(command)) + beginMarker(command).length
  return `${page.slice(0, at)}\n\n${output.trim()}\n\n${page.slice(at + inner.length)}`
}

/** `text` as `biome format` writes the file `path` (relative to the root). */
export function format(path: string, text: string): string {
  const biome = join(root, 'node_modules/@biomejs/biome/bin/biome')
  return execFileSync(process.execPath, [biome, 'format', `--stdin-file-path=${path}`], { input: text, encoding: 'utf8', cwd: root })
}

/** What `entry.page` must hold: its current text with the block regenerated, formatted. */
export function render(entry: Generated): string {
  const current = readFileSync(join(root, entry.page), 'utf8')
  return format(entry.page, fill(current, entry.command, leakwatch(...entry.command)))
}

if (import.meta.main) {
  const check = process.argv.includes('--check')
  let stale = 0
  for (const entry of GENERATED) {
    const path = join(root, entry.page)
    const want = render(entry)
    if (want === readFileSync(path, 'utf8')) continue
    stale++
    if (check) process.stderr.write(`${entry.page} is stale: run \`npm run docs\`\n`)
    else {
      writeFileSync(path, want)
      process.stdout.write(`${entry.page}: regenerated from \`leakwatch ${entry.command.join(' ')}\`\n`)
    }
  }
  if (check && stale > 0) process.exitCode = 1
}
