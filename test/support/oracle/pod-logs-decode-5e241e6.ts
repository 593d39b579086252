// collectors/pod-logs-decode.ts as it was at 5e241e6, the oracle of test/collectors/pod-logs-decode-oracle.test.ts.
// What the kubelet's container log files hold, turned back into the lines the
// container printed. Two formats, told apart per line:
//
//   CRI (containerd, CRI-O):  <RFC3339Nano> <stdout|stderr> <P|F>[:tags] <message>
//     The runtime splits a long line into P (partial) records ended by one F.
//   docker json-file:         {"log":"<message>\n","stream":"stdout","time":"…"}
//     Docker splits lines at 16 KiB; every piece but the last lacks the "\n".
//
// Decoding is stateless across reads: it always starts at a position where no
// line is half merged, and reports how far it got (`consumed`) without leaving
// a line half merged, so that position is safe to checkpoint. A merged line
// longer than `maxLineBytes` is emitted in pieces marked `split` (a secret in
// its tail is still scanned); the pieces keep the line's number.

import { utf8Boundary } from '../../../collectors/utf8.ts'

export interface DecodedLine {
  text: string
  /** A piece of a longer line: the next piece carries on the same line. */
  split: boolean
  /** Byte offsets (relative to the buffer) of the first and just after the last record that made this line. */
  start: number
  end: number
}

export interface Decoded {
  lines: DecodedLine[]
  /** Bytes of the buffer fully turned into `lines`; everything after waits for more data. */
  consumed: number
  /** Records that were neither CRI nor docker json: passed on as they are, never dropped. */
  malformed: number
}

interface Pending {
  parts: Buffer[]
  bytes: number
  start: number
}

const SPACE = 0x20
const NL = 0x0a
const BRACE = 0x7b

const P = 0x50
const F = 0x46
const STDOUT = Buffer.from('stdout')
const STDERR = Buffer.from('stderr')

/** The stream field of a CRI record; the two the runtimes write are shared strings, not one per line. */
function streamName(buf: Buffer, start: number, end: number): string {
  if (end - start === 6) {
    if (buf.compare(STDOUT, 0, 6, start, end) === 0) return 'stdout'
    if (buf.compare(STDERR, 0, 6, start, end) === 0) return 'stderr'
  }
  return buf.toString('latin1', start, end)
}

function isDigit(b: number | undefined): boolean {
  return b !== undefined && b >= 0x30 && b <= 0x39
}

/** The length of `b` without a trailing character whose bytes are not all there yet. */
function completeUtf8(b: Buffer): number {
  let i = b.length - 1
  let continuation = 0
  while (i >= 0 && continuation < 3 && ((b[i] ?? 0) & 0xc0) === 0x80) {
    i--
    continuation++
  }
  if (i < 0) return b.length
  const lead = b[i] ?? 0
  const needs = lead >= 0xf0 ? 3 : lead >= 0xe0 ? 2 : lead >= 0xc0 ? 1 : 0
  return needs > continuation ? i : b.length
}

/** Splits merged bytes into pieces of at most max bytes on character boundaries. */
function pieces(bytes: Buffer, max: number): string[] {
  const out: string[] = []
  let pos = 0
  while (bytes.length - pos > max) {
    const n = utf8Boundary(bytes.subarray(pos), max)
    out.push(bytes.toString('utf8', pos, pos + n))
    pos += n
  }
  out.push(bytes.toString('utf8', pos))
  return out
}

/**
 * Decodes the complete records of buf[0..n). `full` says the buffer was read to its capacity: if nothing could
 * be consumed then (a record or a merge longer than the buffer), what is there is emitted anyway so reading
 * never stalls. `ended` says buf[0..n) runs to the end of a file its writer has left (rotated away): a line
 * whose partial records end it goes out as pieces too, for its rest follows in the next file.
 */
