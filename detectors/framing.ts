// A record's framing, taken off before the rules read it: a leading timestamp
// with the CRI stream and tag (`<ts> stdout F `) or the GitLab runner's stream
// id (`<ts> 00O `), ANSI escape sequences (coloured CI output) and GitLab's
// collapsible-section markers. They hold nothing a rule looks for, and left in
// place they glue onto the message: `\x1b[32;1mghp_…` has a letter right before
// the token, a PEM body line of a CRI file starts with a date, `^\s*password …`
// never matches. Findings point back at the line as written, so the framing
// remembers where each framed column was (`toRaw`, `toRawEnd`).
//
// The scan reads a chunk's framed lines as one UTF-8 buffer; `lineStarts` and
// `utf16Column` go between its byte offsets and the lines' string columns.

/** The lines of a chunk as rules read them, and the way back to the columns of the lines as written. */
export interface Framing {
  raw: readonly string[]
  lines: string[]
  /** Per line, the length of the record prefix taken off its start. */
  prefix: number[]
  /** Lines that lost escape sequences too: where their kept pieces stand in the framed and the written line. */
  kept: Map<number, KeptPieces>
  /** `lines` joined by newlines, what the chunk scan reads; not made when the chunk's bytes were given (frameLines). */
  joined: string | undefined
  /**
   * When the chunk's bytes were given and hold exactly its lines: per line, the offset of the '\n' that ends
   * it (the bytes' length for a last line without one).
   */
  ends: Int32Array | undefined
}

/**
 * A byte's next position by the typed array's own search (call it with the buffer as `this`): Buffer's
 * indexOf checks its arguments in JavaScript first, which per line of a chunk cost twice the search.
 */
export const indexOfByte = Uint8Array.prototype.indexOf

/**
 * Where the line of `chars` UTF-16 code units whose UTF-8 starts at byte `from` of `bytes` ends: the first
 * '\n' at or after `from + chars` (-1 for none). A line's UTF-8 is never shorter than its code units (each
 * unit of a non-ASCII character takes two or more bytes), and as long only when the line is ASCII: the
 * byte at `from + chars` is then its '\n', checked without a search, and otherwise lies inside the line,
 * where no '\n' can be. Decoded text is never longer than its bytes either (one U+FFFD per invalid byte at
 * most), so for bytes a line was decoded from, no '\n' comes before `from + chars`. A search per line was
 * a tenth of the per-line cost of a CI log with a few non-ASCII characters per chunk (issue #15).
 */
export function lineEnd(bytes: Uint8Array, from: number, chars: number): number {
  const guess = from + chars
  return bytes[guess] === 0x0a ? guess : indexOfByte.call(bytes, 0x0a, guess)
}

const RECORD_PREFIX = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:[.,]\d{1,9})?(?:Z|[+-]\d\d:?\d\d) (?:(?:stdout|stderr) [PF] |[0-9a-f]{2}[OE]\+? )?/y
/**
 * The pieces of a line kept between its escape sequences: `pieces[2j]` is where piece j starts in the framed
 * text, `pieces[2j + 1]` where it starts in the line after its record prefix; `length` is the framed text's.
 * Two numbers a piece, not one per kept character: a column table per coloured line was most of what the
 * framing of a CI log allocated (issue #15).
 */
export interface KeptPieces {
  pieces: number[]
  length: number
}

const ESC = String.fromCharCode(27)

/** The length of the record prefix (a timestamp, with a CRI stream and tag or a GitLab stream id) `line` starts with; 0 for none. */
export function prefixLength(line: string): number {
  // Most lines do not start with a year: skip the regex for them. A sticky test leaves the
  // prefix's length in lastIndex without making a match array.
  const c = line.charCodeAt(0)
  // Plain app logs start with a date too (`2026-01-05 10:00:00`): the 'T' rules most of them out.
  if (c < 48 || c > 57 || line.charCodeAt(4) !== 45 || line.charCodeAt(10) !== 84) return 0
  RECORD_PREFIX.lastIndex = 0
  return RECORD_PREFIX.test(line) ? RECORD_PREFIX.lastIndex : 0
}

