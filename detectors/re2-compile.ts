// Compiling a pattern that came from configuration or a rule file. RE2's own
// message quotes the pattern (`missing ): (ghp_…`), and a pattern may hold the
// very value it is meant to allow, so errors name where the pattern was set
// and what RE2 objected to, never the pattern.

import RE2 from 're2'
import type { ErrorCode } from '../pipeline/errors.ts'
import { LeakwatchError } from '../pipeline/errors.ts'

// RE2's error kinds (re2/regexp.cc): anything else the binding says is reported as a plain "invalid pattern".
const KINDS = new Set([
  'unexpected error',
  'invalid escape sequence',
  'invalid character class',
  'invalid character class range',
  'missing ]',
  'missing )',
  'unexpected )',
  'trailing \\',
  'no argument for repetition operator',
  'invalid repetition size',
  'bad repetition operator',
  'invalid perl operator',
  'invalid UTF-8',
  'invalid named capture group',
  'pattern too large - compile failed'
])

/** What RE2 objected to and where: `missing ), at character 1 of 41`; no text of the pattern. */
export function re2Problem(source: string, err: unknown): string {
  const message = err instanceof Error ? err.message : ''
  const colon = message.indexOf(': ')
  const kind = colon < 0 ? message : message.slice(0, colon)
  // RE2 quotes the offending part of the pattern after the kind; its offset is where the problem is.
  const at = colon < 0 ? -1 : source.indexOf(message.slice(colon + 2))
  const where = at < 0 ? `in a pattern of ${source.length} characters` : `at character ${at + 1} of ${source.length}`
  return `${KINDS.has(kind) ? kind : 'invalid pattern'}, ${where}`
}

/**
 * Compiles `source`, or throws `code` naming `where` (an option path, or a rule and its `field`) with RE2's error
 * kind and position. RE2's error is not kept as the cause: its message holds the pattern, and causes get printed
 * and logged.
 */
export function compileRe2(source: string, flags: string, code: ErrorCode, where: string, field?: string): RE2 {
  try {
    return new RE2(source, flags)
  } catch (err) {
    throw new LeakwatchError(code, `${where}: invalid RE2 pattern${field === undefined ? '' : ` in ${field}`} (${re2Problem(source, err)})`)
  }
}

/** `text` as an RE2 pattern that matches it literally. */
export function escapeRe2(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&')
}
