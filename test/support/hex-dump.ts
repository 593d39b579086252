// Hex dumps as kubectl -v=8/-v=9 logs a protobuf body (Go's encoding/hex Dump, the format of `hexdump -C`),
// written at test time around a value: for the detector's dump reading (detectors/hexdump.ts) and mask's hold
// of a dump's rows (app/mask.ts).

/** Go's encoding/hex Dump of `bytes`, each row prefixed by `indent` (klog indents a multi-line value with a tab). */
export function goDump(bytes: Uint8Array, indent: string): string[] {
  const rows: string[] = []
  for (let at = 0; at < bytes.length; at += 16) {
    let row = `${indent}${at.toString(16).padStart(8, '0')}  `
    let text = ''
    for (let i = 0; i < 16; i++) {
      const b = bytes[at + i]
      if (b === undefined) row += i === 7 ? '    ' : '   '
      else {
        row += `${b.toString(16).padStart(2, '0')} ${i === 7 ? ' ' : ''}`
        text += b >= 0x20 && b <= 0x7e ? String.fromCharCode(b) : '.'
      }
    }
    rows.push(`${row} |${text}|`)
  }
  return rows
}

/** A length-delimited protobuf field: tag, varint length, bytes. */
function field(n: number, value: Uint8Array | string): Buffer {
  const v = Buffer.from(value)
  const len: number[] = []
  for (let l = v.length; ; l >>>= 7) {
    len.push(l >= 0x80 ? (l & 0x7f) | 0x80 : l)
    if (l < 0x80) break
  }
  return Buffer.concat([Buffer.from([(n << 3) | 2, ...len]), v])
}

/**
 * A body as the API server sends it (k8s.io/apimachinery runtime.Unknown after the magic `k8s\0`): the
 * type, then the object, whose first field (`pad` bytes of a name) moves `value` along the rows, and whose
 * data map holds `value` under "token".
 */
export function body(kind: string, pad: number, value: string): Uint8Array {
  const typeMeta = Buffer.concat([field(1, 'v1'), field(2, kind)])
  const object = Buffer.concat([field(1, field(1, 'p'.repeat(pad + 1))), field(2, Buffer.concat([field(1, 'token'), field(2, value)])), field(3, 'Opaque')])
  return Buffer.concat([Buffer.from('k8s\u0000'), field(1, typeMeta), field(2, object)])
}

/** The lines kubectl -v=9 writes for a response body. */
export function klogLines(bytes: Uint8Array): string[] {
  return [
    'I1207 13:56:37.289122   18703 serviceaccount.go:87] "Response Body" body=<',
    ...goDump(bytes, '\t'),
    ' >',
    'I1207 13:56:37.333985   18709 loader.go:407] Config loaded'
  ]
}
