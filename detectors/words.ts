// Names versus random strings: an identifier (camelCase, snake_case, a path)
// assigned to a secret-ish key is configuration, a random string there is a
// leak. Generic rules and rules whose values have no signature ask this
// module which of the two a digit-free value is.

// Words of two letters or fewer and vowel-less abbreviations that names are made of.
const SHORT_WORDS = /^(?:a|e|i|o|u|v|x|id|db|io|ip|os|ui|js|ts|go|my|is|to|of|on|in|by|at|up|as|or|ok|no|ns|vm|rw|ro|qa|ci|cd|pr|gc|tx|rx)$/
const ABBREVIATIONS =
  /^(?:https?|xml|gcp|tls|dns|cfg|pkg|src|ctx|svc|cmd|msg|pwd|kms|ssl|ssh|jwt|sql|crd|rbac|grpc|html|css|npm|std|mgmt|srv|lb|dlq|nfs|smtp|ldap|pvc|vpc|rds|cdn|crl|csr|hsm|tmp|lst|fmt|str|prd|dst|etc|usr|bck)$/

/**
 * A digit-free value made of the words a name is made of: camelCase, PascalCase,
 * snake_case, kebab-case, dotted or path segments, each word pronounceable (a
 * vowel, no run of four consonants, a fair share of vowels overall) or a known
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
      if (w.length <= 2 || !/[aeiouy]/.test(w) || /[^aeiouy]{4,}/.test(w) || /q(?!u)/.test(w)) return false
      letters += w.length
      vowels += w.replace(/[^aeiouy]/g, '').length
    }
  }
  // Words are 40% vowels (y counted), random letters 23%.
  return vowels * 4 >= letters
}
