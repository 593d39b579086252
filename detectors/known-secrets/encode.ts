// The forms in which a secret value leaks, computed from its bytes without
// ever making a JS string of it: strings cannot be wiped, typed arrays can.
// Forms are built as UTF-16 code units (JSON escaping works on those) and
// indexed as their UTF-8 bytes, which is what the scanner reads.

/** How a form was derived from the value; carried into the finding's title. */
export const FORM_KINDS = ['raw', 'line', 'json', 'json2', 'url', 'form', 'base64', 'base64url', 'html'] as const
export type FormKind = (typeof FORM_KINDS)[number]

export interface Form {
  kind: FormKind
  units: Uint16Array
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const HEX = '0123456789ABCDEF'

/** UTF-8 bytes to UTF-16 code units; undefined for invalid UTF-8 (binary values leak as base64 only). */
export function utf8ToUnits(b: Uint8Array): Uint16Array | undefined {
  const out = new Uint16Array(b.length)
  let n = 0
  for (let i = 0; i < b.length; ) {
    const c = b[i] as number
    let cp: number
    let need: number
    if (c < 0x80) {
      cp = c
      need = 0
    } else if (c >= 0xc2 && c < 0xe0) {
      cp = c & 0x1f
      need = 1
    } else if (c >= 0xe0 && c < 0xf0) {
      cp = c & 0x0f
      need = 2
    } else if (c >= 0xf0 && c < 0xf5) {
      cp = c & 0x07
      need = 3
    } else return wipe(out)
    for (let k = 1; k <= need; k++) {
      const d = b[i + k]
      if (d === undefined || (d & 0xc0) !== 0x80) return wipe(out)
      cp = (cp << 6) | (d & 0x3f)
    }
    if ((need === 2 && (cp < 0x800 || (cp >= 0xd800 && cp < 0xe000))) || (need === 3 && (cp < 0x10000 || cp > 0x10ffff))) return wipe(out)
    i += need + 1
    if (cp >= 0x10000) {
      cp -= 0x10000
      out[n++] = 0xd800 | (cp >> 10)
      out[n++] = 0xdc00 | (cp & 0x3ff)
    } else out[n++] = cp
  }
  return out.subarray(0, n)
}

/**
 * UTF-16 code units to UTF-8 bytes, as Buffer.write encodes a log line (a lone surrogate becomes
 * U+FFFD): the scanner matches forms against the UTF-8 bytes of lines.
 */
export function unitsToUtf8(u: Uint16Array): Uint8Array {
  const out = new Uint8Array(u.length * 3)
  let n = 0
  for (let i = 0; i < u.length; i++) {
    let c = u[i] as number
    if (c < 0x80) out[n++] = c
    else if (c < 0x800) {
      out[n++] = 0xc0 | (c >> 6)
      out[n++] = 0x80 | (c & 0x3f)
    } else {
      const d = u[i + 1] ?? 0
      if (c >= 0xd800 && c < 0xdc00 && d >= 0xdc00 && d < 0xe000) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00)
        i++
        out[n++] = 0xf0 | (c >> 18)
        out[n++] = 0x80 | ((c >> 12) & 0x3f)
      } else {
        if (c >= 0xd800 && c < 0xe000) c = 0xfffd
        out[n++] = 0xe0 | (c >> 12)
      }
      out[n++] = 0x80 | ((c >> 6) & 0x3f)
      out[n++] = 0x80 | (c & 0x3f)
    }
  }
  // A copy of the right length; the oversized scratch is wiped, not left to the GC.
  const exact = out.slice(0, n)
  out.fill(0)
  return exact
}

function wipe(a: Uint16Array): undefined {
  a.fill(0)
  return undefined
}

/** A growable code-unit buffer; grown copies are wiped before they are dropped. */
class Units {
  a: Uint16Array
  n = 0
  constructor(cap: number) {
    this.a = new Uint16Array(Math.max(16, cap))
  }
  push(c: number): void {
    if (this.n === this.a.length) {
      const b = new Uint16Array(this.a.length * 2)
      b.set(this.a)
      this.a.fill(0)
      this.a = b
    }
    this.a[this.n++] = c
  }
  str(s: string): void {
    for (let i = 0; i < s.length; i++) this.push(s.charCodeAt(i))
  }
  done(): Uint16Array {
    return this.a.subarray(0, this.n)
  }
}

