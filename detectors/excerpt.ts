// The context a finding shows: its line with every secret on it masked, cut
// to a readable length around the finding. Nothing leaves the detector
// unmasked, so these are the last step before a line goes into a Finding.

import { mask } from '../pipeline/fingerprint.ts'

/** `text` with each span [start, end) masked; spans in any order, one overlapping an earlier one is skipped. */
export function maskSpans(text: string, spans: ReadonlyArray<readonly [number, number]>): string {
  let out = ''
  let at = 0
  for (const [s, e] of [...spans].sort((a, b) => a[0] - b[0])) {
    if (s < at) continue
    out += text.slice(at, s) + mask(text.slice(s, e))
    at = e
  }
  return out + text.slice(at)
}

/** At most `max` characters of `text` around column `focus`, with '…' where it was cut. */
export function clipAround(text: string, focus: number, max: number): string {
  if (text.length <= max) return text
  const from = Math.max(0, Math.min(focus - Math.floor(max / 2), text.length - max))
  return (from > 0 ? '…' : '') + text.slice(from, from + max) + (from + max < text.length ? '…' : '')
}
