// Keyed fingerprints and masks: the only two forms in which a secret leaves the
// memory of the process that found it. The HMAC key makes fingerprints useless
// to anyone who sees them but lacks the key (a plain hash of a short password
// could be brute-forced from a findings topic).

import type * as Crypto from 'node:crypto'

// Loaded on first use, not imported: a `leakwatch scan` that finds nothing never fingerprints, and
// node:crypto was ~5 ms of its start (issue #15).
let loaded: typeof Crypto | undefined
function crypto(): typeof Crypto {
  loaded ??= process.getBuiltinModule('node:crypto')
  return loaded
}

export interface Fingerprinter {
  /** HMAC-SHA256 of the value, hex. */
  of: (value: string) => string
  /**
   * The same HMAC over UTF-8 bytes, for values kept out of JS strings (known secrets): ofBytes(utf8(v)) === of(v).
   * Optional so that fakes of `of` alone still type-check; createFingerprinter always has it.
   */
  ofBytes?: (value: Uint8Array) => string
  /** True when the key was generated for this process (fingerprints are not comparable across runs). */
  readonly ephemeral: boolean
}

export function createFingerprinter(key: string | undefined): Fingerprinter {
  // A KeyObject made once (on first use): passing raw bytes makes every HMAC import the key again (a third of detect time).
  let k: Crypto.KeyObject | undefined
  const hmac = (): Crypto.Hmac => {
    k ??= crypto().createSecretKey(key === undefined ? crypto().randomBytes(32) : Buffer.from(key, 'utf8'))
    return crypto().createHmac('sha256', k)
  }
  return {
    of: (value) => hmac().update(value, 'utf8').digest('hex'),
    ofBytes: (value) => hmac().update(value).digest('hex'),
    ephemeral: key === undefined
  }
}

/**
 * A preview that helps a human recognise the credential without making it
 * usable: a few leading characters (usually the format prefix, e.g. `ghp_`),
 * never more than a sixth of the value, then a fixed-width run of asterisks
 * so the preview does not reveal the length, and the last two characters for
 * long values (telling two tokens of the same format apart).
 */
export function mask(value: string): string {
  const chars = [...value]
  const head = Math.min(4, Math.floor(chars.length / 6))
  const tail = chars.length >= 24 ? 2 : 0
  return `${chars.slice(0, head).join('')}********${tail > 0 ? chars.slice(-tail).join('') : ''}`
}

/** A short, stable id from parts (finding ids, job ids). Not keyed: its inputs are already non-secret. */
export function stableId(...parts: Array<string | number>): string {
  const h = crypto().createHash('sha256')
  for (const p of parts) h.update(String(p)).update('\u0000')
  return h.digest('hex').slice(0, 32)
}
