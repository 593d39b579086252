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
function printable(s: string): boolean {
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
 * line's base64 runs worth decoding (detectors/keywords.ts findBase64Runs), as code-unit offsets.
 */
export function decodeViews(line: string, runs: ReadonlyArray<readonly [number, number]>): DecodedView[] {
  const views = escapeViews(line)
  for (const [start, end] of runs) {
    // Node's base64 decoder reads the URL-safe alphabet (- _) as well.
    const text = Buffer.from(line.slice(start, end), 'base64').toString('utf8')
    if (text.length >= 8 && printable(text)) views.push({ text, via: 'base64', start, end })
  }
  return views
}

/** The JSON-unescaped and URL-decoded views of a line, when it has such escapes. */
function escapeViews(line: string): DecodedView[] {
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