// Plain numbers and offsets instead of a closure per line: a chunk has hundreds of lines and
// findings on few of them, and the closures were a tenth of the engine's garbage.
/**
 * `source`, when given, is the UTF-8 of the lines joined by '\n' or '\r\n', none holding a '\r' (the
 * input's own bytes, app/scan.ts): the noise is then looked for in it at memchr speed, and `joined` is
 * not made — the chunk scan reads the bytes instead (detectors/secrets.ts framedBytes).
 */
export function frameLines(raw: readonly string[], source?: Buffer): Framing {
  const n = raw.length
  // A plain property, not a getter made on first read: the accessor made V8's collector work half again
  // as long on container logs (issue #15).
  const f: Framing = { raw, lines: new Array<string>(n), prefix: new Array<number>(n), kept: new Map(), joined: undefined, ends: undefined }
  for (let i = 0; i < n; i++) {
    const line = raw[i] ?? ''
    const prefix = prefixLength(line)
    f.prefix[i] = prefix
    f.lines[i] = prefix === 0 ? line : line.slice(prefix)
  }
  if (source === undefined) f.joined = f.lines.join('\n')
  else f.ends = lineEnds(raw, source)
  // Escape sequences are rare outside coloured CI output: looked for in the chunk, then in its lines.
  // A section marker ends in '\r' (createNoiseFinder): two single characters are found at memchr speed,
  // where searching the chunk for "section_" cost 5% of the engine. A record prefix holds neither, and
  // the lines of `source` hold no '\r' (its '\r's are halves of line breaks, withSourceBytes).
  const noise = source !== undefined ? source.indexOf(0x1b) >= 0 : f.joined?.includes(ESC) === true || f.joined?.includes('\r') === true
  if (!noise) return f
  const unframe = (i: number): void => {
    const { text, pieces } = keptPieces(f.lines[i] ?? '')
    f.lines[i] = text
    f.kept.set(i, { pieces, length: text.length })
  }
  if (source !== undefined && f.ends !== undefined) {
    // The lines with an ESC, found in the bytes: a search of every line of a coloured CI log (where every
    // chunk has an escape somewhere, and one line in eighteen has one) was a third of its framing. Lines
    // with "section_" and no ESC are left as they are: a section marker ends in '\r', which these lines do
    // not hold, so taking the noise off would give back the same text.
    const { ends } = f
    let line = 0
    // Buffer's search, not indexOfByte: over a chunk's length, memchr beats the typed array's loop tenfold.
    for (let at = source.indexOf(0x1b); at >= 0; at = source.indexOf(0x1b, (ends[line] ?? source.length) + 1)) {
      while ((ends[line] ?? source.length) < at) line++
      unframe(line)
    }
    return f
  }
  for (let i = 0; i < n; i++) {
    const body = f.lines[i] ?? ''
    if (body.includes(ESC) || body.includes('section_')) unframe(i)
  }
  if (source === undefined) f.joined = f.lines.join('\n')
  return f
}

/**
 * Where each line of `raw` ends in `bytes`, which should be their UTF-8 joined by '\n' or '\r\n': the
 * offset of each line's '\n' (the bytes' length for the last line, when they end without one). Undefined
 * when the bytes end before the lines do or go on after the last one, or when a line's bytes are not as
 * long as its UTF-8. The lines' text is not compared with the bytes: the caller hands the bytes they were
 * decoded from (withSourceBytes).
 */
export function lineEnds(raw: readonly string[], bytes: Uint8Array): Int32Array | undefined {
  const n = raw.length
  const ends = new Int32Array(n)
  let from = 0
  for (let i = 0; i < n; i++) {
    const line = raw[i] ?? ''
    let end = lineEnd(bytes, from, line.length)
    if (end < 0) {
      // Only the last line ends without a newline.
      if (i !== n - 1) return undefined
      end = bytes.length
    }
    // A line not found at its ASCII length is measured: bytes that are not the line's UTF-8 (a byte-order
    // mark the decoder dropped, a character it replaced) would otherwise be scanned, and every column of a
    // finding on the line be off, its context masking beside the secret. Only non-ASCII lines pay it.
    if (end !== from + line.length && Buffer.byteLength(line, 'utf8') !== (end > from && bytes[end - 1] === 0x0d ? end - 1 : end) - from) return undefined
    ends[i] = end
    from = end + 1
  }
  return from === bytes.length + 1 ? ends : undefined
}

