// The gates a candidate value passes before it is a finding, as pure
// functions of the value and its rule: entropy, the rule's own check, and the
// shapes that are never credentials — stopwords, template references, typed
// sequences, words and identifiers, base64 of any of those, a JWT or a value
// that starts like a known format (that format's rule judges it). Generic
// rules (a value next to a secret-ish name) meet these shapes all the time;
// format rules only the placeholders and references.

import { shannonEntropy } from './entropy.ts'
import type { Rule } from './rule.ts'
import { identifierValue, secretStoreValue, templateValue } from './value-gates.ts'
import { nameLike, referenceLike } from './words.ts'

// Values that generic rules see all the time and that are never credentials.
const GENERIC_STOPWORDS =
  /^(?:true|false|null|none|nil|undefined|empty|changeme|change[_-]?it|password|secret|redacted|masked|hidden|example|sample|placeholder|required|optional|string|value|default|test|dummy|todo|tbd|fixme|replace[_-]?me|set[_-]?me|n\/a|xxx+|\*+|\.+|-+)$/i
// Template references where a value will be substituted, in every templating dialect configs and
// CI logs use: ${X}, ${X:-default}, $X, {{ .Values.x }}, [[ .x ]], %(x)s, <x>, (hidden), [X], $(cmd),
// #{x}, %X%, __X__, @@X@@, process.env.X, os.environ["X"], and runs of one x (random base64 has xXxX;
// a run of four counts only as a whole word, `xxxx-xxxx`: one random key in 10 million starts `XXXX`).
// No credential format looks like one, so every rule is held to it (and to `referenceLike`, such as
// var.db_password): the permissive ones (a URL's password, an .npmrc token, a JDBC property) meet them
// all the time. A parenthesised placeholder is a label, `(hidden)`, `(sensitive value)`: a Django secret key
// (50 of a-z, 0-9 and !@#$%^&*(-_=+)) starts with '(' and ends with ')' once in about 3,000, and
// `\([^()]*\)` refused those (rules-stability, LEAKWATCH_TEST_SEED=3135685249).
const PLACEHOLDER =
  /^(?:\$[A-Za-z_][\w.]*|\$\{[^}]*\}|\{\{.*\}\}|\[\[.*\]\]|<[^>]*>|\([A-Za-z][\w .-]*\)|%\([^)]*\)s?|\[[A-Z_ ]+\]|\$\(.*\)|#\{.*\}|%[A-Za-z_][\w.]*%|__[A-Za-z][\w.]*__|@@[A-Za-z][\w.]*@@|(?:process\.env|os\.environ)\b.*|(?-i:ENV)(?:\[|\.fetch\().*|(?-i:(?:x{4,}|X{4,})(?:[^A-Za-z0-9].*)?|.*(?:x{6,}|X{6,}).*)|\*{3,}.*|.*\*{6,}.*)$/i

// Runs of a keyboard or the alphabet, and the words of made-up values: what people type into examples.
// Each word in one case (dummy, Dummy, DUMMY), not any mix: a random 36-character base62 token holds
// "dUmMy" somewhere once in a million, and a rule's gate may not refuse real tokens at that rate
// (test/detectors/rules-stability.test.ts). The short words count only at the start of a word
// (your-token, YOUR_KEY, fake_secret) and before a separator: inside a camelCase run ("…oFakeK…")
// they are as likely in random text, identifiers such as myFakeKey are names (words.ts) anyway, and
// a password's last letters after its symbol (Harbor4719%YOUR) are one in 2.5 million generated ones.
const inOneCase = (w: string): string[] => [w, (w[0] ?? '').toUpperCase() + w.slice(1), w.toUpperCase()]
const SEQUENCES = new RegExp(
  `0123456|1234567|${['abcdefg', 'bcdefgh', 'qwerty', 'asdfgh', 'example', 'sample', 'dummy', 'redacted', 'changeme', 'placeholder'].flatMap(inOneCase).join('|')}|(?:^|[^A-Za-z0-9])(?:${['fake', 'your'].flatMap(inOneCase).join('|')})[-_.]`
)

/** Whether `value` holds a keyboard or alphabet run or a made-up value's word (SEQUENCES): what the placeholder gates refuse inside a value. */
export function holdsPlaceholderRun(value: string): boolean {
  return SEQUENCES.test(value)
}

