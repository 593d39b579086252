// Regex building blocks shared by the provider rule files. Not a provider:
// the registry does not list it.

/** Before a token: start of line or a character that cannot be part of it. */
/**
 * What a picked password's value may be that is no password: template references, masks and well-known non-secrets,
 * as the generic password rule refuses them (the .NET and libcurl password rules' allow.secrets).
 */
export const PICKED_NOT_SECRETS = [
  '^\\$\\{?[A-Za-z_]',
  '^\\{\\{',
  '^%[A-Za-z_(]',
  '^<.*>$',
  '^\\*+$',
  '^x+$',
  '(?i)^(?:changeme|password|redacted|placeholder|example)'
]

export const START = '(?:^|[^A-Za-z0-9_])'
/** After a token whose charset has no '-': end of line or a non-token character. */
export const END = '(?:[^A-Za-z0-9_]|$)'
/** After a token whose charset includes '-'. */
export const END_DASH = '(?:[^A-Za-z0-9_-]|$)'
/** Before a token whose charset includes '-'. */
export const START_DASH = '(?:^|[^A-Za-z0-9_-])'
/** Before and after a token that may touch an '_' (a value inside a longer identifier). */
export const START_ALNUM = '(?:^|[^A-Za-z0-9])'
export const END_ALNUM = '(?:[^A-Za-z0-9]|$)'

/**
 * The generic assignment rules' head after their keyword (generic.ts `assignment`): the rest of a name,
 * an optional quote, blanks, then the operator. The follows gate (follows-gate.ts) recognises a rule's
 * `follows` by these exact strings, so both read them from here.
 */
export const ASSIGNMENT_HEAD = `[\\w.-]*["']?\\s*(?:=>|:=|=|:)`
/** Between the operator and the value: blanks, then an optional quote, or one escaped once or twice (`clientSecret: \\'…\\'` in a JavaScript string). */
export const ASSIGNMENT_OPENING = `\\s*(?:\\\\{1,2}["']|["']?)`

/**
 * A name that mentions the provider followed by an assignment operator, for
 * formats with no distinctive prefix (32 hex, UUIDs, 40 alnum): on their own
 * they are indistinguishable from hashes and ids, so the provider's name must
 * sit in the key. Covers `NAME=value`, `NAME: value`, `"name": "value"`,
 * `name => value`, `--name=value`, `name := value`, Makefile's `::=`, `:::=` and
 * `?=`, JavaScript's default `process.env.NAME || 'value'`, JSON-escaped quotes, and
 * the Kubernetes env shape `"name":"NAME","value":"value"` that audit events
 * carry. `names` is an alternation matched case-insensitively.
 */
export function named(names: string): string {
  return `(?i:${names})[\\w.-]{0,30}?[\\s'"\\\\\\]]{0,4}(?:=|:{1,3}=|\\?=|:|=>|\\|\\||,\\s*\\\\?"value\\\\?"\\s*:)[\\s'"\\\\]{0,5}`
}

/**
 * Words that make a key name about a credential. Provider names alone are not
 * enough for hex or UUID values: HEROKU_APP_ID, WANDB_GIT_COMMIT and
 * pagerduty dedup keys are ids of the same shape.
 */
export const KEYISH = '(?:key|token|secret|auth|api|pass|pwd|cred)'

/** A provider name followed, within the same identifier, by a credential word. */
export function keyOf(provider: string): string {
  return `(?:${provider})[\\w.-]{0,20}?${KEYISH}`
}

/**
 * `named(names)` then the secret as capture group 1. `value` keeps its case
 * (the secret's own charset); `tail` lists the characters that may not follow
 * it, so a longer string is no match.
 */
export function assigned(names: string, value: string, tail = 'A-Za-z0-9_\\-'): string {
  return `${named(names)}(${value})(?:[^${tail}]|$)`
}

/** Quotes around a key or value, JSON-escaped ones included (`\"`), as they appear in logs of logs. */
export const QUOTE = String.raw`[\\"'\x60]{0,2}`

/**
 * The tighter separator of `assignedThen`: the rest of the identifier
 * (`_API_TOKEN`, at most 20 characters, no lazy match), closing quotes and
 * backticks, one assignment operator (Makefile's `::=`, `:::=`, `?=` and the Kubernetes env shape included),
 * opening quotes. Unlike `named`, it allows backticks and not `]`.
 */
export const ASSIGN = String.raw`[\w.-]{0,20}[\\"'\x60\s]{0,4}(?:=|:{1,3}=|\?=|=>|:|,\s*\\?"value\\?"\s*:)[\\"'\x60\s]{0,5}`

/**
 * `name…=value` with `ASSIGN` between them: the name case-insensitive, the
 * value (case as written) in group 1, then `end`, a whole regex (unlike
 * `assigned`'s character class of what may not follow).
 */
export function assignedThen(names: string, value: string, end: string): string {
  return `(?i:${names})${ASSIGN}(${value})${end}`
}

/** Standard base64 or base64url (padding optional) decoded as JSON, or undefined. */
export function decodeJson(b64: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(b64, 'base64').toString('utf8'))
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

/** Base64 of a JSON object, for generating positives of formats that embed one. */
export function jsonBase64(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64')
}
