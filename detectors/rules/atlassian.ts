import { crc32 } from 'node:zlib'
import { ALPHABETS } from '../gen.ts'
import type { Rule } from '../rule.ts'
import { END_DASH, START } from './patterns.ts'

// Atlassian account API tokens: ATATT3xFfGF0, a base64url body, '=' and the
// CRC32 of everything before it, as 8 upper-case hex digits. (Bitbucket's
// ATCTT3xFfGN0 access tokens share the layout; bitbucket.ts owns them.)
export function atlassianChecksumValid(token: string): boolean {
  const eq = token.lastIndexOf('=')
  return (
    crc32(token.slice(0, eq + 1))
      .toString(16)
      .toUpperCase()
      .padStart(8, '0') === token.slice(eq + 1)
  )
}

function atlassianToken(prefix: string, random: string): string {
  const body = `${prefix}${random}=`
  return body + crc32(body).toString(16).toUpperCase().padStart(8, '0')
}

export const rules: Rule[] = [
  {
    id: 'atlassian-api-token',
    title: 'Atlassian API token (Jira, Confluence, Bitbucket)',
    severity: 'high',
    kind: 'pattern',
    regex: `${START}(ATATT3xFfGF0[A-Za-z0-9_-]{100,}=[0-9A-F]{8})${END_DASH}`,
    keywords: ['atatt3xffgf0'],
    validate: atlassianChecksumValid,
    examples: {
      positives: (g) => {
        const a = atlassianToken('ATATT3xFfGF0', g.chars(ALPHABETS.base64url, 171))
        const b = atlassianToken('ATATT3xFfGF0', g.chars(ALPHABETS.base64url, 171))
        return [
          { line: `JIRA_API_TOKEN=${a}`, secret: a },
          { line: `curl -u ci-bot@acme.io:${b} https://acme.atlassian.net/rest/api/3/myself`, secret: b }
        ]
      },
      negatives: [
        'JIRA_API_TOKEN=ATATT3xFfGF0...',
        // Right shape, checksum of something else: a hand-edited or truncated token.
        `ATATT3xFfGF0${'aB3-'.repeat(42)}abc=0123ABCD`
      ]
    }
  }
]
