// What a context masks besides the values found: every run of text that looks
// like a credential, whether or not a rule has found it yet. Output is
// streamed: a finding's context is printed (and published on Kafka, sent to
// Slack) when its chunk is scanned, and a value that only a later line proves
// to be a secret (found there through its key name, or in a later 1 MiB
// window) would already stand in plaintext in it. The detector's memory of
// found values (secrets.ts, REMEMBERED_VALUES) covers what came earlier; this
// covers what comes later, for every value shaped like a generated token. A
// chosen password of words and digits is not covered: docs/detection.md.
//
// Contexts are built only for lines that have a finding, so this costs
// nothing on the per-line scan loop; on such a line it is one pass over the
// line's characters and the gates below on each long run.

import { nameLike } from './words.ts'

/**
 * Runs at least this long are judged. The generic rules take values from 16 characters on; shorter
 * format secrets (AKIA ids are 20, Slack tokens longer) have a prefix and a rule of their own.
 */
export const SECRET_SHAPE_MIN = 16
// 16 random hex characters score 2.5 bits or more nearly always, base62 far more; runs of a few characters
// score lower (`aaaaaaaaaaaaaaaa` 0, `2026-12-06-10-00` 2.3).
const MIN_ENTROPY = 2.5
// A run this long is no name: masked without the gates, so a huge run costs one pass.
const ALWAYS_MASKED = 4096
// The share of neighbouring letters and digits that change class at or above which a run is random (secretShaped).
const RANDOM_SWITCHES = 0.3
const MIXED_SWITCHES = 0.12
// A part of a run between separators is judged on its own from this many characters.
const SEGMENT_MIN = 12

/** Token characters: base64, base64url, hex, JWT and dotted-token alphabets. */
function tokenChar(c: number): boolean {
  return (
    (c >= 0x30 && c <= 0x39) || // 0-9
    (c >= 0x41 && c <= 0x5a) || // A-Z
    (c >= 0x61 && c <= 0x7a) || // a-z
    c === 0x2b || // +
    c === 0x2f || // /
    c === 0x3d || // =
    c === 0x5f || // _
    c === 0x2d || // -
    c === 0x2e || // .
    c === 0x7e // ~
  )
}

/**
 * Whether a run of token characters looks like a credential: long, not low in entropy, and its letters
 * and digits change class as random characters do (or mixed hex), whole or in one long part between
 * separators; camelCase names without digits are the name gate's (words.ts). UUIDs and hex digests are
 * masked too: Heroku, Pinecone and legacy npm keys are UUIDs, and a finding's line is worth less than a key.
 */
export function secretShaped(run: string): boolean {
  return shapedRange(run, 0, run.length)
}

// Judged in place (text, start, end): a line of a million characters is judged without copying its runs.
function shapedRange(text: string, start: number, end: number): boolean {
  if (end - start < SECRET_SHAPE_MIN) return false
  if (end - start >= ALWAYS_MASKED) return true
  if (randomRange(text, start, end)) return entropyOf(text, start, end) >= MIN_ENTROPY
  // A token of parts (xoxb-<digits>-<digits>-<random>, a path ending in a key): any long random part makes it one.
  let from = start
  for (let i = start; i <= end; i++) {
    if (i < end && !isSeparator(text.charCodeAt(i))) continue
    if (i - from >= SEGMENT_MIN && (from > start || i < end) && randomRange(text, from, i)) return entropyOf(text, start, end) >= MIN_ENTROPY
    from = i + 1
  }
  return false
}

/** Letters and digits that change class as random characters do, or mixed hex (secretShaped). */
function randomRange(text: string, start: number, end: number): boolean {
  const c = classStats(text, start, end)
  if (c.alnum < SEGMENT_MIN) return false
  // Random characters change class (lower, upper, digit) between 62% of neighbours in base62, 47% in hex;
  // words only at their boundaries (WindowStateAnimator 11%, msra-sa-41/10.190.173.170 0%). Without digits,
  // camelCase words change class as often as that (RetryUpToMaximumCount…): the name gate (words.ts) judges those.
  if (c.switches >= RANDOM_SWITCHES * c.pairs) return c.digits > 0 || !nameLike(text.slice(start, end))
  // Hex (a digest, a key, an id): mixed digits and letters of one case, what few names are.
  if (c.hex && c.digits > 0 && c.digits < c.alnum) return true
  // One case and a few digits (base32, AKIA ids) change class less often; digits strewn through the letters
  // are still what names lack (x86_64-linux-gnu-gcc-12 changes class at 7% of neighbours, HttpServer2 once).
  return c.digitRuns >= 3 && c.switches >= MIXED_SWITCHES * c.pairs
}

