// `leakwatch rules import-gitleaks gitleaks.toml [-o out.yaml]`: writes the
// converted rules as a leakwatch rule file (for `scan --rules`), and says on
// stderr what could not be carried over.

import { readFileSync, writeFileSync } from 'node:fs'
import type { Writable } from 'node:stream'
import { stringify } from 'yaml'
import { convertGitleaks } from '../detectors/gitleaks.ts'
import { LeakwatchError } from '../pipeline/errors.ts'

export interface ImportOptions {
  input: string
  output: string | undefined
  stdout: Writable
  stderr: Writable
}

/** Exit code 0 when a rule file was written, even with rules skipped (they are listed on stderr). */
export function importGitleaks(opts: ImportOptions): number {
  let text: string
  try {
    text = readFileSync(opts.input, 'utf8')
  } catch (err) {
    throw new LeakwatchError('LW_ERR_USAGE', `cannot read ${opts.input} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { cause: err })
  }
  const result = convertGitleaks(text, opts.input)
  for (const w of result.warnings) opts.stderr.write(`leakwatch: warning: ${w}\n`)
  for (const s of result.skipped) opts.stderr.write(`leakwatch: skipped rule ${s.id}: ${s.reason}\n`)
  const yaml = `# Converted from ${opts.input} by \`leakwatch rules import-gitleaks\`.\n# Use with: leakwatch scan --rules <this file>\n${stringify(result.document, { lineWidth: 0 })}`
  if (opts.output === undefined) opts.stdout.write(yaml)
  else writeFileSync(opts.output, yaml)
  opts.stderr.write(
    `leakwatch: converted ${result.document.rules.length} rule(s)${result.skipped.length > 0 ? `, skipped ${result.skipped.length}` : ''}${opts.output === undefined ? '' : ` into ${opts.output}`}\n`
  )
  return 0
}
