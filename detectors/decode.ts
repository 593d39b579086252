// Encoded text hides secrets from patterns: a token inside a JSON string
// inside a JSON log line arrives as `\"token\":\"…\"`, a password in a query
// string as `P%40ss…`, a whole `.env` file base64'd into a Secret manifest or
// a CI variable dump. These decoders produce the decoded views of a line that
// are worth scanning again; each view remembers which span of the original
// line it came from so the finding can point there.

export interface DecodedView {
  /** The decoded text, scanned like a line. */
  text: string
  /** How it was obtained: json, url, base64. */
  via: string
  /** Span of the source line (code units) that the view decodes. */
  start: number
  end: number
}

const JSON_ESCAPE = /\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/
const URL_ESCAPE = /%[0-9A-Fa-f]{2}/
// Long runs (24+) of the base64 alphabets; shorter ones rarely hold a whole credential.
// Per ASCII code: 0 not in the base64 alphabets, else a bit for its class (1 lower, 2 upper, 4 digit or symbol).
const B64_CLASS = new Uint8Array(128)
for (let c = 97; c <= 122; c++) B64_CLASS[c] = 1
for (let c = 65; c <= 90; c++) B64_CLASS[c] = 2
for (const ch of '0123456789+/_-') B64_CLASS[ch.charCodeAt(0)] = 4

function unescapeJson(s: string): string {
  return s.replace(/\\(?:(["\\/])|([bfnrt])|u([0-9a-fA-F]{4}))/g, (_m, lit: string | undefined, ctl: string | undefined, hex: string | undefined) => {
    if (lit !== undefined) return lit
    if (ctl !== undefined) return ({ b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' } as Record<string, string>)[ctl] ?? ''
    return String.fromCharCode(Number.parseInt(hex ?? '0', 16))
  })
}

function unescapeUrl(s: string): string {
  // Decode each %XX run on its own: one malformed sequence must not cancel the rest.
  return s.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run)
    } catch {
      return run
    }
  })
}

/** Share of characters that are printable text; binary noise decoded from a hash scores low. */
export function printable(s: string): boolean {
  if (s.length === 0) return false
  let ok = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if ((c >= 0x20 && c < 0x7f) || c === 9 || c === 10 || c === 13) ok++
    else if (c === 0xfffd) return false
  }
  return ok / s.length >= 0.95
}

/**
 * One level of decoded views of a line. Cheap tests first: most lines yield none. `runs` are the
 * line's base64 runs when the caller already found them (detectors/keywords.ts findBase64Runs, on
 * the whole chunk); without them the line is walked here.
 */
export function decodeViews(line: string, runs?: ReadonlyArray<readonly [number, number]>): DecodedView[] {
  const views = escapeViews(line)
  for (const [start, end] of runs ?? base64Runs(line)) {
    // Node's base64 decoder reads the URL-safe alphabet (- _) as well.
    const text = Buffer.from(line.slice(start, end), 'base64').toString('utf8')
    if (text.length >= 8 && printable(text)) views.push({ text, via: 'base64', start, end })
  }
  return views
}

/** The JSON-unescaped and URL-decoded views of a line, when it has such escapes. */
export function escapeViews(line: string): DecodedView[] {
  const views: DecodedView[] = []
  if (line.includes('\\') && JSON_ESCAPE.test(line)) {
    const text = unescapeJson(line)
    if (text !== line) views.push({ text, via: 'json', start: 0, end: line.length })
  }
  if (line.includes('%') && URL_ESCAPE.test(line)) {
    const text = unescapeUrl(line)
    if (text !== line) views.push({ text, via: 'url', start: 0, end: line.length })
  }
  return views
}

/** Runs (24+) of the base64 alphabets that mix lower case, upper case and digits or symbols, with their `=` padding. */
export function base64Runs(line: string): Array<[number, number]> {
  const out: Array<[number, number]> = []
  // One pass over the characters instead of a regex: a regex retries from every position inside the
  // many short alphanumeric runs of a log line.
  const n = line.length
  for (let i = 0; i < n; ) {
    let c = line.charCodeAt(i)
    if (c >= 128 || B64_CLASS[c] === 0) {
      i++
      continue
    }
    const start = i
    let classes = 0
    while (i < n) {
      c = line.charCodeAt(i)
      if (c >= 128 || B64_CLASS[c] === 0) break
      classes |= B64_CLASS[c] ?? 0
      i++
    }
    let end = i
    while (end < n && end - i < 2 && line.charCodeAt(end) === 61) end++ // '=' padding
    // Hex digests, identifiers and paths match the alphabet too; real base64 mixes cases and digits.
    if (i - start < 24 || classes !== 7) continue
    out.push([start, end])
    i = end
  }
  return out
}