function isSeparator(c: number): boolean {
  return c === 0x2d || c === 0x5f || c === 0x2e || c === 0x2f || c === 0x2b || c === 0x7e
}

// Token characters are ASCII: counted in a reused table (entropy.ts does the same for candidate values).
const counts = new Uint32Array(128)

/** Shannon entropy in bits per character of text[start, end), all ASCII token characters. */
function entropyOf(text: string, start: number, end: number): number {
  for (let i = start; i < end; i++) counts[text.charCodeAt(i) & 0x7f] = (counts[text.charCodeAt(i) & 0x7f] ?? 0) + 1
  const n = end - start
  let h = 0
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i) & 0x7f
    const k = counts[c] ?? 0
    if (k === 0) continue
    const p = k / n
    h -= p * Math.log2(p)
    counts[c] = 0
  }
  return h
}

/**
 * Letters and digits in text[start, end); neighbouring pairs of them (no other character between) and how
 * many of those change class (lower, upper, digit); whether all are hex digits of one case.
 */
function classStats(
  text: string,
  start: number,
  end: number
): { alnum: number; digits: number; digitRuns: number; pairs: number; switches: number; hex: boolean } {
  let alnum = 0
  let digits = 0
  let digitRuns = 0
  let pairs = 0
  let switches = 0
  let lower = false
  let upper = false
  let nonHex = false
  let prev = 0
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i)
    const cls = c >= 0x30 && c <= 0x39 ? 1 : c >= 0x41 && c <= 0x5a ? 2 : c >= 0x61 && c <= 0x7a ? 3 : 0
    if (cls !== 0) {
      alnum++
      if (cls === 1) {
        digits++
        if (prev !== 1) digitRuns++
      } else if (cls === 2) {
        upper = true
        if (c > 0x46) nonHex = true
      } else {
        lower = true
        if (c > 0x66) nonHex = true
      }
      if (prev !== 0) {
        pairs++
        if (cls !== prev) switches++
      }
    }
    prev = cls
  }
  return { alnum, digits, digitRuns, pairs, switches, hex: !nonHex && !(lower && upper) }
}

/**
 * The spans [start, end) of `text` that are secret-shaped (`secretShaped`), in order. A run of token
 * characters is judged in pieces cut at each '=' with more after it: `request_id=3f0c…` is a name and
 * a UUID, `SharedAccessKey=…` a name and a key (base64 padding ends a run, it does not cut one).
 */
export function secretShapedRuns(text: string): Array<[number, number]> {
  const out: Array<[number, number]> = []
  const n = text.length
  let i = 0
  while (i < n) {
    if (!tokenChar(text.charCodeAt(i))) {
      i++
      continue
    }
    let end = i + 1
    while (end < n && tokenChar(text.charCodeAt(end))) end++
    // Pieces between runs of '=', a trailing run (padding) kept with the last piece.
    let from = i
    while (from < end) {
      let k = from
      while (k < end && text.charCodeAt(k) !== 0x3d) k++
      let e = k
      while (e < end && text.charCodeAt(e) === 0x3d) e++
      judge(text, from, e === end ? end : k, out)
      from = e
    }
    i = end
  }
  return out
}

function judge(text: string, start: number, end: number, out: Array<[number, number]>): void {
  let s = start
  let e = end
  // A sentence's full stop or a list's dash around a run is not part of a token.
  while (s < e && isTrim(text.charCodeAt(s))) s++
  while (e > s && isTrim(text.charCodeAt(e - 1))) e--
  if (shapedRange(text, s, e)) out.push([s, e])
}

function isTrim(c: number): boolean {
  return c === 0x2e || c === 0x2d
}
