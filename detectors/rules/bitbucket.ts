import { crc32 } from '../crc32.ts'
import { BASE62, BASE64URL, checksummed, format, tokenRule } from './define.ts'
import { END_ALNUM, START_ALNUM, START_DASH } from './patterns.ts'

/** Bitbucket's tokens end in 8 hex digits of CRC-32 over everything before them, prefix included: made-up values fail. */
export function bitbucketChecksumValid(token: string): boolean {
  return crc32(token.slice(0, -8)).toString(16).padStart(8, '0') === token.slice(-8).toLowerCase()
}

const CRC = '[A-Fa-f0-9]{8}'
const crcHex = (body: string): string => crc32(body).toString(16).padStart(8, '0').toUpperCase()
const ACCESS_TOKEN = checksummed(format('ATCTT3xFfGN0', BASE64URL.atLeast(60, 170), '='), CRC, crcHex)

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
  })
]