/**
 * The prefixes of the format rules among `rules`, as a value starting with one is written: a value
 * that starts like a known format (ghp_, npm_, xoxe., eyJ…) is judged by that format's rule alone,
 * and when its checksum or shape check rejected it, a generic rule must not report it anyway.
 * Provider prefixes are written in one case (ghp_, AKIA, xoxb-): they are compared exactly, in lower
 * and upper case, so a random value that merely starts with the same letters in another case is not
 * deferred.
 */
export function formatPrefixes(rules: Iterable<Rule>): string[] {
  const keywords = new Set<string>()
  for (const r of rules) if (r.kind === 'pattern') for (const k of r.keywords) keywords.add(k)
  return [...keywords].filter((k) => /^[a-z0-9]/.test(k) && (k.length >= 4 || /[^a-z0-9]/.test(k))).flatMap((k) => [k, k.toUpperCase()])
}

/**
 * Whether the format rule(s) of `prefix` own `value`, a value starting with it (secrets.ts: a prefix
 * with a separator, or their pattern matches the value). A rule's keywords are its prefixes, but many
 * are names (apilayer, qase, redis, vault): about one random base62 value in 170,000 starts with one in
 * either case, and a generic rule that deferred on the letters alone dropped it (`client_secret:
 * apimOM1Zi…`) though no format rule would ever report it.
 */
export type FormatClaim = (value: string, prefix: string) => boolean

/** Longest period `periodicValue` looks for: placeholders repeat a short run (abcdef…, 123456…, ABCD…). */
const MAX_PERIOD = 8

/**
 * A value whose end, two thirds of it or more, repeats a run of at most MAX_PERIOD characters three times or
 * more, with at least eight characters that the repetition alone decides: `abcdef` repeated to 40 characters,
 * `su` then `ABCD` three times. Entropy bars set below the random values of a format (a 40-hex key is under
 * 3.0 1.6 times in a million) let such runs through: `abcdef` repeated scores 2.58. A random value repeats
 * like that about once in 4 billion (hex: eight characters that must equal the ones a period earlier, 16^-8,
 * for each of eight periods).
 */
export function periodicValue(value: string): boolean {
  const n = value.length
  for (let p = 1; p <= MAX_PERIOD && 3 * p <= n; p++) {
    let k = n - p
    while (k > 0 && value.charCodeAt(k - 1) === value.charCodeAt(k - 1 + p)) k--
    const run = n - k
    if (run >= 3 * p && run - p >= 8 && 3 * run >= 2 * n) return true
  }
  return false
}

/**
 * The rule's gates on a value it captured, allowlists aside: its entropy bar, no template
 * reference, no name of a secret (for a format rule, unless the value starts with the format's own
 * prefix), a generic value's plausibility, and the rule's own check.
 */
export function plausibleSecret(rule: Rule, secret: string, prefixes: readonly string[], claims?: FormatClaim): boolean {
  if (rule.minEntropy !== undefined && shannonEntropy(secret) < rule.minEntropy) return false
  if (placeholderLike(secret)) return false
  // A key block's body is checked by its own reader (pem.ts); every other value may not be a repeated run.
  if (rule.block === undefined && periodicValue(secret)) return false
  // A generic value's cheapest test first (JavaScript regexes on the value): it refuses half of what generic
  // rules capture on plain logs (`password: REQUIRED`), which then skip the RE2 gates below (issue #15).
  if (rule.kind === 'generic' && !valuePlausible(secret)) return false
  // Encrypted values, secret-store references and template placeholders are never the secret, whichever rule took them.
  // Except that a key block's body is the key, its header says so, even when its base64 happens to start like
  // a KMS or sealed-secrets blob ("CiQA", "AQICAH", "AQB"…): rules-stability's 2,000 random PGP bodies a run
  // met one (LEAKWATCH_TEST_SEED=299868105: the key was missed).
  if ((rule.block === undefined && secretStoreValue(secret)) || templateValue(secret, rule.dotsAreData === true)) return false
  // A reference to a secret is not one. Generic values are held to any name (genericPlausible); format
  // values only to names that refer to a secret, and never when they start with the format's own prefix.
  if (rule.kind === 'pattern' && referenceLike(secret) && !rule.keywords.some((k) => secret.toLowerCase().startsWith(k))) return false
  if (rule.kind === 'generic' && !genericPlausibleBeyondValue(secret, prefixes, claims)) return false
  if (rule.validate !== undefined && !rule.validate(secret)) return false
  return true
}

