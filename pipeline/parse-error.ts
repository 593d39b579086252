// Where a YAML or JSON document failed to parse, without quoting it. The
// parsers' own messages quote the offending line, and in a configuration or
// rule file that line can be a key, a token or a pattern that matches one:
// leakwatch reports the position and the kind of error only.

/** `YAMLParseError`'s code and position, or JSON.parse's line/column or offset. */
export function parseErrorPosition(err: unknown): string {
  const e = err as { code?: unknown; linePos?: Array<{ line: number; col: number }>; message?: unknown } | null | undefined
  const pos = Array.isArray(e?.linePos) ? e.linePos[0] : undefined
  if (pos !== undefined) {
    const kind = typeof e?.code === 'string' ? e.code.toLowerCase().replaceAll('_', ' ') : 'syntax error'
    return `${kind} at line ${pos.line}, column ${pos.col}`
  }
  const message = typeof e?.message === 'string' ? e.message : ''
  const lc = /\(line (\d+) column (\d+)\)/.exec(message)
  if (lc !== null) return `syntax error at line ${lc[1]}, column ${lc[2]}`
  const at = /position (\d+)/.exec(message)
  return at !== null ? `syntax error at offset ${at[1]}` : 'syntax error'
}
