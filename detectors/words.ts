// Names versus random strings: an identifier (camelCase, snake_case, a path)
// assigned to a secret-ish key is configuration, a random string there is a
// leak. Generic rules and rules whose values have no signature ask this
// module which of the two a digit-free value is.

// Words of two letters or fewer and vowel-less abbreviations that names are made of.
const SHORT_WORDS = /^(?:a|e|i|o|u|v|x|id|db|io|ip|os|ui|js|ts|go|my|is|to|of|on|in|by|at|up|as|or|ok|no|ns|vm|rw|ro|qa|ci|cd|pr|gc|tx|rx)$/
const ABBREVIATIONS =
  /^(?:https?|xml|gcp|tls|dns|cfg|pkg|src|ctx|svc|cmd|msg|pwd|kms|ssl|ssh|jwt|sql|crd|rbac|grpc|html|css|npm|std|mgmt|srv|lb|dlq|nfs|smtp|ldap|pvc|vpc|rds|cdn|crl|csr|hsm|tmp|lst|fmt|str|prd|dst|etc|usr|bck)$/

// Letter pairs that English words and the names made of them do not contain (q without u among them).
const NEVER_IN_WORDS = /q(?!u)|bx|cj|cv|cx|dx|fx|gx|hx|j[cfgqvxz]|kx|pz|sx|v[bfhjqtwx]|wx|xj|z[jqx]/

/**
 * A digit-free value made of the words a name is made of: camelCase, PascalCase,
 * snake_case, kebab-case, dotted or path segments, each word pronounceable (a
 * vowel, no run of five consonants, no letter pair English lacks, a fair share of
 * vowels overall) or a known
 * abbreviation, with at most one acronym. Random letters rarely fall apart
 * like that (1 in 10,000 for 24 mixed-case letters, 1 in 300,000 for 36), names do.
 */
export function identifierLike(value: string): boolean {
  let acronyms = 0
  let letters = 0
  let vowels = 0
  for (const part of value.split(/[^A-Za-z]+/)) {
    if (part === '') continue
    // An upper-case part is a SNAKE_CASE word, not a run of acronyms.
    const upper = part.replace(/[^A-Z]/g, '').length
    if (upper < part.length && part.length >= 12 && upper * 5 > part.length * 2) return false // more capitals than names have
    const words = upper === part.length ? [part.toLowerCase()] : (part.match(/[A-Z]+(?![a-z])|[A-Z]?[a-z]+/g) ?? [])
    for (const word of words) {
      if (word === word.toUpperCase() && word.length > 1) {
        if (word.length > 5 || ++acronyms > 1) return false
        continue
      }
      const w = word.toLowerCase()
      if (SHORT_WORDS.test(w) || ABBREVIATIONS.test(w)) continue
      if (w.length <= 2 || !/[aeiouy]/.test(w) || /[^aeiouy]{5,}/.test(w) || NEVER_IN_WORDS.test(w)) return false
      letters += w.length
      vowels += w.replace(/[^aeiouy]/g, '').length
    }
  }
  // Words are 40% vowels (y counted), random letters 23%.
  return vowels * 4 >= letters
}

const JOINED_BY_SYMBOL = /[A-Za-z0-9][$!^][A-Za-z0-9]/

/**
 * A name: every part between punctuation is a number (`2024`), a version (`v2`) or letters, and the
 * letters make an identifier (payments-db-credentials-v2, cart_main_key_v3, var.db_password,
 * secret/data/ci/npm, SecretStr(…), HostName=acme.azure-devices.net). A name assigned to a secret-ish key is a reference, not the
 * secret. Parts that mix letters and digits, and long runs of digits, are what random tokens are made of, and `+`, `~`, `%`
 * and a trailing `=` belong to encodings: they do not separate parts. Passphrases of dictionary words
 * (correct-horse-battery-staple) are names too: the known-secrets detector is what catches those.
 */
