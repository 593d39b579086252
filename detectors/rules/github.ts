import { crc32 } from 'node:zlib'
import { toBase62 } from '../gen.ts'
import type { Rule } from '../rule.ts'

/** GitHub's tokens end in base62(CRC32(random part)) over 6 characters: a typo or a made-up value fails it. */
export function githubChecksumValid(token: string): boolean {
  const underscore = token.indexOf('_')
  const random = token.slice(underscore + 1, -6)
  return toBase62(crc32(random), 6) === token.slice(-6)
}

export const rules: Rule[] = [
  {
    id: 'github-pat-classic',
    title: 'GitHub personal access token (classic)',
    severity: 'critical',
    kind: 'pattern',
    regex: '(?:^|[^A-Za-z0-9_])(ghp_[A-Za-z0-9]{36})(?:[^A-Za-z0-9_]|$)',
    keywords: ['ghp_'],
    validate: githubChecksumValid,
    examples: {
      positives: (g) => {
        const secret = g.githubToken('ghp_')
        return [
          { line: `git clone https://x-access-token:${secret}@github.com/acme/app.git`, secret },
          { line: `GITHUB_TOKEN=${secret}`, secret }
        ]
      },
      negatives: [
        `token: ghp_${'x'.repeat(36)}`,
        // Right shape, wrong checksum: the kind of string a test writes by hand.
        'token: ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789',
        'see docs for ghp_ prefixed tokens'
      ]
    }
  }
]
