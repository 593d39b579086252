// Encoded text hides secrets from patterns: a token inside a JSON string
// inside a JSON log line arrives as `\"token\":\"…\"`, a password in a query
// string as `P%40ss…`, a whole `.env` file base64'd into a Secret manifest or
// a CI variable dump. These decoders produce the decoded views of a line that
// are worth scanning again; each view remembers which span of the original
// line it came from so the finding can point there.

export interface DecodedView {
  /** The decoded text, scanned like a line. */
  text: string
  /**
   * For an escape view (json, url): per code unit of `text`, and one past its end, its column in the
   * line, so a value found in the view is pointed at its escaped form exactly. A base64 view has none:
   * its values are only in the run as a whole. The JSON view's is made when first read.
   */
  readonly src?: Int32Array
  /** How it was obtained: json, url, html, base64. */
  via: string
  /** Span of the source line (code units) that the view decodes. */
  start: number
  end: number
}

// Global so that the test starts at the line's first backslash (lastIndex), not at its start.
const JSON_ESCAPE = /\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/g
const URL_ESCAPE = /%[0-9A-Fa-f]{2}/
// HTML and XML character references: the five XML names and numeric ones. A page or an XML document printed into a
// log (a JUnit report in CI output, an error page, a draw.io or SVG file) writes `"` as `&quot;`, so a value after
// `password=&quot;` has no quote before it for the rules to read. Numeric references only below 0x110000, and not
// the NUL or a surrogate (String.fromCodePoint would throw or the rules would read noise).
const HTML_ENTITY = /&(?:quot|amp|lt|gt|apos|#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6});/g
// The same, sticky: tried at one '&' only (a search from each '&' to the line's end would be quadratic in a line of them).
const HTML_ENTITY_AT = /&(?:quot|amp|lt|gt|apos|#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6});/y
const HTML_NAMED: Record<string, string> = { quot: '"', amp: '&', lt: '<', gt: '>', apos: "'" }

/** A decoded text and, per code unit of it (and one past its end), its column in the encoded text. */
interface Decoded {
  text: string
  src: Int32Array
}

/** `s` with each match of `re` replaced by `decode(match)`, and the column each decoded code unit came from. */
function replaceMapped(s: string, re: RegExp, decode: (m: RegExpExecArray) => string): Decoded {
  const parts: string[] = []
  // Sized for the common case (a decoding no longer than its escape, as URL escapes are) and grown if
  // not: a push per character into an array copied at the end was most of the URL view's cost.
  let src = new Int32Array(s.length + 1)
  let k = 0
  const put = (col: number): void => {
    if (k === src.length) {
      const grown = new Int32Array(src.length * 2)
      grown.set(src)
      src = grown
    }
    src[k++] = col
  }
  let at = 0
  re.lastIndex = 0
  for (let m = re.exec(s); m !== null; m = re.exec(s)) {
    for (let i = at; i < m.index; i++) put(i)
    parts.push(s.slice(at, m.index))
    const out = decode(m)
    parts.push(out)
    // The decoded units of one escape all point at its start; the next text starts after it.
    for (let i = 0; i < out.length; i++) put(m.index + Math.floor((i * m[0].length) / out.length))
    at = m.index + m[0].length
  }
  for (let i = at; i <= s.length; i++) put(i)
  parts.push(s.slice(at))
  return { text: parts.join(''), src: src.subarray(0, k) }
}

// What each escape character after a backslash decodes to, by its character code. ('\u002f' is '/',
// written so that test/detectors/regex-inventory.test.ts does not read two slashes as a regex literal.)
const CONTROL: Array<string | undefined> = []
for (const [c, ch] of [
  ['b', '\b'],
  ['f', '\f'],
  ['n', '\n'],
  ['r', '\r'],
  ['t', '\t'],
  ['"', '"'],
  ['\\', '\\'],
  ['\u002f', '\u002f']
] as const)
  CONTROL[c.charCodeAt(0)] = ch

/** A hex digit's value, or -1. */
export function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30
  const l = c | 0x20
  return l >= 0x61 && l <= 0x66 ? l - 0x57 : -1
}

/**
 * `s` with its JSON escapes (`\"`, `\\`, `\/`, `\b…\t`, `\uXXXX`) decoded, left to right; a backslash
 * that starts none stays as it is. One pass from backslash to backslash with the native search: the
 * regular-expression replace with a per-character array it replaced was a seventh of the engine on audit
 * events, which escape whole objects (issue #15). The column map is filled in from the escapes' places
 * when first read: only a view that a rule finds something in needs it, and filling it per character for
 * every view was a twentieth of a scan of audit events.
 */
function unescapeJson(s: string, from = 0, to = s.length): Decoded {
  const parts: string[] = []
  /** Per escape: its decoded unit's index in the text, its column in `s`, its length and its decoded length (0 or 1). */
  const escapes: number[] = []
  let at = from
  let k = 0
  for (let i = s.indexOf('\\', from); i >= 0 && i < to; i = s.indexOf('\\', i)) {
    const c = s.charCodeAt(i + 1)
    let ch = CONTROL[c]
    let len = 2
    if (ch === undefined && c === 0x75) {
      const a = hexDigit(s.charCodeAt(i + 2))
      const b = hexDigit(s.charCodeAt(i + 3))
      const d = hexDigit(s.charCodeAt(i + 4))
      const e = hexDigit(s.charCodeAt(i + 5))
      if ((a | b | d | e) >= 0) {
        const code = (a << 12) | (b << 8) | (d << 4) | e
        // An escaped ANSI sequence (`\u001b[32m`: Docker's json-file log of coloured output, a JSON logger's
        // message) decodes to nothing, as the framing takes it off a plain line: left in, its final letter
        // glues onto the value after it (`…[94msq0csp-…`).
        const sequence = code === 0x1b ? csiLength(s, i + 6) : 0
        ch = sequence > 0 ? '' : String.fromCharCode(code)
        len = 6 + sequence
      }
    }
    if (ch === undefined) {
      i++
      continue
    }
    k += i - at
    escapes.push(k, i, len, ch.length)
    k += ch.length
    parts.push(s.slice(at, i), ch)
    at = i + len
    i = at
  }
  parts.push(s.slice(at, to))
  const text = parts.join('')
  let src: Int32Array | undefined
  return {
    text,
    get src(): Int32Array {
      if (src !== undefined) return src
      src = new Int32Array(text.length + 1)
      let d = 0
      let col = from
      for (let e = 0; e < escapes.length; e += 4) {
        const unit = escapes[e] as number
        while (d < unit) src[d++] = col++
        // The decoded unit points at its escape's start; a sequence that decodes to nothing has none.
        if (escapes[e + 3] === 1) src[d++] = escapes[e + 1] as number
        col = (escapes[e + 1] as number) + (escapes[e + 2] as number)
      }
      while (d <= text.length) src[d++] = col++
      return src
    }
  }
}

/** Length of a CSI sequence's rest at `at` (`[`, at most 16 parameter bytes, a final byte), or 0 when there is none. */
function csiLength(s: string, at: number): number {
  if (s.charCodeAt(at) !== 0x5b) return 0
  for (let j = at + 1; j < at + 18 && j < s.length; j++) {
    const c = s.charCodeAt(j)
    if ((c >= 0x30 && c <= 0x3f) || c === 0x20) continue
    return c >= 0x40 && c <= 0x7e ? j + 1 - at : 0
  }
  return 0
}

/**
 * Characters of a line kept on each side of its JSON escapes in the JSON view: more than any rule
 * reads between a name and its value. A value that touches no escape reads the same in the line,
 * where the rules have already read it; an audit event escapes only a short reason at its end, and
 * decoding and rescanning the whole kilobyte-long line for it was a sixth of the CPU of scanning
 * audit logs (issue #15).
 */
export const ESCAPE_WINDOW_CHARS = 256

/** Between values: a window cut at one of these cuts no value in two, and `^`/`$` there stand where a boundary was. */
function isDelimiter(c: number): boolean {
  return c === 0x22 || c === 0x27 || c === 0x20 || c === 0x2c || c === 0x7b || c === 0x7d || c === 0x5b || c === 0x5d || c === 0x09
}

/** The span of `line` the JSON view decodes: its escapes, from `first` to `last`, and ESCAPE_WINDOW_CHARS around them out to a delimiter. */
function escapeWindow(line: string, first: number, last: number): [number, number] {
  let a = Math.max(0, first - ESCAPE_WINDOW_CHARS)
  while (a > 0 && !isDelimiter(line.charCodeAt(a - 1))) a--
  // An escape is at most six characters (\uXXXX).
  let b = Math.min(line.length, last + 6 + ESCAPE_WINDOW_CHARS)
  while (b < line.length && !isDelimiter(line.charCodeAt(b))) b++
  return [a, b]
}

// One %XX at a time where a run does not decode as UTF-8 as a whole: one malformed sequence must not cancel the rest.
const URL_RUNS = /(?:%[0-9A-Fa-f]{2})+/g

function unescapeUrl(s: string): Decoded {
  return replaceMapped(s, URL_RUNS, (m) => {
    try {
      return decodeURIComponent(m[0])
    } catch {
      return m[0]
    }
  })
}

/**
 * Whether an '&' of `line` starts a reference HTML_ENTITY reads: a test per '&' on its next character, not a regex over
 * the line from its first '&' as for JSON escapes. Most '&' in logs join query parameters, near the start of an audit
 * event's requestURI: the regex read the rest of each such event, 3% of an audit scan (paired).
 */
function holdsHtmlEntity(line: string): boolean {
  for (let at = line.indexOf('&'); at >= 0; at = line.indexOf('&', at + 1)) {
    const c = line.charCodeAt(at + 1)
    // q(uot;), a(mp; pos;), l(t;), g(t;), #: then the regex decides, from this '&'.
    if (c === 0x71 || c === 0x61 || c === 0x6c || c === 0x67 || c === 0x23) {
      HTML_ENTITY_AT.lastIndex = at
      if (HTML_ENTITY_AT.test(line)) return true
    }
  }
  return false
}

function unescapeHtml(s: string): Decoded {
  return replaceMapped(s, HTML_ENTITY, (m) => {
    const name = m[0].slice(1, -1)
    const named = HTML_NAMED[name]
    if (named !== undefined) return named
    const code = name[1] === 'x' || name[1] === 'X' ? Number.parseInt(name.slice(2), 16) : Number.parseInt(name.slice(1), 10)
    return code > 0 && code < 0x110000 && (code < 0xd800 || code > 0xdfff) ? String.fromCodePoint(code) : m[0]
  })
}

/** A printable ASCII character, tab or line break: what `printable` counts, as a code unit or a byte. */
function textChar(c: number): boolean {
  return (c >= 0x20 && c < 0x7f) || c === 9 || c === 10 || c === 13
}

/** Share of characters that are printable text; binary noise decoded from a hash scores low. */
function printable(s: string): boolean {
  if (s.length === 0) return false
  let ok = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (textChar(c)) ok++
    else if (c === 0xfffd) return false
  }
  return ok / s.length >= 0.95
}

