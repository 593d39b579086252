// Text leakwatch prints to a terminal carries what log writers chose: a file
// name, a stream, a context. A raw escape sequence there repaints the screen,
// retitles the window or hides text; a newline forges a line of our own
// (`leak found: …`); a bidi override reorders what is shown. Every control
// character becomes a visible escape before it is printed.

/** C0, DEL, C1, the line/paragraph separators and the bidi embeddings, overrides and isolates. */
function isControl(c: number): boolean {
  return c < 0x20 || (c >= 0x7f && c <= 0x9f) || (c >= 0x2028 && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)
}

const NAMED: Record<number, string> = { 9: '\\t', 10: '\\n', 13: '\\r' }

function visible(c: number): string {
  return NAMED[c] ?? (c < 0x100 ? `\\x${c.toString(16).padStart(2, '0')}` : `\\u${c.toString(16).padStart(4, '0')}`)
}

/** `s` with every control character written as `\n`, `\x1b`, `\u202e`…; other text unchanged. */
export function escapeControls(s: string): string {
  let out = ''
  let from = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (!isControl(c)) continue
    out += s.slice(from, i) + visible(c)
    from = i + 1
  }
  return from === 0 ? s : out + s.slice(from)
}
