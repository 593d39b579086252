import { crc32 } from 'node:zlib'
import { ALPHABETS } from '../gen.ts'
import type { Rule } from '../rule.ts'

/** Bitbucket's tokens end in 8 hex digits of CRC-32 over everything before them, prefix included: made-up values fail. */
export function bitbucketChecksumValid(token: string): boolean {
  return crc32(token.slice(0, -8)).toString(16).padStart(8, '0') === token.slice(-8).toLowerCase()
}

function withCrc(body: string): string {
  return body + crc32(body).toString(16).padStart(8, '0').toUpperCase()
}

// Atlassian's staff confirm the prefixes: ATBB app passwords, ATCT repository,
// project and workspace access tokens (ATAT, Atlassian API tokens, are in atlassian.ts).
export const rules: Rule[] = [
  {
    id: 'bitbucket-app-password',
    title: 'Bitbucket Cloud app password',
    severity: 'high',
    kind: 'pattern',
    regex: '(?:^|[^A-Za-z0-9])(ATBB[A-Za-z0-9]{24}[A-Fa-f0-9]{8})(?:[^A-Za-z0-9]|$)',
    keywords: ['atbb'],
    validate: bitbucketChecksumValid,
    examples: {
      positives: (g) => {
        const a = withCrc(`ATBB${g.base62(24)}`)
        const b = withCrc(`ATBB${g.base62(24)}`)
        return [
          { line: `git ls-remote https://ci-bot:${a}@bitbucket.org/acme/app.git`, secret: a },
          { line: `BITBUCKET_APP_PASSWORD=${b}`, secret: b }
        ]
      },
      negatives: [
        `BITBUCKET_APP_PASSWORD=ATBB${'x'.repeat(32)}`,
        // Right shape, checksum not matching.
        'token: ATBBabcdefghijklmnopqrstuvwx0123ABCD'
      ]
    }
  },
  {
    id: 'bitbucket-access-token',
    title: 'Bitbucket Cloud repository, project or workspace access token',
    severity: 'high',
    kind: 'pattern',
    regex: '(?:^|[^A-Za-z0-9_-])(ATCTT3xFfGN0[A-Za-z0-9_-]{60,}=[A-Fa-f0-9]{8})(?:[^A-Za-z0-9_-]|$)',
    keywords: ['atctt3xffgn0'],
    validate: bitbucketChecksumValid,
    examples: {
      positives: (g) => {
        const secret = withCrc(`ATCTT3xFfGN0${g.chars(ALPHABETS.base64url, 170)}=`)
        return [
          { line: `Authorization: Bearer ${secret}`, secret },
          { line: `git clone https://x-token-auth:${secret}@bitbucket.org/acme/app.git`, secret }
        ]
      },
      negatives: [`BITBUCKET_TOKEN=ATCTT3xFfGN0${'x'.repeat(80)}=00000000`, 'repository access tokens start with ATCTT3xFfGN0']
    }
  }
]