export function nameLike(value: string): boolean {
  // `$`, `!` and `^` join no words in any naming convention; between letters or digits (super$ecret,
  // mycoin!1) they are a person's password. (A `$` template reference is the placeholder gate's.)
  if (JOINED_BY_SYMBOL.test(value)) return false
  const words: string[] = []
  // An '=' with more after it is an assignment (HostName=acme.azure-devices.net, DATABASE_URL=postgres): a
  // generic rule's value cut at ';' or ':' inside a connection string or a nested NAME=value holds the name
  // (fuzz seed 20261212, mask-scan case 1726). Only base64's trailing padding stays joined to its part.
  // The lookbehind starts a run of '=' only at its first one, so a long run at the end costs its length once.
  for (const part of value.split(/[^A-Za-z0-9+=~%]+|(?<!=)=+(?=[^=])/)) {
    // Names carry short numbers (v2, 2024, 20240101, a 12-digit account id); a longer run of digits is
    // random material: `key-` + 32 hex that happen to be all digits is a Mailgun key, not a name.
    if (part === '' || /^[vV]?[0-9]{1,13}$/.test(part)) continue
    if (!/^[A-Za-z]+$/.test(part)) return false
    words.push(part)
  }
  return words.length > 0 && (identifierLike(words.join('-')) || constantName(value))
}

const CONSTANT = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/
const CONSTANT_PART = /^(?:[A-Z]{1,12}|[0-9]{1,4})$/

/**
 * An upper-case snake_case constant: an environment variable's or an error code's name (LW_ERR_REDIS_AUTH,
 * GCP_SA_KEY, PG_PASS_FILE). Their words are abbreviations more often than a camelCase name's (LW, ERR,
 * SA, PG), which identifierLike refuses; one word of three or more letters that reads as one is enough
 * here, with every part a short run of letters or a short number. Our own CI output printed a test's name,
 * `a wrong Redis password: LW_ERR_REDIS_AUTH …`, and generic-password-assignment took the code for the
 * password (issue #15). Generated secrets are not upper-case words joined by underscores.
 */
function constantName(value: string): boolean {
  if (!CONSTANT.test(value)) return false
  let word = false
  for (const part of value.split('_')) {
    if (!CONSTANT_PART.test(part)) return false
    if (!word && part.length >= 3 && /^[A-Z]+$/.test(part)) word = identifierLike(part.toLowerCase())
  }
  return word
}

// Words that make a name a reference to a secret rather than any name: a variable, a store, a key.
const REFERENCE_WORDS = new Set([
  'var',
  'vars',
  'env',
  'data',
  'values',
  'value',
  'secret',
  'secrets',
  'token',
  'tokens',
  'password',
  'passwd',
  'pwd',
  'key',
  'keys',
  'credential',
  'credentials',
  'creds',
  'vault',
  'auth',
  'config',
  'settings',
  'ref'
])

// A camelCase compound that ends in a symbol: GraniteEnv$, MasterKey#.
const CAMEL = /[a-z][A-Z]/
const ENDS_IN_SYMBOL = /[A-Za-z0-9][$!^#@]$/

/**
 * A value that a format rule's own field holds (a config file's password attribute, a URL's password)
 * and that reads as a compound name ended by a symbol: a person's password, not a reference. dotnet-config-
 * password took `GraniteEnv$` for a reference named "env" (rules-stability, LEAKWATCH_TEST_SEED=2221711010).
 * Only here, not in `nameLike`: in code that a generic rule meets, a name does end in `!` or `$` (TypeScript's
 * `newPassword!`, an RxJS `password$`), and a member path (`config.dbPassword!`) is a reference either way.
 */
function typedPassword(value: string): boolean {
  return ENDS_IN_SYMBOL.test(value) && CAMEL.test(value) && !value.includes('.')
}

/**
 * A name that refers to a secret (var.db_password, data.vault_generic_secret.ci, secrets/npm-token):
 * what a format rule with a permissive charset (a URL's password, an .npmrc token) meets in templates.
 * Stricter than `nameLike`, so that a random value of a format with separators does not read as one.
 */
export function referenceLike(value: string): boolean {
  if (!nameLike(value) || typedPassword(value)) return false
  return value
    .split(/[^A-Za-z]+/)
    .flatMap((part) => (part === part.toUpperCase() ? [part] : (part.match(/[A-Z]+(?![a-z])|[A-Z]?[a-z]+/g) ?? [])))
    .some((w) => REFERENCE_WORDS.has(w.toLowerCase()))
}