/** JSON string escaping as JSON.stringify does it (non-ASCII kept as is). */
export function jsonEscape(u: Uint16Array): Uint16Array {
  const out = new Units(u.length + 8)
  for (const c of u) {
    if (c === 0x22) out.str('\\"')
    else if (c === 0x5c) out.str('\\\\')
    else if (c === 0x0a) out.str('\\n')
    else if (c === 0x0d) out.str('\\r')
    else if (c === 0x09) out.str('\\t')
    else if (c === 0x08) out.str('\\b')
    else if (c === 0x0c) out.str('\\f')
    else if (c < 0x20) {
      out.str('\\u00')
      out.push(HEX.toLowerCase().charCodeAt(c >> 4))
      out.push(HEX.toLowerCase().charCodeAt(c & 15))
    } else out.push(c)
  }
  return out.done()
}

/**
 * HTML and XML escaping of the value: `&`, `<` and `>` always, and `"` and `'` as `quotes` says: `none` (element
 * text as XML writers leave it), `named` (`&quot;`, `&#39;`: Python's html.escape but for `&#x27;`, PHP's
 * htmlspecialchars with ENT_QUOTES, most template engines), `numeric` (`&#34;`, `&#39;`: Go's html.EscapeString and
 * html/template). A page, a JUnit report or an XML config printed into a log writes a value so.
 */
export function htmlEscape(u: Uint16Array, quotes: 'none' | 'named' | 'numeric'): Uint16Array {
  const out = new Units(u.length + 16)
  for (const c of u) {
    if (c === 0x26) out.str('&amp;')
    else if (c === 0x3c) out.str('&lt;')
    else if (c === 0x3e) out.str('&gt;')
    else if (c === 0x22 && quotes !== 'none') out.str(quotes === 'named' ? '&quot;' : '&#34;')
    else if (c === 0x27 && quotes !== 'none') out.str('&#39;')
    else out.push(c)
  }
  return out.done()
}

/**
 * Percent-encoding of the UTF-8 bytes: `component` as encodeURIComponent
 * (userinfo, query values), `form` as application/x-www-form-urlencoded
 * (space as `+`, `!'()~` escaped).
 */
export function urlEncode(b: Uint8Array, mode: 'component' | 'form'): Uint16Array {
  const out = new Units(b.length * 3)
  for (const c of b) {
    const alnum = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)
    const keep = mode === 'component' ? "-_.!~*'()" : '-_.*'
    if (alnum || (c < 0x80 && keep.includes(String.fromCharCode(c)))) out.push(c)
    else if (mode === 'form' && c === 0x20) out.push(0x2b)
    else {
      out.push(0x25)
      out.push(HEX.charCodeAt(c >> 4))
      out.push(HEX.charCodeAt(c & 15))
    }
  }
  return out.done()
}

/**
 * The base64 characters fully determined by `b` when it sits at byte
 * `align` (0, 1, 2) of a 3-byte group inside a larger encoded text: a value
 * base64'd on its own (with or without padding) or as part of a whole `.env`
 * file or manifest contains one of the three as a substring, so substring
 * matching needs no padding variants.
 */
export function base64Core(b: Uint8Array, align: 0 | 1 | 2, url: boolean): Uint16Array {
  const alphabet = url ? B64URL : B64
  const total = align + b.length
  const bits = total * 8
  const full = Math.floor(bits / 6)
  const drop = align === 0 ? 0 : align === 1 ? 2 : 3
  const out = new Uint16Array(Math.max(0, full - drop))
  const byte = (i: number): number => (i < align ? 0 : (b[i - align] as number))
  let n = 0
  for (let ch = drop; ch < full; ch++) {
    const bit = ch * 6
    const i = bit >> 3
    const off = bit & 7
    const word = (byte(i) << 8) | (i + 1 < total ? byte(i + 1) : 0)
    out[n++] = alphabet.charCodeAt((word >> (10 - off)) & 63)
  }
  return out
}

