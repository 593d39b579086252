import { crc32 } from '../crc32.ts'
import type { Gen } from '../gen.ts'
import { BASE62, BASE64URL, checksummed, format, re, tokenRule } from './define.ts'
import { END_ALNUM, START_ALNUM, START_DASH } from './patterns.ts'

/** Bitbucket's tokens end in 8 hex digits of CRC-32 over everything before them, prefix included: made-up values fail. */
export function bitbucketChecksumValid(token: string): boolean {
  return crc32(token.slice(0, -8)).toString(16).padStart(8, '0') === token.slice(-8).toLowerCase()
}

const CRC = '[A-Fa-f0-9]{8}'
const crcHex = (body: string): string => crc32(body).toString(16).padStart(8, '0').toUpperCase()
const ACCESS_TOKEN = checksummed(format('ATCTT3xFfGN0', BASE64URL.atLeast(60, 170), '='), CRC, crcHex)

/**
 * Bitbucket Data Center's HTTP access tokens (BBDC-, then 44 of base64): the body decodes to the token's numeric
 * id, ':' and 20 random bytes (the layout CredSweeper's ValueAtlassianTokenCheck tests, github.com/Samsung/CredSweeper,
 * MIT). A made-up or truncated body has no such id.
 */
export function bitbucketServerTokenValid(token: string): boolean {
  // Node's base64 decoder reads both alphabets (+/ and -_).
  const body = Buffer.from(token.slice(5), 'base64')
  const colon = body.indexOf(0x3a)
  if (colon < 4 || colon > 20 || body.length - colon - 1 < 16) return false
  if (!/^[0-9]+$/.test(body.toString('latin1', 0, colon))) return false
  return new Set(body.subarray(colon + 1)).size >= 8
}

const serverToken = (g: Gen): string => {
  const bytes = Buffer.alloc(33)
  bytes.write(`${g.chars('123456789', 1)}${g.digits(11)}:`, 'latin1')
  bytes.write(g.hex(40), 13, 'hex')
  return bytes.toString(g.digits(1) < '5' ? 'base64' : 'base64url')
}

// Atlassian's staff confirm the prefixes: ATBB app passwords, ATCT repository,
// project and workspace access tokens (ATAT, Atlassian API tokens, are in atlassian.ts).
export const rules = [
  tokenRule({
    id: 'bitbucket-app-password',
    title: 'Bitbucket Cloud app password',
    severity: 'high',
    token: checksummed(format('ATBB', BASE62(24)), CRC, crcHex),
    before: START_ALNUM,
    after: END_ALNUM,
    validate: bitbucketChecksumValid,
    lines: [(s) => `git ls-remote https://ci-bot:${s}@bitbucket.org/acme/app.git`, (s) => `BITBUCKET_APP_PASSWORD=${s}`],
    negatives: [
      `BITBUCKET_APP_PASSWORD=ATBB${'x'.repeat(32)}`,
      // Right shape, checksum not matching.
      'token: ATBBabcdefghijklmnopqrstuvwx0123ABCD'
    ]
  }),
  tokenRule({
    id: 'bitbucket-access-token',
    title: 'Bitbucket Cloud repository, project or workspace access token',
    severity: 'high',
    token: ACCESS_TOKEN,
    before: START_DASH,
    validate: bitbucketChecksumValid,
    positives: (g) => {
      const secret = ACCESS_TOKEN.make(g)
      return [
        { line: `Authorization: Bearer ${secret}`, secret },
        { line: `git clone https://x-token-auth:${secret}@bitbucket.org/acme/app.git`, secret }
      ]
    },
    negatives: [`BITBUCKET_TOKEN=ATCTT3xFfGN0${'x'.repeat(80)}=00000000`, 'repository access tokens start with ATCTT3xFfGN0']
  }),
  tokenRule({
    id: 'bitbucket-server-access-token',
    title: 'Bitbucket Data Center HTTP access token (BBDC-)',
    severity: 'high',
    token: format('BBDC-', re('[A-Za-z0-9+/_-]{44}', serverToken)),
    before: START_DASH,
    after: '(?:[^A-Za-z0-9+/=_-]|$)',
    validate: bitbucketServerTokenValid,
    lines: [(s) => `git clone https://x-token-auth:${s}@bitbucket.acme.internal/scm/app/app.git`, (s) => `Authorization: Bearer ${s}`],
    negatives: [
      `BITBUCKET_TOKEN=BBDC-${'A'.repeat(44)}`,
      'tokens start with BBDC-',
      `BBDC-${Buffer.from('not-a-number:abcdefghijklmnopqrst').toString('base64')}`
    ]
  })
]