/**
 * `body` without its escape sequences and section markers, and for each character kept its column
 * in the written line, whose first `prefix` characters were the record prefix.
 */
export function withoutTerminalNoise(body: string, prefix: number): { text: string; at: number[] } {
  const { text, pieces } = keptPieces(body)
  const at = new Array<number>(text.length)
  for (let j = 0; j < pieces.length; j += 2) {
    const start = pieces[j] as number
    const end = pieces[j + 2] ?? text.length
    for (let k = start; k < end; k++) at[k] = prefix + (pieces[j + 1] as number) + k - start
  }
  return { text, at }
}

/** `body` without its escape sequences and section markers, and where each piece kept stands (KeptPieces). */
function keptPieces(body: string): { text: string; pieces: number[] } {
  const pieces: number[] = []
  const parts: string[] = []
  let k = 0
  let from = 0
  const keep = (to: number): void => {
    if (to <= from) return
    pieces.push(k, from)
    parts.push(body.slice(from, to))
    k += to - from
  }
  const noise = createNoiseFinder(body)
  for (let m = noise.next(0); m >= 0; m = noise.next(from)) {
    keep(m)
    from = noise.end
  }
  keep(body.length)
  return { text: parts.length === 1 ? (parts[0] as string) : parts.join(''), pieces }
}

/**
 * The terminal noise of `text`, left to right without overlap, as the RE2 pattern
 * `\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][A-Za-z0-9]|section_(?:start|end):\d+:[A-Za-z0-9_.-]+(?:\[[^\]\r\n]*\])?\r`
 * finds it (test/detectors/framing.test.ts holds them to each other), by hand: every part of it
 * is deterministic, and the RE2 call per coloured line, which converted the line to UTF-8 and each
 * match back, was a seventh of the CPU of scanning CI output (issue #15). `next(from)` is where the
 * first noise at or after `from` starts (-1 for none) and leaves its end in `end`. Linear in the
 * text: the search for a section marker's closing bracket remembers where it stopped, so a line of
 * unclosed markers (`section_start:1:a[` repeated) is not rescanned per marker.
 */
function createNoiseFinder(text: string): { next: (from: number) => number; end: number } {
  const n = text.length
  let esc = -2
  let sec = -2
  // The first ']', '\r' or '\n' at or after closeFrom is at close (n: none).
  let closeFrom = n + 1
  let close = n
  const closeAfter = (q: number): number => {
    if (q < closeFrom || q > close) {
      let j = q
      while (j < n) {
        const c = text.charCodeAt(j)
        if (c === 0x5d || c === 0x0d || c === 0x0a) break
        j++
      }
      closeFrom = q
      close = j
    }
    return close
  }
  /** End of the noise starting at `p` (an ESC or 's' of "section_"), or -1. */
  const endAt = (p: number): number => {
    if (text.charCodeAt(p) === 0x1b) {
      const c = text.charCodeAt(p + 1)
      if (c === 0x5b) {
        let j = p + 2
        for (let d = text.charCodeAt(j); (d >= 0x30 && d <= 0x39) || d === 0x3b || d === 0x3f; d = text.charCodeAt(++j));
        for (let d = text.charCodeAt(j); d >= 0x20 && d <= 0x2f; d = text.charCodeAt(++j));
        const f = text.charCodeAt(j)
        return f >= 0x40 && f <= 0x7e ? j + 1 : -1
      }
      if (c === 0x28 || c === 0x29) return isAlnum(text.charCodeAt(p + 2)) ? p + 3 : -1
      return -1
    }
    let j = p + 8
    if (text.startsWith('start:', j)) j += 6
    else if (text.startsWith('end:', j)) j += 4
    else return -1
    const digits = j
    while (isDigit(text.charCodeAt(j))) j++
    if (j === digits || text.charCodeAt(j) !== 0x3a) return -1
    const name = ++j
    for (let c = text.charCodeAt(j); isAlnum(c) || c === 0x5f || c === 0x2e || c === 0x2d; c = text.charCodeAt(++j));
    if (j === name) return -1
    if (text.charCodeAt(j) === 0x5b) {
      const k = closeAfter(j + 1)
      return text.charCodeAt(k) === 0x5d && text.charCodeAt(k + 1) === 0x0d ? k + 2 : -1
    }
    return text.charCodeAt(j) === 0x0d ? j + 1 : -1
  }
  const finder = {
    end: 0,
    next(from: number): number {
      for (let p = from; ; ) {
        if (esc < p && esc !== -1) esc = text.indexOf(ESC, p)
        if (sec < p && sec !== -1) sec = text.indexOf('section_', p)
        const at = esc === -1 ? sec : sec === -1 ? esc : Math.min(esc, sec)
        if (at === -1) return -1
        const e = endAt(at)
        if (e >= 0) {
          finder.end = e
          return at
        }
        p = at + 1
      }
    }
  }
  return finder
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39
}

