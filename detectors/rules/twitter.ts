import type { Gen } from '../gen.ts'
import type { Rule } from '../rule.ts'

// An X (Twitter) app-only bearer token, as the developer portal shows it: URL-encoded base64 of 44 bytes (16 zero
// bytes, the app's id as a little-endian 64-bit integer, 20 random bytes), its `=` padding written `%3D`, then 50
// letters and digits. Hence the 21 or more A's it always opens with. The first part is decoded and checked: zero
// bytes first, an id whose top two bytes are zero (ids are far below 2^48). Libraries that decode the token write
// `+`, `/` and `=` as they are; both spellings are read. gitleaks' twitter-bearer-token needs the name twitter
// before it; CredSweeper's "X App-Only Authentication Bearer Token" reads the shape alone, as this rule does.
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

/** The part before the padding, URL-decoded, is 59 base64 characters of 16 zero bytes and an id below 2^48. */
function bearerValid(token: string): boolean {
  const pad = token.search(/%3D|=/i)
  const head = token.slice(0, pad).replace(/%2B/gi, '+').replace(/%2F/gi, '/')
  if (head.length !== 59 || !/^[A-Za-z0-9+/]+$/.test(head)) return false
  const bytes = Buffer.from(`${head}=`, 'base64')
  return bytes.length === 44 && bytes.subarray(0, 16).every((b) => b === 0) && bytes[22] === 0 && bytes[23] === 0
}

/** A token as the portal prints it: an app id drawn below 2^40, 20 random bytes, URL-encoded. */
function drawBearer(g: Gen): string {
  const bytes = Buffer.alloc(44)
  bytes.writeBigUInt64LE(BigInt(g.digits(10)) % (1n << 40n), 16)
  Buffer.from(g.hex(40), 'hex').copy(bytes, 24)
  const head = bytes.toString('base64').replace(/=$/, '')
  return `${head.replace(/\+/g, '%2B').replace(/\//g, '%2F')}%3D${g.chars(ALNUM, 50)}`
}

export const rules: Rule[] = [
  {
    id: 'twitter-bearer-token',
    title: 'X (Twitter) app-only bearer token',
    severity: 'high',
    kind: 'pattern',
    regex: '(?:^|[^A-Za-z0-9+/%_-])(A{21}(?:[A-Za-z0-9+/]|%2[BbFf]){38}(?:%3[Dd]|=)[A-Za-z0-9]{50})(?:[^A-Za-z0-9]|$)',
    keywords: ['a'.repeat(21)],
    // Base64 of zeros in a binary blob spells the keyword too, in upper case; a line of lower-case a's does not wake the rule.
    upperKeywords: true,
    minEntropy: 3.5,
    validate: bearerValid,
    examples: {
      positives: (g) => {
        const a = drawBearer(g)
        const b = drawBearer(g)
        const decoded = decodeURIComponent(b)
        return [
          { line: `TWITTER_BEARER_TOKEN=${a}`, secret: a },
          { line: `> GET /2/tweets/search/recent?query=leakwatch HTTP/1.1\r> Authorization: Bearer ${a}`, secret: a },
          { line: `{"level":"debug","msg":"x client","bearer":"${decoded}"}`, secret: decoded }
        ]
      },
      negatives: [
        // Zero bytes in a base64 blob: no padding followed by 50 more characters.
        `{"data":{"blob":"${'A'.repeat(64)}${'QUJD'.repeat(20)}"}}`,
        `TWITTER_BEARER_TOKEN=${'A'.repeat(21)}${'x'.repeat(38)}%3D${'y'.repeat(50)}`,
        'TWITTER_BEARER_TOKEN=<bearer-token>'
      ]
    }
  }
]
