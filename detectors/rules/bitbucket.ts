import { crc32 } from 'node:zlib'
import type { Rule } from '../rule.ts'

/** App passwords end in 8 hex digits of CRC-32 over everything before them, prefix included: made-up values fail. */
export function bitbucketChecksumValid(token: string): boolean {
  return crc32(token.slice(0, -8)).toString(16).padStart(8, '0') === token.slice(-8).toLowerCase()
}

function withCrc(body: string): string {
  return body + crc32(body).toString(16).padStart(8, '0').toUpperCase()
}

// Repository, project and workspace access tokens (ATCTT3xFfGN0…, same CRC-32
// tail) are claimed by atlassian-admin-api-key in atlassian.ts, whose prefix
// covers them; a second rule here would report each token twice.
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
  }
]
