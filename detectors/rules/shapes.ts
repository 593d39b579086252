// Regex fragments shared by the provider rule files. They only build
// strings: every rule stays a plain data object that can be read on its own.

/** Quotes around a key or value, JSON-escaped ones included (`\"`), as they appear in logs of logs. */
export const QUOTE = String.raw`[\\"'\x60]{0,2}`

/**
 * What may sit between a provider's name and its value, gitleaks-style: the
 * rest of the identifier (`_API_TOKEN`), closing quotes, one assignment
 * operator, opening quotes. Formats without a distinctive prefix are only
 * trusted when bound to their provider's name this tightly. The last
 * operator is the Kubernetes env shape `{"name":"NAME","value":"…"}` that pod
 * specs in audit events carry.
 */
export const ASSIGN = String.raw`[\w.-]{0,20}[\\"'\x60\s]{0,4}(?:=|:=|=>|:|,\s*\\?"value\\?"\s*:)[\\"'\x60\s]{0,5}`

/** `name…=value`: the name case-insensitive, the value (case as written) in group 1, then `end`. */
export function assigned(names: string, value: string, end: string): string {
  return `(?i:${names})${ASSIGN}(${value})${end}`
}