export function decode(buf: Buffer, n: number, maxLineBytes: number, full: boolean, ended = false): Decoded {
  const lines: DecodedLine[] = []
  const pending = new Map<string, Pending>()
  let consumed = 0
  let committed = 0
  let malformed = 0
  let pos = 0

  function flush(p: Pending, end: number, last: boolean): void {
    const bytes = p.parts.length === 1 ? (p.parts[0] as Buffer) : Buffer.concat(p.parts, p.bytes)
    const texts = pieces(bytes, maxLineBytes)
    texts.forEach((text, i) => {
      lines.push({ text, split: !last || i < texts.length - 1, start: p.start, end })
    })
  }

  function add(stream: string, msg: Buffer, partial: boolean, start: number, end: number): void {
    const p = pending.get(stream)
    if (p === undefined && !partial) {
      if (msg.length <= maxLineBytes) lines.push({ text: msg.toString('utf8'), split: false, start, end })
      else flush({ parts: [msg], bytes: msg.length, start }, end, true)
      return
    }
    const q = p ?? { parts: [], bytes: 0, start }
    q.parts.push(msg)
    q.bytes += msg.length
    if (!partial) {
      pending.delete(stream)
      flush(q, end, true)
    } else if (q.bytes >= maxLineBytes) {
      // The bound on merging: what is merged so far goes out as pieces; the rest of the line follows as more pieces.
      // A character whose bytes continue in the next record stays behind, so no piece ends in half of it (U+FFFD).
      pending.delete(stream)
      const bytes = q.parts.length === 1 ? (q.parts[0] as Buffer) : Buffer.concat(q.parts, q.bytes)
      const cut = completeUtf8(bytes)
      flush({ parts: [bytes.subarray(0, cut)], bytes: cut, start: q.start }, end, false)
      if (cut < bytes.length) pending.set(stream, { parts: [bytes.subarray(cut)], bytes: bytes.length - cut, start })
    } else if (p === undefined) pending.set(stream, q)
  }

  while (pos < n) {
    let nl = buf.indexOf(NL, pos)
    if (nl === -1 || nl >= n) break
    const next = nl + 1
    if (nl > pos && buf[nl - 1] === 0x0d) nl--
    const first = buf[pos]
    let ok = false
    if (isDigit(first)) {
      const sp1 = buf.indexOf(SPACE, pos)
      const sp2 = sp1 === -1 || sp1 >= nl ? -1 : buf.indexOf(SPACE, sp1 + 1)
      if (sp2 !== -1 && sp2 < nl) {
        let tagEnd = buf.indexOf(SPACE, sp2 + 1)
        if (tagEnd === -1 || tagEnd > nl) tagEnd = nl
        const stream = streamName(buf, sp1 + 1, sp2)
        // The one-letter tags of nearly every record are read without making strings of them.
        const oneTag = tagEnd === sp2 + 2 ? buf[sp2 + 1] : undefined
        const partial =
          oneTag === P ||
          (oneTag !== F &&
            buf
              .toString('latin1', sp2 + 1, tagEnd)
              .split(':')
              .includes('P'))
        add(stream, buf.subarray(Math.min(tagEnd + 1, nl), nl), partial, pos, next)
        ok = true
      }
    } else if (first === BRACE) {
      try {
        const rec = JSON.parse(buf.toString('utf8', pos, nl)) as { log?: unknown; stream?: unknown }
        if (typeof rec.log === 'string') {
          const partial = !rec.log.endsWith('\n')
          const text = partial ? rec.log : rec.log.slice(0, -1)
          add(typeof rec.stream === 'string' ? rec.stream : 'stdout', Buffer.from(text, 'utf8'), partial, pos, next)
          ok = true
        }
      } catch {
        // not docker json: passed on raw below
      }
    }
    if (!ok) {
      malformed++
      add('\u0000raw', buf.subarray(pos, nl), false, pos, next)
    }
    pos = next
    if (pending.size === 0) {
      consumed = pos
      committed = lines.length
    }
  }
  if (pending.size > 0 && consumed === 0 && (full || (ended && pos === n))) {
    // Merges that do not fit the buffer: emit them as pieces rather than re-read the same bytes forever. Or the
    // runtime reopened the log between a line's P records and its F: the pieces left here are not lost with the
    // file, and they keep the line's number, which the rest in the new file takes too (read() counts no split piece).
    for (const p of pending.values()) flush(p, pos, false)
    return { lines, consumed: pos, malformed }
  }
  if (consumed === 0 && full && pos === 0) {
    // One record longer than the whole buffer: pass on a piece of it.
    const cut = utf8Boundary(buf, Math.min(n, maxLineBytes))
    return { lines: [{ text: buf.toString('utf8', 0, cut), split: true, start: 0, end: cut }], consumed: cut, malformed: 1 }
  }
  lines.length = committed
  return { lines, consumed, malformed }
}
