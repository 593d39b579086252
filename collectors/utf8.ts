// Cutting bytes at a character boundary. Its own module, not tail.ts's: `leakwatch scan` decodes pod
// logs with it (pod-logs-decode.ts) and would otherwise load the tailer, its checkpoints and their
// imports on every start (issue #15).

/** The byte length of the longest prefix of buf[0..limit) that does not split a UTF-8 sequence. */
export function utf8Boundary(buf: Buffer, limit: number): number {
  let i = limit
  while (i > 0 && i > limit - 4 && ((buf[i] ?? 0) & 0xc0) === 0x80) i--
  return i > 0 ? i : limit
}