function isAlnum(c: number): boolean {
  return isDigit(c) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)
}

/** The column in written line `i` of the framed text's column `col`. */
export function toRaw(f: Framing, i: number, col: number): number {
  const kept = f.kept.get(i)
  const prefix = f.prefix[i] ?? 0
  if (kept === undefined) return col + prefix
  // Past the framed text: the written line's end.
  if (col < 0 || col >= kept.length) return (f.raw[i] ?? '').length
  const { pieces } = kept
  let j = 0
  while (j + 2 < pieces.length && (pieces[j + 2] as number) <= col) j += 2
  return prefix + (pieces[j + 1] as number) + col - (pieces[j] as number)
}

/** The same for an exclusive end: just after the written character of the text's `col - 1`. */
export function toRawEnd(f: Framing, i: number, col: number): number {
  if (!f.kept.has(i)) return col + (f.prefix[i] ?? 0)
  return col <= 0 ? toRaw(f, i, 0) : toRaw(f, i, col - 1) + 1
}

/** The framed column of written line `i`'s column `col`: the first kept character at or after it (clamped to the framed line). */
export function fromRaw(f: Framing, i: number, col: number): number {
  const kept = f.kept.get(i)
  const prefix = f.prefix[i] ?? 0
  const len = (f.lines[i] ?? '').length
  if (kept === undefined) return Math.min(len, Math.max(0, col - prefix))
  const { pieces } = kept
  for (let j = 0; j < pieces.length; j += 2) {
    const start = pieces[j] as number
    const written = prefix + (pieces[j + 1] as number)
    const end = (pieces[j + 2] ?? kept.length) - start + written
    // The first piece that reaches past `col` holds the first kept character at or after it.
    if (col < end) return start + Math.max(0, col - written)
  }
  return kept.length
}

/**
 * The byte offset of each framed line in `bytes`, the UTF-8 of `f.joined`, and one past the last
 * line's newline at index `lines.length`. An all-ASCII chunk (the same length in bytes and code
 * units) skips measuring each line in UTF-8.
 */
export function lineStarts(f: Framing, bytes: Uint8Array): number[] {
  const { lines, joined } = f
  const n = lines.length
  const starts = new Array<number>(n + 1)
  let at = 0
  const ascii = bytes.length === joined?.length
  for (let i = 0; i < n; i++) {
    starts[i] = at
    const line = lines[i] ?? ''
    at += (ascii ? line.length : Buffer.byteLength(line, 'utf8')) + 1
  }
  starts[n] = at
  return starts
}

/** The code-unit column of byte `byte` of `bytes`, the UTF-8 of `text`; equal on an ASCII text. */
export function utf16Column(text: string, bytes: Buffer, byte: number): number {
  return bytes.length === text.length ? byte : bytes.subarray(0, byte).toString('utf8').length
}

/** Byte spans of `bytes` (the UTF-8 of `text`) as code-unit spans of `text`: the same array when all ASCII. */
export function utf16Spans(text: string, bytes: Buffer, spans: Array<[number, number]>): Array<[number, number]> {
  if (bytes.length === text.length) return spans
  return spans.map(([s, e]): [number, number] => [bytes.subarray(0, s).toString('utf8').length, bytes.subarray(0, e).toString('utf8').length])
}
