// Issue #12: every regex that sees log content must be linear-time. The rules'
// regexes are RE2 (hostile-lines.test.ts checks every compiled rule); the
// engine's own JavaScript regexes are listed here, each with why it cannot
// backtrack out of proportion. A new one fails this test until it is RE2 or
// added here with its reason.

import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'

// A regex literal, roughly: not after a word, ')' or ']' (division), not a comment.
const LITERAL = /(?<![\w)\]$])\/(?![/*\s])((?:\\.|\[(?:\\.|[^\]\\\n])*\]|[^/\\\n[])+)\/([dgimsuyv]*)/g

/** Per file of the engine's hot path: each JavaScript regex literal in it and why it is bounded. */
const BOUNDED: Record<string, Array<[string, string]>> = {
  'detectors/re2-compile.ts': [['/[\\\\^$.*+?()[\\]{}|/-]/g', 'escapeRe2, on rule keywords (configuration), not log content']],
  'detectors/framing.ts': [
    [
      '/\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(?:[.,]\\d{1,9})?(?:Z|[+-]\\d\\d:?\\d\\d) (?:(?:stdout|stderr) [PF] |[0-9a-f]{2}[OE]\\+? )?/y',
      'sticky at a line start that holds a year; fixed width (at most ~60 characters): bounded'
    ]
  ],
  'detectors/gates.ts': [
    [
      '/^(?:true|false|null|none|nil|undefined|empty|changeme|change[_-]?it|password|secret|redacted|masked|hidden|example|sample|placeholder|required|optional|string|value|default|test|dummy|todo|tbd|fixme|replace[_-]?me|set[_-]?me|n\\/a|xxx+|\\*+|\\.+|-+)$/i',
      'anchored alternation of literals and single-class runs, on a captured value: linear'
    ],
    [
      '/^(?:\\$[A-Za-z_][\\w.]*|\\$\\{[^}]*\\}|\\{\\{.*\\}\\}|\\[\\[.*\\]\\]|<[^>]*>|\\([A-Za-z][\\w .-]*\\)|%\\([^)]*\\)s?|\\[[A-Z_ ]+\\]|\\$\\(.*\\)|#\\{.*\\}|%[A-Za-z_][\\w.]*%|__[A-Za-z][\\w.]*__|@@[A-Za-z][\\w.]*@@|(?:process\\.env|os\\.environ)\\b.*|(?-i:ENV)(?:\\[|\\.fetch\\().*|(?-i:(?:x{4,}|X{4,})(?:[^A-Za-z0-9].*)?|.*(?:x{6,}|X{6,}).*)|\\*{3,}.*|.*\\*{6,}.*)$/i',
      'anchored; each alternative has at most one backtracking .*: linear in the value'
    ],
    ['/^[a-z0-9]/', 'on rule keywords (configuration)'],
    ['/[^a-z0-9]/', 'on rule keywords (configuration)'],
    ['/^[A-Za-z]+$/', 'anchored single class: linear'],
    ['/^\\{"[\\x20-\\x7e]*$/', 'anchored single class: linear'],
    ['/^[A-Za-z0-9+/]+={0,2}$/', 'after a length check (at most 64 characters): bounded'],
    ['/^[\\x20-\\x7e]+$/', 'anchored single class: linear']
  ],
  'detectors/pem.ts': [
    ['/[^A-Za-z0-9+/=]/g', 'single character, global: linear'],
    ['/\\\\[nr]/g', 'two characters, global: linear'],
    ['/^(?:[A-Za-z0-9+/=\\s]|\\\\[nr])*/', 'anchored; alternatives start with disjoint characters: linear'],
    ['/^\\s*[A-Za-z][A-Za-z-]*:\\s/', 'anchored; runs separated by disjoint classes: linear'],
    ['/\\\\?["\']$/', 'at most two characters from each start: linear'],
    ['/^(?:\\\\{1,2}[nr])*\\\\{0,3}["\']/', 'anchored; each repetition ends in n or r, which the backslashes after it cannot: linear']
  ],
  'detectors/decode.ts': [
    ['/\\\\(?:["\\\\/bfnrt]|u[0-9a-fA-F]{4})/g', 'fixed length: linear'],
    ['/%[0-9A-Fa-f]{2}/', 'fixed length: linear'],
    ['/&(?:quot|amp|lt|gt|apos|#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6});/g', 'bounded length (at most 10 characters): linear'],
    ['/&(?:quot|amp|lt|gt|apos|#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6});/y', 'sticky, bounded length (at most 10 characters): constant'],
    ['/(?:%[0-9A-Fa-f]{2})+/g', 'greedy run of fixed-length units, no ambiguity: linear']
  ],
  'detectors/entropy.ts': [['/[^\\p{ASCII}]/u', 'single character: linear']],
  'detectors/words.ts': [
    [
      '/^(?:a|e|i|o|u|v|x|id|db|io|ip|os|ui|js|ts|go|my|is|to|of|on|in|by|at|up|as|or|ok|no|ns|vm|rw|ro|qa|ci|cd|pr|gc|tx|rx)$/',
      'anchored alternation of literals: bounded'
    ],
    [
      '/^(?:https?|xml|gcp|tls|dns|cfg|pkg|src|ctx|svc|cmd|msg|pwd|kms|ssl|ssh|jwt|sql|crd|rbac|grpc|html|css|npm|std|mgmt|srv|lb|dlq|nfs|smtp|ldap|pvc|vpc|rds|cdn|crl|csr|hsm|tmp|lst|fmt|str|prd|dst|etc|usr|bck)$/',
      'anchored alternation of literals: bounded'
    ],
    ['/q(?!u)|bx|cj|cv|cx|dx|fx|gx|hx|j[cfgqvxz]|kx|pz|sx|v[bfhjqtwx]|wx|xj|z[jqx]/', 'fixed-length alternatives: linear'],
    ['/[^A-Za-z]+/', 'a single class or a run of one class, on a captured value or one of its words: linear'],
    ['/[^A-Z]/g', 'a single class or a run of one class, on a captured value or one of its words: linear'],
    ['/[A-Z]+(?![a-z])|[A-Z]?[a-z]+/g', 'a capital run steps back at most one character before a lower-case letter: linear'],
    ['/[aeiouy]/', 'a single class or a run of one class, on a captured value or one of its words: linear'],
    ['/[^aeiouy]{5,}/', 'a run of one class, at most the run per start and runs do not overlap: linear'],
    ['/[^aeiouy]/g', 'a single class or a run of one class, on a captured value or one of its words: linear'],
    ['/[A-Za-z0-9][$!^][A-Za-z0-9]/', 'three single characters: linear'],
    [
      '/[^A-Za-z0-9+=~%]+|(?<!=)=+(?=[^=])/',
      'a run of one class, or a run of = started only at its first = (the lookbehind) and a one-character lookahead: each run is tried once, linear'
    ],
    ['/^[vV]?[0-9]{1,13}$/', 'anchored; a run of one class of at most 13: linear'],
    ['/^[A-Za-z]+$/', 'a single class or a run of one class, on a captured value or one of its words: linear'],
    ['/^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/', "anchored runs of one class between '_', which the class does not hold: each character read once, linear"],
    ['/^(?:[A-Z]{1,12}|[0-9]{1,4})$/', 'anchored alternation of two disjoint bounded runs: bounded'],
    ['/^[A-Z]+$/', 'a single class or a run of one class, on a captured value or one of its words: linear'],
    ['/[a-z][A-Z]/', 'two single characters: linear'],
    ['/[A-Za-z0-9][$!^#@]$/', 'two single characters before the end: linear'],
    ['/[^A-Za-z]+/', 'a single class or a run of one class, on a captured value or one of its words: linear'],
    ['/[A-Z]+(?![a-z])|[A-Z]?[a-z]+/g', 'a capital run steps back at most one character before a lower-case letter: linear']
  ]
}

const FILES = [
  'detectors/secrets.ts',
  'detectors/re2-compile.ts',
  'detectors/open-block.ts',
  'detectors/framing.ts',
  'detectors/gates.ts',
  'detectors/pem.ts',
  'detectors/hits.ts',
  'detectors/excerpt.ts',
  'detectors/decode.ts',
  'detectors/keywords.ts',
  'detectors/keywords-wasm.ts',
  'detectors/follows-gate.ts',
  'detectors/entropy.ts',
  'detectors/words.ts',
  'detectors/hexdump.ts',
  'detectors/known-secrets/detector.ts',
  'detectors/known-secrets/lookup.ts',
  'detectors/known-secrets/encode.ts',
  'detectors/known-secrets/qgram-filter.ts',
  'detectors/known-secrets/postings.ts',
  'detectors/known-secrets/skip.ts',
  'detectors/known-secrets/index-keys.ts'
]

/** Bounded regexes built with new RegExp, by file: the source's first characters and why. */
const BUILT: Record<string, Array<[string, string]>> = {
  'detectors/gates.ts': [['`0123456|1234567|$', 'SEQUENCES: an unanchored alternation of literals, on a captured value: linear']]
}

test('every JavaScript regex on the engine’s hot path is listed with why it is linear; the rest are RE2', () => {
  for (const file of FILES) {
    const src = readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8')
      .split('\n')
      .filter((l) => !/^\s*(\/\/|\*|\/\*)/.test(l))
      .join('\n')
    // Import paths the rough parser reads as literals: '../pipeline/stages.ts' as /pipeline/ with an `s` flag.
    const found = [...src.matchAll(LITERAL)].map((m) => m[0]).filter((l) => !['/../', '/pipeline/', '/rules/'].includes(l.replace(/[dgimsuyv]+$/, '')))
    assert.deepEqual(
      found,
      (BOUNDED[file] ?? []).map(([l]) => l),
      `${file}: a JavaScript regex that is not listed here; make it RE2, or list it with why it is linear`
    )
    const built = [...src.matchAll(/new RegExp\(\s*([^\n]{0,18})/g)].map((m) => m[1] ?? '')
    assert.deepEqual(
      built,
      (BUILT[file] ?? []).map(([s]) => s),
      `${file}: new RegExp that is not listed here`
    )
  }
})