function equal(a: Uint16Array, b: Uint16Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d
}

/** Value bytes without surrounding whitespace (`echo pw | base64` leaves a newline that never shows in a log). */
export function trimBytes(b: Uint8Array): Uint8Array {
  let s = 0
  let e = b.length
  while (s < e && isSpace(b[s] as number)) s++
  while (e > s && isSpace(b[e - 1] as number)) e--
  return b.subarray(s, e)
}

/** Bits per symbol over code units; a line of a multi-line value is indexed only when it looks like key material. */
export function entropy(u: Uint16Array): number {
  const counts = new Map<number, number>()
  for (const c of u) counts.set(c, (counts.get(c) ?? 0) + 1)
  let h = 0
  for (const n of counts.values()) {
    const p = n / u.length
    h -= p * Math.log2(p)
  }
  return h
}

const PEM_ARMOR = '-----'

/** A run of 16+ token characters mixing letters and digits: key material, not `"type": "service_account",`. */
function hasKeyRun(u: Uint16Array): boolean {
  let run = 0
  let letter = false
  let digit = false
  for (let i = 0; i <= u.length; i++) {
    const c = i < u.length ? (u[i] as number) : 0
    const isLetter = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)
    const isDigit = c >= 0x30 && c <= 0x39
    if (isLetter || isDigit || c === 0x2b || c === 0x2f || c === 0x3d || c === 0x5f || c === 0x2d) {
      run++
      letter ||= isLetter
      digit ||= isDigit
      if (run >= 16 && letter && digit) return true
    } else {
      run = 0
      letter = false
      digit = false
    }
  }
  return false
}

function startsWith(u: Uint16Array, s: string): boolean {
  if (u.length < s.length) return false
  for (let i = 0; i < s.length; i++) if (u[i] !== s.charCodeAt(i)) return false
  return true
}

/**
 * Every form worth indexing for a trimmed value. A multi-line value (PEM
 * key, JSON document) never appears whole on one log line, so its raw form
 * is replaced by its lines that look like key material (long, high entropy,
 * not PEM armour, holding a 16+ character run of letters and digits:
 * `"type": "service_account",` would match every log that mentions one); its
 * escaped and base64 forms are whole.
 */
export function formsOf(b: Uint8Array, minLength: number): Form[] {
  const forms: Form[] = []
  const add = (kind: FormKind, units: Uint16Array): void => {
    if (units.length < minLength || forms.some((f) => equal(f.units, units))) {
      units.fill(0)
      return
    }
    forms.push({ kind, units })
  }
  const raw = utf8ToUnits(b)
  if (raw !== undefined) {
    const multiLine = raw.includes(0x0a)
    if (multiLine) {
      let from = 0
      for (let i = 0; i <= raw.length; i++) {
        if (i < raw.length && raw[i] !== 0x0a) continue
        let s = from
        let e = i
        while (s < e && isSpace(raw[s] as number)) s++
        while (e > s && isSpace(raw[e - 1] as number)) e--
        const line = raw.subarray(s, e)
        if (line.length >= minLength && !startsWith(line, PEM_ARMOR) && hasKeyRun(line) && entropy(line) >= 3.5) add('line', line.slice())
        from = i + 1
      }
    } else add('raw', raw.slice())
    const json = jsonEscape(raw)
    add('json', json.slice())
    add('json2', jsonEscape(json))
    json.fill(0)
    // Only values holding a character HTML escapes get these forms (escaping one lengthens the value); `add` drops
    // a form equal to one it has (`none` and `named` are one for a value without quotes).
    for (const quotes of ['none', 'named', 'numeric'] as const) {
      const html = htmlEscape(raw, quotes)
      if (html.length !== raw.length) add('html', html)
      else html.fill(0)
    }
    raw.fill(0)
  }
  add('url', urlEncode(b, 'component'))
  add('form', urlEncode(b, 'form'))
  for (const align of [0, 1, 2] as const) {
    add('base64', base64Core(b, align, false))
    add('base64url', base64Core(b, align, true))
  }
  return forms
}
