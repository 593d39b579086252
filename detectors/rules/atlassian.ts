import { crc32 } from '../crc32.ts'
import { BASE64URL, checksummed, format, tokenRule } from './define.ts'

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

export const rules = [
  tokenRule({
    id: 'atlassian-api-token',
    title: 'Atlassian API token (Jira, Confluence, Bitbucket)',
    severity: 'high',
    token: checksummed(format('ATATT3xFfGF0', BASE64URL.atLeast(100, 171), '='), '[0-9A-F]{8}', (body) =>
      crc32(body).toString(16).toUpperCase().padStart(8, '0')
    ),
    validate: atlassianChecksumValid,
    lines: [(s) => `JIRA_API_TOKEN=${s}`, (s) => `curl -u ci-bot@acme.io:${s} https://acme.atlassian.net/rest/api/3/myself`],
    negatives: [
      'JIRA_API_TOKEN=ATATT3xFfGF0...',
      // Right shape, checksum of something else: a hand-edited or truncated token.
      `ATATT3xFfGF0${'aB3-'.repeat(42)}abc=0123ABCD`
    ]
  })
]
