// CRC-32 as zlib computes it, for the checksums some token formats carry (GitHub, GitLab, Atlassian,
// Bitbucket, Grafana) and for generating their examples. node:zlib is fetched on first use rather than
// imported: a `leakwatch scan` that meets none of those tokens never needs it, and loading it was
// ~2.4 ms of every start (issue #15).

import type * as Zlib from 'node:zlib'

let zlib: typeof Zlib | undefined

/** zlib's CRC-32 of `data` (a string is taken as UTF-8). */
export function crc32(data: string | NodeJS.ArrayBufferView): number {
  zlib ??= process.getBuiltinModule('node:zlib')
  return zlib.crc32(data)
}
