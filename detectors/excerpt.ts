// The context a finding shows: its line with every secret on it masked, cut
// to a readable length around the finding. Nothing leaves the detector
// unmasked, so these are the last step before a line goes into a Finding.

import { mask } from '../pipeline/fingerprint.ts'

/** `text` with each span [start, end) masked; spans in any order, overlapping spans masked as one. */
export function maskSpans(text: string, spans: ReadonlyArray<readonly [number, number]>): string {
  return maskText(text, spans).text
}

/** A text with spans masked, and where a column of the unmasked text went. */
export interface Masked {
  text: string
  /** The column in `text` of column `col` of the unmasked text (a masked span's start for a column inside it). */
  at: (col: number) => number
}

/**
 * `text` with every span masked, built once per text however many findings show it: spans that
 * overlap or touch are merged (a part of a secret outside a span that overlapped an earlier one
 * would otherwise be shown), so each character of every span is behind a mask. Linear in the text
 * and the spans (after sorting them).
 */
export function maskText(text: string, spans: ReadonlyArray<readonly [number, number]>): Masked {
  const merged: Array<[number, number]> = []
  for (const [s0, e0] of [...spans].sort((a, b) => a[0] - b[0] || b[1] - a[1])) {
    const s = Math.max(0, s0)
    const e = Math.min(text.length, e0)
    if (e <= s) continue
    const last = merged[merged.length - 1]
    if (last !== undefined && s <= last[1]) last[1] = Math.max(last[1], e)
    else merged.push([s, e])
  }
  if (merged.length === 0) return { text, at: (col) => col }
  const parts: string[] = []
  // Per merged span: its start in the unmasked text and in the masked text, and its masked length.
  const from = new Array<number>(merged.length)
  const to = new Array<number>(merged.length)
  const size = new Array<number>(merged.length)
  let at = 0
  let len = 0
  merged.forEach(([s, e], i) => {
    parts.push(text.slice(at, s))
    len += s - at
    from[i] = s
    to[i] = len
    const m = mask(text.slice(s, e))
    parts.push(m)
    size[i] = m.length
    len += m.length
    at = e
  })
  parts.push(text.slice(at))
  return {
    text: parts.join(''),
    at: (col) => {
      // The last merged span starting at or before col.
      let lo = 0
      let hi = merged.length - 1
      let k = -1
      while (lo <= hi) {
        const mid = (lo + hi) >> 1
        if ((from[mid] ?? 0) <= col) {
          k = mid
          lo = mid + 1
        } else hi = mid - 1
      }
      if (k < 0) return col
      const e = (merged[k] as [number, number])[1]
      return col < e ? (to[k] ?? 0) : (to[k] ?? 0) + (size[k] ?? 0) + (col - e)
    }
  }
}

/** At most `max` characters of `text` around column `focus`, with '…' where it was cut. */
export function clipAround(text: string, focus: number, max: number): string {
  if (text.length <= max) return text
  const from = Math.max(0, Math.min(focus - Math.floor(max / 2), text.length - max))
  return (from > 0 ? '…' : '') + text.slice(from, from + max) + (from + max < text.length ? '…' : '')
}
