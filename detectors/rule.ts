// What a detection rule is. Rules are data: one object per credential format,
// grouped in one file per provider under detectors/rules/, listed in
// detectors/rules/registry.ts. Each rule carries its own examples, which the
// test suite runs in every record shape leakwatch ingests. Most are built by
// detectors/rules/define.ts's tokenRule from a token format, which also draws
// their true positives.

import type { Severity } from '../pipeline/events.ts'
import type { Gen } from './gen.ts'
import type { BlockSpan } from './pem.ts'

/**
 * A block rule's own reader (Rule.block.read): pem.ts readBlock's arguments, and its result with the line
 * and column where the secret starts when they are not the header's.
 */
export type BlockReader = (lines: readonly string[], lineIndex: number, text: string, afterHeader: number, headerStart: number) => BlockSpan | undefined

/**
 * The lines of a pretty-printed object that a reader reads around its header (RE2 sources): `member`, a line of the
 * object (one member, or blank); `opens`, a member line that may take part in a finding (the header, or the secret
 * member itself, which may come first); `needs`, text one of which every `opens` line holds, tested before the
 * pattern (mask asks it of every line); `max`, the most lines the reader looks from one to the other.
 */
export interface ObjectLines {
  member: string
  opens: string
  needs: readonly string[]
  max: number
}

/** A block read by pem.ts: its END marker, and the fewest body characters that make a key. */
export interface PemBlock {
  end: string
  minBodyChars: number
}

export interface RuleExample {
  /** A line as it would appear in a log. */
  line: string
  /** The secret the rule must extract from it. */
  secret: string
}

export interface Rule {
  /** Stable id, kebab-case, `<provider>-<what>`: appears in findings, metrics and baselines. */
  id: string
  title: string
  severity: Severity
  /** `pattern`: a format with a recognisable shape. `generic`: a value next to a secret-ish name, gated by entropy. */
  kind: 'pattern' | 'generic'
  /** A catch-all (any secret-ish name, any URL): every other rule matching the same span wins over it. */
  fallback?: boolean
  /** RE2 syntax. Must not match across a newline. */
  regex: string
  /** Lower-case substrings one of which a line must contain for the regex to run. Empty: always run (avoid). */
  keywords: string[]
  /** Substrings (case-sensitive) that must all be in the line as well as a keyword: a cheap check before the regex. */
  requires?: string[]
  /**
   * What every match has right after one of its keywords, in RE2 syntax (case-insensitive):
   * `[\\w.-]*["']?\\s*[=:]` for an assignment. A line is a candidate for the rule only when one of
   * its keyword occurrences is followed by it (one RE2 search of keyword + follows per line, linear
   * in the line). The cheap test spares the regex on the many lines that merely mention `token` or
   * hold a URL without credentials. It must be a necessary condition of the regex. Built-in rules only.
   */
  follows?: string
  /**
   * Every match spells its keyword in upper case (the regex reads it case-sensitively: `PASSWORD=`, `AKIA`),
   * while the keyword automaton meets keywords in any case: an occurrence with a lower-case letter cannot
   * be a match's, and a line of ASCII text with no other is skipped before the regex (follows-gate.ts).
   * Ignored on a rule with `follows`. Built-in rules only.
   */
  upperKeywords?: boolean
  /**
   * Keywords that every match holding them holds at a word start: right after the line's start or a byte
   * outside `notAfter` (`alnum`: [A-Za-z0-9], `letter`: [A-Za-z]), as a regex that reads `(?:^|[^A-Za-z0-9])dd[_.-]`
   * requires. The automaton meets `dd-` and `cf-` inside UUIDs and hex ids (`…4edd-…`), where no match can
   * start; an occurrence refused this way does not wake the rule (follows-gate.ts). The rule's other keywords
   * are not gated. Ignored on a rule with `follows` or `upperKeywords`. Built-in rules only.
   */
  keywordStart?: { keywords: string[]; notAfter: 'alnum' | 'letter' }
  /** Capture group holding the secret; 0 is the whole match. Default: 1 when the regex has a group, else 0. */
  secretGroup?: number
  /** Minimum Shannon entropy (bits per character) of the secret. */
  minEntropy?: number
  /**
   * The format's alphabet holds '.' and its regex takes full-length values only: a trailing `...` is
   * three random characters, not a value cut short for display (which the gates refuse otherwise).
   */
  dotsAreData?: boolean
  /** Format checksum or structural check of the secret (e.g. GitHub's CRC32). */
  validate?: (secret: string) => boolean
  /**
   * Secrets, whole regex matches, lines or stream ids matching one of these RE2
   * patterns are not findings (`matches` is gitleaks' `regexTarget = "match"`).
   */
  allow?: { secrets?: string[]; matches?: string[]; lines?: string[]; streams?: string[] }
  /** Free-form labels (provider, category), carried into SARIF rule descriptors. */
  tags?: string[]
  /**
   * A PEM-style block: the regex matches the BEGIN header and the secret is
   * the base64 body, on the same line (JSON-escaped) or on the following
   * lines of the same chunk up to the END marker, which also tells the scanner and the collectors where a block
   * still open at a chunk's end closes (open-block.ts). Or `read`, a built-in rule's own reader of what follows
   * its header (a JSON Web Key's private member on a later line), in place of pem.ts's: such a block is read
   * within its chunk. With `reach` (the most lines after the header's line the reader reads, none before it),
   * a chunk is not cut between the header and those lines either, nor does `leakwatch mask` write the header's
   * line before them (open-block.ts); `lead`, the character the header's line starts with after its record
   * prefix and indentation (a YAML list item's '-'), keeps that look off every other line. With `object` (a reader of a pretty-printed object's member lines around
   * its header), a chunk is not cut inside such an object that holds an `opens` line, nor does mask write one
   * of its lines before the object ends. Without either, the block is never carried into the next chunk.
   */
  block?: PemBlock | { read: BlockReader; reach?: number; lead?: string; object?: ObjectLines }
  examples: {
    /** Generated at test time from the format: never commit a live-looking token. */
    positives: (g: Gen) => RuleExample[]
    /** Look-alikes that must not be reported. */
    negatives: string[]
  }
}