// Each base64 character's six bits, both alphabets (Node's decoder reads the URL-safe - and _ as well); -1 else.
const SEXTET = new Int8Array(128).fill(-1)
for (let i = 0; i < 64; i++) SEXTET['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charCodeAt(i)] = i
SEXTET[0x2d] = 62
SEXTET[0x5f] = 63
/** Decoded bytes of a run, reused: a run's bytes are read once, and only a printable one becomes a string. */
let scratch = new Uint8Array(1024)

/**
 * The printable text that the base64 run line[start, end) decodes to, or undefined: what
 * `printable(Buffer.from(line.slice(start, end), 'base64').toString('utf8'))` keeps, decided on the bytes.
 * A run is base64 characters and at most two '=' (findBase64Runs), decoded as Node does: four characters
 * to three bytes, a last two or three to one or two. Most runs decode to binary (a digest, a nonce, a
 * cursor's packed ids) and are refused on their bytes; ASCII text becomes a string here; only a run with
 * bytes past ASCII that may still be text is decoded the way above. A slice, a Buffer and a string per
 * run, then a pass over the string, were two microseconds a run and a twentieth of a JSON log's scan (issue #15).
 */
export function base64Text(line: string, start: number, end: number): string | undefined {
  if (scratch.length < end - start) scratch = new Uint8Array(2 * (end - start))
  let n = 0
  let acc = 0
  let bits = 0
  let ok = 0
  let high = 0
  for (let i = start; i < end; i++) {
    const v = SEXTET[line.charCodeAt(i)] ?? -1
    if (v < 0) {
      // Padding ends a run; anything else in it is not what findBase64Runs hands over: decoded as before.
      let j = i
      while (j < end && line.charCodeAt(j) === 0x3d) j++
      if (j === end) break
      return exactBase64Text(line, start, end)
    }
    acc = ((acc << 6) | v) & 0xffffff
    bits += 6
    if (bits >= 8) {
      bits -= 8
      const b = (acc >> bits) & 0xff
      scratch[n++] = b
      if (b >= 0x80) high++
      else if (textChar(b)) ok++
    }
  }
  // Each ASCII byte is one character of the decoded string; bytes past ASCII make at least one per four.
  const least = n - high + Math.ceil(high / 4)
  if (least < 8 && high === 0) return undefined
  if (ok / least < 0.95) return undefined
  if (high === 0) return Buffer.from(scratch.buffer, 0, n).toString('latin1')
  return exactBase64Text(line, start, end)
}

function exactBase64Text(line: string, start: number, end: number): string | undefined {
  const text = Buffer.from(line.slice(start, end), 'base64').toString('utf8')
  return text.length >= 8 && printable(text) ? text : undefined
}

/**
 * One level of decoded views of a line. Cheap tests first: most lines yield none. `runs` are the
 * line's base64 runs worth decoding (detectors/keywords.ts findBase64Runs), as code-unit offsets.
 */
export function decodeViews(line: string, runs: ReadonlyArray<readonly [number, number]>): DecodedView[] {
  const views = escapeViews(line)
  for (const [start, end] of runs) {
    const text = base64Text(line, start, end)
    if (text !== undefined) views.push({ text, via: 'base64', start, end })
  }
  return views
}

/** The JSON-unescaped, URL-decoded and HTML-unescaped views of a line, when it has such escapes. */
function escapeViews(line: string): DecodedView[] {
  const views: DecodedView[] = []
  const first = line.indexOf('\\')
  JSON_ESCAPE.lastIndex = first
  if (first >= 0 && JSON_ESCAPE.test(line)) {
    const [start, end] = escapeWindow(line, first, line.lastIndexOf('\\'))
    const json = unescapeJson(line, start, end)
    const { text } = json
    // The column map stays unread (and unmade) until a rule finds something in the view.
    if (text.length !== end - start || text !== line.slice(start, end))
      views.push({
        text,
        get src() {
          return json.src
        },
        via: 'json',
        start,
        end
      })
  }
  if (line.includes('%') && URL_ESCAPE.test(line)) {
    const { text, src } = unescapeUrl(line)
    if (text !== line) views.push({ text, src, via: 'url', start: 0, end: line.length })
  }
  if (holdsHtmlEntity(line)) {
    const { text, src } = unescapeHtml(line)
    if (text !== line) views.push({ text, src, via: 'html', start: 0, end: line.length })
  }
  return views
}
