// CRC-32 as zlib computes it (the IEEE polynomial, reflected), for the checksums some token formats carry
// (GitHub, GitLab, Atlassian, Bitbucket, Grafana) and for generating their examples. Computed here from a
// table made on first use rather than by node:zlib: the values are a few dozen bytes, and loading zlib cost
// ~2 ms of the first GitHub token of every `leakwatch scan` that met one (issue #15).

let table: Int32Array | undefined

function makeTable(): Int32Array {
  const t = new Int32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    t[n] = c
  }
  return t
}

/** zlib's CRC-32 of `data` (a string is taken as UTF-8). */
export function crc32(data: string | NodeJS.ArrayBufferView): number {
  table ??= makeTable()
  const t = table
  let c = -1
  if (typeof data === 'string') {
    let ascii = true
    for (let i = 0; i < data.length && ascii; i++) ascii = data.charCodeAt(i) < 0x80
    if (ascii) {
      for (let i = 0; i < data.length; i++) c = (t[(c ^ data.charCodeAt(i)) & 0xff] as number) ^ (c >>> 8)
      return (c ^ -1) >>> 0
    }
    data = Buffer.from(data, 'utf8')
  }
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
  for (let i = 0; i < bytes.length; i++) c = (t[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8)
  return (c ^ -1) >>> 0
}