/**
 * A template reference, a run of x, or a masked value (starting with three asterisks, as CI systems mask, or
 * holding six, as leakwatch's own masks do): where a value will be substituted, or has been blanked. A
 * masked `DB_PASSWORD=********` followed by a colour reset and a timestamp was reported as the password
 * `********2026-11-24T…Z` (fuzz seed 20261211, mask-scan case 1710), and scanning mask's own output found
 * its masks again.
 */
export function placeholderLike(value: string): boolean {
  return PLACEHOLDER.test(value)
}

/**
 * The gates every generic value passes: not a stopword or template, not a
 * typed sequence, not a word or identifier, and not the start of a known format
 * (of one that owns the value, when `claims` is given: see FormatClaim).
 */
export function genericPlausible(secret: string, prefixes: readonly string[], claims?: FormatClaim): boolean {
  return valuePlausible(secret) && genericPlausibleBeyondValue(secret, prefixes, claims)
}

/** genericPlausible for a value known to pass valuePlausible. */
function genericPlausibleBeyondValue(secret: string, prefixes: readonly string[], claims?: FormatClaim): boolean {
  if (identifierValue(secret)) return false
  // Kubernetes Secret manifests carry values base64-encoded: `password: Y2hhbmdlbWU=` is "changeme".
  const decoded = decodedText(secret)
  if (decoded !== undefined && (PLACEHOLDER.test(decoded) || !valuePlausible(decoded))) return false
  // A JWT, valid or not, is the JWT rules' to judge: base64url of a JSON header (`{"alg":…`). Recognised by
  // decoding, not by its first letters, which one random token in 240,000 shares.
  if (jwtLike(secret)) return false
  const index = prefixIndex(prefixes)
  const list = index === undefined ? prefixes : index.get(pairKey(secret))
  if (list === undefined) return true
  for (const p of list) if (secret.startsWith(p) && (claims === undefined || claims(secret, p))) return false
  return true
}

/** A value's first two code units as one number. */
function pairKey(s: string): number {
  return s.length < 2 ? -1 : (s.charCodeAt(0) << 16) | s.charCodeAt(1)
}

const PREFIX_INDEX = new WeakMap<readonly string[], Map<number, string[]> | undefined>()

/**
 * The prefixes by their first two characters, in their order, built once per list: testing each of the
 * built-in rules' ~1,600 against every generic value was a fifth of the gates' time on plain logs (issue #15).
 * Undefined, and the list read whole, when a prefix is shorter than two characters (formatPrefixes makes none).
 * Kept per list object: a list is not changed once passed (the engine builds its own once).
 */
function prefixIndex(prefixes: readonly string[]): Map<number, string[]> | undefined {
  if (PREFIX_INDEX.has(prefixes)) return PREFIX_INDEX.get(prefixes)
  let index: Map<number, string[]> | undefined = new Map()
  for (const p of prefixes) {
    if (p.length < 2) {
      index = undefined
      break
    }
    const k = pairKey(p)
    const bucket = index.get(k) ?? []
    index.set(k, bucket)
    bucket.push(p)
  }
  PREFIX_INDEX.set(prefixes, index)
  return index
}

/** A stopword (changeme, redacted, …) or a run of a keyboard or the alphabet: what people type into examples. */
export function madeUpValue(value: string): boolean {
  return GENERIC_STOPWORDS.test(value) || holdsPlaceholderRun(value)
}

/** Not a stopword, a typed sequence, a short word or a name. */
export function valuePlausible(value: string): boolean {
  if (madeUpValue(value)) return false
  // A short run of letters is a word. Longer ones are judged by their shape, not rejected outright:
  // 1.5% of random 24-character base62 tokens have no digit, and they leak too. A name assigned to a
  // secret-ish key (payments-db-credentials-v2, var.db_password) is a reference, not the secret.
  if (/^[A-Za-z]+$/.test(value) && value.length < 20) return false
  return !nameLike(value)
}

/** A value whose first segment is base64url of a JSON object's start: a JWT's header. */
export function jwtLike(value: string): boolean {
  if (!value.startsWith('eyJ')) return false
  const head = Buffer.from(value.split('.')[0] ?? '', 'base64url').toString('latin1')
  return /^\{"[\x20-\x7e]*$/.test(head) && head.includes('":')
}

/** The text a canonical, padded base64 value decodes to, when that is short printable text. */
export function decodedText(value: string): string | undefined {
  if (value.length > 64 || value.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return undefined
  const text = Buffer.from(value, 'base64').toString('utf8')
  return /^[\x20-\x7e]+$/.test(text) ? text : undefined
}
