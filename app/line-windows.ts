// A line of any length in bounded memory. A line arrives in pieces; when it
// is short it is handed on whole, and when it grows past `windowChars` it is
// handed on as overlapping windows: each window starts `overlapChars` before
// the point the previous one settled, so a secret (with the keyword before
// it) no longer than the overlap that straddles a cut is whole in one window.
//
// Each window says how far it settled the line (`settled`, at least
// windowChars - overlapChars): a finding belongs to the window in which its
// end falls in (from, settled], the final window takes every end after
// `from`, so each finding is reported by exactly one window.

import type { Finding } from '../pipeline/events.ts'

export interface LineWindow {
  /** The window's text: the whole line when `base` is 0 and `final` is set. */
  text: string
  /** Offset of text[0] in the line (UTF-16 code units). */
  base: number
  /** text[0..from) was settled by earlier windows (context only). */
  from: number
  /** The line ends in this window. */
  final: boolean
}

export interface LineWindows {
  /** More of the current line. */
  append: (piece: string) => void
  /** The current line is complete. */
  end: () => void
}

/** Windows of 1 MiB characters overlapping by 16 KiB: the bound on what one line holds in memory. */
export const WINDOW_CHARS = 1024 * 1024
export const OVERLAP_CHARS = 16 * 1024

export function overlapFor(windowChars: number): number {
  return Math.min(OVERLAP_CHARS, Math.floor(windowChars / 4))
}

/**
 * `onWindow` returns how far (in text) the window settled the line; ignored for the final one. `onLine`, when
 * given, takes each line that fits one window instead (the window `{ text, base: 0, from: 0, final: true }`):
 * no object per line for the lines nearly every input is made of.
 */
export function createLineWindows(windowChars: number, onWindow: (w: LineWindow) => number, onLine?: (text: string) => void): LineWindows {
  const overlap = overlapFor(windowChars)
  let pending = ''
  let base = 0
  let from = 0
  const settle = (): void => {
    while (pending.length >= windowChars) {
      const text = pending.length === windowChars ? pending : pending.slice(0, windowChars)
      const settled = Math.min(windowChars, Math.max(windowChars - overlap, onWindow({ text, base, from, final: false })))
      const keep = settled - overlap
      pending = pending.slice(keep)
      base += keep
      from = settled - keep
    }
  }
  return {
    append(piece: string): void {
      // Pieces larger than a window are taken a window at a time, so pending never holds more than two.
      for (let i = 0; i < piece.length; i += windowChars) {
        pending += i === 0 && piece.length <= windowChars ? piece : piece.slice(i, i + windowChars)
        settle()
      }
    },
    end(): void {
      if (base === 0 && onLine !== undefined) onLine(pending)
      else onWindow({ text: pending, base, from, final: true })
      pending = ''
      base = 0
      from = 0
    }
  }
}

/** End of a finding on its (single) line, 0-based exclusive. */
function endOf(f: Finding): number {
  return f.location.endColumn - 1
}

/**
 * The findings of one window that are its own (ending in (from, settled]), moved to line coordinates. For a
 * window that is not final, `settled` is pushed past any finding, or any of `spans` (other secret spans the
 * caller masks, in the window's columns), that straddles the default cut, so a caller writing text up to
 * `settled` never writes part of a secret unmasked.
 */
export function windowFindings(
  w: LineWindow,
  findings: readonly Finding[],
  windowChars: number,
  spans: ReadonlyArray<{ start: number; end: number }> = []
): { own: Finding[]; settled: number } {
  let settled = w.final ? w.text.length : windowChars - overlapFor(windowChars)
  if (!w.final) {
    // By start: settled only grows, so one pass sees every span that starts before it (a window may hold thousands).
    const all = [...findings.map((f) => ({ start: f.location.column - 1, end: endOf(f) })), ...spans].sort((a, b) => a.start - b.start)
    for (const s of all) {
      if (s.start >= settled) break
      if (s.end > settled && s.end <= w.text.length) settled = s.end
    }
  }
  const own: Finding[] = []
  for (const f of findings) {
    const end = endOf(f)
    if (end <= w.from || (!w.final && end > settled)) continue
    if (w.base > 0) f.location = { ...f.location, column: f.location.column + w.base, endColumn: f.location.endColumn + w.base }
    own.push(f)
  }
  return { own, settled }
}
