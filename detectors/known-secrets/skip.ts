// What the known-secret index refuses to hold, and why: values too short to
// be told from ordinary text, too long to be worth it, ones Secrets carry all
// the time without being secret, and hostnames. The checks read the value's
// bytes; it never becomes a string.

import { utf8ToUnits } from './encode.ts'

/** Why a value was not indexed (the `reason` label of leakwatch_known_secrets_skipped_total). */
export type SkipReason = 'too-short' | 'too-long' | 'common' | 'hostname'

// Values that Secrets hold all the time and that are not secret: indexing them would report every log mentioning them.
export const COMMON_VALUES = [
  'true',
  'false',
  'yes',
  'no',
  'on',
  'off',
  'null',
  'none',
  'enabled',
  'disabled',
  'admin',
  'administrator',
  'root',
  'postgres',
  'postgresql',
  'mysql',
  'mariadb',
  'redis',
  'mongodb',
  'rabbitmq',
  'elastic',
  'kafka',
  'guest',
  'user',
  'username',
  'password',
  'passw0rd',
  'changeme',
  'changeit',
  'secret',
  'default',
  'example',
  'localhost',
  'production',
  'staging',
  'development',
  'opaque',
  'undefined',
  'password123',
  '12345678',
  '123456789',
  '1234567890',
  'qwertyuiop',
  'letmein',
  'welcome',
  'kubernetes',
  'cluster.local',
  'us-east-1',
  'us-west-2',
  'eu-west-1',
  'europe-west1',
  'disable',
  'require',
  'verify-full',
  'readwrite',
  'readonly'
]

export interface SkipRules {
  /** Shortest value, in characters. */
  minLength: number
  maxBytes: number
  /** Lower case. */
  common: ReadonlySet<string>
  commonLengths: ReadonlySet<number>
}

export function skipRules(minLength: number, maxBytes: number, extraCommon: readonly string[] = []): SkipRules {
  const common = new Set([...COMMON_VALUES, ...extraCommon].map((c) => c.toLowerCase()))
  return { minLength, maxBytes, common, commonLengths: new Set([...common].map((c) => c.length)) }
}

/** Why the trimmed value `b` is not indexed, or undefined when it is. */
export function skipReason(r: SkipRules, b: Uint8Array): SkipReason | undefined {
  if (b.length > r.maxBytes) return 'too-long'
  const units = utf8ToUnits(b)
  const len = units?.length ?? b.length
  if (units !== undefined) units.fill(0)
  if (len < r.minLength) return 'too-short'
  if (r.commonLengths.has(b.length) && isCommon(r.common, b)) return 'common'
  if (isHostname(b)) return 'hostname'
  return undefined
}

function isCommon(common: ReadonlySet<string>, b: Uint8Array): boolean {
  // Compared byte by byte against the list: the value never becomes a string.
  outer: for (const c of common) {
    if (c.length !== b.length) continue
    for (let i = 0; i < b.length; i++) {
      let x = b[i] as number
      if (x >= 0x41 && x <= 0x5a) x += 0x20
      if (x !== c.charCodeAt(i)) continue outer
    }
    return true
  }
  return false
}

/** Hostnames (`db.prod.svc.cluster.local`) are configuration that Secrets often carry, not secrets. */
export function isHostname(b: Uint8Array): boolean {
  let dots = 0
  let lastDot = -1
  for (let i = 0; i < b.length; i++) {
    const c = b[i] as number
    if (c === 0x2e) {
      if (i === 0 || i === lastDot + 1) return false
      dots++
      lastDot = i
    } else if (!((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d)) return false
  }
  if (dots === 0 || lastDot === b.length - 1) return false
  // The last label is a name (`local`, `com`, `internal`), not digits: `summer.2024` stays a candidate password.
  for (let i = lastDot + 1; i < b.length; i++) {
    const c = b[i] as number
    if (!(c >= 0x61 && c <= 0x7a)) return false
  }
  return b.length - lastDot - 1 >= 2
}
